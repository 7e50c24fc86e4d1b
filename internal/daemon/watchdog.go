package daemon

import (
	"context"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/drive"
)

// Watchdog pings systemd's watchdog (WATCHDOG=1 at half of WatchdogSec)
// while the core goroutine answers, and does nothing when systemd asked for
// none. The returned stop ends the pinging and waits for it.
func Watchdog(core *drive.Core, log zerolog.Logger) (stop func()) {
	interval, err := sd.SdWatchdogEnabled(false)
	if err != nil || interval == 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval / 2)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), interval/4)
				err := core.Ping(ctx)
				cancel()
				if err != nil {
					log.Error().Err(err).Msg("core not answering; withholding the watchdog ping")
					continue
				}
				_, _ = sd.SdNotify(false, sd.SdNotifyWatchdog)
			}
		}
	}()
	return func() { close(done); <-finished }
}
