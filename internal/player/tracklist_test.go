package player_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
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
	mu     sync.Mutex
	props  *prop.Properties
	ids    []dbus.ObjectPath
	uris   map[dbus.ObjectPath]string
	nextID int
}

func startTrackListPlayer(t *testing.T, bus *testenv.Bus, firstURI string) *trackListPlayer {
	t.Helper()
	conn := bus.Conn(t)
	p := &trackListPlayer{uris: map[dbus.ObjectPath]string{}}
	first := p.newID(firstURI)
	p.ids = []dbus.ObjectPath{first}
	const path = "/org/mpris/MediaPlayer2"
	props, err := prop.Export(conn, path, prop.Map{
		"org.mpris.MediaPlayer2": {
			"Identity":     {Value: "tracklist stand-in", Emit: prop.EmitTrue},
			"HasTrackList": {Value: true, Emit: prop.EmitTrue},
		},
		"org.mpris.MediaPlayer2.Player": {
			"PlaybackStatus": {Value: "Playing", Emit: prop.EmitTrue},
			"Metadata":       {Value: p.meta(first), Emit: prop.EmitTrue},
			"CanControl":     {Value: true, Emit: prop.EmitTrue},
		},
		"org.mpris.MediaPlayer2.TrackList": {
			"Tracks":        {Value: p.ids, Emit: prop.EmitInvalidates},
			"CanEditTracks": {Value: true, Emit: prop.EmitTrue},
		},
	})
	require.NoError(t, err)
	p.props = props
	require.NoError(t, conn.ExportMethodTable(map[string]any{
		"AddTrack": p.addTrack, "RemoveTrack": p.removeTrack, "GetTracksMetadata": p.tracksMetadata,
	}, path, "org.mpris.MediaPlayer2.TrackList"))
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
	p.props.SetMust("org.mpris.MediaPlayer2.TrackList", "Tracks", p.ids)
	if setCurrent {
		p.props.SetMust("org.mpris.MediaPlayer2.Player", "Metadata", p.meta(id))
	}
	return nil
}

func (p *trackListPlayer) removeTrack(id dbus.ObjectPath) *dbus.Error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.ids, id); i >= 0 {
		p.ids = slices.Delete(slices.Clone(p.ids), i, i+1)
		p.props.SetMust("org.mpris.MediaPlayer2.TrackList", "Tracks", p.ids)
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
