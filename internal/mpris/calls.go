package mpris

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// The outbound calls address the player by its well-known name (or short
// name) and each carries its own deadline (Options.CallTimeout), whatever
// the caller's context says. Errors carry a music.Kind: KindNoPlayer when
// the name has no owner, KindUnavailable when the player lacks the method or
// interface or does not answer in time, KindInvalid for bad arguments.

// OpenUri asks the player to open and play uri. Players differ: mpv-mpris
// replaces its playlist and plays at once; mpDris2 fails.
func (c *Client) OpenUri(ctx context.Context, player, uri string) error {
	if uri == "" {
		return music.Errorf(music.KindInvalid, "mpris: OpenUri: empty URI")
	}
	return c.call(ctx, player, ifacePlayer+".OpenUri", uri)
}

// AddTrack calls TrackList.AddTrack: insert uri after afterTrackID (empty:
// at the start, which the spec spells NoTrack), making it current if
// setCurrent.
func (c *Client) AddTrack(ctx context.Context, player, uri, afterTrackID string, setCurrent bool) error {
	if uri == "" {
		return music.Errorf(music.KindInvalid, "mpris: AddTrack: empty URI")
	}
	after := dbus.ObjectPath(NoTrack)
	if afterTrackID != "" {
		after = dbus.ObjectPath(afterTrackID)
	}
	if !after.IsValid() {
		return music.Errorf(music.KindInvalid, "mpris: AddTrack: track id %q is not an object path", afterTrackID)
	}
	return c.call(ctx, player, ifaceTrackList+".AddTrack", uri, after, setCurrent)
}

// Next skips to the next track.
func (c *Client) Next(ctx context.Context, player string) error {
	return c.call(ctx, player, ifacePlayer+".Next")
}

// Play starts or resumes playback.
func (c *Client) Play(ctx context.Context, player string) error {
	return c.call(ctx, player, ifacePlayer+".Play")
}

// Pause pauses playback.
func (c *Client) Pause(ctx context.Context, player string) error {
	return c.call(ctx, player, ifacePlayer+".Pause")
}

// Position reads the player's current position (MPRIS never signals it).
func (c *Client) Position(ctx context.Context, player string) (time.Duration, error) {
	v, err := c.get(ctx, player, ifacePlayer, "Position")
	if err != nil {
		return 0, err
	}
	us, ok := unwrap(v.Value()).(int64)
	if !ok {
		return 0, music.Errorf(music.KindUnavailable, "mpris: %s: Position has type %s, want x", player, v.Signature())
	}
	return micros(us), nil
}

// TrackPosition reads the player's position together with the track it
// belongs to, both from one GetAll reply. A Position read alone cannot say
// which track it is about: when the player has just moved on by itself and
// its PropertiesChanged is still on the way, it is the next track's
// position (a few ms), and taking it for the old track's turned finished
// tracks into skips under load.
func (c *Client) TrackPosition(ctx context.Context, player string) (TrackMeta, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var props map[string]dbus.Variant
	err := c.conn.Object(FullName(player), objectPath).CallWithContext(ctx, ifaceProps+".GetAll", 0, ifacePlayer).Store(&props)
	if err != nil {
		return TrackMeta{}, 0, classify(err, player, "GetAll "+ifacePlayer)
	}
	return trackPosition(player, props)
}

func trackPosition(player string, props map[string]dbus.Variant) (TrackMeta, time.Duration, error) {
	v, ok := props["Position"]
	us, isInt := unwrap(v.Value()).(int64)
	if !ok || !isInt {
		return TrackMeta{}, 0, music.Errorf(music.KindUnavailable, "mpris: %s: GetAll has no Position of type x", ShortName(player))
	}
	var track TrackMeta
	if m, ok := unwrap(props["Metadata"].Value()).(map[string]dbus.Variant); ok {
		track = ParseMetadata(m)
	}
	return track, micros(us), nil
}

// Tracks reads TrackList.Tracks, the track ids in play order.
func (c *Client) Tracks(ctx context.Context, player string) ([]string, error) {
	v, err := c.get(ctx, player, ifaceTrackList, "Tracks")
	if err != nil {
		return nil, err
	}
	var out []string
	switch x := unwrap(v.Value()).(type) {
	case []dbus.ObjectPath:
		for _, p := range x {
			out = append(out, string(p))
		}
	case []string:
		out = append(out, x...)
	default:
		return nil, music.Errorf(music.KindUnavailable, "mpris: %s: Tracks has type %s, want ao", player, v.Signature())
	}
	return out, nil
}

func (c *Client) get(ctx context.Context, player, iface, prop string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var v dbus.Variant
	err := c.conn.Object(FullName(player), objectPath).CallWithContext(ctx, ifaceProps+".Get", 0, iface, prop).Store(&v)
	if err != nil {
		return dbus.Variant{}, classify(err, player, iface+"."+prop)
	}
	return v, nil
}

func (c *Client) call(ctx context.Context, player, method string, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.conn.Object(FullName(player), objectPath).CallWithContext(ctx, method, 0, args...).Err; err != nil {
		return classify(err, player, method)
	}
	return nil
}

// classify gives a failed call the Kind callers branch on.
func classify(err error, player, what string) error {
	var dErr dbus.Error
	if errors.As(err, &dErr) {
		switch dErr.Name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return music.WrapKind(music.KindNoPlayer, err, "mpris: %s: no such player", ShortName(player))
		case "org.freedesktop.DBus.Error.UnknownMethod", "org.freedesktop.DBus.Error.UnknownInterface",
			"org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownProperty",
			"org.freedesktop.DBus.Error.NotSupported":
			return music.WrapKind(music.KindUnavailable, err, "mpris: %s does not support %s", ShortName(player), what)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return music.WrapKind(music.KindUnavailable, err, "mpris: %s: %s: no answer in time", ShortName(player), what)
	}
	return fmt.Errorf("mpris: %s: %s: %w", ShortName(player), what, err)
}

// TracksMetadata calls TrackList.GetTracksMetadata: the metadata of the
// given tracks, in the player's order; ids it does not know are left out.
func (c *Client) TracksMetadata(ctx context.Context, player string, ids []string) ([]TrackMeta, error) {
	paths := make([]dbus.ObjectPath, 0, len(ids))
	for _, id := range ids {
		if p := dbus.ObjectPath(id); p.IsValid() {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var metas []map[string]dbus.Variant
	err := c.conn.Object(FullName(player), objectPath).CallWithContext(ctx, ifaceTrackList+".GetTracksMetadata", 0, paths).Store(&metas)
	if err != nil {
		return nil, classify(err, player, "GetTracksMetadata")
	}
	out := make([]TrackMeta, len(metas))
	for i, m := range metas {
		out[i] = ParseMetadata(m)
	}
	return out, nil
}

// RemoveTrack calls TrackList.RemoveTrack.
func (c *Client) RemoveTrack(ctx context.Context, player, trackID string) error {
	id := dbus.ObjectPath(trackID)
	if !id.IsValid() {
		return music.Errorf(music.KindInvalid, "mpris: RemoveTrack: track id %q is not an object path", trackID)
	}
	return c.call(ctx, player, ifaceTrackList+".RemoveTrack", id)
}
