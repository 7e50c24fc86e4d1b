// Command continuoctl drives a running continuod over D-Bus (status, play,
// resolve, recommend, feedback, explain, history, profile, watch, web) and runs
// the offline tools (catalog build/inspect, recommend --offline, eval).
// Its commands are one table (internal/cli/command), which also gives the
// help texts, the shell completion scripts and the man page.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/continuo/continuo/internal/cli/catalogcmd"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/offlinecmd"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/cli/remotecmd"
	"github.com/continuo/continuo/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program().Run(ctx, args, command.IO{Stdout: stdout, Stderr: stderr})
}

// program is continuoctl's command table.
func program() *command.Program {
	remotecmd.SetOffline(offlinecmd.Run)
	p := &command.Program{
		Name:    "continuoctl",
		Summary: "Talk to continuod over D-Bus, and run Continuo's offline tools.",
		Version: version.String(),
		Globals: remotecmd.GlobalFlags,
		Groups: []command.Group{
			{Title: "Talk to continuod", Commands: []string{"status", "play", "resolve", "recommend", "feedback", "explain", "history", "profile", "watch", "web"}},
			{Title: "Offline (no daemon)", Commands: []string{"catalog", "eval", "parse"}},
			{Title: "About continuoctl", Commands: []string{"help", "version", "completion", "man"}},
		},
	}
	p.Commands = append(remotecmd.Commands(),
		&command.Command{Name: "catalog", Summary: "build or inspect a catalog snapshot", Sub: catalogcmd.Commands()},
		evalCommand(), parseCommand(),
		p.HelpCommand(), p.VersionCommand(), p.CompletionCommand(), p.ManCommand(),
	)
	return p
}

// evalCommand describes `eval` for help and completion; offlinecmd parses
// and validates its flags itself.
func evalCommand() *command.Command {
	var eval *command.Command
	eval = &command.Command{
		Name: "eval", Summary: "measure the engine against baselines on the catalog's playlists (offline)",
		Flags: []command.Flag{
			{Name: "catalog", Default: "", Value: "FILE", File: true, Usage: "catalog snapshot (default: the embedded catalog)"},
			{Name: "playlists", Default: "", Value: "FILE", File: true, Usage: "playlists CSV for the continuation metrics"},
			{Name: "seeds", Default: 500, Usage: "stratified seed tracks for coherence, mood and diversity"},
			{Name: "n", Default: 10, Usage: "list length"},
			{Name: "rand-seed", Default: 1, Usage: "seed of the sample and the random baselines"},
			{Name: "drives", Default: false, Usage: "simulate whole drives from a stratified set of requests instead"},
			{Name: "n-drives", Default: 300, Usage: "with --drives: requests in the whole set, both halves"},
			{Name: "length", Default: 60, Usage: "with --drives: tracks per drive (8..1000)"},
			{Name: "split", Default: "test", Choices: []string{"test", "tune", "all"}, Usage: "with --drives: which half of the requests to run"},
			{Name: "requests", Default: "", Value: "FILE", File: true, Usage: "score the request parser on spoken requests (SNIPS format) instead"},
			{Name: "folds", Default: 5, Usage: "with --requests: cross-validation folds"},
			{Name: "context", Default: false, Usage: "evaluate the in-car steering table on held-out InCarMusic drivers instead"},
			{Name: "data", Default: "../shared/data", Value: "DIR", File: true, Usage: "with --context: the shared data directory (incarmusic/, tracks_multigenre.csv)"},
			{Name: "new-driver", Default: false, Usage: "with --context: score from the other users' mean rating, not the driver's own"},
			{Name: "boot", Default: 2000, Usage: "with --context: bootstrap resamples of users (100..100000)"},
		},
		RawGlobals: []string{"json"},
		Raw: func(ctx context.Context, args []string, o command.IO) int {
			if slices.ContainsFunc(args, isHelp) {
				// Help goes to stdout; offlinecmd prints its flags to its stderr.
				fmt.Fprintf(o.Stdout, "usage: continuoctl eval %s\n\n%s\n\n", eval.Synopsis(), eval.Summary)
				return offlinecmd.Run(ctx, append([]string{"eval"}, args...), o.Stdout, o.Stdout)
			}
			return offlinecmd.Run(ctx, append([]string{"eval"}, args...), o.Stdout, o.Stderr)
		},
	}
	return eval
}

// parseCommand prints the slots of a spoken request (offline).
func parseCommand() *command.Command {
	var parse *command.Command
	parse = &command.Command{
		Name: "parse", Summary: "print the slots of a spoken music request (offline)",
		Operands:   []command.Operand{{Name: "TEXT", Many: true}},
		Flags:      []command.Flag{{Name: "json", Default: false, Usage: "print the slots and spans as JSON"}},
		RawGlobals: []string{"json"},
		Raw: func(ctx context.Context, args []string, o command.IO) int {
			if slices.ContainsFunc(args, isHelp) {
				fmt.Fprintf(o.Stdout, "usage: continuoctl parse %s\n\n%s\n", parse.Synopsis(), parse.Summary)
				return output.ExitOK
			}
			return offlinecmd.Run(ctx, append([]string{"parse"}, args...), o.Stdout, o.Stderr)
		},
	}
	return parse
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" }
