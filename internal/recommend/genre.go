package recommend

import (
	"fmt"
	"math"
	"slices"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
)

// maxDistinctShare is the share of distinct genre rows above which the full
// pass scores every row as it is. The gather through the row → distinct row
// index is cheap (≈ 0.05 ms for the full catalog's 176,008 rows against
// ≈ 1.3 ms for a Gemv over all of them), but the distinct rows are a copy
// held beside the catalog's matrix: above 70 % distinct it would cost most
// of that matrix's memory again for less than a third of its pass.
// Synthetic catalogs (synthcat.Resample) have no duplicates at all.
const maxDistinctShare = 0.7

// genreRows is the genre matrix as its distinct rows. A catalog's genre rows
// come from artist tags, so every track of an artist shares one vector: the
// full catalog has 27,432 distinct rows for 176,008 tracks. The full pass
// scores the distinct rows (one Gemv over 16 % of the rows) and gathers a
// row's cosine through group, which is exact: gonum computes each row's dot
// product on its own, so a row scores the same bits alone or in the full
// matrix (genre_test.go holds the picks and scores equal).
//
// Built in New, not stored in the catalog: the snapshot format stays as it
// is (v2 as the lead's build writes it) and only the engine scores the whole
// matrix. Both are plain contiguous arrays (embed.Matrix data and a []uint32),
// so a mapped snapshot can later store them and New take them from it.
type genreRows struct {
	distinct embed.Matrix // Rows == 0: the plain pass over the catalog's matrix
	group    []uint32     // catalog row → its row of distinct

	// The rows of each distinct row, for the pass by groups
	// (shortlistGroups): members[offsets[d]:offsets[d+1]] are the catalog
	// rows of distinct row d in ascending order, maxPrior[d] the largest
	// popularity prior among them and families[d] a bit per genre family
	// among them. Built in New from group, the prior and the catalog's
	// families (~1.1 MB for the full catalog).
	members  []uint32
	offsets  []uint32
	maxPrior []float32
	families []uint64
}

// minGroupRows is how many rows a distinct genre row must hold on average
// for the full pass to go by groups (shortlistGroups). Measured in process,
// one core, BenchmarkRecommend (2026-11-30): the full catalog, 6.4 rows a
// group, 0.85 → 0.57 ms p50; the embedded default, 2.9 rows a group, 0.41 →
// 0.49 ms: with small groups most of them pass their bound and the rows are
// read out of order, so the row pass stays.
const minGroupRows = 4

// indexMembers fills members, offsets, maxPrior and families by a counting
// sort of group: rows stay ascending within their distinct row. A catalog
// of more than 64 families has no pass by groups.
func (gr *genreRows) indexMembers(prior []float32, family []uint8, families int) {
	if gr.distinct.Rows == 0 || families > 64 {
		return
	}
	off := make([]uint32, gr.distinct.Rows+1)
	for _, d := range gr.group {
		off[d+1]++
	}
	for d := range gr.distinct.Rows {
		off[d+1] += off[d]
	}
	members := make([]uint32, len(gr.group))
	next := slices.Clone(off[:gr.distinct.Rows])
	maxPrior := make([]float32, gr.distinct.Rows)
	for d := range maxPrior {
		maxPrior[d] = float32(math.Inf(-1))
	}
	fams := make([]uint64, gr.distinct.Rows)
	for i, d := range gr.group {
		members[next[d]] = uint32(i)
		next[d]++
		maxPrior[d] = max(maxPrior[d], prior[i])
		fams[d] |= 1 << family[i]
	}
	gr.members, gr.offsets, gr.maxPrior, gr.families = members, off, maxPrior, fams
}

// newGenreRows takes the distinct rows of the catalog's genre matrix from
// its snapshot, or finds them, or returns the zero value (the plain pass)
// when more than maxDistinctShare of them are distinct.
func newGenreRows(c *catalog.Catalog) genreRows {
	m := c.Genre
	limit := int(maxDistinctShare * float64(m.Rows))
	if len(c.GenreGroup) == m.Rows && c.GenreDistinct.Cols == m.Cols && c.GenreDistinct.Rows > 0 {
		if c.GenreDistinct.Rows > limit {
			return genreRows{}
		}
		return genreRows{distinct: c.GenreDistinct, group: c.GenreGroup}
	}
	u, group, ok := embed.DistinctRows(m, limit)
	if !ok {
		return genreRows{}
	}
	return genreRows{distinct: u, group: group}
}

// genreScores sets s.g to every row's genre cosine to the context s.gq,
// shaped by Explore (exploreGenre).
func (e *Engine) genreScores(s *scratch, explore float64) error {
	if e.genre.distinct.Rows == 0 {
		if err := e.cat.Genre.Scores(s.gq, s.g); err != nil {
			return fmt.Errorf("recommend: genre scores: %w", err)
		}
		if explore > 0 {
			exploreGenre(s.g, explore)
		}
		return nil
	}
	if err := e.genre.distinct.Scores(s.gq, s.gu); err != nil {
		return fmt.Errorf("recommend: distinct genre scores: %w", err)
	}
	if explore > 0 {
		exploreGenre(s.gu, explore) // per value: the same before or after the gather
	}
	gu, g := s.gu, s.g[:len(e.genre.group)]
	for i, v := range e.genre.group {
		g[i] = gu[v]
	}
	return nil
}
