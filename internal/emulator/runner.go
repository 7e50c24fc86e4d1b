package emulator

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// RunOptions configure a drive.
type RunOptions struct {
	Conn   *dbus.Conn // connection to the daemon's bus
	Player *Player    // the emulated player, driven in-process
	// CallTimeout bounds each D-Bus call to the daemon. Zero means 10 s.
	CallTimeout time.Duration
	// WaitTimeout bounds, in real time, each wait for the daemon or the
	// player to react (the first track after ask, a refill of the queue
	// after a track ended). Zero means 15 s.
	WaitTimeout time.Duration
	Logger      zerolog.Logger
	// NoContext drives without telling the daemon the context: context and
	// arrive steps are recorded but not sent (the context-free baseline).
	NoContext bool
	// Settle waits after each track change until the daemon has taken it
	// in (its Queue property moved on), before virtual time goes on: for a
	// ManualClock against a real daemon, whose queue-ahead picks depend on
	// the time they are made.
	Settle bool
	// OnEvent, when set, receives the transcript as it happens, on the
	// drive's goroutine: each step once done, each track once it ended
	// (the last one, still playing, at the end), each expectation.
	OnEvent func(Event)
}

// Event is one streamed transcript item; exactly one field is set.
type Event struct {
	Step  *StepEvent
	Track *Entry
	Check *Check
}

// StepEvent is a script step that was carried out.
type StepEvent struct {
	Line  int
	Op    Op
	Step  string        // the step in script syntax
	At    time.Duration // virtual time since the drive started
	Track int           // the track it acted on: playing when it began (skip, like...), started by it (ask), reached (listen); 0: none
	Err   string        // why it failed ("" when it worked)
}

// Entry is one transcript row: a track that played during the drive.
type Entry struct {
	Index    int // 1-based within the drive
	ID       string
	Title    string
	Artists  []string
	Genres   []string
	Family   string
	Valence  float64 // NaN unknown
	Energy   float64 // NaN unknown
	Outcome  music.Outcome
	Position time.Duration // how far it played
	Reason   string        // the daemon's reason for choosing it
}

// Check is the result of one expect step.
type Check struct {
	Line      int
	Step      string
	Want, Got string
	OK        bool
}

// Result is what a drive did.
type Result struct {
	Script string
	Tracks []Entry
	Checks []Check
	Steps  []StepEvent
	// Context lists the context and arrive steps (the plot's bands);
	// Arrival is the end of a drive with an arrive step (nil: none reached).
	Context []ContextChange
	Arrival *Arrival
}

// Failed reports whether an expectation failed.
func (r *Result) Failed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return true
		}
	}
	return false
}

// runner runs one script. It owns one goroutine, the QueueUpdated watcher,
// which Run starts and stops.
type runner struct {
	opts   RunOptions
	script *Script
	p      *Player
	clock  Clock
	d      *daemon
	log    zerolog.Logger
	first  int // plays with Seq <= first happened before the drive
	start  time.Time

	mu      sync.Mutex
	infos   map[string]TrackInfo // by continuo:id, from Play replies and QueueUpdated
	byURL   map[string]string    // xesam:url -> continuo:id
	reasons map[int]string       // by Play.Seq, from Explain as the track started
	// The daemon's queue as its PropertiesChanged last said, the number of
	// plays when it arrived, and a channel closed at each change (settle).
	daemonQueue  []string
	queueAtPlays int
	queueCh      chan struct{}

	arrival time.Time // virtual; zero until an arrive step

	// signals is the watcher's signal channel (watchQueue), nil when it
	// does not run; syncSignals puts its marker into it.
	signals chan *dbus.Signal

	res Result
}

