package busapi

import (
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// testClock is a clock the test moves by hand (the emulator's virtual
// clock in miniature).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// contextSignals subscribes to the object's signals.
func contextSignals(t *testing.T, e *server) chan *dbus.Signal {
	t.Helper()
	sigs := make(chan *dbus.Signal, 64)
	e.client.Signal(sigs)
	require.NoError(t, e.client.AddMatchSignal(dbus.WithMatchObjectPath(Path), dbus.WithMatchMember("PropertiesChanged")))
	return sigs
}

// waitContext waits for a PropertiesChanged whose Context is want.
func waitContext(t *testing.T, sigs chan *dbus.Signal, want map[string]dbus.Variant) {
	t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case s := <-sigs:
			if len(s.Body) < 2 {
				continue
			}
			changed, _ := s.Body[1].(map[string]dbus.Variant)
			if v, ok := changed["Context"]; ok && assert.ObjectsAreEqual(want, v.Value()) {
				return
			}
		case <-timeout:
			t.Fatalf("no PropertiesChanged with Context = %v", want)
		}
	}
}

func (e *server) contextProp(t *testing.T) map[string]dbus.Variant {
	t.Helper()
	var v dbus.Variant
	require.NoError(t, e.call(propsIface, "Get", Interface, "Context").Store(&v))
	m, ok := v.Value().(map[string]dbus.Variant)
	require.True(t, ok, "Context is a{sv}, got %s", v.Signature())
	return m
}

func TestSetContextRefusesBadInput(t *testing.T) {
	e := startServer(t, serverConfig{})
	vv := dbus.MakeVariant
	for _, tc := range []struct {
		name string
		body []any
		want string
		msg  string
	}{
		{"unknown key", []any{map[string]dbus.Variant{"Vehicle.Speed": vv(50.0), "Vehicle.Wipers": vv(true)}}, "org.continuo.Error.InvalidArgument", `unknown context key "Vehicle.Wipers"`},
		{"speed as uint32", []any{map[string]dbus.Variant{"Vehicle.Speed": vv(uint32(50))}}, "org.continuo.Error.InvalidArgument", "context key Vehicle.Speed must be a double (d), got a uint32 (u)"},
		{"fatigue out of range", []any{map[string]dbus.Variant{"Vehicle.Driver.FatigueLevel": vv(140.0)}}, "org.continuo.Error.InvalidArgument", "Vehicle.Driver.FatigueLevel must be 0..100 percent, got 140"},
		{"unknown traffic level", []any{map[string]dbus.Variant{"Continuo.Traffic": vv("gridlock")}}, "org.continuo.Error.InvalidArgument", `Continuo.Traffic must be one of free, dense, jam, got "gridlock"`},
		{"good and bad together", []any{map[string]dbus.Variant{"Continuo.Road": vv("city"), "Vehicle.IsMoving": vv(int32(1))}}, "org.continuo.Error.InvalidArgument", "Vehicle.IsMoving must be a boolean (b)"},
		{"a{ss} instead of a{sv}", []any{map[string]string{"Continuo.Road": "city"}}, nameInvalidArgs, "argument 1 (context) must be a{sv} (dictionary of variants)"},
		{"no argument", []any{}, nameInvalidArgs, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, msg := errorOf(e.call(Interface, "SetContext", tc.body...))
			assert.Equal(t, tc.want, name)
			assert.Contains(t, msg, tc.msg)
		})
	}
	assert.Empty(t, e.contextProp(t), "no refused call applied anything, not even its good keys")
	assert.True(t, e.core.State().Vehicle.Empty())
}

func TestSetContextAnnouncesAndExpires(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	e := startServer(t, serverConfig{now: clock.Now, contextExpire: 5 * time.Minute})
	sigs := contextSignals(t, e)
	vv := dbus.MakeVariant

	require.NoError(t, e.call(Interface, "SetContext", map[string]dbus.Variant{
		"Vehicle.Speed": vv(120.0), "Continuo.Road": vv("highway"), "Continuo.MinutesToDestination": vv(25.0),
	}).Err)
	all := map[string]dbus.Variant{"Vehicle.Speed": vv(120.0), "Continuo.Road": vv("highway"), "Continuo.MinutesToDestination": vv(25.0)}
	waitContext(t, sigs, all)
	assert.Equal(t, all, e.contextProp(t))

	// Four virtual minutes later the road changes: only that key.
	clock.Advance(4 * time.Minute)
	require.NoError(t, e.call(Interface, "SetContext", map[string]dbus.Variant{"Continuo.Road": vv("city")}).Err)
	all["Continuo.Road"] = vv("city")
	waitContext(t, sigs, all)

	// At 5 min 1 s the speed (set at 0) is stale; the road (set at 4 min)
	// and the ETA (until its arrival) still hold.
	clock.Advance(time.Minute + time.Second)
	delete(all, "Vehicle.Speed")
	waitContext(t, sigs, all)

	// Past the arrival plus the margin, nothing is left.
	clock.Advance(40 * time.Minute)
	waitContext(t, sigs, map[string]dbus.Variant{})
	assert.Empty(t, e.contextProp(t))
}

// Children aboard keep explicit tracks out of every pick, as ExplicitAllowed
// false does.
func TestChildrenPresentKeepsExplicitOut(t *testing.T) {
	e := startServer(t, serverConfig{})
	m := testModel(t)
	seed := -1
	for row := range m.Catalog.Len() {
		if m.Engine.Explicit(row) {
			seed = row
			break
		}
	}
	require.GreaterOrEqual(t, seed, 0, "the catalog has explicit tracks")
	explicitPicks := func() int {
		var picks []map[string]dbus.Variant
		require.NoError(t, e.call(Interface, "Recommend", string(m.Catalog.ID(seed)), uint32(30), map[string]dbus.Variant{}).Store(&picks))
		n := 0
		for _, p := range picks {
			id, _ := p["continuo:id"].Value().(string)
			row, ok := m.Catalog.Lookup(music.TrackID(id))
			require.True(t, ok)
			if m.Engine.Explicit(row) {
				n++
			}
		}
		return n
	}
	require.Positive(t, explicitPicks(), "next to an explicit seed, explicit tracks are picked")
	require.NoError(t, e.call(Interface, "SetContext", map[string]dbus.Variant{"Continuo.ChildrenPresent": dbus.MakeVariant(true)}).Err)
	assert.Zero(t, explicitPicks())
}
