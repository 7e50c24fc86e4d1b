// Package music holds Continuo's domain types: tracks and their audio
// features, listening events, a driver's long-term taste, and the error kinds
// that every other package returns and that the D-Bus edge translates.
//
// It imports only the standard library; every other internal package may
// import it, and it imports none of them.
package music

import (
	"math"
	"time"
)

// TrackID identifies a catalog track. For tracks from the Spotify-derived
// datasets it is the Spotify track id, so results can be checked against the
// data; otherwise it is a deterministic id derived from artist and title.
type TrackID string

// Unknown marks a missing float feature. Use IsKnown to test for it.
var Unknown = float32(math.NaN())

// IsKnown reports whether a float feature is present.
func IsKnown(v float32) bool { return !math.IsNaN(float64(v)) }

// Features are the Spotify audio-features of a track. Unit features lie in
// 0..1; a NaN value means the source did not have it.
type Features struct {
	Danceability     float32
	Energy           float32
	Valence          float32
	Acousticness     float32
	Instrumentalness float32
	Speechiness      float32
	Liveness         float32
	Loudness         float32 // dB, -60..+5
	Tempo            float32 // BPM; 0 in the data means "no beat found" and is stored as NaN
	Key              int8    // pitch class 0..11 (0 = C); -1 unknown
	Mode             int8    // 1 major, 0 minor; -1 unknown
}

// UnknownFeatures returns a Features value with every field missing.
func UnknownFeatures() Features {
	u := Unknown
	return Features{u, u, u, u, u, u, u, u, u, -1, -1}
}

// Explicit is a tri-state: most of the public data does not say.
type Explicit int8

const (
	ExplicitUnknown Explicit = iota
	ExplicitNo
	ExplicitYes
)

// Track is one catalog entry. The same recording listed under several genre
// labels is one Track with several Genres.
type Track struct {
	ID         TrackID
	Title      string
	Artists    []string // credited artists, first is primary
	Album      string   // may be empty
	DurationMS int64    // 0 when unknown
	Genres     []string // the track's own labels, e.g. "classical", "romantic classical"
	Tags       []string // its artists' genre tags, e.g. "late romantic era"
	Features   Features
	Popularity int8 // 0..100; -1 unknown
	Explicit   Explicit
	URI        string // playable URI, optional; never queue a track without one
}

// PrimaryArtist returns the first credited artist, or "".
func (t *Track) PrimaryArtist() string {
	if len(t.Artists) == 0 {
		return ""
	}
	return t.Artists[0]
}

// Outcome is how a play ended.
type Outcome string

const (
	OutcomeCompleted Outcome = "completed"
	OutcomeSkipped   Outcome = "skipped"
	OutcomeStopped   Outcome = "stopped"
	OutcomePlaying   Outcome = "playing" // not ended yet; never stored
)

// PlayEvent is one play of a track, as stored in history.
type PlayEvent struct {
	ID      int64  // assigned by the store
	Profile string // driver profile
	Session int64  // drive id; 0 when none
	// TrackID is the catalog id; empty when the player's track is not in the
	// catalog, in which case Title/Artist/Genres/URL say what it was.
	TrackID    TrackID
	Title      string
	Artist     string
	Genres     []string
	URL        string
	Player     string // MPRIS bus name suffix, e.g. "mpv"
	StartedAt  time.Time
	PositionMS int64 // how far it got
	DurationMS int64
	Outcome    Outcome
	Queued     bool // Continuo queued it
}

// FeedbackKind is an explicit judgement of the driver.
type FeedbackKind string

const (
	Like    FeedbackKind = "like"
	Dislike FeedbackKind = "dislike"
	Skip    FeedbackKind = "skip"
)

// Feedback is an explicit like/dislike/skip of a track.
type Feedback struct {
	ID      int64 // assigned by the store (read back by FeedbackPage)
	Profile string
	TrackID TrackID
	Kind    FeedbackKind
	At      time.Time
}

// Taste is a driver's long-term profile, derived from history and kept in
// step with it: decayed weights per track (positive for completed and liked
// plays, negative for skips and dislikes) and per primary artist skip weight.
// The engine turns it into a vector in its own space; the store keeps it
// small (bounded number of entries).
type Taste struct {
	Tracks         map[TrackID]float64
	SkippedArtists map[string]float64
	Plays          int // number of events it summarises
}
