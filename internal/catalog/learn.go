package catalog

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/continuo/continuo/internal/embed"
)

// DefaultDims is the dimension of the genre space. The vocabulary has about
// 3,200 tags in some 20 broad families with hundreds of sub-styles; 48
// dimensions keep the eras within classical (baroque, classical era,
// romantic) and the regional rap scenes apart while the spectrum of the PPMI
// matrix beyond that is mostly noise from rare tags. 48 float32 per track
// also keeps the full catalog's genre matrix at about 34 MB.
const DefaultDims = 48

// cooccurrence counts how often two tags describe the same thing: two tags
// of one artist, or a track's label with another label or with one of its
// artists' tags.
type cooccurrence struct {
	index map[string]int32 // normalised key -> id
	names []string
	pairs map[[2]int32]float64
	count []float64 // weighted number of pairs each tag is in
}

func newCooccurrence() *cooccurrence {
	return &cooccurrence{index: map[string]int32{}, pairs: map[[2]int32]float64{}}
}

func (c *cooccurrence) id(tag string) int32 {
	k := NormalizeTag(tag)
	if i, ok := c.index[k]; ok {
		return i
	}
	i := int32(len(c.names))
	c.index[k] = i
	c.names = append(c.names, tag)
	c.count = append(c.count, 0)
	return i
}

