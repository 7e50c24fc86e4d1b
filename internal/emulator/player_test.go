package emulator

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func newTestPlayer(t *testing.T, opts Options) (*Player, *ManualClock) {
	t.Helper()
	clock := NewManualClock(epoch)
	opts.Clock = clock
	if opts.Library == nil {
		opts.Library = testLibrary()
	}
	p := NewPlayer(opts)
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	return p, clock
}

func uris(tracks []Track) []string {
	out := make([]string, len(tracks))
	for i, t := range tracks {
		out[i] = t.URI
	}
	return out
}

func outcomes(plays []Play) []string {
	out := make([]string, len(plays))
	for i, p := range plays {
		out[i] = p.Track.Meta.Title[:min(4, len(p.Track.Meta.Title))] + ":" + string(p.Outcome)
	}
	return out
}

func TestManualClock(t *testing.T) {
	c := NewManualClock(epoch)
	var fired []time.Duration
	c.AfterFunc(3*time.Second, func() { fired = append(fired, c.Now().Sub(epoch)) })
	c.AfterFunc(time.Second, func() {
		fired = append(fired, c.Now().Sub(epoch))
		// A timer set from a callback fires within the same Advance.
		c.AfterFunc(time.Second, func() { fired = append(fired, c.Now().Sub(epoch)) })
	})
	stopped := c.AfterFunc(2500*time.Millisecond, func() { t.Error("stopped timer fired") })
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "second Stop reports nothing to stop")

	c.Advance(500 * time.Millisecond)
	assert.Empty(t, fired)
	require.NoError(t, c.Sleep(context.Background(), 10*time.Second))
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, fired)
	assert.Equal(t, 10500*time.Millisecond, c.Now().Sub(epoch))
	assert.Zero(t, c.Pending())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Sleep(ctx, time.Hour), context.Canceled)
}

func TestScaledClock(t *testing.T) {
	c := NewScaledClock(0)
	assert.Equal(t, float64(DefaultSpeed), c.Speed())
	assert.Equal(t, 2*time.Second, c.Real(4*time.Minute))
	// Virtual time runs ahead of real time; a timer of one virtual hour
	// fires after 30 real seconds at most (the wait is bounded, not timed).
	fast := NewScaledClock(3600 * 1000)
	start := fast.Now()
	done := make(chan struct{})
	fast.AfterFunc(time.Hour, func() { close(done) })
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("scaled timer did not fire")
	}
	require.NoError(t, fast.Sleep(context.Background(), time.Hour))
	assert.GreaterOrEqual(t, fast.Now().Sub(start), 2*time.Hour)
}

// TestScaledClockSetSpeed: a speed change keeps virtual time continuous
// and applies to what is pending: a timer and a Sleep that would take an
// hour at speed 1 end at once at a high speed (the waits are bounded, not
// timed); a stopped timer stays stopped.
func TestScaledClockSetSpeed(t *testing.T) {
	c := NewScaledClock(1)
	fired := make(chan struct{})
	c.AfterFunc(time.Hour, func() { close(fired) })
	stopped := c.AfterFunc(time.Hour, func() { t.Error("a stopped timer ran") })
	slept := make(chan error, 1)
	go func() { slept <- c.Sleep(context.Background(), time.Hour) }()
	require.True(t, stopped.Stop())

	before := c.Now()
	c.SetSpeed(3600 * 1000)
	assert.False(t, c.Now().Before(before), "virtual time never goes back")
	assert.Equal(t, 3600*1000.0, c.Speed())
	select {
	case <-fired:
	case <-time.After(30 * time.Second):
		t.Fatal("the timer did not follow the new speed")
	}
	select {
	case err := <-slept:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the Sleep did not follow the new speed")
	}
	assert.False(t, stopped.Stop())
}

