package emulator

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// The daemon's D-Bus API, as the runner uses it.
const (
	ServiceName  = "org.continuo.Recommender1"
	ServicePath  = dbus.ObjectPath("/org/continuo/Recommender1")
	ServiceIface = "org.continuo.Recommender1"
)

// TrackInfo is a track dict from the daemon (Play's reply, QueueUpdated),
// decoded with a check of every value's type: a missing or mistyped key
// leaves the zero value (NaN for the float features), never a panic.
type TrackInfo struct {
	ID      string
	Title   string
	Artists []string
	Album   string
	Genres  []string
	Length  time.Duration
	URL     string
	Score   float64 // NaN unknown
	Reason  string
	Family  string
	Valence float64 // NaN unknown
	Energy  float64 // NaN unknown
}

// ParseTrackDict decodes a daemon track dict.
func ParseTrackDict(m map[string]dbus.Variant) TrackInfo {
	t := TrackInfo{Score: math.NaN(), Valence: math.NaN(), Energy: math.NaN()}
	t.ID, _ = variantString(m["continuo:id"])
	t.Title, _ = variantString(m["xesam:title"])
	t.Album, _ = variantString(m["xesam:album"])
	t.URL, _ = variantString(m["xesam:url"])
	t.Reason, _ = variantString(m["continuo:reason"])
	t.Family, _ = variantString(m["continuo:family"])
	t.Artists = variantStrings(m["xesam:artist"])
	t.Genres = variantStrings(m["xesam:genre"])
	if us, ok := variantInt(m["mpris:length"]); ok && us > 0 && us < math.MaxInt64/1000 {
		t.Length = time.Duration(us) * time.Microsecond
	}
	if f, ok := variantFloat(m["continuo:score"]); ok {
		t.Score = f
	}
	if f, ok := variantFloat(m["continuo:valence"]); ok {
		t.Valence = f
	}
	if f, ok := variantFloat(m["continuo:energy"]); ok {
		t.Energy = f
	}
	return t
}

func variantString(v dbus.Variant) (string, bool) {
	switch x := v.Value().(type) {
	case string:
		return x, true
	case dbus.ObjectPath:
		return string(x), true
	}
	return "", false
}

// variantStrings accepts as (the spec) and a lone s (mpv's habit).
func variantStrings(v dbus.Variant) []string {
	switch x := v.Value().(type) {
	case []string:
		return append([]string(nil), x...)
	case string:
		if x != "" {
			return []string{x}
		}
	}
	return nil
}

