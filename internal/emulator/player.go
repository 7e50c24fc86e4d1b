package emulator

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// Playback statuses, as MPRIS spells them.
const (
	StatusPlaying = "Playing"
	StatusPaused  = "Paused"
	StatusStopped = "Stopped"
)

// NoTrack is the MPRIS track id meaning "no track" (AddTrack's AfterTrack
// for "insert at the start", and the trackid of empty Metadata).
const NoTrack dbus.ObjectPath = "/org/mpris/MediaPlayer2/TrackList/NoTrack"

// TrackIDPrefix is the object-path prefix of the emulator's track ids.
// Ids are never reused, so a client can tell two plays of one URI apart.
const TrackIDPrefix = "/org/continuo/emu/track/"

// Defaults for Options.
const (
	DefaultLength    = 3 * time.Minute
	DefaultMaxTracks = 1000
	maxURILen        = 4096
)

// SupportedURISchemes are the schemes OpenUri and AddTrack accept.
var SupportedURISchemes = []string{EmuScheme, "file"}

// Options configure a Player.
type Options struct {
	Clock   Clock   // nil: a ScaledClock at DefaultSpeed
	Library Library // nil: no track is known; all play with DefaultLength
	// DefaultLength is the length of tracks the library does not know, or
	// knows without a duration. Zero means DefaultLength.
	DefaultLength time.Duration
	// MaxTracks bounds the tracklist; beyond it, played tracks are dropped
	// from the front, and with none to drop AddTrack fails.
	MaxTracks int
	Logger    zerolog.Logger
}

// Track is one entry of the tracklist.
type Track struct {
	ID   dbus.ObjectPath
	URI  string
	Meta Meta
}

// Play is one play of a track, from the moment it started playing until it
// ended. The play log is what a drive's transcript is built from.
type Play struct {
	Seq      int // 1-based, in order of starting
	Track    Track
	Started  time.Time // virtual
	Ended    time.Time // virtual; zero while playing
	Position time.Duration
	Outcome  music.Outcome // playing, completed, skipped, stopped
}

// Player is the emulated head unit's media player: a tracklist, a current
// track and a playback status over virtual time. It is safe for concurrent
// use; Export puts it on D-Bus as an MPRIS2 player, and its methods are also
// what the drive runner presses in-process (the driver's buttons).
type Player struct {
	clock   Clock
	library Library
	deflen  time.Duration
	maxlen  int
	log     zerolog.Logger

	mu      sync.Mutex
	tracks  []Track
	cur     int // index into tracks; -1 none
	status  string
	pos     time.Duration // position at posAt
	posAt   time.Time
	nextID  uint64
	timer   Timer
	gen     uint64 // invalidates timers that fired after being replaced
	plays   []Play
	open    int // index into plays of the play in progress; -1 none
	changed chan struct{}
	closed  bool
	bus     *server // nil until Export

	timers sync.WaitGroup // track-end callbacks scheduled and not yet finished
}

// NewPlayer returns a stopped player with an empty tracklist.
func NewPlayer(opts Options) *Player {
	p := &Player{
		clock:   opts.Clock,
		library: opts.Library,
		deflen:  opts.DefaultLength,
		maxlen:  opts.MaxTracks,
		log:     opts.Logger.With().Str("component", "emulator").Logger(),
		cur:     -1,
		status:  StatusStopped,
		open:    -1,
		changed: make(chan struct{}),
	}
	if p.clock == nil {
		p.clock = NewScaledClock(DefaultSpeed)
	}
	if p.library == nil {
		p.library = func(string) (Meta, bool) { return Meta{}, false }
	}
	if p.deflen <= 0 {
		p.deflen = DefaultLength
	}
	if p.maxlen <= 0 {
		p.maxlen = DefaultMaxTracks
	}
	p.posAt = p.clock.Now()
	return p
}

// Clock returns the player's clock.
func (p *Player) Clock() Clock { return p.clock }

