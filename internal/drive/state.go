package drive

import (
	"context"
	"fmt"
	"time"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/vehicle"
)

// sessionWindow is how many played tracks the session context keeps; older
// plays live on in history and the long-term taste.
const sessionWindow = 50

// probeTimeout bounds the once-a-second Position read; seekSlack is how far
// the model may drift from the player's Position before it is resynced.
const (
	probeTimeout = 300 * time.Millisecond
	seekSlack    = 2 * time.Second
)

// idleGap ends a drive: no playback for this long starts a new session.
const idleGap = 30 * time.Minute

// current is the track playing on the active player.
type current struct {
	meta    mpris.TrackMeta
	row     int // -1 when not in the catalog
	started time.Time
	queued  bool // Continuo started or queued it

	// Position model: pos at posAt, advancing at rate while playing. The
	// player stops reporting the old track's position once it has moved on,
	// so the core keeps its own.
	pos     time.Duration
	posAt   time.Time
	rate    float64
	playing bool
}

func (c *current) sync(p mpris.PlayerState, now time.Time) {
	c.pos, c.posAt, c.rate, c.playing = p.PositionNow(now), now, p.Rate, p.Status == "Playing"
	if c.rate <= 0 {
		c.rate = 1
	}
}

// reached is how far the track got by now.
func (c *current) reached(now time.Time) time.Duration {
	if !c.playing {
		return c.pos
	}
	return c.pos + time.Duration(float64(now.Sub(c.posAt))*c.rate)
}

// queued is a track Continuo added to the player's queue.
type queuedTrack struct {
	row    int
	uri    string
	score  float64
	reason string // why it was picked, in the context of that moment
}

// state is owned by the core goroutine; nothing else reads or writes it.
type state struct {
	c   *Core
	cl  *mpris.Client
	enq player.Enqueuer

	active   string // well-known name of the active player
	profile  string
	depth    int
	explicit bool
	mood     string

	sessionID  int64
	lastActive time.Time
	played     []recommend.Played
	heard      heardLog // every catalog track heard this drive, up to heardSpan back
	// reasons are why each track of this drive was started or queued, as
	// said at that moment: what Explain answers (the context moves on, the
	// reason a track was picked does not).
	reasons map[music.TrackID]string
	taste   music.Taste
	// anchor is what the last Play asked for (nil: none); it holds until
	// the next Play or a profile switch and goes with every request.
	anchor *recommend.Anchor

	cur     *current
	queue   []queuedTrack // queued ahead on the player (or pending, for a lossy player)
	expect  string        // URI Continuo just asked the player to play
	retryAt time.Time     // next refill attempt after a failure

	// vehicle is the vehicle context as the integrator's bridge set it
	// (SetContext), with when each value was set so stale ones expire.
	vehicle *vehicle.Store

	// pendingRequeue asks the core goroutine to re-rank the queue once
	// the current request is answered (a like or dislike; see requeue).
	pendingRequeue pendingRequeue

	// skippedID is the track whose play the last skip of the playing track
	// ended and stored, until another play ends: the same skip sent again
	// is already stored and must not skip the next track.
	skippedID music.TrackID
}

func newState(c *Core) *state {
	return &state{c: c, profile: c.opts.Profile, depth: c.opts.QueueDepth, explicit: true,
		vehicle: vehicle.NewStore(c.opts.ContextExpireAfter)}
}

func (st *state) now() time.Time { return st.c.opts.Now() }

// maxReasons bounds the reasons kept for Explain: more than a drive of
// heardSpan holds; past it the map starts again (the oldest are the least
// likely to be asked about).
const maxReasons = 2000

// recordReason keeps why a track was started or queued, for Explain.
func (st *state) recordReason(id music.TrackID, reason string) {
	if reason == "" {
		return
	}
	if st.reasons == nil || len(st.reasons) >= maxReasons {
		st.reasons = make(map[music.TrackID]string)
	}
	st.reasons[id] = reason
}

func (st *state) hctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), st.c.opts.HistoryTimeout)
}

