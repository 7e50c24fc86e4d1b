// Package drive is the daemon's core: it follows the active MPRIS player,
// turns what it plays into history and session context, asks the engine for
// the continuation and keeps the player's queue filled.
//
// One goroutine (run) owns all of this state. The D-Bus API and the
// connection manager talk to it through do(), which hands the goroutine a
// function and waits for it with the caller's deadline, so no lock guards the
// session and nothing else touches the player connection's state.
package drive

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
	"github.com/continuo/continuo/internal/vehicle"
)

// History is what the core needs of the listening-history store
// (implemented by *history.Store).
type History interface {
	StartSession(ctx context.Context, profile string, at time.Time) (int64, error)
	EndSession(ctx context.Context, id int64, at time.Time) error
	Record(ctx context.Context, ev music.PlayEvent) (int64, error)
	// Skip stores a skipped play and the skip feedback as one record.
	Skip(ctx context.Context, ev music.PlayEvent, at time.Time) (int64, error)
	Feedback(ctx context.Context, fb music.Feedback) error
	Recent(ctx context.Context, profile string, limit int) ([]music.PlayEvent, error)
	Page(ctx context.Context, profile string, limit int, before int64) ([]music.PlayEvent, error)
	FeedbackPage(ctx context.Context, profile string, limit int, before int64) ([]music.Feedback, error)
	ExportJSON(ctx context.Context, profile string) (string, error)
	Recovered() string // where a corrupt database was moved aside at open, "" if not
	Taste(ctx context.Context, profile string) (music.Taste, error)
	Forget(ctx context.Context, profile string) error
}

// Notifier receives what the D-Bus API turns into signals. Methods are called
// from the core goroutine and must not block.
type Notifier interface {
	StateChanged(s State)
	QueueUpdated(tracks []TrackView)
	Played(id music.TrackID, outcome music.Outcome)
}

// Options configure a Core.
type Options struct {
	Model   Model
	History History

	Profile         string        // initial active profile
	QueueDepth      int           // tracks kept queued ahead
	SkipSeconds     float64       // a track left before this many seconds...
	SkipShare       float64       // ...or before this share of its length counts as skipped
	PreferredPlayer []string      // MPRIS name suffixes in order of preference
	Players         player.Config // per-player enqueue settings
	CallTimeout     time.Duration // per outbound call
	HistoryTimeout  time.Duration // per history write
	Logger          zerolog.Logger
	Now             func() time.Time
	// ContextExpireAfter is how long a vehicle-context value holds after
	// it was set (0: vehicle.DefaultExpireAfter); ParkedAfter is how long
	// the vehicle stands still before queueing stops (0: DefaultParkedAfter).
	ContextExpireAfter time.Duration
	ParkedAfter        time.Duration
}

// Model is the catalog with what is built on it. SIGHUP swaps it as a whole.
type Model struct {
	Catalog *catalog.Catalog
	Engine  *recommend.Engine
	Index   *resolve.Index
}

// State is the part of the core's state the API publishes as properties.
type State struct {
	ActivePlayer    string
	ActiveProfile   string
	QueueDepth      int
	ExplicitAllowed bool
	Mood            string
	Mechanism       string // how the active player is queued into
	Players         []PlayerInfo
	Queue           []TrackView
	Vehicle         vehicle.Context // the vehicle context in force
}

// PlayerInfo describes a followed player for `continuoctl status`.
type PlayerInfo struct {
	Name      string
	Status    string
	Mechanism string
}

// TrackView is a track as the API shows it.
type TrackView struct {
	Row        int // catalog row, -1 when not in the catalog
	ID         music.TrackID
	Title      string
	Artists    []string
	Album      string
	Genres     []string
	DurationMS int64
	URI        string
	Score      float64
	Reason     string
	Family     string
	Valence    float64 // 0..1, NaN unknown
	Energy     float64
	// Match and Confidence say how Resolve and Play read the request:
	// track, artist, album, genre, mood or continue, and 0..1 (empty and
	// 0 elsewhere).
	Match      string
	Confidence float64
}

// RecommendOptions are the per-call options of Recommend.
type RecommendOptions struct {
	Mood     *string
	Explicit *bool
	Explore  float64
	Exclude  []music.TrackID
	Profile  string
}