// Rate is the MPRIS playback rate: how fast positions advance against the
// wall clock. For a ScaledClock that is its speed (120: a track plays 120
// times faster than real time), so a client that extrapolates Position
// from Rate and its own clock, as the spec tells it to, stays right. A
// ManualClock does not follow the wall clock; its rate is 1.
func (p *Player) Rate() float64 {
	if s, ok := p.clock.(interface{ Speed() float64 }); ok {
		return s.Speed()
	}
	return 1
}

// speedSetter is a clock whose speed can change while it runs (ScaledClock).
type speedSetter interface {
	Speed() float64
	SetSpeed(float64)
}

// RateRange is the MPRIS MinimumRate and MaximumRate: a ScaledClock's
// speed can be set within MinSpeed..MaxSpeed; any other clock has one rate.
func (p *Player) RateRange() (lo, hi float64) {
	if _, ok := p.clock.(speedSetter); ok {
		return min(MinSpeed, p.Rate()), max(MaxSpeed, p.Rate())
	}
	return p.Rate(), p.Rate()
}

// SetRate sets the virtual clock's speed (the MPRIS Rate) and reports
// whether the clock can change speed. Positions stay continuous and the
// track ends where it did in virtual time: the clock re-arms its timers.
func (p *Player) SetRate(rate float64) bool {
	s, ok := p.clock.(speedSetter)
	if ok {
		s.SetSpeed(rate)
	}
	return ok
}

// Close stops the player's timer and waits for a running track-end callback.
// It does not touch the bus; see Unexport.
func (p *Player) Close() error {
	p.mu.Lock()
	p.closed = true
	p.cancelTimer()
	p.mu.Unlock()
	p.timers.Wait()
	return nil
}

// ---- queries ----

// Status returns the playback status.
func (p *Player) Status() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// Current returns the current track.
func (p *Player) Current() (Track, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur < 0 {
		return Track{}, false
	}
	return p.tracks[p.cur], true
}

// Tracks returns a copy of the tracklist.
func (p *Player) Tracks() []Track {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Track(nil), p.tracks...)
}

// Position returns the position in the current track, in virtual time.
func (p *Player) Position() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.position()
}

// Plays returns a copy of the play log, oldest first.
func (p *Player) Plays() []Play {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Play(nil), p.plays...)
}

// Changed returns a channel that is closed at the next change of the
// player's state (track, status, tracklist, position jump, play log).
// Take it before reading the state you wait on, then read, then wait.
func (p *Player) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// ---- controls (MPRIS semantics; each is a no-op where the spec says so) ----

// Play starts or resumes playback; without a current track it does nothing.
func (p *Player) Play() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.play()
}

// Pause pauses playback; when paused or stopped it does nothing.
func (p *Player) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pause()
}

// PlayPause pauses when playing and plays otherwise.
func (p *Player) PlayPause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status == StatusPlaying {
		p.pause()
	} else {
		p.play()
	}
}

// Stop stops playback; Play then starts the current track from the start.
func (p *Player) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop(music.OutcomeStopped)
}

// Next skips to the next track, keeping the status; at the end of the
// tracklist it stops playback, as the spec requires.
func (p *Player) Next() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next(music.OutcomeSkipped)
}

// Previous goes to the previous track, keeping the status; on the first
// track it stops playback.
func (p *Player) Previous() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur <= 0 {
		p.stop(music.OutcomeSkipped)
		p.publish()
		return
	}
	p.setCurrent(p.cur - 1)
	p.publish()
}

// Seek moves the position by offset; before the start it goes to 0, beyond
// the end it acts as Next.
func (p *Player) Seek(offset time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur < 0 {
		return
	}
	pos := p.position() + offset
	if pos < 0 {
		pos = 0
	}
	if pos > p.tracks[p.cur].Meta.Length {
		p.next(music.OutcomeSkipped)
		return
	}
	p.seekTo(pos)
}

// SetPosition moves to pos in track id; it does nothing if id is not the
// current track or pos is outside 0..length.
func (p *Player) SetPosition(id dbus.ObjectPath, pos time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur < 0 || p.tracks[p.cur].ID != id || pos < 0 || pos > p.tracks[p.cur].Meta.Length {
		return
	}
	p.seekTo(pos)
}

