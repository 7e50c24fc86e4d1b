package vehicle

import (
	"maps"
	"time"

	"github.com/godbus/dbus/v5"
)

// DefaultExpireAfter is how long a value holds when the config does not
// say: a bridge that sends on change repeats a value well within it, and
// a traffic jam reported ten minutes ago says little about now.
const DefaultExpireAfter = 10 * time.Minute

type entry struct {
	v  any
	at time.Time // when it was set (the daemon's clock: virtual in the emulator)
}

// Store holds the context as set, with when each value was set. It is not
// safe for concurrent use: the drive core's goroutine owns it.
type Store struct {
	expireAfter time.Duration
	vals        map[Key]entry
	// stoppedAt is when IsMoving last turned false (zero: moving or
	// unknown), so "parked for long" survives repeats of the same value.
	stoppedAt time.Time
}

// NewStore returns an empty store whose values expire expireAfter after
// they were set (<= 0: DefaultExpireAfter).
func NewStore(expireAfter time.Duration) *Store {
	if expireAfter <= 0 {
		expireAfter = DefaultExpireAfter
	}
	return &Store{expireAfter: expireAfter, vals: map[Key]entry{}}
}

// Apply sets every value of a checked update at now.
func (s *Store) Apply(up Update, now time.Time) {
	for k, v := range up {
		if k == IsMoving {
			s.trackStop(v.(bool), now)
		}
		s.vals[k] = entry{v: v, at: now}
	}
}

func (s *Store) trackStop(moving bool, now time.Time) {
	switch {
	case moving:
		s.stoppedAt = time.Time{}
	case s.stoppedAt.IsZero():
		s.stoppedAt = now
	}
}

// expiresAt is when a value stops holding. The time to the destination
// counts down from when it was set, so it holds until the arrival it
// announced, plus the usual margin.
func (s *Store) expiresAt(k Key, e entry) time.Time {
	end := e.at.Add(s.expireAfter)
	if k == MinutesToDest {
		end = end.Add(time.Duration(e.v.(float64) * float64(time.Minute)))
	}
	return end
}

// Expire drops the values that are stale at now and reports whether any
// was dropped (the Context property changed).
func (s *Store) Expire(now time.Time) bool {
	dropped := false
	for k, e := range s.vals {
		if now.After(s.expiresAt(k, e)) {
			delete(s.vals, k)
			if k == IsMoving {
				s.stoppedAt = time.Time{}
			}
			dropped = true
		}
	}
	return dropped
}

// NextExpiry is when the next value expires (zero: none held), so the
// owner can wake up for it.
func (s *Store) NextExpiry() time.Time {
	var next time.Time
	for k, e := range s.vals {
		if t := s.expiresAt(k, e); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

// Context is the context in force at now (stale values left out).
func (s *Store) Context(now time.Time) Context {
	c := Context{Now: now, vals: map[Key]entry{}}
	for k, e := range s.vals {
		if !now.After(s.expiresAt(k, e)) {
			c.vals[k] = e
		}
	}
	if _, ok := c.vals[IsMoving]; ok {
		c.stoppedAt = s.stoppedAt
	}
	return c
}

// Context is a snapshot of the vehicle context at one moment. The zero
// value is "no context".
type Context struct {
	Now       time.Time
	vals      map[Key]entry
	stoppedAt time.Time
}

// Empty reports whether no value is in force.
func (c Context) Empty() bool { return len(c.vals) == 0 }

// Float returns a double value.
func (c Context) Float(k Key) (float64, bool) {
	v, ok := c.vals[k].v.(float64)
	return v, ok
}

// Bool returns a boolean value.
func (c Context) Bool(k Key) (bool, bool) {
	v, ok := c.vals[k].v.(bool)
	return v, ok
}

// String returns an enumerated value.
func (c Context) String(k Key) (string, bool) {
	v, ok := c.vals[k].v.(string)
	return v, ok
}

// MinutesLeft is the time to the destination at Now: the value set,
// counted down since (never below 0); false when unknown.
func (c Context) MinutesLeft() (float64, bool) {
	e, ok := c.vals[MinutesToDest]
	if !ok {
		return 0, false
	}
	left := e.v.(float64) - c.Now.Sub(e.at).Minutes()
	return max(left, 0), true
}

// ParkedFor is how long the vehicle has stood still (IsMoving false), 0
// when moving or unknown.
func (c Context) ParkedFor() time.Duration {
	if moving, ok := c.Bool(IsMoving); !ok || moving || c.stoppedAt.IsZero() {
		return 0
	}
	return c.Now.Sub(c.stoppedAt)
}

// Dict is the context as the Context property shows it: each value in
// force, as it was set.
func (c Context) Dict() map[string]dbus.Variant {
	m := make(map[string]dbus.Variant, len(c.vals))
	for k, e := range c.vals {
		m[string(k)] = dbus.MakeVariant(e.v)
	}
	return m
}

// Values returns the values in force by key (a copy), for tests and logs.
func (c Context) Values() map[Key]any {
	m := make(map[Key]any, len(c.vals))
	for k, e := range maps.All(c.vals) {
		m[k] = e.v
	}
	return m
}