func variantInt(v dbus.Variant) (int64, bool) {
	switch x := v.Value().(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func variantFloat(v dbus.Variant) (float64, bool) {
	if x, ok := v.Value().(float64); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
		return x, true
	}
	return 0, false
}

// daemon is a client of org.continuo.Recommender1 with a deadline on every
// call. Methods without an interface are the service's own.
type daemon struct {
	obj     dbus.BusObject
	timeout time.Duration
}

func newDaemon(conn *dbus.Conn, timeout time.Duration) *daemon {
	return &daemon{obj: conn.Object(ServiceName, ServicePath), timeout: timeout}
}

func (d *daemon) call(ctx context.Context, method string, args ...any) *dbus.Call {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	if !strings.Contains(method, ".") {
		method = ServiceIface + "." + method
	}
	return d.obj.CallWithContext(ctx, method, 0, args...)
}

// Play asks the daemon to play query and returns the track dict it starts.
func (d *daemon) Play(ctx context.Context, query string) (TrackInfo, error) {
	c := d.call(ctx, "Play", query)
	if c.Err != nil {
		return TrackInfo{}, fmt.Errorf("Play: %w", c.Err)
	}
	var m map[string]dbus.Variant
	if err := c.Store(&m); err != nil {
		return TrackInfo{}, fmt.Errorf("Play: reply: %w", err)
	}
	return ParseTrackDict(m), nil
}

// Feedback sends like, dislike or skip for a catalog track id.
func (d *daemon) Feedback(ctx context.Context, id string, kind music.FeedbackKind) error {
	if err := d.call(ctx, "Feedback", id, string(kind)).Err; err != nil {
		return fmt.Errorf("Feedback %s: %w", kind, err)
	}
	return nil
}

// Explain returns the daemon's reason for a track.
func (d *daemon) Explain(ctx context.Context, id string) (string, error) {
	var s string
	if err := d.call(ctx, "Explain", id).Store(&s); err != nil {
		return "", fmt.Errorf("Explain: %w", err)
	}
	return s, nil
}

// SetContext sends the vehicle context.
func (d *daemon) SetContext(ctx context.Context, m map[string]dbus.Variant) error {
	if c := d.call(ctx, "SetContext", m); c.Err != nil {
		return fmt.Errorf("set context: %w", c.Err)
	}
	return nil
}

// SetProperty sets one of the daemon's writable properties.
func (d *daemon) SetProperty(ctx context.Context, name string, v any) error {
	c := d.call(ctx, "org.freedesktop.DBus.Properties.Set", ServiceIface, name, dbus.MakeVariant(v))
	if c.Err != nil {
		return fmt.Errorf("set %s: %w", name, c.Err)
	}
	return nil
}

// WaitForName waits until name has an owner on conn's bus, or ctx ends. It
// watches NameOwnerChanged before asking NameHasOwner, so an owner that
// appears between the two is not missed.
func WaitForName(ctx context.Context, conn *dbus.Conn, name string) error {
	opts := []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, name),
	}
	if err := conn.AddMatchSignalContext(ctx, opts...); err != nil {
		return fmt.Errorf("watch %s: %w", name, err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.RemoveMatchSignalContext(rctx, opts...)
	}()
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	defer conn.RemoveSignal(ch)

	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
		return fmt.Errorf("NameHasOwner %s: %w", name, err)
	}
	for !has {
		select {
		case <-ctx.Done():
			return music.WrapKind(music.KindUnavailable, ctx.Err(), "%s did not appear on the bus", name)
		case sig, ok := <-ch:
			if !ok {
				return music.Errorf(music.KindUnavailable, "bus connection closed while waiting for %s", name)
			}
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
				continue
			}
			n, _ := sig.Body[0].(string)
			owner, _ := sig.Body[2].(string)
			has = n == name && owner != ""
		}
	}
	return nil
}

// WaitFollowed waits until the daemon follows player: its ActivePlayer
// property is player's bus name. The daemon owning its name is not enough:
// it may still be following another player, or not have seen this one
// yet, and Play then fails with NoPlayer. PropertiesChanged wakes the wait;
// ctx bounds it.
func WaitFollowed(ctx context.Context, conn *dbus.Conn, player string) error {
	opts := []dbus.MatchOption{
		dbus.WithMatchObjectPath(ServicePath),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
		dbus.WithMatchMember("PropertiesChanged"),
		dbus.WithMatchArg(0, ServiceIface),
	}
	if err := conn.AddMatchSignalContext(ctx, opts...); err != nil {
		return fmt.Errorf("watch ActivePlayer: %w", err)
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.RemoveMatchSignalContext(rctx, opts...)
	}()
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	defer conn.RemoveSignal(ch)

	active := ""
	for {
		var v dbus.Variant
		err := conn.Object(ServiceName, ServicePath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, ServiceIface, "ActivePlayer").Store(&v)
		if err == nil {
			active, _ = v.Value().(string)
			if active == player {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if active == "" {
				active = "no player"
			}
			return music.WrapKind(music.KindUnavailable, ctx.Err(), "the daemon does not follow %s (it follows %s)", player, active)
		case _, ok := <-ch:
			if !ok {
				return music.Errorf(music.KindUnavailable, "bus connection closed while waiting for the daemon to follow %s", player)
			}
		}
	}
}
