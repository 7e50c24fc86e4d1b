// Package ivf owns the approximate nearest-neighbour index for catalogs too
// big to scan at every Recommend: an inverted file (IVF; Jégou, Douze,
// Schmid, "Product quantization for nearest neighbor search", TPAMI 2011,
// §III-A, without the product quantiser) on spherical k-means centroids.
// A search scores the centroids, scans the int8 rows of the nprobe nearest
// lists, and re-ranks a shortlist exactly in float32 against the catalog's
// own matrix.
//
// # Layout
//
// An Index is five plain arrays and two integers, nothing else, so that a
// snapshot (v2) can store each array as one page-aligned, checksummed
// section and a reader can map it and slice it in place, with no decoding
// and no per-list allocation:
//
//	Centroids  float32[Lists×Cols]   unit vectors, row-major
//	Offsets    uint32[Lists+1]       list l is positions Offsets[l]..Offsets[l+1]
//	IDs        uint32[N]             catalog row of each position
//	Codes      int8[N×Cols]          each position's row, int8, contiguous per list
//	Scales     float32[N]            each position's int8 scale
//
// All arrays are little-endian on every platform Continuo targets, so a
// mapped section can be reinterpreted with unsafe.Slice after checking its
// length and alignment; Validate checks what a mapped file must satisfy
// before use (offsets monotone and ending at N, ids in range and each row
// exactly once), so a damaged section is refused, not trusted. Codes in list
// order, not row order, make the scan of one list one sequential read;
// the float32 re-rank reads the catalog's genre section by row id.
package ivf

import (
	"fmt"
	"math"
	"slices"

	"github.com/continuo/continuo/internal/embed"
)

// Index is an IVF index over the rows of one matrix. Its arrays are
// read-only once built and may be shared by any number of Searchers.
type Index struct {
	Lists, Cols int
	Centroids   []float32
	Offsets     []uint32
	IDs         []uint32
	Codes       []int8
	Scales      []float32
}

// Len returns the number of indexed rows.
func (ix *Index) Len() int { return len(ix.IDs) }

// Centroid returns list l's centroid, sharing storage.
func (ix *Index) Centroid(l int) []float32 {
	return ix.Centroids[l*ix.Cols : (l+1)*ix.Cols : (l+1)*ix.Cols]
}

// Validate checks the invariants a search relies on, for an index that
// came from a file: shapes, offsets that start at 0, never decrease and end
// at N, and ids that name each of n rows exactly once. n is the row count
// of the matrix the index will re-rank against.
func (ix *Index) Validate(n int) error {
	if err := ix.ValidateLists(n); err != nil {
		return err
	}
	if len(ix.Scales) != n || len(ix.Codes) != n*ix.Cols {
		return fmt.Errorf("ivf: %d scales, %d codes for %d rows of %d columns", len(ix.Scales), len(ix.Codes), n, ix.Cols)
	}
	for p, s := range ix.Scales {
		if s < 0 || math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("ivf: scales: position %d is %v", p, s)
		}
	}
	return nil
}

// ValidateLists checks what a search that scores its candidates exactly
// reads (the centroids, offsets and ids, not the int8 codes): the
// recommendation engine stores only these in a snapshot.
func (ix *Index) ValidateLists(n int) error {
	switch {
	case ix.Lists <= 0 || ix.Cols <= 0:
		return fmt.Errorf("ivf: %d lists of %d columns", ix.Lists, ix.Cols)
	case len(ix.Centroids) != ix.Lists*ix.Cols:
		return fmt.Errorf("ivf: centroids: %d values for %d×%d", len(ix.Centroids), ix.Lists, ix.Cols)
	case len(ix.Offsets) != ix.Lists+1:
		return fmt.Errorf("ivf: offsets: %d for %d lists", len(ix.Offsets), ix.Lists)
	case len(ix.IDs) != n:
		return fmt.Errorf("ivf: %d ids for %d rows", len(ix.IDs), n)
	case ix.Offsets[0] != 0 || int(ix.Offsets[ix.Lists]) != n:
		return fmt.Errorf("ivf: offsets run %d..%d, want 0..%d", ix.Offsets[0], ix.Offsets[ix.Lists], n)
	}
	for l := range ix.Lists {
		if ix.Offsets[l+1] < ix.Offsets[l] {
			return fmt.Errorf("ivf: offsets: list %d ends at %d before it starts at %d", l, ix.Offsets[l+1], ix.Offsets[l])
		}
	}
	seen := make([]bool, n)
	for p, id := range ix.IDs {
		if int(id) >= n || seen[id] {
			return fmt.Errorf("ivf: ids: position %d names row %d (out of range or twice)", p, id)
		}
		seen[id] = true
	}
	for _, c := range ix.Centroids {
		if math.IsNaN(float64(c)) || math.IsInf(float64(c), 0) {
			return fmt.Errorf("ivf: centroids: a value is %v", c)
		}
	}
	return nil
}

