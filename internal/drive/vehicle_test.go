package drive

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/incar"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/vehicle"
)

// The refill request carries the vehicle context: the minutes left from
// when its first pick starts (after the current track's rest and the
// queue), the step bound, the conditions; no context, nothing.
func TestRefillRequestCarriesTheContext(t *testing.T) {
	m := kidsModel(t)
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	now := t0
	st, _ := newTestState(t, m)
	st.c.opts.Now = func() time.Time { return now }
	ctx := context.Background()

	cur := 0
	queued := 1
	curLen := 4 * time.Minute
	st.cur = &current{meta: mpris.TrackMeta{Length: curLen}, row: cur, started: t0, posAt: t0, rate: 1, playing: true}
	st.queue = []queuedTrack{{row: queued, uri: m.Catalog.URI(queued)}}
	queuedLen := time.Duration(m.Catalog.DurationMS(queued)) * time.Millisecond

	refill := func() recommend.Request {
		req, err := st.request(ctx, "", 2, RecommendOptions{})
		require.NoError(t, err)
		st.applyTrip(&req)
		return req
	}
	plain := refill()
	assert.Zero(t, plain.Trip)
	assert.Zero(t, plain.Steer)
	assert.True(t, plain.Explicit)

	st.vehicle.Apply(vehicle.Update{vehicle.MinutesToDest: 30.0, vehicle.Traffic: "jam", vehicle.ChildrenPresent: true}, t0)
	now = t0.Add(time.Minute) // one minute into the current track
	req := refill()
	wantLeft := 29 - (curLen - time.Minute).Minutes() - queuedLen.Minutes()
	assert.InDelta(t, wantLeft, req.Trip.MinutesLeft, 1e-9)
	assert.Equal(t, vehicle.StepJam, req.Trip.MaxEnergyStep)
	assert.Equal(t, "the traffic jam", req.Trip.Why)
	assert.Equal(t, m.Catalog.ID(queued), req.Trip.AfterID, "the first pick follows the last queued track")
	assert.Contains(t, req.Steer.Conditions, incar.Condition{Factor: incar.FactorTraffic, Level: "traffic jam"})
	assert.Same(t, incar.Default(), req.Steer.Model)
	assert.False(t, req.Explicit, "children aboard")

	// Recommend (an HMI's list) keeps the conditions but not the trip.
	list, err := st.request(ctx, "", 5, RecommendOptions{})
	require.NoError(t, err)
	assert.Zero(t, list.Trip)
	assert.NotEmpty(t, list.Steer.Conditions)

	// Past the arrival: no time constraint, the jam's bound stays.
	now = t0.Add(40 * time.Minute)
	st.vehicle.Apply(vehicle.Update{vehicle.Traffic: "jam"}, now)
	req = refill()
	assert.Zero(t, req.Trip.MinutesLeft)
	assert.Equal(t, vehicle.StepJam, req.Trip.MaxEnergyStep)
}
