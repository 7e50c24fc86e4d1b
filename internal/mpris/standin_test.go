package mpris_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

// standIn is a scripted MPRIS player on the real private bus, for what no
// real player does on demand: invalidated properties without values,
// malformed signal bodies, instance-suffixed names, a method that hangs.
type standIn struct {
	conn  *dbus.Conn
	props *standInProps
	hang  chan struct{}
}

const mprisPath = "/org/mpris/MediaPlayer2"

// standInProps is the stand-in's org.freedesktop.DBus.Properties. A set
// replaces a value, never changes it in place: godbus/prop merges a new map
// value into the old map, which the encoding of an earlier Get or GetAll
// reply may still be reading (the race detector saw it once the client read
// Metadata with Position in one GetAll).
type standInProps struct {
	conn *dbus.Conn
	emit prop.EmitType // for the properties the tests change

	mu     sync.Mutex
	values map[string]map[string]any // interface -> property -> value
}

func (p *standInProps) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.values[iface][name]
	if !ok {
		return dbus.Variant{}, prop.ErrPropNotFound
	}
	return dbus.MakeVariant(v), nil
}

func (p *standInProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	props, ok := p.values[iface]
	if !ok {
		return nil, prop.ErrIfaceNotFound
	}
	all := make(map[string]dbus.Variant, len(props))
	for name, v := range props {
		all[name] = dbus.MakeVariant(v)
	}
	return all, nil
}

func (p *standInProps) Set(string, string, dbus.Variant) *dbus.Error { return prop.ErrReadOnly }

// SetMust replaces a value and announces it the stand-in's way.
func (p *standInProps) SetMust(iface, name string, v any) {
	p.mu.Lock()
	p.values[iface][name] = v
	p.mu.Unlock()
	changed, invalidated := map[string]dbus.Variant{name: dbus.MakeVariant(v)}, []string{}
	if p.emit == prop.EmitInvalidates {
		changed, invalidated = map[string]dbus.Variant{}, []string{name}
	}
	if err := p.conn.Emit(mprisPath, "org.freedesktop.DBus.Properties.PropertiesChanged", iface, changed, invalidated); err != nil {
		panic(err)
	}
}

func startStandIn(t *testing.T, bus *testenv.Bus, name string, emit prop.EmitType) *standIn {
	t.Helper()
	conn := bus.Conn(t)
	s := &standIn{conn: conn, hang: make(chan struct{})}
	t.Cleanup(func() { close(s.hang) }) // runs before the conn closes (LIFO)
	s.props = &standInProps{conn: conn, emit: emit, values: map[string]map[string]any{
		"org.mpris.MediaPlayer2": {"Identity": "stand-in"},
		"org.mpris.MediaPlayer2.Player": {
			"PlaybackStatus": "Paused",
			"Metadata": map[string]dbus.Variant{
				"mpris:trackid": dbus.MakeVariant(dbus.ObjectPath("/t/1")),
				"xesam:url":     dbus.MakeVariant("file:///m/1.ogg"),
			},
			"Position": int64(0),
			"Rate":     1.0,
		},
	}}
	require.NoError(t, conn.Export(s.props, mprisPath, "org.freedesktop.DBus.Properties"))
	require.NoError(t, conn.ExportMethodTable(map[string]any{
		"Next": func() *dbus.Error { <-s.hang; return nil },
	}, mprisPath, "org.mpris.MediaPlayer2.Player"))
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)
	return s
}

func (s *standIn) setTrack(id, url string) {
	s.props.SetMust("org.mpris.MediaPlayer2.Player", "Metadata", map[string]dbus.Variant{
		"mpris:trackid": dbus.MakeVariant(dbus.ObjectPath(id)),
		"xesam:url":     dbus.MakeVariant(url),
	})
}

func TestClientInvalidatedProperties(t *testing.T) {
	bus := testenv.StartBus(t)
	c, rec := startClient(t, bus)
	const name = "org.mpris.MediaPlayer2.standin.instance42"
	s := startStandIn(t, bus, name, prop.EmitInvalidates)
	testenv.WaitFor(t, wait, func() bool { return rec.count(kind(mpris.PlayerAppeared, name)) == 1 }, "instance-suffixed player appears")
	p, _ := c.Player(name)
	assert.Equal(t, "file:///m/1.ogg", p.Track.URL, "GetAll on appear")
	assert.Equal(t, "standin.instance42", p.Short())

	s.props.SetMust("org.mpris.MediaPlayer2.Player", "PlaybackStatus", "Playing")
	testenv.WaitFor(t, wait, func() bool { return rec.count(statusTo(name, mpris.StatusPlaying)) == 1 }, "invalidated status re-read")
	s.setTrack("/t/2", "file:///m/2.ogg")
	testenv.WaitFor(t, wait, func() bool { return rec.count(trackTo(name, "/2.ogg")) == 1 }, "invalidated Metadata re-read")
	// The same Metadata announced again: no event. (Emitted by hand, not by
	// SetMust: godbus/prop merges a map value into the old map in place,
	// which races with encoding the previous reply and keeps stale keys.)
	require.NoError(t, s.conn.Emit(mprisPath, "org.freedesktop.DBus.Properties.PropertiesChanged",
		"org.mpris.MediaPlayer2.Player", map[string]dbus.Variant{}, []string{"Metadata"}))
	s.props.SetMust("org.mpris.MediaPlayer2.Player", "PlaybackStatus", "Paused")
	testenv.WaitFor(t, wait, func() bool { return rec.count(statusTo(name, mpris.StatusPaused)) == 1 }, "Paused")
	assert.Equal(t, 1, rec.count(kind(mpris.TrackChanged, name)), "repeated identical Metadata is not a track change")
}

