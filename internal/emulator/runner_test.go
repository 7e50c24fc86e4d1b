package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/emulator/emutest"
	"github.com/continuo/continuo/internal/testenv"
)

var drivePlaylist = []emutest.Track{
	{ID: "swan", Title: "Swan Lake, Op. 20: Scene", Artists: []string{"Tchaikovsky"}, Genres: []string{"classical"},
		Family: "classical", Reason: "you asked for it", Valence: 0.2, Energy: 0.3},
	{ID: "nutcracker", Title: "Waltz of the Flowers", Artists: []string{"Tchaikovsky"}, Genres: []string{"classical"},
		Family: "classical", Reason: "same composer", Valence: 0.5, Energy: 0.4},
	{ID: "mozart", Title: "Eine kleine Nachtmusik", Artists: []string{"Mozart"}, Genres: []string{"classical"},
		Family: "classical", Reason: "classical, calm", Valence: 0.7, Energy: 0.4},
	{ID: "rap", Title: "Chart Rap Hit", Artists: []string{"MC Test"}, Genres: []string{"rap"},
		Family: "hip hop", Reason: "you might like it", Valence: 0.6, Energy: 0.9},
}

// drive sets up a private bus with the emulator (manual clock) and the fake
// daemon, and runs script.
func drive(t *testing.T, script string, opts func(*emulator.RunOptions)) (*emulator.Result, *emutest.Daemon, *emulator.Player, error) {
	t.Helper()
	return driveWith(t, emutest.Config{Tracks: drivePlaylist}, script, opts)
}

func driveWith(t *testing.T, cfg emutest.Config, script string, opts func(*emulator.RunOptions)) (*emulator.Result, *emutest.Daemon, *emulator.Player, error) {
	t.Helper()
	bus := testenv.StartBus(t)
	clock := emulator.NewManualClock(time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC))
	// Lengths come from the library; valence/energy from the daemon.
	lib := map[string]emulator.Meta{}
	for i, tr := range drivePlaylist {
		lib[tr.URI()] = emulator.Meta{ID: tr.ID, Title: tr.Title, Artists: tr.Artists, Genres: tr.Genres,
			Length: time.Duration(2+i) * time.Minute}
	}
	p := emulator.NewPlayer(emulator.Options{Clock: clock, Library: emulator.MapLibrary(lib)})
	conn := bus.Conn(t)
	require.NoError(t, p.Export(conn))
	t.Cleanup(func() {
		assert.NoError(t, p.Unexport(conn))
		assert.NoError(t, p.Close())
	})
	d := emutest.Start(t, bus.Address, cfg)

	s, err := emulator.ParseScript("test.drive", strings.NewReader(script))
	require.NoError(t, err)
	ro := emulator.RunOptions{Conn: conn, Player: p, WaitTimeout: 15 * time.Second}
	if opts != nil {
		opts(&ro)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := emulator.Run(ctx, s, ro)
	return res, d, p, err
}

func TestRunDrive(t *testing.T) {
	res, d, _, err := drive(t, `
profile anna
mood calm
kids on
ask "scene swan lake"
expect family classical
listen 1
skip after 12s
like
expect family classical
wait 30s
dislike
listen 2
`, nil)
	require.NoError(t, err)
	assert.False(t, res.Failed())

	assert.Equal(t, []string{"scene swan lake"}, d.Queries())
	assert.Equal(t, "anna", d.Prop("ActiveProfile"))
	assert.Equal(t, "calm", d.Prop("Mood"))
	assert.Equal(t, false, d.Prop("ExplicitAllowed"))
	// like goes to the track after the skipped one, dislike to the one
	// playing 30 s later (still the same: it is 4 minutes long).
	assert.Equal(t, []emutest.Feedback{{ID: "mozart", Kind: "like"}, {ID: "mozart", Kind: "dislike"}}, d.Feedback())

	require.Len(t, res.Tracks, 4)
	want := []struct {
		title, outcome, family, reason string
		pos                            time.Duration
	}{
		{"Swan Lake, Op. 20: Scene", "completed", "classical", "you asked for it", 2 * time.Minute},
		{"Waltz of the Flowers", "skipped", "classical", "same composer", 12 * time.Second},
		{"Eine kleine Nachtmusik", "completed", "classical", "classical, calm", 4 * time.Minute},
		{"Chart Rap Hit", "completed", "hip hop", "you might like it", 5 * time.Minute},
	}
	for i, w := range want {
		e := res.Tracks[i]
		assert.Equal(t, i+1, e.Index)
		assert.Equal(t, w.title, e.Title, "track %d", i+1)
		assert.Equal(t, w.outcome, string(e.Outcome), "track %d", i+1)
		assert.Equal(t, w.family, e.Family, "track %d", i+1)
		assert.Equal(t, w.reason, e.Reason, "track %d", i+1)
		assert.Equal(t, w.pos, e.Position, "track %d", i+1)
	}
	assert.InDelta(t, 0.6, res.Tracks[3].Valence, 1e-9)
	assert.InDelta(t, 0.9, res.Tracks[3].Energy, 1e-9)

	var human bytes.Buffer
	require.NoError(t, emulator.WriteTranscript(&human, res, false))
	assert.Contains(t, human.String(), "skipped at 0:12")
	assert.Contains(t, human.String(), "line 6: expect family \"classical\": ok")

	var js bytes.Buffer
	require.NoError(t, emulator.WriteTranscript(&js, res, true))
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	require.Len(t, lines, 4+2)
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "track", first["event"])
	assert.Equal(t, "swan", first["id"])
	assert.InDelta(t, 0.2, first["valence"], 1e-9)
}

