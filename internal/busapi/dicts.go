package busapi

import (
	"math"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// The signatures of the dictionaries' values, computed once: dbus.MakeVariant
// derives a value's signature by reflection on every call, and a reply of
// 100 tracks makes over a thousand variants.
var (
	sigString  = dbus.SignatureOf("")
	sigStrings = dbus.SignatureOf([]string(nil))
	sigInt64   = dbus.SignatureOf(int64(0))
	sigDouble  = dbus.SignatureOf(float64(0))
)

func stringVariant(s string) dbus.Variant { return dbus.MakeVariantWithSignature(s, sigString) }
func stringsVariant(s []string) dbus.Variant {
	return dbus.MakeVariantWithSignature(nonNil(s), sigStrings)
}
func int64Variant(x int64) dbus.Variant    { return dbus.MakeVariantWithSignature(x, sigInt64) }
func doubleVariant(x float64) dbus.Variant { return dbus.MakeVariantWithSignature(x, sigDouble) }

// trackDictKeys sizes a track dictionary once: 12 keys at most, and a
// table sized for 12 also holds requestDict's 14 without growing (a hint of
// 15, searchDict's count, doubles the table of every reply).
const trackDictKeys = 12

// trackDict is a track as an a{sv} with MPRIS/xesam keys where they fit.
func trackDict(t drive.TrackView) map[string]dbus.Variant {
	m := make(map[string]dbus.Variant, trackDictKeys)
	m["continuo:id"] = stringVariant(string(t.ID))
	m["xesam:title"] = stringVariant(t.Title)
	m["xesam:artist"] = stringsVariant(t.Artists)
	m["xesam:album"] = stringVariant(t.Album)
	m["xesam:genre"] = stringsVariant(t.Genres)
	m["mpris:length"] = int64Variant(t.DurationMS * 1000)
	m["continuo:score"] = doubleVariant(t.Score)
	m["continuo:reason"] = stringVariant(t.Reason)
	m["continuo:family"] = stringVariant(t.Family)
	if t.URI != "" {
		m["xesam:url"] = stringVariant(t.URI)
	}
	if !math.IsNaN(t.Valence) {
		m["continuo:valence"] = doubleVariant(t.Valence)
	}
	if !math.IsNaN(t.Energy) {
		m["continuo:energy"] = doubleVariant(t.Energy)
	}
	return m
}

// requestDict is a track answering a request (Resolve, Play): trackDict
// plus how the request was read.
func requestDict(t drive.TrackView) map[string]dbus.Variant {
	m := trackDict(t)
	m["continuo:match"] = stringVariant(t.Match)
	m["continuo:confidence"] = doubleVariant(t.Confidence)
	return m
}

func trackDicts(ts []drive.TrackView) []map[string]dbus.Variant { return dicts(ts, trackDict) }

// dicts turns each of xs into its dictionary (an aa{sv} reply).
func dicts[T any](xs []T, dict func(T) map[string]dbus.Variant) []map[string]dbus.Variant {
	out := make([]map[string]dbus.Variant, len(xs))
	for i, x := range xs {
		out[i] = dict(x)
	}
	return out
}

func eventDict(e music.PlayEvent) map[string]dbus.Variant {
	m := map[string]dbus.Variant{
		"continuo:id":       dbus.MakeVariant(string(e.TrackID)),
		"xesam:title":       dbus.MakeVariant(e.Title),
		"xesam:artist":      dbus.MakeVariant(nonNil(optional(e.Artist))),
		"xesam:genre":       dbus.MakeVariant(nonNil(e.Genres)),
		"xesam:url":         dbus.MakeVariant(e.URL),
		"continuo:player":   dbus.MakeVariant(e.Player),
		"continuo:started":  dbus.MakeVariant(e.StartedAt.UnixMicro()),
		"continuo:position": dbus.MakeVariant(e.PositionMS * 1000),
		"mpris:length":      dbus.MakeVariant(e.DurationMS * 1000),
		"continuo:outcome":  dbus.MakeVariant(string(e.Outcome)),
		"continuo:queued":   dbus.MakeVariant(e.Queued),
		"continuo:event":    dbus.MakeVariant(e.ID),
	}
	return m
}

// feedbackDict is a stored like, dislike or skip.
func feedbackDict(f music.Feedback) map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"continuo:feedback": dbus.MakeVariant(f.ID),
		"continuo:id":       dbus.MakeVariant(string(f.TrackID)),
		"continuo:kind":     dbus.MakeVariant(string(f.Kind)),
		"continuo:at":       dbus.MakeVariant(f.At.UnixMicro()),
	}
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// nonNil keeps the wire type "as" for an empty list.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
