// Package mpris follows MPRIS2 media players on a D-Bus connection and
// calls their methods. It owns the player-side view of the world: which
// players exist (by well-known name and unique owner), what each one plays,
// its status and an extrapolated position, and the typed events the daemon
// reacts to. Every quirk of real players' Metadata is normalised in one
// place, ParseMetadata.
//
// The caller creates the connection (dbus.Connect, never the shared
// SessionBus) and should pass dbus.WithSignalHandler(
// dbus.NewSequentialSignalHandler()) so signals keep their order; the client
// also copes with the default handler thanks to its buffered channel. When
// the connection closes, Events() is closed: the owner reconnects and starts
// a new Client, which re-reads everything.
package mpris

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// DefaultCallTimeout bounds every outbound D-Bus call unless Options says
// otherwise.
const DefaultCallTimeout = 2 * time.Second

// Buffer sizes: the signal channel absorbs bursts (mpDris2 repeats Metadata
// 3× per queue edit); the event channel lets the owner lag a little.
const (
	signalBuffer = 256
	eventBuffer  = 64
)

// EventKind says what happened to a player.
type EventKind int

const (
	PlayerAppeared EventKind = iota + 1 // a player's name got an owner; Player holds everything read
	PlayerVanished                      // the name lost its owner; Player is the last known state
	TrackChanged                        // trackid or xesam:url changed; Prev is the old track
	StatusChanged                       // PlaybackStatus changed
	Seeked                              // the player jumped; Player.Position is the new position
	// MetadataChanged: same track (trackid and URL), other fields changed,
	// e.g. mpv-mpris sends the length in a second Metadata after the first.
	// Repeated identical Metadata (mpDris2) produces no event at all.
	MetadataChanged
)

func (k EventKind) String() string {
	switch k {
	case PlayerAppeared:
		return "appeared"
	case PlayerVanished:
		return "vanished"
	case TrackChanged:
		return "track-changed"
	case StatusChanged:
		return "status-changed"
	case Seeked:
		return "seeked"
	case MetadataChanged:
		return "metadata-changed"
	}
	return fmt.Sprintf("event(%d)", int(k))
}

// Event is one change of one player. Player is a snapshot taken right after
// the change.
type Event struct {
	Kind   EventKind
	Player PlayerState
	Prev   TrackMeta // the previous track (TrackChanged) or metadata (MetadataChanged)
}

// Options configure a Client.
type Options struct {
	Logger      zerolog.Logger
	CallTimeout time.Duration // per outbound call; DefaultCallTimeout when 0
}

