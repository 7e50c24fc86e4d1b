package catalog

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestDetectKind(t *testing.T) {
	cases := []struct {
		head, want string
	}{
		{"track_key,title,artist,genre,danceability,source\n", KindMultigenre},
		{"track_id,track_name,track_artist,track_popularity,playlist_id\n", KindPlaylists},
		{"genres,artists,acousticness,count\r\n", KindArtistGenres},
		{"mode,genres,acousticness\n", KindGenreFeatures},
		{"track_id,artists,album_name,track_name,explicit\n", KindSpotifyTracks},
		{"\ufeffid,title,artists,genres\n", KindNativeCSV},
		{"  {\"title\":\"x\"}\n", KindNativeJSONL},
	}
	for _, tc := range cases {
		got, err := detectKind([]byte(tc.head))
		require.NoError(t, err, tc.head)
		assert.Equal(t, tc.want, got, tc.head)
	}
	_, err := detectKind([]byte("a,b\n"))
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
}

func TestSplitTags(t *testing.T) {
	cases := map[string][]string{
		"[]":                                 nil,
		"":                                   nil,
		"classical, classical era":           {"classical", "classical era"},
		`"childrens music", kids dance`:      {"childrens music", "kids dance"},
		"['classical', 'late romantic era']": {"classical", "late romantic era"},
	}
	for in, want := range cases {
		assert.Equal(t, want, splitTags(in), in)
	}
}

func TestNormalizeTag(t *testing.T) {
	cases := map[string]string{
		"Hip-Hop":             "hip hop",
		"  R&B ":              "r&b",
		"Children's Music":    "childrens music",
		"Música Clásica":      "musica clasica",
		"POST_PUNK / revival": "post punk revival",
		"":                    "",
	}
	for in, want := range cases {
		assert.Equal(t, want, NormalizeTag(in), in)
	}
}

// maxFuzzSeed cuts seed files: a header and a few rows reach every parser
// path, and every new input the fuzzer finds from a seed is minimised
// byte by byte before fuzzing goes on; from 4 KB seeds that took most of
// a 10 s run (13-58 inputs executed).
const maxFuzzSeed = 1024

// fuzzParse runs one source kind over arbitrary bytes in both modes and
// checks what the parser keeps.
func fuzzParse(f *testing.F, kind string, seedFiles ...string) {
	for _, p := range seedFiles {
		b, err := os.ReadFile(p)
		require.NoError(f, err)
		if len(b) > maxFuzzSeed {
			b = b[:bytes.LastIndexByte(b[:maxFuzzSeed], '\n')+1]
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, strict := range []bool{false, true} {
			rep := newReport()
			in := newInputs(strict, limits{maxLine: 2048, maxField: 512}, rep)
			_, err := in.parse(bytes.NewReader(b), "fuzz.csv", kind)
			if err != nil {
				continue
			}
			for _, tr := range in.tracks {
				require.NotEmpty(t, tr.ID)
				require.NotEmpty(t, tr.Title)
				require.NotEmpty(t, tr.Artists)
				for _, v := range []float32{tr.Features.Danceability, tr.Features.Energy, tr.Features.Valence} {
					require.True(t, !music.IsKnown(v) || (v >= 0 && v <= 1), "unit feature %v", v)
				}
				require.False(t, math.IsInf(float64(tr.Features.Loudness), 0))
				require.True(t, !music.IsKnown(tr.Features.Tempo) || tr.Features.Tempo > 0)
			}
		}
	})
}

func FuzzParseMultigenre(f *testing.F) {
	f.Add([]byte("track_key,title,artist,genre,source\nk,\"a\"b\",c,d,e\n"))
	fuzzParse(f, KindMultigenre, testdata+"multigenre.csv", testdata+"malformed.csv")
}

func FuzzParsePlaylists(f *testing.F) {
	fuzzParse(f, KindPlaylists, testdata+"playlists.csv")
}

func FuzzParseArtistGenres(f *testing.F) {
	fuzzParse(f, KindArtistGenres, testdata+"artists.csv")
}

func FuzzParseGenreFeatures(f *testing.F) {
	fuzzParse(f, KindGenreFeatures, testdata+"genre_features.csv")
}

func FuzzParseSpotifyTracks(f *testing.F) {
	fuzzParse(f, KindSpotifyTracks, testdata+"spotify_tracks.csv")
}

func FuzzParseNativeCSV(f *testing.F) {
	f.Add([]byte("id,title,artists,tempo\nx,y,z;w,NaN\n"))
	fuzzParse(f, KindNativeCSV, testdata+"native.csv")
}

func FuzzParseNativeJSONL(f *testing.F) {
	f.Add([]byte(`{"title":"t","artists":[1,2]}` + "\n" + `{"title":"t","artists":"a;b","energy":"1e400"}`))
	fuzzParse(f, KindNativeJSONL, testdata+"native.jsonl")
}

func FuzzReadPlaylists(f *testing.F) {
	b, err := os.ReadFile(testdata + "playlists.csv")
	require.NoError(f, err)
	f.Add(b[:bytes.LastIndexByte(b[:maxFuzzSeed], '\n')+1])
	f.Add([]byte("playlist_id,track_id\np,\"x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pls, err := readPlaylists(bytes.NewReader(b), "fuzz.csv")
		if err != nil {
			return
		}
		for _, p := range pls {
			require.NotEmpty(t, p.ID)
			require.NotEmpty(t, p.Tracks)
		}
	})
}

func TestSkipSummary(t *testing.T) {
	r := newReport()
	assert.Equal(t, "none", r.SkipSummary())
	r.Skipped = map[string]int{"missing id": 12, "conflicting title": 413, "bad utf-8": 12}
	assert.Equal(t, "413 conflicting title, 12 bad utf-8, 12 missing id", r.SkipSummary())
}
