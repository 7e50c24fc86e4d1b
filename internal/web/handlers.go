package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
)

//go:embed assets
var assets embed.FS

// Limits on what the page may send.
const (
	maxBody     = 4 << 10 // a form of a few short fields
	maxQuery    = 200     // bytes of an ask, as PlaySearch bounds its fields
	maxID       = 128     // bytes of a track id
	candidates  = 5       // Resolve readings shown for an ask
	keepAlive   = 20 * time.Second
	streamWrite = 10 * time.Second // one event's write deadline
)

var moods = []string{"", "calm", "steady", "lively"}

// server is the HTTP face: the page, its assets, the event stream and the
// actions, each action one or two daemon calls with a deadline.
type server struct {
	bus  *busClient
	hub  *hub
	opts Options
	log  zerolog.Logger
	page *template.Template
}

func newServer(bus *busClient, h *hub, opts Options, log zerolog.Logger) (*server, error) {
	page, err := template.ParseFS(assets, "assets/index.html")
	if err != nil {
		return nil, fmt.Errorf("parse the page template: %w", err)
	}
	return &server{bus: bus, hub: h, opts: opts, log: log, page: page}, nil
}

// routes is the URL table. Everything but the event stream runs under a
// handler deadline (the calls' own deadline plus a margin). Unknown paths
// and methods get net/http's plain 404 and 405 (with Allow).
func (s *server) routes() http.Handler {
	static, _ := fs.Sub(assets, "assets/static") // a constant path into the embedded tree
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", s.events)
	for pattern, h := range map[string]http.Handler{
		"GET /{$}":           http.HandlerFunc(s.index),
		"GET /static/":       http.StripPrefix("/static/", http.FileServerFS(static)),
		"GET /api/state":     http.HandlerFunc(s.state),
		"POST /api/ask":      http.HandlerFunc(s.ask),
		"POST /api/feedback": http.HandlerFunc(s.feedback),
		"POST /api/mood":     http.HandlerFunc(s.mood),
		"POST /api/explicit": http.HandlerFunc(s.explicit),
		"POST /api/rate":     http.HandlerFunc(s.rate),
	} {
		mux.Handle(pattern, http.TimeoutHandler(h, 2*s.opts.CallTimeout+time.Second, `{"error":"the request took too long; is continuod busy?"}`))
	}
	return s.guard(mux)
}

// guard refuses requests a loopback page must not answer: a Host that is
// not loopback (DNS rebinding) unless AllowRemote, and a POST from another
// origin (another site's form posting to 127.0.0.1). It also sets the
// headers that keep the page from being framed or sniffed.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		if !s.opts.AllowRemote && !isLoopbackHost(hostOnly(r.Host)) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("host %q is not a loopback name; this view answers on loopback only (continuoctl web --allow-remote)", clip(r.Host)))
			return
		}
		if o := r.Header.Get("Origin"); r.Method != http.MethodGet && r.Method != http.MethodHead && o != "" && !sameOrigin(o, r.Host) {
			writeError(w, http.StatusForbidden, fmt.Sprintf("cross-origin request from %q refused", clip(o)))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hostOnly(hostport string) string {
	if u, err := url.Parse("//" + hostport); err == nil {
		return u.Hostname()
	}
	return hostport
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host == host
}

// apiError is a failure with the HTTP status that says whose fault it is.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// statusOf maps an error to its status and message: the page's own errors
// as they are, the daemon's by error name, the bus's as unavailable.
func statusOf(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.msg
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "continuod did not answer in time"
	case errors.Is(err, errNoBus):
		return http.StatusServiceUnavailable, "not connected to D-Bus; is the bus running?"
	}
	name, msg := dbusError(err)
	switch name {
	case "":
		return http.StatusBadGateway, err.Error()
	case "org.continuo.Error.InvalidArgument", "org.freedesktop.DBus.Error.InvalidArgs":
		return http.StatusBadRequest, msg
	case "org.continuo.Error.NotFound":
		return http.StatusNotFound, msg
	case "org.continuo.Error.NoPlayer":
		return http.StatusConflict, msg
	case "org.continuo.Error.AccessDenied", "org.freedesktop.DBus.Error.AccessDenied":
		return http.StatusForbidden, msg
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return http.StatusServiceUnavailable, "continuod is not running on this bus"
	case "org.continuo.Error.Unavailable":
		return http.StatusServiceUnavailable, msg
	}
	return http.StatusBadGateway, msg
}

func dbusError(err error) (name, msg string) {
	var de dbus.Error
	var pde *dbus.Error
	switch {
	case errors.As(err, &de):
	case errors.As(err, &pde):
		de = *pde
	default:
		return "", ""
	}
	msg = de.Name
	if len(de.Body) > 0 {
		if s, ok := de.Body[0].(string); ok {
			msg = s
		}
	}
	return de.Name, msg
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a write error means the client left
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err)
	if status >= 500 {
		// The error may repeat the driver's words: at debug only.
		s.log.Warn().Str("path", r.URL.Path).Int("status", status).Msg("request failed")
		s.log.Debug().Err(err).Str("path", r.URL.Path).Msg("request failed")
	}
	writeError(w, status, msg)
}

