package emulator

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// ArrivalSlack is how long after the arrival a track may still end and
// count as finished (parking, the engine off): the daemon's
// recommend.ArrivalSlack, which a test keeps equal.
const ArrivalSlack = 30 * time.Second

// ContextChange is a context or arrive step as carried out: when, on which
// track, and what it set (for the transcript and the plot's bands).
type ContextChange struct {
	At       time.Duration // virtual time since the drive started
	Track    int           // the track playing when it was set (0: none yet)
	Settings []ContextSetting
	Arrive   time.Duration // arrive in (0 for a context step)
}

// Arrival is the end of a drive with an `arrive in`: the track playing at
// that moment and how much of it was left.
type Arrival struct {
	At    time.Duration // virtual time since the drive started
	Track int           // the track playing at the arrival (0: none)
	Title string
	Left  time.Duration // of that track, at the arrival
	// Cut is true when more than ArrivalSlack of it was left: the driver
	// leaves the car in the middle of the track.
	Cut bool
}

// setContext carries out a context or arrive step: SetContext on the
// daemon (unless RunOptions.NoContext: the baseline drive), and for
// arrive, the arrival the drive ends at.
func (r *runner) setContext(ctx context.Context, st Step) error {
	now := r.clock.Now()
	if st.Op == OpArrive {
		r.arrival = now.Add(st.D)
	}
	r.res.Context = append(r.res.Context, ContextChange{At: now.Sub(r.start), Track: len(r.p.Plays()) - r.first,
		Settings: st.Context, Arrive: st.D})
	if r.opts.NoContext {
		return nil
	}
	return r.d.SetContext(ctx, contextDict(st))
}

// listenUntilArrival lets tracks play until the arrival.
func (r *runner) listenUntilArrival(ctx context.Context) error {
	if r.arrival.IsZero() {
		return music.Errorf(music.KindInvalid, "listen until arrival: no arrive in before it")
	}
	for r.res.Arrival == nil {
		if err := r.listenOne(ctx); err != nil {
			return err
		}
		r.flush(ctx, false)
	}
	return nil
}

// arriveDuring reports whether the arrival falls before the current track
// ends; if so it lets time run to the arrival, records it and stops the
// player: the driver leaves the car.
func (r *runner) arriveDuring(ctx context.Context, cur Play) (bool, error) {
	if r.arrival.IsZero() || r.res.Arrival != nil {
		return false, nil
	}
	left := cur.Track.Meta.Length - r.p.Position()
	until := r.arrival.Sub(r.clock.Now())
	if until >= left {
		return false, nil
	}
	if err := r.clock.Sleep(ctx, max(until, 0)); err != nil {
		return false, err
	}
	rest := cur.Track.Meta.Length - r.p.Position()
	r.res.Arrival = &Arrival{At: r.clock.Now().Sub(r.start), Track: cur.Seq - r.first, Title: cur.Track.Meta.Title,
		Left: rest, Cut: rest > ArrivalSlack}
	r.p.Stop()
	return true, nil
}

// ---- settling: the daemon takes in each track change before time moves ----

// queueSeen records the daemon's queue from its PropertiesChanged, with
// the number of plays the player had when it arrived.
func (r *runner) queueSeen(body []any) {
	if len(body) < 2 {
		return
	}
	changed, _ := body[1].(map[string]dbus.Variant)
	v, ok := changed["Queue"]
	if !ok {
		return
	}
	dicts, _ := v.Value().([]map[string]dbus.Variant)
	urls := make([]string, 0, len(dicts))
	for _, m := range dicts {
		info := ParseTrackDict(m)
		r.remember(info)
		urls = append(urls, info.URL)
	}
	r.mu.Lock()
	r.daemonQueue, r.queueAtPlays = urls, len(r.p.Plays())
	close(r.queueCh)
	r.queueCh = make(chan struct{})
	r.mu.Unlock()
}

// settle waits, with a manual clock (RunOptions.Settle), until the daemon
// has taken in the track now playing: its queue, announced after the
// track started, no longer holds it. Then the daemon has picked what
// follows at the right virtual time. A daemon that says nothing in time
// is logged, not fatal: the drive goes on.
func (r *runner) settle(ctx context.Context) {
	if !r.opts.Settle {
		return
	}
	plays := r.p.Plays()
	if len(plays) == 0 || plays[len(plays)-1].Outcome != music.OutcomePlaying {
		return
	}
	cur := plays[len(plays)-1]
	ctx, cancel := context.WithTimeout(ctx, r.opts.WaitTimeout)
	defer cancel()
	for {
		r.mu.Lock()
		ok := r.queueAtPlays >= cur.Seq && !slices.Contains(r.daemonQueue, cur.Track.URI)
		ch := r.queueCh
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			r.log.Warn().Int("seq", cur.Seq).Msg("the daemon did not announce its queue after a track change")
			return
		}
	}
}

func (s ContextChange) String() string {
	if s.Arrive > 0 {
		return fmt.Sprintf("arrive in %v", s.Arrive)
	}
	return Step{Op: OpContext, Context: s.Settings}.String()
}
