// Command continuo-emu is the emulated head unit: an MPRIS2 player
// (org.mpris.MediaPlayer2.continuo_emu) that plays silently over a virtual
// clock, and, with --script, a scripted drive against a running continuod
// whose transcript it prints. See docs/emulator.md.
//
// Exit status: 0 success, 1 a failed drive or expectation, 2 bad usage or
// an invalid script.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/emulator/emucatalog"
	"github.com/continuo/continuo/internal/logging"
	"github.com/continuo/continuo/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

type config struct {
	bus        string
	catalog    string
	speed      float64
	script     string
	json       bool
	plot       string
	waitDaemon time.Duration
	logLevel   string
	noContext  bool
}

// usageError marks errors that exit with status 2.
type usageError struct{ error }

const usage = `usage: continuo-emu [--bus session|ADDRESS] [--speed X] [--log-level LEVEL]
                    [--script FILE [--json] [--plot FILE.svg|FILE.png] [--wait-daemon DURATION] [--no-context]]
       continuo-emu --help | --version

The emulated head unit: an MPRIS2 player (org.mpris.MediaPlayer2.continuo_emu)
that plays silently over a virtual clock; with --script, a scripted drive
against a running continuod, whose transcript it prints (docs/emulator.md).

Exit status: 0 success, 1 a failed drive or expectation, 2 bad usage or an
invalid script (nothing is started then).

Flags:
`

// manPage is continuo-emu(1), generated from its flags.
func manPage(fs *flag.FlagSet) command.FlagPage {
	return command.FlagPage{
		Name: "continuo-emu", Section: 1, Summary: "head-unit emulator for Continuo",
		Synopsis: "[--bus session|ADDRESS] [--speed X] [--catalog FILE] [--script FILE [--json] [--plot FILE.svg|FILE.png] [--wait-daemon DURATION]]",
		Description: `continuo-emu is an MPRIS2 player (org.mpris.MediaPlayer2.continuo_emu) that plays silently over a virtual clock. With --script it runs a scripted drive against a running continuod and prints the transcript as it happens; with --plot it draws the drive's mood trajectory.

Flags, the catalog and the whole script (including each expect family against the catalog's families) are checked before it joins the bus. docs/emulator.md describes the script language.`,
		Flags: fs, Hidden: []string{"man"},
		Exit: []command.ExitCode{{Code: exitOK, Meaning: "the drive ran and every expect held (or the player was stopped by SIGINT/SIGTERM)"},
			{Code: exitFailed, Meaning: "a step or an expect failed"}, {Code: exitUsage, Meaning: "usage error or invalid script; nothing was started"}},
		SeeAlso: []string{"continuod(8)", "continuoctl(1)", "playerctl(1)"},
	}
}

// errDone ends the run early with success (--help, --version).
var errDone = errors.New("done")

