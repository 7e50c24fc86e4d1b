// Package busapi owns org.continuo.Recommender1, Continuo's D-Bus API: the
// introspection contract (org.continuo.Recommender1.xml), argument checking,
// properties and signals, the privilege check, and the one table from error
// kinds to D-Bus error names.
//
// Nothing that arrives over the bus is trusted: every argument is checked
// here before the drive core sees it, and handlers never panic on input.
package busapi

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// Names of the API (a contract).
const (
	BusName   = "org.continuo.Recommender1"
	Interface = "org.continuo.Recommender1"
	Path      = dbus.ObjectPath("/org/continuo/Recommender1")
)

// IntrospectXML is the interface description, also shipped in configs/.
//
//go:embed org.continuo.Recommender1.xml
var IntrospectXML string

// Options configure a Server.
type Options struct {
	Version     string
	CallTimeout time.Duration // deadline for one method call
	Access      Access
	Logger      zerolog.Logger
}

// Server exports the API on one bus connection. A new connection (after the
// bus restarts) gets a new Server; the drive core outlives both.
type Server struct {
	conn *dbus.Conn
	core *drive.Core
	opts Options
	log  zerolog.Logger
	ctx  context.Context

	signals chan signal // emitted by one goroutine, so the core never blocks on the bus
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex // guards last
	last drive.State
}

type signal struct {
	name string
	body []any
}

// Serve exports the object, then requests the bus name (in that order: a
// client that sees the name must find the object). It returns an error when
// another process owns the name.
func Serve(ctx context.Context, conn *dbus.Conn, core *drive.Core, opts Options) (*Server, error) {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 5 * time.Second
	}
	s := &Server{conn: conn, core: core, opts: opts, log: opts.Logger.With().Str("component", "busapi").Logger(),
		signals: make(chan signal, 64)}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.last = core.State()
	if err := conn.Export(methods{s}, Path, Interface); err != nil {
		return nil, fmt.Errorf("export %s: %w", Interface, err)
	}
	if err := conn.Export(properties{s}, Path, "org.freedesktop.DBus.Properties"); err != nil {
		return nil, fmt.Errorf("export properties: %w", err)
	}
	node := strings.Replace(IntrospectXML, "</node>", introspect.IntrospectDataString+propertiesIntrospection+"</node>", 1)
	if err := conn.Export(introspect.Introspectable(node), Path, "org.freedesktop.DBus.Introspectable"); err != nil {
		return nil, fmt.Errorf("export introspection: %w", err)
	}
	s.wg.Add(1)
	go s.emitLoop()
	reply, err := conn.RequestName(BusName, dbus.NameFlagDoNotQueue)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("request name %s: %w", BusName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		s.Close()
		return nil, music.Errorf(music.KindUnavailable, "bus name %s is owned by another process", BusName)
	}
	s.log.Info().Str("name", BusName).Msg("bus name acquired")
	s.announceRecovery()
	return s, nil
}

// announceRecovery tells clients already on the bus (an HMI that outlived a
// daemon restart) that the history was found corrupt and started afresh.
// Late clients read the HistoryRecovered property.
func (s *Server) announceRecovery() {
	movedTo := s.core.HistoryRecovered()
	if movedTo == "" {
		return
	}
	s.emit(Interface+".HistoryRecovered", movedTo)
	s.emit("org.freedesktop.DBus.Properties.PropertiesChanged", Interface,
		map[string]dbus.Variant{"HistoryRecovered": dbus.MakeVariant(true)}, []string{})
}

// Close releases the name, unexports the object and stops the emitter.
func (s *Server) Close() error {
	s.cancel()
	s.wg.Wait()
	_, _ = s.conn.ReleaseName(BusName)
	for _, iface := range []string{Interface, "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Introspectable"} {
		_ = s.conn.Export(nil, Path, iface)
	}
	return nil
}

func (s *Server) emitLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case sig := <-s.signals:
			if err := s.conn.Emit(Path, sig.name, sig.body...); err != nil {
				s.log.Warn().Err(err).Str("signal", sig.name).Msg("emit failed")
			}
		}
	}
}

func (s *Server) emit(name string, body ...any) {
	select {
	case s.signals <- signal{name, body}:
	default:
		// A stuck bus must not stall the core; a later state change
		// re-announces the properties.
		s.log.Warn().Str("signal", name).Msg("signal queue full; dropped")
	}
}

// StateChanged implements drive.Notifier: PropertiesChanged for what changed.
func (s *Server) StateChanged(st drive.State) {
	s.mu.Lock()
	old := s.last
	s.last = st
	s.mu.Unlock()
	if changed := changedProps(old, st); len(changed) > 0 {
		s.emit("org.freedesktop.DBus.Properties.PropertiesChanged", Interface, changed, []string{})
	}
}

// QueueUpdated implements drive.Notifier.
func (s *Server) QueueUpdated(tracks []drive.TrackView) {
	s.emit(Interface+".QueueUpdated", trackDicts(tracks))
}