// Core is the daemon core. Create with New, start with Start, stop with Close.
type Core struct {
	opts Options
	log  zerolog.Logger

	reqs    chan func(*state)
	clients chan *mpris.Client
	scoring chan struct{}         // a slot per Recommend scoring at once (score.go)
	model   atomic.Pointer[Model] // read anywhere; replaced only on the core goroutine
	notif   atomic.Pointer[Notifier]

	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.RWMutex // guards snap, the published copy of State
	snap State
}

// New builds a Core; nothing runs until Start.
func New(opts Options) *Core {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.QueueDepth <= 0 {
		opts.QueueDepth = 3
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 2 * time.Second
	}
	if opts.HistoryTimeout <= 0 {
		opts.HistoryTimeout = 5 * time.Second
	}
	if opts.Profile == "" {
		opts.Profile = "default"
	}
	if opts.ParkedAfter <= 0 {
		opts.ParkedAfter = DefaultParkedAfter
	}
	c := &Core{
		opts:    opts,
		log:     opts.Logger.With().Str("component", "drive").Logger(),
		reqs:    make(chan func(*state)),
		clients: make(chan *mpris.Client),
		scoring: make(chan struct{}, scoringSlots()),
	}
	m := opts.Model
	c.model.Store(&m)
	return c
}

func (c *Core) m() *Model { return c.model.Load() }

// SetNotifier sets (or with nil, clears) who turns state changes into
// signals: the API server of the current bus connection.
func (c *Core) SetNotifier(n Notifier) {
	if n == nil {
		c.notif.Store(nil)
		return
	}
	c.notif.Store(&n)
	n.StateChanged(c.State())
}

func (c *Core) notifier() Notifier {
	if p := c.notif.Load(); p != nil {
		return *p
	}
	return nil
}

// Reload swaps in a new catalog model (SIGHUP). Session tracks are carried
// over by id; the queue is rebuilt from the new catalog.
func (c *Core) Reload(ctx context.Context, m Model) error {
	return c.do(ctx, func(st *state) error {
		old := c.model.Load()
		st.remap(&m)
		c.model.Store(&m)
		st.refill(ctx)
		// The old snapshot's mapping is never unmapped (catalog.Load), so
		// without this each reload kept its resident pages: 115 MB of RSS
		// after one reload of the full catalog, 165 MB after two. A request
		// still running on the old model faults what it reads back in.
		if old != nil && old.Catalog != m.Catalog {
			old.Catalog.ReleaseAll()
		}
		return nil
	})
}

// Start runs the core goroutine until Close.
func (c *Core) Start(ctx context.Context) {
	ctx, c.cancel = context.WithCancel(ctx)
	st := newState(c)
	st.loadTaste(ctx)
	c.publish(st)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.run(ctx, st)
	}()
}

// Close stops the core, ends the session in history, and waits.
func (c *Core) Close() error {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	return nil
}

// Attach hands the core the MPRIS client of a (new) bus connection. The core
// follows its events until the client's event channel closes.
func (c *Core) Attach(ctx context.Context, cl *mpris.Client) error {
	select {
	case c.clients <- cl:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// State returns the published state.
func (c *Core) State() State {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.snap
}

// do runs fn on the core goroutine and waits for it, or for ctx.
func (c *Core) do(ctx context.Context, fn func(*state) error) error {
	res := make(chan error, 1) // buffered: the core never blocks on a caller that gave up
	select {
	case c.reqs <- func(st *state) { res <- fn(st) }:
	case <-ctx.Done():
		return music.WrapKind(music.KindUnavailable, ctx.Err(), "daemon busy")
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return music.WrapKind(music.KindUnavailable, ctx.Err(), "daemon busy")
	}
}

func (c *Core) run(ctx context.Context, st *state) {
	var events <-chan mpris.Event
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			st.shutdown()
			return
		case cl := <-c.clients:
			st.attach(ctx, cl)
			events = cl.Events()
		case ev, ok := <-events:
			if !ok {
				events = nil
				st.detach()
				break
			}
			st.handle(ctx, ev)
		case fn := <-c.reqs:
			fn(st)
			st.afterReply(ctx)
		case <-tick.C:
			st.tick(ctx)
		}
		c.publish(st)
	}
}

