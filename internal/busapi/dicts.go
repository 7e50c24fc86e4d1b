package busapi

import (
	"math"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// trackDict is a track as an a{sv} with MPRIS/xesam keys where they fit.
func trackDict(t drive.TrackView) map[string]dbus.Variant {
	m := map[string]dbus.Variant{
		"continuo:id":     dbus.MakeVariant(string(t.ID)),
		"xesam:title":     dbus.MakeVariant(t.Title),
		"xesam:artist":    dbus.MakeVariant(nonNil(t.Artists)),
		"xesam:album":     dbus.MakeVariant(t.Album),
		"xesam:genre":     dbus.MakeVariant(nonNil(t.Genres)),
		"mpris:length":    dbus.MakeVariant(t.DurationMS * 1000),
		"continuo:score":  dbus.MakeVariant(t.Score),
		"continuo:reason": dbus.MakeVariant(t.Reason),
		"continuo:family": dbus.MakeVariant(t.Family),
	}
	if t.URI != "" {
		m["xesam:url"] = dbus.MakeVariant(t.URI)
	}
	if !math.IsNaN(t.Valence) {
		m["continuo:valence"] = dbus.MakeVariant(t.Valence)
	}
	if !math.IsNaN(t.Energy) {
		m["continuo:energy"] = dbus.MakeVariant(t.Energy)
	}
	return m
}

// requestDict is a track answering a request (Resolve, Play): trackDict
// plus how the request was read.
func requestDict(t drive.TrackView) map[string]dbus.Variant {
	m := trackDict(t)
	m["continuo:match"] = dbus.MakeVariant(t.Match)
	m["continuo:confidence"] = dbus.MakeVariant(t.Confidence)
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
