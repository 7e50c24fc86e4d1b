package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

const testdata = "../../testdata/catalog/"

// extractSources are the real extracts cut from /work/shared/data.
var extractSources = []string{
	testdata + "multigenre.csv",
	testdata + "artists.csv",
	testdata + "genre_features.csv",
	testdata + "spotify_tracks.csv",
}

func buildExtract(t *testing.T) (*Catalog, *Report) {
	t.Helper()
	c, rep, err := Build(BuildOptions{Sources: extractSources})
	require.NoError(t, err)
	return c, rep
}

func findTrack(t *testing.T, c *Catalog, artist, titlePart string) int {
	t.Helper()
	for i := range c.Len() {
		if strings.Contains(c.PrimaryArtist(i), artist) && strings.Contains(c.Title(i), titlePart) {
			return i
		}
	}
	t.Fatalf("no track %q by %q", titlePart, artist)
	return -1
}

func TestBuildExtract(t *testing.T) {
	c, rep := buildExtract(t)
	// The extracts are clean except for one real title conflict: the same
	// Spotify id as "Act II: No. 10, Scene" in M and "Act 2: ..." in C (renamed
	// between the collection dates). It is counted, and the first title kept.
	assert.Equal(t, map[string]int{ReasonConflict: 1}, rep.Skipped, "%v", rep.Problems)
	require.Len(t, rep.Sources, 4)
	kinds := []string{KindMultigenre, KindArtistGenres, KindGenreFeatures, KindSpotifyTracks}
	for i, k := range kinds {
		assert.Equal(t, k, rep.Sources[i].Kind)
		assert.Equal(t, rep.Sources[i].Rows, rep.Sources[i].Kept)
	}
	assert.Greater(t, rep.Merged, 0, "tracks under several labels are merged")

	swan := findTrack(t, c, "Tchaikovsky", "Scène")
	tr := c.Track(swan)
	assert.Equal(t, []string{"classical", "late romantic era", "russian romanticism"}, tr.Tags)
	assert.Equal(t, "classical", c.Families[c.Family[swan]])

	post := findTrack(t, c, "Post Malone", "")
	assert.ElementsMatch(t, []string{"dfw rap", "melodic rap", "rap"}, c.TrackTags(post))

	// M credits are split on ';' and the raw M files fill album and explicit.
	var joined int
	for i := range c.Len() {
		if c.Album(i) != "" && c.Explicit(i) != music.ExplicitUnknown {
			joined++
		}
		for _, a := range c.TrackArtists(i) {
			assert.NotContains(t, a, ";")
		}
	}
	assert.Greater(t, joined, 100)

	// Every track id is unique and found again.
	for i := range c.Len() {
		r, ok := c.Lookup(c.ID(i))
		require.True(t, ok)
		assert.Equal(t, i, r)
	}
}

func TestBuildDamagedTagsRepaired(t *testing.T) {
	c, _ := buildExtract(t)
	// The artist file wraps "childrens music" in literal quotes; the genre
	// file spells it "children's music". Both normalise to one key.
	_, ok := c.Tags.Vector("children's music")
	assert.True(t, ok)
	for _, n := range c.Tags.Tags() {
		assert.NotContains(t, n, `"`)
	}
}

func TestBuildMoodAndFeatures(t *testing.T) {
	c, _ := buildExtract(t)
	require.NoError(t, c.Mood.Check())
	require.NoError(t, c.Genre.Check())
	var mean [MoodDims]float64
	for i := 0; i < c.Len(); i++ {
		for d, v := range c.Mood.Row(i) {
			mean[d] += float64(v)
		}
		if tp := c.Features(i).Tempo; music.IsKnown(tp) {
			assert.Greater(t, tp, float32(0), "tempo 0 is stored as unknown")
		}
	}
	for d := range mean {
		assert.InDelta(t, 0, mean[d]/float64(c.Len()), 1e-3, "dim %d is standardised", d)
		assert.Greater(t, c.MoodStd[d], float32(0))
	}
	// Undoing the standardisation gives the raw valence back.
	i := findTrack(t, c, "Post Malone", "")
	v := c.Mood.Row(i)[MoodValence]*c.MoodStd[MoodValence] + c.MoodMean[MoodValence]
	assert.InDelta(t, c.Features(i).Valence, v, 1e-4)
}