func (st *state) view() State {
	s := State{
		ActivePlayer: st.active, ActiveProfile: st.profile, QueueDepth: st.depth,
		ExplicitAllowed: st.explicit, Mood: st.mood, Vehicle: st.vehicleContext(),
	}
	if st.enq != nil {
		s.Mechanism = st.enq.Mechanism()
	}
	if st.cl != nil {
		for _, p := range st.cl.Players() {
			info := PlayerInfo{Name: p.Name, Status: p.Status}
			if p.Name == st.active {
				info.Mechanism = s.Mechanism
			}
			s.Players = append(s.Players, info)
		}
	}
	for _, q := range st.queue {
		v := st.c.view(q.row)
		v.Score, v.Reason = q.score, q.reason
		s.Queue = append(s.Queue, v)
	}
	return s
}

func (st *state) attach(ctx context.Context, cl *mpris.Client) {
	st.cl = cl
	st.choosePlayer(ctx)
}

// detach forgets the client of a lost connection; the queue on the player is
// unknown now, so it is rebuilt when a client is attached again.
func (st *state) detach() {
	st.c.log.Warn().Msg("player connection lost; waiting for a new one")
	st.closeEnqueuer()
	st.cl, st.active, st.queue = nil, "", nil
}

// closeEnqueuer releases the mechanism's own connection (mpv IPC, MPD).
func (st *state) closeEnqueuer() {
	if c, ok := st.enq.(player.Closer); ok {
		if err := c.Close(); err != nil {
			st.c.log.Debug().Err(err).Msg("closing the enqueue mechanism")
		}
	}
	st.enq = nil
}

func (st *state) handle(ctx context.Context, ev mpris.Event) {
	switch ev.Kind {
	case mpris.PlayerAppeared, mpris.PlayerVanished, mpris.StatusChanged:
		if ev.Kind == mpris.PlayerVanished && ev.Player.Name == st.active {
			st.finishCurrent(ctx, music.OutcomeStopped)
		}
		st.choosePlayer(ctx)
		if ev.Player.Name == st.active && ev.Kind == mpris.StatusChanged {
			st.statusChanged(ctx, ev.Player)
			st.syncCurrent(ev.Player)
		}
	case mpris.TrackChanged:
		if ev.Player.Name == st.active {
			st.trackChanged(ctx, ev.Player)
		}
	case mpris.Seeked:
		if ev.Player.Name == st.active {
			st.syncCurrent(ev.Player)
		}
	case mpris.MetadataChanged:
		// Same track, fuller metadata (mpv sends the length late).
		if st.cur != nil && ev.Player.Name == st.active {
			st.cur.meta = ev.Player.Track
		}
	}
}

// syncCurrent takes the position model of the current track from p, when p
// is still about that track (a position is only ever the current track's).
func (st *state) syncCurrent(p mpris.PlayerState) {
	if st.cur != nil && p.Track.SameTrack(st.cur.meta) {
		st.cur.sync(p, st.now())
	}
}

// choosePlayer picks the active player; a change resets the queue, which
// belongs to the old player.
func (st *state) choosePlayer(ctx context.Context) {
	if st.cl == nil {
		return
	}
	p, ok := mpris.Choose(st.cl.Players(), st.c.opts.PreferredPlayer)
	name := ""
	if ok {
		name = p.Name
	}
	if name == st.active {
		return
	}
	st.finishCurrent(ctx, music.OutcomeStopped)
	st.closeEnqueuer()
	st.active, st.queue = name, nil
	if !ok {
		st.c.log.Info().Msg("no active player")
		return
	}
	st.enq = player.Choose(st.cl, p, st.c.opts.Players, st.c.log)
	st.c.log.Info().Str("player", name).Str("mechanism", st.enq.Mechanism()).Bool("lossy", st.enq.Lossy()).Msg("following player")
	if p.Track.TrackID != "" || p.Track.URL != "" {
		st.startCurrent(p)
		st.refill(ctx)
	}
}

func (st *state) player() (mpris.PlayerState, bool) {
	if st.cl == nil {
		return mpris.PlayerState{}, false
	}
	for _, p := range st.cl.Players() {
		if p.Name == st.active {
			return p, true
		}
	}
	return mpris.PlayerState{}, false
}

// trackChanged ends the previous track with its outcome and starts the new
// one. The continuation is queued first and the finished play written to
// history after: the queue is what the driver hears.
func (st *state) trackChanged(ctx context.Context, p mpris.PlayerState) {
	ev, ended := st.endCurrent("")
	if p.Track.TrackID == "" && p.Track.URL == "" {
		// The player ran out of tracks (mpv --idle, an empty MPD queue):
		// a lossy player gets the next pending track now.
		st.playPendingLossy(ctx)
	} else {
		st.startCurrent(p)
		st.refill(ctx)
	}
	if ended {
		st.record(ctx, ev)
	}
}

