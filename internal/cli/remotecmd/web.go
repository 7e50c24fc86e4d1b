//go:build !nowebview

package remotecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/web"
)

// webCommand is `continuoctl web`. It lives in continuoctl rather than as a
// flag of continuo-emu because it is a client of the daemon's public API
// like every other remote command (same --bus and --timeout), and works
// the same in a car with a real player, where there is no emulator.
//
// net/http and html/template add about 7 MB to the stripped binary (the
// template package's reflection keeps methods the linker would drop), so a
// head-unit build can leave the view out with -tags nowebview (web_off.go).
func webCommand() *command.Command {
	return &command.Command{
		Name: "web", Summary: webSummary, Run: runWeb,
		Detail: "Serves a page that shows what plays, the queue and why, the mood of the\n" +
			"drive and the context, with the driver's buttons. It talks to continuod\n" +
			"over D-Bus like any HMI; updates are pushed from the bus signals.\n" +
			"Stops cleanly on SIGINT or SIGTERM (exit 0).",
		Flags: webFlags(web.DefaultListen),
	}
}

// runWeb checks the address before anything else: a refused --listen is a
// usage error (exit 2) whether or not a bus is there.
func runWeb(ctx context.Context, fs *flag.FlagSet, o command.IO) int {
	if err := web.CheckListen(command.Get[string](fs, "listen"), command.Get[bool](fs, "allow-remote")); err != nil {
		fmt.Fprintf(o.Stderr, "continuoctl web: %v\n", err)
		return output.ExitUsage
	}
	return remote((*runner).web)(ctx, fs, o)
}

func (r *runner) web(ctx context.Context, fs *flag.FlagSet) error {
	listen, allowRemote := command.Get[string](fs, "listen"), command.Get[bool](fs, "allow-remote")
	log := zerolog.New(zerolog.ConsoleWriter{Out: r.stderr, TimeFormat: time.TimeOnly, NoColor: true}).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	err := web.Run(ctx, web.Options{
		Address: r.g.Address, Listen: listen, AllowRemote: allowRemote, CallTimeout: r.g.Timeout, Logger: log,
		Ready: func(addr net.Addr) { fmt.Fprintf(r.stdout, "live view: http://%s/\n", addr) },
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
