package incar

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShrinkGroup(t *testing.T) {
	cases := []struct {
		name      string
		pool      bool
		cells     []Cell
		wantTau2  float64
		wantShift []float64 // per cell, within 1e-3
	}{
		{name: "no signal: all noise shrinks to zero",
			cells:     []Cell{{N: 10, Raw: 0.1, Var: 0.1}, {N: 10, Raw: -0.1, Var: 0.1}},
			wantTau2:  0,
			wantShift: []float64{0, 0}},
		{name: "precise cells barely shrink",
			cells:     []Cell{{N: 100, Raw: 1, Var: 0.01}, {N: 100, Raw: -1, Var: 0.01}},
			wantTau2:  0.99,
			wantShift: []float64{0.99, -0.99}},
		{name: "the noisier cell shrinks more",
			cells:     []Cell{{N: 100, Raw: 1, Var: 0.01}, {N: 5, Raw: 1, Var: 0.5}},
			wantTau2:  (2 - 0.51) / 2,
			wantShift: []float64{0.745 / 0.755, 0.745 / 1.245}},
		{name: "pooled: a thin cell gets s²/n and stays out of tau2",
			// pooled per-rating variance: (0.01·100·99 + 0.01·100·99 + 0)/(99+99+1) = 0.995
			pool:      true,
			cells:     []Cell{{N: 100, Raw: 1, Var: 0.01}, {N: 100, Raw: -1, Var: 0.01}, {N: 2, Raw: 2, Var: 0}},
			wantTau2:  1 - 0.00995,
			wantShift: []float64{0.99005 / 1.0, -0.99005 / 1.0, 2 * 0.99005 / (0.99005 + 0.4975)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ptrs := make([]*Cell, len(tc.cells))
			for i := range tc.cells {
				ptrs[i] = &tc.cells[i]
			}
			assert.InDelta(t, tc.wantTau2, shrinkGroup(ptrs, tc.pool), 1e-6)
			for i, c := range tc.cells {
				assert.InDelta(t, tc.wantShift[i], c.Shift, 1e-3, "cell %d", i)
				assert.True(t, c.Shrink >= 0 && c.Shrink <= 1, "shrink factor %v in 0..1", c.Shrink)
			}
		})
	}
}

// fixture is a tiny data set: three users, four items (two families, two
// with audio features). In a traffic jam every user rates the metal item 2
// points lower and the jazz item as before; on the highway nothing changes.
func fixture() *Data {
	items := map[int]*Item{
		1: {ID: 1, Family: "metal", HasFeatures: true, Features: [NumFeatures]float64{0.9, 0.4, 0.0, 5}},
		2: {ID: 2, Family: "metal"},
		3: {ID: 3, Family: "jazz", HasFeatures: true, Features: [NumFeatures]float64{0.3, 0.6, 0.8, 4.6}},
		4: {ID: 4, Family: "jazz"},
	}
	jam := Condition{FactorTraffic, "traffic jam"}
	hw := Condition{FactorRoadType, "highway"}
	var rs []Rating
	for u := 1; u <= 3; u++ {
		for i := 1; i <= 4; i++ {
			base := float64(2 + (u+i)%3)
			rs = append(rs, Rating{User: u, Item: i, Rating: base, Weather: "sunny"})
			d := 0.0
			if items[i].Family == "metal" {
				d = -2
			}
			rs = append(rs, Rating{User: u, Item: i, Rating: base + d, Cond: jam, Weather: "rainy"})
			rs = append(rs, Rating{User: u, Item: i, Rating: base, Cond: hw, Weather: "rainy"})
		}
	}
	return &Data{Ratings: rs, Items: items, Joined: 2}
}

