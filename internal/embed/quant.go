package embed

import (
	"fmt"
	"math"
)

// Int8Matrix is a Matrix quantised to int8 with one scale per row:
// row i ≈ Scale[i]·Codes[i*Cols:(i+1)*Cols]. It is a quarter of the float32
// matrix (plus 4 bytes a row), and a scoring pass reads a quarter of the
// memory.
//
// Why per row and not per column: the genre rows are unit vectors whose
// mass sits in a few columns, and how concentrated it is varies by row (a
// one-genre track has a 1.0, a many-genre track several 0.2s). A per-row
// scale gives every row the full −127..127 range, so every row's relative
// error is the same (≤ 1/254 of its largest value); a per-column scale must
// fit the column's largest value over all rows, leaving a spread row's small
// values a few dozen levels. The per-row scale costs one multiply per row,
// after the integer dot product.
type Int8Matrix struct {
	Rows, Cols int
	Codes      []int8    // Rows×Cols, row-major, contiguous
	Scale      []float32 // Rows
}

// Quantize returns m quantised row by row: the largest |value| of a row
// maps to ±127, values round to nearest. A zero row has scale 0.
func Quantize(m Matrix) Int8Matrix {
	q := Int8Matrix{Rows: m.Rows, Cols: m.Cols, Codes: make([]int8, len(m.Data)), Scale: make([]float32, m.Rows)}
	for i := range m.Rows {
		q.Scale[i] = QuantizeVector(m.Row(i), q.Row(i))
	}
	return q
}

// QuantizeVector writes v's int8 codes to dst (same length) and returns the
// scale: v ≈ scale·dst.
func QuantizeVector(v []float32, dst []int8) float32 {
	var mx float32
	for _, x := range v {
		mx = max(mx, float32(math.Abs(float64(x))))
	}
	if mx == 0 {
		clear(dst)
		return 0
	}
	inv := 127 / mx
	for j, x := range v {
		dst[j] = int8(math.Round(float64(x * inv)))
	}
	return mx / 127
}

// Row returns row i's codes, sharing storage.
func (q Int8Matrix) Row(i int) []int8 { return q.Codes[i*q.Cols : (i+1)*q.Cols : (i+1)*q.Cols] }

// Check reports a shape problem.
func (q Int8Matrix) Check() error {
	if q.Rows < 0 || q.Cols <= 0 || len(q.Codes) != q.Rows*q.Cols || len(q.Scale) != q.Rows {
		return fmt.Errorf("embed: int8 matrix %dx%d has %d codes and %d scales", q.Rows, q.Cols, len(q.Codes), len(q.Scale))
	}
	return nil
}

// Scores sets dst[i] ≈ row i · query for every row: the query is quantised
// to int8 too, each row's int8·int8 dot product is summed in int32 (exact:
// 127²·Cols fits for any Cols below 133,000) and scaled once. dst must
// have Rows elements and query Cols.
func (q Int8Matrix) Scores(query, dst []float32) error {
	if len(query) != q.Cols || len(dst) != q.Rows {
		return fmt.Errorf("embed: scores of %dx%d int8 matrix with query of %d into %d", q.Rows, q.Cols, len(query), len(dst))
	}
	// The query's codes live on the stack for the catalog's widths.
	var buf [64]int8
	var qc []int8
	if q.Cols <= len(buf) {
		qc = buf[:q.Cols]
	} else {
		qc = make([]int8, q.Cols)
	}
	qs := QuantizeVector(query, qc)
	scoresInt8(q.Codes, q.Scale, qc, qs, dst)
	return nil
}

// scoresInt8 is the scoring pass, written plainly: per row one int32 dot
// product over the codes and one float multiply. Slicing each row to the
// query's length lets the compiler drop the bounds checks in the inner loop.
func scoresInt8(codes []int8, scale []float32, qc []int8, qs float32, dst []float32) {
	c := len(qc)
	for i := range dst {
		r := codes[i*c : i*c+c : i*c+c]
		var s int32
		for j, x := range r {
			s += int32(x) * int32(qc[j])
		}
		dst[i] = float32(s) * scale[i] * qs
	}
}

// Searcher finds the rows of a matrix with the highest dot product with a
// query in two passes: the int8 scores of every row pick a shortlist,
// whose exact float32 dot products decide the order. The matrices are
// read-only and may be shared; a Searcher's scratch is not, so use one per
// goroutine (NewSearcher over the same Int8Matrix is cheap).
type Searcher struct {
	Exact Matrix
	Quant Int8Matrix
	// scratch
	scores []float32
	top    TopK
	short  []Hit
}

// NewSearcher returns a searcher over exact and its quantised copy quant
// (Quantize(exact)).
func NewSearcher(exact Matrix, quant Int8Matrix) (*Searcher, error) {
	if exact.Rows != quant.Rows || exact.Cols != quant.Cols {
		return nil, fmt.Errorf("embed: searcher over %dx%d matrix with %dx%d int8 copy", exact.Rows, exact.Cols, quant.Rows, quant.Cols)
	}
	if err := quant.Check(); err != nil {
		return nil, err
	}
	return &Searcher{Exact: exact, Quant: quant, scores: make([]float32, exact.Rows)}, nil
}

// Search appends the k best rows for query, best first, to dst, choosing
// them by exact score among the `shortlist` (≥ k) best int8 scores.
func (s *Searcher) Search(query []float32, k, shortlist int, dst []Hit) ([]Hit, error) {
	if err := s.Quant.Scores(query, s.scores); err != nil {
		return dst, err
	}
	s.top.Reset(max(k, shortlist))
	for i, sc := range s.scores {
		if t, full := s.top.Threshold(); full && sc <= t {
			continue
		}
		s.top.Push(int32(i), sc)
	}
	s.short = s.top.Sorted(s.short[:0])
	s.top.Reset(k)
	for _, h := range s.short {
		s.top.Push(h.Row, Dot(s.Exact.Row(int(h.Row)), query))
	}
	return s.top.Sorted(dst), nil
}
