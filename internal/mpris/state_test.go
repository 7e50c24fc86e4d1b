package mpris

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChoose(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := func(short, status string, active time.Duration) PlayerState {
		return PlayerState{Name: NamePrefix + short, Status: status, LastActive: t0.Add(active), Track: TrackMeta{TrackID: "/t/" + short}}
	}
	tests := []struct {
		name      string
		players   []PlayerState
		preferred []string
		want      string
	}{
		{"playing beats paused", []PlayerState{p("a", StatusPaused, 2), p("b", StatusPlaying, 1)}, nil, "b"},
		{"paused beats stopped", []PlayerState{p("a", StatusStopped, 2), p("b", StatusPaused, 1)}, nil, "b"},
		{"paused beats unknown", []PlayerState{p("a", "", 2), p("b", StatusPaused, 1)}, nil, "b"},
		{"preference among equals", []PlayerState{p("mpv", StatusPlaying, 2), p("mpd", StatusPlaying, 1)}, []string{"mpd", "mpv"}, "mpd"},
		{"preference does not beat status", []PlayerState{p("mpv", StatusPlaying, 1), p("mpd", StatusPaused, 2)}, []string{"mpd"}, "mpv"},
		{"preference matches instance suffix", []PlayerState{p("mpv", StatusPaused, 2), p("vlc.instance42", StatusPaused, 1)}, []string{"vlc"}, "vlc.instance42"},
		{"preference with full name", []PlayerState{p("mpv", StatusPaused, 2), p("mpd", StatusPaused, 1)}, []string{NamePrefix + "mpd"}, "mpd"},
		{"listed beats unlisted", []PlayerState{p("x", StatusPaused, 9), p("mpd", StatusPaused, 1)}, []string{"mpd"}, "mpd"},
		{"playing without a track is stopped", []PlayerState{
			{Name: NamePrefix + "mpv", Status: StatusPlaying, LastActive: t0.Add(5)}, p("mpd", StatusPaused, 1)}, nil, "mpd"},
		{"most recently active", []PlayerState{p("a", StatusPaused, 1), p("b", StatusPaused, 3), p("c", StatusPaused, 2)}, nil, "b"},
		{"name breaks full tie", []PlayerState{p("b", StatusPaused, 1), p("a", StatusPaused, 1)}, nil, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Choose(tt.players, tt.preferred)
			require.True(t, ok)
			assert.Equal(t, tt.want, got.Short())
		})
	}
	_, ok := Choose(nil, nil)
	assert.False(t, ok, "no players, no choice")
}

func TestPositionNow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	base := PlayerState{Position: 10 * time.Second, PositionAt: t0, Rate: 1, Track: TrackMeta{Length: time.Minute}}
	with := func(f func(*PlayerState)) PlayerState { p := base; f(&p); return p }
	tests := []struct {
		name string
		p    PlayerState
		at   time.Duration
		want time.Duration
	}{
		{"playing advances", with(func(p *PlayerState) { p.Status = StatusPlaying }), 5 * time.Second, 15 * time.Second},
		{"paused stays", with(func(p *PlayerState) { p.Status = StatusPaused }), 5 * time.Second, 10 * time.Second},
		{"rate 2", with(func(p *PlayerState) { p.Status = StatusPlaying; p.Rate = 2 }), 5 * time.Second, 20 * time.Second},
		{"zero rate means 1", with(func(p *PlayerState) { p.Status = StatusPlaying; p.Rate = 0 }), 5 * time.Second, 15 * time.Second},
		{"clamped to length", with(func(p *PlayerState) { p.Status = StatusPlaying }), time.Hour, time.Minute},
		{"clock behind", with(func(p *PlayerState) { p.Status = StatusPlaying }), -5 * time.Second, 10 * time.Second},
		{"unknown length not clamped", with(func(p *PlayerState) { p.Status = StatusPlaying; p.Track.Length = 0 }), time.Hour, time.Hour + 10*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.PositionNow(t0.Add(tt.at)))
		})
	}
}

func TestIsPlayerName(t *testing.T) {
	for name, want := range map[string]bool{
		"org.mpris.MediaPlayer2.mpv":              true,
		"org.mpris.MediaPlayer2.vlc.instance1234": true,
		"org.mpris.MediaPlayer2.playerctld":       false,
		"org.mpris.MediaPlayer2.":                 false,
		"org.mpris.MediaPlayer2":                  false,
		"org.continuo.Recommender1":               false,
		":1.42":                                   false,
	} {
		assert.Equal(t, want, isPlayerName(name), name)
	}
}