// OpenURI opens uri and plays it: the new track is inserted right after the
// current one (at the start when there is none) and becomes current; the
// tracks after it stay queued. This keeps a queue a client built with
// AddTrack, unlike mpv, which replaces its playlist.
func (p *Player) OpenURI(uri string) (dbus.ObjectPath, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	after := NoTrack
	if p.cur >= 0 {
		after = p.tracks[p.cur].ID
	}
	id, err := p.insert(uri, after)
	if err != nil {
		return "", err
	}
	p.setCurrent(p.indexOf(id))
	p.play()
	p.publish()
	return id, nil
}

// AddTrack inserts uri after the track after (at the start for NoTrack) and
// returns its new track id. With setCurrent it then acts as GoTo: the new
// track plays.
func (p *Player) AddTrack(uri string, after dbus.ObjectPath, setCurrent bool) (dbus.ObjectPath, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id, err := p.insert(uri, after)
	if err != nil {
		return "", err
	}
	switch {
	case setCurrent:
		p.setCurrent(p.indexOf(id))
		p.play()
	case p.cur < 0:
		// A first track becomes current (stopped) so that Play has
		// something to play, as real players do.
		p.setCurrent(p.indexOf(id))
	}
	p.publish()
	return id, nil
}

// RemoveTrack removes a track; unknown ids are ignored. Removing the
// current track moves to the one after it (keeping the status), or stops.
func (p *Player) RemoveTrack(id dbus.ObjectPath) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.indexOf(id)
	if i < 0 {
		return
	}
	p.removeAt(i)
	p.publish()
}

// GoTo skips to track id and plays it, as a driver picking a track from
// the list expects (the spec says only "skip to"; Next, by contrast, keeps
// a paused or stopped status). Unknown ids are ignored.
func (p *Player) GoTo(id dbus.ObjectPath) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.indexOf(id)
	if i < 0 {
		return
	}
	p.setCurrent(i)
	p.play()
	p.publish()
}

// TracksMetadata returns the MPRIS metadata of the given tracks, skipping
// ids that are not in the tracklist.
func (p *Player) TracksMetadata(ids []dbus.ObjectPath) []map[string]dbus.Variant {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]map[string]dbus.Variant, 0, len(ids))
	for _, id := range ids {
		if i := p.indexOf(id); i >= 0 {
			out = append(out, metadataOf(p.tracks[i]))
		}
	}
	return out
}

// ---- internals; p.mu held ----

func (p *Player) position() time.Duration {
	if p.cur < 0 {
		return 0
	}
	pos := p.pos
	if p.status == StatusPlaying {
		pos += p.clock.Now().Sub(p.posAt)
	}
	return min(max(pos, 0), p.tracks[p.cur].Meta.Length)
}

func (p *Player) indexOf(id dbus.ObjectPath) int {
	for i := range p.tracks {
		if p.tracks[i].ID == id {
			return i
		}
	}
	return -1
}

// insert validates uri, looks it up and inserts a new entry after after.
func (p *Player) insert(uri string, after dbus.ObjectPath) (dbus.ObjectPath, error) {
	if err := checkURI(uri); err != nil {
		return "", err
	}
	at := 0
	if after != NoTrack {
		i := p.indexOf(after)
		if i < 0 {
			return "", music.Errorf(music.KindNotFound, "after track %s is not in the tracklist", after)
		}
		at = i + 1
	}
	if len(p.tracks) >= p.maxlen {
		// Drop the oldest played track; never one at or after the current.
		if p.cur <= 0 || at == 0 {
			return "", music.Errorf(music.KindUnavailable, "tracklist full (%d tracks)", p.maxlen)
		}
		p.removeAt(0)
		at--
	}
	meta, ok := p.library(uri)
	if !ok {
		meta = Meta{Title: uri, Valence: math.NaN(), Energy: math.NaN()}
	}
	if meta.Length <= 0 {
		meta.Length = p.deflen
	}
	p.nextID++
	t := Track{ID: dbus.ObjectPath(TrackIDPrefix + strconv.FormatUint(p.nextID, 10)), URI: uri, Meta: meta}
	p.tracks = append(p.tracks, Track{})
	copy(p.tracks[at+1:], p.tracks[at:])
	p.tracks[at] = t
	if p.cur >= at {
		p.cur++
	}
	p.log.Debug().Str("uri", uri).Str("trackid", string(t.ID)).Bool("known", ok).Msg("track added")
	p.bus.trackAdded(metadataOf(t), after)
	p.bus.tracksChanged()
	return t.ID, nil
}

