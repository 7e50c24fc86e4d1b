// Command continuoctl drives a running continuod over D-Bus (status, play,
// resolve, recommend, feedback, explain, history, profile) and runs the
// offline tools (catalog build/inspect, recommend --offline, eval).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/continuo/continuo/internal/cli/catalogcmd"
	"github.com/continuo/continuo/internal/cli/offlinecmd"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/cli/remotecmd"
	"github.com/continuo/continuo/internal/daemon"
)

const usage = `usage: continuoctl [--bus session|system|ADDRESS] [--json] [--timeout 10s] COMMAND [ARGS]

Talk to continuod:
  status                              properties of the daemon
  play QUERY                          play the best match and queue its continuation
  resolve [-n N] QUERY                find catalog tracks
  recommend [--seed ID] [-n N] [--mood calm|steady|lively] [--no-explicit]
  feedback ID like|dislike|skip
  explain ID
  history [--profile P] [-n N]
  profile use|forget NAME

Offline (no daemon):
  recommend --offline [--catalog FILE] (--seed ID | --query TEXT) [-n N]
  eval [--catalog FILE] [--playlists FILE]
  eval --requests FILE [--catalog FILE] [--folds 5]   score the request parser (SNIPS format)
  parse TEXT                          the slots of a spoken request
  catalog build --out FILE [--strict] SOURCE...
  catalog inspect [--json] FILE

Exit codes: 0 ok, 1 error from the daemon, 2 usage, 3 daemon not reachable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("continuoctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	bus := fs.String("bus", "session", "session, system or a D-Bus address")
	jsonOut := fs.Bool("json", false, "print JSON")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline for a daemon call")
	if err := fs.Parse(args); err != nil {
		return output.ExitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return output.ExitUsage
	}
	cmd := fs.Args()
	withJSON := func(a []string) []string {
		if *jsonOut && !slices.Contains(a, "--json") {
			return append([]string{a[0], "--json"}, a[1:]...)
		}
		return a
	}
	switch {
	case cmd[0] == "catalog":
		if len(cmd) < 2 {
			fmt.Fprint(stderr, usage)
			return output.ExitUsage
		}
		return catalogcmd.Run(ctx, withJSON(cmd[1:]), stdout, stderr)
	case cmd[0] == "eval", cmd[0] == "parse", cmd[0] == "recommend" && (slices.Contains(cmd, "--offline") || slices.Contains(cmd, "-offline")):
		return offlinecmd.Run(ctx, withJSON(cmd), stdout, stderr)
	case slices.Contains(remotecmd.Commands, cmd[0]):
		addr, err := daemon.BusAddress(*bus)
		if err != nil {
			fmt.Fprintf(stderr, "continuoctl: %v\n", err)
			return output.ExitUnreachable
		}
		return remotecmd.Run(ctx, remotecmd.Globals{Address: addr, JSON: *jsonOut, Timeout: *timeout}, cmd, stdout, stderr)
	}
	fmt.Fprintf(stderr, "continuoctl: unknown command %q\n\n%s", cmd[0], usage)
	return output.ExitUsage
}
