package request

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// The SNIPS PlayMusic training requests (sonos/nlu-benchmark, CC0 1.0),
// gzipped: the default tagger is learned from them on first use.
//
//go:embed snips_playmusic.json.gz
var snipsGz []byte

var defaultTagger = sync.OnceValues(learnDefault)

func learnDefault() (*tagger, error) {
	zr, err := gzip.NewReader(bytes.NewReader(snipsGz))
	if err != nil {
		return nil, fmt.Errorf("request: embedded training requests: %w", err)
	}
	examples, err := ReadSNIPS(zr)
	if err != nil {
		return nil, fmt.Errorf("request: embedded training requests: %w", err)
	}
	return train(examples), nil
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

// Warm learns the default tagger now, so that the first request does not
// pay for it (about a second; more on a loaded machine).
func Warm() error {
	_, err := defaultTagger()
	return err
}

// Parse reads a request into slots. It never panics; an empty request has
// no slots. The first call learns the tagger (about a second).
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
