package busapi

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// sampleOf is a value of each D-Bus type the tests send.
var sampleOf = map[string]any{
	"s": "a", "u": uint32(97), "x": int64(97), "y": byte(65), "i": int32(97), "b": true, "d": 1.5,
	"as": []string{"a"}, "a{sv}": map[string]dbus.Variant{"profile": dbus.MakeVariant("a")},
	"a{ss}": map[string]string{"mood": "calm"}, "v": dbus.MakeVariant("calm"),
}

// wrongFor lists, per contract type, types godbus would happily convert to
// it (the dangerous ones) and some it would not.
var wrongFor = map[string][]string{
	"s":     {"u", "y", "i", "as", "b"},
	"u":     {"s", "i", "x", "y", "d"},
	"x":     {"u", "i", "s", "d"},
	"a{sv}": {"a{ss}", "s", "as"},
	"v":     {"s", "u"},
}

// seedProfileA stores a play and a like of profile "a": what a converted
// `ForgetProfile u 97` would erase.
func seedProfileA(t *testing.T, e *server) {
	t.Helper()
	ctx := context.Background()
	_, err := e.hist.Record(ctx, music.PlayEvent{Profile: "a", TrackID: "t1", Title: "T", StartedAt: time.Now(),
		PositionMS: 1000, DurationMS: 2000, Outcome: music.OutcomeCompleted})
	require.NoError(t, err)
	require.NoError(t, e.hist.Feedback(ctx, music.Feedback{Profile: "a", TrackID: "t1", Kind: music.Like, At: time.Now()}))
}

// recordsOfA counts profile "a"'s plays and feedback.
func recordsOfA(t *testing.T, e *server) (plays, feedback int) {
	t.Helper()
	ctx := context.Background()
	evs, err := e.hist.Recent(ctx, "a", 100)
	require.NoError(t, err)
	fbs, err := e.hist.FeedbackPage(ctx, "a", 100, 0)
	require.NoError(t, err)
	return len(evs), len(fbs)
}

// settable is the part of the state a call could change.
func settable(st drive.State) drive.State {
	return drive.State{ActiveProfile: st.ActiveProfile, QueueDepth: st.QueueDepth, ExplicitAllowed: st.ExplicitAllowed, Mood: st.Mood}
}

// TestEveryMethodChecksItsSignature sends every method of the contract and
// of Properties each argument in turn with a wrong type, as raw messages:
// each is InvalidArgs naming the argument and its type, and nothing changed.
func TestEveryMethodChecksItsSignature(t *testing.T) {
	e := startServer(t, serverConfig{})
	seedProfileA(t, e)
	stateBefore := settable(e.core.State())

	members := make([]string, 0, len(contractMethods))
	for m := range contractMethods {
		members = append(members, m)
	}
	slices.Sort(members)
	require.Subset(t, members, []string{"Resolve", "Recommend", "Play", "Feedback", "Explain", "History",
		"HistoryPage", "Feedbacks", "ExportProfile", "ForgetProfile", "Get", "GetAll", "Set"})
	for _, member := range members {
		args := contractMethods[member]
		for i, a := range args {
			for _, wrong := range wrongFor[a.typ] {
				body := make([]any, len(args))
				for j, other := range args {
					body[j] = sampleOf[other.typ]
				}
				body[i] = sampleOf[wrong]
				t.Run(member+"/"+a.name+"="+wrong, func(t *testing.T) {
					name, msg := errorOf(e.call(ifaceOf(member), member, body...))
					assert.Equal(t, nameInvalidArgs, name, msg)
					assert.Contains(t, msg, a.name, "the message names the argument")
					assert.Contains(t, msg, typeName(a.typ), "and the type it must have")
				})
			}
		}
		t.Run(member+"/one argument too many", func(t *testing.T) {
			body := []any{}
			for _, a := range args {
				body = append(body, sampleOf[a.typ])
			}
			name, _ := errorOf(e.call(ifaceOf(member), member, append(body, "extra")...))
			assert.Equal(t, nameInvalidArgs, name)
		})
	}
	name, _ := errorOf(e.call("org.freedesktop.DBus.Introspectable", "Introspect", "extra"))
	assert.Equal(t, nameInvalidArgs, name)

	plays, feedback := recordsOfA(t, e)
	assert.Equal(t, 1, plays, "profile a's play is still there")
	assert.Equal(t, 1, feedback, "profile a's like is still there")
	assert.Equal(t, stateBefore, settable(e.core.State()), "no property changed")
}

