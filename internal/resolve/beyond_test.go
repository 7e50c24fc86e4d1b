package resolve

import (
	"bytes"
	"compress/gzip"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestArtistTagsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteArtistTags(&buf, map[string][]string{
		"Rammstein":  {"industrial metal", "neue deutsche harte", "industrial metal"},
		"Björk":      {"art pop", "icelandic experimental"},
		"No Tags":    nil,
		"Bad\tName":  {"pop"},
		"Beyoncé":    {"pop", "r&b"},
		"beyonce":    {"dance pop"}, // the same artist normalised: the first spelling sorted wins
		"Nina Hagen": {"german punk"},
	}))
	zr, err := gzip.NewReader(&buf)
	require.NoError(t, err)
	a, err := ReadArtistTags(zr)
	require.NoError(t, err)
	assert.Equal(t, 4, a.Len())
	cases := []struct {
		name, display string
		tags          []string
	}{
		{"rammstein", "Rammstein", []string{"industrial metal", "neue deutsche harte"}},
		{"BJORK", "Björk", []string{"art pop", "icelandic experimental"}},
		{"beyonce", "Beyoncé", []string{"pop", "r&b"}},
		{"No Tags", "", nil},
		{"Bad Name", "", nil},
	}
	for _, c := range cases {
		display, tags, ok := a.Lookup(c.name)
		assert.Equal(t, c.display != "", ok, c.name)
		assert.Equal(t, c.display, display, c.name)
		assert.Equal(t, c.tags, tags, c.name)
	}
	var none *ArtistTags
	_, _, ok := none.Lookup("x")
	assert.False(t, ok, "a nil table knows no one")
}

func TestReadArtistTagsRejectsDamage(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "line 0: want header"},
		{"continuo-artist-tags 2\n0\n", "line 1: want header"},
		{"continuo-artist-tags 1\nx\n", "line 2: want the number of tags"},
		{"continuo-artist-tags 1\n-1\n", "want the number of tags"},
		{"continuo-artist-tags 1\n2\npop\n", "want a tag"},
		{"continuo-artist-tags 1\n1\npop\nBjörk 0\n", "line 4: want name<TAB>tag numbers"},
		{"continuo-artist-tags 1\n1\npop\nBjörk\t1\n", `line 4: tag number "1" out of range 0..0`},
		{"continuo-artist-tags 1\n1\npop\nBjörk\tx\n", `tag number "x"`},
	}
	for _, c := range cases {
		_, err := ReadArtistTags(strings.NewReader(c.in))
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
	}
}

func FuzzReadArtistTags(f *testing.F) {
	f.Add("continuo-artist-tags 1\n1\npop\nBjörk\t0\n")
	f.Add("continuo-artist-tags 1\n2\na\nb\nX\t1 0 1\nY\t\n")
	f.Add("continuo-artist-tags 1\n99999999\n")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ReadArtistTags(strings.NewReader(in))
		if err != nil {
			return
		}
		for key, w := range a.artists {
			display, tags, ok := a.Lookup(w.name)
			require.True(t, ok, key)
			require.Equal(t, len(w.tags), len(tags))
			require.NotEmpty(t, display)
		}
	})
}

// TestEmbeddedArtistTags: the embedded table is the artist file's tagged
// artists, and regenerating it from ../shared/data gives the same bytes
// (run `make artist-tags` when this fails).
func TestEmbeddedArtistTags(t *testing.T) {
	a, err := DefaultArtistTags()
	require.NoError(t, err)
	// 18,823 tagged artists; 40 names fold to one already seen ("Beyoncé", "Beyonce").
	assert.Equal(t, 18783, a.Len())
	display, tags, ok := a.Lookup("rammstein")
	require.True(t, ok)
	assert.Equal(t, "Rammstein", display)
	assert.Contains(t, tags, "industrial metal")

	f, err := os.Open("../../../shared/data/spotify_artist_genres_w_features.csv")
	if err != nil {
		t.Skipf("the artist file is not here to check staleness: %v", err)
	}
	defer f.Close()
	artists, err := ReadArtistFile(f)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteArtistTags(&buf, artists))
	assert.True(t, bytes.Equal(artistTagsGz, buf.Bytes()), "artist_tags.txt.gz is stale: run make artist-tags")
}