// Run runs script against the daemon on opts.Conn, pressing opts.Player's
// buttons and letting its clock's time pass. It returns an error when a
// step could not be carried out (a D-Bus error, the daemon not reacting in
// time); failed expectations are in the Result (see Result.Failed).
func Run(ctx context.Context, script *Script, opts RunOptions) (*Result, error) {
	if opts.Conn == nil || opts.Player == nil || script == nil {
		return nil, music.Errorf(music.KindInvalid, "run: connection, player and script are required")
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 15 * time.Second
	}
	r := &runner{
		opts:    opts,
		script:  script,
		p:       opts.Player,
		clock:   opts.Player.Clock(),
		d:       newDaemon(opts.Conn, opts.CallTimeout),
		log:     opts.Logger.With().Str("component", "emulator").Logger(),
		first:   len(opts.Player.Plays()),
		start:   opts.Player.Clock().Now(),
		infos:   map[string]TrackInfo{},
		byURL:   map[string]string{},
		reasons: map[int]string{},
		queueCh: make(chan struct{}),
		res:     Result{Script: script.Name},
	}
	stop, err := r.watchQueue(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()

	for _, st := range script.Steps {
		if r.res.Arrival != nil {
			break // the driver has left the car
		}
		r.log.Debug().Int("line", st.Line).Str("step", st.String()).Msg("step")
		playing := len(r.p.Plays()) - r.first // the track a skip or a like acts on
		err := r.step(ctx, st)
		r.flush(ctx, false)
		if st.Op == OpAsk || st.Op == OpListen {
			playing = len(r.p.Plays()) - r.first // the track it started, or reached
		}
		if st.Op != OpExpect {
			r.stepDone(st, playing, err)
		}
		if err != nil {
			r.flush(ctx, true)
			return &r.res, fmt.Errorf("%s:%d: %s: %w", script.Name, st.Line, st.Op, err)
		}
	}
	r.flush(ctx, true)
	return &r.res, nil
}

func (r *runner) emit(ev Event) {
	if r.opts.OnEvent != nil {
		r.opts.OnEvent(ev)
	}
}

// stepDone records and streams a step once carried out.
func (r *runner) stepDone(st Step, track int, err error) {
	ev := StepEvent{Line: st.Line, Op: st.Op, Step: st.String(), At: r.clock.Now().Sub(r.start), Track: track}
	if err != nil {
		ev.Err = err.Error()
	}
	r.res.Steps = append(r.res.Steps, ev)
	r.emit(Event{Step: &ev})
}

func (r *runner) step(ctx context.Context, st Step) error {
	switch st.Op {
	case OpProfile:
		return r.d.SetProperty(ctx, "ActiveProfile", st.Text)
	case OpMood:
		return r.d.SetProperty(ctx, "Mood", st.Text)
	case OpKids:
		return r.d.SetProperty(ctx, "ExplicitAllowed", !st.On)
	case OpAsk:
		return r.ask(ctx, st.Text)
	case OpListen:
		if st.On {
			return r.listenUntilArrival(ctx)
		}
		for range st.N {
			if r.res.Arrival != nil {
				return nil
			}
			if err := r.listenOne(ctx); err != nil {
				return err
			}
			r.flush(ctx, false)
		}
		return nil
	case OpSkip:
		return r.skipAfter(ctx, st.D)
	case OpLike:
		return r.feedback(ctx, music.Like)
	case OpDislike:
		return r.feedback(ctx, music.Dislike)
	case OpWait:
		return r.clock.Sleep(ctx, st.D)
	case OpExpect:
		r.expectFamily(ctx, st)
		return nil
	case OpContext, OpArrive:
		return r.setContext(ctx, st)
	}
	return music.Errorf(music.KindInvalid, "unknown step %v", st.Op)
}

// ask calls Play and waits for the player to start the track it names.
func (r *runner) ask(ctx context.Context, query string) error {
	wctx, cancel := context.WithTimeout(ctx, r.opts.WaitTimeout)
	err := WaitFollowed(wctx, r.opts.Conn, BusName)
	cancel()
	if err != nil {
		return err
	}
	mark := len(r.p.Plays())
	info, err := r.d.Play(ctx, query)
	if err != nil {
		return err
	}
	r.remember(info)
	err = r.waitPlayer(ctx, "the daemon to start the asked-for track", func() bool {
		plays := r.p.Plays()
		if len(plays) <= mark {
			return false
		}
		last := plays[len(plays)-1]
		return info.URL == "" || last.Track.URI == info.URL
	})
	if err == nil {
		r.settle(ctx)
	}
	return err
}

// currentPlay returns the play in progress, waiting for the daemon to
// refill the queue when playback has stopped.
func (r *runner) currentPlay(ctx context.Context) (Play, error) {
	var cur Play
	err := r.waitPlayer(ctx, "a track to play (the queue ran dry)", func() bool {
		plays := r.p.Plays()
		if len(plays) == 0 || plays[len(plays)-1].Outcome != music.OutcomePlaying {
			return false
		}
		cur = plays[len(plays)-1]
		return r.p.Status() == StatusPlaying
	})
	return cur, err
}

// listenOne lets the current track play to its end.
func (r *runner) listenOne(ctx context.Context) error {
	cur, err := r.currentPlay(ctx)
	if err != nil {
		return err
	}
	if arrived, err := r.arriveDuring(ctx, cur); arrived || err != nil {
		return err
	}
	if err := r.clock.Sleep(ctx, cur.Track.Meta.Length-r.p.Position()); err != nil {
		return err
	}
	if err := r.waitPlayer(ctx, "the track to end", func() bool { return r.ended(cur.Seq) }); err != nil {
		return err
	}
	r.settle(ctx)
	return nil
}

// skipAfter presses Next once the current track has played d.
func (r *runner) skipAfter(ctx context.Context, d time.Duration) error {
	cur, err := r.currentPlay(ctx)
	if err != nil {
		return err
	}
	if pos := r.p.Position(); pos < d {
		if err := r.clock.Sleep(ctx, d-pos); err != nil {
			return err
		}
	}
	if r.ended(cur.Seq) {
		r.log.Warn().Int("seq", cur.Seq).Dur("after_ms", d).Msg("track ended before the skip")
		return nil
	}
	r.p.Next()
	return nil
}

func (r *runner) ended(seq int) bool {
	plays := r.p.Plays()
	return seq <= len(plays) && plays[seq-1].Outcome != music.OutcomePlaying
}

func (r *runner) feedback(ctx context.Context, kind music.FeedbackKind) error {
	cur, ok := r.p.Current()
	if !ok {
		return music.Errorf(music.KindNotFound, "no current track to %s", kind)
	}
	id := r.idOf(cur)
	if id == "" {
		return music.Errorf(music.KindNotFound, "current track %s has no catalog id", cur.ID)
	}
	return r.d.Feedback(ctx, id, kind)
}

func (r *runner) expectFamily(ctx context.Context, st Step) {
	c := Check{Line: st.Line, Step: st.String(), Want: st.Text, Got: "(nothing playing)"}
	if cur, ok := r.p.Current(); ok && r.p.Status() != StatusStopped {
		r.syncSignals(ctx)
		c.Got = r.familyOf(cur)
		if c.Got == "" {
			c.Got = "(unknown)"
		}
	}
	c.OK = strings.EqualFold(c.Got, c.Want)
	if !c.OK {
		r.log.Info().Int("line", st.Line).Msg("expectation failed")
	}
	r.res.Checks = append(r.res.Checks, c)
	r.emit(Event{Check: &c})
}

// waitPlayer waits, in real time, until cond holds; the player's Changed
// channel wakes it, the deadline bounds it.
func (r *runner) waitPlayer(ctx context.Context, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.WaitTimeout)
	defer cancel()
	for {
		changed := r.p.Changed()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return music.WrapKind(music.KindUnavailable, ctx.Err(), "timed out after %v waiting for %s", r.opts.WaitTimeout, what)
		}
	}
}

