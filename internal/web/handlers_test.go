package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/continuo/continuo/internal/testenv"
)

// TestMain fails the package if a goroutine outlives its test: the bus
// goroutine, the server and every event stream have an owner that waits.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testServer is the page's handlers on a real private bus with no daemon
// on it: every well-formed action reaches the bus and is told continuod is
// not there (503), so a 4xx can only come from the input.
func testServer(tb testing.TB) http.Handler {
	tb.Helper()
	bus := testenv.StartBus(tb)
	h := newHub()
	b := newBusClient(bus.Address, 5*time.Second, h, zerolog.Nop())
	s, err := newServer(b, h, Options{Address: bus.Address, CallTimeout: 5 * time.Second}, zerolog.Nop())
	require.NoError(tb, err)
	ctx, cancel := context.WithCancel(context.Background())
	go b.run(ctx)
	tb.Cleanup(func() { cancel(); <-b.done })
	testenv.WaitFor(tb, 30*time.Second, func() bool { return h.get().Bus == "" }, "the page connects to the bus")
	return s.routes()
}

type req struct {
	method, path, body, ctype string
	header                    map[string]string
}

func (r req) do(h http.Handler) *httptest.ResponseRecorder {
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	hr.Host = "127.0.0.1:8080"
	if r.method == http.MethodPost {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.ctype != "" {
		hr.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		if k == "Host" {
			hr.Host = v
		}
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error string }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), "error bodies are JSON: %s", w.Body)
	return body.Error
}

func TestBadInputIsAClear4xx(t *testing.T) {
	h := testServer(t)
	long := strings.Repeat("a", maxQuery+1)
	cases := []struct {
		name   string
		req    req
		status int
		msg    string
	}{
		{"NUL", req{method: "POST", path: "/api/feedback", body: "kind=like&id=a%00b"}, 400, "NUL byte"},
		{"empty ask", req{method: "POST", path: "/api/ask"}, 400, "field q is empty"},
		{"blank ask", req{method: "POST", path: "/api/ask", body: "q=%20%20"}, 400, "field q is empty"},
		{"ask too long", req{method: "POST", path: "/api/ask", body: "q=" + long}, 400, "at most 200"},
		{"ask as JSON", req{method: "POST", path: "/api/ask", body: `{"q":"x"}`, ctype: "application/json"}, 415, "application/x-www-form-urlencoded"},
		{"bad content type", req{method: "POST", path: "/api/ask", body: "q=x", ctype: "text/plain; charset"}, 415, "content type"},
		{"form too big", req{method: "POST", path: "/api/ask", body: "q=" + strings.Repeat("a", maxBody)}, 413, "over 4096 bytes"},
		{"unknown field", req{method: "POST", path: "/api/ask", body: "q=a&volume=11"}, 400, `unknown field "volume"`},
		{"field twice", req{method: "POST", path: "/api/ask", body: "q=a&q=b"}, 400, `field "q" given 2 times`},
		{"not UTF-8", req{method: "POST", path: "/api/ask", body: "q=%ff%fe"}, 400, "not UTF-8"},
		{"bad escape", req{method: "POST", path: "/api/ask", body: "q=%zz"}, 400, "cannot be read"},
		{"another origin", req{method: "POST", path: "/api/ask", body: "q=a", header: map[string]string{"Origin": "http://evil.example"}}, 403, "cross-origin"},
		{"rebinding host", req{method: "GET", path: "/", header: map[string]string{"Host": "evil.example:8080"}}, 403, "not a loopback name"},
		{"unknown verdict", req{method: "POST", path: "/api/feedback", body: "kind=love"}, 400, "like, dislike or skip"},
		{"nothing to like", req{method: "POST", path: "/api/feedback", body: "kind=like"}, 409, "nothing Continuo knows is playing"},
		{"id too long", req{method: "POST", path: "/api/feedback", body: "kind=like&id=" + strings.Repeat("x", maxID+1)}, 400, "at most 128"},
		{"unknown mood", req{method: "POST", path: "/api/mood", body: "mood=angry"}, 400, "off, calm, steady or lively"},
		{"explicit yes", req{method: "POST", path: "/api/explicit", body: "allowed=yes"}, 400, "true or false"},
		{"rate word", req{method: "POST", path: "/api/rate", body: "rate=fast"}, 400, "positive number"},
		{"rate NaN", req{method: "POST", path: "/api/rate", body: "rate=NaN"}, 400, "positive number"},
		{"rate negative", req{method: "POST", path: "/api/rate", body: "rate=-2"}, 400, "positive number"},
		{"rate without player", req{method: "POST", path: "/api/rate", body: "rate=2"}, 409, "no player"},
		// Well-formed, but no daemon: the bus says so, and so does the page.
		{"ask, no daemon", req{method: "POST", path: "/api/ask", body: "q=scene+swan+lake"}, 503, "continuod is not running"},
		{"mood, no daemon", req{method: "POST", path: "/api/mood", body: "mood=off"}, 503, "continuod is not running"},
		{"feedback by id, no daemon", req{method: "POST", path: "/api/feedback", body: "kind=dislike&id=abc"}, 503, "continuod is not running"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := c.req.do(h)
			assert.Equal(t, c.status, w.Code, "body: %s", w.Body)
			assert.Contains(t, errorOf(t, w), c.msg)
		})
	}
}