func (st *state) statusChanged(ctx context.Context, p mpris.PlayerState) {
	if p.Status == mpris.StatusStopped && st.enq != nil && st.enq.Lossy() && st.cur != nil && st.nearEnd(p) {
		st.finishCurrent(ctx, music.OutcomeCompleted)
		st.playPendingLossy(ctx)
	}
}

func (st *state) nearEnd(p mpris.PlayerState) bool {
	l := st.cur.meta.Length
	return l > 0 && st.cur.reached(st.now()) >= l-3*time.Second
}

func (st *state) startCurrent(p mpris.PlayerState) {
	row := st.c.match(p.Track)
	cur := &current{meta: p.Track, row: row, started: st.now()}
	cur.sync(p, st.now())
	uri := p.Track.URL
	if uri != "" && uri == st.expect {
		cur.queued = true
		st.expect = ""
	}
	for i, q := range st.queue {
		if uri != "" && q.uri == uri {
			cur.queued = true
			st.queue = append(st.queue[:0:0], st.queue[i+1:]...)
			break
		}
	}
	st.cur = cur
	st.c.log.Debug().Str("title", p.Track.Title).Int("row", row).Bool("queued", cur.queued).Msg("track started")
}

// finishCurrent records the current track's play. outcome "" means: decide
// from how far it got.
func (st *state) finishCurrent(ctx context.Context, outcome music.Outcome) {
	if ev, ok := st.endCurrent(outcome); ok {
		st.record(ctx, ev)
	}
}

// endCurrent ends the current track in the session (what the next refill
// sees) and returns its play event for record. The two are apart so that a
// track change can queue the continuation before the history write, whose
// fsync would otherwise sit in the queue latency.
func (st *state) endCurrent(outcome music.Outcome) (music.PlayEvent, bool) {
	cur := st.cur
	if cur == nil {
		return music.PlayEvent{}, false
	}
	st.cur, st.skippedID = nil, ""
	pos := cur.reached(st.now())
	if cur.meta.Length > 0 && pos > cur.meta.Length {
		pos = cur.meta.Length
	}
	if outcome == "" {
		outcome = st.outcome(pos, cur.meta.Length)
	}
	ev := music.PlayEvent{
		Profile: st.profile, Title: cur.meta.Title, Genres: cur.meta.Genres,
		URL: cur.meta.URL, Player: shortName(st.active), StartedAt: cur.started,
		PositionMS: pos.Milliseconds(), DurationMS: cur.meta.Length.Milliseconds(), Outcome: outcome, Queued: cur.queued,
	}
	if len(cur.meta.Artists) > 0 {
		ev.Artist = cur.meta.Artists[0]
	}
	if cur.row >= 0 {
		cat := st.c.m().Catalog
		ev.TrackID = cat.ID(cur.row)
		ev.Artist = cat.PrimaryArtist(cur.row)
		st.heard = st.heard.add(ev.TrackID, st.now())
	}
	st.played = appendWindow(st.played, recommend.Played{Row: cur.row, Genres: cur.meta.Genres, Outcome: outcome})
	return ev, true
}

// record writes a play ended by endCurrent to history and signals it. No
// caller waits for it: a failed write is logged, and recommending goes on
// from memory.
func (st *state) record(ctx context.Context, ev music.PlayEvent) {
	if err := st.store(ctx, ev, false); err != nil {
		st.c.log.Error().Err(err).Msg("recording a play failed; continuing from memory")
	}
}

// store writes an ended play into the drive's session in history, with the
// driver's skip feedback in the same transaction when withSkip is set, and
// signals it. It returns once the write is durable, or its error.
func (st *state) store(ctx context.Context, ev music.PlayEvent, withSkip bool) error {
	st.ensureSession(ctx)
	ev.Session = st.sessionID
	st.lastActive = st.now()
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	var err error
	if withSkip {
		_, err = st.c.opts.History.Skip(hctx, ev, st.now())
	} else {
		_, err = st.c.opts.History.Record(hctx, ev)
	}
	if n := st.c.notifier(); n != nil {
		n.Played(ev.TrackID, ev.Outcome)
	}
	if err == nil {
		st.c.log.Info().Str("outcome", string(ev.Outcome)).Int64("position_ms", ev.PositionMS).Bool("in_catalog", ev.TrackID != "").Msg("play recorded")
	}
	return err
}