// ---- what the daemon told us about tracks ----

// watchQueue subscribes to QueueUpdated and records its track dicts, and
// asks Explain about each track as it starts (the reason in the daemon's
// context of that moment), until the returned stop function is called;
// stop waits for the goroutine.
func (r *runner) watchQueue(ctx context.Context) (func(), error) {
	conn := r.opts.Conn
	opts := []dbus.MatchOption{
		dbus.WithMatchObjectPath(ServicePath),
		dbus.WithMatchInterface(ServiceIface),
		dbus.WithMatchMember("QueueUpdated"),
	}
	propOpts := []dbus.MatchOption{
		dbus.WithMatchObjectPath(ServicePath),
		dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
		dbus.WithMatchMember("PropertiesChanged"),
	}
	mctx, cancel := context.WithTimeout(ctx, r.opts.CallTimeout)
	defer cancel()
	if err := conn.AddMatchSignalContext(mctx, opts...); err != nil {
		return nil, fmt.Errorf("watch QueueUpdated: %w", err)
	}
	if err := conn.AddMatchSignalContext(mctx, propOpts...); err != nil {
		return nil, fmt.Errorf("watch PropertiesChanged: %w", err)
	}
	// Only the daemon's own signals count; signals carry its unique name.
	var owner string
	if err := conn.BusObject().CallWithContext(mctx, "org.freedesktop.DBus.GetNameOwner", 0, ServiceName).Store(&owner); err != nil {
		r.log.Debug().Err(err).Msg("daemon owner unknown; accepting QueueUpdated from any sender")
	}
	ch := make(chan *dbus.Signal, 64)
	conn.Signal(ch)
	r.signals = ch
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		seen := r.first
		for {
			changed := r.p.Changed()
			seen = r.explainNew(ctx, seen)
			select {
			case <-done:
				return
			case <-changed:
			case sig, ok := <-ch:
				if !ok {
					return // connection closed
				}
				if sig.Name == syncMarker {
					close(sig.Body[0].(chan struct{}))
					continue
				}
				if sig.Path != ServicePath || (owner != "" && sig.Sender != owner) {
					continue
				}
				switch sig.Name {
				case ServiceIface + ".QueueUpdated":
					r.queueUpdated(sig.Body)
				case "org.freedesktop.DBus.Properties.PropertiesChanged":
					r.queueSeen(sig.Body)
				}
			}
		}
	})
	return func() {
		conn.RemoveSignal(ch)
		close(done)
		wg.Wait()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CallTimeout)
		defer cancel()
		_ = conn.RemoveMatchSignalContext(rctx, opts...)
		_ = conn.RemoveMatchSignalContext(rctx, propOpts...)
	}, nil
}

