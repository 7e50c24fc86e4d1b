package incar

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNDCG(t *testing.T) {
	cases := []struct {
		name       string
		score, rel []float64
		k          int
		want       float64
	}{
		{"perfect", []float64{3, 2, 1}, []float64{5, 3, 0}, 5, 1},
		{"reversed", []float64{1, 2, 3}, []float64{1, 0, 0}, 5, 1 / math.Log2(4)},
		{"tie shares the discounts", []float64{1, 1}, []float64{1, 0}, 5, 0.5 * (1 + 1/math.Log2(3))},
		{"cut at k", []float64{2, 1}, []float64{0, 4}, 1, 0},
		{"no gain", []float64{2, 1}, []float64{0, 0}, 5, math.NaN()},
	}
	for _, tc := range cases {
		got := NDCG(tc.score, tc.rel, tc.k)
		if math.IsNaN(tc.want) {
			assert.True(t, math.IsNaN(got), tc.name)
			continue
		}
		assert.InDelta(t, tc.want, got, 1e-9, tc.name)
	}
}

func TestSpearman(t *testing.T) {
	cases := []struct {
		name       string
		score, rel []float64
		want       float64
	}{
		{"same order", []float64{1, 2, 3}, []float64{2, 4, 5}, 1},
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{"ties get mean ranks", []float64{1, 1, 2}, []float64{1, 2, 3}, math.Sqrt(0.75)},
		{"constant score orders nothing", []float64{2, 2, 2}, []float64{1, 2, 3}, 0},
		{"constant ratings: undefined", []float64{1, 2, 3}, []float64{4, 4, 4}, math.NaN()},
		{"one item: undefined", []float64{1}, []float64{1}, math.NaN()},
	}
	for _, tc := range cases {
		got := Spearman(tc.score, tc.rel)
		if math.IsNaN(tc.want) {
			assert.True(t, math.IsNaN(got), tc.name)
			continue
		}
		assert.InDelta(t, tc.want, got, 1e-9, tc.name)
	}
}

// TestEvalLOOFixture: in the fixture every user rates metal 2 points lower
// in a jam, so the held-out table (learned from the two other users) orders
// each user's jam list perfectly, better than the no-context ratings; on
// the highway nothing changes, so neither does the ordering.
func TestEvalLOOFixture(t *testing.T) {
	d := fixture()
	res := EvalLOO(d, EvalOptions{Boot: 200})
	byName := map[string]FamilyResult{}
	for _, r := range res {
		byName[r.Name] = r
	}
	traffic := byName["traffic"]
	assert.Equal(t, 3, traffic.NDCG.Users)
	assert.InDelta(t, 1, traffic.NDCG.Aware, 1e-9)
	assert.Positive(t, traffic.NDCG.Lift)
	assert.InDelta(t, 1, traffic.Spearman.Aware, 1e-9)
	assert.Positive(t, traffic.Spearman.Lo, "the interval excludes no lift")
	road := byName["road type"]
	assert.Zero(t, road.NDCG.Lift)
	assert.Zero(t, road.Spearman.Lift)
	assert.Zero(t, byName["weather"].NDCG.Users, "weather: no lists")
	assert.Equal(t, "all", res[len(res)-1].Name)

	var a, b bytes.Buffer
	require.NoError(t, WriteEvalTable(&a, res, EvalOptions{Boot: 200}, 3))
	require.NoError(t, WriteEvalTable(&b, EvalLOO(d, EvalOptions{Boot: 200}), EvalOptions{Boot: 200}, 3))
	assert.Equal(t, a.String(), b.String(), "same seed, same table")
	assert.Contains(t, a.String(), "no lists")
}
