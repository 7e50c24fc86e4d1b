package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/mpvipc"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// These tests run continuod against the real media stacks on a private bus:
// mpv with the mpv-mpris plugin, and mpd bridged by mpDris2, playing
// generated audio files of a catalog subset. They check that the daemon
// follows the player, records completions and skips, and keeps QueueDepth
// tracks queued with the player's own mechanism without interrupting the
// current track.

const (
	depth = 3
	// toneSeconds is long enough that a skip right after a track starts is
	// far below the skip threshold (half the length) on a loaded machine;
	// no test waits for such a track to end.
	toneSeconds = 20
	// seedSeconds is the length of the seed, the one track the tests let
	// play to its end. Seeking near the end instead works on mpv but not on
	// mpd: with its null output a seek plays out the rest of the file at
	// once, and mpDris2 sends no Seeked, so the jump looks like a skip.
	seedSeconds = 3
)

// realPlayer is what a test needs to watch a real player behind the
// daemon's back, through the player's own protocol.
type realPlayer interface {
	// playlist returns the player's whole playlist (mpv and mpd keep played
	// entries) and the index of the current entry, -1 when none.
	playlist(ctx context.Context) (list []music.TrackID, pos int, err error)
}

// queueOf returns the current track of a real player and what is queued
// after it.
func queueOf(ctx context.Context, rp realPlayer) (cur music.TrackID, ahead []music.TrackID, err error) {
	list, pos, err := rp.playlist(ctx)
	if err != nil || pos < 0 || pos >= len(list) {
		return "", nil, err
	}
	return list[pos], list[pos+1:], nil
}

// mpvPlayer reads mpv's playlist over its JSON IPC.
type mpvPlayer struct{ ipc *mpvipc.Client }

