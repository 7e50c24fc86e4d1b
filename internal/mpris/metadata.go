package mpris

import (
	"math"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// NoTrack is the MPRIS object path that means "no current track".
const NoTrack = "/org/mpris/MediaPlayer2/TrackList/NoTrack"

// mpvNoPlaylist is the trackid mpv-mpris 0.7 sends while mpv is idle with an
// empty playlist (observed; not in the spec). It means "no track" too.
const mpvNoPlaylist = "/noplaylist"

// TrackMeta is a player's current track, normalised from the loosely typed
// MPRIS Metadata dictionary. The zero value means "no track".
type TrackMeta struct {
	TrackID string // mpris:trackid; may be position-based (mpv: "/0") or reserved (mpDris2)
	URL     string // xesam:url; a file:// URI, another URI, or a relative path (mpDris2 without --music-dir)
	Title   string
	Album   string
	Artists []string
	Genres  []string
	Length  time.Duration // 0 when unknown
}

// Empty reports whether the metadata names no track at all.
func (t TrackMeta) Empty() bool {
	return t.TrackID == "" && t.URL == "" && t.Title == ""
}

// SameTrack reports whether t and o are the same track as far as a track
// change is concerned: same trackid and same URL. Players reuse trackids for
// different files (mpv's "/0"), so the URL must match too.
func (t TrackMeta) SameTrack(o TrackMeta) bool {
	if t.TrackID != o.TrackID || t.URL != o.URL {
		return false
	}
	if t.TrackID == "" && t.URL == "" {
		// A player that sends neither: the title is all there is.
		return t.Title == o.Title
	}
	return true
}

// maxLengthMicros keeps the µs→Duration conversion from overflowing.
const maxLengthMicros = math.MaxInt64 / int64(time.Microsecond)

// ParseMetadata normalises an MPRIS Metadata dictionary. It is the one place
// that tolerates what real players send instead of the spec:
//   - mpris:trackid as an object path (spec) or a string; the NoTrack path
//     yields an empty TrackMeta;
//   - xesam:artist and xesam:genre as an array of strings (spec), a single
//     string (mpv-mpris), an array of variants, or missing (mpDris2);
//   - mpv-mpris's "/noplaylist" trackid (idle mpv) also means no track;
//   - mpris:length in microseconds as any integer width or a double.
//
// Values of unexpected types are ignored; ParseMetadata never panics.
func ParseMetadata(m map[string]dbus.Variant) TrackMeta {
	var t TrackMeta
	if m == nil {
		return t
	}
	t.TrackID = strings.TrimSpace(asString(m["mpris:trackid"]))
	if t.TrackID == NoTrack || t.TrackID == mpvNoPlaylist {
		return TrackMeta{}
	}
	t.URL = strings.TrimSpace(asString(m["xesam:url"]))
	t.Title = strings.TrimSpace(asString(m["xesam:title"]))
	t.Album = strings.TrimSpace(asString(m["xesam:album"]))
	t.Artists = asStrings(m["xesam:artist"])
	t.Genres = asStrings(m["xesam:genre"])
	t.Length = asMicros(m["mpris:length"])
	return t
}

// unwrap follows nested variants (a variant holding a variant), bounded so a
// hostile value cannot make it loop.
func unwrap(v any) any {
	for i := 0; i < 8; i++ {
		inner, ok := v.(dbus.Variant)
		if !ok {
			return v
		}
		v = inner.Value()
	}
	return nil
}

func asString(v dbus.Variant) string {
	switch x := unwrap(v.Value()).(type) {
	case string:
		return x
	case dbus.ObjectPath:
		return string(x)
	}
	return ""
}

// asStrings accepts s, o, as, av (of strings); empty entries are dropped.
func asStrings(v dbus.Variant) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch x := unwrap(v.Value()).(type) {
	case string:
		add(x)
	case []string:
		for _, s := range x {
			add(s)
		}
	case []any:
		for _, e := range x {
			if s, ok := unwrap(e).(string); ok {
				add(s)
			}
		}
	case []dbus.Variant:
		for _, e := range x {
			if s, ok := unwrap(e.Value()).(string); ok {
				add(s)
			}
		}
	}
	return out
}

// asMicros converts a length in microseconds of any numeric D-Bus type.
// Negative, non-finite or absurdly large values mean "unknown" (0).
func asMicros(v dbus.Variant) time.Duration {
	var us int64
	switch x := unwrap(v.Value()).(type) {
	case int64:
		us = x
	case uint64:
		if x > uint64(maxLengthMicros) {
			return 0
		}
		us = int64(x)
	case int32:
		us = int64(x)
	case uint32:
		us = int64(x)
	case int16:
		us = int64(x)
	case uint16:
		us = int64(x)
	case byte:
		us = int64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > float64(maxLengthMicros) {
			return 0
		}
		us = int64(x)
	default:
		return 0
	}
	if us < 0 || us > maxLengthMicros {
		return 0
	}
	return time.Duration(us) * time.Microsecond
}

// micros converts a position in microseconds from the bus, clamping
// negative and overflowing values.
func micros(us int64) time.Duration {
	return time.Duration(min(max(us, 0), maxLengthMicros)) * time.Microsecond
}
