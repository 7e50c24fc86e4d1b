package recommend

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// TestMappedKeysMatchComputed writes a catalog with the engine's sections,
// loads it back and checks that the engine reads exactly what it would have
// computed, and ranks the same.
func TestMappedKeysMatchComputed(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	rows := make([]int, 0, 3000)
	for i := 0; i < def.Len() && len(rows) < cap(rows); i += 7 {
		rows = append(rows, i)
	}
	mem := def.Subset(rows) // in memory: no snapshot, keys computed
	extra, err := Sections(mem)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "c.snap")
	require.NoError(t, catalog.WriteSnapshot(path, mem, extra...))
	loaded, err := catalog.Load(path)
	require.NoError(t, err)

	want, got := New(mem, Options{}), New(loaded, Options{})
	require.NoError(t, got.Err())
	require.True(t, got.loadKeys(Options{}), "the loaded catalog has every section")
	assert.Equal(t, want.album, got.album)
	assert.Equal(t, want.work, got.work)
	assert.Equal(t, want.piece, got.piece)
	assert.Equal(t, want.title, got.title)
	assert.Equal(t, want.songSig, got.songSig)
	assert.Equal(t, want.credits, got.credits)
	assert.Equal(t, want.untagged, got.untagged)
	assert.Equal(t, want.vocal, got.vocal)
	assert.Equal(t, want.prior, got.prior)
	assert.Equal(t, want.coldAnchors, got.coldAnchors)
	assert.Equal(t, want.genre.group, got.genre.group)
	assert.InDeltaSlice(t, want.moodNorm2, got.moodNorm2, 0)
	for _, a := range []int{0, 5, len(mem.Artists) - 1} {
		name := catalog.NormalizeName(mem.Artists[a])
		wa, _ := want.artists.find(name, mem.Artists)
		ga, ok := got.artists.find(name, loaded.Artists)
		assert.True(t, ok)
		assert.Equal(t, wa, ga, "artist %d", a)
	}
	_, ok := got.artists.find("no such artist", loaded.Artists)
	assert.False(t, ok)

	custom := Options{MoodDimWeights: &[catalog.MoodDims]float32{1, 1, 1, 1, 1, 1, 1, 1, 1}}
	assert.Equal(t, New(mem, custom).moodNorm2, New(loaded, custom).moodNorm2, "custom weights are computed, not read")

	for _, seed := range []int{0, 100, 1000, 2999} {
		req := Request{Seeds: []int{seed}, N: 10, Taste: &music.Taste{SkippedArtists: map[string]float64{mem.Artists[3]: 1}}}
		a, err := want.Recommend(req)
		require.NoError(t, err)
		b, err := got.Recommend(req)
		require.NoError(t, err)
		assert.Equal(t, a, b, "seed %d", seed)
	}
}
