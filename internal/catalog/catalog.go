// Package catalog owns the local music catalog: importing tracks from the
// public datasets and from an OEM's native export, validating them, learning
// the genre space and the mood space, writing and loading fast snapshots, and
// the default catalog embedded in the daemon.
//
// A *Catalog is immutable once built and safe for concurrent reads. The one
// exception is ApplyURITemplate, which must run before the catalog is shared
// (on a Clone of Default()). docs/catalog.md describes sources, validation,
// the genre and mood spaces, the families and the snapshot format.
package catalog

import (
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// Mood-space dimensions, in column order of Catalog.Mood. Each is a z-score
// over the catalog (mean 0, unit variance); see docs/catalog.md.
const (
	MoodValence = iota
	MoodEnergy
	MoodDanceability
	MoodAcousticness
	MoodInstrumentalness
	MoodSpeechiness
	MoodLoudness
	MoodTempo // log(BPM)
	MoodMode
	MoodDims
)

// Catalog is the in-memory catalog. Row i of every slice and matrix is
// Tracks[i].
type Catalog struct {
	Tracks []music.Track

	// Genre is N×GenreDims, rows L2-normalised: a track's tags combined in
	// the learned genre space, so a dot product is a cosine similarity.
	Genre embed.Matrix
	// Mood is N×MoodDims: standardised audio features (column order above),
	// missing features filled from the genre-level means. Not normalised.
	Mood embed.Matrix

	// Artist maps a row to its primary artist's index in Artists (normalised
	// names), so "same artist" is an int comparison.
	Artist  []int32
	Artists []string

	// Family maps a row to its genre family's index in Families; families are
	// coarse groups of labels (classical, jazz, rock, hip hop, ...) used for
	// evaluation and for human-readable reasons.
	Family   []uint8
	Families []string

	// Tags is the learned genre space: a vector for every known tag, and the
	// mapping of unseen genre strings to vectors.
	Tags *TagSpace

	// MoodMean and MoodStd undo the standardisation of Mood (raw = z*std+mean),
	// e.g. to show valence and energy on their 0..1 scale.
	MoodMean, MoodStd [MoodDims]float32

	// Derived are columns computed from the whole catalog at build time
	// (holiday music, explicit estimate, region); see derive.go.
	Derived Derived

	byID  map[music.TrackID]int32
	byURI map[string]int32
}

// Len returns the number of tracks.
func (c *Catalog) Len() int { return len(c.Tracks) }

// Lookup returns the row of a track id.
func (c *Catalog) Lookup(id music.TrackID) (int, bool) {
	i, ok := c.byID[id]
	return int(i), ok
}

// LookupURI returns the row of a track with the given playable URI.
func (c *Catalog) LookupURI(uri string) (int, bool) {
	i, ok := c.byURI[uri]
	return int(i), ok
}
