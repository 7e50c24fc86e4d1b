package web

import (
	"bufio"
	"net/http"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/testenv"
)

func TestContextEntries(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want []Entry
	}{
		{"empty", map[string]dbus.Variant{}, []Entry{}},
		{"known keys get names and units", map[string]dbus.Variant{
			"Vehicle.Speed": dbus.MakeVariant(87.5), "Continuo.Traffic": dbus.MakeVariant("jam"),
			"Continuo.ChildrenPresent": dbus.MakeVariant(true), "Continuo.MinutesToDestination": dbus.MakeVariant(12.0),
		}, []Entry{{"children aboard", "yes"}, {"speed", "87.5 km/h"}, {"to destination", "12 min"}, {"traffic", "jam"}}},
		{"unknown keys as they come", map[string]dbus.Variant{"Vehicle.Cabin.Door": dbus.MakeVariant(uint32(4))}, []Entry{{"Vehicle.Cabin.Door", "@u 4"}}},
		{"not a dictionary", "sunny", []Entry{{"context", "sunny"}}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, contextEntries(dbus.MakeVariant(c.v)), c.name)
	}
}

func TestContextChange(t *testing.T) {
	cases := []struct {
		old, now []Entry
		want     string
	}{
		{nil, []Entry{{"traffic", "jam"}}, "context: traffic jam"},
		{[]Entry{{"speed", "80 km/h"}, {"traffic", "free"}}, []Entry{{"speed", "20 km/h"}, {"traffic", "jam"}}, "context: speed 20 km/h, traffic jam"},
		{[]Entry{{"road", "highway"}, {"traffic", "jam"}, {"weather", "rainy"}}, []Entry{{"traffic", "jam"}}, "context: road expired, weather expired"},
		{[]Entry{{"traffic", "jam"}}, []Entry{{"traffic", "jam"}}, "context set again"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, contextChange(c.old, c.now))
	}
}

// TestContextPanelFollowsTheDaemon: with a daemon that has the Context
// property (issue 14), the page shows it and charts each change it
// announces. The stand-in exports only the properties the page reads.
func TestContextPanelFollowsTheDaemon(t *testing.T) {
	bus := testenv.StartBus(t)
	conn := bus.Conn(t)
	props, err := prop.Export(conn, daemonPath, prop.Map{daemonIface: {
		"ActivePlayer": {Value: "", Emit: prop.EmitTrue},
		"Context":      {Value: map[string]dbus.Variant{"Continuo.Road": dbus.MakeVariant("highway")}, Emit: prop.EmitTrue},
	}})
	require.NoError(t, err)
	reply, err := conn.RequestName(daemonName, dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)

	base, _ := serve(t, bus.Address)
	resp, err := http.Get(base + "/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	snaps := events(t, bufio.NewReader(resp.Body))
	next(t, snaps, "the context shown", func(s Snapshot) bool {
		return s.Context.Available && len(s.Context.Entries) == 1 && s.Context.Entries[0] == Entry{"road", "highway"}
	})

	props.SetMust(daemonIface, "Context", map[string]dbus.Variant{"Continuo.Road": dbus.MakeVariant("highway"), "Continuo.Traffic": dbus.MakeVariant("jam")})
	s := next(t, snaps, "the new context", func(s Snapshot) bool { return len(s.Context.Entries) == 2 })
	assert.Equal(t, []Entry{{"road", "highway"}, {"traffic", "jam"}}, s.Context.Entries)
	require.NotEmpty(t, s.Markers)
	assert.Equal(t, Marker{X: 0, Kind: "context", Label: "context: traffic jam"}, s.Markers[len(s.Markers)-1])
}

// BenchmarkPushLatency: from a property change on the daemon's side of the
// bus to the snapshot a page's event stream receives (bus → the page's bus
// goroutine → hub → SSE → the client's JSON decode).
func BenchmarkPushLatency(b *testing.B) {
	bus := testenv.StartBus(b)
	conn := bus.Conn(b)
	props, err := prop.Export(conn, daemonPath, prop.Map{daemonIface: {
		"ActivePlayer": {Value: "", Emit: prop.EmitTrue},
		"Mood":         {Value: "", Emit: prop.EmitTrue},
	}})
	require.NoError(b, err)
	_, err = conn.RequestName(daemonName, dbus.NameFlagDoNotQueue)
	require.NoError(b, err)
	base, stop := serve(b, bus.Address)
	defer func() { require.NoError(b, stop()) }()
	resp, err := http.Get(base + "/events")
	require.NoError(b, err)
	defer resp.Body.Close()
	snaps := events(b, bufio.NewReader(resp.Body))
	next(b, snaps, "the daemon up", func(s Snapshot) bool { return s.Daemon.Up })
	moods := []string{"calm", "lively"}
	for i := 0; b.Loop(); i++ {
		m := moods[i%2]
		props.SetMust(daemonIface, "Mood", m)
		next(b, snaps, "the mood", func(s Snapshot) bool { return s.Daemon.Mood == m })
	}
}
