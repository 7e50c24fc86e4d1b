// Package emucatalog plays a catalog's tracks in the emulator: it turns a
// catalog into the emulator's Library. It is a package of its own so that
// the emulator does not depend on the catalog, and so that continuo-emu and
// the tests that run the daemon against the emulator share one lookup.
package emucatalog

import (
	"math"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/music"
)

// Library is the emulator's Library backed by a catalog: emu:///<id> URIs
// are looked up by id, any other URI (file://...) by the row's playable URI.
func Library(c *catalog.Catalog) emulator.Library {
	return func(uri string) (emulator.Meta, bool) {
		var row int
		var ok bool
		if id, isEmu := emulator.ParseEmuURI(uri); isEmu {
			row, ok = c.Lookup(music.TrackID(id))
		} else {
			row, ok = c.LookupURI(uri)
		}
		if !ok || row < 0 || row >= c.Len() {
			return emulator.Meta{}, false
		}
		t := c.Track(row)
		m := emulator.Meta{
			ID:      string(t.ID),
			Title:   t.Title,
			Artists: append([]string(nil), t.Artists...),
			Album:   t.Album,
			Genres:  append([]string(nil), t.Genres...),
			Length:  time.Duration(t.DurationMS) * time.Millisecond,
			Valence: featureOrNaN(t.Features.Valence),
			Energy:  featureOrNaN(t.Features.Energy),
		}
		// Guard every index: a catalog may come without families.
		if row < len(c.Family) && int(c.Family[row]) < len(c.Families) {
			m.Family = c.Families[c.Family[row]]
		}
		return m, true
	}
}

func featureOrNaN(v float32) float64 {
	if !music.IsKnown(v) {
		return math.NaN()
	}
	return float64(v)
}
