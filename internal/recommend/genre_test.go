package recommend

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

// TestDistinctGenrePassMatchesPlain holds the full pass over the distinct
// genre rows to the plain pass over every row (the engine's fallback, the
// pass before genreRows): the same picks, scores and reasons, bit for bit,
// on the embedded catalog and on a synthetic one whose artists share one
// genre vector each, over requests with seeds, sessions, skips, moods,
// Explore, kids mode and anchors.
func TestDistinctGenrePassMatchesPlain(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	n := 20_000
	if testing.Short() {
		n = 4_000
	}
	tests := []struct {
		name string
		cat  *catalog.Catalog
	}{
		{"embedded default", def},
		{"synthetic, a vector per artist", perArtistGenre(synthcat.Resample(def, n, 7))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			distinct := New(tc.cat, Options{})
			require.NoError(t, distinct.Err())
			require.NotZero(t, distinct.genre.distinct.Rows, "the distinct pass must be in use")
			assert.Less(t, distinct.genre.distinct.Rows, tc.cat.Len(), "rows share vectors")

			plain := New(tc.cat, Options{})
			plain.genre = genreRows{} // before its first request: the pool sizes its scratch then
			for i, req := range equivalenceRequests(tc.cat, 60) {
				want, wantErr := plain.Recommend(req)
				got, gotErr := distinct.Recommend(req)
				require.Equal(t, wantErr, gotErr, "request %d", i)
				require.Equal(t, want, got, "request %d: %+v", i, req)
			}
		})
	}
}

// TestDistinctRowsFallback: a matrix with too many distinct rows keeps the
// plain pass; duplicates are grouped with their first row.
func TestDistinctRowsFallback(t *testing.T) {
	m := embed.NewMatrix(10, 2)
	for i := range 10 {
		m.Row(i)[0] = float32(i % 3) // 3 distinct rows
	}
	g := newGenreRows(&catalog.Catalog{Genre: m})
	require.Equal(t, 3, g.distinct.Rows)
	assert.Equal(t, []uint32{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, g.group)
	for i := range 10 {
		assert.Equal(t, m.Row(i), g.distinct.Row(int(g.group[i])))
	}

	for i := range 10 {
		m.Row(i)[1] = float32(i) // all distinct
	}
	assert.Zero(t, newGenreRows(&catalog.Catalog{Genre: m}).distinct.Rows)
}

// perArtistGenre gives every track of an artist its artist's first genre
// row, as the real catalog's tags do.
func perArtistGenre(c *catalog.Catalog) *catalog.Catalog {
	first := map[int32]int{}
	for i, a := range c.Artist {
		if f, ok := first[a]; ok {
			copy(c.Genre.Row(i), c.Genre.Row(f))
		} else {
			first[a] = i
		}
	}
	return c
}

// equivalenceRequests returns n varied requests over random rows.
func equivalenceRequests(c *catalog.Catalog, n int) []Request {
	rng := rand.New(rand.NewPCG(11, 12))
	moods := []string{MoodAny, MoodCalm, MoodSteady, MoodLively}
	outcomes := []music.Outcome{music.OutcomeCompleted, music.OutcomeSkipped, music.OutcomeCompleted, music.OutcomePlaying}
	reqs := make([]Request, n)
	for i := range reqs {
		row := func() int { return rng.IntN(c.Len()) }
		req := Request{
			N: 1 + rng.IntN(12), Mood: moods[i%len(moods)], Explicit: i%3 != 0,
			RandSeed: uint64(i),
		}
		if i%2 == 0 {
			req.Seeds = []int{row()}
		}
		for j := range rng.IntN(6) {
			req.Session = append(req.Session, Played{Row: row(), Outcome: outcomes[j%len(outcomes)]})
		}
		if i%5 == 1 {
			req.Explore = 0.6
		}
		if i%4 == 2 {
			a := row()
			req.Anchor = &Anchor{Kind: "track", Rows: []int{a}, Artist: -1, Label: "asked"}
		}
		reqs[i] = req
	}
	return reqs
}

// TestMoodBoundKeepsShortlist holds the full pass that passes over rows by
// the bound of their other terms (shortlistAll) to the pass that computes
// every row's mood term: the same picks, scores and reasons, bit for bit.
// An infinite largest mood norm makes the slack infinite, so nothing is
// passed over.
func TestMoodBoundKeepsShortlist(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	n := 20_000
	if testing.Short() {
		n = 4_000
	}
	for _, tc := range []struct {
		name string
		cat  *catalog.Catalog
	}{
		{"embedded default", def},
		{"synthetic", synthcat.Resample(def, n, 5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bounded, every := New(tc.cat, Options{}), New(tc.cat, Options{})
			every.maxMoodNorm2 = float32(math.Inf(1))
			for i, req := range equivalenceRequests(tc.cat, 80) {
				want, wantErr := every.Recommend(req)
				got, gotErr := bounded.Recommend(req)
				require.Equal(t, wantErr, gotErr, "request %d", i)
				require.Equal(t, want, got, "request %d: %+v", i, req)
			}
		})
	}
}

// TestGroupPassKeepsShortlist: the full pass by groups (shortlistGroups)
// returns what the pass row by row returns, pick for pick and score for
// score, on catalogs whose tracks share their artist's genre row; the full
// catalog too when CONTINUO_FULL_CATALOG names it.
func TestGroupPassKeepsShortlist(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	n := 20_000
	if testing.Short() {
		n = 4_000
	}
	cats := []struct {
		name string
		cat  func(t *testing.T) *catalog.Catalog
	}{
		{"embedded default", func(*testing.T) *catalog.Catalog { return def }},
		{"synthetic, genre per artist", func(*testing.T) *catalog.Catalog { return perArtistGenre(synthcat.Resample(def, n, 7)) }},
		{"full", func(t *testing.T) *catalog.Catalog {
			if os.Getenv("CONTINUO_FULL_CATALOG") == "" {
				t.Skip("CONTINUO_FULL_CATALOG not set")
			}
			c, err := catalog.Load(os.Getenv("CONTINUO_FULL_CATALOG"))
			require.NoError(t, err)
			return c
		}},
	}
	for _, tc := range cats {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cat(t)
			groups, rows := New(c, Options{}), New(c, Options{})
			require.NotZero(t, groups.genre.distinct.Rows, "the catalog has distinct genre rows")
			groups.genre.indexMembers(groups.prior, c.Family, len(c.Families)) // whatever the rows per group
			rows.genre.members = nil
			require.NotNil(t, groups.genre.members)
			for i, req := range equivalenceRequests(c, 80) {
				want, wantErr := rows.Recommend(req)
				got, gotErr := groups.Recommend(req)
				require.Equal(t, wantErr, gotErr, "request %d", i)
				require.Equal(t, want, got, "request %d: %+v", i, req)
				if wantErr == nil {
					require.Equal(t, shortlistOf(t, rows, req), shortlistOf(t, groups, req), "request %d: the shortlist", i)
				}
			}
		})
	}
}