// clip repeats at most 32 bytes of the client's input in a message.
func clip(s string) string {
	if len(s) <= 32 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:32], "?") + "…"
}

// form reads an action's form: url-encoded, small, only the fields named,
// each at most once. Every way it can be wrong is a 4xx that says how.
func form(w http.ResponseWriter, r *http.Request, fields ...string) (url.Values, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, &apiError{http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q: send application/x-www-form-urlencoded", clip(ct))}
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the form is over %d bytes", maxBody)}
		}
		return nil, badRequest("the form cannot be read: %v", err)
	}
	for k, vs := range r.PostForm {
		switch {
		case !contains(fields, k):
			return nil, badRequest("unknown field %q (this action takes %s)", clip(k), strings.Join(fields, ", "))
		case len(vs) > 1:
			return nil, badRequest("field %q given %d times", k, len(vs))
		case !utf8.ValidString(vs[0]):
			return nil, badRequest("field %q is not UTF-8", k)
		case strings.ContainsRune(vs[0], 0):
			return nil, badRequest("field %q contains a NUL byte", k)
		}
	}
	return r.PostForm, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// timed is the deadline of one action: its calls share it.
func (s *server) timed(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 2*s.opts.CallTimeout)
}

func (s *server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.page.Execute(w, struct {
		Snapshot
		Moods []string
	}{s.hub.get(), moods}); err != nil {
		s.log.Debug().Err(err).Msg("write the page")
	}
}

func (s *server) state(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.hub.get())
}

// events streams the snapshot: whole at once, then at every change
// (coalesced), with comments to keep idle proxies from closing it. It ends
// when the page leaves or the server shuts down.
func (s *server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	wake, unsubscribe := s.hub.subscribe()
	defer unsubscribe()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	send := func(event string) error {
		if err := rc.SetWriteDeadline(time.Now().Add(streamWrite)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := fmt.Fprint(w, event); err != nil {
			return err
		}
		return rc.Flush()
	}
	state := func() string {
		b, _ := json.Marshal(s.hub.get()) // plain data: cannot fail
		return "event: state\ndata: " + string(b) + "\n\n"
	}
	if send("retry: 1000\n"+state()) != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-wake:
			if send(state()) != nil {
				return
			}
		case <-tick.C:
			if send(": keep-alive\n\n") != nil {
				return
			}
		}
	}
}

// askReply is what an ask shows: the resolver's readings, and the track
// Play started or why it did not.
type askReply struct {
	Query      string  `json:"query"`
	Candidates []Track `json:"candidates"`
	Started    *Track  `json:"started,omitempty"`
	Error      string  `json:"error,omitempty"`
}

// parseAsk checks the free text of an ask.
func parseAsk(f url.Values) (string, error) {
	q := strings.TrimSpace(f.Get("q"))
	switch {
	case q == "":
		return "", badRequest("say what to play: field q is empty")
	case len(q) > maxQuery:
		return "", badRequest("the request is %d bytes; at most %d", len(q), maxQuery)
	}
	return q, nil
}