// addGroup counts every pair of distinct tags of one group with weight w.
func (c *cooccurrence) addGroup(tags []string, w float64, scratch []int32) []int32 {
	ids := scratch[:0]
	for _, t := range tags {
		if NormalizeTag(t) == "" {
			continue
		}
		ids = append(ids, c.id(t))
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	u := ids[:0]
	for i, x := range ids {
		if i == 0 || x != ids[i-1] {
			u = append(u, x)
		}
	}
	for _, x := range u {
		// Marginal over pairs: each tag is in len(u)-1 pairs of this group.
		// Summed here, in input order, so learning is bit-for-bit repeatable
		// (summing over the pairs map would follow its random order).
		c.count[x] += w * float64(len(u)-1)
	}
	for i := 0; i < len(u); i++ {
		for j := i + 1; j < len(u); j++ {
			c.pairs[[2]int32{u[i], u[j]}] += w
		}
	}
	return ids
}

// ErrTooFewTags is why a genre space cannot be learned from the sources: too
// few distinct tags, or none appearing together (a small OEM catalog with
// one genre per track). BuildOptions.Space (continuoctl catalog build
// --genre-space default) places such a catalog in another catalog's space.
var ErrTooFewTags = errors.New("too few genre tags to learn a genre space")

// learn turns the counts into tag vectors: positive pointwise mutual
// information with context-distribution smoothing (alpha 0.75), then the top
// `dims` eigenpairs of the symmetric PPMI matrix by a randomized range finder,
// and vectors U·sqrt(λ) (Levy, Goldberg & Dagan 2015, "Improving
// distributional similarity with lessons learned from word embeddings"; Halko,
// Martinsson & Tropp 2011, "Finding structure with randomness"). Tags that
// never co-occur with another tag get no vector and are dropped.
func (c *cooccurrence) learn(dims int) (names []string, vecs embed.Matrix, err error) {
	n := len(c.names)
	if n < dims+1 {
		return nil, embed.Matrix{}, fmt.Errorf("learn genre space: %d tags, need more than %d: %w", n, dims, ErrTooFewTags)
	}
	// Marginals over pairs (each pair counts for both tags).
	marg := c.count
	var total float64
	for _, m := range marg {
		total += m
	}
	if total == 0 {
		return nil, embed.Matrix{}, fmt.Errorf("learn genre space: no co-occurring tags: %w", ErrTooFewTags)
	}
	const alpha = 0.75
	var smoothTotal float64
	smooth := make([]float64, n)
	for i, m := range marg {
		smooth[i] = math.Pow(m, alpha)
		smoothTotal += smooth[i]
	}
	a := mat.NewSymDense(n, nil)
	for p, w := range c.pairs {
		i, j := int(p[0]), int(p[1])
		// PMI(i,j) = log P(i,j) / (P(i) P_alpha(j)), symmetrised by averaging
		// the two directions of the smoothed context distribution.
		pij := w / total
		pmi := 0.5 * (math.Log(pij/((marg[i]/total)*(smooth[j]/smoothTotal))) +
			math.Log(pij/((marg[j]/total)*(smooth[i]/smoothTotal))))
		if pmi > 0 {
			a.SetSym(i, j, pmi)
		}
	}
	u, lambda, err := topEigen(a, dims, 4)
	if err != nil {
		return nil, embed.Matrix{}, fmt.Errorf("learn genre space: %w", err)
	}
	vecs = embed.NewMatrix(0, dims)
	for i := 0; i < n; i++ {
		row := make([]float32, dims)
		for k := 0; k < dims; k++ {
			row[k] = float32(u.At(i, k) * math.Sqrt(math.Max(lambda[k], 0)))
		}
		if embed.Normalize(row) == 0 || !finite(row) {
			continue
		}
		names = append(names, c.names[i])
		vecs.Data = append(vecs.Data, row...)
		vecs.Rows++
	}
	return names, vecs, nil
}

// topEigen returns the k largest eigenpairs of the symmetric a (vectors as
// columns, values descending) using a randomized range finder with q power
// iterations and 16 columns of oversampling; the dense eigensolver then only
// sees a (k+16)×(k+16) matrix, so learning takes seconds instead of the
// minutes a full EigenSym of a 3,000×3,000 matrix needs on two cores.
func topEigen(a *mat.SymDense, k, q int) (*mat.Dense, []float64, error) {
	n := a.SymmetricDim()
	l := min(k+16, n)
	rng := rand.New(rand.NewPCG(1, 1))
	omega := mat.NewDense(n, l, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < l; j++ {
			omega.Set(i, j, rng.NormFloat64())
		}
	}
	var y mat.Dense
	y.Mul(a, omega)
	qm := orthonormalColumns(&y)
	for range q {
		y.Reset()
		y.Mul(a, qm)
		qm = orthonormalColumns(&y)
	}
	// B = Qᵀ A Q is l×l and symmetric.
	var aq, b mat.Dense
	aq.Mul(a, qm)
	b.Mul(qm.T(), &aq)
	bs := mat.NewSymDense(l, nil)
	for i := 0; i < l; i++ {
		for j := i; j < l; j++ {
			bs.SetSym(i, j, 0.5*(b.At(i, j)+b.At(j, i)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(bs, true) {
		return nil, nil, fmt.Errorf("eigendecomposition did not converge")
	}
	vals := eig.Values(nil) // ascending
	var v mat.Dense
	eig.VectorsTo(&v)
	// Reorder descending and keep k.
	vk := mat.NewDense(l, k, nil)
	lambda := make([]float64, k)
	for c := 0; c < k; c++ {
		src := l - 1 - c
		lambda[c] = vals[src]
		for r := 0; r < l; r++ {
			vk.Set(r, c, v.At(r, src))
		}
	}
	var u mat.Dense
	u.Mul(qm, vk)
	return &u, lambda, nil
}

// orthonormalColumns returns an n×l matrix with orthonormal columns spanning
// the columns of y (modified Gram-Schmidt, applied twice for stability).
// Columns that vanish are replaced by zero columns.
func orthonormalColumns(y *mat.Dense) *mat.Dense {
	n, l := y.Dims()
	cols := make([][]float64, l)
	for j := 0; j < l; j++ {
		cols[j] = mat.Col(nil, j, y)
	}
	for pass := 0; pass < 2; pass++ {
		for j := 0; j < l; j++ {
			for i := 0; i < j; i++ {
				var d float64
				for r := 0; r < n; r++ {
					d += cols[i][r] * cols[j][r]
				}
				for r := 0; r < n; r++ {
					cols[j][r] -= d * cols[i][r]
				}
			}
			var s float64
			for _, x := range cols[j] {
				s += x * x
			}
			s = math.Sqrt(s)
			for r := range cols[j] {
				if s > 1e-12 {
					cols[j][r] /= s
				} else {
					cols[j][r] = 0
				}
			}
		}
	}
	out := mat.NewDense(n, l, nil)
	for j := 0; j < l; j++ {
		out.SetCol(j, cols[j])
	}
	return out
}