func (c *Core) publish(st *state) {
	s := st.view()
	c.mu.Lock()
	changed := !sameState(c.snap, s)
	c.snap = s
	c.mu.Unlock()
	if n := c.notifier(); changed && n != nil {
		n.StateChanged(s)
	}
}

func sameState(a, b State) bool {
	if a.ActivePlayer != b.ActivePlayer || a.ActiveProfile != b.ActiveProfile || a.QueueDepth != b.QueueDepth ||
		a.ExplicitAllowed != b.ExplicitAllowed || a.Mood != b.Mood || a.Mechanism != b.Mechanism ||
		len(a.Players) != len(b.Players) || len(a.Queue) != len(b.Queue) ||
		!maps.Equal(a.Vehicle.Values(), b.Vehicle.Values()) {
		return false
	}
	for i := range a.Players {
		if a.Players[i] != b.Players[i] {
			return false
		}
	}
	for i := range a.Queue {
		// A re-ranked queue may keep a track for a new reason (requeue).
		if a.Queue[i].ID != b.Queue[i].ID || a.Queue[i].Reason != b.Queue[i].Reason {
			return false
		}
	}
	return true
}

// Resolve reads a free-text request and returns what it may mean, best
// first: each with its kind (Match) and Confidence. A genre, mood or
// "continue" reading shows the track the engine would start for it. It
// reads only immutable data, so it does not go through the core goroutine.
func (c *Core) Resolve(ctx context.Context, query string, limit int) ([]TrackView, error) {
	if err := checkQuery(query); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 100 {
		return nil, music.Errorf(music.KindInvalid, "limit must be 1..100, got %d", limit)
	}
	m := c.m()
	cands := m.Index.Understand(query, limit)
	out := make([]TrackView, 0, len(cands))
	for _, cand := range cands {
		row := cand.Row
		if row < 0 {
			p, err := m.Engine.Start(anchorOf(m, cand, -1), recommend.Request{N: 1, Explicit: true})
			if err != nil {
				continue
			}
			row = p.Row
		}
		out = append(out, c.requestView(row, cand))
	}
	return out, nil
}