// syncMarker names the watcher's own marker signal (syncSignals); no bus
// signal can have this name (it is not an interface.member pair).
const syncMarker = "continuo-emulator-sync"

// syncSignals returns once the watcher has handled every signal the daemon
// sent before now, so that the track dicts of a refill are remembered
// before the transcript or an expectation reads them (under load the
// watcher can run behind the player, which is in this process). A round
// trip to the daemon (Peer.Ping, which godbus answers on every connection)
// puts its earlier signals into the channel ahead of the reply: one
// connection delivers in order. A marker sent after the reply comes out of
// the channel after them. Best effort: without a watcher or on an error it
// returns at once, and the transcript then falls back to the library's
// metadata as before.
func (r *runner) syncSignals(ctx context.Context) {
	if r.signals == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.CallTimeout)
	defer cancel()
	ping := r.opts.Conn.Object(ServiceName, ServicePath).CallWithContext(ctx, "org.freedesktop.DBus.Peer.Ping", 0)
	if ping.Err != nil {
		r.log.Debug().Err(ping.Err).Msg("sync with the daemon's signals")
		return
	}
	handled := make(chan struct{})
	select {
	case r.signals <- &dbus.Signal{Name: syncMarker, Body: []any{handled}}:
	case <-ctx.Done():
		return
	}
	select {
	case <-handled:
	case <-ctx.Done():
	}
}

// explainNew asks the daemon why it chose each play after seen that has
// no reason from a track dict yet, and returns the new number seen.
func (r *runner) explainNew(ctx context.Context, seen int) int {
	plays := r.p.Plays()
	for _, pl := range plays[min(seen, len(plays)):] {
		id := r.idOf(pl.Track)
		if info, ok := r.info(pl.Track); id == "" || (ok && info.Reason != "") {
			continue
		}
		reason, err := r.d.Explain(ctx, id)
		if err != nil {
			r.log.Debug().Err(err).Msg("no reason from Explain")
			continue
		}
		r.mu.Lock()
		r.reasons[pl.Seq] = reason
		r.mu.Unlock()
	}
	return len(plays)
}