// Client follows the MPRIS players on one connection. One goroutine (run)
// owns the player state; Players and Player read a snapshot it publishes
// under a mutex, and the outbound calls go straight to the bus with a
// deadline, so no caller ever waits for the loop.
type Client struct {
	conn    *dbus.Conn
	log     zerolog.Logger
	timeout time.Duration

	sigs   chan *dbus.Signal
	events chan Event

	// Owned by run after Start returns. readSeq is the bus sequence number
	// of the last GetAll reply per player: signals queued before that reply
	// are older than what GetAll returned and must not overwrite it.
	players map[string]*PlayerState
	readSeq map[string]dbus.Sequence

	mu       sync.Mutex
	snapshot map[string]PlayerState

	startMu sync.Mutex
	started bool // run was started
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// NewClient returns a client on conn; Start begins following players. The
// client never closes conn.
func NewClient(conn *dbus.Conn, opts Options) *Client {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	return &Client{
		conn:     conn,
		log:      opts.Logger.With().Str("component", "mpris").Logger(),
		timeout:  opts.CallTimeout,
		sigs:     make(chan *dbus.Signal, signalBuffer),
		events:   make(chan Event, eventBuffer),
		players:  map[string]*PlayerState{},
		readSeq:  map[string]dbus.Sequence{},
		snapshot: map[string]PlayerState{},
		done:     make(chan struct{}),
	}
}

// matchRules are the signals the client needs. Match rules do not survive a
// new connection, which is one more reason a reconnect means a new Client.
func matchRules() [][]dbus.MatchOption {
	return [][]dbus.MatchOption{
		{
			dbus.WithMatchSender("org.freedesktop.DBus"),
			dbus.WithMatchInterface("org.freedesktop.DBus"),
			dbus.WithMatchMember("NameOwnerChanged"),
			dbus.WithMatchArg0Namespace("org.mpris.MediaPlayer2"),
		},
		{
			dbus.WithMatchInterface(ifaceProps),
			dbus.WithMatchMember("PropertiesChanged"),
			dbus.WithMatchObjectPath(objectPath),
		},
		{
			dbus.WithMatchInterface(ifacePlayer),
			dbus.WithMatchMember("Seeked"),
			dbus.WithMatchObjectPath(objectPath),
		},
	}
}

// Start adds the match rules, lists the players already on the bus, reads
// their properties and starts the goroutine that follows them. ctx bounds
// only these start-up calls; the client runs until Close or until the
// connection closes. Players() is complete when Start returns, and a
// PlayerAppeared event is queued for each player found.
func (c *Client) Start(ctx context.Context) error {
	c.startMu.Lock()
	defer c.startMu.Unlock()
	if c.started || c.closed {
		return errors.New("mpris: client already started or closed")
	}
	for _, rule := range matchRules() {
		cctx, cancel := context.WithTimeout(ctx, c.timeout)
		err := c.conn.AddMatchSignalContext(cctx, rule...)
		cancel()
		if err != nil {
			return music.WrapKind(music.KindUnavailable, err, "mpris: add match rule")
		}
	}
	// Register before listing, so a player that appears in between is seen
	// by NameOwnerChanged (appear is idempotent for an unchanged owner).
	c.conn.Signal(c.sigs)

	names, err := c.listPlayers(ctx)
	if err != nil {
		c.conn.RemoveSignal(c.sigs)
		c.removeMatches()
		return err
	}
	var found []PlayerState
	for name, owner := range names {
		p := c.readPlayer(ctx, name, owner)
		c.players[name] = p.state
		c.readSeq[name] = p.seq
		found = append(found, *p.state)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Name < found[j].Name })
	c.publish()

	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.started = true
	go c.run(runCtx, found)
	return nil
}

// listPlayers returns well-known MPRIS names and their unique owners. Only
// names with an owner are listed: activatable-only names (ListActivatableNames)
// are deliberately not followed, since calling them would start a player.
func (c *Client) listPlayers(ctx context.Context) (map[string]string, error) {
	var names []string
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if err := c.conn.BusObject().CallWithContext(cctx, "org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		return nil, music.WrapKind(music.KindUnavailable, err, "mpris: list bus names")
	}
	out := map[string]string{}
	for _, name := range names {
		if !isPlayerName(name) {
			continue
		}
		var owner string
		err := c.conn.BusObject().CallWithContext(cctx, "org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner)
		if err != nil {
			// It left between ListNames and now: NameOwnerChanged says so.
			c.log.Debug().Err(err).Str("player", name).Msg("player vanished during discovery")
			continue
		}
		out[name] = owner
	}
	return out, nil
}

// Events returns the event channel. It is closed when the client stops:
// after Close, or when the connection is lost.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the client's goroutine has stopped.
func (c *Client) Done() <-chan struct{} { return c.done }

// Players returns a snapshot of all players, sorted by name.
func (c *Client) Players() []PlayerState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]PlayerState, 0, len(c.snapshot))
	for _, p := range c.snapshot {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Player returns one player by well-known or short name.
func (c *Client) Player(name string) (PlayerState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.snapshot[FullName(name)]
	return p, ok
}

// Close stops the goroutine and waits for it, then removes the client's
// signal channel and match rules (if the connection is still up). It does not
// close the connection. Close is idempotent.
func (c *Client) Close() error {
	c.startMu.Lock()
	if c.closed {
		c.startMu.Unlock()
		<-c.done
		return nil
	}
	c.closed = true
	started := c.started
	c.startMu.Unlock()
	if !started {
		// Never ran (or Start failed): close the channels run would have.
		close(c.events)
		close(c.done)
		return nil
	}
	c.cancel()
	<-c.done
	c.conn.RemoveSignal(c.sigs)
	if c.conn.Connected() {
		c.removeMatches()
	}
	return nil
}

func (c *Client) removeMatches() {
	for _, rule := range matchRules() {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		if err := c.conn.RemoveMatchSignalContext(ctx, rule...); err != nil {
			c.log.Debug().Err(err).Msg("remove match rule")
		}
		cancel()
	}
}

// publish copies the loop's state into the snapshot. Called only by the
// owner of c.players (Start before run begins, then run).
func (c *Client) publish() {
	snap := make(map[string]PlayerState, len(c.players))
	for name, p := range c.players {
		snap[name] = *p
	}
	c.mu.Lock()
	c.snapshot = snap
	c.mu.Unlock()
}

func (c *Client) run(ctx context.Context, found []PlayerState) {
	defer close(c.done)
	defer close(c.events)
	for _, p := range found {
		if !c.emit(ctx, Event{Kind: PlayerAppeared, Player: p}) {
			return
		}
	}
	connDone := c.conn.Context().Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-connDone:
			c.log.Warn().Msg("bus connection closed; events channel closed")
			return
		case sig, ok := <-c.sigs:
			if !ok {
				c.log.Warn().Msg("signal channel closed (connection lost); events channel closed")
				return
			}
			if !c.handle(ctx, sig) {
				return
			}
		}
	}
}

