package emulator

import (
	"strings"
	"time"
)

// Meta is what the emulator knows about a track it is asked to play.
type Meta struct {
	ID      string // catalog id; "" when the track is not in the library
	Title   string
	Artists []string
	Album   string
	Genres  []string
	Length  time.Duration
	Family  string  // genre family from the library, "" unknown
	Valence float64 // 0..1, NaN unknown
	Energy  float64 // 0..1, NaN unknown
}

// Library looks up the metadata of a URI. The player asks it for every URI
// it opens; false means "not in the library", and the track still plays
// with DefaultLength and the URI as its title, as a real head unit would
// play a file it has no tags for.
type Library func(uri string) (Meta, bool)

// EmuScheme is the URI scheme of emulator tracks: emu:///<catalog id>.
// The daemon produces these with the URI template "emu:///{id}".
const EmuScheme = "emu"

// EmuURI returns the emulator URI of a catalog id.
func EmuURI(id string) string { return "emu:///" + id }

// ParseEmuURI returns the catalog id of an emu: URI (the part after the
// last '/'), or false if uri is not one or has no id.
func ParseEmuURI(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, EmuScheme+":")
	if !ok {
		return "", false
	}
	id := rest[strings.LastIndexByte(rest, '/')+1:]
	if id == "" {
		return "", false
	}
	return id, true
}

// MapLibrary is a Library over a fixed map of URI to metadata, for tests
// and small demos.
func MapLibrary(m map[string]Meta) Library {
	return func(uri string) (Meta, bool) {
		meta, ok := m[uri]
		return meta, ok
	}
}
