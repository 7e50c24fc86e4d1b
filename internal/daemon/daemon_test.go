package daemon_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/emulator/emucatalog"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/resolve"
	"github.com/continuo/continuo/internal/testenv"
)

const (
	emuName = "org.mpris.MediaPlayer2.continuo_emu"
	// deadline bounds every wait; generous, because CI machines are shared
	// and a wait ends as soon as its condition holds.
	deadline = 60 * time.Second
)

var (
	modelOnce sync.Once
	model     drive.Model
	modelErr  error
)

// testModel loads the embedded catalog once for all tests of the package.
func testModel(t testing.TB) drive.Model {
	modelOnce.Do(func() { model, modelErr = drive.LoadModel("", "emu:///{id}") })
	require.NoError(t, modelErr)
	return model
}

// env is a running continuod (in-process, the real packages) on a private bus.
type env struct {
	bus    *testenv.Bus
	core   *drive.Core
	hist   *history.Store
	client *dbus.Conn
	obj    dbus.BusObject
	ready  chan struct{}
	model  drive.Model
}

func startDaemon(t testing.TB) *env {
	t.Helper()
	return startDaemonOn(t, daemonConfig{bus: testenv.StartBus(t), model: testModel(t), preferred: []string{"continuo_emu"}, depth: 3})
}

// startEmu puts an emulated head unit on the bus.
func (e *env) startEmu(t *testing.T, speed float64) (*emulator.Player, *dbus.Conn) {
	t.Helper()
	conn, err := dbus.Connect(e.bus.Address)
	require.NoError(t, err)
	p := emulator.NewPlayer(emulator.Options{Clock: emulator.NewScaledClock(speed), Library: emucatalog.Library(e.model.Catalog), Logger: zerolog.Nop()})
	require.NoError(t, p.Export(conn))
	t.Cleanup(func() { _ = p.Close(); _ = conn.Close() })
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == emuName }, "continuod follows the emulator")
	return p, conn
}

func (e *env) call(method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	return e.obj.CallWithContext(ctx, busapi.Interface+"."+method, 0, args...)
}

func errName(err error) string {
	if de, ok := err.(dbus.Error); ok {
		return de.Name
	}
	if de, ok := err.(*dbus.Error); ok {
		return de.Name
	}
	return ""
}

func TestMethodErrors(t *testing.T) {
	e := startDaemon(t)
	cases := []struct {
		name   string
		method string
		args   []any
		want   string
		msg    string
	}{
		{"empty query", "Resolve", []any{"", uint32(5)}, "org.continuo.Error.InvalidArgument", "query is empty"},
		{"blank query", "Resolve", []any{"   ", uint32(5)}, "org.continuo.Error.InvalidArgument", "query is empty"},
		{"play music without player", "Play", []any{"   "}, "org.continuo.Error.NoPlayer", "no MPRIS player"},
		{"limit zero", "Resolve", []any{"swan lake", uint32(0)}, "org.continuo.Error.InvalidArgument", "limit must be 1..100"},
		{"count zero", "Recommend", []any{"", uint32(0), map[string]dbus.Variant{}}, "org.continuo.Error.InvalidArgument", "count must be 1..100"},
		{"count too big", "Recommend", []any{"", uint32(101), map[string]dbus.Variant{}}, "org.continuo.Error.InvalidArgument", "count must be 1..100"},
		{"unknown option", "Recommend", []any{"", uint32(5), map[string]dbus.Variant{"colour": dbus.MakeVariant("red")}}, "org.continuo.Error.InvalidArgument", `unknown option "colour"`},
		{"option wrong type", "Recommend", []any{"", uint32(5), map[string]dbus.Variant{"explicit": dbus.MakeVariant("no")}}, "org.continuo.Error.InvalidArgument", "explicit must be a boolean"},
		{"explore out of range", "Recommend", []any{"", uint32(5), map[string]dbus.Variant{"explore": dbus.MakeVariant(1.5)}}, "org.continuo.Error.InvalidArgument", "explore must be 0..1"},
		{"bad mood", "Recommend", []any{"", uint32(5), map[string]dbus.Variant{"mood": dbus.MakeVariant("angry")}}, "org.continuo.Error.InvalidArgument", "mood must be"},
		{"unknown seed", "Recommend", []any{"nope", uint32(5), map[string]dbus.Variant{}}, "org.continuo.Error.NotFound", "no track"},
		{"unknown feedback kind", "Feedback", []any{"x", "love"}, "org.continuo.Error.InvalidArgument", "like, dislike or skip"},
		{"feedback unknown track", "Feedback", []any{"nope", "like"}, "org.continuo.Error.NotFound", "no track"},
		{"explain unknown", "Explain", []any{"nope"}, "org.continuo.Error.NotFound", "no track"},
		{"history limit", "History", []any{"", uint32(0)}, "org.continuo.Error.InvalidArgument", "limit must be"},
		{"forget empty profile", "ForgetProfile", []any{""}, "org.continuo.Error.InvalidArgument", "profile name"},
		{"play without player", "Play", []any{"swan lake"}, "org.continuo.Error.NoPlayer", "no MPRIS player"},
		{"wrong argument types", "Resolve", []any{uint32(1), "x"}, "org.freedesktop.DBus.Error.InvalidArgs", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.call(tc.method, tc.args...)
			require.Error(t, c.Err)
			assert.Equal(t, tc.want, errName(c.Err))
			assert.Contains(t, c.Err.Error(), tc.msg)
		})
	}
}

