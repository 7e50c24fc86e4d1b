package mpris

import (
	"math"
	"strings"
	"time"
)

// Well-known parts of the MPRIS2 spec.
const (
	// NamePrefix starts every MPRIS player's well-known bus name.
	NamePrefix = "org.mpris.MediaPlayer2."
	// Playerctld is playerctl's proxy that re-exports the "active" player;
	// following it as well would count every player twice.
	Playerctld = "org.mpris.MediaPlayer2.playerctld"

	objectPath     = "/org/mpris/MediaPlayer2"
	ifaceRoot      = "org.mpris.MediaPlayer2"
	ifacePlayer    = "org.mpris.MediaPlayer2.Player"
	ifaceTrackList = "org.mpris.MediaPlayer2.TrackList"
	ifaceProps     = "org.freedesktop.DBus.Properties"
)

// Playback statuses as MPRIS sends them.
const (
	StatusPlaying = "Playing"
	StatusPaused  = "Paused"
	StatusStopped = "Stopped"
)

// PlayerState is what the client knows about one player. Values are copies:
// holding one never races with the client.
type PlayerState struct {
	Name     string // well-known name, e.g. org.mpris.MediaPlayer2.mpv
	Owner    string // unique name that owns it, e.g. :1.42; signals come from here
	Identity string // the player's own name for itself, e.g. "mpv Media Player"
	Status   string // Playing, Paused, Stopped, or "" before the player said
	Track    TrackMeta
	// Position is the playback position at PositionAt; use PositionNow.
	Position   time.Duration
	PositionAt time.Time
	Rate       float64

	HasTrackList  bool
	CanEditTracks bool
	CanGoNext     bool
	CanControl    bool

	// LastActive is when the player appeared or last changed track or
	// status; Choose uses it to break ties.
	LastActive time.Time
}

// Short returns the name without the org.mpris.MediaPlayer2. prefix, e.g.
// "mpv" or "vlc.instance1234".
func (p PlayerState) Short() string { return ShortName(p.Name) }

// ShortName strips the org.mpris.MediaPlayer2. prefix from a bus name.
func ShortName(name string) string { return strings.TrimPrefix(name, NamePrefix) }

// FullName adds the org.mpris.MediaPlayer2. prefix to a short player name;
// a name that already has it is returned unchanged.
func FullName(name string) string {
	if strings.HasPrefix(name, NamePrefix) {
		return name
	}
	return NamePrefix + name
}

// PositionNow extrapolates the playback position to now. MPRIS never signals
// Position, so the client keeps the last value it read (or got from Seeked)
// and the time it did; while playing, position advances at Rate. The result
// is clamped to [0, Length] when the length is known.
func (p PlayerState) PositionNow(now time.Time) time.Duration {
	pos := p.Position
	if p.Status == StatusPlaying && !p.PositionAt.IsZero() && now.After(p.PositionAt) {
		rate := p.Rate
		// The spec forbids a zero rate; treat nonsense as normal speed.
		if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
			rate = 1
		}
		// Clamp before converting: a hostile Rate must not overflow.
		pos += time.Duration(min(float64(now.Sub(p.PositionAt))*rate, float64(24*time.Hour)))
	}
	if pos < 0 {
		pos = 0
	}
	if p.Track.Length > 0 && pos > p.Track.Length {
		pos = p.Track.Length
	}
	return pos
}

// isPlayerName reports whether a bus name is an MPRIS player the client
// should follow (including .instanceN suffixes, excluding playerctld).
func isPlayerName(name string) bool {
	if !strings.HasPrefix(name, NamePrefix) || len(name) == len(NamePrefix) {
		return false
	}
	return name != Playerctld && !strings.HasPrefix(name, Playerctld+".")
}

// statusRank orders players for Choose. A player that says Playing with no
// track (idle mpv-mpris does) ranks as stopped.
func statusRank(p PlayerState) int {
	switch p.Status {
	case StatusPlaying:
		if p.Track.Empty() {
			return 2
		}
		return 0
	case StatusPaused:
		return 1
	}
	return 2
}

// prefRank returns the index of the player in the preference list (short
// names; "vlc" also matches "vlc.instance1234"), or len(preferred).
func prefRank(short string, preferred []string) int {
	for i, p := range preferred {
		p = ShortName(strings.TrimSpace(p))
		if p != "" && (short == p || strings.HasPrefix(short, p+".")) {
			return i
		}
	}
	return len(preferred)
}

// Choose picks the player Continuo should follow: playing beats paused beats
// stopped (a "Playing" player without a track counts as stopped); among equals the configured preference order (short names,
// without the org.mpris.MediaPlayer2. prefix) wins, then the most recently
// active, then the name (so the choice is deterministic).
func Choose(players []PlayerState, preferred []string) (PlayerState, bool) {
	if len(players) == 0 {
		return PlayerState{}, false
	}
	best := players[0]
	for _, p := range players[1:] {
		if better(p, best, preferred) {
			best = p
		}
	}
	return best, true
}

func better(a, b PlayerState, preferred []string) bool {
	if ra, rb := statusRank(a), statusRank(b); ra != rb {
		return ra < rb
	}
	if pa, pb := prefRank(a.Short(), preferred), prefRank(b.Short(), preferred); pa != pb {
		return pa < pb
	}
	if !a.LastActive.Equal(b.LastActive) {
		return a.LastActive.After(b.LastActive)
	}
	return a.Name < b.Name
}
