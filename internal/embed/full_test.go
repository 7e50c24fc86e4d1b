package embed_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
)

// The full catalog (make full-catalog) is too big for the repository;
// these tests and benchmarks skip without it. CONTINUO_FULL_CATALOG points
// elsewhere.
func fullCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	path := os.Getenv("CONTINUO_FULL_CATALOG")
	if path == "" {
		path = "../../out/full.catalog"
	}
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("no full catalog at %s (make full-catalog, or set CONTINUO_FULL_CATALOG)", path)
	}
	c, err := catalog.Load(path)
	require.NoError(tb, err)
	return c
}

// engineQueries returns n queries shaped like the engine's genre query: the
// sum of the genre rows of 1 to 5 random tracks (a seed, a session).
func engineQueries(m embed.Matrix, n int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	qs := make([][]float32, n)
	for i := range qs {
		q := make([]float32, m.Cols)
		for range 1 + rng.IntN(5) {
			embed.AddScaled(q, 1, m.Row(rng.IntN(m.Rows)))
		}
		qs[i] = q
	}
	return qs
}

// TestInt8RecallFullCatalog measures recall@10 against exact float32
// scoring of every row, on the full catalog's genre matrix, of int8 scoring
// with an exact re-rank of the shortlist: over every row, and over the
// distinct rows (Dedup) expanded back to rows. The distinct search with a
// shortlist of 50 is the one to use; it must reach 0.99.
func TestInt8RecallFullCatalog(t *testing.T) {
	c := fullCatalog(t)
	m := c.Genre
	rows, err := embed.NewSearcher(m, embed.Quantize(m))
	require.NoError(t, err)
	u, groups := embed.Dedup(m)
	distinct, err := embed.NewSearcher(u, embed.Quantize(u))
	require.NoError(t, err)
	t.Logf("N=%d rows, %d distinct", m.Rows, u.Rows)

	type mode struct {
		name      string
		shortlist int
		search    func(q []float32, l int) ([]embed.Hit, error)
	}
	byRow := func(q []float32, l int) ([]embed.Hit, error) { return rows.Search(q, 10, l, nil) }
	byVector := func(q []float32, l int) ([]embed.Hit, error) {
		hits, err := distinct.Search(q, 10, l, nil)
		return groups.Expand(hits, 10, nil), err
	}
	modes := []mode{
		{"rows", 50, byRow}, {"rows", 100, byRow}, {"rows", 200, byRow},
		{"distinct", 20, byVector}, {"distinct", 50, byVector},
	}
	queries := engineQueries(m, 150, 1)
	scores := make([]float32, m.Rows)
	var top embed.TopK
	recall := make([]float64, len(modes))
	for _, q := range queries {
		exact, err := embed.ExactTop(m, q, 10, scores, &top, nil)
		require.NoError(t, err)
		for i, md := range modes {
			got, err := md.search(q, md.shortlist)
			require.NoError(t, err)
			recall[i] += embed.Recall(exact, got, 1e-5) / float64(len(queries))
		}
	}
	for i, md := range modes {
		t.Logf("int8 %s shortlist=%d recall@10=%.4f", md.name, md.shortlist, recall[i])
	}
	assert.GreaterOrEqual(t, recall[4], 0.99, "distinct, shortlist 50")
}

// BenchmarkSearchFullCatalog: one top-10 search of the full genre matrix:
// exact (Gemv + top-k over every row), int8 over every row (shortlist 200),
// exact over the distinct rows, int8 over the distinct rows (shortlist 50),
// the last two expanded back to rows.
func BenchmarkSearchFullCatalog(b *testing.B) {
	c := fullCatalog(b)
	m := c.Genre
	rows, err := embed.NewSearcher(m, embed.Quantize(m))
	require.NoError(b, err)
	u, groups := embed.Dedup(m)
	distinct, err := embed.NewSearcher(u, embed.Quantize(u))
	require.NoError(b, err)
	queries := engineQueries(m, 64, 2)
	scores := make([]float32, m.Rows)
	var top embed.TopK
	hits := make([]embed.Hit, 0, 10)
	vecs := make([]embed.Hit, 0, 10)
	paths := []struct {
		name   string
		search func(q []float32)
	}{
		{"float32", func(q []float32) { hits, _ = embed.ExactTop(m, q, 10, scores, &top, hits[:0]) }},
		{"int8", func(q []float32) { hits, _ = rows.Search(q, 10, 200, hits[:0]) }},
		{"distinct-float32", func(q []float32) {
			vecs, _ = embed.ExactTop(u, q, 10, scores[:u.Rows], &top, vecs[:0])
			hits = groups.Expand(vecs, 10, hits[:0])
		}},
		{"distinct-int8", func(q []float32) {
			vecs, _ = distinct.Search(q, 10, 50, vecs[:0])
			hits = groups.Expand(vecs, 10, hits[:0])
		}},
	}
	for _, p := range paths {
		b.Run(fmt.Sprintf("N=%d/path=%s", m.Rows, p.name), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				p.search(queries[i%len(queries)])
			}
		})
	}
}
