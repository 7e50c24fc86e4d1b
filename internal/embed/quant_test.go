package embed

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantizeVector(t *testing.T) {
	tests := []struct {
		name string
		v    []float32
	}{
		{"zero", []float32{0, 0, 0}},
		{"one-hot", []float32{0, 1, 0}},
		{"spread", []float32{0.2, 0.2, -0.2, 0.2, 0.9}},
		{"negative max", []float32{-0.7, 0.1, 0.3}},
		{"tiny", []float32{1e-30, -3e-30}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			codes := make([]int8, len(tc.v))
			s := QuantizeVector(tc.v, codes)
			for j, x := range tc.v {
				// round to nearest: within half a step of the scale
				assert.InDelta(t, x, s*float32(codes[j]), float64(s)/2*1.0001+1e-37, "value %d", j)
				assert.LessOrEqual(t, math.Abs(float64(codes[j])), 127.0)
			}
		})
	}
}

// TestInt8Scores checks the int8 pass against the float32 pass: each score
// within the error the two roundings allow.
func TestInt8Scores(t *testing.T) {
	for _, cols := range []int{1, 9, 48, 70} {
		t.Run(fmt.Sprintf("cols=%d", cols), func(t *testing.T) {
			m := randomMatrix(300, cols, uint64(cols))
			m.NormalizeRows()
			q := Quantize(m)
			require.NoError(t, q.Check())
			query := randomMatrix(1, cols, 5).Data
			Normalize(query)
			got, want := make([]float32, m.Rows), make([]float32, m.Rows)
			require.NoError(t, q.Scores(query, got))
			require.NoError(t, m.Scores(query, want))
			// |error| ≤ Σ|x_j|·|q step|/2 + Σ|q_j|·|x step|/2 ≤ √cols/127 for unit vectors
			tol := math.Sqrt(float64(cols)) / 127
			for i := range want {
				assert.InDelta(t, want[i], got[i], tol, "row %d", i)
			}
		})
	}
}

func TestInt8ShapeErrors(t *testing.T) {
	q := Quantize(randomMatrix(4, 9, 1))
	assert.Error(t, q.Scores(make([]float32, 8), make([]float32, 4)))
	assert.Error(t, q.Scores(make([]float32, 9), make([]float32, 3)))
	bad := q
	bad.Scale = bad.Scale[:3]
	assert.Error(t, bad.Check())
	_, err := NewSearcher(randomMatrix(5, 9, 1), q)
	assert.Error(t, err)
	_, err = NewSearcher(randomMatrix(4, 9, 1), bad)
	assert.Error(t, err)
}

func TestTopK(t *testing.T) {
	scores := []float32{0.5, 0.1, 0.9, 0.5, 0.3, 0.9, -1, 0.7}
	tests := []struct {
		k    int
		want []int32
	}{
		{0, nil},
		{1, []int32{2}},
		{3, []int32{2, 5, 7}},
		{5, []int32{2, 5, 7, 0, 3}}, // ties at 0.5 by row
		{20, []int32{2, 5, 7, 0, 3, 4, 1, 6}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("k=%d", tc.k), func(t *testing.T) {
			var top TopK
			top.Reset(tc.k)
			for i, s := range scores {
				top.Push(int32(i), s)
			}
			var rows []int32
			for _, h := range top.Sorted(nil) {
				rows = append(rows, h.Row)
			}
			assert.Equal(t, tc.want, rows)
		})
	}
}

// TestSearcherExact: with a shortlist of every row the search is exact,
// and with a short one it still returns k rows, best first.
func TestSearcherExact(t *testing.T) {
	m := randomMatrix(500, 48, 3)
	m.NormalizeRows()
	s, err := NewSearcher(m, Quantize(m))
	require.NoError(t, err)
	query := randomMatrix(1, 48, 4).Data
	exact := exactTop(m, query, 10)
	got, err := s.Search(query, 10, m.Rows, nil)
	require.NoError(t, err)
	assert.Equal(t, exact, got)
	got, err = s.Search(query, 10, 5, nil) // shortlist below k: k wins
	require.NoError(t, err)
	require.Len(t, got, 10)
	assert.True(t, slices.IsSortedFunc(got, func(a, b Hit) int { return -cmpF(a.Score, b.Score) }))
	_, err = s.Search(query[:47], 10, 50, nil)
	assert.Error(t, err)
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func exactTop(m Matrix, query []float32, k int) []Hit {
	var top TopK
	hits, err := ExactTop(m, query, k, make([]float32, m.Rows), &top, nil)
	if err != nil {
		panic(err)
	}
	return hits
}

func TestRecall(t *testing.T) {
	exact := []Hit{{1, 0.9}, {2, 0.8}, {3, 0.7}}
	tests := []struct {
		name string
		got  []Hit
		want float64
	}{
		{"same", exact, 1},
		{"tie with last", []Hit{{1, 0.9}, {2, 0.8}, {9, 0.7}}, 1},
		{"one worse", []Hit{{1, 0.9}, {2, 0.8}, {9, 0.6}}, 2.0 / 3},
		{"short", []Hit{{1, 0.9}}, 1.0 / 3},
		{"none", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.InDelta(t, tc.want, Recall(exact, tc.got, 1e-6), 1e-9) })
	}
	assert.Equal(t, 1.0, Recall(nil, nil, 0))
}

func TestDedup(t *testing.T) {
	m := NewMatrix(6, 2)
	copy(m.Data, []float32{1, 0, 0, 1, 1, 0, 0.5, 0.5, 0, 1, 1, 0})
	u, g := Dedup(m)
	require.NoError(t, g.Check(m.Rows, u.Rows))
	assert.Equal(t, []float32{1, 0, 0, 1, 0.5, 0.5}, u.Data)
	assert.Equal(t, []uint32{0, 1, 0, 2, 1, 0}, g.Vector)
	assert.Equal(t, []uint32{0, 3, 5, 6}, g.Offsets)
	assert.Equal(t, []uint32{0, 2, 5, 1, 4, 3}, g.Members)
	tests := []struct {
		name string
		hits []Hit
		k    int
		want []Hit
	}{
		{"k within first group", []Hit{{0, 0.9}, {2, 0.5}}, 2, []Hit{{0, 0.9}, {2, 0.9}}},
		{"across groups", []Hit{{2, 0.9}, {1, 0.5}}, 3, []Hit{{3, 0.9}, {1, 0.5}, {4, 0.5}}},
		{"fewer rows than k", []Hit{{2, 0.9}}, 3, []Hit{{3, 0.9}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, g.Expand(tc.hits, tc.k, nil)) })
	}
	assert.Error(t, g.Check(5, u.Rows))
	assert.Error(t, g.Check(6, 2))
}
