package emulator

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"

	"github.com/continuo/continuo/internal/music"
)

// D-Bus names of the emulated player.
const (
	BusName        = "org.mpris.MediaPlayer2.continuo_emu"
	ObjectPath     = dbus.ObjectPath("/org/mpris/MediaPlayer2")
	IfaceRoot      = "org.mpris.MediaPlayer2"
	IfacePlayer    = "org.mpris.MediaPlayer2.Player"
	IfaceTrackList = "org.mpris.MediaPlayer2.TrackList"
	Identity       = "Continuo head-unit emulator"
)

// busCallTimeout bounds the emulator's own calls to the bus daemon.
const busCallTimeout = 10 * time.Second

// introspectXML is the MPRIS2 interfaces as the emulator implements them,
// transcribed from the freedesktop specification (root, Player, TrackList).
//
//go:embed mpris.xml
var introspectXML string

// server is the D-Bus face of a Player. Scalar properties live in
// godbus/prop, which emits PropertiesChanged with the interface name as
// first argument. Three are served by propsFront from the player's state
// instead: Position, because it is never signalled and must be computed at
// read time, and Metadata and Tracks, because prop.SetMust stores a map or
// slice INTO the old value (godbus v5.2.4 storeMapIntoMap/storeSliceIntoSlice):
// keys of the previous track's metadata would survive, and a concurrent Get
// still encoding the old value races with the write. Their PropertiesChanged
// signals are sent by emitChanged, with the same interface-first arguments.
type server struct {
	conn  *dbus.Conn
	props *prop.Properties
	p     *Player

	mu   sync.Mutex // guards last
	last playerProps
}

// playerProps are the derived properties publish compares.
type playerProps struct {
	status           string
	current          dbus.ObjectPath
	metadata         map[string]dbus.Variant
	canNext, canPrev bool
	canPlay          bool
}

// Export puts the player on conn as an MPRIS2 player: it exports the
// objects first and then requests BusName, so no client ever sees the name
// without the objects behind it. It fails unless it becomes primary owner.
func (p *Player) Export(conn *dbus.Conn) error {
	s := &server{conn: conn, p: p, last: playerProps{status: StatusStopped, current: NoTrack, metadata: map[string]dbus.Variant{}}}
	rate := p.Rate()
	minRate, maxRate := p.RateRange()
	props, err := prop.Export(conn, ObjectPath, prop.Map{
		IfaceRoot: {
			"CanQuit":             {Value: false, Emit: prop.EmitConst},
			"CanRaise":            {Value: false, Emit: prop.EmitConst},
			"HasTrackList":        {Value: true, Emit: prop.EmitConst},
			"Identity":            {Value: Identity, Emit: prop.EmitConst},
			"SupportedUriSchemes": {Value: append([]string(nil), SupportedURISchemes...), Emit: prop.EmitConst},
			"SupportedMimeTypes":  {Value: []string{"audio/mpeg", "audio/ogg", "audio/flac"}, Emit: prop.EmitConst},
		},
		IfacePlayer: {
			"PlaybackStatus": {Value: StatusStopped, Emit: prop.EmitTrue},
			"Rate":           {Value: rate, Writable: true, Emit: prop.EmitTrue},
			"Volume":         {Value: 1.0, Writable: true, Emit: prop.EmitTrue},
			"MinimumRate":    {Value: minRate, Emit: prop.EmitTrue},
			"MaximumRate":    {Value: maxRate, Emit: prop.EmitTrue},
			"CanGoNext":      {Value: false, Emit: prop.EmitTrue},
			"CanGoPrevious":  {Value: false, Emit: prop.EmitTrue},
			"CanPlay":        {Value: false, Emit: prop.EmitTrue},
			"CanPause":       {Value: false, Emit: prop.EmitTrue},
			"CanSeek":        {Value: false, Emit: prop.EmitTrue},
			"CanControl":     {Value: true, Emit: prop.EmitFalse},
		},
		IfaceTrackList: {
			"CanEditTracks": {Value: true, Emit: prop.EmitTrue},
		},
	})
	if err != nil {
		return fmt.Errorf("export mpris properties: %w", err)
	}
	s.props = props
	exports := []struct {
		v     any
		iface string
	}{
		{propsFront{s}, "org.freedesktop.DBus.Properties"},
		{rootMethods{}, IfaceRoot},
		{trackListMethods{p}, IfaceTrackList},
		{introspect.Introspectable(introspectXML), "org.freedesktop.DBus.Introspectable"},
	}
	for _, e := range exports {
		if err := conn.Export(e.v, ObjectPath, e.iface); err != nil {
			unexport(conn)
			return fmt.Errorf("export %s: %w", e.iface, err)
		}
	}
	if err := conn.ExportMethodTable(playerMethods(p), ObjectPath, IfacePlayer); err != nil {
		unexport(conn)
		return fmt.Errorf("export %s: %w", IfacePlayer, err)
	}

	p.mu.Lock()
	p.bus = s
	p.publish()
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), busCallTimeout)
	defer cancel()
	var reply dbus.RequestNameReply
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.RequestName", 0, BusName, uint32(dbus.NameFlagDoNotQueue)).Store(&reply)
	if err != nil {
		p.detach(conn)
		return fmt.Errorf("request name %s: %w", BusName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		p.detach(conn)
		return music.Errorf(music.KindUnavailable, "bus name %s is already owned (reply %d)", BusName, reply)
	}
	return nil
}

