package emulator

import (
	"context"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/testenv"
)

var epoch = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// testLibrary knows three tracks; anything else plays as unknown.
func testLibrary() Library {
	return MapLibrary(map[string]Meta{
		"emu:///swan": {ID: "swan", Title: "Swan Lake, Op. 20: Scene", Artists: []string{"Pyotr Ilyich Tchaikovsky"},
			Album: "Swan Lake", Genres: []string{"classical", "russian romanticism"}, Length: 3 * time.Minute, Family: "classical", Valence: 0.2, Energy: 0.3},
		"emu:///mozart": {ID: "mozart", Title: "Eine kleine Nachtmusik", Artists: []string{"Wolfgang Amadeus Mozart"},
			Genres: []string{"classical"}, Length: 4 * time.Minute, Family: "classical", Valence: 0.7, Energy: 0.4},
		"file:///media/music/rap.ogg": {ID: "rap", Title: "Chart Rap Hit", Artists: []string{"MC Test", "DJ Fake"},
			Genres: []string{"rap"}, Length: 2 * time.Minute, Family: "hip hop", Valence: 0.6, Energy: 0.9},
	})
}

// busPlayer exports a player with a manual clock on a fresh private bus and
// returns it with a client connection.
func busPlayer(t *testing.T) (*Player, *ManualClock, *testenv.Bus, *dbus.Conn) {
	t.Helper()
	bus := testenv.StartBus(t)
	clock := NewManualClock(epoch)
	p := NewPlayer(Options{Clock: clock, Library: testLibrary()})
	conn := bus.Conn(t)
	require.NoError(t, p.Export(conn))
	t.Cleanup(func() {
		assert.NoError(t, p.Unexport(conn))
		assert.NoError(t, p.Close())
	})
	return p, clock, bus, bus.Conn(t)
}

func call(t *testing.T, c *dbus.Conn, method string, args ...any) *dbus.Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Object(BusName, ObjectPath).CallWithContext(ctx, method, 0, args...)
}

func getProp(t *testing.T, c *dbus.Conn, iface, name string) dbus.Variant {
	t.Helper()
	var v dbus.Variant
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.Get", iface, name).Store(&v))
	return v
}

func playerctl(t *testing.T, bus *testenv.Bus, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("playerctl"); err != nil {
		t.Skip("playerctl not installed (apt-get install playerctl)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "playerctl", append([]string{"-p", "continuo_emu"}, args...)...)
	cmd.Env = bus.Env()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "playerctl %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func positionOf(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "position %q", s)
	return f
}

func TestPlayerctl(t *testing.T) {
	p, clock, bus, c := busPlayer(t)
	require.NoError(t, call(t, c, IfacePlayer+".OpenUri", "emu:///swan").Err)
	require.NoError(t, call(t, c, IfaceTrackList+".AddTrack", "emu:///mozart", p.Tracks()[0].ID, false).Err)

	assert.Equal(t, "Playing", playerctl(t, bus, "status"))
	meta := playerctl(t, bus, "metadata")
	assert.Contains(t, meta, "xesam:title")
	assert.Contains(t, meta, "Swan Lake, Op. 20: Scene")
	assert.Contains(t, meta, TrackIDPrefix+"1")
	assert.Equal(t, "Swan Lake, Op. 20: Scene|Pyotr Ilyich Tchaikovsky|180000000",
		playerctl(t, bus, "metadata", "--format", "{{title}}|{{artist}}|{{mpris:length}}"))

	clock.Advance(30 * time.Second)
	// playerctl extrapolates a playing position by the real time since it
	// read it, so allow for its own run time.
	assert.InDelta(t, 30.0, positionOf(t, playerctl(t, bus, "position")), 2.0)

	playerctl(t, bus, "pause")
	assert.Equal(t, "Paused", playerctl(t, bus, "status"))
	clock.Advance(time.Minute) // paused: the position must not move
	assert.Equal(t, 30*time.Second, p.Position())
	assert.Equal(t, "30.000000", playerctl(t, bus, "position"))
	playerctl(t, bus, "play")
	assert.Equal(t, StatusPlaying, p.Status())

	playerctl(t, bus, "next")
	cur, ok := p.Current()
	require.True(t, ok)
	assert.Equal(t, "emu:///mozart", cur.URI)
	assert.Equal(t, "Eine kleine Nachtmusik", playerctl(t, bus, "metadata", "title"))

	playerctl(t, bus, "position", "60")
	assert.Equal(t, time.Minute, p.Position())

	playerctl(t, bus, "stop")
	assert.Equal(t, "Stopped", playerctl(t, bus, "status"))
	plays := p.Plays()
	require.Len(t, plays, 2)
	assert.Equal(t, "skipped", string(plays[0].Outcome))
	assert.Equal(t, 30*time.Second, plays[0].Position)
	assert.Equal(t, "stopped", string(plays[1].Outcome))
}

// signals subscribes c to the player's signals.
func signals(t *testing.T, c *dbus.Conn) chan *dbus.Signal {
	t.Helper()
	require.NoError(t, c.AddMatchSignal(dbus.WithMatchObjectPath(ObjectPath)))
	ch := make(chan *dbus.Signal, 100)
	c.Signal(ch)
	t.Cleanup(func() { c.RemoveSignal(ch) })
	return ch
}

// next returns the next signal named name, skipping others.
func nextSignal(t *testing.T, ch chan *dbus.Signal, name string) *dbus.Signal {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-ch:
			if s.Name == name {
				return s
			}
		case <-deadline:
			t.Fatalf("no %s signal", name)
		}
	}
}

