package synthcat_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

func checkShapes(t *testing.T, c *catalog.Catalog, n int) {
	t.Helper()
	require.Equal(t, n, c.Len())
	require.NoError(t, c.Genre.Check())
	require.NoError(t, c.Mood.Check())
	assert.Equal(t, catalog.MoodDims, c.Mood.Cols)
	require.NoError(t, recommend.New(c, recommend.Options{}).Err(), "the engine accepts it")
	for i := range n {
		var s float64
		for _, v := range c.Genre.Row(i) {
			s += float64(v) * float64(v)
		}
		require.InDelta(t, 1, s, 1e-4, "genre row %d is unit length", i)
	}
}

func TestClustered(t *testing.T) {
	for _, n := range []int{1, 50, 2000} {
		c := synthcat.Clustered(n, 9)
		checkShapes(t, c, n)
		assert.Equal(t, c, synthcat.Clustered(n, 9), "deterministic")
	}
	c := synthcat.Clustered(2000, 9)
	assert.NotEqual(t, c.Genre.Data, synthcat.Clustered(2000, 10).Genre.Data, "the seed matters")
	// Clusters: a row is closer to a row of its own family than to others, on average.
	var same, other float64
	var ns, no int
	for i := 0; i < 200; i++ {
		for j := i + 1; j < 200; j++ {
			var d float64
			for k, v := range c.Genre.Row(i) {
				d += float64(v * c.Genre.Row(j)[k])
			}
			if c.Family[i] == c.Family[j] {
				same, ns = same+d, ns+1
			} else {
				other, no = other+d, no+1
			}
		}
	}
	assert.Greater(t, same/float64(ns), other/float64(no)+0.5)
}

func TestResample(t *testing.T) {
	src := synthcat.Clustered(300, 1)
	c := synthcat.Resample(src, 1000, 2)
	checkShapes(t, c, 1000)
	assert.Equal(t, src.Families, c.Families)
	ids := map[string]bool{}
	for i := range c.Len() {
		require.False(t, ids[string(c.ID(i))], "ids are unique")
		ids[string(c.ID(i))] = true
		assert.Less(t, int(c.Artist[i]), len(c.Artists))
	}
	assert.Greater(t, len(c.Artists), len(src.Artists), "copies of an artist are distinct artists")
}
