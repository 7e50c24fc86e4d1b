package web

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/busval"
)

// Names on the bus: the daemon's public API and the MPRIS players, nothing
// else (the page is a client like any HMI).
const (
	daemonName   = "org.continuo.Recommender1"
	daemonIface  = "org.continuo.Recommender1"
	daemonPath   = dbus.ObjectPath("/org/continuo/Recommender1")
	mprisPrefix  = "org.mpris.MediaPlayer2"
	mprisPath    = dbus.ObjectPath("/org/mpris/MediaPlayer2")
	mprisRoot    = "org.mpris.MediaPlayer2"
	mprisPlayer  = "org.mpris.MediaPlayer2.Player"
	propsIface   = "org.freedesktop.DBus.Properties"
	propsChanged = propsIface + ".PropertiesChanged"
	ownerChanged = "org.freedesktop.DBus.NameOwnerChanged"
	// emulatorName is continuo-emu's player (internal/emulator.BusName),
	// repeated here so that continuoctl does not link the emulator.
	emulatorName = "org.mpris.MediaPlayer2.continuo_emu"
)

// errNoBus answers calls made while the bus connection is down.
var errNoBus = errors.New("not connected to D-Bus")

// busClient is the page's one bus connection. One goroutine, run, owns it:
// it connects (and reconnects with backoff), follows the signals into the
// hub, and sends the handlers' calls, which reach it over calls. Replies go
// straight back to the caller, so a slow method never holds up the signals.
type busClient struct {
	addr    string
	timeout time.Duration // each call the owner makes itself
	log     zerolog.Logger
	hub     *hub
	calls   chan *busCall
	resync  chan struct{} // a page sent feedback: read it back (buffered 1)
	done    chan struct{} // closed when run returns

	// Owned by run.
	conn         *dbus.Conn
	playerName   string // the daemon's ActivePlayer
	playerOwner  string // its unique name: MPRIS signals come from it
	nowTrackID   dbus.ObjectPath
	lastFeedback int64 // newest Feedbacks row charted; -1: Feedbacks is not allowed
}

type busCall struct {
	ctx    context.Context
	dest   string
	path   dbus.ObjectPath
	method string
	args   []any
	reply  chan *dbus.Call // buffered: godbus requires it
}

func newBusClient(addr string, timeout time.Duration, h *hub, log zerolog.Logger) *busClient {
	return &busClient{addr: addr, timeout: timeout, log: log, hub: h, calls: make(chan *busCall), resync: make(chan struct{}, 1), done: make(chan struct{})}
}

