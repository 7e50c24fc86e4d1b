package eval_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/recommend"
)

// The engine's aims (docs/recommend.md), checked on the embedded default
// catalog with the sample playlists, and on any catalog snapshot given in
// CONTINUO_EVAL_SNAPSHOT (with playlists from CONTINUO_EVAL_PLAYLISTS), e.g.
// the full build of /work/shared/data:
//
//	CONTINUO_EVAL_SNAPSHOT=/tmp/full.snap \
//	CONTINUO_EVAL_PLAYLISTS=/work/shared/data/spotify_songs_playlists.csv \
//	go test ./internal/eval -run TestAims -v

func TestAimsDefaultCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("500 seeds on the default catalog")
	}
	c, err := catalog.Default()
	require.NoError(t, err)
	pl, err := filepath.Abs("../../testdata/catalog/playlists.csv")
	require.NoError(t, err)
	checkAims(t, c, pl)
}

func TestAimsSnapshot(t *testing.T) {
	path := os.Getenv("CONTINUO_EVAL_SNAPSHOT")
	if path == "" {
		t.Skip("set CONTINUO_EVAL_SNAPSHOT to a catalog snapshot")
	}
	c, err := catalog.Load(path)
	require.NoError(t, err)
	checkAims(t, c, os.Getenv("CONTINUO_EVAL_PLAYLISTS"))
}

func checkAims(t *testing.T, c *catalog.Catalog, playlists string) {
	t.Helper()
	var lists []eval.Playlist
	if playlists != "" {
		raw, err := catalog.ReadPlaylists(playlists)
		require.NoError(t, err)
		for _, p := range raw {
			if pl := eval.PlaylistFromIDs(c, p.Name, p.Tracks); len(pl.Rows) > 5 {
				lists = append(lists, pl)
			}
		}
		require.NotEmpty(t, lists, "no playlist has more than 5 tracks in the catalog")
	}
	methods := append([]eval.Method{eval.Engine(recommend.New(c, recommend.Options{})), eval.EngineNoFamilyBonus(c)}, eval.Baselines(c)...)
	rep, err := eval.Run(c, methods, eval.Options{Seeds: 500, RandSeed: 1, Playlists: lists})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteTable(&buf))
	t.Log("\n" + buf.String())

	m := map[string]eval.Metrics{}
	for _, x := range rep.Methods {
		m[x.Method] = x
	}
	eng := m["engine"]
	// The ablation: the family bonus raises the curated-family coherence that
	// coherence@10 counts; the genre space alone should still be far above
	// random and match a raw genre label of the seed more often than not.
	abl := m[eval.NoFamilyBonus]
	assert.LessOrEqual(t, abl.Coherence, eng.Coherence, "coherence without the family bonus")
	assert.Greater(t, abl.Coherence, 5*m["random"].Coherence, "coherence without the family bonus vs random")
	assert.Greater(t, abl.LabelMatch, 0.5, "label match without the family bonus")
	assert.GreaterOrEqual(t, eng.Coherence, 0.95, "coherence@10")
	assert.GreaterOrEqual(t, eng.DistinctArtists, 8.0, "distinct artists in 10")
	assert.LessOrEqual(t, eng.MoodFromSeed, m["genre-random"].MoodFromSeed/3, "mood distance vs genre-random")
	if len(lists) > 0 {
		// "Well above": at least five times the better of random and popular.
		assert.Greater(t, eng.HitRate, 5*max(m["random"].HitRate, m["popular"].HitRate), "playlist hit@10")
	}
}
