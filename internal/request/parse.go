package request

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:generate go run ./cmd/mktagger -o tagger.bin.gz

// The SNIPS PlayMusic training requests (sonos/nlu-benchmark, CC0 1.0),
// gzipped: the default tagger is learned from them at build time
// (WriteTrainedTagger).
//
//go:embed snips_playmusic.json.gz
var snipsGz []byte

// The default tagger's weights, trained from snipsGz by cmd/mktagger.
//
//go:embed tagger.bin.gz
var taggerBlob []byte

var defaultTagger = sync.OnceValues(learnDefault)

// learnDefault loads the embedded weights. There is no fallback to
// training: a damaged blob is a build bug, and the error says what is wrong.
func learnDefault() (*tagger, error) {
	t, err := decodeTagger(taggerBlob)
	if err != nil {
		return nil, fmt.Errorf("request: embedded tagger (run make tagger): %w", err)
	}
	if _, err := defaultNameShape(); err != nil {
		return nil, err
	}
	return t, nil
}

// trainDefault learns the default tagger from the embedded requests.
func trainDefault() (*tagger, error) {
	zr, err := gzip.NewReader(bytes.NewReader(snipsGz))
	if err != nil {
		return nil, fmt.Errorf("request: embedded training requests: %w", err)
	}
	examples, err := ReadSNIPS(zr)
	if err != nil {
		return nil, fmt.Errorf("request: embedded training requests: %w", err)
	}
	if _, err := defaultNameShape(); err != nil {
		return nil, err
	}
	return train(examples), nil
}

// WriteTrainedTagger trains the default tagger from the embedded SNIPS
// requests and writes its weights in the embedded blob format (gzipped,
// versioned, checksummed, deterministic). cmd/mktagger uses it.
func WriteTrainedTagger(w io.Writer) error {
	t, err := trainDefault()
	if err != nil {
		return err
	}
	return encodeTagger(w, t)
}

// Slot names, as the SNIPS benchmark spells them.
const (
	SlotArtist    = "artist"
	SlotTrack     = "track"
	SlotAlbum     = "album"
	SlotGenre     = "genre"
	SlotYear      = "year"
	SlotSort      = "sort"
	SlotMusicItem = "music_item"
	SlotService   = "service"
	SlotPlaylist  = "playlist"
)

// MaxTokens bounds the words read from one request: a request is a
// sentence, and decoding is linear in its length.
const MaxTokens = 64

// Slots is what a request names. Each field is the first span of its slot
// ("" when none); Spans has them all, in order.
type Slots struct {
	Artist    string `json:"artist,omitempty"`
	Track     string `json:"track,omitempty"`
	Album     string `json:"album,omitempty"`
	Genre     string `json:"genre,omitempty"`
	Year      string `json:"year,omitempty"`
	Sort      string `json:"sort,omitempty"`
	MusicItem string `json:"music_item,omitempty"`
	Service   string `json:"service,omitempty"`
	Playlist  string `json:"playlist,omitempty"`
	Spans     []Span `json:"spans"`
	// Tokens are the request's words as the spans count them.
	Tokens []string `json:"tokens"`
}

// Warm loads the default tagger's embedded weights now, so that the first
// request does not pay for it.
func Warm() error {
	_, err := defaultTagger()
	return err
}

// Parse reads a request into slots. It never panics; an empty request has
// no slots. The first call loads the tagger's weights.
func Parse(text string) (Slots, error) {
	t, err := defaultTagger()
	if err != nil {
		return Slots{}, err
	}
	return t.parse(text), nil
}

func (t *tagger) parse(text string) Slots {
	tokens := Tokenize(strings.ToValidUTF8(text, " "))
	if len(tokens) > MaxTokens {
		tokens = tokens[:MaxTokens]
	}
	s := Slots{Tokens: tokens, Spans: []Span{}}
	if len(tokens) == 0 {
		return s
	}
	slots, begin := t.tag(tokens)
	s.Spans = spansOf(tokens, slots, begin)
	fields := map[string]*string{
		SlotArtist: &s.Artist, SlotTrack: &s.Track, SlotAlbum: &s.Album, SlotGenre: &s.Genre,
		SlotYear: &s.Year, SlotSort: &s.Sort, SlotMusicItem: &s.MusicItem, SlotService: &s.Service,
		SlotPlaylist: &s.Playlist,
	}
	for _, sp := range s.Spans {
		if f := fields[sp.Slot]; f != nil && *f == "" {
			*f = sp.Text
		}
	}
	return s
}
