// Command webshot takes `make demo-web`'s screenshot: it opens the live view
// in headless Chromium, waits until the chart shows --tracks tracks, and
// writes the 1280×720 window to --out.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/continuo/continuo/internal/web/browser"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/", "the live view")
	out := flag.String("out", "out/web.png", "PNG to write")
	tracks := flag.Int("tracks", 6, "wait until the chart shows this many tracks")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := shoot(ctx, *url, *out, *tracks, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "webshot:", err)
		os.Exit(1)
	}
	fmt.Println("screenshot:", *out)
}

func shoot(ctx context.Context, url, out string, tracks int, timeout time.Duration) error {
	exe, err := browser.Find()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "webshot")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	bctx, closeBrowser := browser.Start(ctx, exe, dir)
	defer closeBrowser()
	return chromedp.Do(bctx,
		browser.Viewport(),
		chromedp.Navigate(url),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll("#chart circle").length >= %d && document.querySelectorAll("#queue li").length > 0`, tracks),
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout)),
		browser.Screenshot(out),
	)
}