func TestBuildGenreProperties(t *testing.T) {
	for name, c := range map[string]*Catalog{"extract": must(buildExtract(t)), "default": mustDefault(t)} {
		t.Run(name, func(t *testing.T) {
			s := c.Tags
			eras := []string{"classical era", "late romantic era", "russian romanticism", "baroque"}
			for _, a := range eras {
				va, ok := s.Vector(a)
				require.True(t, ok, a)
				for _, rap := range []string{"rap", "dfw rap"} {
					vr, ok := s.Vector(rap)
					require.True(t, ok, rap)
					far := embed.Dot(va, vr)
					for _, b := range eras {
						vb, _ := s.Vector(b)
						assert.Greater(t, embed.Dot(va, vb), far, "%s~%s vs %s~%s", a, b, a, rap)
					}
				}
			}
			for i := 0; i < c.Len(); i++ {
				row := c.Genre.Row(i)
				require.True(t, finite(row))
				assert.InDelta(t, 1, embed.Dot(row, row), 1e-3)
			}
		})
	}
}

func must(c *Catalog, _ *Report) *Catalog { return c }

func mustDefault(t *testing.T) *Catalog {
	c, err := Default()
	require.NoError(t, err)
	return c
}

func TestBuildLenientMalformed(t *testing.T) {
	c, rep, err := Build(BuildOptions{Sources: []string{testdata + "malformed.csv", testdata + "artists.csv"}})
	require.NoError(t, err)
	want := map[string]int{
		ReasonNotFinite:  2, // NaN, Inf
		ReasonRange:      3, // energy 1.7, loudness 20, key 12
		ReasonMissing:    2, // title, artist
		ReasonNotNumber:  2, // tempo "fast", mode 0.5
		ReasonTooLong:    1,
		ReasonFieldCount: 1,
		ReasonUTF8:       1,
		ReasonConflict:   1,
	}
	assert.Equal(t, want, rep.Skipped)
	assert.Equal(t, 3, c.Len(), "the three good rows (one merged conflict keeps the first title)")
	assert.NotEmpty(t, rep.Problems)
	assert.Regexp(t, `^\.\./\.\./testdata/catalog/malformed\.csv:\d+: \w+: `, rep.Problems[0])
}

func TestBuildStrict(t *testing.T) {
	header := "track_key,title,artist,genre,danceability,energy,loudness,speechiness,acousticness,instrumentalness,liveness,valence,key,mode,tempo,duration_ms,popularity,spotify_id,source\n"
	good := "id1,Song,Artist,rock,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id1,src\n"
	cases := []struct {
		name, body, want string
	}{
		{"energy out of range", "id2,Song,Artist,rock,0.5,1.7,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id2,src\n", ":3: energy: out of range: want 0..1, got 1.7"},
		{"nan", "id2,Song,Artist,rock,NaN,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id2,src\n", ":3: danceability: not finite"},
		{"missing title", "id2,,Artist,rock,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id2,src\n", ":3: title: missing field"},
		{"bad utf-8", "id2,So\xffng,Artist,rock,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id2,src\n", ":3: title: bad utf-8"},
		{"field count", "id2,Song,Artist\n", ":3: row: wrong field count"},
		{"conflicting title", "id1,Other Song,Artist,pop,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id1,src\n", ":3: title: conflicting title"},
		{"malformed quote", "id2,Bad \"quote,Artist,rock,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,200000,50,id2,src\n", ":3: malformed csv"},
		{"duration", "id2,Song,Artist,rock,0.5,0.5,-5,0.1,0.1,0,0.1,0.5,1,1,120,-5,50,id2,src\n", ":3: duration_ms: out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tracks.csv")
			require.NoError(t, os.WriteFile(path, []byte(header+good+tc.body), 0o644))
			_, _, err := Build(BuildOptions{Sources: []string{path}, Strict: true})
			require.Error(t, err)
			assert.Contains(t, err.Error(), path+tc.want)
			assert.Equal(t, music.KindInvalid, music.KindOf(err))
		})
	}
}

