package drive

import (
	"context"
	"time"

	"github.com/continuo/continuo/internal/incar"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/vehicle"
)

// DefaultParkedAfter is how long the vehicle stands still (IsMoving false)
// before Continuo stops queueing: longer than a traffic light or a level
// crossing, shorter than a stop at the bakery.
const DefaultParkedAfter = 3 * time.Minute

// SetContext applies a checked vehicle-context update, all of it at once
// (vehicle.Decode refused any bad value before this). A car that moves
// again after parking gets its queue refilled at once.
func (c *Core) SetContext(ctx context.Context, up vehicle.Update) error {
	return c.do(ctx, func(st *state) error {
		st.vehicle.Apply(up, st.now())
		st.c.log.Debug().Int("keys", len(up)).Msg("vehicle context set")
		st.refill(ctx)
		return nil
	})
}

// vehicleContext is the context in force now.
func (st *state) vehicleContext() vehicle.Context { return st.vehicle.Context(st.now()) }

// parked reports whether the vehicle has stood still long enough that no
// more tracks are queued: what is queued plays out, then the music stops.
func (st *state) parked() bool {
	return st.vehicleContext().ParkedFor() >= st.c.opts.ParkedAfter
}

// applyVehicle adds what the vehicle context asks of every request: the
// driving conditions for the learned steering model (incar), and no
// explicit tracks with children aboard. No context changes nothing.
func (st *state) applyVehicle(req *recommend.Request) {
	cx := st.vehicleContext()
	if cx.Empty() {
		return
	}
	if vehicle.ChildrenAboard(cx) {
		req.Explicit = false
	}
	if conds := vehicle.Conditions(cx); len(conds) > 0 {
		req.Steer = recommend.Steer{Conditions: conds, Model: incar.Default()}
	}
}

// applyTrip adds the trip to a refill of the queue: the time to the
// destination from when the first pick starts, and the step bound. Only
// the continuation gets it: what the driver asks for (Play) or an HMI's
// Recommend list is not cut to the arrival.
func (st *state) applyTrip(req *recommend.Request) {
	t := vehicle.TripOf(st.vehicleContext())
	if t.MinutesLeft > 0 {
		// Past the arrival (the queue reaches beyond it) nothing fits:
		// no time constraint.
		t.MinutesLeft = max(t.MinutesLeft-st.ahead().Minutes(), 0)
	}
	if t.IsZero() {
		return // a zero Trip is exactly no trip
	}
	if n := len(st.queue); n > 0 {
		t.AfterID = st.c.m().Catalog.ID(st.queue[n-1].row)
	}
	req.Trip = t
}

// ahead is how long until a track picked now would start: the rest of the
// current track and everything queued after it.
func (st *state) ahead() time.Duration {
	var d time.Duration
	if st.cur != nil {
		d = max(st.cur.meta.Length-st.cur.reached(st.now()), 0)
	}
	for _, q := range st.queue {
		d += time.Duration(st.c.m().Catalog.DurationMS(q.row)) * time.Millisecond
	}
	return d
}

// expireContext drops stale values (once a second, from tick); publish
// then announces the changed Context property.
func (st *state) expireContext() {
	if st.vehicle.Expire(st.now()) {
		st.c.log.Debug().Msg("stale vehicle context expired")
	}
}