// shortlistOf is e's shortlist for req, best first: what the re-ranking
// starts from, all e.k rows of it, where the picks show only the top.
func shortlistOf(t *testing.T, e *Engine, req Request) []cand {
	t.Helper()
	require.NoError(t, e.validate(&req))
	s := e.pool.get()
	defer e.pool.put(s)
	s.reset()
	cx, _, ok := e.begin(&req, s)
	if !ok {
		return nil
	}
	require.NoError(t, e.shortlist(&req, s, &cx))
	h := slices.Clone(s.heap)
	slices.SortFunc(h, func(a, b cand) int {
		if less(a, b) {
			return 1
		}
		return -1
	})
	return h
}

// TestGroupMembers: every row is in its distinct row's members, once, in
// ascending order, and each group carries its best prior and its families.
func TestGroupMembers(t *testing.T) {
	m := embed.NewMatrix(7, 2)
	group := []uint32{1, 0, 1, 2, 0, 1, 2}
	for i, d := range group {
		m.Row(i)[0] = float32(d)
	}
	gr := genreRows{distinct: embed.NewMatrix(3, 2), group: group}
	prior := []float32{0.1, -0.2, 0.5, 0, 0.3, -1, 0.05}
	family := []uint8{3, 0, 3, 17, 1, 4, 17}
	gr.indexMembers(prior, family, 18)
	assert.Equal(t, []uint32{0, 2, 5, 7}, gr.offsets)
	assert.Equal(t, []uint32{1, 4, 0, 2, 5, 3, 6}, gr.members)
	assert.Equal(t, []float32{0.3, 0.5, 0.05}, gr.maxPrior)
	assert.Equal(t, []uint64{1<<0 | 1<<1, 1<<3 | 1<<4, 1 << 17}, gr.families)

	none := genreRows{distinct: embed.NewMatrix(3, 2), group: group}
	none.indexMembers(prior, family, 65)
	assert.Nil(t, none.members, "more families than bits: no pass by groups")
}