// ask shows how the daemon reads the request (Resolve) and plays it
// (Play), as a voice assistant would.
func (s *server) ask(w http.ResponseWriter, r *http.Request) {
	f, err := form(w, r, "q")
	var q string
	if err == nil {
		q, err = parseAsk(f)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := s.timed(r)
	defer cancel()
	reply := askReply{Query: q, Candidates: []Track{}}
	c, err := s.bus.daemonCall(ctx, "Resolve", q, uint32(candidates))
	if err == nil {
		var ds []map[string]dbus.Variant
		if err = c.Store(&ds); err == nil {
			reply.Candidates = tracksFromDicts(ds)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var started map[string]dbus.Variant
	if c, err = s.bus.daemonCall(ctx, "Play", q); err == nil {
		err = c.Store(&started)
	}
	if err != nil {
		status, msg := statusOf(err)
		reply.Error = msg
		writeJSON(w, status, reply)
		return
	}
	t := trackFromDict(started)
	reply.Started = &t
	s.hub.remember(t)
	s.hub.update(func(st *Snapshot) {
		// The player may have announced the track before the reply came.
		x := len(st.Points) // the next track, unless the player announced it already
		if st.Now != nil && st.Now.ID == t.ID {
			x--
		}
		st.learn(t)
		st.markAsk(x, "asked “"+q+"”")
	})
	writeJSON(w, http.StatusOK, reply)
}

var feedbackKinds = []string{"like", "dislike", "skip"}

// parseFeedback checks a verdict and its track (default: the playing one).
func parseFeedback(f url.Values, playing string) (id, kind string, err error) {
	kind = f.Get("kind")
	if !contains(feedbackKinds, kind) {
		return "", "", badRequest("kind must be like, dislike or skip, got %q", clip(kind))
	}
	id = strings.TrimSpace(f.Get("id"))
	switch {
	case len(id) > maxID:
		return "", "", badRequest("track id is %d bytes; at most %d", len(id), maxID)
	case id == "" && playing == "":
		return "", "", &apiError{http.StatusConflict, "nothing Continuo knows is playing: there is no track to " + kind}
	case id == "":
		id = playing
	}
	return id, kind, nil
}

// feedback is the driver's like, dislike or skip: Feedback on the daemon,
// which for a skip of the playing track also moves the player on.
func (s *server) feedback(w http.ResponseWriter, r *http.Request) {
	f, err := form(w, r, "kind", "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var playing string
	if snap := s.hub.get(); snap.Now != nil {
		playing = snap.Now.ID
	}
	id, kind, err := parseFeedback(f, playing)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := s.timed(r)
	defer cancel()
	if _, err := s.bus.daemonCall(ctx, "Feedback", id, kind); err != nil {
		s.fail(w, r, err)
		return
	}
	// The chart shows it when the bus goroutine reads the new feedback
	// back (a skip comes as a Played signal), as it does for any client's.
	s.bus.feedbackChanged()
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "kind": kind, "status": "recorded"})
}

// parseMood accepts the daemon's moods, and "off" for none.
func parseMood(f url.Values) (string, error) {
	m := f.Get("mood")
	if m == "off" {
		m = ""
	}
	if !contains(moods, m) {
		return "", badRequest("mood must be off, calm, steady or lively, got %q", clip(m))
	}
	return m, nil
}

func (s *server) mood(w http.ResponseWriter, r *http.Request) {
	f, err := form(w, r, "mood")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := parseMood(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setDaemon(w, r, "Mood", m)
}

func parseExplicit(f url.Values) (bool, error) {
	switch v := f.Get("allowed"); v {
	case "true", "false":
		return v == "true", nil
	default:
		return false, badRequest("allowed must be true or false, got %q", clip(v))
	}
}

func (s *server) explicit(w http.ResponseWriter, r *http.Request) {
	f, err := form(w, r, "allowed")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := parseExplicit(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setDaemon(w, r, "ExplicitAllowed", b)
}

// setDaemon sets a daemon property; the change comes back as
// PropertiesChanged, which is what the page shows.
func (s *server) setDaemon(w http.ResponseWriter, r *http.Request, name string, v any) {
	ctx, cancel := s.timed(r)
	defer cancel()
	if _, err := s.bus.call(ctx, daemonName, daemonPath, propsIface+".Set", daemonIface, name, dbus.MakeVariant(v)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"property": name, "value": v})
}

// parseRate checks a playback rate against what the player says it can do.
func parseRate(f url.Values, p *Player) (float64, error) {
	raw := f.Get("rate")
	rate, err := strconv.ParseFloat(raw, 64)
	switch {
	case err != nil || math.IsNaN(rate) || math.IsInf(rate, 0) || rate <= 0:
		return 0, badRequest("rate must be a positive number, got %q", clip(raw))
	case p == nil:
		return 0, &apiError{http.StatusConflict, "no player is followed"}
	case p.MaxRate <= p.MinRate:
		return 0, &apiError{http.StatusConflict, fmt.Sprintf("%s plays at one rate only (%g×)", first(p.Identity, p.Name), p.Rate)}
	case rate < p.MinRate || rate > p.MaxRate:
		return 0, badRequest("rate must be %g..%g, got %g", p.MinRate, p.MaxRate, rate)
	}
	return rate, nil
}

// rate sets the player's MPRIS Rate, where the player allows a range.
func (s *server) rate(w http.ResponseWriter, r *http.Request) {
	f, err := form(w, r, "rate")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.hub.get().Player
	rate, err := parseRate(f, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, cancel := s.timed(r)
	defer cancel()
	if _, err := s.bus.call(ctx, p.Name, mprisPath, propsIface+".Set", mprisPlayer, "Rate", dbus.MakeVariant(rate)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"property": "Rate", "value": rate})
}

// httpErrorLog sends net/http's own complaints (bad TLS handshakes, panics
// in handlers) to the logger at debug: they are about clients.
func httpErrorLog(l zerolog.Logger) *log.Logger {
	return log.New(debugWriter{l}, "", 0)
}

type debugWriter struct{ l zerolog.Logger }

func (d debugWriter) Write(p []byte) (int, error) {
	d.l.Debug().Msg(strings.TrimSpace(string(p)))
	return len(p), nil
}