func TestClientDropsMalformedSignalsAndHandlesSeeked(t *testing.T) {
	bus := testenv.StartBus(t)
	c, rec := startClient(t, bus)
	const name = "org.mpris.MediaPlayer2.standin"
	s := startStandIn(t, bus, name, prop.EmitTrue)
	testenv.WaitFor(t, wait, func() bool { return rec.count(kind(mpris.PlayerAppeared, name)) == 1 }, "appears")

	// Bodies of the wrong shape, then wrongly typed values in a good shape.
	emit := func(member string, body ...any) {
		require.NoError(t, s.conn.Emit(mprisPath, member, body...))
	}
	emit("org.freedesktop.DBus.Properties.PropertiesChanged", "org.mpris.MediaPlayer2.Player")
	emit("org.freedesktop.DBus.Properties.PropertiesChanged", int32(3), "x", []string{})
	emit("org.freedesktop.DBus.Properties.PropertiesChanged", "org.mpris.MediaPlayer2.Player",
		map[string]dbus.Variant{"PlaybackStatus": dbus.MakeVariant(int32(1)), "Metadata": dbus.MakeVariant("nope"),
			"Position": dbus.MakeVariant("x"), "Rate": dbus.MakeVariant(true)}, []string{})
	emit("org.mpris.MediaPlayer2.Player.Seeked", "not a number")
	emit("org.mpris.MediaPlayer2.Player.Seeked", int64(42_000_000))
	testenv.WaitFor(t, wait, func() bool { return rec.count(kind(mpris.Seeked, name)) == 1 }, "Seeked after the malformed ones")
	p, ok := c.Player(name)
	require.True(t, ok)
	assert.Equal(t, 42*time.Second, p.Position)
	assert.Equal(t, "Paused", p.Status, "wrongly typed values ignored")
	assert.Equal(t, "file:///m/1.ogg", p.Track.URL, "wrongly typed Metadata ignored")
	assert.Equal(t, 42*time.Second, p.PositionNow(time.Now().Add(time.Minute)), "paused: no extrapolation")
}

func TestClientIgnoresPlayerctld(t *testing.T) {
	bus := testenv.StartBus(t)
	startStandIn(t, bus, mpris.Playerctld, prop.EmitTrue)
	c, rec := startClient(t, bus)
	startStandIn(t, bus, "org.mpris.MediaPlayer2.other", prop.EmitTrue)
	testenv.WaitFor(t, wait, func() bool { return rec.count(kind(mpris.PlayerAppeared, "org.mpris.MediaPlayer2.other")) == 1 }, "other appears")
	names := []string{}
	for _, p := range c.Players() {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{"org.mpris.MediaPlayer2.other"}, names, "playerctld is not a player")
}

func TestClientCallDeadline(t *testing.T) {
	bus := testenv.StartBus(t)
	startStandIn(t, bus, "org.mpris.MediaPlayer2.slow", prop.EmitTrue)
	conn := bus.Conn(t)
	c := mpris.NewClient(conn, mpris.Options{Logger: zerolog.Nop(), CallTimeout: 200 * time.Millisecond})
	// The player's Next never answers: the call must give up at its own
	// deadline although the caller's context has none.
	err := c.Next(context.Background(), "slow")
	require.Error(t, err)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))

	err = c.Play(context.Background(), "absent")
	assert.Equal(t, music.KindNoPlayer, music.KindOf(err))
	err = c.OpenUri(context.Background(), "slow", "")
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
	err = c.AddTrack(context.Background(), "slow", "file:///a", "not a path", false)
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
	err = c.AddTrack(context.Background(), "slow", "file:///a", "/t/1", false)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err), "no TrackList interface")
}

func TestClientCloseWithoutStart(t *testing.T) {
	bus := testenv.StartBus(t)
	c := mpris.NewClient(bus.Conn(t), mpris.Options{Logger: zerolog.Nop()})
	require.NoError(t, c.Close())
	_, open := <-c.Events()
	assert.False(t, open, "Events is closed after Close even without Start")
	require.NoError(t, c.Close(), "Close is idempotent")
	assert.Error(t, c.Start(context.Background()), "no Start after Close")
}
