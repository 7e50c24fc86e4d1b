package eval_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

// artistPlaylists makes playlists of the tracks of three artists of one
// family each: a stand-in for real playlists with a known structure.
func artistPlaylists(c *catalog.Catalog, count int) []eval.Playlist {
	byArtist := map[int32][]int{}
	for i := range c.Len() {
		byArtist[c.Artist[i]] = append(byArtist[c.Artist[i]], i)
	}
	var out []eval.Playlist
	nf := int32(len(c.Families))
	for a := int32(0); len(out) < count && a+2*nf < int32(len(c.Artists)); a++ {
		var rows []int
		for _, b := range []int32{a, a + nf, a + 2*nf} { // same family: artists are assigned round-robin
			rows = append(rows, byArtist[b]...)
		}
		if len(rows) >= 15 {
			out = append(out, eval.Playlist{Name: "p", Rows: rows})
		}
	}
	return out
}

func TestRunEngineBeatsBaselines(t *testing.T) {
	c := synthcat.Clustered(3000, 5)
	e := recommend.New(c, recommend.Options{})
	methods := append([]eval.Method{eval.Engine(e)}, eval.Baselines(c)...)
	rep, err := eval.Run(c, methods, eval.Options{Seeds: 80, RandSeed: 1, Playlists: artistPlaylists(c, 30)})
	require.NoError(t, err)
	require.Len(t, rep.Methods, 4)
	assert.Equal(t, 80, rep.Seeds)
	assert.Positive(t, rep.Playlists)
	byName := map[string]eval.Metrics{}
	for _, m := range rep.Methods {
		byName[m.Method] = m
	}
	eng := byName["engine"]
	assert.GreaterOrEqual(t, eng.Coherence, 0.95)
	assert.GreaterOrEqual(t, eng.DistinctArtists, 8.0)
	assert.LessOrEqual(t, eng.MaxPerArtist, 2.0)
	assert.Greater(t, eng.Coherence, byName["random"].Coherence)
	assert.Greater(t, eng.Coherence, byName["popular"].Coherence)
	assert.Less(t, eng.MoodFromSeed, byName["genre-random"].MoodFromSeed)
	assert.Greater(t, eng.HitRate, byName["random"].HitRate)
	assert.Greater(t, eng.PlaylistGenre, byName["popular"].PlaylistGenre)
	assert.Zero(t, eng.Short)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteTable(&buf))
	assert.Contains(t, buf.String(), "genre-random")
	assert.Contains(t, buf.String(), "engine mood distance")
	// Every column says which way is better, under its own header.
	lines := strings.Split(buf.String(), "\n")
	hdr := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "hit@") })
	require.GreaterOrEqual(t, hdr, 0)
	better := strings.Fields(lines[hdr+1])
	require.NotEmpty(t, better)
	assert.Equal(t, "better", better[0])
	assert.Equal(t, []string{"↑", "↑", "↑", "↓", "↓", "↑", "↓", "↑", "↑", "↑", "↑"}, better[1:])
}

func TestRunDeterministic(t *testing.T) {
	c := synthcat.Clustered(1500, 6)
	methods := append([]eval.Method{eval.Engine(recommend.New(c, recommend.Options{}))}, eval.Baselines(c)...)
	a, err := eval.Run(c, methods, eval.Options{Seeds: 40, RandSeed: 3})
	require.NoError(t, err)
	b, err := eval.Run(c, methods, eval.Options{Seeds: 40, RandSeed: 3})
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestRunEmptyCatalog(t *testing.T) {
	_, err := eval.Run(&catalog.Catalog{}, nil, eval.Options{})
	require.Error(t, err)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))
}

func TestSampleSeedsStratified(t *testing.T) {
	c := synthcat.Clustered(2000, 7)
	tests := []struct {
		n      int
		perFam int // every family gets n/families
	}{
		{80, 10},
		{16, 2},
	}
	for _, tc := range tests {
		seeds := eval.SampleSeeds(c, tc.n, 1)
		require.Len(t, seeds, tc.n)
		assert.Equal(t, seeds, eval.SampleSeeds(c, tc.n, 1), "fixed seed, fixed sample")
		counts := map[uint8]int{}
		for _, s := range seeds {
			counts[c.Family[s]]++
		}
		for f := range c.Families {
			assert.Equal(t, tc.perFam, counts[uint8(f)], "family %s", c.Families[f])
		}
	}
	assert.Len(t, eval.SampleSeeds(c, 5000, 1), 2000, "never more than the catalog")
}

func TestFindSwanLake(t *testing.T) {
	c := synthcat.Clustered(20, 8)
	_, ok := eval.FindSwanLake(c)
	assert.False(t, ok)
	ts := slices.Clone(c.AllTracks())
	ts[3].Title, ts[3].Artists = "Swan Lake, Op. 20: Act I: Waltz", []string{"Pyotr Ilyich Tchaikovsky"}
	ts[9].Title, ts[9].Artists = "Swan Lake, Op. 20, Act 2: No. 10, Scène. Moderato", []string{"Pyotr Ilyich Tchaikovsky", "LSO"}
	ts[12].Title, ts[12].Artists = "Swan Lake Scene (cover)", []string{"Someone Else"}
	c = c.WithTracks(ts)
	row, ok := eval.FindSwanLake(c)
	require.True(t, ok)
	assert.Equal(t, 9, row)
	sc, err := eval.SwanLake(c, eval.Engine(recommend.New(c, recommend.Options{})), 5)
	require.NoError(t, err)
	assert.Equal(t, 9, sc.Seed)
	assert.Len(t, sc.Picks, 5)
}