// outcome classifies a play that ended at pos of length: skipped when left
// before SkipSeconds or before SkipShare of its length, whichever comes first.
func (st *state) outcome(pos, length time.Duration) music.Outcome {
	threshold := time.Duration(st.c.opts.SkipSeconds * float64(time.Second))
	if length > 0 {
		if share := time.Duration(st.c.opts.SkipShare * float64(length)); share < threshold || threshold == 0 {
			threshold = share
		}
	}
	if pos < threshold {
		return music.OutcomeSkipped
	}
	return music.OutcomeCompleted
}

func appendWindow[T any](s []T, v T) []T {
	s = append(s, v)
	if len(s) > sessionWindow {
		s = append(s[:0:0], s[len(s)-sessionWindow:]...)
	}
	return s
}

// heardSpan is how far back a drive remembers what it played: no track
// repeats within it (issue 10: a drive of 8 hours).
const heardSpan = 8 * time.Hour

// heardLog is the drive's record of heard tracks, oldest first.
type heardLog []heardTrack

type heardTrack struct {
	id music.TrackID
	at time.Time
}

// add appends a play and forgets what is older than heardSpan.
func (h heardLog) add(id music.TrackID, at time.Time) heardLog {
	h = append(h, heardTrack{id, at})
	i := 0
	for i < len(h) && at.Sub(h[i].at) > heardSpan {
		i++
	}
	if i > 0 {
		h = append(h[:0:0], h[i:]...)
	}
	return h
}

// ids returns the ids heard within heardSpan of now, oldest first.
func (h heardLog) ids(now time.Time) []music.TrackID {
	out := make([]music.TrackID, 0, len(h)+1)
	for _, x := range h {
		if now.Sub(x.at) <= heardSpan {
			out = append(out, x.id)
		}
	}
	return out
}

func shortName(bus string) string {
	const prefix = "org.mpris.MediaPlayer2."
	if len(bus) > len(prefix) && bus[:len(prefix)] == prefix {
		return bus[len(prefix):]
	}
	return bus
}

// ensureSession starts a drive in history when none is open or after a long
// idle gap.
func (st *state) ensureSession(ctx context.Context) {
	now := st.now()
	if st.sessionID != 0 && now.Sub(st.lastActive) < idleGap {
		return
	}
	st.endSession(ctx)
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	id, err := st.c.opts.History.StartSession(hctx, st.profile, now)
	if err != nil {
		st.c.log.Error().Err(err).Msg("starting a session in history failed")
		return
	}
	st.sessionID, st.lastActive = id, now
}

func (st *state) endSession(ctx context.Context) {
	if st.sessionID == 0 {
		return
	}
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	if err := st.c.opts.History.EndSession(hctx, st.sessionID, st.now()); err != nil {
		st.c.log.Error().Err(err).Msg("ending a session in history failed")
	}
	st.sessionID = 0
}

func (st *state) loadTaste(ctx context.Context) {
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	t, err := st.c.opts.History.Taste(hctx, st.profile)
	if err != nil {
		st.c.log.Error().Err(err).Msg("loading the profile's taste failed; starting without it")
		t = music.Taste{}
	}
	st.taste = t
}

func (st *state) setProfile(ctx context.Context, profile string) {
	if profile == st.profile {
		return
	}
	st.finishCurrent(ctx, music.OutcomeStopped)
	st.endSession(ctx)
	st.profile = profile
	st.played, st.heard, st.anchor, st.reasons = nil, nil, nil, nil
	st.loadTaste(ctx)
	st.c.log.Debug().Str("profile", profile).Msg("profile switched")
	st.c.log.Info().Msg("active profile switched")
}

func (st *state) forget(ctx context.Context, profile string) error {
	if profile == st.profile {
		st.cur, st.skippedID = nil, "" // its play must not be written back after the erase
		st.endSession(ctx)
		st.played, st.heard, st.taste, st.anchor, st.reasons = nil, nil, music.Taste{}, nil, nil
	}
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	if err := st.c.opts.History.Forget(hctx, profile); err != nil {
		return err
	}
	st.c.log.Info().Msg("a profile was forgotten")
	return nil
}