func TestResolveRecommendExplain(t *testing.T) {
	e := startDaemon(t)
	var found []map[string]dbus.Variant
	require.NoError(t, e.call("Resolve", "scene swan lake", uint32(3)).Store(&found))
	require.NotEmpty(t, found)
	title, _ := found[0]["xesam:title"].Value().(string)
	assert.Contains(t, resolve.Normalize(title), "swan lake")
	assert.Contains(t, resolve.Normalize(title), "scene")
	artists, _ := found[0]["xesam:artist"].Value().([]string)
	assert.Contains(t, strings.Join(artists, ","), "Tchaikovsky")
	seed, _ := found[0]["continuo:id"].Value().(string)

	var recs []map[string]dbus.Variant
	opts := map[string]dbus.Variant{"explicit": dbus.MakeVariant(false), "mood": dbus.MakeVariant("calm")}
	require.NoError(t, e.call("Recommend", seed, uint32(10), opts).Store(&recs))
	require.Len(t, recs, 10)
	classical := 0
	for _, r := range recs {
		if fam, _ := r["continuo:family"].Value().(string); fam == "classical" {
			classical++
		}
		reason, _ := r["continuo:reason"].Value().(string)
		assert.NotEmpty(t, reason)
		assert.IsType(t, []string{}, r["xesam:genre"].Value())
		assert.IsType(t, int64(0), r["mpris:length"].Value())
	}
	assert.GreaterOrEqual(t, classical, 9, "a Swan Lake seed continues with classical music")

	id, _ := recs[0]["continuo:id"].Value().(string)
	var reason string
	require.NoError(t, e.call("Explain", id).Store(&reason))
	assert.NotEmpty(t, reason)
}

func TestPropertiesAndSignals(t *testing.T) {
	e := startDaemon(t)
	sigs := make(chan *dbus.Signal, 64)
	e.client.Signal(sigs)
	require.NoError(t, e.client.AddMatchSignal(dbus.WithMatchObjectPath(busapi.Path)))

	var all map[string]dbus.Variant
	require.NoError(t, e.obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, busapi.Interface).Store(&all))
	assert.Equal(t, "test", all["Version"].Value())
	assert.Equal(t, uint32(e.model.Catalog.Len()), all["CatalogSize"].Value())
	assert.Equal(t, "default", all["ActiveProfile"].Value())
	assert.Equal(t, uint32(3), all["QueueDepth"].Value())
	assert.Equal(t, true, all["ExplicitAllowed"].Value())

	set := func(name string, v any) error {
		return e.obj.Call("org.freedesktop.DBus.Properties.Set", 0, busapi.Interface, name, dbus.MakeVariant(v)).Err
	}
	require.NoError(t, set("ActiveProfile", "anna"))
	waitChanged(t, sigs, "ActiveProfile", "anna")
	require.NoError(t, set("ExplicitAllowed", false))
	waitChanged(t, sigs, "ExplicitAllowed", false)
	require.NoError(t, set("QueueDepth", uint32(5)))
	waitChanged(t, sigs, "QueueDepth", uint32(5))
	require.NoError(t, set("Mood", "calm"))
	waitChanged(t, sigs, "Mood", "calm")

	for _, bad := range []struct {
		name string
		v    any
	}{{"QueueDepth", uint32(0)}, {"QueueDepth", "five"}, {"Mood", "angry"}, {"ActiveProfile", ""}, {"CatalogSize", uint32(1)}} {
		err := set(bad.name, bad.v)
		require.Error(t, err, "%s = %v", bad.name, bad.v)
	}
	// The root/own-uid caller may forget a profile.
	require.NoError(t, e.call("ForgetProfile", "anna").Err)
}