func TestReadArtistFile(t *testing.T) {
	in := "genres,artists,acousticness\r\n" +
		"\"industrial metal, neue deutsche harte\",Rammstein,0.1\r\n" +
		"[],Nobody,0.2\r\n" +
		"\"\"\"childrens music\"\", pop\",Kids Band,0.3\r\n"
	got, err := ReadArtistFile(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"Rammstein": {"industrial metal", "neue deutsche harte"},
		"Kids Band": {"childrens music", "pop"},
	}, got)
	_, err = ReadArtistFile(strings.NewReader("name,tags\nx,y\n"))
	assert.ErrorContains(t, err, "want columns artists and genres")
}

// TestUnderstandBeyondCatalog: an artist the catalog has no tracks of but
// the artist table knows starts music of their genres, and says so; an
// artist known nowhere is refused, naming what was understood; an artist
// the catalog has reads as before.
func TestUnderstandBeyondCatalog(t *testing.T) {
	tracks := append(understandTracks(),
		music.Track{Title: "Head Like a Hole", Popularity: 60, Genres: []string{"rock"}, Tags: []string{"industrial rock", "industrial"}, Artists: []string{"Nine Inch Nails"}},
		music.Track{Title: "Just One Fix", Popularity: 40, Genres: []string{"metal"}, Tags: []string{"industrial metal", "industrial"}, Artists: []string{"Ministry"}},
		music.Track{Title: "After the Fire Is Gone", Popularity: 30, Genres: []string{"country"}, Tags: []string{"country"}, Artists: []string{"Conway Twitty", "Loretta Lynn"}},
	)
	ix := NewIndex(tracks)
	cases := []struct {
		query  string
		kind   Kind
		like   string
		genres []string
		title  string // the title started, "" for any
	}{
		{"play something by Skinny Puppy", KindGenre, "Skinny Puppy", []string{"industrial", "industrial metal", "industrial rock"}, ""},
		{"skinny puppy", KindGenre, "Skinny Puppy", []string{"industrial", "industrial metal", "industrial rock"}, ""},
		{"play the newest song by Skinny Puppy on Spotify", KindGenre, "Skinny Puppy", []string{"industrial", "industrial metal", "industrial rock"}, ""},
		{"play Nine Inch Nails", KindArtist, "", nil, ""}, // in the catalog: the artist
		{"play Head Like a Hole", KindTrack, "", nil, ""},
		// Only featured on a duet, but in the catalog: her track, not her genres.
		{"Play a Loretta Lynn tune on Groove Shark", KindArtist, "", nil, "After the Fire Is Gone"},
	}
	for _, c := range cases {
		got := ix.Understand(c.query, 3)
		require.NotEmpty(t, got, c.query)
		assert.Equal(t, c.kind, got[0].Kind, c.query)
		assert.Equal(t, c.like, got[0].Like, c.query)
		assert.ElementsMatch(t, c.genres, got[0].Genres, c.query)
		assert.GreaterOrEqual(t, got[0].Confidence, PlayConfidence, c.query)
		if c.title != "" {
			assert.Equal(t, c.title, tracks[got[0].Row].Title, c.query)
		}
		if c.like != "" {
			assert.Contains(t, c.genres, got[0].Genre, c.query)
			assert.Equal(t, got[0].Genre, got[0].Label, c.query)
		}
	}

	unknown := "play songs by Zxqv Blorptone"
	got := ix.Understand(unknown, 3)
	assert.True(t, len(got) == 0 || got[0].Confidence < PlayConfidence, "an artist known nowhere is not played: %+v", got)
	assert.Equal(t, `artist "Zxqv Blorptone" (not in the catalog, genres unknown)`, ix.Understood(unknown))
	assert.Equal(t, `artist "Nine Inch Nails"`, ix.Understood("play Nine Inch Nails"))
	assert.Equal(t, `artist "Skinny Puppy" (not in the catalog; their genres are)`, ix.Understood("play something by Skinny Puppy"))
	assert.Equal(t, `artist "Rammstein" (not in the catalog; none of their genres is either)`,
		NewIndex(understandTracks()).Understood("play something by Rammstein"))
	assert.Equal(t, "", ix.Understood("play some music"))
}
