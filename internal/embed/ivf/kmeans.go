package ivf

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/continuo/continuo/internal/embed"
)

// kmeans learns o.Lists unit centroids from a sample of m's rows: k-means++
// seeding (Arthur & Vassilvitskii, SODA 2007) then o.Iterations Lloyd
// iterations of spherical k-means (Dhillon & Modha, 2001): assign each
// sample row to the centroid of highest cosine, replace each centroid by
// the normalised sum of its rows. Cosine is the engine's genre similarity,
// so lists group rows the way a query scores them. A list left empty is
// re-seeded with a random sample row.
func kmeans(m embed.Matrix, o Options) embed.Matrix {
	rng := rand.New(rand.NewPCG(o.Seed, 0x697666))
	sample := sampleRows(m, o.SampleRows, rng)
	cent := seedPlusPlus(sample, o.Lists, rng)
	assign := make([]int32, sample.Rows)
	counts := make([]int, cent.Rows)
	for range o.Iterations {
		argmaxRows(sample, cent, assign)
		clear(cent.Data)
		clear(counts)
		for i, l := range assign {
			embed.AddScaled(cent.Row(int(l)), 1, sample.Row(i))
			counts[l]++
		}
		for l, n := range counts {
			if n == 0 {
				copy(cent.Row(l), sample.Row(rng.IntN(sample.Rows)))
			}
			embed.Normalize(cent.Row(l))
		}
	}
	return cent
}

// sampleRows copies n rows of m drawn without replacement (all of m when
// it has no more than n).
func sampleRows(m embed.Matrix, n int, rng *rand.Rand) embed.Matrix {
	if n >= m.Rows {
		return embed.Matrix{Rows: m.Rows, Cols: m.Cols, Data: append([]float32(nil), m.Data...)}
	}
	s := embed.NewMatrix(n, m.Cols)
	// Floyd's algorithm: n distinct rows in O(n) memory.
	chosen := make(map[int]struct{}, n)
	i := 0
	for j := m.Rows - n; j < m.Rows; j++ {
		r := rng.IntN(j + 1)
		if _, dup := chosen[r]; dup {
			r = j
		}
		chosen[r] = struct{}{}
		copy(s.Row(i), m.Row(r))
		i++
	}
	return s
}

// seedPlusPlus picks k rows of s as initial centroids, each next one with
// probability proportional to its squared distance to the nearest one
// already picked (for unit vectors, 2 − 2·cos).
func seedPlusPlus(s embed.Matrix, k int, rng *rand.Rand) embed.Matrix {
	cent := embed.NewMatrix(k, s.Cols)
	d2 := make([]float32, s.Rows)
	dots := make([]float32, s.Rows)
	for i := range d2 {
		d2[i] = 4 // above any 2 − 2·cos
	}
	pick := rng.IntN(s.Rows)
	for c := range k {
		copy(cent.Row(c), s.Row(pick))
		_ = s.Scores(cent.Row(c), dots) // shapes match by construction
		var total float64
		for i, d := range dots {
			d2[i] = min(d2[i], max(0, 2-2*d))
			total += float64(d2[i])
		}
		if total == 0 { // fewer distinct rows than lists: repeat one
			pick = rng.IntN(s.Rows)
			continue
		}
		x := rng.Float64() * total
		pick = s.Rows - 1
		for i, d := range d2 {
			if x -= float64(d); x < 0 {
				pick = i
				break
			}
		}
	}
	return cent
}

// argmaxBlock is the rows of m scored against all centroids in one gonum
// Gemm, a block at a time so the score buffer stays small (1024 × lists).
const argmaxBlock = 1024

// argmaxRows sets assign[i] to the centroid of highest dot product with m's
// row i.
func argmaxRows(m, cent embed.Matrix, assign []int32) {
	k := cent.Rows
	buf := make([]float32, argmaxBlock*k)
	cg := blas32.General{Rows: k, Cols: cent.Cols, Stride: cent.Cols, Data: cent.Data}
	for lo := 0; lo < m.Rows; lo += argmaxBlock {
		n := min(argmaxBlock, m.Rows-lo)
		a := blas32.General{Rows: n, Cols: m.Cols, Stride: m.Cols, Data: m.Data[lo*m.Cols : (lo+n)*m.Cols]}
		c := blas32.General{Rows: n, Cols: k, Stride: k, Data: buf[:n*k]}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, cg, 0, c)
		for i := range n {
			row := c.Data[i*k : (i+1)*k]
			best := 0
			for l, v := range row {
				if v > row[best] {
					best = l
				}
			}
			assign[lo+i] = int32(best)
		}
	}
}

// nearest assigns every row of m to its list.
func nearest(m, cent embed.Matrix) []int32 {
	assign := make([]int32, m.Rows)
	argmaxRows(m, cent, assign)
	return assign
}