// The replays of issue 11, finding 3, with the exact messages.
func TestConvertibleArgumentsAreRefused(t *testing.T) {
	e := startServer(t, serverConfig{})
	seedProfileA(t, e)
	for _, tc := range []struct {
		name   string
		member string
		body   []any
		msg    string
	}{
		{"ForgetProfile u 97", "ForgetProfile", []any{uint32(97)}, "ForgetProfile: argument 1 (profile) must be s (string), got u (uint32)"},
		{"Recommend with a y seed", "Recommend", []any{byte(65), uint32(3), map[string]dbus.Variant{}}, "Recommend: argument 1 (seed_id) must be s (string), got y (byte)"},
		{"Resolve with swapped arguments", "Resolve", []any{uint32(1), "x"}, "Resolve: argument 1 (query) must be s (string), got u (uint32)"},
		{"History with an int32 limit", "History", []any{"a", int32(5)}, "History: argument 2 (limit) must be u (uint32), got i (int32)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, msg := errorOf(e.call(Interface, tc.member, tc.body...))
			assert.Equal(t, nameInvalidArgs, name)
			assert.Equal(t, tc.msg, msg)
		})
	}
	plays, feedback := recordsOfA(t, e)
	assert.Equal(t, []int{1, 1}, []int{plays, feedback}, "profile a is still there")
}

func TestPropertyErrorsAreStandard(t *testing.T) {
	e := startServer(t, serverConfig{})
	for _, tc := range []struct {
		name   string
		member string
		body   []any
		want   string
		msg    string
	}{
		{"set read-only", "Set", []any{Interface, "Version", dbus.MakeVariant("x")}, namePropertyReadOnly, "property Version is read-only"},
		{"set read-only Queue", "Set", []any{Interface, "Queue", dbus.MakeVariant([]map[string]dbus.Variant{})}, namePropertyReadOnly, "property Queue is read-only"},
		{"get unknown property", "Get", []any{Interface, "Nope"}, nameUnknownProperty, `org.continuo.Recommender1 has no property "Nope"`},
		{"set unknown property", "Set", []any{Interface, "Nope", dbus.MakeVariant("x")}, nameUnknownProperty, `has no property "Nope"`},
		{"get unknown interface", "Get", []any{"org.example.Nope", "Mood"}, nameUnknownInterface, `has no interface "org.example.Nope"`},
		{"get all unknown interface", "GetAll", []any{"org.example.Nope"}, nameUnknownInterface, `has no interface "org.example.Nope"`},
		{"set unknown interface", "Set", []any{"org.example.Nope", "Mood", dbus.MakeVariant("calm")}, nameUnknownInterface, "has no interface"},
		{"set wrong variant type", "Set", []any{Interface, "QueueDepth", dbus.MakeVariant("five")}, nameInvalidArgs, "property QueueDepth is u (uint32), got a variant of s (string)"},
		{"set int32 depth", "Set", []any{Interface, "QueueDepth", dbus.MakeVariant(int32(5))}, nameInvalidArgs, "property QueueDepth is u (uint32), got a variant of i (int32)"},
		{"set value not in a variant", "Set", []any{Interface, "Mood", "calm"}, nameInvalidArgs, "argument 3 (value) must be v (variant), got s (string)"},
		{"set value out of range", "Set", []any{Interface, "QueueDepth", dbus.MakeVariant(uint32(0))}, "org.continuo.Error.InvalidArgument", "QueueDepth must be 1..20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, msg := errorOf(e.call(propsIface, tc.member, tc.body...))
			assert.Equal(t, tc.want, name)
			assert.Contains(t, msg, tc.msg)
		})
	}
	assert.Equal(t, "", e.core.State().Mood)
	assert.Equal(t, 3, e.core.State().QueueDepth)

	// "" stands for the object's interface, as the specification allows.
	require.NoError(t, e.call(propsIface, "Set", "", "Mood", dbus.MakeVariant("calm")).Err)
	var v dbus.Variant
	require.NoError(t, e.call(propsIface, "Get", "", "Mood").Store(&v))
	assert.Equal(t, "calm", v.Value())
}

// Every property refuses a Set of the wrong type (writable ones) or any Set
// (read-only ones), and none changed.
func TestEveryPropertyChecksSet(t *testing.T) {
	e := startServer(t, serverConfig{})
	before := settable(e.core.State())
	for name, spec := range contractProps {
		for _, wrong := range []string{"s", "u", "b", "i", "as"} {
			if wrong == spec.typ {
				continue
			}
			t.Run(name+"="+wrong, func(t *testing.T) {
				got, msg := errorOf(e.call(propsIface, "Set", Interface, name, dbus.MakeVariant(sampleOf[wrong])))
				if spec.access == "read" {
					assert.Equal(t, namePropertyReadOnly, got, msg)
					return
				}
				assert.Equal(t, nameInvalidArgs, got, msg)
				assert.Contains(t, msg, "property "+name+" is "+typeName(spec.typ))
			})
		}
	}
	assert.Equal(t, before, settable(e.core.State()))
}