// Recommend returns count tracks continuing seed (a catalog id) or, with an
// empty seed, the current session.
func (c *Core) Recommend(ctx context.Context, seed music.TrackID, count int, o RecommendOptions) ([]TrackView, error) {
	if count < 1 || count > 100 {
		return nil, music.Errorf(music.KindInvalid, "count must be 1..100, got %d", count)
	}
	if seed != "" {
		if _, err := c.lookup(seed); err != nil {
			return nil, err
		}
	}
	var (
		req recommend.Request
		m   *Model
	)
	err := c.do(ctx, func(st *state) error {
		// The model the request's rows refer to: read on the core
		// goroutine, where a SIGHUP swap (Reload) happens, so the call
		// scores and answers on that model even if a swap follows.
		m = c.m()
		var err error
		req, err = st.request(ctx, seed, count, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	picks, err := c.score(ctx, m.Engine, req)
	if err != nil {
		return nil, fmt.Errorf("recommend: %w", err)
	}
	return views(m.Catalog, picks), nil
}

// Play reads a spoken request (resolve.Understand), starts what it asks for
// on the active player and queues its continuation: "play Scène from Swan
// Lake" starts that track, "bob marley" a popular Bob Marley song, "some
// jazz" and "something calm" a track the engine picks, "" and "play music"
// continue the drive. Below resolve.PlayConfidence it answers NotFound with
// the best suggestions instead of guessing. The request stays the drive's
// anchor until the next Play or a profile switch.
func (c *Core) Play(ctx context.Context, query string) (TrackView, error) {
	if len(query) > 500 {
		return TrackView{}, music.Errorf(music.KindInvalid, "query is longer than 500 bytes")
	}
	m := c.m()
	cands := m.Index.Understand(query, 4)
	if len(cands) == 0 || cands[0].Confidence < resolve.PlayConfidence {
		return TrackView{}, music.Errorf(music.KindNotFound, "%s", c.refusal(query, cands))
	}
	var out TrackView
	err := c.do(ctx, func(st *state) error {
		var err error
		out, err = st.playRequest(ctx, cands[0])
		return err
	})
	return out, err
}

// Feedback records an explicit like, dislike or skip of a track. It returns
// nil once the judgement is durable in history; a skip of the playing track
// also moves the player on, once however often it is sent. When history
// cannot store it the error is KindUnavailable and the drive applies the
// judgement all the same.
func (c *Core) Feedback(ctx context.Context, id music.TrackID, kind music.FeedbackKind) error {
	switch kind {
	case music.Like, music.Dislike, music.Skip:
	default:
		return music.Errorf(music.KindInvalid, "feedback kind must be like, dislike or skip, got %s", music.Echo(string(kind)))
	}
	if _, err := c.lookup(id); err != nil {
		return err
	}
	return c.do(ctx, func(st *state) error { return st.feedback(ctx, id, kind) })
}

// NotQueuedPrefix starts the explanation of a track Continuo did not start
// or queue this drive: what follows is how it would fit, not why it played.
const NotQueuedPrefix = "not queued by Continuo this drive; it would fit: "

// Explain says why a track was queued: the reason recorded when Continuo
// started or queued it this drive; for any other track, it says so plainly
// and how the track would fit the drive now.
func (c *Core) Explain(ctx context.Context, id music.TrackID) (string, error) {
	row, err := c.lookup(id)
	if err != nil {
		return "", err
	}
	var req recommend.Request
	var recorded string
	if err := c.do(ctx, func(st *state) error {
		if recorded = st.reasons[id]; recorded != "" {
			return nil // no need for the drive's context
		}
		var err error
		req, err = st.request(ctx, "", 1, RecommendOptions{})
		return err
	}); err != nil {
		return "", err
	}
	if recorded != "" {
		return recorded, nil // said when it was queued: the truth of that moment
	}
	// A track explains itself against the rest of the drive: while it
	// plays it is part of the session, and "like itself" says nothing.
	ctxTracks := req.Session[:0:0]
	for _, p := range req.Session {
		if p.Row != row {
			ctxTracks = append(ctxTracks, p)
		}
	}
	req.Session = ctxTracks
	return NotQueuedPrefix + c.m().Engine.Explain(row, req), nil
}

// lookup finds a catalog track; the error echoes only a prefix of the id.
func (c *Core) lookup(id music.TrackID) (int, error) {
	row, ok := c.m().Catalog.Lookup(id)
	if !ok {
		return 0, music.Errorf(music.KindNotFound, "no track with id %s", music.Echo(string(id)))
	}
	return row, nil
}

// MaxPage bounds one page of History, HistoryPage and Feedbacks.
const MaxPage = 1000

// History returns a profile's most recent events ("" = active profile).
func (c *Core) History(ctx context.Context, profile string, limit int) ([]music.PlayEvent, error) {
	return c.HistoryPage(ctx, profile, limit, 0)
}

// HistoryPage returns up to limit events of a profile ("" = active) older
// than the event with id before (0 = the newest), newest first.
func (c *Core) HistoryPage(ctx context.Context, profile string, limit int, before int64) ([]music.PlayEvent, error) {
	profile, err := c.pageArgs(profile, limit, before)
	if err != nil {
		return nil, err
	}
	evs, err := c.opts.History.Page(ctx, profile, limit, before)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return evs, nil
}

// Feedbacks returns up to limit likes, dislikes and skips a profile ("" =
// active) gave, older than the row with id before (0 = the newest), newest first.
func (c *Core) Feedbacks(ctx context.Context, profile string, limit int, before int64) ([]music.Feedback, error) {
	profile, err := c.pageArgs(profile, limit, before)
	if err != nil {
		return nil, err
	}
	fbs, err := c.opts.History.FeedbackPage(ctx, profile, limit, before)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	return fbs, nil
}

// pageArgs checks a page request and resolves "" to the active profile.
func (c *Core) pageArgs(profile string, limit int, before int64) (string, error) {
	if limit < 1 || limit > MaxPage {
		return "", music.Errorf(music.KindInvalid, "limit must be 1..%d, got %d", MaxPage, limit)
	}
	if before < 0 {
		return "", music.Errorf(music.KindInvalid, "before_id must be 0 (newest) or an id from a previous page, got %d", before)
	}
	if profile == "" {
		profile = c.State().ActiveProfile
	}
	return profile, CheckProfile(profile)
}

// ExportProfile returns everything stored about a profile as the JSON
// document of history.Export.
func (c *Core) ExportProfile(ctx context.Context, profile string) (string, error) {
	if err := CheckProfile(profile); err != nil {
		return "", err
	}
	doc, err := c.opts.History.ExportJSON(ctx, profile)
	if err != nil {
		return "", fmt.Errorf("export profile: %w", err)
	}
	return doc, nil
}

// HistoryRecovered says where a corrupt history database was moved aside
// when the daemon started ("" when it was not).
func (c *Core) HistoryRecovered() string { return c.opts.History.Recovered() }

// ForgetProfile erases a profile's history.
func (c *Core) ForgetProfile(ctx context.Context, profile string) error {
	if err := CheckProfile(profile); err != nil {
		return err
	}
	return c.do(ctx, func(st *state) error { return st.forget(ctx, profile) })
}

// SetProfile switches the active driver profile.
func (c *Core) SetProfile(ctx context.Context, profile string) error {
	if err := CheckProfile(profile); err != nil {
		return err
	}
	return c.do(ctx, func(st *state) error { st.setProfile(ctx, profile); return nil })
}

// SetQueueDepth changes how many tracks are kept queued ahead.
func (c *Core) SetQueueDepth(ctx context.Context, n int) error {
	if n < 1 || n > 20 {
		return music.Errorf(music.KindInvalid, "queue depth must be 1..20, got %d", n)
	}
	return c.do(ctx, func(st *state) error { st.depth = n; st.refill(ctx); return nil })
}

// SetExplicitAllowed turns explicit tracks on or off (off with children aboard).
func (c *Core) SetExplicitAllowed(ctx context.Context, ok bool) error {
	return c.do(ctx, func(st *state) error { st.explicit = ok; return nil })
}

// SetMood steers the mood target: "", calm, steady or lively.
func (c *Core) SetMood(ctx context.Context, mood string) error {
	if err := CheckMood(mood); err != nil {
		return err
	}
	return c.do(ctx, func(st *state) error { st.mood = mood; return nil })
}

// CheckMood validates a mood option.
func CheckMood(m string) error {
	switch m {
	case "", "calm", "steady", "lively":
		return nil
	}
	return music.Errorf(music.KindInvalid, "mood must be calm, steady, lively or empty, got %s", music.Echo(m))
}

// CheckProfile validates a profile name: 1..64 bytes of printable text.
func CheckProfile(p string) error {
	if p == "" || len(p) > 64 {
		return music.Errorf(music.KindInvalid, "profile name must be 1..64 bytes")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return music.Errorf(music.KindInvalid, "profile name contains a control character")
		}
	}
	return nil
}

// views describes picks of cat's engine.
func views(cat *catalog.Catalog, picks []recommend.Pick) []TrackView {
	out := make([]TrackView, len(picks))
	for i, p := range picks {
		out[i] = viewIn(cat, p.Row)
		out[i].Score = p.Score
		out[i].Reason = p.Reason
	}
	return out
}

// view describes catalog row i.
func (c *Core) view(i int) TrackView { return viewIn(c.m().Catalog, i) }

// viewIn describes row i of cat.
func viewIn(cat *catalog.Catalog, i int) TrackView {
	t := cat.Track(i)
	genres := make([]string, 0, len(t.Genres)+len(t.Tags))
	for _, g := range append(t.Genres[:len(t.Genres):len(t.Genres)], t.Tags...) {
		if !slices.Contains(genres, g) {
			genres = append(genres, g)
		}
	}
	v := TrackView{
		Row: i, ID: t.ID, Title: t.Title, Artists: t.Artists, Album: t.Album, Genres: genres,
		DurationMS: t.DurationMS, URI: t.URI,
		Valence: float64(cat.Mood.Row(i)[catalog.MoodValence]*cat.MoodStd[catalog.MoodValence] + cat.MoodMean[catalog.MoodValence]),
		Energy:  float64(cat.Mood.Row(i)[catalog.MoodEnergy]*cat.MoodStd[catalog.MoodEnergy] + cat.MoodMean[catalog.MoodEnergy]),
	}
	if f := int(cat.Family[i]); f < len(cat.Families) {
		v.Family = cat.Families[f]
	}
	return v
}

// CatalogSize is the number of catalog tracks.
func (c *Core) CatalogSize() int { return c.m().Catalog.Len() }

// Ping checks that the core goroutine answers (for the systemd watchdog).
func (c *Core) Ping(ctx context.Context) error {
	return c.do(ctx, func(*state) error { return nil })
}