func TestUnknownPathIs404(t *testing.T) {
	h := testServer(t)
	for _, path := range []string{"/nope", "/static/nope.js", "/api", "/api/stat"} {
		w := req{method: "GET", path: path}.do(h)
		assert.Equal(t, http.StatusNotFound, w.Code, path)
		assert.Contains(t, w.Body.String(), "not found", path)
	}
}

func TestWrongMethodIs405(t *testing.T) {
	h := testServer(t)
	for _, r := range []req{{method: "GET", path: "/api/ask"}, {method: "PUT", path: "/api/mood"}, {method: "POST", path: "/"}, {method: "DELETE", path: "/events"}} {
		w := r.do(h)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, "%s %s", r.method, r.path)
		assert.NotEmpty(t, w.Header().Get("Allow"), "%s %s says which methods", r.method, r.path)
	}
}

func TestPageAndAssets(t *testing.T) {
	h := testServer(t)
	cases := []struct{ path, ctype, contains string }{
		{"/", "text/html", `<label for="ask-input"`},
		{"/static/app.js", "javascript", "EventSource"},
		{"/static/style.css", "text/css", ":focus-visible"},
		{"/api/state", "application/json", `"daemon":{"up":false`},
	}
	for _, c := range cases {
		w := req{method: "GET", path: c.path}.do(h)
		assert.Equal(t, http.StatusOK, w.Code, c.path)
		assert.Contains(t, w.Header().Get("Content-Type"), c.ctype, c.path)
		assert.Contains(t, w.Body.String(), c.contains, c.path)
		assert.Contains(t, w.Header().Get("Content-Security-Policy"), "default-src 'self'", c.path)
	}
}

func TestParseRate(t *testing.T) {
	adjustable := &Player{Name: "p", Rate: 1, MinRate: 0.5, MaxRate: 4}
	fixed := &Player{Name: "org.mpris.MediaPlayer2.continuo_emu", Identity: "Continuo head-unit emulator", Rate: 240, MinRate: 240, MaxRate: 240}
	cases := []struct {
		rate   string
		p      *Player
		want   float64
		status int
	}{
		{"2", adjustable, 2, 0},
		{"0.5", adjustable, 0.5, 0},
		{"8", adjustable, 0, 400},
		{"0.1", adjustable, 0, 400},
		{"Inf", adjustable, 0, 400},
		{"", adjustable, 0, 400},
		{"240", fixed, 0, 409},
		{"2", nil, 0, 409},
	}
	for _, c := range cases {
		got, err := parseRate(url.Values{"rate": {c.rate}}, c.p)
		if c.status == 0 {
			require.NoError(t, err, c.rate)
			assert.Equal(t, c.want, got)
			continue
		}
		status, msg := statusOf(err)
		assert.Equal(t, c.status, status, "%q: %s", c.rate, msg)
	}
}

func TestCheckListen(t *testing.T) {
	cases := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"127.3.2.1:0", false, true},
		{"localhost:8080", false, true},
		{"[::1]:8080", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false}, // every interface
		{"192.168.1.20:8080", false, false},
		{"0.0.0.0:8080", true, true},
		{"127.0.0.1", false, false}, // no port
	}
	for _, c := range cases {
		err := CheckListen(c.addr, c.remote)
		assert.Equal(t, c.ok, err == nil, "%s remote=%v: %v", c.addr, c.remote, err)
	}
	assert.ErrorIs(t, CheckListen("0.0.0.0:1", false), ErrNotLoopback)
}

// FuzzHandlers sends arbitrary requests: none may crash the server or get
// a 500, and every refusal says why.
func FuzzHandlers(f *testing.F) {
	for _, s := range []struct{ method, path, ctype, body string }{
		{"POST", "/api/ask", "application/x-www-form-urlencoded", "q=scene+swan+lake"},
		{"POST", "/api/feedback", "application/x-www-form-urlencoded", "kind=like&id=%00"},
		{"POST", "/api/rate", "", "rate=1e309"},
		{"POST", "/api/mood", "multipart/form-data; boundary=x", "--x\r\n"},
		{"GET", "/static/../handlers.go", "", ""},
		{"GET", "/api/state?x=%zz", "", ""},
		{"POST", "/api/explicit", "application/x-www-form-urlencoded; charset=utf-8", "allowed=true&allowed=false"},
	} {
		f.Add(s.method, s.path, s.ctype, s.body)
	}
	h := testServer(f)
	f.Fuzz(func(t *testing.T, method, path, ctype, body string) {
		if path == "/events" || strings.HasPrefix(path, "/events?") {
			t.Skip("the event stream never ends by itself; tested apart")
		}
		hr, err := http.NewRequest(method, "http://127.0.0.1:8080"+path, strings.NewReader(body))
		if err != nil || hr.URL.Path == "/events" {
			t.Skip()
		}
		hr.Host = "127.0.0.1:8080"
		if ctype != "" {
			hr.Header.Set("Content-Type", ctype)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, hr)
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable && w.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %q: status %d: %s", method, path, w.Code, w.Body)
		}
		if w.Code >= 400 && strings.TrimSpace(w.Body.String()) == "" {
			t.Fatalf("%s %q: status %d with no message", method, path, w.Code)
		}
	})
}