// Every property of the contract is served, with the contract's type, and
// nothing else is.
func TestPropertiesMatchTheContract(t *testing.T) {
	e := startServer(t, serverConfig{})
	var all map[string]dbus.Variant
	require.NoError(t, e.call(propsIface, "GetAll", Interface).Store(&all))
	require.Len(t, all, len(contractProps))
	for name, spec := range contractProps {
		require.Contains(t, all, name)
		assert.Equal(t, spec.typ, all[name].Signature().String(), name)
	}
	assert.Equal(t, false, all["HistoryRecovered"].Value())
	assert.Empty(t, all["Queue"].Value(), "no player, nothing queued")
}

func TestEchoedInputIsCut(t *testing.T) {
	e := startServer(t, serverConfig{})
	long := strings.Repeat("k", 5000)
	for _, tc := range []struct {
		name   string
		iface  string
		member string
		body   []any
	}{
		{"option key", Interface, "Recommend", []any{"", uint32(3), map[string]dbus.Variant{long: dbus.MakeVariant("x")}}},
		{"mood option", Interface, "Recommend", []any{"", uint32(3), map[string]dbus.Variant{"mood": dbus.MakeVariant(long)}}},
		{"seed", Interface, "Recommend", []any{long[:200], uint32(3), map[string]dbus.Variant{}}},
		{"feedback track", Interface, "Feedback", []any{long[:200], "like"}},
		{"explain track", Interface, "Explain", []any{long[:200]}},
		{"mood property", propsIface, "Set", []any{Interface, "Mood", dbus.MakeVariant(long)}},
		{"property name", propsIface, "Get", []any{Interface, long}},
		{"interface name", propsIface, "GetAll", []any{"org.x." + long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, msg := errorOf(e.call(tc.iface, tc.member, tc.body...))
			require.NotEmpty(t, name)
			assert.Less(t, len(msg), 160, "message: %s", msg)
			assert.Contains(t, msg, "kkkk…")
		})
	}
}

// A database found corrupt at start is reported: the property, and a signal
// for clients already on the bus.
func TestHistoryRecoveredIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	writeCorrupt(t, path)
	sigs := make(chan *dbus.Signal, 16)
	e := startServer(t, serverConfig{dbPath: path, before: func(c *dbus.Conn) {
		require.NoError(t, c.AddMatchSignal(dbus.WithMatchObjectPath(Path)))
		c.Signal(sigs)
	}})
	movedTo := e.hist.Recovered()
	require.NotEmpty(t, movedTo)
	var gotSignal, gotChanged bool
	timeout := time.After(deadline)
	for !gotSignal || !gotChanged {
		select {
		case s := <-sigs:
			switch s.Name {
			case Interface + ".HistoryRecovered":
				assert.Equal(t, []any{movedTo}, s.Body)
				gotSignal = true
			case propsIface + ".PropertiesChanged":
				changed, _ := s.Body[1].(map[string]dbus.Variant)
				gotChanged = gotChanged || changed["HistoryRecovered"].Value() == true
			}
		case <-timeout:
			t.Fatalf("signal %v, PropertiesChanged %v", gotSignal, gotChanged)
		}
	}
	var v dbus.Variant
	require.NoError(t, e.call(propsIface, "Get", Interface, "HistoryRecovered").Store(&v))
	assert.Equal(t, true, v.Value())
}