// ListOrdered returns m's rows in the index's list order (position p holds
// row IDs[p]): what a catalog stored in list order would hold, so a list's
// rows are one contiguous float32 block. See Searcher.UseListOrdered.
func (ix *Index) ListOrdered(m embed.Matrix) embed.Matrix {
	o := embed.NewMatrix(ix.Len(), ix.Cols)
	for p, id := range ix.IDs {
		copy(o.Row(p), m.Row(int(id)))
	}
	return o
}

// Searcher searches an Index with its own scratch: one per goroutine.
type Searcher struct {
	ix    *Index
	exact embed.Matrix
	// ordered, when set, is the float32 rows in list order: lists are
	// scored exactly with gonum instead of in int8.
	ordered *embed.Matrix
	lscores []float32
	// scratch
	cscores []float32
	probe   embed.TopK
	top     embed.TopK
	short   []embed.Hit
	lists   []embed.Hit
	qc      []int8
}

// NewSearcher returns a searcher of ix that re-ranks against exact, the
// matrix the index was built from.
func NewSearcher(ix *Index, exact embed.Matrix) (*Searcher, error) {
	if exact.Cols != ix.Cols || exact.Rows != ix.Len() {
		return nil, fmt.Errorf("ivf: index of %d rows × %d re-ranked against %d×%d", ix.Len(), ix.Cols, exact.Rows, exact.Cols)
	}
	return &Searcher{ix: ix, exact: exact, cscores: make([]float32, ix.Lists), qc: make([]int8, ix.Cols)}, nil
}

// UseListOrdered makes the searcher score lists in float32 over o
// (ix.ListOrdered(exact)) instead of in int8 over the codes: exact scores,
// no re-rank, gonum's SIMD dot products instead of a scalar int8 loop. If
// snapshot v2 stores the catalog in list order, o is the catalog's own
// genre matrix and costs no memory.
func (s *Searcher) UseListOrdered(o embed.Matrix) error {
	if o.Rows != s.ix.Len() || o.Cols != s.ix.Cols {
		return fmt.Errorf("ivf: list-ordered matrix %d×%d for %d rows × %d", o.Rows, o.Cols, s.ix.Len(), s.ix.Cols)
	}
	longest := 0
	for l := range s.ix.Lists {
		longest = max(longest, int(s.ix.Offsets[l+1]-s.ix.Offsets[l]))
	}
	s.ordered, s.lscores = &o, make([]float32, longest)
	return nil
}

// Search appends the k best rows for query, best first with exact scores,
// to dst: the nprobe lists whose centroids score highest are scanned in
// int8, their `shortlist` best rows are re-ranked in float32.
func (s *Searcher) Search(query []float32, k, nprobe, shortlist int, dst []embed.Hit) ([]embed.Hit, error) {
	ix := s.ix
	if len(query) != ix.Cols {
		return dst, fmt.Errorf("ivf: query of %d for %d columns", len(query), ix.Cols)
	}
	cm := embed.Matrix{Rows: ix.Lists, Cols: ix.Cols, Data: ix.Centroids}
	if err := cm.Scores(query, s.cscores); err != nil {
		return dst, fmt.Errorf("ivf: centroid scores: %w", err)
	}
	s.probe.Reset(min(max(nprobe, 1), ix.Lists))
	for l, sc := range s.cscores {
		s.probe.Push(int32(l), sc)
	}
	s.lists = s.probe.Sorted(s.lists[:0])

	if s.ordered != nil {
		s.top.Reset(k)
		for _, l := range s.lists {
			s.scoreList(int(l.Row), query)
		}
		return s.top.Sorted(dst), nil
	}
	qs := embed.QuantizeVector(query, s.qc)
	s.top.Reset(max(k, shortlist))
	for _, l := range s.lists {
		s.scanList(int(l.Row), qs)
	}
	s.short = s.top.Sorted(s.short[:0])
	s.top.Reset(k)
	for _, h := range s.short {
		s.top.Push(h.Row, embed.Dot(s.exact.Row(int(h.Row)), query))
	}
	return s.top.Sorted(dst), nil
}