// emit queues an event; it blocks while the channel is full (the owner must
// keep reading) but never past Close. It reports false when stopping.
func (c *Client) emit(ctx context.Context, ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// handle applies one signal. Every body is checked before use: a malformed
// signal is logged at Debug and dropped.
func (c *Client) handle(ctx context.Context, sig *dbus.Signal) bool {
	if sig == nil {
		return true
	}
	switch sig.Name {
	case "org.freedesktop.DBus.NameOwnerChanged":
		name, ok1 := arg[string](sig.Body, 0)
		_, ok2 := arg[string](sig.Body, 1) // old owner: the client's map already knows it
		newOwner, ok3 := arg[string](sig.Body, 2)
		if !ok1 || !ok2 || !ok3 || sig.Sender != "org.freedesktop.DBus" {
			c.log.Debug().Str("sender", sig.Sender).Msg("[unexpected] NameOwnerChanged body; dropped")
			return true
		}
		if !isPlayerName(name) {
			return true
		}
		if newOwner == "" {
			return c.vanish(ctx, name)
		}
		return c.appear(ctx, name, newOwner)
	case ifaceProps + ".PropertiesChanged":
		if sig.Path != objectPath {
			return true
		}
		iface, ok1 := arg[string](sig.Body, 0)
		changed, ok2 := arg[map[string]dbus.Variant](sig.Body, 1)
		invalidated, ok3 := arg[[]string](sig.Body, 2)
		if !ok1 || !ok2 {
			c.log.Debug().Str("sender", sig.Sender).Msg("[unexpected] PropertiesChanged body; dropped")
			return true
		}
		if !ok3 {
			invalidated = nil
		}
		return c.propertiesChanged(ctx, sig.Sender, sig.Sequence, iface, changed, invalidated)
	case ifacePlayer + ".Seeked":
		if sig.Path != objectPath {
			return true
		}
		us, ok := arg[int64](sig.Body, 0)
		if !ok {
			c.log.Debug().Str("sender", sig.Sender).Msg("[unexpected] Seeked body; dropped")
			return true
		}
		return c.seeked(ctx, sig.Sender, sig.Sequence, us)
	}
	return true
}

// arg extracts body[i] as T, reporting false instead of panicking.
func arg[T any](body []any, i int) (T, bool) {
	var zero T
	if i < 0 || i >= len(body) {
		return zero, false
	}
	v, ok := body[i].(T)
	return v, ok
}

// appear registers a player whose name got an owner, or re-reads it when
// the owner changed (a restart). A repeat for an unchanged owner is ignored.
func (c *Client) appear(ctx context.Context, name, owner string) bool {
	if p, ok := c.players[name]; ok {
		if p.Owner == owner {
			return true
		}
		if !c.vanish(ctx, name) {
			return false
		}
	}
	read := c.readPlayer(ctx, name, owner)
	p := read.state
	c.players[name] = p
	c.readSeq[name] = read.seq
	c.publish()
	c.log.Info().Str("player", name).Str("status", p.Status).Msg("player appeared")
	return c.emit(ctx, Event{Kind: PlayerAppeared, Player: *p})
}

func (c *Client) vanish(ctx context.Context, name string) bool {
	p, ok := c.players[name]
	if !ok {
		return true
	}
	delete(c.players, name)
	delete(c.readSeq, name)
	c.publish()
	c.log.Info().Str("player", name).Msg("player vanished")
	return c.emit(ctx, Event{Kind: PlayerVanished, Player: *p})
}

type readResult struct {
	state *PlayerState
	seq   dbus.Sequence // of the last GetAll reply
}

// readPlayer reads all properties of a player (GetAll per interface, each
// with a deadline). A player that does not answer is still registered: its
// PropertiesChanged signals fill the state in later.
func (c *Client) readPlayer(ctx context.Context, name, owner string) readResult {
	now := time.Now()
	p := &PlayerState{Name: name, Owner: owner, Rate: 1, LastActive: now}
	var last dbus.Sequence
	for _, iface := range []string{ifaceRoot, ifacePlayer} {
		props, seq, err := c.getAll(ctx, owner, iface)
		if err != nil {
			c.log.Warn().Err(err).Str("player", name).Str("interface", iface).Msg("read player properties")
			continue
		}
		last = max(last, seq)
		applyProps(p, iface, props, now)
	}
	if p.HasTrackList {
		if props, seq, err := c.getAll(ctx, owner, ifaceTrackList); err == nil {
			last = max(last, seq)
			applyProps(p, ifaceTrackList, props, now)
		} else {
			c.log.Debug().Err(err).Str("player", name).Msg("read TrackList properties")
		}
	}
	return readResult{state: p, seq: last}
}

func (c *Client) getAll(ctx context.Context, dest, iface string) (map[string]dbus.Variant, dbus.Sequence, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var props map[string]dbus.Variant
	call := c.conn.Object(dest, objectPath).CallWithContext(ctx, ifaceProps+".GetAll", 0, iface)
	if err := call.Store(&props); err != nil {
		return nil, 0, fmt.Errorf("GetAll %s: %w", iface, err)
	}
	return props, call.ResponseSequence, nil
}

func (c *Client) getProp(ctx context.Context, dest, iface, prop string) (dbus.Variant, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var v dbus.Variant
	err := c.conn.Object(dest, objectPath).CallWithContext(ctx, ifaceProps+".Get", 0, iface, prop).Store(&v)
	if err != nil {
		return dbus.Variant{}, fmt.Errorf("get %s.%s: %w", iface, prop, err)
	}
	return v, nil
}

// applyProps stores the properties the client models; unknown names and
// values of the wrong type are ignored.
func applyProps(p *PlayerState, iface string, props map[string]dbus.Variant, now time.Time) {
	for name, v := range props {
		val := unwrap(v.Value())
		switch iface + "." + name {
		case ifaceRoot + ".Identity":
			if s, ok := val.(string); ok {
				p.Identity = s
			}
		case ifaceRoot + ".HasTrackList":
			if b, ok := val.(bool); ok {
				p.HasTrackList = b
			}
		case ifacePlayer + ".PlaybackStatus":
			if s, ok := val.(string); ok {
				p.Status = s
			}
		case ifacePlayer + ".Metadata":
			if m, ok := val.(map[string]dbus.Variant); ok {
				p.Track = ParseMetadata(m)
			}
		case ifacePlayer + ".Position":
			if us, ok := val.(int64); ok {
				p.Position = micros(us)
				p.PositionAt = now
			}
		case ifacePlayer + ".Rate":
			if r, ok := val.(float64); ok {
				p.Rate = r
			}
		case ifacePlayer + ".CanGoNext":
			if b, ok := val.(bool); ok {
				p.CanGoNext = b
			}
		case ifacePlayer + ".CanControl":
			if b, ok := val.(bool); ok {
				p.CanControl = b
			}
		case ifaceTrackList + ".CanEditTracks":
			if b, ok := val.(bool); ok {
				p.CanEditTracks = b
			}
		}
	}
}

// propertiesChanged applies a PropertiesChanged from a unique name to the
// player(s) it owns and emits the resulting events.
func (c *Client) propertiesChanged(ctx context.Context, sender string, seq dbus.Sequence, iface string, changed map[string]dbus.Variant, invalidated []string) bool {
	for _, name := range c.namesOwnedBy(sender) {
		if c.stale(name, seq) {
			continue
		}
		p := c.players[name]
		props := make(map[string]dbus.Variant, len(changed)+len(invalidated))
		for k, v := range changed {
			props[k] = v
		}
		// Invalidated properties come without values: read them again.
		for _, prop := range invalidated {
			v, err := c.getProp(ctx, p.Owner, iface, prop)
			if err != nil {
				c.log.Debug().Err(err).Str("player", name).Msg("re-read invalidated property")
				continue
			}
			props[prop] = v
		}
		now := time.Now()
		old := *p
		// Freeze the extrapolated position before status or rate change,
		// so the new rate applies only from now on.
		p.Position, p.PositionAt = old.PositionNow(now), now
		applyProps(p, iface, props, now)
		_, posGiven := props["Position"]

		var evs []Event
		if !old.Track.SameTrack(p.Track) {
			if !posGiven {
				p.Position, p.PositionAt = 0, now
			}
			p.LastActive = now
			evs = append(evs, Event{Kind: TrackChanged, Prev: old.Track})
			c.log.Debug().Str("player", name).Str("trackid", p.Track.TrackID).Str("url", p.Track.URL).Msg("track changed")
		}
		if old.Track.SameTrack(p.Track) && !reflect.DeepEqual(old.Track, p.Track) {
			evs = append(evs, Event{Kind: MetadataChanged, Prev: old.Track})
		}
		if old.Status != p.Status {
			p.LastActive = now
			if !posGiven {
				c.resyncPosition(ctx, p, now)
			}
			evs = append(evs, Event{Kind: StatusChanged})
			c.log.Debug().Str("player", name).Str("status", p.Status).Msg("status changed")
		}
		if p.HasTrackList && !old.HasTrackList {
			if props, _, err := c.getAll(ctx, p.Owner, ifaceTrackList); err == nil {
				applyProps(p, ifaceTrackList, props, now)
			}
		}
		c.publish()
		for _, ev := range evs {
			ev.Player = *p
			if !c.emit(ctx, ev) {
				return false
			}
		}
	}
	return true
}

// resyncPosition reads Position after a status change; on failure, or when
// the player has moved on to another track since the signal (the position
// would be the next track's), the frozen extrapolation stays.
func (c *Client) resyncPosition(ctx context.Context, p *PlayerState, now time.Time) {
	props, _, err := c.getAll(ctx, p.Owner, ifacePlayer)
	if err != nil {
		c.log.Debug().Err(err).Str("player", p.Name).Msg("read position")
		return
	}
	track, pos, err := trackPosition(p.Name, props)
	if err != nil || !track.SameTrack(p.Track) {
		return
	}
	p.Position, p.PositionAt = pos, now
}

func (c *Client) seeked(ctx context.Context, sender string, seq dbus.Sequence, us int64) bool {
	for _, name := range c.namesOwnedBy(sender) {
		if c.stale(name, seq) {
			continue
		}
		p := c.players[name]
		p.Position, p.PositionAt = micros(us), time.Now()
		c.publish()
		if !c.emit(ctx, Event{Kind: Seeked, Player: *p}) {
			return false
		}
	}
	return true
}

// stale reports whether a signal was received before the GetAll reply that
// produced the player's state: GetAll already reflects it, and applying it
// would roll the state back (seen with mpv-mpris: "Stopped" then "Playing"
// emitted while GetAll was answered, the old "Stopped" queued behind it).
// Signals without a sequence number are never stale.
func (c *Client) stale(name string, seq dbus.Sequence) bool {
	read := c.readSeq[name]
	return seq != dbus.NoSequence && read != dbus.NoSequence && seq < read
}

// namesOwnedBy maps a signal's unique sender to the well-known player names
// it owns (usually one), in a stable order.
func (c *Client) namesOwnedBy(sender string) []string {
	var names []string
	for name, p := range c.players {
		if p.Owner == sender {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
