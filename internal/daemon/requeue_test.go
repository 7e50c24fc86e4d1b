package daemon_test

import (
	"context"
	"slices"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// requeueSeconds is the length of every track of the requeue tests: the
// seed plays all along (nothing moves the queue on but the feedback).
const requeueSeconds = 600

// queuedDrive is continuod queueing into a player after "play Scène from
// Swan Lake", with a client subscribed to its signals.
type queuedDrive struct {
	e    *env
	lib  *library
	rp   realPlayer
	sigs chan *dbus.Signal
}

// startQueuedDrive plays the seed on tc's player and waits until depth
// tracks are queued on the player, as the daemon reports.
func startQueuedDrive(t *testing.T, tc queueing, rows []int) queuedDrive {
	t.Helper()
	lib := newLibrary(t, rows, requeueSeconds, false)
	bus := testenv.StartBus(t)
	cfg, rp := tc.start(t, bus, lib)
	e := startDaemonOn(t, daemonConfig{bus: bus, model: lib.model, players: cfg, preferred: []string{tc.name}, depth: depth})
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == mpris.FullName(tc.name) }, "continuod follows %s", tc.name)
	require.Equal(t, tc.mech, e.core.State().Mechanism)
	d := queuedDrive{e: e, lib: lib, rp: rp, sigs: make(chan *dbus.Signal, 256)}
	e.client.Signal(d.sigs)
	require.NoError(t, e.client.AddMatchSignal(dbus.WithMatchObjectPath(busapi.Path)))
	require.NoError(t, e.call("Play", seedQuery).Err)
	d.waitQueued(t, "after Play", func([]music.TrackID) bool { return true })
	return d
}

// waitQueued waits until the player has depth tracks queued after the
// current one, the same the daemon reports, and ok accepts them.
func (d queuedDrive) waitQueued(t *testing.T, what string, ok func([]music.TrackID) bool) []music.TrackID {
	t.Helper()
	var ahead []music.TrackID
	defer func() {
		if t.Failed() {
			t.Logf("%s: last seen on the player %v, the daemon %v", what, artists(d, ahead), artists(d, d.e.queueIDs()))
		}
	}()
	testenv.WaitFor(t, deadline, func() bool {
		var err error
		_, ahead, err = queueOf(context.Background(), d.rp)
		return err == nil && len(ahead) == depth && slices.Equal(ahead, d.e.queueIDs()) && ok(ahead)
	}, "%s: %d tracks queued on the player, as the daemon reports", what, depth)
	return ahead
}

// artist is the primary artist of a library track.
func (d queuedDrive) artist(id music.TrackID) string {
	row, _ := d.lib.model.Catalog.Lookup(id)
	return d.lib.model.Catalog.PrimaryArtist(row)
}

// queueSignal waits for a PropertiesChanged whose Queue ok accepts and
// returns that Queue's ids and reasons.
func (d queuedDrive) queueSignal(t *testing.T, what string, ok func(ids []music.TrackID, reasons []string) bool) ([]music.TrackID, []string) {
	t.Helper()
	var ids []music.TrackID
	var reasons []string
	waitPropertiesChanged(t, d.sigs, what, func(changed map[string]dbus.Variant) bool {
		queue, _ := changed["Queue"].Value().([]map[string]dbus.Variant)
		ids, reasons = nil, nil
		for _, tr := range queue {
			id, _ := tr["continuo:id"].Value().(string)
			reason, _ := tr["continuo:reason"].Value().(string)
			ids, reasons = append(ids, music.TrackID(id)), append(reasons, reason)
		}
		return len(queue) > 0 && ok(ids, reasons)
	})
	return ids, reasons
}