// Played implements drive.Notifier.
func (s *Server) Played(id music.TrackID, outcome music.Outcome) {
	s.emit(Interface+".Played", string(id), string(outcome))
}

// call gives a handler its context: the server's lifetime with a deadline.
func (s *Server) call() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.ctx, s.opts.CallTimeout)
}

// methods holds the exported methods (godbus exports every method of the
// value, so helpers live on Server, not here). Each takes the raw message
// and one placeholder Variant per D-Bus argument, and calls decode first:
// see contract.go for why.
type methods struct{ s *Server }

const maxLimit = 100

func checkText(name, v string, max int) *dbus.Error {
	if !utf8.ValidString(v) {
		return invalid("%s is not valid UTF-8", name)
	}
	if len(v) > max {
		return invalid("%s is longer than %d bytes", name, max)
	}
	return nil
}

func (m methods) Resolve(msg dbus.Message, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var query string
	var limit uint32
	if err := decode(msg, &query, &limit); err != nil {
		return nil, err
	}
	if err := checkQueryText(query); err != nil {
		return nil, err
	}
	if limit == 0 || limit > maxLimit {
		return nil, invalid("limit must be 1..%d, got %d", maxLimit, limit)
	}
	ctx, cancel := m.s.call()
	defer cancel()
	ts, err := m.s.core.Resolve(ctx, query, int(limit))
	if err != nil {
		return nil, m.s.toDBus("Resolve", err)
	}
	return dicts(ts, requestDict), nil
}

