package player_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// trackListPlayer is a minimal MPRIS player with an editable TrackList. No
// Debian player offers one (mpv-mpris and mpDris2 do not), so this stand-in
// on the real private bus is the only way to exercise the mechanism.
type trackListPlayer struct {
	conn    *dbus.Conn
	mu      sync.Mutex
	ids     []dbus.ObjectPath
	uris    map[dbus.ObjectPath]string
	current dbus.ObjectPath
	nextID  int
}

const (
	tlPath        = "/org/mpris/MediaPlayer2"
	ifaceRoot     = "org.mpris.MediaPlayer2"
	ifacePlayer   = "org.mpris.MediaPlayer2.Player"
	ifaceTrackLst = "org.mpris.MediaPlayer2.TrackList"
)

// props returns the properties of iface as fresh values; p.mu is held.
// The stand-in serves org.freedesktop.DBus.Properties itself rather than
// with godbus's prop package: prop stores a new slice or map into the old
// value in place, while the reply to an earlier Get may still be encoding
// it (a data race -race reports).
func (p *trackListPlayer) props(iface string) map[string]dbus.Variant {
	switch iface {
	case ifaceRoot:
		return map[string]dbus.Variant{"Identity": dbus.MakeVariant("tracklist stand-in"), "HasTrackList": dbus.MakeVariant(true)}
	case ifacePlayer:
		return map[string]dbus.Variant{"PlaybackStatus": dbus.MakeVariant("Playing"), "Metadata": dbus.MakeVariant(p.meta(p.current)), "CanControl": dbus.MakeVariant(true)}
	case ifaceTrackLst:
		return map[string]dbus.Variant{"Tracks": dbus.MakeVariant(slices.Clone(p.ids)), "CanEditTracks": dbus.MakeVariant(true)}
	}
	return nil
}

// tlProps is the stand-in's org.freedesktop.DBus.Properties.
type tlProps struct{ p *trackListPlayer }

func (h tlProps) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	v, ok := h.p.props(iface)[name]
	if !ok {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{name})
	}
	return v, nil
}

func (h tlProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	h.p.mu.Lock()
	defer h.p.mu.Unlock()
	return h.p.props(iface), nil
}

func (h tlProps) Set(iface, name string, _ dbus.Variant) *dbus.Error {
	return dbus.NewError("org.freedesktop.DBus.Error.PropertyReadOnly", []any{name})
}

// changed emits PropertiesChanged: Tracks is invalidated (as MPRIS says),
// Metadata sent with its new value.
func (p *trackListPlayer) changed(iface string, values map[string]dbus.Variant, invalidated ...string) {
	_ = p.conn.Emit(tlPath, "org.freedesktop.DBus.Properties.PropertiesChanged", iface, values, invalidated)
}

func startTrackListPlayer(t *testing.T, bus *testenv.Bus, firstURI string) *trackListPlayer {
	t.Helper()
	conn := bus.Conn(t)
	p := &trackListPlayer{uris: map[dbus.ObjectPath]string{}}
	first := p.newID(firstURI)
	p.ids = []dbus.ObjectPath{first}
	p.conn, p.current = conn, first
	require.NoError(t, conn.Export(tlProps{p}, tlPath, "org.freedesktop.DBus.Properties"))
	require.NoError(t, conn.ExportMethodTable(map[string]any{
		"AddTrack": p.addTrack, "RemoveTrack": p.removeTrack, "GetTracksMetadata": p.tracksMetadata,
	}, tlPath, ifaceTrackLst))
	reply, err := conn.RequestName("org.mpris.MediaPlayer2.tl", dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)
	return p
}

func (p *trackListPlayer) newID(uri string) dbus.ObjectPath {
	id := dbus.ObjectPath(fmt.Sprintf("/org/continuo/test/track/%d", p.nextID))
	p.nextID++
	p.uris[id] = uri
	return id
}

func (p *trackListPlayer) meta(id dbus.ObjectPath) map[string]dbus.Variant {
	return map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(id), "xesam:url": dbus.MakeVariant(p.uris[id])}
}

func (p *trackListPlayer) addTrack(uri string, after dbus.ObjectPath, setCurrent bool) *dbus.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := 0
	if i := slices.Index(p.ids, after); i >= 0 {
		at = i + 1
	}
	id := p.newID(uri)
	p.ids = slices.Insert(slices.Clone(p.ids), at, id)
	p.changed(ifaceTrackLst, map[string]dbus.Variant{}, "Tracks")
	if setCurrent {
		p.current = id
		p.changed(ifacePlayer, map[string]dbus.Variant{"Metadata": dbus.MakeVariant(p.meta(id))})
	}
	return nil
}

func (p *trackListPlayer) removeTrack(id dbus.ObjectPath) *dbus.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.ids, id); i >= 0 {
		p.ids = slices.Delete(slices.Clone(p.ids), i, i+1)
		p.changed(ifaceTrackLst, map[string]dbus.Variant{}, "Tracks")
	}
	return nil
}

func (p *trackListPlayer) tracksMetadata(ids []dbus.ObjectPath) ([]map[string]dbus.Variant, *dbus.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []map[string]dbus.Variant
	for _, id := range ids {
		if slices.Contains(p.ids, id) {
			out = append(out, p.meta(id))
		}
	}
	return out, nil
}

func (p *trackListPlayer) order() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, id := range p.ids {
		out = append(out, p.uris[id])
	}
	return out
}

func TestEnqueueTrackList(t *testing.T) {
	bus := testenv.StartBus(t)
	fake := startTrackListPlayer(t, bus, "file:///m/current.ogg")
	c := client(t, bus)
	testenv.WaitFor(t, wait, func() bool { _, ok := c.Player("tl"); return ok }, "stand-in on the bus")
	st, _ := c.Player("tl")
	require.True(t, st.HasTrackList)
	require.True(t, st.CanEditTracks)
	e := player.Choose(c, st, player.Config{MPVSocket: map[string]string{"tl": "/unused"}}, zerolog.Nop())
	require.Equal(t, player.MechTrackList, e.Mechanism(), "TrackList beats a configured side channel")

	ctx := context.Background()
	require.NoError(t, e.Enqueue(ctx, "file:///m/next1.ogg"))
	require.NoError(t, e.Enqueue(ctx, "file:///m/next2.ogg"))
	assert.Equal(t, []string{"file:///m/current.ogg", "file:///m/next1.ogg", "file:///m/next2.ogg"}, fake.order(),
		"each Enqueue goes after the previous one, not right after the current track")

	require.NoError(t, e.PlayNow(ctx, "file:///m/now.ogg"))
	assert.Equal(t, "file:///m/now.ogg", fake.order()[1], "PlayNow inserts after the current track")
	testenv.WaitFor(t, wait, func() bool { p, _ := c.Player("tl"); return p.Track.URL == "file:///m/now.ogg" }, "PlayNow makes it current")
}