func TestLearnFixture(t *testing.T) {
	m := Learn(fixture(), 0)
	assert.Equal(t, 3, m.Users)
	assert.Equal(t, 12, m.Pairs)
	assert.Equal(t, 24, m.Shifts)
	jam := m.Effect(Condition{FactorTraffic, "traffic jam"})
	require.NotNil(t, jam)
	metal, ok := jam.Family("metal")
	require.True(t, ok)
	assert.Equal(t, 6, metal.N)
	assert.InDelta(t, -1, metal.Raw, 1e-9, "metal's deviation from the jam's overall -1")
	assert.InDelta(t, -1, jam.Overall.Raw, 1e-9)
	assert.Less(t, m.ItemShift(Condition{FactorTraffic, "traffic jam"}, "metal", nil),
		m.ItemShift(Condition{FactorTraffic, "traffic jam"}, "jazz", nil), "metal falls below jazz in a jam")
	hw := m.Effect(Condition{FactorRoadType, "highway"})
	require.NotNil(t, hw)
	assert.Zero(t, hw.Overall.Shift, "no change, no shift")
	assert.Nil(t, m.Effect(Condition{FactorWeather, "sunny"}), "weather has no learned effect")
	assert.Zero(t, m.ItemShift(Condition{FactorWeather, "sunny"}, "metal", nil))

	held := Learn(fixture(), 2)
	assert.Equal(t, 2, held.Users, "the held-out user's ratings are left out")
	assert.Equal(t, 16, held.Shifts)
}

func TestBaselinesMedian(t *testing.T) {
	rs := []Rating{{User: 1, Item: 1, Rating: 1}, {User: 1, Item: 1, Rating: 4}, {User: 1, Item: 1, Rating: 4},
		{User: 1, Item: 2, Rating: 2}, {User: 1, Item: 2, Rating: 3}, {User: 1, Item: 2, Rating: 5, Cond: Condition{FactorMood, "sad"}}}
	b := Baselines(rs, 0)
	assert.Equal(t, map[pair]float64{{1, 1}: 4, {1, 2}: 2.5}, b)
}

func TestModelRoundTrip(t *testing.T) {
	m := Learn(fixture(), 0)
	var a, b bytes.Buffer
	require.NoError(t, m.Encode(&a))
	got, err := Decode(bytes.NewReader(a.Bytes()))
	require.NoError(t, err)
	require.NoError(t, got.Encode(&b))
	assert.Equal(t, a.String(), b.String(), "encode(decode(x)) == x")
	assert.NotNil(t, got.Effect(Condition{FactorTraffic, "traffic jam"}))

	for name, body := range map[string]string{
		"unknown field":     `{"bogus": 1}`,
		"unknown condition": `{"effects":[{"condition":{"factor":"roadtype","level":"moon"}}]}`,
		"truncated":         `{"effects":[`,
	} {
		_, err := Decode(strings.NewReader(body))
		assert.Error(t, err, name)
	}
}

func TestNilModelHasNoEffects(t *testing.T) {
	var m *Model
	assert.Nil(t, m.Effect(Condition{FactorTraffic, "traffic jam"}))
	assert.Zero(t, m.ItemShift(Condition{FactorTraffic, "traffic jam"}, "metal", nil))
	assert.Nil(t, (&Model{}).Effect(Condition{FactorTraffic, "traffic jam"}))
}

// TestEmbeddedModelIsCurrent fails when model.json no longer matches what
// learning from the shared data gives: run make incar.
func TestEmbeddedModelIsCurrent(t *testing.T) {
	d, err := Load(sharedData(t))
	require.NoError(t, err)
	var fresh bytes.Buffer
	require.NoError(t, Learn(d, 0).Encode(&fresh))
	if !bytes.Equal(fresh.Bytes(), embedded) {
		t.Fatal("internal/incar/model.json differs from a freshly learned table: run make incar")
	}
	m := Default()
	assert.Len(t, m.Effects, 22, "every condition but weather's four")
	jam := m.Effect(Condition{FactorTraffic, "traffic jam"})
	require.NotNil(t, jam)
	assert.Less(t, jam.Overall.Shift, 0.0, "ratings fall in a traffic jam (raw %.2f, n %d)", jam.Overall.Raw, jam.Overall.N)
	metal, ok := jam.Family("metal")
	require.True(t, ok)
	assert.Less(t, metal.Raw, 0.0, "metal falls further than the rest in a jam before shrinkage")
}
