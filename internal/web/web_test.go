package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/emulator/emutest"
	"github.com/continuo/continuo/internal/testenv"
)

const wait = 30 * time.Second

// serve runs Serve on a free loopback port until the returned stop is
// called, which reports Serve's error.
func serve(t testing.TB, address string) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, Options{Address: address, CallTimeout: 5 * time.Second, Logger: zerolog.Nop()})
	}()
	var once bool
	var result error
	stop = func() error {
		if !once {
			once = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// events reads the snapshots of an event stream as they come.
func events(t testing.TB, body *bufio.Reader) <-chan Snapshot {
	out := make(chan Snapshot, 64)
	go func() {
		defer close(out)
		for {
			line, err := body.ReadString('\n')
			if err != nil {
				return
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var s Snapshot
				if json.Unmarshal([]byte(data), &s) == nil {
					out <- s
				}
			}
		}
	}()
	return out
}

func next(t testing.TB, c <-chan Snapshot, what string, cond func(Snapshot) bool) Snapshot {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case s, ok := <-c:
			require.True(t, ok, "the stream ended waiting for %s", what)
			if cond(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestEventsFollowTheBus: a page's event stream gets the daemon's state at
// once and every change the bus announces, here a mood set through the
// page, which the daemon (a stand-in exporting the API's properties)
// announces with PropertiesChanged. Shutting down ends the open stream and
// Serve returns nil.
func TestEventsFollowTheBus(t *testing.T) {
	bus := testenv.StartBus(t)
	emutest.Start(t, bus.Address, emutest.Config{ActivePlayer: "org.mpris.MediaPlayer2.nobody"})
	base, stop := serve(t, bus.Address)

	resp, err := http.Get(base + "/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	snaps := events(t, bufio.NewReader(resp.Body))
	next(t, snaps, "the daemon up", func(s Snapshot) bool { return s.Daemon.Up && s.Daemon.ActivePlayer == "org.mpris.MediaPlayer2.nobody" })

	r, err := http.PostForm(base+"/api/mood", url.Values{"mood": {"calm"}})
	require.NoError(t, err)
	_ = r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)
	s := next(t, snaps, "the mood pushed", func(s Snapshot) bool { return s.Daemon.Mood == "calm" })
	require.NotEmpty(t, s.Markers)
	assert.Equal(t, Marker{X: 0, Kind: "mood", Label: "mood calm"}, s.Markers[len(s.Markers)-1])
	assert.False(t, s.Context.Available, "the stand-in has no Context property")

	require.NoError(t, stop())
	for range snaps { // the stream ends
	}
}

// TestServeWithoutDaemon: with no continuod the page still serves and says
// so; with no bus at all, it says that.
func TestServeWithoutDaemon(t *testing.T) {
	bus := testenv.StartBus(t)
	base, _ := serve(t, bus.Address)
	testenv.WaitFor(t, wait, func() bool {
		var s Snapshot
		r, err := http.Get(base + "/api/state")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		return json.NewDecoder(r.Body).Decode(&s) == nil && s.Bus == "" && !s.Daemon.Up
	}, "connected to the bus, without a daemon")

	base, _ = serve(t, "unix:path="+t.TempDir()+"/no-bus")
	testenv.WaitFor(t, wait, func() bool {
		var s Snapshot
		r, err := http.Get(base + "/api/state")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		return json.NewDecoder(r.Body).Decode(&s) == nil && strings.Contains(s.Bus, "connect to D-Bus")
	}, "the page says the bus is unreachable")
}
