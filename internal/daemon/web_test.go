package daemon_test

import (
	"context"
	"fmt"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/testenv"
	"github.com/continuo/continuo/internal/web"
	"github.com/continuo/continuo/internal/web/browser"
)

// needChromium returns the browser, or skips the test when none is
// installed; with CONTINUO_REQUIRE_PLAYERS (CI) a missing one fails it.
func needChromium(t *testing.T) string {
	t.Helper()
	exe, err := browser.Find()
	if err != nil {
		if os.Getenv(testenv.RequirePlayersEnv) != "" {
			t.Fatalf("%v; %s is set, so this is a failure", err, testenv.RequirePlayersEnv)
		}
		t.Skip(err)
	}
	return exe
}

// startWeb serves the live view for the bus at address on a free loopback
// port, and stops it (waiting for its goroutines) when the test ends.
func startWeb(t *testing.T, address string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- web.Serve(ctx, ln, web.Options{Address: address, CallTimeout: 10 * time.Second, Logger: testLogger(t)})
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String() + "/"
}

// until waits, in the page, for a JavaScript condition over the DOM; it is
// checked at every DOM change, with the test's deadline.
func until(cond string, args ...any) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(cond, args...),
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(deadline))
}

// texts returns the text of every element matching a CSS selector.
func texts(ctx context.Context, t *testing.T, selector string) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`Array.from(document.querySelectorAll(%q), e => e.textContent)`, selector)))
	require.NoError(t, err)
	return out
}

// shownQueue is the queue the page shows, a line per track: its id and
// reason.
func shownQueue(ctx context.Context, t *testing.T) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#queue li"), li => li.dataset.id + " " + li.querySelector(".reason").textContent)`))
	require.NoError(t, err)
	return out
}

// waitShownQueue waits until the page shows the daemon's full queue with
// its reasons, and ok accepts it; it returns that queue.
func waitShownQueue(ctx context.Context, t *testing.T, e *env, ok func([]string) bool) []string {
	t.Helper()
	var shown []string
	testenv.WaitFor(t, deadline, func() bool {
		var want []string
		for _, v := range e.core.State().Queue {
			want = append(want, string(v.ID)+" "+v.Reason)
		}
		shown = shownQueue(ctx, t)
		return len(want) == 3 && slices.Equal(shown, want) && ok(shown)
	}, "the page shows the daemon's queue of 3 with its reasons")
	return shown
}

func attr(ctx context.Context, t *testing.T, js string) string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	require.NoError(t, err)
	return out
}

// skip presses Skip and waits until the head of the queue plays and the
// queue has moved on; it returns the track now playing.
func skip(ctx context.Context, t *testing.T) string {
	t.Helper()
	next := attr(ctx, t, `document.querySelector("#queue li").dataset.id`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#skip"),
		until(`document.getElementById("now-title").dataset.id === %q && document.querySelector("#queue li") !== null && document.querySelector("#queue li").dataset.id !== %q`, next, next)))
	return next
}