// Unexport releases BusName and removes the objects from conn.
func (p *Player) Unexport(conn *dbus.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), busCallTimeout)
	defer cancel()
	err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ReleaseName", 0, BusName).Err
	p.detach(conn)
	if err != nil && !errors.Is(err, dbus.ErrClosed) {
		return fmt.Errorf("release name %s: %w", BusName, err)
	}
	return nil
}

func (p *Player) detach(conn *dbus.Conn) {
	p.mu.Lock()
	p.bus = nil
	p.mu.Unlock()
	unexport(conn)
}

func unexport(conn *dbus.Conn) {
	// Exporting nil removes; it cannot fail for a valid path.
	for _, iface := range []string{"org.freedesktop.DBus.Properties", IfaceRoot, IfaceTrackList, "org.freedesktop.DBus.Introspectable"} {
		_ = conn.Export(nil, ObjectPath, iface)
	}
	_ = conn.ExportMethodTable(nil, ObjectPath, IfacePlayer)
}

// The methods below are called with the player's lock held, so signals go
// out in the order of the changes. A nil server (not exported) ignores them.

func (s *server) publish(st playerProps) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.metadata == nil {
		st.metadata = map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(NoTrack)}
	}
	// Each track's metadata is fixed for its id, so an id change is the
	// metadata change; clients see Metadata once per track, not repeated.
	if st.current != s.last.current {
		s.emitChanged(IfacePlayer, map[string]dbus.Variant{"Metadata": dbus.MakeVariant(st.metadata)}, nil)
	}
	if st.status != s.last.status {
		s.set(IfacePlayer, "PlaybackStatus", st.status)
	}
	if st.canNext != s.last.canNext {
		s.set(IfacePlayer, "CanGoNext", st.canNext)
	}
	if st.canPrev != s.last.canPrev {
		s.set(IfacePlayer, "CanGoPrevious", st.canPrev)
	}
	if st.canPlay != s.last.canPlay {
		s.set(IfacePlayer, "CanPlay", st.canPlay)
		s.set(IfacePlayer, "CanPause", st.canPlay)
		s.set(IfacePlayer, "CanSeek", st.canPlay)
	}
	s.last = st
}

func (s *server) set(iface, name string, v any) {
	// SetMust panics only for an unknown interface or property, which
	// would be a bug in this file; the values' types match the map above.
	s.props.SetMust(iface, name, v)
}

// tracksChanged invalidates Tracks (the spec sends no value for it).
func (s *server) tracksChanged() {
	if s == nil {
		return
	}
	s.emitChanged(IfaceTrackList, map[string]dbus.Variant{}, []string{"Tracks"})
}

func (s *server) emitChanged(iface string, changed map[string]dbus.Variant, invalidated []string) {
	if invalidated == nil {
		invalidated = []string{}
	}
	s.emit("org.freedesktop.DBus.Properties.PropertiesChanged", iface, changed, invalidated)
}

func (s *server) emit(member string, args ...any) {
	if s == nil {
		return
	}
	if err := s.conn.Emit(ObjectPath, member, args...); err != nil {
		s.p.log.Warn().Err(err).Str("signal", member).Msg("emit signal")
	}
}

func (s *server) seeked(pos time.Duration) {
	s.emit(IfacePlayer+".Seeked", pos.Microseconds())
}

func (s *server) trackAdded(meta map[string]dbus.Variant, after dbus.ObjectPath) {
	s.emit(IfaceTrackList+".TrackAdded", meta, after)
}

func (s *server) trackRemoved(id dbus.ObjectPath) {
	s.emit(IfaceTrackList+".TrackRemoved", id)
}

// propsFront is the exported org.freedesktop.DBus.Properties: godbus/prop
// for the scalar properties, the player's state for the computed ones.
type propsFront struct{ s *server }