func checkURI(uri string) error {
	if len(uri) > maxURILen {
		return music.Errorf(music.KindInvalid, "uri longer than %d bytes", maxURILen)
	}
	u, err := url.Parse(uri)
	if err != nil {
		return music.WrapKind(music.KindInvalid, err, "bad uri")
	}
	for _, s := range SupportedURISchemes {
		if u.Scheme == s {
			return nil
		}
	}
	return music.Errorf(music.KindInvalid, "unsupported uri scheme %q (want one of %v)", u.Scheme, SupportedURISchemes)
}

func (p *Player) removeAt(i int) {
	id := p.tracks[i].ID
	switch {
	case i < p.cur:
		p.tracks = append(p.tracks[:i], p.tracks[i+1:]...)
		p.cur--
	case i == p.cur:
		p.closePlay(music.OutcomeSkipped)
		p.tracks = append(p.tracks[:i], p.tracks[i+1:]...)
		switch {
		case i < len(p.tracks): // the next track takes its place
			p.cur = -1
			p.setCurrent(i)
		case i > 0: // it was the last: stop on the one before
			p.cur = i - 1
			p.stop(music.OutcomeSkipped)
		default:
			p.cur = -1
			p.stop(music.OutcomeSkipped)
		}
	default:
		p.tracks = append(p.tracks[:i], p.tracks[i+1:]...)
	}
	p.bus.trackRemoved(id)
	p.bus.tracksChanged()
	p.notify()
}

// setCurrent makes track i current at position 0, keeping the status.
func (p *Player) setCurrent(i int) {
	if i != p.cur {
		p.closePlay(music.OutcomeSkipped)
	}
	p.cur = i
	p.pos = 0
	p.posAt = p.clock.Now()
	if p.status == StatusPlaying {
		p.openPlay()
		p.schedule()
	}
	p.notify()
}

func (p *Player) play() {
	if p.cur < 0 || p.status == StatusPlaying {
		return
	}
	if p.status == StatusStopped {
		p.pos = 0
	}
	p.status = StatusPlaying
	p.posAt = p.clock.Now()
	p.openPlay()
	p.schedule()
	p.publish()
	p.notify()
}

func (p *Player) pause() {
	if p.status != StatusPlaying {
		return
	}
	p.pos = p.position()
	p.posAt = p.clock.Now()
	p.status = StatusPaused
	p.cancelTimer()
	p.publish()
	p.notify()
}

func (p *Player) stop(outcome music.Outcome) {
	if p.status == StatusStopped {
		return
	}
	p.closePlay(outcome)
	p.status = StatusStopped
	p.pos = 0
	p.posAt = p.clock.Now()
	p.cancelTimer()
	p.publish()
	p.notify()
}

func (p *Player) next(outcome music.Outcome) {
	if p.cur < 0 {
		return
	}
	if p.cur+1 >= len(p.tracks) {
		p.stop(outcome)
		p.publish()
		return
	}
	p.closePlay(outcome)
	p.setCurrent(p.cur + 1)
	p.publish()
}

func (p *Player) seekTo(pos time.Duration) {
	p.pos = pos
	p.posAt = p.clock.Now()
	if p.status == StatusPlaying {
		p.schedule()
	}
	p.bus.seeked(pos)
	p.notify()
}

