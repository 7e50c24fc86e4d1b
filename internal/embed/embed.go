// Package embed owns the vector storage behind the catalog's embeddings: one
// contiguous row-major float32 matrix per space, L2 normalisation, and
// scoring every row against a query in one blas32.Gemv call (or, for the
// 9-column mood space, one plain pass over the rows, which is faster there).
// For the footprint work (docs/footprint.md) it also owns int8 copies of a
// matrix (Int8Matrix, Searcher: int8 shortlist, float32 re-rank), the
// distinct rows of a matrix and their groups (Dedup, Groups), and top-k
// selection (TopK, ExactTop, Recall). The approximate index for large
// catalogs is the subpackage ivf.
//
// Shapes are checked here, before gonum sees them, because gonum panics on
// shape errors (they are programmer errors to it, but data errors to us).
package embed

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Matrix is Rows×Cols float32 values, row-major, contiguous.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix allocates a zero matrix.
func NewMatrix(rows, cols int) Matrix {
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// Row returns row i, sharing storage.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// Check reports a shape or value problem: wrong data length, or a non-finite value.
func (m Matrix) Check() error {
	if m.Rows < 0 || m.Cols <= 0 || len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("embed: matrix %dx%d has %d values", m.Rows, m.Cols, len(m.Data))
	}
	for i, v := range m.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("embed: row %d col %d is not finite", i/m.Cols, i%m.Cols)
		}
	}
	return nil
}

// Scores sets dst[i] = row i · q for every row, in one Gemv, except for
// 9-column matrices (the mood space), which get a plain row loop: gonum's
// Gemv makes one DotUnitary call per row, whose fixed cost dominates when a
// row is nine values long, and the written-out loop is about 1.5–2× faster
// there (BenchmarkScores). A generic loop for other narrow widths was slower
// than Gemv at 16 columns, so the other widths keep Gemv. dst must have Rows
// elements and q Cols elements.
func (m Matrix) Scores(q, dst []float32) error {
	if len(q) != m.Cols || len(dst) != m.Rows {
		return fmt.Errorf("embed: scores of %dx%d matrix with query of %d into %d", m.Rows, m.Cols, len(q), len(dst))
	}
	if m.Rows == 0 {
		return nil
	}
	if m.Cols == 9 && len(m.Data) == m.Rows*9 {
		m.scores9(q, dst)
		return nil
	}
	m.scoresGemv(q, dst)
	return nil
}

func (m Matrix) scoresGemv(q, dst []float32) {
	a := blas32.General{Rows: m.Rows, Cols: m.Cols, Stride: m.Cols, Data: m.Data}
	blas32.Gemv(blas.NoTrans, 1, a, blas32.Vector{N: m.Cols, Inc: 1, Data: q}, 0, blas32.Vector{N: m.Rows, Inc: 1, Data: dst})
}

// scores9 is the row loop for nine columns, written out so the compiler
// keeps the query in registers and checks bounds once per row.
func (m Matrix) scores9(q, dst []float32) {
	data := m.Data
	q0, q1, q2, q3, q4, q5, q6, q7, q8 := q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]
	for i := range dst {
		r := data[i*9 : i*9+9 : i*9+9]
		dst[i] = q0*r[0] + q1*r[1] + q2*r[2] + q3*r[3] + q4*r[4] + q5*r[5] + q6*r[6] + q7*r[7] + q8*r[8]
	}
}

// Normalize scales v to unit L2 norm in place and returns the old norm. A zero
// vector stays zero.
func Normalize(v []float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := math.Sqrt(s)
	if n == 0 {
		return 0
	}
	inv := float32(1 / n)
	for i := range v {
		v[i] *= inv
	}
	return float32(n)
}

// NormalizeRows L2-normalises every row so a dot product is a cosine.
func (m Matrix) NormalizeRows() {
	for i := 0; i < m.Rows; i++ {
		Normalize(m.Row(i))
	}
}

// Dot returns a·b; the lengths must match.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("embed: Dot of vectors of different lengths")
	}
	return blas32.Dot(blas32.Vector{N: len(a), Inc: 1, Data: a}, blas32.Vector{N: len(b), Inc: 1, Data: b})
}

// AddScaled sets dst += alpha·v.
func AddScaled(dst []float32, alpha float32, v []float32) {
	for i := range dst {
		dst[i] += alpha * v[i]
	}
}
