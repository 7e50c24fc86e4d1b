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
	"iter"

	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/hashindex"
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
// track i, read through the accessors of tracks.go (Len, Track, ID, ...).
type Catalog struct {
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

	// GenreDistinct holds the distinct rows of Genre and GenreGroup each
	// row's distinct row (Genre.Row(i) == GenreDistinct.Row(GenreGroup[i])),
	// as a snapshot stores them; empty for a catalog built in memory.
	GenreDistinct embed.Matrix
	GenreGroup    []uint32

	ids, uris hashindex.Index // id and URI → row (the first row when repeated)
	snap      *container      // the opened snapshot, nil when built in memory

	// The tracks (tracks.go): rec for a mapped snapshot, else tracks, the
	// slice of a catalog built in memory.
	rec    *trackRecords
	tracks []music.Track
	// uriTemplate gives rows without a URI one (ApplyURITemplate).
	uriTemplate string
}

// Lookup returns the row of a track id (the first row when repeated).
func (c *Catalog) Lookup(id music.TrackID) (int, bool) {
	return c.ids.Find(string(id), func(r int) string { return string(c.ID(r)) })
}

// LookupURI returns the row of a track with the given playable URI.
func (c *Catalog) LookupURI(uri string) (int, bool) {
	if uri == "" {
		return 0, false
	}
	return c.uris.Find(uri, c.URI)
}

// rowKeys yields (key(i), i) for every row with a key ("" is not indexed).
func rowKeys(n int, key func(int) string) iter.Seq2[string, uint32] {
	return func(yield func(string, uint32) bool) {
		for i := range n {
			if k := key(i); k != "" && !yield(k, uint32(i)) {
				return
			}
		}
	}
}

// buildHashIndexes indexes the ids and the URIs of c's tracks.
func buildHashIndexes(c *Catalog) (ids, uris hashindex.Index) {
	ids = hashindex.New(rowKeys(c.Len(), func(i int) string { return string(c.ID(i)) }))
	uris = hashindex.New(rowKeys(c.Len(), c.URI))
	return ids, uris
}