// nextChange returns the next PropertiesChanged of iface that changes name.
func nextChange(t *testing.T, ch chan *dbus.Signal, iface, name string) (dbus.Variant, bool) {
	t.Helper()
	for {
		s := nextSignal(t, ch, "org.freedesktop.DBus.Properties.PropertiesChanged")
		require.Len(t, s.Body, 3)
		if s.Body[0] != iface {
			continue
		}
		if v, ok := s.Body[1].(map[string]dbus.Variant)[name]; ok {
			return v, true
		}
		for _, inv := range s.Body[2].([]string) {
			if inv == name {
				return dbus.Variant{}, false
			}
		}
	}
}

func TestMPRISTrackList(t *testing.T) {
	p, clock, _, c := busPlayer(t)
	ch := signals(t, c)

	assert.Equal(t, true, getProp(t, c, IfaceRoot, "HasTrackList").Value())
	assert.Equal(t, true, getProp(t, c, IfaceTrackList, "CanEditTracks").Value())
	assert.Equal(t, []string{"emu", "file"}, getProp(t, c, IfaceRoot, "SupportedUriSchemes").Value())
	assert.Equal(t, "Stopped", getProp(t, c, IfacePlayer, "PlaybackStatus").Value())

	// OpenUri: TrackAdded (after NoTrack), then Metadata and status changes,
	// each PropertiesChanged naming the interface first.
	require.NoError(t, call(t, c, IfacePlayer+".OpenUri", "emu:///swan").Err)
	added := nextSignal(t, ch, IfaceTrackList+".TrackAdded")
	meta := added.Body[0].(map[string]dbus.Variant)
	first := meta["mpris:trackid"].Value().(dbus.ObjectPath)
	assert.Equal(t, dbus.ObjectPath(TrackIDPrefix+"1"), first)
	assert.Equal(t, NoTrack, added.Body[1])
	_, ok := nextChange(t, ch, IfaceTrackList, "Tracks")
	assert.False(t, ok, "Tracks is invalidated, not sent")
	v, _ := nextChange(t, ch, IfacePlayer, "Metadata")
	md := v.Value().(map[string]dbus.Variant)
	assert.Equal(t, "Swan Lake, Op. 20: Scene", md["xesam:title"].Value())
	assert.Equal(t, []string{"Pyotr Ilyich Tchaikovsky"}, md["xesam:artist"].Value())
	assert.Equal(t, []string{"classical", "russian romanticism"}, md["xesam:genre"].Value())
	assert.Equal(t, "Swan Lake", md["xesam:album"].Value())
	assert.Equal(t, int64(180_000_000), md["mpris:length"].Value())
	assert.Equal(t, "emu:///swan", md["xesam:url"].Value())
	v, _ = nextChange(t, ch, IfacePlayer, "PlaybackStatus")
	assert.Equal(t, "Playing", v.Value())

	// AddTrack after the current one, then one at the start.
	require.NoError(t, call(t, c, IfaceTrackList+".AddTrack", "emu:///mozart", first, false).Err)
	added = nextSignal(t, ch, IfaceTrackList+".TrackAdded")
	second := added.Body[0].(map[string]dbus.Variant)["mpris:trackid"].Value().(dbus.ObjectPath)
	assert.Equal(t, first, added.Body[1])
	v, _ = nextChange(t, ch, IfacePlayer, "CanGoNext")
	assert.Equal(t, true, v.Value())
	require.NoError(t, call(t, c, IfaceTrackList+".AddTrack", "file:///media/music/rap.ogg", NoTrack, false).Err)
	zeroth := nextSignal(t, ch, IfaceTrackList+".TrackAdded").Body[0].(map[string]dbus.Variant)["mpris:trackid"].Value().(dbus.ObjectPath)
	assert.Equal(t, []dbus.ObjectPath{zeroth, first, second}, getProp(t, c, IfaceTrackList, "Tracks").Value())

	var metas []map[string]dbus.Variant
	require.NoError(t, call(t, c, IfaceTrackList+".GetTracksMetadata", []dbus.ObjectPath{second, "/x/unknown", zeroth}).Store(&metas))
	require.Len(t, metas, 2)
	assert.Equal(t, "Eine kleine Nachtmusik", metas[0]["xesam:title"].Value())
	assert.Equal(t, []string{"MC Test", "DJ Fake"}, metas[1]["xesam:artist"].Value())

	// Seek and SetPosition send Seeked; Position is read, never signalled.
	clock.Advance(20 * time.Second)
	assert.Equal(t, int64(20_000_000), getProp(t, c, IfacePlayer, "Position").Value())
	require.NoError(t, call(t, c, IfacePlayer+".Seek", int64(10_000_000)).Err)
	assert.Equal(t, []any{int64(30_000_000)}, nextSignal(t, ch, IfacePlayer+".Seeked").Body)
	require.NoError(t, call(t, c, IfacePlayer+".SetPosition", first, int64(5_000_000)).Err)
	assert.Equal(t, []any{int64(5_000_000)}, nextSignal(t, ch, IfacePlayer+".Seeked").Body)
	var all map[string]dbus.Variant
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.GetAll", IfacePlayer).Store(&all))
	assert.Equal(t, int64(5_000_000), all["Position"].Value())
	assert.Equal(t, 1.0, all["Rate"].Value())
	require.NoError(t, call(t, c, IfacePlayer+".Seek", int64(math.MinInt64)).Err)
	assert.Equal(t, []any{int64(0)}, nextSignal(t, ch, IfacePlayer+".Seeked").Body, "no overflow")

	// The track ends on the clock: Metadata changes to the next track.
	clock.Advance(3 * time.Minute)
	v, _ = nextChange(t, ch, IfacePlayer, "Metadata")
	assert.Equal(t, second, v.Value().(map[string]dbus.Variant)["mpris:trackid"].Value())
	md = getProp(t, c, IfacePlayer, "Metadata").Value().(map[string]dbus.Variant)
	assert.NotContains(t, md, "xesam:album", "no key survives from the previous track")

	// GoTo and RemoveTrack.
	require.NoError(t, call(t, c, IfaceTrackList+".GoTo", zeroth).Err)
	v, _ = nextChange(t, ch, IfacePlayer, "Metadata")
	assert.Equal(t, zeroth, v.Value().(map[string]dbus.Variant)["mpris:trackid"].Value())
	require.NoError(t, call(t, c, IfaceTrackList+".RemoveTrack", first).Err)
	assert.Equal(t, []any{first}, nextSignal(t, ch, IfaceTrackList+".TrackRemoved").Body)
	assert.Equal(t, []dbus.ObjectPath{zeroth, second}, getProp(t, c, IfaceTrackList, "Tracks").Value())

	// Bad input gets a D-Bus error and changes nothing.
	err := call(t, c, IfacePlayer+".OpenUri", "http://example.com/a.mp3").Err
	var de dbus.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "org.freedesktop.DBus.Error.InvalidArgs", de.Name)
	require.ErrorAs(t, call(t, c, IfaceTrackList+".AddTrack", "emu:///x", dbus.ObjectPath("/gone"), false).Err, &de)
	assert.Equal(t, "org.freedesktop.DBus.Error.InvalidArgs", de.Name)
	assert.Len(t, p.Tracks(), 2)

	// Rate stays 1.0; Volume is clamped at 0.
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.Set", IfacePlayer, "Rate", dbus.MakeVariant(2.0)).Err)
	assert.Equal(t, 1.0, getProp(t, c, IfacePlayer, "Rate").Value())
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.Set", IfacePlayer, "Volume", dbus.MakeVariant(-1.0)).Err)
	assert.Equal(t, 0.0, getProp(t, c, IfacePlayer, "Volume").Value())
	require.Error(t, call(t, c, "org.freedesktop.DBus.Properties.Set", IfacePlayer, "PlaybackStatus", dbus.MakeVariant("Playing")).Err)

	var xml string
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Introspectable.Introspect").Store(&xml))
	assert.Contains(t, xml, `<interface name="org.mpris.MediaPlayer2.TrackList">`)
}