func (r *runner) queueUpdated(body []any) {
	if len(body) != 1 {
		r.log.Debug().Int("args", len(body)).Msg("QueueUpdated: unexpected arguments; ignored")
		return
	}
	tracks, ok := body[0].([]map[string]dbus.Variant)
	if !ok {
		r.log.Debug().Str("type", fmt.Sprintf("%T", body[0])).Msg("QueueUpdated: not aa{sv}; ignored")
		return
	}
	for _, m := range tracks {
		r.remember(ParseTrackDict(m))
	}
}

func (r *runner) remember(t TrackInfo) {
	if t.ID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.infos[t.ID]; ok && t.Reason == "" {
		t.Reason = old.Reason // a later dict without a reason keeps the first one
	}
	r.infos[t.ID] = t
	if t.URL != "" {
		r.byURL[t.URL] = t.ID
	}
}

// idOf finds a track's catalog id: from the library, the emu: URI, or the
// daemon's dicts by URL.
func (r *runner) idOf(t Track) string {
	if t.Meta.ID != "" {
		return t.Meta.ID
	}
	if id, ok := ParseEmuURI(t.URI); ok {
		return id
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byURL[t.URI]
}

func (r *runner) info(t Track) (TrackInfo, bool) {
	id := r.idOf(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	info, ok := r.infos[id]
	return info, ok && id != ""
}

// familyOf prefers the daemon's family (what it reasoned with) over the
// library's.
func (r *runner) familyOf(t Track) string {
	if info, ok := r.info(t); ok && info.Family != "" {
		return info.Family
	}
	return t.Meta.Family
}

// flush adds to the transcript, and streams, every play of the drive that
// ended and is not in it yet; final adds the one still playing too.
func (r *runner) flush(ctx context.Context, final bool) {
	plays := r.p.Plays()
	synced := false
	for _, pl := range plays[min(r.first+len(r.res.Tracks), len(plays)):] {
		if pl.Outcome == music.OutcomePlaying && !final {
			return
		}
		if !synced {
			r.syncSignals(ctx) // once, before the first row is built
			synced = true
		}
		e := r.entry(ctx, pl)
		r.res.Tracks = append(r.res.Tracks, e)
		r.emit(Event{Track: &e})
	}
}

// entry builds the transcript row of a play, with what the daemon said
// about the track.
func (r *runner) entry(ctx context.Context, pl Play) Entry {
	e := Entry{
		Index:    len(r.res.Tracks) + 1,
		ID:       r.idOf(pl.Track),
		Title:    pl.Track.Meta.Title,
		Artists:  pl.Track.Meta.Artists,
		Genres:   pl.Track.Meta.Genres,
		Family:   pl.Track.Meta.Family,
		Valence:  pl.Track.Meta.Valence,
		Energy:   pl.Track.Meta.Energy,
		Outcome:  pl.Outcome,
		Position: pl.Position,
	}
	if info, ok := r.info(pl.Track); ok {
		e.Family = firstNonEmpty(info.Family, e.Family)
		e.Reason = info.Reason
		e.Title = firstNonEmpty(e.Title, info.Title)
		if len(e.Artists) == 0 {
			e.Artists = info.Artists
		}
		if len(e.Genres) == 0 {
			e.Genres = info.Genres
		}
		if !math.IsNaN(info.Valence) {
			e.Valence = info.Valence
		}
		if !math.IsNaN(info.Energy) {
			e.Energy = info.Energy
		}
	}
	if e.Reason == "" {
		r.mu.Lock()
		e.Reason = r.reasons[pl.Seq]
		r.mu.Unlock()
	}
	if e.Reason == "" && e.ID != "" {
		// Not explained while it played: ask now.
		reason, err := r.d.Explain(ctx, e.ID)
		if err != nil && !errors.Is(err, context.Canceled) {
			r.log.Debug().Err(err).Msg("no reason from Explain")
		}
		e.Reason = reason
	}
	return e
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