func (p mpvPlayer) playlist(ctx context.Context) ([]music.TrackID, int, error) {
	raw, err := p.ipc.GetProperty(ctx, "playlist")
	if err != nil {
		return nil, -1, err
	}
	var entries []struct {
		Filename string `json:"filename"`
		Current  bool   `json:"current"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, -1, fmt.Errorf("mpv playlist: %w", err)
	}
	list, pos := make([]music.TrackID, len(entries)), -1
	for i, e := range entries {
		list[i] = fileID(e.Filename)
		if e.Current {
			pos = i
		}
	}
	return list, pos, nil
}

func (p mpvPlayer) queue(ctx context.Context) (music.TrackID, []music.TrackID, error) {
	return queueOf(ctx, p)
}

// mpdPlayer reads MPD's queue over the MPD protocol.
type mpdPlayer struct{ c *mpd.Client }

func (p mpdPlayer) playlist(ctx context.Context) ([]music.TrackID, int, error) {
	st, err := p.c.Status(ctx)
	if err != nil {
		return nil, -1, err
	}
	songs, err := p.c.PlaylistInfo(ctx)
	if err != nil {
		return nil, -1, err
	}
	list := make([]music.TrackID, len(songs))
	for i, s := range songs {
		list[i] = fileID(s.File)
	}
	return list, st.Song, nil
}

func (p mpdPlayer) queue(ctx context.Context) (music.TrackID, []music.TrackID, error) {
	return queueOf(ctx, p)
}

// emuPlayer reads the emulator's tracklist.
type emuPlayer struct{ p *emulator.Player }

func (p emuPlayer) playlist(context.Context) ([]music.TrackID, int, error) {
	cur, ok := p.p.Current()
	tracks := p.p.Tracks()
	list, pos := make([]music.TrackID, len(tracks)), -1
	for i, tr := range tracks {
		list[i] = fileID(tr.URI)
		if ok && tr.ID == cur.ID {
			pos = i
		}
	}
	return list, pos, nil
}

// queueing starts a real player with a library and continuod following it.
type queueing struct {
	name  string
	start func(t *testing.T, bus *testenv.Bus, lib *library) (player.Config, realPlayer)
	mech  string
}

var queueingPlayers = []queueing{
	// The emulator first: engineers trust it because it passes the same
	// follow-and-queue test as the real players.
	{name: "continuo_emu", mech: player.MechTrackList, start: func(t *testing.T, bus *testenv.Bus, lib *library) (player.Config, realPlayer) {
		conn, err := dbus.Connect(bus.Address)
		require.NoError(t, err)
		emu := emulator.NewPlayer(emulator.Options{Clock: emulator.NewScaledClock(1), Library: lib.emuLibrary(), Logger: zerolog.Nop()})
		require.NoError(t, emu.Export(conn))
		t.Cleanup(func() { _ = emu.Close(); _ = conn.Close() })
		return player.Config{}, emuPlayer{emu}
	}},
	{name: "mpv", mech: player.MechMPVIPC, start: func(t *testing.T, bus *testenv.Bus, lib *library) (player.Config, realPlayer) {
		m := testenv.StartMPV(t, bus, testenv.MPVOptions{})
		ipc := mpvipc.New(m.Socket, deadline)
		t.Cleanup(func() { _ = ipc.Close() })
		return player.Config{MPVSocket: map[string]string{"mpv": m.Socket}}, mpvPlayer{ipc}
	}},
	{name: "mpd", mech: player.MechMPD, start: func(t *testing.T, bus *testenv.Bus, lib *library) (player.Config, realPlayer) {
		m := testenv.StartMPD(t, bus, lib.dir)
		c := mpd.New(m.Addr, mpd.Options{Timeout: deadline})
		t.Cleanup(func() { _ = c.Close() })
		return player.Config{MPDAddr: map[string]string{"mpd": m.Addr}, MPDMusicDir: map[string]string{"mpd": lib.dir}}, mpdPlayer{c}
	}},
}

// TestQueueIntoRealPlayers: "play Scène from Swan Lake" on the emulator
// (MPRIS TrackList), mpv (JSON IPC loadfile … append) and mpd (addid). The asked track plays, depth
// classical continuations are queued behind it without interrupting it, a
// track played to its end is recorded as completed, one left at once as
// skipped, and after each change the queue is topped up again.
func TestQueueIntoRealPlayers(t *testing.T) {
	for _, tc := range queueingPlayers {
		t.Run(tc.name, func(t *testing.T) {
			lib := newLibrary(t, mixedRows(t, 40, 0.5), toneSeconds, false)
			lib.setLength(t, seedID(t), seedSeconds)
			bus := testenv.StartBus(t)
			cfg, rp := tc.start(t, bus, lib)
			e := startDaemonOn(t, daemonConfig{bus: bus, model: lib.model, players: cfg, preferred: []string{tc.name}, depth: depth})
			testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == mpris.FullName(tc.name) }, "continuod follows %s", tc.name)
			assert.Equal(t, tc.mech, e.core.State().Mechanism)

			var track map[string]dbus.Variant
			require.NoError(t, e.call("Play", seedQuery).Store(&track))
			seed := music.TrackID(track["continuo:id"].Value().(string))
			require.Equal(t, "classical", lib.family(seed))

			// The playlist is the seed, then what continuod queued. The test
			// reads it whole rather than trying to catch every state: on a
			// loaded machine the seed may be over before the first look.
			ctx := context.Background()
			var list []music.TrackID
			var pos int
			topped := func(what string, after int) {
				t.Helper()
				testenv.WaitFor(t, deadline, func() bool {
					var err error
					list, pos, err = rp.playlist(ctx)
					if err != nil || pos < after || len(list) == 0 || list[0] != seed {
						return false
					}
					ahead := list[pos+1:]
					return len(ahead) == depth && assert.ObjectsAreEqual(e.queueIDs(), ahead)
				}, "%s: %d tracks queued on the player after entry %d, as the daemon reports", what, depth, after)
			}
			topped("after Play", 0)
			picks := list[1 : 1+depth]
			for _, id := range picks {
				assert.Equal(t, "classical", lib.family(id), "a Swan Lake seed continues with classical music (%s)", id)
			}

			// Played to its end (seedSeconds) without being interrupted by
			// the queueing: completed. The queue moves up, keeps its order,
			// and is topped up again.
			ev := e.waitPlayed(t, seed)
			assert.Equal(t, music.OutcomeCompleted, ev.Outcome, "position %d ms of %d", ev.PositionMS, ev.DurationMS)
			assert.True(t, ev.Queued, "the asked track was started by continuod")
			assert.Equal(t, tc.name, ev.Player)
			topped("after the seed ended", 1)
			assert.Equal(t, picks, list[1:1+depth], "the queued tracks play in order")

			// Left at once: skipped, and topped up again.
			cur := list[pos]
			_, err := testenv.Playerctl(t, bus, "--player="+tc.name, "next")
			require.NoError(t, err)
			ev = e.waitPlayed(t, cur)
			assert.Equal(t, music.OutcomeSkipped, ev.Outcome, "position %d ms of %d", ev.PositionMS, ev.DurationMS)
			assert.True(t, ev.Queued)
			topped("after a skip", pos+1)
			assert.Len(t, list, len(slices.Compact(slices.Sorted(slices.Values(list)))), "no track was queued twice: %v", list)
		})
	}
}

// TestOpenURIAtTrackEnd: mpv without its IPC socket configured has only
// MPRIS OpenUri, which replaces mpv's playlist. continuod keeps one pending
// track, touches nothing while the current one plays, and opens the pending
// one when the current one has ended.
func TestOpenURIAtTrackEnd(t *testing.T) {
	lib := newLibrary(t, mixedRows(t, 40, 0.5), toneSeconds, false)
	lib.setLength(t, seedID(t), seedSeconds)
	bus := testenv.StartBus(t)
	m := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	ipc := mpvipc.New(m.Socket, deadline)
	t.Cleanup(func() { _ = ipc.Close() })
	rp := mpvPlayer{ipc}
	e := startDaemonOn(t, daemonConfig{bus: bus, model: lib.model, preferred: []string{"mpv"}, depth: depth})
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == m.BusName }, "continuod follows mpv")
	require.Equal(t, player.MechOpenURI, e.core.State().Mechanism)

	var track map[string]dbus.Variant
	require.NoError(t, e.call("Play", seedQuery).Store(&track))
	seed := music.TrackID(track["continuo:id"].Value().(string))

	ctx := context.Background()
	var pending music.TrackID
	testenv.WaitFor(t, deadline, func() bool {
		q := e.queueIDs()
		if len(q) != 1 {
			return false
		}
		pending = q[0]
		return true
	}, "one track is pending for a player without a queue")
	list, _, err := rp.playlist(ctx)
	require.NoError(t, err)
	assert.Len(t, list, 1, "nothing is put into mpv's playlist while a track plays")
	assert.Equal(t, "classical", lib.family(pending))

	testenv.WaitFor(t, deadline, func() bool {
		cur, _, err := rp.queue(ctx)
		return err == nil && cur == pending
	}, "the pending track plays once the seed has ended")
	ev := e.waitPlayed(t, seed)
	assert.Equal(t, music.OutcomeCompleted, ev.Outcome, "position %d ms of %d", ev.PositionMS, ev.DurationMS)
	testenv.WaitFor(t, deadline, func() bool {
		q := e.queueIDs()
		return len(q) == 1 && q[0] != pending
	}, "the next track is pending")
}