func waitChanged(t *testing.T, sigs chan *dbus.Signal, name string, want any) {
	t.Helper()
	waitPropertiesChanged(t, sigs, fmt.Sprintf("%s = %v", name, want), func(changed map[string]dbus.Variant) bool {
		v, ok := changed[name]
		return ok && v.Value() == want
	})
}

// waitPropertiesChanged returns the changed properties of the first
// PropertiesChanged signal that match accepts, failing after the deadline.
func waitPropertiesChanged(t *testing.T, sigs chan *dbus.Signal, what string, match func(map[string]dbus.Variant) bool) map[string]dbus.Variant {
	t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case s := <-sigs:
			if s.Name != "org.freedesktop.DBus.Properties.PropertiesChanged" || len(s.Body) < 2 {
				continue
			}
			if changed, _ := s.Body[1].(map[string]dbus.Variant); match(changed) {
				return changed
			}
		case <-timeout:
			t.Fatalf("no PropertiesChanged with %s", what)
		}
	}
}

func TestPlayFollowSkipAndRefill(t *testing.T) {
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 1) // real time: the test drives the skips

	sigs := make(chan *dbus.Signal, 64)
	e.client.Signal(sigs)
	require.NoError(t, e.client.AddMatchSignal(dbus.WithMatchObjectPath(busapi.Path), dbus.WithMatchInterface(busapi.Interface)))

	var track map[string]dbus.Variant
	require.NoError(t, e.call("Play", "scene swan lake").Store(&track))
	id, _ := track["continuo:id"].Value().(string)
	require.NotEmpty(t, id)

	testenv.WaitFor(t, deadline, func() bool {
		cur, ok := emu.Current()
		return ok && cur.URI == "emu:///"+id && len(emu.Tracks()) >= 4
	}, "the asked track plays and three more are queued after it")
	waitSignal(t, sigs, "QueueUpdated")

	// The driver skips: the daemon records a skip and refills the queue.
	emu.Next()
	sig := waitSignal(t, sigs, "Played")
	assert.Equal(t, id, sig.Body[0])
	assert.Equal(t, "skipped", sig.Body[1])
	testenv.WaitFor(t, deadline, func() bool {
		cur, _ := emu.Current()
		after := 0
		for i, tr := range emu.Tracks() {
			if tr.ID == cur.ID {
				after = len(emu.Tracks()) - i - 1
			}
		}
		return after >= 3
	}, "the queue is refilled to its depth")

	var events []map[string]dbus.Variant
	require.NoError(t, e.call("History", "", uint32(10)).Store(&events))
	require.NotEmpty(t, events)
	assert.Equal(t, id, events[0]["continuo:id"].Value())
	assert.Equal(t, "skipped", events[0]["continuo:outcome"].Value())
	assert.Equal(t, true, events[0]["continuo:queued"].Value())
}

func waitSignal(t *testing.T, sigs chan *dbus.Signal, member string) *dbus.Signal {
	t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case s := <-sigs:
			if s.Name == busapi.Interface+"."+member {
				return s
			}
		case <-timeout:
			t.Fatalf("no %s signal", member)
		}
	}
}

func TestPlayerCrashAndReturn(t *testing.T) {
	e := startDaemon(t)
	_, conn := e.startEmu(t, 1)
	require.NoError(t, conn.Close()) // the player's process dies
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == "" }, "the vanished player is dropped")
	emu, _ := e.startEmu(t, 1) // it restarts
	var track map[string]dbus.Variant
	require.NoError(t, e.call("Play", "tchaikovsky swan lake").Store(&track))
	testenv.WaitFor(t, deadline, func() bool { _, ok := emu.Current(); return ok }, "the restarted player plays")
}

func TestBusRestart(t *testing.T) {
	e := startDaemon(t)
	e.bus.Restart(t)
	select {
	case <-e.ready:
	case <-time.After(deadline):
		t.Fatal("continuod did not re-acquire its name after the bus restarted")
	}
	conn := e.bus.Conn(t)
	var size uint32
	require.NoError(t, conn.Object(busapi.BusName, busapi.Path).Call("org.freedesktop.DBus.Properties.Get", 0, busapi.Interface, "CatalogSize").Store(&size))
	assert.Equal(t, uint32(e.model.Catalog.Len()), size)
}