// computed returns a property served from the player's state.
func (f propsFront) computed(iface, name string) (dbus.Variant, bool) {
	switch {
	case iface == IfacePlayer && name == "Position":
		return dbus.MakeVariant(f.s.p.Position().Microseconds()), true
	case iface == IfacePlayer && name == "Metadata":
		return dbus.MakeVariant(f.s.p.metadataNow()), true
	case iface == IfaceTrackList && name == "Tracks":
		return dbus.MakeVariant(f.s.p.trackIDs()), true
	}
	return dbus.Variant{}, false
}

func (f propsFront) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	if v, ok := f.computed(iface, name); ok {
		return v, nil
	}
	return f.s.props.Get(iface, name)
}

func (f propsFront) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	all, err := f.s.props.GetAll(iface)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"Position", "Metadata", "Tracks"} {
		if v, ok := f.computed(iface, name); ok {
			all[name] = v
		}
	}
	return all, nil
}

func (f propsFront) Set(iface, name string, v dbus.Variant) *dbus.Error {
	if _, ok := f.computed(iface, name); ok {
		return prop.ErrReadOnly
	}
	if iface == IfacePlayer {
		switch name {
		case "Rate":
			// The rate is the virtual clock's speed: a ScaledClock's can
			// change, a ManualClock's cannot (MinimumRate = MaximumRate).
			// The spec says a rate outside the range is ignored.
			if r, ok := v.Value().(float64); ok {
				if lo, hi := f.s.p.RateRange(); math.IsNaN(r) || r < lo || r > hi || r == 0 {
					return nil
				}
				f.s.p.SetRate(r)
			}
		case "Volume":
			// The spec: a negative volume is set to 0.
			if vol, ok := v.Value().(float64); ok && vol < 0 {
				v = dbus.MakeVariant(0.0)
			}
		}
	}
	return f.s.props.Set(iface, name, v)
}

// rootMethods is org.mpris.MediaPlayer2: CanRaise and CanQuit are false, so
// Raise and Quit do nothing, as the spec allows.
type rootMethods struct{}

func (rootMethods) Raise() *dbus.Error { return nil }
func (rootMethods) Quit() *dbus.Error  { return nil }

// playerMethods is org.mpris.MediaPlayer2.Player, as a method table
// because a Go method named Seek must have io.Seeker's signature.
func playerMethods(p *Player) map[string]any {
	return map[string]any{
		"Next":      func() *dbus.Error { p.Next(); return nil },
		"Previous":  func() *dbus.Error { p.Previous(); return nil },
		"Pause":     func() *dbus.Error { p.Pause(); return nil },
		"PlayPause": func() *dbus.Error { p.PlayPause(); return nil },
		"Stop":      func() *dbus.Error { p.Stop(); return nil },
		"Play":      func() *dbus.Error { p.Play(); return nil },
		"Seek": func(offsetUS int64) *dbus.Error {
			p.Seek(microseconds(offsetUS))
			return nil
		},
		"SetPosition": func(id dbus.ObjectPath, posUS int64) *dbus.Error {
			p.SetPosition(id, microseconds(posUS))
			return nil
		},
		"OpenUri": func(uri string) *dbus.Error {
			_, err := p.OpenURI(uri)
			return busError(err)
		},
	}
}

// trackListMethods is org.mpris.MediaPlayer2.TrackList.
type trackListMethods struct{ p *Player }

func (m trackListMethods) GetTracksMetadata(ids []dbus.ObjectPath) ([]map[string]dbus.Variant, *dbus.Error) {
	return m.p.TracksMetadata(ids), nil
}

func (m trackListMethods) AddTrack(uri string, after dbus.ObjectPath, setCurrent bool) *dbus.Error {
	_, err := m.p.AddTrack(uri, after, setCurrent)
	return busError(err)
}

func (m trackListMethods) RemoveTrack(id dbus.ObjectPath) *dbus.Error {
	m.p.RemoveTrack(id)
	return nil
}

func (m trackListMethods) GoTo(id dbus.ObjectPath) *dbus.Error {
	m.p.GoTo(id)
	return nil
}

// busError maps the player's errors to standard D-Bus error names (MPRIS
// defines none of its own).
func busError(err error) *dbus.Error {
	if err == nil {
		return nil
	}
	name := "org.freedesktop.DBus.Error.Failed"
	switch music.KindOf(err) {
	case music.KindInvalid, music.KindNotFound:
		name = "org.freedesktop.DBus.Error.InvalidArgs"
	case music.KindUnavailable:
		name = "org.freedesktop.DBus.Error.LimitsExceeded"
	}
	return dbus.NewError(name, []any{music.MessageOf(err)})
}

// microseconds converts an MPRIS time, clamped so that no value a client
// sends can overflow a time.Duration (±106 days is beyond any track).
func microseconds(us int64) time.Duration {
	const limit = math.MaxInt64 / int64(time.Microsecond)
	return time.Duration(min(max(us, -limit), limit)) * time.Microsecond
}