func TestBuildLimits(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.csv")
	require.NoError(t, os.WriteFile(long, []byte("id,title,artists\n"+strings.Repeat("a", 100<<10)+"\n"), 0o644))
	_, _, err := Build(BuildOptions{Sources: []string{long}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "long.csv:2: line longer than")

	unknown := filepath.Join(dir, "unknown.csv")
	require.NoError(t, os.WriteFile(unknown, []byte("a,b,c\n1,2,3\n"), 0o644))
	_, _, err = Build(BuildOptions{Sources: []string{unknown}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown source kind")

	_, _, err = Build(BuildOptions{})
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
}

func TestBuildNativeFormats(t *testing.T) {
	def := mustDefault(t)
	var got [2]*Catalog
	for i, f := range []string{"native.csv", "native.jsonl"} {
		c, rep, err := Build(BuildOptions{Sources: []string{testdata + f}, Space: def.Tags, Strict: true})
		require.NoError(t, err, f)
		assert.Equal(t, []string{KindNativeCSV, KindNativeJSONL}[i], rep.Sources[0].Kind)
		got[i] = c
	}
	require.Equal(t, got[0].Len(), got[1].Len())
	for i := range got[0].Len() {
		a, b := got[0].Track(i), got[1].Track(i)
		assert.Equal(t, a.ID, b.ID)
		assert.Equal(t, a.Title, b.Title)
		assert.Equal(t, a.Artists, b.Artists)
		assert.Equal(t, a.Genres, b.Genres)
		assert.Equal(t, a.URI, b.URI)
		assert.Equal(t, a.Explicit, b.Explicit)
	}
	c := got[0]
	swan, ok := c.Lookup("oem:0001")
	require.True(t, ok)
	assert.Equal(t, []string{"Pyotr Ilyich Tchaikovsky", "London Symphony Orchestra"}, c.TrackArtists(swan))
	assert.Equal(t, "classical", c.Families[c.Family[swan]], "Romantic Era Classical;Klassik")
	r, ok := c.LookupURI("file:///media/music/swan-lake-scene.ogg")
	assert.True(t, ok)
	assert.Equal(t, swan, r)
	circles, ok := c.Lookup(DerivedID("Post Malone", "Circles"))
	require.True(t, ok, "a row without id gets the derived id")
	assert.Equal(t, music.ExplicitNo, c.Explicit(circles))
	silent, ok := c.Lookup(DerivedID("Unknown Artist", "Silent Track"))
	require.True(t, ok)
	assert.False(t, music.IsKnown(c.Features(silent).Tempo), "tempo 0 means unknown")
	assert.True(t, finite(c.Mood.Row(silent)), "missing features are filled")
	mz, _ := c.Lookup("oem:0002")
	assert.Greater(t, embed.Dot(c.Genre.Row(swan), c.Genre.Row(mz)), embed.Dot(c.Genre.Row(swan), c.Genre.Row(circles)))
}

func TestDerivedID(t *testing.T) {
	a := DerivedID("Beyoncé", "Halo")
	assert.Equal(t, a, DerivedID("  BEYONCE ", "halo"), "normalised before hashing")
	assert.NotEqual(t, a, DerivedID("Beyoncé", "Halo (Live)"))
	assert.Regexp(t, `^x:[0-9a-f]{16}$`, string(a))
}

func TestApplyURITemplate(t *testing.T) {
	def := mustDefault(t)
	c := def.Clone()
	require.NoError(t, ApplyURITemplate(c, "emu:///{id}"))
	id := c.ID(7)
	r, ok := c.LookupURI("emu:///" + string(id))
	require.True(t, ok)
	assert.Equal(t, 7, r)
	assert.Empty(t, def.URI(7), "the shared default is not modified")
	_, ok = def.LookupURI("emu:///" + string(id))
	assert.False(t, ok)
	assert.Equal(t, music.KindInvalid, music.KindOf(ApplyURITemplate(c, "emu:///")))
}

func TestReadPlaylists(t *testing.T) {
	pls, err := ReadPlaylists(testdata + "playlists.csv")
	require.NoError(t, err)
	require.Len(t, pls, 80)
	def := mustDefault(t)
	genres := map[string]int{}
	for _, p := range pls {
		assert.NotEmpty(t, p.ID)
		assert.GreaterOrEqual(t, len(p.Tracks), 10)
		genres[p.Genre]++
		seen := map[music.TrackID]bool{}
		for _, id := range p.Tracks {
			assert.False(t, seen[id], "deduplicated")
			seen[id] = true
			_, ok := def.Lookup(id)
			assert.True(t, ok, "playlist track %s is in the default catalog", id)
		}
	}
	assert.Len(t, genres, 6, "stratified over the six playlist genres")

	_, err = ReadPlaylists(testdata + "artists.csv")
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
}

func TestBuildLenientJSONL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "oem.jsonl")
	lines := []string{
		`{"id":"a","title":"Good","artists":["X"],"genres":["rock"],"energy":0.5}`,
		`not json`,
		`["an","array"]`,
		`{"id":"b","title":"Bad energy","artists":["X"],"energy":2}`,
		`{"id":"c","title":"Bad type","artists":["X"],"energy":[1]}`,
		`{"id":"d","title":"No artist","artists":[]}`,
		"{\"id\":\"e\",\"title\":\"Bad \xff utf8\",\"artists\":[\"X\"]}",
		`{"id":"has space","title":"Bad id","artists":["X"]}`,
		`{"id":"f","title":"Bad explicit","artists":["X"],"explicit":"maybe"}`,
		`{"id":"g","title":"Good too","artists":"Y;Z","genres":"pop;dance","explicit":true}`,
	}
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	c, rep, err := Build(BuildOptions{Sources: []string{dir}, Space: mustDefault(t).Tags})
	require.NoError(t, err)
	assert.Equal(t, map[string]int{
		ReasonBadJSON: 3, ReasonRange: 1, ReasonMissing: 1, ReasonUTF8: 1, ReasonBadValue: 2,
	}, rep.Skipped)
	require.Equal(t, 2, c.Len())
	g, ok := c.Lookup("g")
	require.True(t, ok)
	assert.Equal(t, []string{"Y", "Z"}, c.TrackArtists(g))
	assert.Equal(t, []string{"pop", "dance"}, c.TrackGenres(g))
	assert.Equal(t, music.ExplicitYes, c.Explicit(g))
	assert.Equal(t, rep.Sources[0].Path, path, "directories expand to their files")
}

// TestNoPlaylistLabels: a playlist's genre and subgenre label every track
// found in it, unless the build leaves them out (leak-free evaluation).
func TestNoPlaylistLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		noPL   bool
		labels bool
	}{{"with playlist labels", false, true}, {"without", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := Build(BuildOptions{Sources: []string{testdata + "playlists.csv", testdata + "artists.csv"}, NoPlaylistLabels: tc.noPL})
			require.NoError(t, err)
			pls, err := ReadPlaylists(testdata + "playlists.csv")
			require.NoError(t, err)
			row, ok := c.Lookup(pls[0].Tracks[0])
			require.True(t, ok)
			counts := c.LabelCounts()
			assert.Equal(t, tc.labels, len(counts) > 0, "labels %v", counts)
			assert.Equal(t, tc.labels, len(c.TrackGenres(row)) > 0, "genres of a playlist track: %v", c.TrackGenres(row))
		})
	}
}