// scanList scores list l's rows in int8 and offers them to the shortlist
// heap by catalog row. The loop is Int8Matrix's pass over one list's
// contiguous codes.
func (s *Searcher) scanList(l int, qs float32) {
	ix := s.ix
	c := ix.Cols
	qc := s.qc[:c]
	for p := int(ix.Offsets[l]); p < int(ix.Offsets[l+1]); p++ {
		r := ix.Codes[p*c : p*c+c : p*c+c]
		var d int32
		for j, x := range r {
			d += int32(x) * int32(qc[j])
		}
		sc := float32(d) * ix.Scales[p] * qs
		if t, full := s.top.Threshold(); full && sc <= t {
			continue
		}
		s.top.Push(int32(ix.IDs[p]), sc)
	}
}

// scoreList scores list l's rows exactly from the list-ordered matrix.
func (s *Searcher) scoreList(l int, query []float32) {
	lo, hi := int(s.ix.Offsets[l]), int(s.ix.Offsets[l+1])
	if hi == lo {
		return
	}
	c := s.ix.Cols
	block := embed.Matrix{Rows: hi - lo, Cols: c, Data: s.ordered.Data[lo*c : hi*c]}
	sc := s.lscores[:hi-lo]
	_ = block.Scores(query, sc) // shapes match by construction
	for i, v := range sc {
		if t, full := s.top.Threshold(); full && v <= t {
			continue
		}
		s.top.Push(int32(s.ix.IDs[lo+i]), v)
	}
}

// Build options.
type Options struct {
	Lists      int    // lists (centroids); 0: ⌈√N⌉
	SampleRows int    // rows k-means learns from; 0: 64 per list (all rows when fewer)
	Iterations int    // Lloyd iterations after k-means++; 0: 6
	Seed       uint64 // the sample and the k-means++ draws
}

// Build learns the centroids on a sample of m's rows (unit vectors: the
// genre space) and files every row under its nearest centroid by cosine.
func Build(m embed.Matrix, o Options) (*Index, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("ivf: build: %w", err)
	}
	if m.Rows == 0 {
		return nil, fmt.Errorf("ivf: build: no rows")
	}
	if o.Lists <= 0 {
		o.Lists = int(math.Ceil(math.Sqrt(float64(m.Rows))))
	}
	o.Lists = min(o.Lists, m.Rows)
	if o.SampleRows <= 0 {
		o.SampleRows = 64 * o.Lists
	}
	if o.Iterations <= 0 {
		o.Iterations = 6
	}
	cent := kmeans(m, o)
	assign := nearest(m, cent)
	return fill(m, cent, assign), nil
}

// fill lays the rows out list by list (a counting sort on the assignment,
// stable, so rows keep their order inside a list).
func fill(m embed.Matrix, cent embed.Matrix, assign []int32) *Index {
	ix := &Index{
		Lists: cent.Rows, Cols: m.Cols, Centroids: cent.Data,
		Offsets: make([]uint32, cent.Rows+1), IDs: make([]uint32, m.Rows),
		Codes: make([]int8, m.Rows*m.Cols), Scales: make([]float32, m.Rows),
	}
	for _, l := range assign {
		ix.Offsets[l+1]++
	}
	for l := range cent.Rows {
		ix.Offsets[l+1] += ix.Offsets[l]
	}
	next := slices.Clone(ix.Offsets[:cent.Rows])
	c := m.Cols
	for i, l := range assign {
		p := next[l]
		next[l]++
		ix.IDs[p] = uint32(i)
		ix.Scales[p] = embed.QuantizeVector(m.Row(i), ix.Codes[int(p)*c:int(p)*c+c])
	}
	return ix
}
