// Package emutest is a stand-in for continuod in tests of the emulator and
// of continuo-emu: a tiny org.continuo.Recommender1 service that answers
// Play by opening the first track of a fixed list on the emulator
// (Player.OpenUri) and queueing the rest (TrackList.AddTrack), and that
// records the Feedback calls and property changes it receives. The real
// end-to-end test runs the real daemon; this one only fakes the car's
// other half so the emulator can be tested alone. Its queueing appends
// after the last track in the list, which is enough for a fresh emulator.
//
// It is imported only from _test.go files.
package emutest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/continuo/continuo/internal/emulator"
)

// Track is one track the fake daemon recommends.
type Track struct {
	ID, Title, Family, Reason string
	Artists, Genres           []string
	Valence, Energy           float64
}

// URI is the emulator URI the daemon would produce with "emu:///{id}".
func (t Track) URI() string { return emulator.EmuURI(t.ID) }

func (t Track) dict() map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"continuo:id":      dbus.MakeVariant(t.ID),
		"xesam:title":      dbus.MakeVariant(t.Title),
		"xesam:artist":     dbus.MakeVariant(t.Artists),
		"xesam:genre":      dbus.MakeVariant(t.Genres),
		"xesam:url":        dbus.MakeVariant(t.URI()),
		"continuo:family":  dbus.MakeVariant(t.Family),
		"continuo:reason":  dbus.MakeVariant(t.Reason),
		"continuo:valence": dbus.MakeVariant(t.Valence),
		"continuo:energy":  dbus.MakeVariant(t.Energy),
		"continuo:score":   dbus.MakeVariant(0.5),
	}
}

// Feedback is one Feedback call received.
type Feedback struct{ ID, Kind string }

// Config says what the fake daemon recommends and how it starts a track.
type Config struct {
	Tracks []Track // Play opens Tracks[0] and queues the rest, in order
	// PlayWithAddTrack starts the first track with TrackList.AddTrack(uri,
	// current, SetAsCurrent=true), as continuod's "tracklist" mechanism
	// does, instead of Player.OpenUri.
	PlayWithAddTrack bool
	// ActivePlayer is the player the fake daemon says it follows; default
	// the emulator (emulator.BusName).
	ActivePlayer string
}

// Daemon is the fake service.
type Daemon struct {
	conn   *dbus.Conn
	cfg    Config
	tracks []Track
	props  *prop.Properties

	mu       sync.Mutex
	queries  []string
	feedback []Feedback
}

// Start exports the fake daemon on its own connection to address and
// requests org.continuo.Recommender1.
func Start(tb testing.TB, address string, cfg Config) *Daemon {
	tb.Helper()
	conn, err := dbus.Connect(address)
	if err != nil {
		tb.Fatalf("fake daemon: connect: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	d := &Daemon{conn: conn, cfg: cfg, tracks: cfg.Tracks}
	if cfg.ActivePlayer == "" {
		cfg.ActivePlayer = emulator.BusName
	}
	d.props, err = prop.Export(conn, emulator.ServicePath, prop.Map{
		emulator.ServiceIface: {
			"ActiveProfile":   {Value: "", Writable: true, Emit: prop.EmitTrue},
			"ExplicitAllowed": {Value: true, Writable: true, Emit: prop.EmitTrue},
			"Mood":            {Value: "", Writable: true, Emit: prop.EmitTrue},
			"ActivePlayer":    {Value: cfg.ActivePlayer, Emit: prop.EmitTrue},
		},
	})
	if err != nil {
		tb.Fatalf("fake daemon: export properties: %v", err)
	}
	if err := conn.Export(methods{d}, emulator.ServicePath, emulator.ServiceIface); err != nil {
		tb.Fatalf("fake daemon: export: %v", err)
	}
	reply, err := conn.RequestName(emulator.ServiceName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		tb.Fatalf("fake daemon: request name: reply %v, %v", reply, err)
	}
	return d
}

// Queries returns the Play queries received.
func (d *Daemon) Queries() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.queries...)
}

// Feedback returns the Feedback calls received.
func (d *Daemon) Feedback() []Feedback {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Feedback(nil), d.feedback...)
}

// Prop returns one of the daemon's properties as set by a client.
func (d *Daemon) Prop(name string) any {
	return d.props.GetMust(emulator.ServiceIface, name)
}

type methods struct{ d *Daemon }

func (m methods) Play(query string) (map[string]dbus.Variant, *dbus.Error) {
	d := m.d
	d.mu.Lock()
	d.queries = append(d.queries, query)
	d.mu.Unlock()
	if len(d.tracks) == 0 {
		return nil, dbus.NewError("org.continuo.Error.NotFound", []any{"nothing matches " + query})
	}
	if err := d.queue(); err != nil {
		return nil, dbus.NewError("org.continuo.Error.NoPlayer", []any{err.Error()})
	}
	dicts := make([]map[string]dbus.Variant, len(d.tracks)-1)
	for i, t := range d.tracks[1:] {
		dicts[i] = t.dict()
	}
	if err := d.conn.Emit(emulator.ServicePath, emulator.ServiceIface+".QueueUpdated", dicts); err != nil {
		return nil, dbus.MakeFailedError(err)
	}
	return d.tracks[0].dict(), nil
}

// queue opens the first track and appends the others after it, each after
// the one before, as the daemon does with a TrackList player.
func (d *Daemon) queue() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	player := d.conn.Object(emulator.BusName, emulator.ObjectPath)
	if d.cfg.PlayWithAddTrack {
		var meta map[string]dbus.Variant
		if err := player.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, emulator.IfacePlayer, "Metadata").Store(&meta); err != nil {
			return fmt.Errorf("get Metadata: %w", err)
		}
		current, ok := meta["mpris:trackid"].Value().(dbus.ObjectPath)
		if !ok {
			return errors.New("the Metadata has no mpris:trackid")
		}
		if err := player.CallWithContext(ctx, emulator.IfaceTrackList+".AddTrack", 0, d.tracks[0].URI(), current, true).Err; err != nil {
			return fmt.Errorf("AddTrack (play now): %w", err)
		}
	} else if err := player.CallWithContext(ctx, emulator.IfacePlayer+".OpenUri", 0, d.tracks[0].URI()).Err; err != nil {
		return fmt.Errorf("OpenUri: %w", err)
	}
	for _, t := range d.tracks[1:] {
		var tracks []dbus.ObjectPath
		if err := player.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, emulator.IfaceTrackList, "Tracks").Store(&tracks); err != nil {
			return fmt.Errorf("get Tracks: %w", err)
		}
		if len(tracks) == 0 {
			return fmt.Errorf("empty tracklist after OpenUri")
		}
		last := tracks[len(tracks)-1]
		if err := player.CallWithContext(ctx, emulator.IfaceTrackList+".AddTrack", 0, t.URI(), last, false).Err; err != nil {
			return fmt.Errorf("AddTrack: %w", err)
		}
	}
	return nil
}

func (m methods) Feedback(id, kind string) *dbus.Error {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	m.d.feedback = append(m.d.feedback, Feedback{ID: id, Kind: kind})
	return nil
}

func (m methods) Explain(id string) (string, *dbus.Error) {
	for _, t := range m.d.tracks {
		if t.ID == id {
			return t.Reason, nil
		}
	}
	return "", dbus.NewError("org.continuo.Error.NotFound", []any{"unknown track " + id})
}

// SetActivePlayer changes the player the fake daemon says it follows
// (emitting PropertiesChanged, as continuod does).
func (d *Daemon) SetActivePlayer(name string) {
	d.props.SetMust(emulator.ServiceIface, "ActivePlayer", name)
}