func TestPlayerTrackEnds(t *testing.T) {
	p, clock := newTestPlayer(t, Options{})
	_, err := p.OpenURI("emu:///swan") // 3 min
	require.NoError(t, err)
	_, err = p.AddTrack("emu:///mozart", p.Tracks()[0].ID, false) // 4 min
	require.NoError(t, err)
	_, err = p.AddTrack("emu:///unknown", p.Tracks()[1].ID, false) // default 3 min
	require.NoError(t, err)
	assert.Equal(t, StatusPlaying, p.Status())

	clock.Advance(2 * time.Minute)
	assert.Equal(t, 2*time.Minute, p.Position())
	clock.Advance(90 * time.Second) // past the end of the first track
	cur, _ := p.Current()
	assert.Equal(t, "emu:///mozart", cur.URI)
	assert.Equal(t, 30*time.Second, p.Position(), "the next track started when the first ended")

	clock.Advance(time.Hour) // both remaining tracks end; the list is done
	assert.Equal(t, StatusStopped, p.Status())
	assert.Zero(t, p.Position())
	cur, _ = p.Current()
	assert.Equal(t, "emu:///unknown", cur.URI, "the last track stays current")
	assert.Equal(t, "emu:///unknown", cur.Meta.Title, "unknown URIs play with the URI as title")
	assert.True(t, math.IsNaN(cur.Meta.Valence))

	plays := p.Plays()
	require.Len(t, plays, 3)
	for i, want := range []time.Duration{3 * time.Minute, 4 * time.Minute, DefaultLength} {
		assert.Equal(t, music.OutcomeCompleted, plays[i].Outcome)
		assert.Equal(t, want, plays[i].Position)
		assert.Equal(t, want, plays[i].Ended.Sub(plays[i].Started))
	}
	assert.Zero(t, clock.Pending(), "no timer left behind")

	p.Play() // Play after the end restarts the current track
	assert.Equal(t, StatusPlaying, p.Status())
	assert.Len(t, p.Plays(), 4)
}

func TestPlayerControls(t *testing.T) {
	p, clock := newTestPlayer(t, Options{})
	p.Play()
	p.Next()
	assert.Equal(t, StatusStopped, p.Status(), "controls on an empty player do nothing")

	a, err := p.AddTrack("emu:///swan", NoTrack, false)
	require.NoError(t, err)
	cur, ok := p.Current()
	require.True(t, ok, "the first track added becomes current")
	assert.Equal(t, a, cur.ID)
	assert.Equal(t, StatusStopped, p.Status())
	b, err := p.AddTrack("emu:///mozart", a, false)
	require.NoError(t, err)
	c, err := p.AddTrack("file:///media/music/rap.ogg", NoTrack, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"file:///media/music/rap.ogg", "emu:///swan", "emu:///mozart"}, uris(p.Tracks()))

	p.PlayPause()
	assert.Equal(t, StatusPlaying, p.Status())
	clock.Advance(10 * time.Second)
	p.PlayPause()
	assert.Equal(t, StatusPaused, p.Status())
	clock.Advance(time.Hour)
	assert.Equal(t, 10*time.Second, p.Position(), "paused time does not count")
	p.Play()

	p.Seek(-time.Minute)
	assert.Zero(t, p.Position(), "seeking before the start goes to 0")
	p.Seek(50 * time.Second)
	assert.Equal(t, 50*time.Second, p.Position())
	p.SetPosition(b, time.Second)
	assert.Equal(t, 50*time.Second, p.Position(), "SetPosition for another track is ignored")
	p.SetPosition(a, -time.Second)
	p.SetPosition(a, time.Hour)
	assert.Equal(t, 50*time.Second, p.Position(), "SetPosition outside the track is ignored")

	p.GoTo("/no/such/track")
	p.GoTo(c)
	cur, _ = p.Current()
	assert.Equal(t, c, cur.ID)
	assert.Equal(t, StatusPlaying, p.Status())
	p.Previous()
	assert.Equal(t, StatusStopped, p.Status(), "Previous on the first track stops")
	p.Play()
	p.Seek(time.Hour) // beyond the end: acts as Next
	cur, _ = p.Current()
	assert.Equal(t, a, cur.ID)

	p.Next()
	p.Next() // at the end: stop
	assert.Equal(t, StatusStopped, p.Status())
	cur, _ = p.Current()
	assert.Equal(t, b, cur.ID)

	assert.Equal(t, []string{"Swan:skipped", "Char:skipped", "Char:skipped", "Swan:skipped", "Eine:skipped"}, outcomes(p.Plays()))
}

