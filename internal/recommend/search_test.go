package recommend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed/ivf"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

// TestIndexRecall: with the IVF search forced on a synthetic catalog small
// enough for a unit test, the engine's top ten agree with the full pass's
// at recall ≥ 0.95 (the bar at a million rows, measured there by
// BenchmarkRecommend/N=1000000's recall@10).
func TestIndexRecall(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	// Not smaller under -short: in a catalog of a few thousand rows the
	// shortlist of 300 is too large a share of it for the index's probe
	// (the default threshold keeps such catalogs on the full pass).
	n, reqs := 30_000, 120
	e := New(synthcat.Resample(def, n, 3), Options{IndexAbove: 1})
	require.NoError(t, e.Err())
	require.NotNil(t, e.Index(), "the index must be in use above IndexAbove")
	r, err := IndexRecall(e, reqs)
	require.NoError(t, err)
	t.Logf("recall@10 against the full pass: %.3f (%d rows, %d lists, %d requests)", r, n, e.Index().Lists, reqs)
	assert.GreaterOrEqual(t, r, 0.95)
}

// TestIndexThreshold: which catalogs get an index, and a prebuilt one is
// used as it is.
func TestIndexThreshold(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	small := synthcat.Resample(def, 3_000, 5)
	built := New(small, Options{IndexAbove: 1}).Index()
	require.NotNil(t, built)
	tests := []struct {
		name   string
		cat    *catalog.Catalog
		opts   Options
		index  bool
		sameIx bool
	}{
		{"embedded default, default threshold", def, Options{}, false, false},
		{"below the threshold", small, Options{IndexAbove: small.Len()}, false, false},
		{"above the threshold", small, Options{IndexAbove: small.Len() - 1}, true, false},
		{"never", small, Options{IndexAbove: -1}, false, false},
		{"prebuilt, whatever the size", small, Options{IndexAbove: -1, Index: built}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(tc.cat, tc.opts)
			require.NoError(t, e.Err())
			assert.Equal(t, tc.index, e.Index() != nil)
			if tc.sameIx {
				assert.Same(t, built, e.Index())
			}
			_, err := e.Recommend(Request{Seeds: []int{7}, N: 10})
			assert.NoError(t, err)
		})
	}
}

// TestIndexPrebuiltSamePicks: an engine given the index another engine
// built (as a snapshot would store it) ranks exactly as that engine.
func TestIndexPrebuiltSamePicks(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	c := synthcat.Resample(def, 5_000, 9)
	a := New(c, Options{IndexAbove: 1})
	require.NoError(t, a.Err())
	b := New(c, Options{Index: a.Index()})
	require.NoError(t, b.Err())
	for i, req := range equivalenceRequests(c, 30) {
		want, wantErr := a.Recommend(req)
		got, gotErr := b.Recommend(req)
		require.Equal(t, wantErr, gotErr, "request %d", i)
		require.Equal(t, want, got, "request %d", i)
	}
}

// TestIndexPrebuiltDamaged: a prebuilt index that does not fit the catalog
// or breaks its invariants is refused with an error naming the fault, which
// every Recommend returns; nothing panics.
func TestIndexPrebuiltDamaged(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	c := synthcat.Resample(def, 2_000, 4)
	good := New(c, Options{IndexAbove: 1}).Index()
	require.NotNil(t, good)
	clone := func() *ivf.Index {
		ix := *good
		ix.Offsets = append([]uint32(nil), good.Offsets...)
		ix.IDs = append([]uint32(nil), good.IDs...)
		return &ix
	}
	tests := []struct {
		name   string
		damage func(*ivf.Index)
		want   string
	}{
		{"other columns", func(ix *ivf.Index) { ix.Cols++ }, "columns"},
		{"offsets past the end", func(ix *ivf.Index) { ix.Offsets[ix.Lists]++ }, "offsets"},
		{"a row twice", func(ix *ivf.Index) { ix.IDs[1] = ix.IDs[0] }, "ids"},
		{"a row out of range", func(ix *ivf.Index) { ix.IDs[0] = uint32(c.Len()) }, "ids"},
		{"fewer rows", func(ix *ivf.Index) { ix.IDs = ix.IDs[1:] }, "rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := clone()
			tc.damage(ix)
			e := New(c, Options{Index: ix})
			require.Error(t, e.Err())
			assert.Equal(t, music.KindInternal, music.KindOf(e.Err()))
			assert.Contains(t, e.Err().Error(), "recommend: index: prebuilt")
			assert.Contains(t, e.Err().Error(), tc.want)
			_, err := e.Recommend(Request{Seeds: []int{1}, N: 5})
			assert.ErrorIs(t, err, e.Err())
		})
	}
}