// TestWebLiveView drives the live view in a real browser against the real
// daemon and the emulator on a private bus, as an engineer would: ask for a
// piece, see it play with the resolver's readings, skip and see the queue
// move on, like and see it recorded and shown, and take a screenshot. The emulator runs at real speed, so nothing ends by itself.
func TestWebLiveView(t *testing.T) {
	exe := needChromium(t)
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 1)
	url := startWeb(t, e.bus.Address)

	ctx, cancel := context.WithTimeout(context.Background(), 3*deadline)
	defer cancel()
	bctx, closeBrowser := browser.Start(ctx, exe, t.TempDir())
	defer closeBrowser()

	// The page loads and follows the daemon and the emulator.
	require.NoError(t, chromedp.Do(bctx, browser.Viewport(), chromedp.Navigate(url),
		until(`document.getElementById("daemon-status").textContent === "connected" && document.getElementById("player").textContent === "Continuo head-unit emulator"`)))

	// Every control has an accessible name, and the keyboard reaches them.
	named, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll("input, button, select")).every(
		e => (e.labels && e.labels.length > 0) || e.textContent.trim() !== "" || e.getAttribute("aria-label"))`))
	require.NoError(t, err)
	assert.True(t, named, "every input and button is labelled")
	require.NoError(t, chromedp.Do(bctx, chromedp.Focus("#ask-input"), chromedp.KeyEvent("\t"),
		until(`document.activeElement === document.getElementById("ask-button")`)))

	// Ask: the resolver's readings are shown with their confidence, and the
	// first one plays with its continuation queued.
	require.NoError(t, chromedp.Do(bctx,
		chromedp.SendKeys("#ask-input", "scene swan lake"), chromedp.Click("#ask-button"),
		until(`document.querySelectorAll("#candidates li").length > 0 && document.getElementById("now-title").dataset.id !== "" && document.querySelectorAll("#queue li").length >= 3`)))
	playing := attr(bctx, t, `document.getElementById("now-title").dataset.id`)
	assert.Contains(t, strings.ToLower(attr(bctx, t, `document.getElementById("now-title").textContent`)), "swan lake")
	assert.Contains(t, texts(bctx, t, "#candidates .conf")[0], "%", "each reading shows its confidence")
	assert.NotEmpty(t, attr(bctx, t, `document.getElementById("now-reason").textContent`), "the playing track says why")
	for _, r := range texts(bctx, t, "#queue .reason") {
		assert.NotEmpty(t, r, "each queued track says why")
	}
	require.NoError(t, chromedp.Do(bctx, until(`document.querySelector('#chart g.marker[data-kind="ask"]') !== null`)))

	// Skip: the head of the queue plays and the queue moves on.
	next := skip(bctx, t)
	assert.NotEqual(t, playing, next)
	require.NoError(t, chromedp.Do(bctx, until(`document.querySelector('#chart g.marker[data-kind="skip"]') !== null`)))

	// Like: the daemon records it (the page reads it back through
	// Feedbacks), the chart marks it and the playing track's card says so.
	// The daemon re-ranks what it queued from the new context, and the page
	// shows the new queue with the reasons the daemon gives.
	before := waitShownQueue(bctx, t, e, func([]string) bool { return true })
	require.NoError(t, chromedp.Do(bctx, chromedp.Click("#like"),
		until(`document.querySelector('#chart g.marker[data-kind="like"]') !== null && document.getElementById("now-verdict").textContent.includes("You liked it")`)))
	after := waitShownQueue(bctx, t, e, func(q []string) bool { return !slices.Equal(q, before) })
	t.Logf("queue shown before the like %q, after %q", before, after)
	// The reasons change with it: picks of the liked track's family name
	// the like beside the request.
	require.NoError(t, chromedp.Do(bctx, until(`[...document.querySelectorAll("#queue .reason")].some(r => r.textContent.includes("you liked"))`)))
	c := e.call("Feedbacks", "", uint32(1), int64(0))
	require.NoError(t, c.Err)
	var fbs []map[string]dbus.Variant
	require.NoError(t, c.Store(&fbs))
	require.Len(t, fbs, 1)
	assert.Equal(t, next, fbs[0]["continuo:id"].Value(), "the like is for the track that was playing")
	assert.Equal(t, "like", fbs[0]["continuo:kind"].Value())

	// The screenshot is the window as the engineer sees it.
	shot := filepath.Join(t.TempDir(), "web.png")
	if dir := os.Getenv("CONTINUO_WEB_SCREENSHOT_DIR"); dir != "" {
		shot = filepath.Join(dir, "web-test.png")
	}
	require.NoError(t, chromedp.Do(bctx, browser.Screenshot(shot)))
	// The emulator's virtual clock follows the speed set on the page.
	var f *os.File
	// (Typed and sent in one task: as a person does, with no snapshot
	// re-rendering the field between the two.)
	_, err = chromedp.Run(bctx, chromedp.Evaluate[bool](`(() => { const r = document.getElementById("rate");
		r.value = "120"; r.dispatchEvent(new Event("input")); document.querySelector("#rate-form button").click(); return true })()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(bctx, until(`document.getElementById("speed").textContent === "120×"`)))
	assert.Equal(t, 120.0, emu.Rate())

	f, err = os.Open(shot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, browser.Width, img.Bounds().Dx())
	assert.Equal(t, browser.Height, img.Bounds().Dy())
}
