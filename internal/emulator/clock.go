package emulator

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock is the emulator's notion of time. The player measures positions and
// schedules track ends with it, and the drive runner lets time pass with it,
// so a whole drive can run faster than real time (ScaledClock) or be stepped
// deterministically by a test (ManualClock).
type Clock interface {
	// Now returns the current virtual time.
	Now() time.Time
	// AfterFunc calls f once d of virtual time has passed, on a goroutine
	// the clock chooses. Stop on the returned Timer cancels it.
	AfterFunc(d time.Duration, f func()) Timer
	// Sleep lets d of virtual time pass, or returns ctx's error. On a
	// ManualClock it advances the clock itself: the one who sleeps drives
	// time, which keeps tests free of real waits.
	Sleep(ctx context.Context, d time.Duration) error
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call. It reports whether it did so; false means the
	// call has already run or is running.
	Stop() bool
}

// ScaledClock is virtual time running Speed times faster than the wall
// clock, starting at the wall-clock time of its creation. SetSpeed changes
// the factor while it runs: virtual time stays continuous, pending
// AfterFunc calls are re-armed and Sleeps recompute what is left, so a
// track still ends at its virtual end.
type ScaledClock struct {
	mu      sync.Mutex
	speed   float64
	wall0   time.Time // wall clock at the last speed change (or creation)
	virt0   time.Time // virtual time then
	timers  map[*scaledTimer]struct{}
	changed chan struct{} // closed and replaced by SetSpeed: wakes Sleeps
}

// DefaultSpeed makes a 4-minute track pass in 2 seconds.
const DefaultSpeed = 120

// MinSpeed and MaxSpeed bound a ScaledClock's speed (continuo-emu --speed
// and the MPRIS Rate the emulator accepts).
const (
	MinSpeed = 0.001
	MaxSpeed = 1e6
)

// NewScaledClock returns a clock running speed times faster than real time.
// A speed <= 0 means DefaultSpeed.
func NewScaledClock(speed float64) *ScaledClock {
	if speed <= 0 {
		speed = DefaultSpeed
	}
	now := time.Now()
	return &ScaledClock{speed: speed, wall0: now, virt0: now, timers: map[*scaledTimer]struct{}{}, changed: make(chan struct{})}
}

// Speed returns the factor of virtual over real time.
func (c *ScaledClock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// SetSpeed changes the factor from now on. Pending AfterFunc calls are
// re-armed for the virtual time they are due at; Sleeps in progress wake
// and wait for what is left at the new speed.
func (c *ScaledClock) SetSpeed(speed float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	c.virt0, c.wall0, c.speed = now, time.Now(), speed
	for t := range c.timers {
		if t.t.Stop() { // else it is firing: it removes itself
			t.t = time.AfterFunc(c.realLocked(t.at.Sub(now)), t.fire)
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// Now implements Clock.
func (c *ScaledClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *ScaledClock) nowLocked() time.Time {
	return c.virt0.Add(time.Duration(float64(time.Since(c.wall0)) * c.speed))
}

// Real converts a virtual duration into the wall-clock duration it takes
// at the current speed.
func (c *ScaledClock) Real(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.realLocked(d)
}

func (c *ScaledClock) realLocked(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.speed)
}

// scaledTimer is a pending AfterFunc call, due at a virtual time.
type scaledTimer struct {
	c  *ScaledClock
	at time.Time
	f  func()
	t  *time.Timer // guarded by c.mu: SetSpeed replaces it
}

func (t *scaledTimer) fire() {
	t.c.mu.Lock()
	delete(t.c.timers, t)
	t.c.mu.Unlock()
	t.f()
}

// Stop implements Timer.
func (t *scaledTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if !t.t.Stop() {
		return false
	}
	delete(t.c.timers, t)
	return true
}

// AfterFunc implements Clock with a wall-clock timer of d at the current
// speed, re-armed when the speed changes.
func (c *ScaledClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &scaledTimer{c: c, at: c.nowLocked().Add(d), f: f}
	c.timers[t] = struct{}{}
	t.t = time.AfterFunc(c.realLocked(d), t.fire)
	return t
}

// Sleep implements Clock: it returns once d of virtual time has passed,
// whatever the speed changes meanwhile.
func (c *ScaledClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	until := c.nowLocked().Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		left, changed := c.realLocked(until.Sub(c.nowLocked())), c.changed
		c.mu.Unlock()
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(left)
		select {
		case <-t.C:
			return nil
		case <-changed:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// ManualClock is a clock for tests: time stands still until Advance (or
// Sleep) moves it, and due timers run synchronously inside Advance, in
// deadline order, each seeing Now() equal to its own deadline.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers []*manualTimer
}

type manualTimer struct {
	c    *ManualClock
	at   time.Time
	seq  uint64 // tie-break: timers due at the same instant run in creation order
	f    func()
	done bool
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now implements Clock.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc implements Clock. A non-positive d is due at the next Advance.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d < 0 {
		d = 0
	}
	c.seq++
	t := &manualTimer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop implements Timer.
func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	t.c.remove(t)
	return true
}

// remove drops t from the pending list; c.mu must be held.
func (c *ManualClock) remove(t *manualTimer) {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return
		}
	}
}

// Advance moves time forward by d, running every timer that falls due on
// the way, including timers those callbacks create. Callbacks run without
// the clock's lock held, so they may use the clock.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(max(d, 0))
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			a, b := c.timers[i], c.timers[j]
			if !a.at.Equal(b.at) {
				return a.at.Before(b.at)
			}
			return a.seq < b.seq
		})
		if len(c.timers) == 0 || c.timers[0].at.After(target) {
			c.now = target
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		t.done = true
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
	}
}

// Sleep implements Clock by advancing the clock by d.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Pending returns the number of timers not yet run or stopped.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