func TestMPRISNameTaken(t *testing.T) {
	bus := testenv.StartBus(t)
	other := bus.Conn(t)
	reply, err := other.RequestName(BusName, dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)

	p := NewPlayer(Options{Clock: NewManualClock(epoch)})
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	conn := bus.Conn(t)
	err = p.Export(conn)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already owned")
	// The objects were withdrawn again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = conn.Object(conn.Names()[0], ObjectPath).CallWithContext(ctx, IfacePlayer+".Play", 0).Err
	assert.Error(t, err)
}

// At speed 120 the emulator plays 120 times faster than the wall clock, and
// says so in Rate, so clients extrapolating Position stay right. Setting
// Rate changes the speed (announced with PropertiesChanged); a rate out of
// MinimumRate..MaximumRate is ignored, as the spec says.
func TestMPRISRateIsSpeed(t *testing.T) {
	bus := testenv.StartBus(t)
	p := NewPlayer(Options{Clock: NewScaledClock(120)})
	conn := bus.Conn(t)
	require.NoError(t, p.Export(conn))
	t.Cleanup(func() {
		assert.NoError(t, p.Unexport(conn))
		assert.NoError(t, p.Close())
	})
	c := bus.Conn(t)
	assert.Equal(t, 120.0, getProp(t, c, IfacePlayer, "Rate").Value())
	assert.Equal(t, float64(MinSpeed), getProp(t, c, IfacePlayer, "MinimumRate").Value())
	assert.Equal(t, float64(MaxSpeed), getProp(t, c, IfacePlayer, "MaximumRate").Value())

	ch := make(chan *dbus.Signal, 16)
	c.Signal(ch)
	require.NoError(t, c.AddMatchSignal(dbus.WithMatchObjectPath(ObjectPath), dbus.WithMatchMember("PropertiesChanged")))
	require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.Set", IfacePlayer, "Rate", dbus.MakeVariant(600.0)).Err)
	v, _ := nextChange(t, ch, IfacePlayer, "Rate")
	assert.Equal(t, 600.0, v.Value())
	assert.Equal(t, 600.0, p.Rate())
	for _, bad := range []float64{0, -5, 2 * MaxSpeed, math.NaN()} {
		require.NoError(t, call(t, c, "org.freedesktop.DBus.Properties.Set", IfacePlayer, "Rate", dbus.MakeVariant(bad)).Err)
		assert.Equal(t, 600.0, getProp(t, c, IfacePlayer, "Rate").Value(), "%v is ignored", bad)
	}
}
