// Package browser starts Debian's headless Chromium, driven by chromedp,
// for the live view's browser test and for `make demo-web`'s screenshot.
//
// chromedp rather than hand-written Chrome DevTools Protocol: it owns the
// browser process (start, the websocket handshake, kill and wait), types
// every CDP command from the protocol's own definitions, and waits on DOM
// conditions in the page (Poll, WaitVisible) with the context's deadline,
// which is what a test without sleeps needs. By hand that is a websocket
// client, target and session bookkeeping and event routing before the
// first click.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Width and Height are the window: a head unit's 1280×720.
const (
	Width  = 1280
	Height = 720
)

// Candidates are the executable names tried, Debian's first.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome"}

// ErrNotFound means no Chromium is installed.
var ErrNotFound = errors.New("chromium not installed (Debian: apt-get install chromium)")

// Find returns the path of the browser to use.
func Find() (string, error) {
	for _, name := range Candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// Start launches a headless Chromium with a fresh profile in userDataDir
// and returns a chromedp context for one tab. Cancelling it (or ctx) closes
// the browser and waits for the process.
func Start(ctx context.Context, exe, userDataDir string) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(Width, Height),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container has no user namespaces
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		// Keep Chromium off every D-Bus: tests own their private bus, and
		// the machine's session bus is never to be touched.
		chromedp.Env("DBUS_SESSION_BUS_ADDRESS=disabled:", "DBUS_SYSTEM_BUS_ADDRESS=disabled:"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelTab := chromedp.NewContext(actx)
	return bctx, func() {
		cancelTab()
		cancelAlloc()
	}
}

// Viewport sets the page's viewport to Width×Height: the window size
// includes browser chrome even when headless.
func Viewport() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(Width, Height)
}

// Screenshot writes the visible window as a PNG to path.
func Screenshot(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		png, err := chromedp.CaptureScreenshot()(ctx, t)
		if err != nil {
			return fmt.Errorf("screenshot: %w", err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			return fmt.Errorf("write screenshot: %w", err)
		}
		return nil
	})
}
