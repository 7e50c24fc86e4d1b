package request

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"play Femme Fatale by Bonobo.", []string{"play", "Femme", "Fatale", "by", "Bonobo", "."}},
		{"Jerry Lee Lewis's track", []string{"Jerry", "Lee", "Lewis", "'s", "track"}},
		{"'s ", []string{"'s"}},
		{"Guns N' Roses & more!", []string{"Guns", "N'", "Roses", "&", "more", "!"}},
		{"  ", nil},
		{"...", []string{"..."}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Tokenize(c.in), c.in)
	}
}

func TestReadSNIPS(t *testing.T) {
	f, err := os.Open("testdata/few.json")
	require.NoError(t, err)
	defer f.Close()
	ex, err := ReadSNIPS(f)
	require.NoError(t, err)
	require.Len(t, ex, 6)
	assert.Equal(t, []Span{
		{Slot: "track", Text: "Femme Fatale", Start: 1, End: 3},
		{Slot: "artist", Text: "Bonobo", Start: 4, End: 5},
		{Slot: "service", Text: "Spotify", Start: 6, End: 7},
	}, ex[0].Spans())

	for _, bad := range []string{"", "[]", `{"PlayMusic": []}`, `{"PlayMusic": [{"data": [{"text": 3}]}]}`} {
		_, err := ReadSNIPS(strings.NewReader(bad))
		assert.Error(t, err, bad)
	}
}

// TestParse: real requests, most of them not from the training file; the
// slots a driver's words must give.
func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
	}{
		{"play Femme Fatale by Bonobo on Spotify", map[string]string{"track": "Femme Fatale", "artist": "Bonobo", "service": "Spotify"}},
		{"play the newest song by Imogen Heap on Spotify", map[string]string{"sort": "newest", "music_item": "song", "artist": "Imogen Heap", "service": "Spotify"}},
		{"Play some seventies music", map[string]string{"year": "seventies"}},
		{"play music by Bob Marley from the seventies", map[string]string{"artist": "Bob Marley", "year": "seventies"}},
		{"play some jazz", map[string]string{"genre": "jazz"}},
		{"play the album Kind Of Blue by Miles Davis", map[string]string{"music_item": "album", "album": "Kind Of Blue", "artist": "Miles Davis"}},
		{"I want to hear the top songs by Metallica on Deezer", map[string]string{"sort": "top", "artist": "Metallica", "service": "Deezer"}}, // the benchmark never labels the plural "songs"
		{"can you play Hotel California by the Eagles please", map[string]string{"track": "Hotel California", "artist": "Eagles"}},
		{"play a song from 1995", map[string]string{"music_item": "song", "year": "1995"}},
		{"play Radiohead", map[string]string{"artist": "Radiohead"}},
		// At most one artist: without the constraint Manuel was a second artist.
		{"Play me a song by Steve Hackett from Manuel", map[string]string{"music_item": "song", "artist": "Steve Hackett", "album": "Manuel"}},
	}
	for _, c := range cases {
		s, err := Parse(c.in)
		require.NoError(t, err)
		got := map[string]string{}
		for _, sp := range s.Spans {
			got[sp.Slot] = sp.Text
		}
		assert.Equal(t, c.want, got, c.in)
	}
}

func TestParseFields(t *testing.T) {
	s, err := Parse("play Femme Fatale by Bonobo on Spotify")
	require.NoError(t, err)
	assert.Equal(t, "Femme Fatale", s.Track)
	assert.Equal(t, "Bonobo", s.Artist)
	assert.Equal(t, "Spotify", s.Service)
	assert.Empty(t, s.Album)

	empty, err := Parse("   ")
	require.NoError(t, err)
	assert.Empty(t, empty.Spans)
}

// TestCrossValidate: on a few records the scores are counted, not guessed:
// every gold span is counted once, and precision/recall stay in [0, 1].
func TestCrossValidate(t *testing.T) {
	f, err := os.Open("testdata/few.json")
	require.NoError(t, err)
	defer f.Close()
	ex, err := ReadSNIPS(f)
	require.NoError(t, err)
	scores := CrossValidate(ex, 3)
	gold := map[string]int{}
	for _, s := range scores {
		gold[s.Slot] = s.Gold
		assert.LessOrEqual(t, s.Correct, min(s.Gold, s.Predicted), s.Slot)
		assert.InDelta(t, 0.5, s.F1, 0.5, s.Slot)
	}
	assert.Equal(t, map[string]int{"artist": 5, "music_item": 3, "track": 2, "service": 1, "year": 1, "sort": 1, "genre": 1, "album": 1}, gold)
}

