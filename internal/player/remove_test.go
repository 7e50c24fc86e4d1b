package player_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/mpvipc"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

// queueFixture is a real player with "a" current and then "b", "a" again
// and "c" queued through its enqueuer; order reads the player's own list.
type queueFixture struct {
	e     player.Enqueuer
	uri   func(name string) string
	order func() []string
}

// TestRemoveUpcoming: each mechanism with a queue removes the upcoming
// entries that play the given URIs, in the player's own list, and never
// the current entry (the same file queued again later goes).
func TestRemoveUpcoming(t *testing.T) {
	cases := []struct {
		name  string
		start func(t *testing.T) queueFixture
	}{
		{"tracklist", startTrackListQueue},
		{"mpv-ipc", startMPVQueue},
		{"mpd", startMPDQueue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.start(t)
			ctx := context.Background()
			for _, n := range []string{"b", "a", "c"} {
				require.NoError(t, f.e.Enqueue(ctx, f.uri(n)))
			}
			require.Equal(t, []string{"a", "b", "a", "c"}, f.order())
			rm, ok := f.e.(player.Remover)
			require.True(t, ok, "%s is a Remover", f.e.Mechanism())

			removed, err := rm.RemoveUpcoming(ctx, []string{f.uri("a"), f.uri("c"), f.uri("not-queued")})
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{f.uri("a"), f.uri("c")}, removed)
			assert.Equal(t, []string{"a", "b"}, f.order(), "the current entry stays, the queued ones go")

			removed, err = rm.RemoveUpcoming(ctx, []string{f.uri("c")})
			require.NoError(t, err)
			assert.Empty(t, removed, "nothing left to remove")

			require.NoError(t, f.e.Enqueue(ctx, f.uri("c")))
			assert.Equal(t, []string{"a", "b", "c"}, f.order(), "what is queued next follows what stayed")
		})
	}
}

func TestOpenURIIsNoRemover(t *testing.T) {
	_, ok := player.Enqueuer(player.NewOpenURI(nil, "x")).(player.Remover)
	assert.False(t, ok, "OpenUri has no queue to take tracks back from")
}

func startTrackListQueue(t *testing.T) queueFixture {
	bus := testenv.StartBus(t)
	fake := startTrackListPlayer(t, bus, "file:///m/a.ogg")
	c := client(t, bus)
	testenv.WaitFor(t, wait, func() bool { _, ok := c.Player("tl"); return ok }, "stand-in on the bus")
	st, _ := c.Player("tl")
	uri := func(n string) string { return "file:///m/" + n + ".ogg" }
	return queueFixture{
		e:   player.Choose(c, st, player.Config{}, zerolog.Nop()),
		uri: uri,
		order: func() []string {
			var out []string
			for _, u := range fake.order() {
				out = append(out, u[len("file:///m/"):len(u)-len(".ogg")])
			}
			return out
		},
	}
}

func startMPVQueue(t *testing.T) queueFixture {
	dir := t.TempDir()
	tones(t, dir, 60, "a.ogg", "b.ogg", "c.ogg")
	bus := testenv.StartBus(t)
	mpv := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	e := player.NewMPV(mpv.Socket)
	t.Cleanup(func() { _ = e.Close() })
	ipc := mpvipc.New(mpv.Socket, 10*time.Second)
	t.Cleanup(func() { _ = ipc.Close() })
	ctx := context.Background()
	uri := func(n string) string { return "file://" + filepath.Join(dir, n+".ogg") }
	require.NoError(t, e.PlayNow(ctx, uri("a")))
	testenv.WaitFor(t, wait, func() bool { p, _ := ipc.PlaylistPos(ctx); return p == 0 }, "a is current")
	return queueFixture{e: e, uri: uri, order: func() []string {
		list, err := ipc.Playlist(ctx)
		require.NoError(t, err)
		var out []string
		for _, en := range list {
			out = append(out, trimOgg(filepath.Base(en.Filename)))
		}
		return out
	}}
}

func startMPDQueue(t *testing.T) queueFixture {
	dir := t.TempDir()
	tones(t, dir, 60, "a.ogg", "b.ogg", "c.ogg")
	srv := testenv.StartMPD(t, nil, dir)
	e := player.NewMPD(srv.Addr, dir)
	t.Cleanup(func() { _ = e.Close() })
	m := mpd.New(srv.Addr, mpd.Options{Timeout: 10 * time.Second})
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	uri := func(n string) string { return "file://" + filepath.Join(dir, n+".ogg") }
	require.NoError(t, e.PlayNow(ctx, uri("a")))
	testenv.WaitFor(t, wait, func() bool { s, _, _ := m.CurrentSong(ctx); return s.File == "a.ogg" }, "a is current")
	return queueFixture{e: e, uri: uri, order: func() []string {
		songs, err := m.PlaylistInfo(ctx)
		require.NoError(t, err)
		var out []string
		for _, s := range songs {
			out = append(out, trimOgg(s.File))
		}
		return out
	}}
}

func trimOgg(name string) string { return name[:len(name)-len(".ogg")] }
