package recommend_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/vehicle"
)

func length(c *catalog.Catalog, row int) time.Duration {
	return time.Duration(c.DurationMS(row)) * time.Millisecond
}

// longestClassical is a long classical track (a symphony movement), the
// seed whose continuation is long tracks.
func longestClassical(t *testing.T, c *catalog.Catalog) int {
	t.Helper()
	classical := famIndex(t, c, "classical")
	best := -1
	for i := range c.Len() {
		if c.Family[i] == classical && (best < 0 || c.DurationMS(i) > c.DurationMS(best)) {
			best = i
		}
	}
	require.GreaterOrEqual(t, best, 0)
	return best
}

func TestZeroTripKeepsTheRanking(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	seed := swanLakeScene(t, c)
	for _, req := range []recommend.Request{
		{Seeds: []int{seed}, N: 10, Explicit: true, RandSeed: 7},
		{Session: []recommend.Played{{Row: seed, Outcome: music.OutcomeCompleted}}, N: 5, Mood: recommend.MoodCalm, RandSeed: 3},
		{N: 8, Explicit: true, RandSeed: 1}, // cold start
	} {
		plain, err := e.Recommend(req)
		require.NoError(t, err)
		req.Trip = recommend.Trip{Why: "ignored without a bound", AfterID: c.ID(seed)}
		withZero, err := e.Recommend(req)
		require.NoError(t, err)
		assert.Equal(t, plain, withZero)
	}
}

func TestTripFitsBeforeArrival(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	seed := longestClassical(t, c)
	base := recommend.Request{Seeds: []int{seed}, N: 1, Explicit: true, RandSeed: 11}
	plain, err := e.Recommend(base)
	require.NoError(t, err)
	require.Len(t, plain, 1)
	top := length(c, plain[0].Row)

	cases := []struct {
		name    string
		minutes float64
	}{
		{"four minutes out", 4},
		{"six minutes out", 6},
		{"nine minutes out", 9},
		{"fourteen minutes out", 14},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := base
			req.Trip = recommend.Trip{MinutesLeft: tc.minutes}
			got, err := e.Recommend(req)
			require.NoError(t, err)
			require.Len(t, got, 1)
			budget := time.Duration(tc.minutes*float64(time.Minute)) + recommend.ArrivalSlack
			t.Logf("untripped pick %v, trip pick %v: %s", top, length(c, got[0].Row), got[0].Reason)
			assert.LessOrEqual(t, length(c, got[0].Row), budget, "the pick finishes before the arrival: %s", got[0].Reason)
			if top > budget {
				assert.NotEqual(t, plain[0].Row, got[0].Row)
				assert.Contains(t, got[0].Reason, "you arrive in")
			}
		})
	}
}

func TestTripListFillsTheTimeLeft(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	seed := swanLakeScene(t, c)
	// A list of 6 for 12 minutes: the tracks that start before the
	// arrival all end by it (plus the slack), and one ends close to it.
	req := recommend.Request{Seeds: []int{seed}, N: 6, Explicit: true, RandSeed: 5, Trip: recommend.Trip{MinutesLeft: 12}}
	got, err := e.Recommend(req)
	require.NoError(t, err)
	require.Len(t, got, 6)
	var at time.Duration
	budget := 12 * time.Minute
	for _, p := range got {
		if at >= budget {
			break
		}
		at += length(c, p.Row)
		assert.LessOrEqual(t, at, budget+recommend.ArrivalSlack, "track %q starts before the arrival and would be cut", c.Title(p.Row))
	}
	t.Logf("tracks before the arrival end at %v of %v", at, budget)
	assert.GreaterOrEqual(t, at, budget, "the tracks before the arrival end at it, not minutes before: %v", at)
}

func TestTripBoundsTheEnergyStep(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	energy := func(r int) float64 { return recommend.RawMood(c, r, catalog.MoodEnergy) }
	seed := swanLakeScene(t, c)
	// A lively request from a calm seed: unbounded, the list jumps.
	base := recommend.Request{Seeds: []int{seed}, N: 8, Mood: recommend.MoodLively, Explicit: true, RandSeed: 3}
	bound := 0.12
	req := base
	req.Trip = recommend.Trip{MaxEnergyStep: bound, Why: "the traffic jam"}
	got, err := e.Recommend(req)
	require.NoError(t, err)
	require.Len(t, got, 8)
	prev := seed
	changed := false
	for _, p := range got {
		assert.LessOrEqual(t, math.Abs(energy(p.Row)-energy(prev)), bound+1e-9, "step to %q", c.Title(p.Row))
		changed = changed || strings.Contains(p.Reason, "for the traffic jam")
		prev = p.Row
	}
	plain, err := e.Recommend(base)
	require.NoError(t, err)
	maxStep := math.Abs(energy(plain[0].Row) - energy(seed))
	for i := 1; i < len(plain); i++ {
		maxStep = max(maxStep, math.Abs(energy(plain[i].Row)-energy(plain[i-1].Row)))
	}
	if maxStep > bound {
		assert.True(t, changed, "a pick the bound changed says why")
	}
}

func TestTripRejectsNonsense(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	for _, tr := range []recommend.Trip{{MinutesLeft: math.NaN()}, {MaxEnergyStep: 2}, {MaxEnergyStep: math.NaN(), MinutesLeft: 3}, {MinutesLeft: math.Inf(1)}} {
		_, err := e.Recommend(recommend.Request{N: 3, Trip: tr})
		require.Error(t, err)
		assert.Equal(t, music.KindInvalid, music.KindOf(err))
	}
}

// BenchmarkRefill is one refill of the daemon's queue (N=1) on the
// embedded catalog, without and with a trip (which ranks a list of 30 to
// choose from).
func BenchmarkRefill(b *testing.B) {
	c, err := catalog.Default()
	require.NoError(b, err)
	e := recommend.New(c, recommend.Options{})
	seed := 0
	for _, bc := range []struct {
		name string
		trip recommend.Trip
	}{
		{"plain", recommend.Trip{}},
		{"trip", recommend.Trip{MinutesLeft: 9, MaxEnergyStep: vehicle.StepJam, Why: "the traffic jam"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := recommend.Request{Seeds: []int{seed}, N: 1, Explicit: true, RandSeed: 1, Trip: bc.trip}
			b.ReportAllocs()
			for b.Loop() {
				picks, err := e.Recommend(req)
				if err != nil || len(picks) != 1 {
					b.Fatal(err, len(picks))
				}
			}
		})
	}
}