// feedback applies a judgement to the drive and stores it before the
// reply. When the store fails the drive still applies it, and the reply is
// an error that says so: an acknowledged judgement is a durable one.
func (st *state) feedback(ctx context.Context, id music.TrackID, kind music.FeedbackKind) error {
	row, _ := st.c.m().Catalog.Lookup(id)
	if kind == music.Skip {
		if st.cur != nil && st.cur.row == row {
			return st.skipCurrent(ctx)
		}
		if id == st.skippedID {
			// The same skip again (sent twice, or several at once): the
			// first one moved the player on and is stored.
			return nil
		}
	}
	fb := recommend.Played{Row: row, Outcome: music.OutcomeCompleted, Feedback: kind}
	if kind == music.Skip {
		fb.Outcome, fb.Feedback = music.OutcomeSkipped, ""
	}
	// Feedback enters the session context at once, and every later refill
	// uses the new context.
	st.played = appendWindow(st.played, fb)
	hctx, cancel := st.hctx(ctx)
	defer cancel()
	err := st.c.opts.History.Feedback(hctx, music.Feedback{Profile: st.profile, TrackID: id, Kind: kind, At: st.now()})
	// A like or dislike also replaces what Continuo queued, where the
	// mechanism can take it back, once the reply is on its way (requeue).
	if kind != music.Skip {
		st.pendingRequeue = pendingRequeue{due: true}
		if kind == music.Like {
			st.pendingRequeue.liked = id
		}
	}
	return notStored(err, string(kind))
}

// skipCurrent is "skip this" about the playing track: the player moves on,
// and the play ends here, as skipped at the position it reached, stored
// with the skip feedback as one record before the reply. The track change
// that follows finds no current track, so the play is recorded once, and
// never as completed however far it got.
func (st *state) skipCurrent(ctx context.Context) error {
	if p, ok := st.player(); ok && p.Track.SameTrack(st.cur.meta) {
		// Only while the player is still on it: if it has just moved on
		// by itself, Next would skip the following track too.
		cctx, cancel := context.WithTimeout(ctx, st.c.opts.CallTimeout)
		defer cancel()
		if err := st.cl.Next(cctx, st.active); err != nil {
			return music.WrapKind(music.KindNoPlayer, err, "the player did not skip")
		}
	}
	ev, _ := st.endCurrent(music.OutcomeSkipped)
	if err := st.store(ctx, ev, true); err != nil {
		return notStored(err, "skip")
	}
	st.skippedID = ev.TrackID
	return nil
}

// notStored is the reply to a judgement whose history write failed: the
// drive applies it all the same, the caller learns it is not durable.
func notStored(err error, what string) error {
	if err == nil {
		return nil
	}
	kind := music.KindUnavailable
	if music.KindOf(err) == music.KindInvalid {
		kind = music.KindInvalid
	}
	return music.WrapKind(kind, err, "the %s was not stored in the history, this drive still applies it", what)
}

// request builds an engine request from the session.
func (st *state) request(ctx context.Context, seed music.TrackID, n int, o RecommendOptions) (recommend.Request, error) {
	req := recommend.Request{
		Session: append([]recommend.Played(nil), st.played...), N: n, Mood: st.mood, Explicit: st.explicit,
		Explore: o.Explore, RandSeed: uint64(st.now().UnixNano()), Anchor: st.anchor,
	}
	if st.taste.Tracks != nil {
		t := st.taste
		req.Taste = &t
	}
	if seed != "" {
		row, ok := st.c.m().Catalog.Lookup(seed)
		if !ok {
			return req, music.Errorf(music.KindNotFound, "no track with id %q", string(seed))
		}
		req.Seeds = []int{row}
	} else if st.cur != nil && st.cur.row >= 0 {
		req.Session = append(req.Session, recommend.Played{Row: st.cur.row, Outcome: music.OutcomePlaying})
	} else if st.cur != nil {
		req.Session = append(req.Session, recommend.Played{Row: -1, Genres: st.cur.meta.Genres, Outcome: music.OutcomePlaying})
	}
	if o.Mood != nil {
		req.Mood = *o.Mood
	}
	if o.Explicit != nil {
		req.Explicit = *o.Explicit
	}
	if o.Profile != "" && o.Profile != st.profile {
		hctx, cancel := st.hctx(ctx)
		defer cancel()
		t, err := st.c.opts.History.Taste(hctx, o.Profile)
		if err != nil {
			return req, err
		}
		req.Taste = &t
	}
	// Every track heard this drive (8 hours), not only the session window,
	// so no track comes back whatever the window; the engine also bans
	// other versions of their songs and counts their artists.
	req.Now = st.now()
	req.Heard = st.heard.ids(req.Now)
	if st.cur != nil && st.cur.row >= 0 {
		req.Heard = append(req.Heard, st.c.m().Catalog.ID(st.cur.row))
	}
	st.applyVehicle(&req)
	req.Exclude = append(req.Exclude, o.Exclude...)
	for _, q := range st.queue {
		req.Exclude = append(req.Exclude, st.c.m().Catalog.ID(q.row))
	}
	if st.cur != nil && st.cur.row >= 0 {
		req.Exclude = append(req.Exclude, st.c.m().Catalog.ID(st.cur.row))
	}
	return req, nil
}