// call makes a method call through the owner; ctx is its deadline.
func (b *busClient) call(ctx context.Context, dest string, path dbus.ObjectPath, method string, args ...any) (*dbus.Call, error) {
	c := &busCall{ctx: ctx, dest: dest, path: path, method: method, args: args, reply: make(chan *dbus.Call, 1)}
	select {
	case b.calls <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-b.done:
		return nil, errNoBus
	}
	select {
	case r := <-c.reply:
		return r, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// feedbackChanged asks the owner to read the new feedback back.
func (b *busClient) feedbackChanged() {
	select {
	case b.resync <- struct{}{}:
	default: // one is pending already
	}
}

// daemonCall calls a method of the daemon's interface.
func (b *busClient) daemonCall(ctx context.Context, method string, args ...any) (*dbus.Call, error) {
	return b.call(ctx, daemonName, daemonPath, daemonIface+"."+method, args...)
}

// run connects and follows the bus until ctx ends, reconnecting with
// backoff when the connection is lost.
func (b *busClient) run(ctx context.Context) {
	defer close(b.done)
	backoff := 100 * time.Millisecond
	for {
		err := b.session(ctx)
		if ctx.Err() != nil {
			return
		}
		b.log.Warn().Err(err).Dur("retry_in", backoff).Msg("bus connection lost")
		b.hub.update(func(s *Snapshot) { s.Bus, s.Daemon.Up = err.Error(), false })
		if !b.idle(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// idle waits d, answering calls with errNoBus meanwhile; false when ctx ended.
func (b *busClient) idle(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case c := <-b.calls:
			c.reply <- &dbus.Call{Err: errNoBus}
		}
	}
}

// session is one connection's life: subscribe, read the state, then follow
// signals and send calls until ctx ends or the connection drops.
func (b *busClient) session(ctx context.Context) error {
	conn, err := dbus.Connect(b.addr, dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	if err != nil {
		return fmt.Errorf("connect to D-Bus: %w", err)
	}
	b.conn = conn
	defer func() { _ = conn.Close(); b.conn, b.playerName, b.playerOwner, b.nowTrackID = nil, "", "", "" }()
	sigs := make(chan *dbus.Signal, 64)
	conn.Signal(sigs)
	for _, m := range [][]dbus.MatchOption{
		{dbus.WithMatchObjectPath(daemonPath)},
		{dbus.WithMatchObjectPath(mprisPath)},
		{dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, daemonName)},
		{dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchOption("arg0namespace", mprisPrefix)},
	} {
		cctx, cancel := context.WithTimeout(ctx, b.timeout)
		err := conn.AddMatchSignalContext(cctx, m...)
		cancel()
		if err != nil {
			return fmt.Errorf("subscribe to signals: %w", err)
		}
	}
	b.hub.update(func(s *Snapshot) { s.Bus = "" })
	b.refreshDaemon(ctx)
	b.lastFeedback = 0
	b.readFeedback(ctx, false)
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig, ok := <-sigs:
			if !ok {
				return errors.New("the bus connection closed")
			}
			b.handle(ctx, sig)
		case c := <-b.calls:
			conn.Object(c.dest, c.path).GoWithContext(c.ctx, c.method, 0, c.reply, c.args...)
		case <-b.resync:
			b.readFeedback(ctx, true)
		}
	}
}

// feedbackPage is how many Feedbacks rows are read back at a time: more
// than a driver gives between two signals.
const feedbackPage = 20

// readFeedback charts the likes and dislikes given since the last read,
// by any client (the API signals none, so this runs on the signals that
// follow feedback: a page's action, Played, QueueUpdated). The first read
// of a connection only notes where the history stands. Feedbacks is
// privileged: a page run by another user does without these markers.
func (b *busClient) readFeedback(ctx context.Context, chart bool) {
	if b.lastFeedback < 0 {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var rows []map[string]dbus.Variant
	err := b.conn.Object(daemonName, daemonPath).CallWithContext(cctx, daemonIface+".Feedbacks", 0, "", uint32(feedbackPage), int64(0)).Store(&rows)
	if name, _ := dbusError(err); name == "org.continuo.Error.AccessDenied" {
		b.lastFeedback = -1
		return
	}
	if err != nil {
		b.log.Debug().Err(err).Msg("read feedback back")
		return
	}
	newest := b.lastFeedback
	var fresh []map[string]dbus.Variant
	for _, r := range rows { // newest first
		id := busval.Get[int64](r, "continuo:feedback")
		newest = max(newest, id)
		if id > b.lastFeedback {
			fresh = append(fresh, r)
		}
	}
	b.lastFeedback = newest
	if !chart || len(fresh) == 0 {
		return
	}
	b.hub.update(func(s *Snapshot) {
		for i := len(fresh) - 1; i >= 0; i-- {
			kind, id := busval.Get[string](fresh[i], "continuo:kind"), busval.Get[string](fresh[i], "continuo:id")
			if kind != "like" && kind != "dislike" {
				continue
			}
			s.markAt(id, kind, kind+"d "+titleOf(s, id))
			if s.Now != nil && s.Now.ID == id {
				n := *s.Now
				n.Verdict = kind
				s.Now = &n
			}
		}
	})
}

// get reads one property with the owner's deadline.
func (b *busClient) getAll(ctx context.Context, dest string, path dbus.ObjectPath, iface string) (map[string]dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var props map[string]dbus.Variant
	err := b.conn.Object(dest, path).CallWithContext(ctx, propsIface+".GetAll", 0, iface).Store(&props)
	return props, err
}

func (b *busClient) get(ctx context.Context, dest string, path dbus.ObjectPath, iface, name string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var v dbus.Variant
	err := b.conn.Object(dest, path).CallWithContext(ctx, propsIface+".Get", 0, iface, name).Store(&v)
	return v, err
}

// refreshDaemon reads all the daemon's properties (at connect, and when
// continuod comes back) and follows its player.
func (b *busClient) refreshDaemon(ctx context.Context) {
	props, err := b.getAll(ctx, daemonName, daemonPath, daemonIface)
	if err != nil {
		b.hub.update(func(s *Snapshot) { s.Daemon = Daemon{} })
		b.followPlayer(ctx, "")
		return
	}
	b.hub.update(func(s *Snapshot) {
		s.Daemon = Daemon{Up: true}
		_, s.Context.Available = props["Context"]
		s.Context.Entries = []Entry{}
		b.applyDaemonProps(s, props, false)
	})
	b.followPlayer(ctx, busval.Get[string](props, "ActivePlayer"))
}

// applyDaemonProps copies changed daemon properties into s; marks puts the
// driver-visible changes (mood, explicit, context) on the chart.
func (b *busClient) applyDaemonProps(s *Snapshot, props map[string]dbus.Variant, marks bool) {
	d := &s.Daemon
	for k, v := range props {
		switch k {
		case "Version":
			d.Version, _ = v.Value().(string)
		case "CatalogSize":
			d.CatalogSize, _ = v.Value().(uint32)
		case "ActiveProfile":
			d.ActiveProfile, _ = v.Value().(string)
		case "ActivePlayer":
			d.ActivePlayer, _ = v.Value().(string)
		case "QueueMechanism":
			d.QueueMechanism, _ = v.Value().(string)
		case "Mood":
			d.Mood, _ = v.Value().(string)
			if marks {
				s.addMarker("mood", "mood "+first(d.Mood, "off"))
			}
		case "ExplicitAllowed":
			d.ExplicitAllowed, _ = v.Value().(bool)
			if marks {
				s.addMarker("explicit", map[bool]string{true: "explicit allowed", false: "kids mode"}[d.ExplicitAllowed])
			}
		case "Queue":
			ds, _ := v.Value().([]map[string]dbus.Variant)
			s.Queue = tracksFromDicts(ds)
		case "Context":
			old := s.Context.Entries
			s.Context = Context{Available: true, Entries: contextEntries(v)}
			if marks {
				s.addMarker("context", contextChange(old, s.Context.Entries))
			}
		}
	}
}

// handle applies one signal; anything malformed or from elsewhere is
// dropped (checked extraction: nothing from the bus is trusted).
func (b *busClient) handle(ctx context.Context, sig *dbus.Signal) {
	switch {
	case sig.Name == ownerChanged:
		b.ownerChanged(ctx, sig)
	case sig.Path == daemonPath:
		b.daemonSignal(ctx, sig)
	case sig.Path == mprisPath && sig.Sender == b.playerOwner && b.playerOwner != "":
		b.playerSignal(ctx, sig)
	}
}

func (b *busClient) ownerChanged(ctx context.Context, sig *dbus.Signal) {
	name, ok1 := busval.Arg[string](sig, 0)
	owner, ok2 := busval.Arg[string](sig, 2)
	switch {
	case !ok1 || !ok2:
	case name == daemonName && owner == "":
		b.hub.update(func(s *Snapshot) { s.Daemon.Up = false })
	case name == daemonName:
		b.refreshDaemon(ctx)
	case name == b.playerName:
		b.followPlayer(ctx, b.playerName)
	}
}

func (b *busClient) daemonSignal(ctx context.Context, sig *dbus.Signal) {
	switch sig.Name {
	case daemonIface + ".QueueUpdated":
		ds, ok := busval.Arg[[]map[string]dbus.Variant](sig, 0)
		if !ok {
			return
		}
		q := tracksFromDicts(ds)
		b.hub.remember(q...)
		b.hub.update(func(s *Snapshot) { s.Queue = q })
		b.readFeedback(ctx, true)
	case daemonIface + ".Played":
		id, _ := busval.Arg[string](sig, 0)
		if outcome, _ := busval.Arg[string](sig, 1); outcome == "skipped" {
			b.hub.update(func(s *Snapshot) { s.markAt(id, "skip", "skipped "+titleOf(s, id)) })
		}
		b.readFeedback(ctx, true)
	case propsChanged:
		b.daemonPropsChanged(ctx, sig)
	}
}

func (b *busClient) daemonPropsChanged(ctx context.Context, sig *dbus.Signal) {
	if iface, _ := busval.Arg[string](sig, 0); iface != daemonIface {
		return
	}
	changed, ok := busval.Arg[map[string]dbus.Variant](sig, 1)
	if !ok {
		changed = map[string]dbus.Variant{}
	}
	invalidated, _ := busval.Arg[[]string](sig, 2)
	for _, name := range invalidated {
		if v, err := b.get(ctx, daemonName, daemonPath, daemonIface, name); err == nil {
			changed[name] = v
		}
	}
	if q, ok := changed["Queue"].Value().([]map[string]dbus.Variant); ok {
		b.hub.remember(tracksFromDicts(q)...)
	}
	b.hub.update(func(s *Snapshot) { b.applyDaemonProps(s, changed, true) })
	if p, ok := changed["ActivePlayer"].Value().(string); ok && p != b.playerName {
		b.followPlayer(ctx, p)
	}
}

// titleOf names a chart point by id for a marker label.
func titleOf(s *Snapshot, id string) string {
	for i := len(s.Points) - 1; i >= 0; i-- {
		if s.Points[i].ID == id {
			return s.Points[i].Title
		}
	}
	return "a track"
}

// followPlayer switches to the daemon's active player: its unique name (to
// filter its signals) and its state.
func (b *busClient) followPlayer(ctx context.Context, name string) {
	b.playerName, b.playerOwner, b.nowTrackID = name, "", ""
	if name == "" {
		b.hub.update(func(s *Snapshot) { s.Player, s.Now = nil, nil })
		return
	}
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	err := b.conn.BusObject().CallWithContext(cctx, "org.freedesktop.DBus.GetNameOwner", 0, name).Store(&b.playerOwner)
	cancel()
	if err != nil {
		b.hub.update(func(s *Snapshot) { s.Player, s.Now = &Player{Name: name, Status: "gone"}, nil })
		return
	}
	props, err := b.getAll(ctx, name, mprisPath, mprisPlayer)
	if err != nil {
		b.log.Debug().Err(err).Str("player", name).Msg("read player properties")
		props = map[string]dbus.Variant{}
	}
	identity, _ := b.get(ctx, name, mprisPath, mprisRoot, "Identity")
	p := &Player{Name: name, Emulator: name == emulatorName}
	p.Identity, _ = identity.Value().(string)
	b.hub.update(func(s *Snapshot) { s.Player = p; applyPlayerProps(p, props) })
	b.playerChanged(ctx, props)
}

func applyPlayerProps(p *Player, props map[string]dbus.Variant) {
	for k, v := range props {
		switch k {
		case "PlaybackStatus":
			p.Status, _ = v.Value().(string)
		case "Rate":
			p.Rate, _ = v.Value().(float64)
		case "MinimumRate":
			p.MinRate, _ = v.Value().(float64)
		case "MaximumRate":
			p.MaxRate, _ = v.Value().(float64)
		}
	}
}

func (b *busClient) playerSignal(ctx context.Context, sig *dbus.Signal) {
	switch sig.Name {
	case propsChanged:
		if iface, _ := busval.Arg[string](sig, 0); iface != mprisPlayer {
			return
		}
		changed, _ := busval.Arg[map[string]dbus.Variant](sig, 1)
		b.hub.update(func(s *Snapshot) {
			if s.Player != nil {
				p := *s.Player
				applyPlayerProps(&p, changed)
				s.Player = &p
			}
		})
		b.playerChanged(ctx, changed)
	case mprisPlayer + ".Seeked":
		if pos, ok := busval.Arg[int64](sig, 0); ok {
			b.setPosition(pos)
		}
	}
}

// playerChanged follows a new track (Metadata) and re-reads the position
// when the track, the status or the rate changed: MPRIS never signals
// Position.
func (b *busClient) playerChanged(ctx context.Context, changed map[string]dbus.Variant) {
	meta, hasMeta := changed["Metadata"].Value().(map[string]dbus.Variant)
	_, hasStatus := changed["PlaybackStatus"]
	_, hasRate := changed["Rate"] // the page extrapolates at the new rate from here
	if !hasMeta && !hasStatus && !hasRate {
		return
	}
	if hasMeta {
		b.newMetadata(ctx, meta)
	}
	if v, err := b.get(ctx, b.playerName, mprisPath, mprisPlayer, "Position"); err == nil {
		if pos, ok := v.Value().(int64); ok {
			b.setPosition(pos)
		}
	}
}

func (b *busClient) newMetadata(ctx context.Context, meta map[string]dbus.Variant) {
	id, _ := meta["mpris:trackid"].Value().(dbus.ObjectPath)
	t := trackFromMetadata(meta)
	if t.URL == "" && t.Title == "" {
		b.nowTrackID = ""
		b.hub.update(func(s *Snapshot) { s.Now = nil })
		return
	}
	if id == b.nowTrackID && id != "" {
		return // the same track's metadata again
	}
	b.nowTrackID = id
	t = b.hub.enrich(t)
	if t.Family == "" && t.ID != "" {
		t = b.describe(ctx, t)
	}
	b.hub.update(func(s *Snapshot) {
		// A track that was not in the queue Continuo announced was asked
		// for (by this page, a voice assistant, the emulator's script).
		asked := t.ID == "" || !s.inQueue(t.ID)
		s.Now = &Now{Track: t, AtMS: nowMS()}
		s.startTrack(t)
		if asked {
			s.markAsk(len(s.Points)-1, "")
		}
	})
}

// describe asks the daemon about a catalog track it never announced to the
// page (asked for by another client): Resolve by its title and artist,
// taking only the reading with the same id, and Explain for the reason.
func (b *busClient) describe(ctx context.Context, t Track) Track {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	obj := b.conn.Object(daemonName, daemonPath)
	var ds []map[string]dbus.Variant
	q := strings.TrimSpace(t.Title + " " + strings.Join(t.Artists[:min(len(t.Artists), 1)], ""))
	if len(q) > maxQuery {
		q = strings.ToValidUTF8(q[:maxQuery], "")
	}
	if err := obj.CallWithContext(ctx, daemonIface+".Resolve", 0, q, uint32(5)).Store(&ds); err == nil {
		for _, r := range tracksFromDicts(ds) {
			if r.ID == t.ID {
				t.Family, t.Valence, t.Energy, t.Album = r.Family, r.Valence, r.Energy, r.Album
				break
			}
		}
	}
	var reason string
	if err := obj.CallWithContext(ctx, daemonIface+".Explain", 0, t.ID).Store(&reason); err == nil {
		t.Reason = reason
	}
	return t
}

func (b *busClient) setPosition(pos int64) {
	b.hub.update(func(s *Snapshot) {
		if s.Now != nil {
			n := *s.Now
			n.PositionUS, n.AtMS = pos, nowMS()
			s.Now = &n
		}
	})
}