// trackEnded runs on the clock's timer when the current track reaches its
// end: the next track plays, or at the end of the list playback stops.
func (p *Player) trackEnded(gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || gen != p.gen || p.status != StatusPlaying {
		return // replaced by a newer timer, or stopped meanwhile
	}
	p.timer = nil
	p.pos = p.tracks[p.cur].Meta.Length
	p.closePlay(music.OutcomeCompleted)
	if p.cur+1 < len(p.tracks) {
		p.setCurrent(p.cur + 1)
	} else {
		p.stop(music.OutcomeCompleted)
	}
	p.publish()
}

// schedule (re)arms the track-end timer for the current track.
func (p *Player) schedule() {
	p.cancelTimer()
	if p.closed {
		return
	}
	remaining := p.tracks[p.cur].Meta.Length - p.position()
	p.gen++
	gen := p.gen
	p.timers.Add(1)
	p.timer = p.clock.AfterFunc(remaining, func() {
		defer p.timers.Done()
		p.trackEnded(gen)
	})
}

func (p *Player) cancelTimer() {
	if p.timer == nil {
		return
	}
	if p.timer.Stop() {
		p.timers.Done() // the callback will never run
	}
	p.timer = nil
	p.gen++
}

func (p *Player) openPlay() {
	if p.open >= 0 || p.cur < 0 {
		return
	}
	p.plays = append(p.plays, Play{
		Seq:     len(p.plays) + 1,
		Track:   p.tracks[p.cur],
		Started: p.clock.Now(),
		Outcome: music.OutcomePlaying,
	})
	p.open = len(p.plays) - 1
	p.log.Debug().Str("title", p.tracks[p.cur].Meta.Title).Int("seq", len(p.plays)).Msg("track started")
}

func (p *Player) closePlay(outcome music.Outcome) {
	if p.open < 0 {
		return
	}
	pl := &p.plays[p.open]
	pl.Position = p.position()
	pl.Ended = p.clock.Now()
	pl.Outcome = outcome
	p.open = -1
	p.log.Debug().Int("seq", pl.Seq).Str("outcome", string(outcome)).Dur("position_ms", pl.Position).Msg("track ended")
}

func (p *Player) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// publish sends PropertiesChanged for what differs from the last publish.
func (p *Player) publish() {
	if p.bus == nil {
		return
	}
	st := playerProps{status: p.status, current: NoTrack, canPlay: p.cur >= 0}
	if p.cur >= 0 {
		st.current = p.tracks[p.cur].ID
		st.canNext = p.cur+1 < len(p.tracks)
		st.canPrev = p.cur > 0
		st.metadata = metadataOf(p.tracks[p.cur])
	}
	p.bus.publish(st)
}

// metadataNow is the Metadata property: the current track's, or NoTrack.
func (p *Player) metadataNow() map[string]dbus.Variant {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur < 0 {
		return map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(NoTrack)}
	}
	return metadataOf(p.tracks[p.cur])
}

// trackIDs is the Tracks property.
func (p *Player) trackIDs() []dbus.ObjectPath {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]dbus.ObjectPath, len(p.tracks))
	for i, t := range p.tracks {
		ids[i] = t.ID
	}
	return ids
}

// metadataOf builds the MPRIS Metadata of a track: every value with the
// type the spec names (o, s, as, x in microseconds).
func metadataOf(t Track) map[string]dbus.Variant {
	m := map[string]dbus.Variant{
		"mpris:trackid": dbus.MakeVariant(t.ID),
		"mpris:length":  dbus.MakeVariant(t.Meta.Length.Microseconds()),
		"xesam:url":     dbus.MakeVariant(t.URI),
		"xesam:title":   dbus.MakeVariant(t.Meta.Title),
	}
	if len(t.Meta.Artists) > 0 {
		m["xesam:artist"] = dbus.MakeVariant(append([]string(nil), t.Meta.Artists...))
	}
	if t.Meta.Album != "" {
		m["xesam:album"] = dbus.MakeVariant(t.Meta.Album)
	}
	if len(t.Meta.Genres) > 0 {
		m["xesam:genre"] = dbus.MakeVariant(append([]string(nil), t.Meta.Genres...))
	}
	return m
}

// String is for logs and test failures.
func (t Track) String() string { return fmt.Sprintf("%s %s", t.ID, t.URI) }