func TestCount(t *testing.T) {
	counts := map[string]*SlotScore{}
	gold := []Span{{Slot: "artist", Start: 1, End: 3}, {Slot: "track", Start: 4, End: 5}}
	pred := []Span{{Slot: "artist", Start: 1, End: 3}, {Slot: "track", Start: 4, End: 6}, {Slot: "year", Start: 7, End: 8}}
	count(counts, gold, pred)
	got := map[string]SlotScore{}
	for _, s := range finish(counts) {
		got[s.Slot] = s
	}
	assert.Equal(t, SlotScore{Slot: "artist", Gold: 1, Predicted: 1, Correct: 1, Precision: 1, Recall: 1, F1: 1}, got["artist"])
	assert.Equal(t, SlotScore{Slot: "track", Gold: 1, Predicted: 1}, got["track"])
	assert.Equal(t, SlotScore{Slot: "year", Predicted: 1}, got["year"])
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"play Femme Fatale by Bonobo on Spotify", "", "'s", "…", "\xff\xfe", "play   the   album", strings.Repeat("la ", 200)} {
		f.Add(s)
	}
	t, err := defaultTagger()
	require.NoError(f, err)
	f.Fuzz(func(tt *testing.T, text string) {
		s := t.parse(text)
		assert.LessOrEqual(tt, len(s.Tokens), MaxTokens)
		end, artists := 0, 0
		for _, sp := range s.Spans {
			if sp.Slot == SlotArtist {
				artists++
			}
			require.LessOrEqual(tt, artists, 1, "a request names at most one artist")
			require.GreaterOrEqual(tt, sp.Start, end, "spans overlap")
			require.Greater(tt, sp.End, sp.Start)
			require.LessOrEqual(tt, sp.End, len(s.Tokens))
			assert.Equal(tt, strings.Join(s.Tokens[sp.Start:sp.End], " "), sp.Text)
			end = sp.End
		}
	})
}

// BenchmarkParse: a request that says "song", and one that does not, whose
// name the name shape model labels album or track (nameshape.go).
func BenchmarkParse(b *testing.B) {
	_, err := defaultTagger()
	require.NoError(b, err)
	for _, text := range []string{"play the newest song by Imogen Heap on Spotify", "play Femme Fatale by Bonobo on Spotify"} {
		b.Run(strings.Join(strings.Fields(text)[:3], "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode: Viterbi alone, without and with the at-most-one-artist
// constraint (twice the states).
func BenchmarkDecode(b *testing.B) {
	t, err := defaultTagger()
	require.NoError(b, err)
	feats := features(Tokenize("play the newest song by Imogen Heap on Spotify"))
	for _, once := range []bool{false, true} {
		b.Run(fmt.Sprintf("once=%v", once), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t.decode(feats, once)
			}
		})
	}
}

// BenchmarkTrainTagger: learning the default tagger from the embedded
// requests, what every process paid on first Parse before the weights were
// trained at build time; compare BenchmarkLoadTagger.
func BenchmarkTrainTagger(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := trainDefault(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHeldOutScores: the embedded tagger on the benchmark's own 100
// held-out requests (testdata/validate_PlayMusic.json, sonos/nlu-benchmark,
// CC0), where the published figures were taken. A guard against a tagger
// that cross-validates well but reads new requests badly.
func TestHeldOutScores(t *testing.T) {
	f, err := os.Open("testdata/validate_PlayMusic.json")
	require.NoError(t, err)
	defer f.Close()
	examples, err := ReadSNIPS(f)
	require.NoError(t, err)
	require.Len(t, examples, 100)
	scores, err := ScoreDefault(examples)
	require.NoError(t, err)
	f1 := map[string]float64{}
	for _, s := range scores {
		f1[s.Slot] = s.F1
	}
	for slot, floor := range map[string]float64{"artist": 0.85, "service": 0.95, "music_item": 0.95, "year": 0.9, "sort": 0.85} {
		assert.GreaterOrEqual(t, f1[slot], floor, slot)
	}
}