func parseFlags(args []string, stdout io.Writer) (config, error) {
	var c config
	var showVersion bool
	fs := flag.NewFlagSet("continuo-emu", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by run
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	showMan := fs.Bool("man", false, "print the man page (roff) and exit")
	fs.StringVar(&c.bus, "bus", "session", "`BUS` to join: session ($DBUS_SESSION_BUS_ADDRESS) or a D-Bus address")
	fs.Float64Var(&c.speed, "speed", emulator.DefaultSpeed, "`X`: virtual time per real time (120: a 4-minute track takes 2 s)")
	fs.StringVar(&c.catalog, "catalog", "", "catalog snapshot `FILE` whose tracks the emulator plays (titles, lengths, families); default: the embedded catalog")
	fs.StringVar(&c.script, "script", "", "drive script `FILE` to run (docs/emulator.md); without it, be a player until SIGINT/SIGTERM")
	fs.BoolVar(&c.json, "json", false, "print the transcript as one JSON object per line")
	fs.StringVar(&c.plot, "plot", "", "write the drive's mood trajectory to `FILE` (.svg or .png)")
	fs.DurationVar(&c.waitDaemon, "wait-daemon", 10*time.Second, "how long to wait for org.continuo.Recommender1 before the drive")
	fs.StringVar(&c.logLevel, "log-level", "info", "`LEVEL`: debug, info, warn, error")
	fs.BoolVar(&c.noContext, "no-context", false, "drive without telling continuod the script's context and arrival (the context-free baseline)")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		command.PrintFlags(stdout, fs, "man")
		return c, errDone
	case err == nil && *showMan:
		if err := manPage(fs).Write(stdout, version.String()); err != nil {
			return c, err
		}
		return c, errDone
	case err != nil:
		return c, usageError{err}
	case showVersion:
		fmt.Fprintln(stdout, "continuo-emu", version.String())
		return c, errDone
	}
	switch {
	case fs.NArg() > 0:
		return c, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	case c.speed <= 0 || c.speed > 1e6:
		return c, usageError{fmt.Errorf("--speed %v: want 0 < speed <= 1000000", c.speed)}
	case c.waitDaemon < 0:
		return c, usageError{fmt.Errorf("--wait-daemon %v: want >= 0", c.waitDaemon)}
	case c.script == "" && (c.json || c.plot != ""):
		return c, usageError{errors.New("--json and --plot need --script")}
	case c.bus != "session" && !strings.Contains(c.bus, ":"):
		return c, usageError{fmt.Errorf("--bus %q: want session or a D-Bus address such as unix:path=/run/bus", c.bus)}
	}
	if c.plot != "" {
		if err := emulator.CheckPlotPath(c.plot); err != nil {
			return c, usageError{fmt.Errorf("--plot: %w", err)}
		}
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, errDone) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "continuo-emu:", err)
		return exitUsage
	}
	log, err := newLogger(stderr, cfg.logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "continuo-emu:", err)
		return exitUsage
	}
	if err := emulate(ctx, cfg, stdout, log); err != nil {
		fmt.Fprintln(stderr, "continuo-emu:", err)
		if errors.As(err, new(usageError)) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// errDriveFailed reports failed expectations (already in the transcript).
var errDriveFailed = errors.New("drive failed: an expectation did not hold")

// emulate builds the parts in order, runs the drive (or waits to be
// stopped) and closes them in reverse.
func emulate(ctx context.Context, cfg config, stdout io.Writer, log zerolog.Logger) error {
	// Everything that can be wrong with the command line is found before
	// anything starts: the catalog, the script, and the script against the
	// catalog's families.
	cat, err := loadCatalog(cfg.catalog)
	if err != nil {
		return usageError{err}
	}
	var script *emulator.Script
	if cfg.script != "" {
		s, err := readScript(cfg.script)
		if err != nil {
			return usageError{err}
		}
		if err := s.CheckFamilies(catalog.FamilyNames()); err != nil {
			return usageError{err}
		}
		script = s
	}
	addr, err := busAddress(cfg.bus)
	if err != nil {
		return usageError{err}
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return fmt.Errorf("connect to D-Bus: %w", err)
	}
	defer conn.Close()

	lib := emucatalog.Library(cat)
	player := emulator.NewPlayer(emulator.Options{
		Clock:   emulator.NewScaledClock(cfg.speed),
		Library: lib,
		Logger:  log,
	})
	defer player.Close()
	if err := player.Export(conn); err != nil {
		return err
	}
	defer func() {
		if err := player.Unexport(conn); err != nil {
			log.Warn().Err(err).Msg("release bus name")
		}
	}()
	log.Info().Str("name", emulator.BusName).Float64("speed", cfg.speed).Msg("player ready")

	if script == nil {
		<-ctx.Done()
		log.Info().Msg("stopping")
		return nil
	}
	return drive(ctx, cfg, script, conn, player, stdout, log)
}

func drive(ctx context.Context, cfg config, script *emulator.Script, conn *dbus.Conn, player *emulator.Player, stdout io.Writer, log zerolog.Logger) error {
	wctx, cancel := context.WithTimeout(ctx, cfg.waitDaemon)
	err := emulator.WaitForName(wctx, conn, emulator.ServiceName)
	cancel()
	if err != nil {
		return err
	}
	transcript := emulator.NewTranscript(stdout, script.Name, cfg.json)
	res, runErr := emulator.Run(ctx, script, emulator.RunOptions{Conn: conn, Player: player, Logger: log, OnEvent: transcript.Event,
		NoContext: cfg.noContext})
	if res != nil && res.Arrival != nil {
		transcript.Arrival(*res.Arrival)
	}
	if err := transcript.Err(); err != nil {
		return err
	}
	if res != nil {
		if cfg.plot != "" {
			if err := emulator.WritePlot(cfg.plot, res); err != nil {
				return err
			}
		}
	}
	if runErr != nil {
		return runErr
	}
	if res.Failed() {
		return errDriveFailed
	}
	return nil
}

// loadCatalog loads --catalog, or the embedded catalog.
func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		c, err := catalog.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded catalog: %w", err)
		}
		return c, nil
	}
	c, err := catalog.Load(path)
	if err != nil {
		return nil, fmt.Errorf("--catalog: %w", err)
	}
	return c, nil
}

func readScript(path string) (*emulator.Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open script: %w", err)
	}
	defer f.Close()
	return emulator.ParseScript(path, f)
}

// busAddress resolves --bus; "session" never falls back to autolaunch.
func busAddress(flagValue string) (string, error) {
	if flagValue != "session" {
		return flagValue, nil
	}
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		return "", errors.New("--bus session: DBUS_SESSION_BUS_ADDRESS is not set (give --bus ADDRESS)")
	}
	return addr, nil
}

// newLogger is the daemon's logger set-up (internal/logging): console text
// on a terminal, JSON lines otherwise, millisecond timestamps.
func newLogger(stderr io.Writer, level string) (zerolog.Logger, error) {
	log, err := logging.New(stderr, level, logging.FormatAuto)
	if err != nil {
		return log, fmt.Errorf("--log-level: %w", err)
	}
	return log, nil
}
