// Package web owns `continuoctl web`: a live view of the drive in a browser
// for engineers at the emulator and for demos. It is a client of the same
// D-Bus API an HMI uses (org.continuo.Recommender1 and the active MPRIS
// player), with no back door into the daemon: one goroutine owns the bus
// connection and turns signals into a snapshot that the page receives by
// server-sent events; the page's buttons become method calls with deadlines.
//
// It serves on loopback only unless told otherwise: the page can play
// music and change the daemon's settings.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Options configure Run and Serve.
type Options struct {
	Address     string        // the D-Bus address continuod is on
	Listen      string        // host:port; default DefaultListen
	AllowRemote bool          // serve a non-loopback address too
	CallTimeout time.Duration // deadline of each D-Bus call; default 10 s
	Logger      zerolog.Logger
	// Ready, when set, is called with the listening address once the
	// server accepts connections (tests listen on port 0).
	Ready func(addr net.Addr)
}

// DefaultListen is where `continuoctl web` serves without --listen.
const DefaultListen = "127.0.0.1:8080"

// shutdownGrace bounds how long a shutdown waits for requests in flight.
const shutdownGrace = 5 * time.Second

// ErrNotLoopback is returned for a non-loopback --listen without
// AllowRemote.
var ErrNotLoopback = errors.New("not a loopback address")

// CheckListen says whether addr may be served: host:port with a loopback
// host (127.0.0.0/8, ::1, localhost) unless allowRemote.
func CheckListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: want host:port: %w", addr, err)
	}
	if allowRemote || isLoopbackHost(host) {
		return nil
	}
	return fmt.Errorf("listen address %q: %w; the page can play music and change settings, so serving other machines needs --allow-remote", addr, ErrNotLoopback)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run listens on opts.Listen and serves until ctx ends.
func Run(ctx context.Context, opts Options) error {
	opts.Listen = cmp.Or(opts.Listen, DefaultListen)
	if err := CheckListen(opts.Listen, opts.AllowRemote); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return Serve(ctx, ln, opts)
}

// Serve serves the page on ln until ctx ends, then shuts down: the event
// streams end, requests in flight get shutdownGrace, the bus goroutine
// stops, and Serve returns once every goroutine it started has returned.
func Serve(ctx context.Context, ln net.Listener, opts Options) error {
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	log := opts.Logger.With().Str("component", "web").Logger()
	h := newHub()
	bus := newBusClient(opts.Address, opts.CallTimeout, h, log)
	s, err := newServer(bus, h, opts, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	var wg sync.WaitGroup
	busCtx, stopBus := context.WithCancel(ctx)
	wg.Go(func() { bus.run(busCtx) })

	// Requests live in their own context, cancelled at shutdown: an event
	// stream never ends by itself, and http.Server.Shutdown waits for it.
	reqCtx, endRequests := context.WithCancel(context.WithoutCancel(ctx))
	srv := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ErrorLog:          httpErrorLog(log),
	}
	served := make(chan error, 1)
	wg.Go(func() { served <- srv.Serve(ln) })
	log.Info().Str("addr", ln.Addr().String()).Msg("serving the live view")
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	endRequests()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = fmt.Errorf("shut down the web server: %w", serr)
	}
	cancel()
	stopBus()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
