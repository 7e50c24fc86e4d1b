package player_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpd"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/mpvipc"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/testenv"
)

const wait = 60 * time.Second

// tones writes short tone files and returns their paths.
func tones(t testing.TB, dir string, seconds float64, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		testenv.Tone(t, p, seconds)
		out = append(out, p)
	}
	return out
}

func client(t testing.TB, bus *testenv.Bus) *mpris.Client {
	t.Helper()
	conn, err := dbus.Connect(bus.Address, dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	c := mpris.NewClient(conn, mpris.Options{Logger: zerolog.Nop()})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	require.NoError(t, c.Start(ctx))
	go func() { // drain; ends when Close closes the channel
		for range c.Events() {
		}
	}()
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestEnqueueMPV(t *testing.T) {
	files := tones(t, t.TempDir(), 1.5, "first.ogg", "second.ogg")
	bus := testenv.StartBus(t)
	mpv := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	c := client(t, bus)
	testenv.WaitFor(t, wait, func() bool { _, ok := c.Player("mpv"); return ok }, "mpv on the bus")
	st, _ := c.Player("mpv")
	e := player.Choose(c, st, player.Config{MPVSocket: map[string]string{"mpv": mpv.Socket}}, zerolog.Nop())
	require.Equal(t, player.MechMPVIPC, e.Mechanism())
	require.False(t, e.Lossy())
	t.Cleanup(func() { _ = e.(player.Closer).Close() })

	ipc := mpvipc.New(mpv.Socket, 10*time.Second)
	t.Cleanup(func() { _ = ipc.Close() })
	ctx := context.Background()
	path := func() string { p, _ := ipc.Path(ctx); return p }

	require.NoError(t, e.PlayNow(ctx, "file://"+files[0]))
	testenv.WaitFor(t, wait, func() bool { return path() == files[0] }, "first plays")
	require.NoError(t, e.Enqueue(ctx, "file://"+files[1]))
	n, err := ipc.PlaylistCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "enqueue grows the playlist")
	pos, err := ipc.PlaylistPos(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, pos, "enqueue does not interrupt the current track")
	testenv.WaitFor(t, wait, func() bool { return path() == files[1] }, "second plays when the first ends")
	testenv.WaitFor(t, wait, func() bool {
		p, _ := c.Player("mpv")
		return strings.HasSuffix(p.Track.URL, "/second.ogg")
	}, "MPRIS reports the enqueued track")
}

func TestOpenURIOnMPVReplaces(t *testing.T) {
	files := tones(t, t.TempDir(), 30, "a.ogg", "b.ogg", "c.ogg")
	bus := testenv.StartBus(t)
	mpv := testenv.StartMPV(t, bus, testenv.MPVOptions{})
	c := client(t, bus)
	testenv.WaitFor(t, wait, func() bool { _, ok := c.Player("mpv"); return ok }, "mpv on the bus")
	st, _ := c.Player("mpv")
	e := player.Choose(c, st, player.Config{}, zerolog.Nop())
	require.Equal(t, player.MechOpenURI, e.Mechanism())
	require.True(t, e.Lossy(), "openuri is lossy")

	ipc := mpvipc.New(mpv.Socket, 10*time.Second)
	t.Cleanup(func() { _ = ipc.Close() })
	ctx := context.Background()
	require.NoError(t, ipc.LoadFile(ctx, files[0], mpvipc.Replace))
	require.NoError(t, ipc.LoadFile(ctx, files[1], mpvipc.Append))

	require.NoError(t, e.Enqueue(ctx, "file://"+files[2]))
	testenv.WaitFor(t, wait, func() bool { p, _ := ipc.Path(ctx); return p == files[2] }, "OpenUri plays at once")
	n, err := ipc.PlaylistCount(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "OpenUri on mpv-mpris replaces the whole playlist (that is why it is lossy)")
}

func TestEnqueueMPD(t *testing.T) {
	dir := t.TempDir()
	files := tones(t, dir, 1.5, "first.ogg", "second.ogg")
	bus := testenv.StartBus(t)
	srv := testenv.StartMPD(t, bus, dir)
	c := client(t, bus)
	testenv.WaitFor(t, wait, func() bool { _, ok := c.Player("mpd"); return ok }, "mpd on the bus")
	st, _ := c.Player("mpd")
	cfg := player.Config{MPDAddr: map[string]string{"mpd": srv.Addr}, MPDMusicDir: map[string]string{"mpd": dir}}
	e := player.Choose(c, st, cfg, zerolog.Nop())
	require.Equal(t, player.MechMPD, e.Mechanism())
	t.Cleanup(func() { _ = e.(player.Closer).Close() })

	m := mpd.New(srv.Addr, mpd.Options{Timeout: 10 * time.Second})
	t.Cleanup(func() { _ = m.Close() })
	ctx := context.Background()
	current := func() string { s, _, _ := m.CurrentSong(ctx); return s.File }

	require.NoError(t, e.PlayNow(ctx, "file://"+files[0]))
	testenv.WaitFor(t, wait, func() bool { return current() == "first.ogg" }, "first plays")
	before, err := m.Status(ctx)
	require.NoError(t, err)
	require.NoError(t, e.Enqueue(ctx, "file://"+files[1]))
	after, err := m.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, before.PlaylistLength+1, after.PlaylistLength, "enqueue grows the queue")
	assert.Equal(t, before.SongID, after.SongID, "enqueue does not interrupt the current song")
	testenv.WaitFor(t, wait, func() bool { return current() == "second.ogg" }, "second plays when the first ends")
	testenv.WaitFor(t, wait, func() bool {
		p, _ := c.Player("mpd")
		return strings.HasSuffix(p.Track.URL, "/second.ogg")
	}, "MPRIS (mpDris2) reports the enqueued track")

	err = e.Enqueue(ctx, "file:///elsewhere/x.ogg")
	require.Error(t, err, "files outside MPD's music directory cannot be queued")
	err = e.Enqueue(ctx, "file://"+filepath.Join(dir, "not-scanned.ogg"))
	require.Error(t, err, "files MPD does not know are refused")
}

func BenchmarkEnqueueMPV(b *testing.B) {
	files := tones(b, b.TempDir(), 60, "a.ogg")
	bus := testenv.StartBus(b)
	mpv := testenv.StartMPV(b, bus, testenv.MPVOptions{})
	e := player.NewMPV(mpv.Socket)
	b.Cleanup(func() { _ = e.Close() })
	ctx := context.Background()
	require.NoError(b, e.PlayNow(ctx, files[0]))
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Enqueue(ctx, "file://"+files[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnqueueMPD(b *testing.B) {
	dir := b.TempDir()
	files := tones(b, dir, 60, "a.ogg")
	srv := testenv.StartMPD(b, nil, dir)
	e := player.NewMPD(srv.Addr, dir)
	b.Cleanup(func() { _ = e.Close() })
	ctx := context.Background()
	require.NoError(b, e.PlayNow(ctx, "file://"+files[0]))
	m := mpd.New(srv.Addr, mpd.Options{})
	b.Cleanup(func() { _ = m.Close() })
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n++; n%10_000 == 0 { // stay below MPD's max_playlist_length (16384)
			b.StopTimer()
			require.NoError(b, m.Clear(ctx))
			b.StartTimer()
		}
		if err := e.Enqueue(ctx, "file://"+files[0]); err != nil {
			b.Fatal(err)
		}
	}
}
