package eval

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShareLabel(t *testing.T) {
	tests := []struct {
		name string
		a, b []string
		want bool
	}{
		{"same label", []string{"classical"}, []string{"romantic", "classical"}, true},
		{"folded", []string{"Hip-Hop"}, []string{"hip hop"}, true},
		{"none shared", []string{"jazz"}, []string{"rock"}, false},
		{"no labels", nil, []string{"rock"}, false},
		{"empty labels do not match", []string{""}, []string{""}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, shareLabel(tc.a, tc.b))
		})
	}
}

func TestCosine(t *testing.T) {
	tests := []struct {
		name string
		a, b []float32
		want float64
	}{
		{"same", []float32{1, 0}, []float32{2, 0}, 1},
		{"orthogonal", []float32{1, 0}, []float32{0, 3}, 0},
		{"opposite", []float32{1, 1}, []float32{-1, -1}, -1},
		{"zero row", []float32{0, 0}, []float32{1, 0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, cosine(tc.a, tc.b), 1e-9)
		})
	}
}