// TestDislikeRequeues: a dislike of a queued track takes it and the other
// queued tracks of its artist off the player (the emulator's TrackList,
// mpv's playlist, MPD's queue), queues a fresh ranking in their place, and
// the Queue property announces it; the seed plays on.
func TestDislikeRequeues(t *testing.T) {
	for _, tc := range queueingPlayers {
		t.Run(tc.name, func(t *testing.T) {
			d := startQueuedDrive(t, tc, mixedRows(t, 40, 0.5))
			before := d.e.queueIDs()
			disliked := before[0]
			artist := d.artist(disliked)
			cur, _, err := queueOf(context.Background(), d.rp)
			require.NoError(t, err)

			require.NoError(t, d.e.call("Feedback", string(disliked), "dislike").Err)
			none := func(ids []music.TrackID) bool {
				return !slices.ContainsFunc(ids, func(id music.TrackID) bool { return d.artist(id) == artist })
			}
			after := d.waitQueued(t, "after the dislike", none)
			d.queueSignal(t, "the player's new queue, without "+artist, func(ids []music.TrackID, _ []string) bool {
				return slices.Equal(ids, after)
			})
			assert.NotEqual(t, before, after)
			now, _, err := queueOf(context.Background(), d.rp)
			require.NoError(t, err)
			assert.Equal(t, cur, now, "the current track plays on")
		})
	}
}

func artists(d queuedDrive, ids []music.TrackID) []string {
	var out []string
	for _, id := range ids {
		out = append(out, d.artist(id))
	}
	return out
}

// TestLikeRequeues: a like of the playing track (a continuation, after a
// skip of the asked-for seed, as a driver would) re-ranks the queue on the
// player at once, the Queue property announces the new queue, and each
// queued track's reason is the one Explain gives.
func TestLikeRequeues(t *testing.T) {
	for _, tc := range queueingPlayers {
		t.Run(tc.name, func(t *testing.T) {
			d := startQueuedDrive(t, tc, mixedRows(t, 40, 0.5))
			first := d.e.queueIDs()[0]
			seed, _, err := queueOf(context.Background(), d.rp)
			require.NoError(t, err)
			require.NoError(t, d.e.call("Feedback", string(seed), "skip").Err)
			before := d.waitQueued(t, "after the skip", func(ids []music.TrackID) bool {
				c, _, err := queueOf(context.Background(), d.rp)
				return err == nil && c == first && !slices.Contains(ids, first)
			})

			require.NoError(t, d.e.call("Feedback", string(first), "like").Err)
			changed := func(ids []music.TrackID) bool { return !slices.Equal(ids, before) }
			after := d.waitQueued(t, "after the like", changed)
			ids, reasons := d.queueSignal(t, "the player's new queue", func(ids []music.TrackID, _ []string) bool {
				return slices.Equal(ids, after)
			})
			for i, id := range ids {
				var explained string
				require.NoError(t, d.e.call("Explain", string(id)).Store(&explained))
				assert.Equal(t, reasons[i], explained, "Explain gives the reason %s was queued for", id)
			}
			now, _, err := queueOf(context.Background(), d.rp)
			require.NoError(t, err)
			assert.Equal(t, first, now, "the liked track plays on")
			t.Logf("%s: queue %v -> %v", tc.name, artists(d, before), artists(d, after))
		})
	}
}

// TestOpenURILeavesTheQueue: OpenUri cannot take a track back (it has no
// queue), so after a dislike the pending track stays, and the dislike is
// stored all the same.
func TestOpenURILeavesTheQueue(t *testing.T) {
	lib := newLibrary(t, mixedRows(t, 40, 0.5), requeueSeconds, false)
	bus := testenv.StartBus(t)
	m := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	e := startDaemonOn(t, daemonConfig{bus: bus, model: lib.model, preferred: []string{"mpv"}, depth: depth})
	testenv.WaitFor(t, deadline, func() bool { return e.core.State().ActivePlayer == m.BusName }, "continuod follows mpv")
	require.Equal(t, player.MechOpenURI, e.core.State().Mechanism)
	require.NoError(t, e.call("Play", seedQuery).Err)
	testenv.WaitFor(t, deadline, func() bool { return len(e.queueIDs()) == 1 }, "one track pending")
	pending := e.queueIDs()

	require.NoError(t, e.call("Feedback", string(pending[0]), "dislike").Err)
	// The core re-ranks (or not) right after the reply, before it takes
	// the next request: once a later request is answered, it is done.
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	require.NoError(t, e.core.Ping(ctx))
	assert.Equal(t, pending, e.queueIDs(), "the pending track stays")
	assert.Contains(t, e.storedFeedback(t), struct{ TrackID, Kind string }{string(pending[0]), "dislike"})
}
