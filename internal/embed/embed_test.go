package embed

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomMatrix(rows, cols int, seed uint64) Matrix {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := NewMatrix(rows, cols)
	for i := range m.Data {
		m.Data[i] = rng.Float32()*2 - 1
	}
	return m
}

// TestScoresPathsAgree checks Scores (row loop or Gemv) against Gemv and
// against the definition, for the loop's width and others.
func TestScoresPathsAgree(t *testing.T) {
	for _, cols := range []int{1, 2, 8, 9, 10, 16, 17, 48} {
		t.Run(fmt.Sprintf("cols=%d", cols), func(t *testing.T) {
			m := randomMatrix(257, cols, uint64(cols))
			q := randomMatrix(1, cols, 99).Data
			got, want := make([]float32, m.Rows), make([]float32, m.Rows)
			require.NoError(t, m.Scores(q, got))
			m.scoresGemv(q, want)
			for i := range want {
				assert.InDelta(t, want[i], got[i], 1e-4, "row %d", i)
			}
			// and against the definition
			for i := range m.Rows {
				var s float64
				for j, v := range m.Row(i) {
					s += float64(v) * float64(q[j])
				}
				assert.InDelta(t, s, got[i], 1e-4, "row %d", i)
			}
		})
	}
}

func TestScoresShapeErrors(t *testing.T) {
	m := randomMatrix(4, 9, 1)
	tests := []struct {
		name   string
		q, dst int
	}{
		{"short query", 8, 4},
		{"long query", 10, 4},
		{"short dst", 9, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Error(t, m.Scores(make([]float32, tc.q), make([]float32, tc.dst)))
		})
	}
	empty := NewMatrix(0, 9)
	assert.NoError(t, empty.Scores(make([]float32, 9), nil))
}

// BenchmarkScores compares the paths on the catalog's shapes: the mood
// space (9 columns) and the genre space (48), where the int8 pass of
// Int8Matrix is the candidate to replace Gemv.
func BenchmarkScores(b *testing.B) {
	for _, cols := range []int{9, 48} {
		for _, rows := range []int{100_000, 1_000_000} {
			m := randomMatrix(rows, cols, 7)
			q := randomMatrix(1, cols, 8).Data
			dst := make([]float32, rows)
			b.Run(fmt.Sprintf("cols=%d/rows=%d/path=gemv", cols, rows), func(b *testing.B) {
				b.SetBytes(int64(len(m.Data) * 4))
				for b.Loop() {
					m.scoresGemv(q, dst)
				}
			})
			if cols == 48 {
				qm := Quantize(m)
				b.Run(fmt.Sprintf("cols=%d/rows=%d/path=int8", cols, rows), func(b *testing.B) {
					b.SetBytes(int64(len(qm.Codes) + 4*len(qm.Scale)))
					for b.Loop() {
						if err := qm.Scores(q, dst); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			if cols == 9 {
				b.Run(fmt.Sprintf("cols=%d/rows=%d/path=loop", cols, rows), func(b *testing.B) {
					b.SetBytes(int64(len(m.Data) * 4))
					for b.Loop() {
						m.scores9(q, dst)
					}
				})
			}
		}
	}
}