// continuod's TrackList mechanism starts a track with AddTrack(uri,
// current, SetAsCurrent=true); on a stopped emulator that must play.
func TestRunPlayWithAddTrack(t *testing.T) {
	res, _, p, err := driveWith(t, emutest.Config{Tracks: drivePlaylist, PlayWithAddTrack: true},
		"ask \"swan\"\nexpect family classical\nlisten 2\n", nil)
	require.NoError(t, err)
	assert.False(t, res.Failed())
	require.Len(t, res.Tracks, 3)
	assert.Equal(t, "Swan Lake, Op. 20: Scene", res.Tracks[0].Title)
	assert.Equal(t, "completed", string(res.Tracks[1].Outcome))
	assert.Equal(t, emulator.StatusPlaying, p.Status())
}

func TestRunExpectationFails(t *testing.T) {
	res, _, _, err := drive(t, "ask \"swan\"\nlisten 3\nexpect family classical\n", nil)
	require.NoError(t, err)
	require.True(t, res.Failed())
	require.Len(t, res.Checks, 1)
	assert.Equal(t, 3, res.Checks[0].Line)
	assert.Equal(t, "hip hop", res.Checks[0].Got)
}

func TestRunQueueRunsDry(t *testing.T) {
	res, _, p, err := drive(t, "ask \"swan\"\nlisten 5\n", func(o *emulator.RunOptions) {
		o.WaitTimeout = 500 * time.Millisecond // nothing will come: fail fast
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test.drive:2: listen")
	assert.Contains(t, err.Error(), "queue ran dry")
	assert.Equal(t, emulator.StatusStopped, p.Status())
	require.NotNil(t, res)
	assert.Len(t, res.Tracks, 4, "the transcript still lists what played")
}

func TestRunDaemonMissing(t *testing.T) {
	bus := testenv.StartBus(t)
	p := emulator.NewPlayer(emulator.Options{Clock: emulator.NewManualClock(time.Unix(0, 0))})
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	conn := bus.Conn(t)
	s, err := emulator.ParseScript("x.drive", strings.NewReader("mood lively\n"))
	require.NoError(t, err)
	_, err = emulator.Run(context.Background(), s, emulator.RunOptions{Conn: conn, Player: p})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.drive:1: mood")
	var de dbus.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "org.freedesktop.DBus.Error.ServiceUnknown", de.Name)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = emulator.WaitForName(ctx, conn, emulator.ServiceName)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not appear")
}

func TestWaitForName(t *testing.T) {
	bus := testenv.StartBus(t)
	conn := bus.Conn(t)
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		errc <- emulator.WaitForName(ctx, conn, emulator.ServiceName)
	}()
	emutest.Start(t, bus.Address, emutest.Config{Tracks: drivePlaylist})
	require.NoError(t, <-errc)
}

// TestAskWaitsUntilFollowed: a daemon that owns its name but follows
// another player is not ready for ask; the error says which player it
// follows.
func TestAskWaitsUntilFollowed(t *testing.T) {
	cfg := emutest.Config{Tracks: drivePlaylist, ActivePlayer: "org.mpris.MediaPlayer2.mpv"}
	_, d, _, err := driveWith(t, cfg, "ask \"scene swan lake\"\n", func(o *emulator.RunOptions) { o.WaitTimeout = time.Second })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "test.drive:1: ask: the daemon does not follow org.mpris.MediaPlayer2.continuo_emu (it follows org.mpris.MediaPlayer2.mpv)")
	assert.Empty(t, d.Queries(), "Play was not called")
}

// TestTranscriptStreams: OnEvent sees each step, track and expectation as
// it happens, in drive order, and the streamed transcript fits 120 columns.
func TestTranscriptStreams(t *testing.T) {
	var events []emulator.Event
	var human bytes.Buffer
	tr := emulator.NewTranscript(&human, "test.drive", false)
	res, _, _, err := drive(t, "mood calm\nask \"scene swan lake\"\nlisten 1\nskip after 12s\nlike\nexpect family classical\ndislike\n",
		func(o *emulator.RunOptions) {
			o.OnEvent = func(ev emulator.Event) { events = append(events, ev); tr.Event(ev) }
		})
	require.NoError(t, err)
	require.NoError(t, tr.Err())
	var order []string
	for _, ev := range events {
		switch {
		case ev.Step != nil:
			order = append(order, ev.Step.Op.String())
		case ev.Track != nil:
			order = append(order, "track "+ev.Track.ID)
		case ev.Check != nil:
			order = append(order, "expect")
		}
	}
	assert.Equal(t, []string{"mood", "ask", "track swan", "listen", "track nutcracker", "skip", "like", "expect", "dislike", "track mozart"}, order)
	assert.Len(t, res.Steps, 6)
	assert.Equal(t, 3, res.Steps[4].Track, "like happened during the third track")
	for _, line := range strings.Split(strings.TrimSpace(human.String()), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, "%q", line)
	}
	assert.Contains(t, human.String(), "> like  (line 5")
}
