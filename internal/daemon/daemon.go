// Package daemon owns continuod's bus connection over its whole life: it
// connects, exports the API and requests the name, follows the MPRIS players
// on the same connection, and when the bus goes away (dbus-daemon restarted)
// reconnects with backoff, re-acquires the name and re-follows the players.
// The drive core outlives every connection.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/mpris"
)

// Options configure Run.
type Options struct {
	Address     string // D-Bus address (already resolved from session/system)
	Core        *drive.Core
	API         busapi.Options
	CallTimeout time.Duration
	// Ready is called each time the name is acquired (first time: READY=1).
	Ready func()
	// Connected, if set, receives each new connection (tests, watchdog).
	Connected func(*dbus.Conn)
	Logger    zerolog.Logger
	// MaxBackoff caps the reconnect delay.
	MaxBackoff time.Duration
}

// Run serves until ctx is cancelled. It returns an error only when the first
// connection cannot be set up for a reason retrying will not fix (the name
// is owned by another process).
func Run(ctx context.Context, o Options) error {
	log := o.Logger.With().Str("component", "daemon").Logger()
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := serveOnce(ctx, o, log)
		if ctx.Err() != nil {
			return nil
		}
		if first && errors.Is(err, errNameTaken) {
			return err
		}
		if err == nil {
			backoff = 100 * time.Millisecond // we had a working connection
			log.Warn().Msg("bus connection lost; reconnecting")
		} else {
			log.Warn().Err(err).Dur("retry_in_ms", backoff).Msg("bus connection failed")
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, o.MaxBackoff)
	}
	return nil
}

var errNameTaken = errors.New("bus name taken")

// serveOnce runs one connection until it is lost (nil) or fails to set up.
func serveOnce(ctx context.Context, o Options, log zerolog.Logger) error {
	conn, err := dbus.Connect(o.Address, dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.Address, err)
	}
	defer conn.Close()
	if o.Connected != nil {
		o.Connected(conn)
	}
	cl := mpris.NewClient(conn, mpris.Options{Logger: o.Logger, CallTimeout: o.CallTimeout})
	if err := cl.Start(ctx); err != nil {
		return fmt.Errorf("follow players: %w", err)
	}
	defer cl.Close()
	srv, err := busapi.Serve(ctx, conn, o.Core, o.API)
	if err != nil {
		if conn.Connected() {
			return fmt.Errorf("%w: %w", errNameTaken, err)
		}
		return err
	}
	defer srv.Close()
	if err := o.Core.Attach(ctx, cl); err != nil {
		return err
	}
	// The server becomes the notifier of this connection's signals.
	o.Core.SetNotifier(srv)
	defer o.Core.SetNotifier(nil)
	if o.Ready != nil {
		o.Ready()
	}
	select {
	case <-ctx.Done():
	case <-conn.Context().Done():
	}
	return nil
}
