package embed

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDistinctRowsHashCollisions makes every row hash alike: unequal rows
// must still get their own distinct row, equal ones share one.
func TestDistinctRowsHashCollisions(t *testing.T) {
	m := NewMatrix(6, 2)
	for i, v := range []float32{1, 2, 1, 3, 2, 1} {
		m.Row(i)[0] = v
	}
	tests := []struct {
		name string
		hash func([]byte) uint64
	}{
		{"every row collides", func([]byte) uint64 { return 42 }},
		{"no collisions", func(b []byte) uint64 { return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, vector, ok := distinctRows(m, m.Rows, tc.hash)
			require.True(t, ok)
			assert.Equal(t, []uint32{0, 1, 0, 2, 1, 0}, vector)
			assert.Equal(t, []float32{1, 0, 2, 0, 3, 0}, u.Data)

			_, _, ok = distinctRows(m, 2, tc.hash)
			assert.False(t, ok, "three distinct rows exceed a limit of two")
		})
	}
}