func (m methods) Recommend(msg dbus.Message, sender dbus.Sender, _, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var seed string
	var count uint32
	var options map[string]dbus.Variant
	if err := decode(msg, &seed, &count, &options); err != nil {
		return nil, err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	// Another profile's taste is a per-profile read: the caller is checked
	// before any value is.
	if p, ok := options["profile"].Value().(string); ok && p != m.s.core.State().ActiveProfile {
		if err := m.s.authorize(ctx, sender); err != nil {
			return nil, m.s.toDBus("Recommend", err)
		}
	}
	if err := checkText("seed_id", seed, 200); err != nil {
		return nil, err
	}
	if count == 0 || count > maxLimit {
		return nil, invalid("count must be 1..%d, got %d", maxLimit, count)
	}
	o, derr := parseOptions(options)
	if derr != nil {
		return nil, derr
	}
	ts, err := m.s.core.Recommend(ctx, music.TrackID(seed), int(count), o)
	if err != nil {
		return nil, m.s.toDBus("Recommend", err)
	}
	return trackDicts(ts), nil
}

func (m methods) Play(msg dbus.Message, _ dbus.Variant) (map[string]dbus.Variant, *dbus.Error) {
	var query string
	if err := decode(msg, &query); err != nil {
		return nil, err
	}
	// An empty query is valid: "play music", continue the drive.
	if err := checkText("query", query, 500); err != nil {
		return nil, err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	t, err := m.s.core.Play(ctx, query)
	if err != nil {
		return nil, m.s.toDBus("Play", err)
	}
	return requestDict(t), nil
}

func checkQueryText(query string) *dbus.Error {
	if err := checkText("query", query, 500); err != nil {
		return err
	}
	if strings.TrimSpace(query) == "" {
		return invalid("query is empty")
	}
	return nil
}

func (m methods) Feedback(msg dbus.Message, _, _ dbus.Variant) *dbus.Error {
	var id, kind string
	if err := decode(msg, &id, &kind); err != nil {
		return err
	}
	if err := checkText("track_id", id, 200); err != nil {
		return err
	}
	if err := checkText("kind", kind, 20); err != nil {
		return err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	return m.s.toDBus("Feedback", m.s.core.Feedback(ctx, music.TrackID(id), music.FeedbackKind(kind)))
}

func (m methods) Explain(msg dbus.Message, _ dbus.Variant) (string, *dbus.Error) {
	var id string
	if err := decode(msg, &id); err != nil {
		return "", err
	}
	if err := checkText("track_id", id, 200); err != nil {
		return "", err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	r, err := m.s.core.Explain(ctx, music.TrackID(id))
	if err != nil {
		return "", m.s.toDBus("Explain", err)
	}
	return r, nil
}

// History is HistoryPage from the newest event (the first, unpaged form of
// the contract).
func (m methods) History(msg dbus.Message, sender dbus.Sender, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var profile string
	var limit uint32
	if err := decode(msg, &profile, &limit); err != nil {
		return nil, err
	}
	return m.s.historyPage("History", sender, profile, limit, 0)
}

func (m methods) HistoryPage(msg dbus.Message, sender dbus.Sender, _, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var profile string
	var limit uint32
	var before int64
	if err := decode(msg, &profile, &limit, &before); err != nil {
		return nil, err
	}
	return m.s.historyPage("HistoryPage", sender, profile, limit, before)
}

// historyPage serves History and HistoryPage: privileged, caller first.
func (s *Server) historyPage(method string, sender dbus.Sender, profile string, limit uint32, before int64) ([]map[string]dbus.Variant, *dbus.Error) {
	ctx, cancel := s.call()
	defer cancel()
	if err := s.authorize(ctx, sender); err != nil {
		return nil, s.toDBus(method, err)
	}
	if err := checkPage(profile, limit, before); err != nil {
		return nil, err
	}
	evs, err := s.core.HistoryPage(ctx, profile, int(limit), before)
	if err != nil {
		return nil, s.toDBus(method, err)
	}
	return dicts(evs, eventDict), nil
}

func (m methods) Feedbacks(msg dbus.Message, sender dbus.Sender, _, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var profile string
	var limit uint32
	var before int64
	if err := decode(msg, &profile, &limit, &before); err != nil {
		return nil, err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	if err := m.s.authorize(ctx, sender); err != nil {
		return nil, m.s.toDBus("Feedbacks", err)
	}
	if err := checkPage(profile, limit, before); err != nil {
		return nil, err
	}
	fbs, err := m.s.core.Feedbacks(ctx, profile, int(limit), before)
	if err != nil {
		return nil, m.s.toDBus("Feedbacks", err)
	}
	return dicts(fbs, feedbackDict), nil
}

func checkPage(profile string, limit uint32, before int64) *dbus.Error {
	if err := checkText("profile", profile, 64); err != nil {
		return err
	}
	if limit == 0 || limit > drive.MaxPage {
		return invalid("limit must be 1..%d, got %d", drive.MaxPage, limit)
	}
	if before < 0 {
		return invalid("before_id must be 0 (newest) or an id from a previous page, got %d", before)
	}
	return nil
}

func (m methods) ExportProfile(msg dbus.Message, sender dbus.Sender, _ dbus.Variant) (string, *dbus.Error) {
	var profile string
	if err := decode(msg, &profile); err != nil {
		return "", err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	if err := m.s.authorize(ctx, sender); err != nil {
		return "", m.s.toDBus("ExportProfile", err)
	}
	if err := checkText("profile", profile, 64); err != nil {
		return "", err
	}
	doc, err := m.s.core.ExportProfile(ctx, profile)
	if err != nil {
		return "", m.s.toDBus("ExportProfile", err)
	}
	return doc, nil
}

func (m methods) ForgetProfile(msg dbus.Message, sender dbus.Sender, _ dbus.Variant) *dbus.Error {
	var profile string
	if err := decode(msg, &profile); err != nil {
		return err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	if err := m.s.authorize(ctx, sender); err != nil {
		return m.s.toDBus("ForgetProfile", err)
	}
	if err := checkText("profile", profile, 64); err != nil {
		return err
	}
	return m.s.toDBus("ForgetProfile", m.s.core.ForgetProfile(ctx, profile))
}

// parseOptions checks Recommend's a{sv}: known keys, right types, sane values.
func parseOptions(in map[string]dbus.Variant) (drive.RecommendOptions, *dbus.Error) {
	var o drive.RecommendOptions
	for k, v := range in {
		switch k {
		case "mood":
			s, ok := v.Value().(string)
			if !ok {
				return o, invalid("option mood must be a string (s), got %s", v.Signature())
			}
			if err := drive.CheckMood(s); err != nil {
				return o, invalid("option mood: %s", music.MessageOf(err))
			}
			o.Mood = &s
		case "explicit":
			b, ok := v.Value().(bool)
			if !ok {
				return o, invalid("option explicit must be a boolean (b), got %s", v.Signature())
			}
			o.Explicit = &b
		case "explore":
			d, ok := v.Value().(float64)
			if !ok {
				return o, invalid("option explore must be a double (d), got %s", v.Signature())
			}
			if math.IsNaN(d) || d < 0 || d > 1 {
				return o, invalid("option explore must be 0..1, got %v", d)
			}
			o.Explore = d
		case "exclude":
			ids, ok := v.Value().([]string)
			if !ok {
				return o, invalid("option exclude must be an array of strings (as), got %s", v.Signature())
			}
			if len(ids) > 1000 {
				return o, invalid("option exclude has more than 1000 ids")
			}
			for _, id := range ids {
				if err := checkText("exclude id", id, 200); err != nil {
					return o, err
				}
				o.Exclude = append(o.Exclude, music.TrackID(id))
			}
		case "profile":
			p, ok := v.Value().(string)
			if !ok {
				return o, invalid("option profile must be a string (s), got %s", v.Signature())
			}
			if err := drive.CheckProfile(p); err != nil {
				return o, invalid("option profile: %s", music.MessageOf(err))
			}
			o.Profile = p
		default:
			if !utf8.ValidString(k) {
				return o, invalid("an option name is not valid UTF-8")
			}
			return o, invalid("unknown option %s (known: mood, explicit, explore, exclude, profile)", music.Echo(k))
		}
	}
	return o, nil
}
