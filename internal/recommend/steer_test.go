package recommend_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/incar"
	"github.com/continuo/continuo/internal/recommend"
)

var (
	highway = incar.Condition{Factor: incar.FactorRoadType, Level: "highway"}
	jam     = incar.Condition{Factor: incar.FactorTraffic, Level: "traffic jam"}
)

// steerModel is a hand-made model: on the highway ratings rise with energy
// by energySlope points per unit and the named family gains famDev.
func steerModel(t *testing.T, energySlope float64, family string, famDev float64) *incar.Model {
	t.Helper()
	js := fmt.Sprintf(`{"effects":[{"condition":{"factor":"roadtype","level":"highway"},
		"overall":{"n":100},"families":[{"family":%q,"n":50,"shift":%g}],
		"features":[{"n":40,"shift":%g},{"n":40},{"n":40},{"n":40}]}]}`, family, famDev, energySlope)
	m, err := incar.Decode(strings.NewReader(js))
	require.NoError(t, err)
	return m
}

func meanEnergy(c *catalog.Catalog, ps []recommend.Pick) float64 {
	var s float64
	for _, p := range ps {
		s += recommend.RawMood(c, p.Row, catalog.MoodEnergy)
	}
	return s / float64(len(ps))
}

// TestZeroSteerIsIdentical: no conditions, no model, or conditions the
// model has no effect for give exactly the ranking of a request without a
// steer, scores and reasons included.
func TestZeroSteerIsIdentical(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	seed := firstOf(t, c, famIndex(t, c, "jazz"))
	requests := map[string]recommend.Request{
		"seed":   {Seeds: []int{seed}, N: 12},
		"calm":   {Seeds: []int{seed}, N: 12, Mood: recommend.MoodCalm},
		"cold":   {N: 8},
		"anchor": {N: 10, Anchor: &recommend.Anchor{Kind: recommend.AnchorGenre, Genres: []string{"rock"}, Label: "rock", Artist: -1}},
	}
	steers := map[string]recommend.Steer{
		"model, no conditions": {Model: incar.Default()},
		"conditions, no model": {Conditions: []incar.Condition{jam}},
		"weather only":         {Conditions: []incar.Condition{{Factor: incar.FactorWeather, Level: "rainy"}}, Model: incar.Default()},
		"empty model":          {Conditions: []incar.Condition{jam, highway}, Model: &incar.Model{}},
	}
	for rn, req := range requests {
		want, err := e.Recommend(req)
		require.NoError(t, err)
		for sn, st := range steers {
			r := req
			r.Steer = st
			got, err := e.Recommend(r)
			require.NoError(t, err)
			assert.Equal(t, want, got, "%s with %s", rn, sn)
		}
	}
}

// TestSteerMovesTheMoodAndSaysWhy: an upbeat highway lifts the picks'
// energy, and the picks the context brought in that are livelier than the
// context-free picks say so.
func TestSteerMovesTheMoodAndSaysWhy(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	seed := firstOf(t, c, famIndex(t, c, "jazz"))
	req := recommend.Request{Seeds: []int{seed}, N: 20}
	plain, err := e.Recommend(req)
	require.NoError(t, err)
	req.Steer = recommend.Steer{Conditions: []incar.Condition{highway}, Model: steerModel(t, 1.5, "jazz", 0)}
	steered, err := e.Recommend(req)
	require.NoError(t, err)
	assert.Greater(t, meanEnergy(c, steered), meanEnergy(c, plain), "more upbeat on the highway")
	inPlain := map[int]bool{}
	for _, p := range plain {
		inPlain[p.Row] = true
	}
	changed, ref := 0, meanEnergy(c, plain)
	for _, p := range steered {
		// Said of the picks the context brought in, and only of those
		// livelier than the picks they displaced: a word about the pick
		// must be true of it.
		said := strings.Contains(p.Reason, "more upbeat for the open highway")
		livelier := recommend.RawMood(c, p.Row, catalog.MoodEnergy) > ref
		assert.Equal(t, !inPlain[p.Row] && livelier, said, "row %d: %q", p.Row, p.Reason)
		if said {
			changed++
		}
	}
	assert.Positive(t, changed, "the context changed some picks")
}

// TestSteerIsBounded: a context 1000 times stronger than the cap moves the
// ranking no further than one just at the cap; it never pulls against the
// mood asked for; and a family the context favours does not take over the
// seed's family.
func TestSteerIsBounded(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	jazz := famIndex(t, c, "jazz")
	seed := firstOf(t, c, jazz)
	// 0.3 SD cap / (gain 2 · energy SD 0.25) = 0.6 points per unit: at the cap.
	atCap := steerModel(t, 0.6, "rock", 0)
	huge := steerModel(t, 600, "rock", 0)
	run := func(m *incar.Model, mood string) []recommend.Pick {
		req := recommend.Request{Seeds: []int{seed}, N: 15, Mood: mood}
		if m != nil {
			req.Steer = recommend.Steer{Conditions: []incar.Condition{highway}, Model: m}
		}
		ps, err := e.Recommend(req)
		require.NoError(t, err)
		return ps
	}
	assert.Equal(t, rows(run(atCap, "")), rows(run(huge, "")), "the move saturates at the cap")
	assert.Equal(t, rows(run(nil, recommend.MoodCalm)), rows(run(huge, recommend.MoodCalm)),
		"an upbeat context does not pull a calm request up")
	assert.GreaterOrEqual(t, meanEnergy(c, run(huge, recommend.MoodLively)), meanEnergy(c, run(nil, recommend.MoodLively)),
		"it may push a lively one further")

	famHuge := steerModel(t, 0, "rock", 1000)
	ps := run(famHuge, "")
	assert.GreaterOrEqual(t, countFamily(c, ps, jazz), countFamily(c, run(nil, ""), jazz)-3,
		"the seed's family keeps the list")
	assert.Greater(t, countFamily(c, ps, jazz), len(ps)/2, "jazz seed, rock-loving context: still mostly jazz")
}

// TestDefaultModelSteersTheRealCatalog: the learned table on the embedded
// catalog moves a traffic-jam drive calmer than a free-road one.
func TestDefaultModelSteersTheRealCatalog(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	pop := firstOf(t, c, famIndex(t, c, "pop"))
	energy := func(cond incar.Condition) float64 {
		ps, err := e.Recommend(recommend.Request{Seeds: []int{pop}, N: 20,
			Steer: recommend.Steer{Conditions: []incar.Condition{cond}, Model: incar.Default()}})
		require.NoError(t, err)
		return meanEnergy(c, ps)
	}
	assert.Less(t, energy(incar.Condition{Factor: incar.FactorTraffic, Level: "lots of cars"}),
		energy(incar.Condition{Factor: incar.FactorMood, Level: "active"}), "dense traffic calmer than an active mood")
}

// BenchmarkRecommendSteer: the cost of a steered request on the embedded
// catalog against a plain one (a steered request ranks twice: once to find
// which picks the context brought in, for their reasons).
func BenchmarkRecommendSteer(b *testing.B) {
	c, err := catalog.Default()
	require.NoError(b, err)
	e := recommend.New(c, recommend.Options{})
	for name, st := range map[string]recommend.Steer{
		"plain":   {},
		"steered": {Conditions: []incar.Condition{jam, {Factor: incar.FactorSleepiness, Level: "sleepy"}}, Model: incar.Default()},
	} {
		b.Run(name, func(b *testing.B) {
			req := recommend.Request{Seeds: []int{0}, N: 10, Steer: st}
			for b.Loop() {
				if _, err := e.Recommend(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