func TestPlayerOpenURIKeepsQueue(t *testing.T) {
	p, _ := newTestPlayer(t, Options{})
	first, err := p.OpenURI("emu:///swan")
	require.NoError(t, err)
	_, err = p.AddTrack("emu:///mozart", first, false)
	require.NoError(t, err)
	p.Pause()

	opened, err := p.OpenURI("file:///media/music/rap.ogg")
	require.NoError(t, err)
	assert.Equal(t, []string{"emu:///swan", "file:///media/music/rap.ogg", "emu:///mozart"}, uris(p.Tracks()))
	cur, _ := p.Current()
	assert.Equal(t, opened, cur.ID)
	assert.Equal(t, StatusPlaying, p.Status(), "OpenUri plays, even when paused")
	assert.NotEqual(t, first, opened, "track ids are never reused")

	for _, bad := range []string{"http://example.com/x.mp3", "no scheme", "emu:///%zz", string(make([]byte, maxURILen+1))} {
		_, err := p.OpenURI(bad)
		assert.Equal(t, music.KindInvalid, music.KindOf(err), "%q", bad[:min(len(bad), 30)])
	}
	_, err = p.AddTrack("emu:///x", "/not/in/list", false)
	assert.Equal(t, music.KindNotFound, music.KindOf(err))
	assert.Len(t, p.Tracks(), 3, "failed calls change nothing")
}

func TestPlayerRemoveTrack(t *testing.T) {
	p, clock := newTestPlayer(t, Options{})
	a, _ := p.OpenURI("emu:///swan")
	b, _ := p.AddTrack("emu:///mozart", a, false)
	c, _ := p.AddTrack("emu:///x", b, false)
	clock.Advance(time.Minute)

	p.RemoveTrack("/unknown") // ignored
	p.RemoveTrack(a)          // the current track: the next takes over, still playing
	cur, _ := p.Current()
	assert.Equal(t, b, cur.ID)
	assert.Equal(t, StatusPlaying, p.Status())
	assert.Zero(t, p.Position())

	p.RemoveTrack(c) // after the current one
	p.RemoveTrack(b) // the last and current: stop
	assert.Equal(t, StatusStopped, p.Status())
	_, ok := p.Current()
	assert.False(t, ok)
	assert.Empty(t, p.Tracks())
	assert.Equal(t, []string{"Swan:skipped", "Eine:skipped"}, outcomes(p.Plays()))
	assert.Zero(t, clock.Pending())
}

func TestPlayerMaxTracks(t *testing.T) {
	p, clock := newTestPlayer(t, Options{MaxTracks: 3})
	last, err := p.OpenURI("emu:///1")
	require.NoError(t, err)
	for i := 2; i <= 3; i++ {
		last, err = p.AddTrack(EmuURI(string(rune('0'+i))), last, false)
		require.NoError(t, err)
	}
	_, err = p.AddTrack("emu:///4", last, false)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err), "full, and nothing played to drop")

	clock.Advance(DefaultLength) // track 1 played: it may go
	_, err = p.AddTrack("emu:///4", last, false)
	require.NoError(t, err)
	assert.Equal(t, []string{"emu:///2", "emu:///3", "emu:///4"}, uris(p.Tracks()))
	cur, _ := p.Current()
	assert.Equal(t, "emu:///2", cur.URI)
}

func TestPlayerChanged(t *testing.T) {
	p, _ := newTestPlayer(t, Options{})
	ch := p.Changed()
	select {
	case <-ch:
		t.Fatal("changed before any change")
	default:
	}
	_, err := p.OpenURI("emu:///swan")
	require.NoError(t, err)
	select {
	case <-ch:
	default:
		t.Fatal("OpenURI did not signal a change")
	}
}

func TestParseEmuURI(t *testing.T) {
	for in, want := range map[string]string{"emu:///abc": "abc", "emu://host/x/y": "y", "emu:abc": "abc", "emu:///": "", "file:///abc": ""} {
		got, ok := ParseEmuURI(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
	assert.Equal(t, "emu:///x", EmuURI("x"))
}

func TestPlayerGoToAndSetCurrentPlay(t *testing.T) {
	p, _ := newTestPlayer(t, Options{})
	a, err := p.AddTrack("emu:///swan", NoTrack, false)
	require.NoError(t, err)
	assert.Equal(t, StatusStopped, p.Status(), "adding to an empty list does not play")
	b, err := p.AddTrack("emu:///mozart", a, true)
	require.NoError(t, err)
	cur, _ := p.Current()
	assert.Equal(t, b, cur.ID)
	assert.Equal(t, StatusPlaying, p.Status(), "SetAsCurrent plays the new track")
	p.Stop()
	p.GoTo(a)
	cur, _ = p.Current()
	assert.Equal(t, a, cur.ID)
	assert.Equal(t, StatusPlaying, p.Status(), "GoTo plays")
}

func TestPlayerRate(t *testing.T) {
	assert.Equal(t, 1.0, NewPlayer(Options{Clock: NewManualClock(epoch)}).Rate())
	assert.Equal(t, 120.0, NewPlayer(Options{Clock: NewScaledClock(120)}).Rate())
}