// play starts catalog row on the active player and queues its continuation.
func (st *state) play(ctx context.Context, row int) (TrackView, error) {
	if st.enq == nil {
		return TrackView{}, music.Errorf(music.KindNoPlayer, "no MPRIS player is running")
	}
	uri := st.c.m().Catalog.URI(row)
	cctx, cancel := context.WithTimeout(ctx, st.c.opts.CallTimeout)
	defer cancel()
	st.finishCurrent(ctx, "")
	st.queue = nil
	if err := st.enq.PlayNow(cctx, uri); err != nil {
		return TrackView{}, music.WrapKind(music.KindNoPlayer, err, "the player did not start the track")
	}
	st.expect = uri
	// The asked-for track starts the session: the driver changed the
	// subject. It carries no like: the request is the drive's anchor
	// (st.anchor), and "you liked" is for the driver's own likes only.
	st.played = appendWindow(st.played, recommend.Played{Row: row, Outcome: music.OutcomePlaying})
	v := st.c.view(row)
	v.Reason = "you asked for it"
	st.retryAt = time.Time{}
	return v, nil
}

// refill keeps depth tracks queued ahead on the active player. A lossy player
// (OpenUri) gets one pending track, played when the current one ends.
func (st *state) refill(ctx context.Context) {
	if st.enq == nil || st.cur == nil || st.now().Before(st.retryAt) || st.parked() {
		return
	}
	want := st.depth
	if st.enq.Lossy() {
		want = 1
	}
	if len(st.queue) >= want {
		return
	}
	picks, err := st.rank(ctx, want-len(st.queue))
	if err != nil {
		st.c.log.Error().Err(err).Msg("recommending the continuation failed")
		return
	}
	if st.enqueue(ctx, st.entries(picks)) {
		st.notifyQueue()
	}
}

// rank asks the engine for the next n tracks of the drive, past what is
// queued.
func (st *state) rank(ctx context.Context, n int) ([]recommend.Pick, error) {
	req, err := st.request(ctx, "", n, RecommendOptions{})
	if err != nil {
		return nil, fmt.Errorf("building the continuation request: %w", err)
	}
	st.applyTrip(&req)
	return st.c.m().Engine.Recommend(req)
}

// entries are the queue entries of picks, leaving out the tracks a player
// cannot play (no URI).
func (st *state) entries(picks []recommend.Pick) []queuedTrack {
	out := make([]queuedTrack, 0, len(picks))
	for _, p := range picks {
		if uri := st.c.m().Catalog.URI(p.Row); uri != "" {
			out = append(out, queuedTrack{row: p.Row, uri: uri, score: p.Score, reason: p.Reason})
		}
	}
	return out
}

// enqueue appends tracks to the player's queue (only to the pending queue
// for a lossy player) and says whether the queue grew.
func (st *state) enqueue(ctx context.Context, tracks []queuedTrack) bool {
	added := false
	for _, q := range tracks {
		if !st.enq.Lossy() {
			cctx, cancel := context.WithTimeout(ctx, st.c.opts.CallTimeout)
			err := st.enq.Enqueue(cctx, q.uri)
			late := cctx.Err() != nil
			cancel()
			if err != nil {
				st.c.log.Warn().Err(err).Str("mechanism", st.enq.Mechanism()).Msg("enqueue failed; retrying later")
				st.retryAt = st.now().Add(5 * time.Second)
				if late && ctx.Err() == nil {
					// No answer in time: the player may well have queued it
					// (seen with a loaded mpd). Counting it as queued keeps
					// the retry from queueing it twice; if it was not, the
					// entry is dropped when a later queued track starts.
					st.queue = append(st.queue, queuedTrack{row: q.row, uri: q.uri})
					added = true
				}
				break
			}
		}
		st.queue = append(st.queue, q)
		st.recordReason(st.c.m().Catalog.ID(q.row), q.reason)
		added = true
	}
	return added
}

