package recommend

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend/synthcat"
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
	loaded := roundTrip(t, mem, extra)

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

// TestStoredIndex: a snapshot built above the index threshold carries the
// IVF index, New reads it instead of running k-means, and a damaged one is
// the engine's error naming the section, never a silent rebuild.
func TestStoredIndex(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	mem := synthcat.Resample(def, 4_000, 11)
	indexed := Options{IndexAbove: 1}
	built := New(mem, indexed)
	require.NoError(t, built.Err())
	require.NotNil(t, built.Index())
	extra, err := SectionsWith(mem, indexed)
	require.NoError(t, err)

	replace := func(name string, sec catalog.Section) []catalog.Section {
		out := slices.Clone(extra)
		for i := range out {
			if out[i].Name == name {
				out[i] = sec
			}
		}
		return out
	}
	dupIDs := slices.Clone(built.Index().IDs)
	dupIDs[3] = dupIDs[4]
	tests := []struct {
		name    string
		secs    []catalog.Section
		opts    Options
		index   bool
		wantErr string
	}{
		{"stored and above the threshold: read", extra, indexed, true, ""},
		{"stored but below the threshold: full pass", extra, Options{}, false, ""},
		{"ids name a row twice", replace(secIVFIDs, catalog.SectionOf(secIVFIDs, dupIDs)), indexed, false, "twice"},
		{"offsets missing", slices.DeleteFunc(slices.Clone(extra), func(s catalog.Section) bool { return s.Name == secIVFOffsets }),
			indexed, false, "section recommend.ivf.offsets: missing"},
		{"shape of another matrix", replace(secIVFShape, catalog.SectionOf(secIVFShape, []uint32{uint32(built.Index().Lists), 3})),
			indexed, false, "section recommend.ivf.shape"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loaded := roundTrip(t, mem, tc.secs)
			e := New(loaded, tc.opts)
			if tc.wantErr != "" {
				require.Error(t, e.Err())
				assert.Contains(t, e.Err().Error(), tc.wantErr)
				_, err := e.Recommend(Request{Seeds: []int{1}, N: 5})
				assert.Error(t, err, "a damaged index fails every request")
				return
			}
			require.NoError(t, e.Err())
			require.Equal(t, tc.index, e.Index() != nil)
			if !tc.index {
				return
			}
			ix, want := e.Index(), built.Index()
			assert.Equal(t, want.Centroids, ix.Centroids)
			assert.Equal(t, want.Offsets, ix.Offsets)
			assert.Equal(t, want.IDs, ix.IDs)
			assert.Nil(t, ix.Codes, "read from the snapshot, not built")
			// The same rankings as the loaded catalog with the index handed
			// over in memory (the snapshot's genre rows are rounded, so the
			// in-memory catalog scores differ in the last bits).
			handed := New(loaded, Options{Index: want})
			for _, seed := range []int{0, 999, 3999} {
				req := Request{Seeds: []int{seed}, N: 10}
				a, err := handed.Recommend(req)
				require.NoError(t, err)
				b, err := e.Recommend(req)
				require.NoError(t, err)
				assert.Equal(t, a, b, "seed %d", seed)
			}
		})
	}
}

// TestListOrderedSnapshot: a catalog written in its index's list order is
// searched straight from its own columns (no list-order copies) and ranks
// the same tracks as before the reordering.
func TestListOrderedSnapshot(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	// Round-tripped once, so the genre rows are the ones a snapshot keeps
	// and both sides below score the same values.
	mem := roundTrip(t, synthcat.Resample(def, 4_000, 12), nil)
	indexed := Options{IndexAbove: 1}
	before := New(mem, indexed)
	require.NoError(t, before.Err())
	require.False(t, identity(before.Index().IDs), "resampled rows are not in list order")

	ordered, opts, err := ListOrdered(mem, indexed)
	require.NoError(t, err)
	require.Equal(t, mem.Len(), ordered.Len())
	require.True(t, identity(opts.Index.IDs))
	extra, err := SectionsWith(ordered, opts)
	require.NoError(t, err)
	loaded := roundTrip(t, ordered, extra)

	after := New(loaded, indexed)
	require.NoError(t, after.Err())
	require.NotNil(t, after.Index())
	assert.Same(t, &loaded.Genre.Data[0], &after.index.genre.Data[0], "the catalog's own rows, not a copy")
	assert.Same(t, &loaded.Mood.Data[0], &after.index.mood.Data[0])

	ids := func(c *catalog.Catalog, picks []Pick) []music.TrackID {
		out := make([]music.TrackID, len(picks))
		for i, p := range picks {
			out[i] = c.ID(p.Row)
		}
		return out
	}
	rowOf := func(c *catalog.Catalog, id music.TrackID) int {
		r, ok := c.Lookup(id)
		require.True(t, ok)
		return r
	}
	for _, seed := range []int{0, 1234, 3999} {
		id := mem.ID(seed)
		a, err := before.Recommend(Request{Seeds: []int{seed}, N: 10})
		require.NoError(t, err)
		b, err := after.Recommend(Request{Seeds: []int{rowOf(loaded, id)}, N: 10})
		require.NoError(t, err)
		assert.Equal(t, ids(mem, a), ids(loaded, b), "seed %s", id)
	}
}

// TestGroupOrderedSnapshot: a catalog whose tracks share their artists'
// genre rows is written with the rows of each distinct genre row together,
// so the engine reads a group in one stretch, and recommends the same
// tracks as before the reordering.
func TestGroupOrderedSnapshot(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	// Every four artists merged into one, with its genre row: over four
	// tracks a genre row, enough for the pass by groups.
	c := synthcat.Resample(def, 20_000, 13)
	for i := range c.Artist {
		c.Artist[i] /= 4
	}
	mem := roundTrip(t, perArtistGenre(c), nil)
	before := New(mem, Options{})
	require.NoError(t, before.Err())
	require.NotNil(t, before.genre.members, "the engine goes by groups")
	require.False(t, identity(before.genre.members), "resampled rows are not in group order")

	ordered, _, err := ListOrdered(mem, Options{})
	require.NoError(t, err)
	require.Equal(t, mem.Len(), ordered.Len())
	loaded := roundTrip(t, ordered, nil)
	after := New(loaded, Options{})
	require.NoError(t, after.Err())
	assert.True(t, identity(after.genre.members), "a group's rows are together")
	assert.True(t, slices.IsSorted(after.genre.group))

	reordered, _, err := ListOrdered(loaded, Options{})
	require.NoError(t, err)
	assert.Same(t, loaded, reordered, "a catalog in group order stays as it is")

	for _, seed := range []int{0, 1234, mem.Len() - 1} {
		id := mem.ID(seed)
		a, err := before.Recommend(Request{Seeds: []int{seed}, N: 10})
		require.NoError(t, err)
		r, ok := loaded.Lookup(id)
		require.True(t, ok)
		b, err := after.Recommend(Request{Seeds: []int{r}, N: 10})
		require.NoError(t, err)
		require.Len(t, b, len(a))
		for i := range a {
			assert.Equal(t, mem.ID(a[i].Row), loaded.ID(b[i].Row), "seed %s, pick %d", id, i)
		}
	}
}

func roundTrip(t *testing.T, c *catalog.Catalog, extra []catalog.Section) *catalog.Catalog {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.snap")
	require.NoError(t, catalog.WriteSnapshot(path, c, extra...))
	loaded, err := catalog.Load(path)
	require.NoError(t, err)
	return loaded
}