// History pages past 1,000 with a cursor, feedback reads back, and the
// export is the store's document.
func TestHistoryPagesFeedbackAndExport(t *testing.T) {
	e := startServer(t, serverConfig{})
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	const n = 1234
	for i := range n {
		_, err := e.hist.Record(ctx, music.PlayEvent{Profile: "anna", TrackID: "t1", Title: "T", StartedAt: t0.Add(time.Duration(i) * time.Second),
			PositionMS: 1000, DurationMS: 2000, Outcome: music.OutcomeCompleted})
		require.NoError(t, err)
	}
	require.NoError(t, e.hist.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: "t1", Kind: music.Dislike, At: t0}))

	seen := map[int64]bool{}
	var before int64
	for {
		var page []map[string]dbus.Variant
		require.NoError(t, e.call(Interface, "HistoryPage", "anna", uint32(1000), before).Store(&page))
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			id, ok := d["continuo:event"].Value().(int64)
			require.True(t, ok)
			assert.False(t, seen[id])
			seen[id] = true
			before = id
		}
	}
	assert.Len(t, seen, n, "every event, once")
	name, msg := errorOf(e.call(Interface, "HistoryPage", "anna", uint32(10), int64(1<<40)))
	assert.Equal(t, "org.continuo.Error.NotFound", name, msg)

	var fbs []map[string]dbus.Variant
	require.NoError(t, e.call(Interface, "Feedbacks", "anna", uint32(10), int64(0)).Store(&fbs))
	require.Len(t, fbs, 1)
	assert.Equal(t, "dislike", fbs[0]["continuo:kind"].Value())
	assert.Equal(t, "t1", fbs[0]["continuo:id"].Value())
	assert.Equal(t, t0.UnixMicro(), fbs[0]["continuo:at"].Value())

	var doc string
	require.NoError(t, e.call(Interface, "ExportProfile", "anna").Store(&doc))
	var parsed struct {
		Format   string `json:"format"`
		Events   []any  `json:"events"`
		Feedback []any  `json:"feedback"`
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &parsed))
	assert.Equal(t, "continuo-history-export/1", parsed.Format)
	assert.Len(t, parsed.Events, n)
	assert.Len(t, parsed.Feedback, 1)
	name, _ = errorOf(e.call(Interface, "ExportProfile", "nobody-here"))
	assert.Equal(t, "org.continuo.Error.NotFound", name)
}

// TestUnprivilegedCallerIsRefusedFirst calls every per-profile read and a
// Set with a bad value as uid 65534 (nobody) on a bus whose policy lets
// everyone send everything: the daemon's own check refuses them, before it
// looks at any value.
func TestUnprivilegedCallerIsRefusedFirst(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a caller as another user")
	}
	e := startServer(t, serverConfig{})
	sock, _, _ := strings.Cut(strings.TrimPrefix(e.bus.Address, "unix:path="), ",")
	require.NoError(t, os.Chmod(filepath.Dir(sock), 0o755))
	require.NoError(t, os.Chmod(sock, 0o777))
	asNobody := func(tool string, args ...string) (string, error) {
		cmd := exec.Command(tool, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	send := func(member string, args ...string) (string, error) {
		return asNobody("dbus-send", append([]string{"--bus=" + e.bus.Address, "--print-reply", "--dest=" + BusName, string(Path), member}, args...)...)
	}
	for _, tc := range []struct {
		name   string
		member string
		args   []string
	}{
		{"History of the active profile", Interface + ".History", []string{"string:default", "uint32:5"}},
		{"History with a bad limit", Interface + ".History", []string{"string:default", "uint32:0"}},
		{"HistoryPage", Interface + ".HistoryPage", []string{"string:default", "uint32:5", "int64:0"}},
		{"Feedbacks", Interface + ".Feedbacks", []string{"string:default", "uint32:5", "int64:0"}},
		{"ExportProfile", Interface + ".ExportProfile", []string{"string:default"}},
		{"ForgetProfile with a bad name", Interface + ".ForgetProfile", []string{"string:"}},
		{"Set QueueDepth out of range", propsIface + ".Set", []string{"string:" + Interface, "string:QueueDepth", "variant:uint32:0"}},
		{"Set Mood wrong type", propsIface + ".Set", []string{"string:" + Interface, "string:Mood", "variant:uint32:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := send(tc.member, tc.args...)
			require.Error(t, err, out)
			assert.Contains(t, out, "org.continuo.Error.AccessDenied")
			assert.Contains(t, out, "uid 65534")
		})
	}
	// Recommend with another profile's taste is a per-profile read too
	// (busctl, since dbus-send cannot send a{sv}); with the active one it is not.
	busctl := func(args ...string) (string, error) {
		return asNobody("busctl", append([]string{"--address=" + e.bus.Address, "call", BusName, string(Path), Interface, "Recommend", "sua{sv}", "", "3"}, args...)...)
	}
	out, err := busctl("1", "profile", "s", "anna")
	require.Error(t, err, out)
	assert.Contains(t, out, "uid 65534 may not do this")
	out, err = busctl("1", "profile", "s", "default")
	require.NoError(t, err, out)
	out, err = busctl("0")
	require.NoError(t, err, out)
	assert.Equal(t, 3, e.core.State().QueueDepth)
	// SetContext: refused before its values are looked at (the value
	// is out of range), and nothing applied.
	out, err = asNobody("busctl", "--address="+e.bus.Address, "call", BusName, string(Path), Interface, "SetContext", "a{sv}", "1", "Vehicle.Speed", "d", "500")
	require.Error(t, err, out)
	assert.Contains(t, out, "uid 65534 may not do this")
	assert.True(t, e.core.State().Vehicle.Empty())
}