// notifyQueue signals the queue as it is now.
func (st *state) notifyQueue() {
	if n := st.c.notifier(); n != nil {
		n.QueueUpdated(st.view().Queue)
	}
}

// playPendingLossy starts the pending track on a player that cannot queue.
func (st *state) playPendingLossy(ctx context.Context) {
	if st.enq == nil || !st.enq.Lossy() || len(st.queue) == 0 {
		return
	}
	next := st.queue[0]
	st.queue = st.queue[1:]
	cctx, cancel := context.WithTimeout(ctx, st.c.opts.CallTimeout)
	defer cancel()
	if err := st.enq.PlayNow(cctx, next.uri); err != nil {
		st.c.log.Warn().Err(err).Msg("starting the next track failed")
		return
	}
	st.expect = next.uri
	st.c.log.Info().Str("mechanism", st.enq.Mechanism()).Msg("started the next track (lossy: gap between tracks)")
}

// tick runs once a second: checks the position of a track whose player
// does not say it is playing, and retries a failed refill.
func (st *state) tick(ctx context.Context) {
	st.expireContext()
	if st.cur == nil || st.enq == nil {
		return
	}
	st.probePosition(ctx)
	if len(st.queue) < st.depth {
		st.refill(ctx)
	}
}

// probePosition re-reads the Position of the current track once a second,
// because the position model cannot rely on signals: mpv-mpris says
// "Stopped" all along while it plays a file loaded over its IPC (without
// this every mpv track would count as skipped at 0 ms), and mpDris2 sends no
// Seeked, so a seek on MPD would go unnoticed and a track sought to its end
// would count as skipped. Position is the ground truth, read together with
// the track it belongs to; the probe has a short deadline because it runs on
// the core goroutine.
func (st *state) probePosition(ctx context.Context) {
	cur := st.cur
	p, ok := st.player()
	if !ok || p.Status == mpris.StatusPaused || !p.Track.SameTrack(cur.meta) {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	track, pos, err := st.cl.TrackPosition(cctx, st.active)
	if err != nil {
		st.c.log.Debug().Err(err).Msg("reading the position of the current track")
		return
	}
	if !track.SameTrack(cur.meta) {
		// The player has moved on and its track change is still on the
		// way: pos is the next track's. Taken for this one, a track played
		// to its end would be recorded as skipped at a few ms.
		return
	}
	now := st.now()
	switch reached := cur.reached(now); {
	case p.Status != mpris.StatusPlaying && pos > reached:
		cur.pos, cur.posAt, cur.playing = pos, now, true // it plays after all
	case p.Status == mpris.StatusPlaying && (pos > reached+seekSlack || pos < reached-seekSlack):
		cur.pos, cur.posAt = pos, now // a seek the player did not signal
	}
}

func (st *state) shutdown() {
	ctx := context.Background()
	st.finishCurrent(ctx, music.OutcomeStopped)
	st.endSession(ctx)
	st.closeEnqueuer()
}

// remap moves row numbers of the session from the current catalog to m's.
func (st *state) remap(m *Model) {
	old := st.c.m().Catalog
	conv := func(row int) int {
		if row < 0 {
			return -1
		}
		r, ok := m.Catalog.Lookup(old.ID(row))
		if !ok {
			return -1
		}
		return r
	}
	for i := range st.played {
		if st.played[i].Row >= 0 && st.played[i].Genres == nil {
			st.played[i].Genres = old.TrackGenres(st.played[i].Row)
		}
		st.played[i].Row = conv(st.played[i].Row)
	}
	if st.cur != nil {
		st.cur.row = conv(st.cur.row)
	}
	if a := st.anchor; a != nil {
		moved := *a
		moved.Rows = nil
		for _, r := range a.Rows {
			if r = conv(r); r >= 0 {
				moved.Rows = append(moved.Rows, r)
			}
		}
		if moved.Artist >= 0 {
			moved.Artist = -1
			if len(moved.Rows) > 0 {
				moved.Artist = m.Catalog.Artist[moved.Rows[0]]
			}
		}
		st.anchor = &moved
	}
	st.queue = nil
}
