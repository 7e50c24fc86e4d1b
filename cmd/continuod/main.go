// Command continuod is Continuo's daemon: it follows the car's MPRIS players,
// records what is played, and queues the continuation. This file is a table
// of contents: config → logger → history → catalog → core → bus; the logic
// lives in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/config"
	"github.com/continuo/continuo/internal/daemon"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/logging"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/request"
	"github.com/continuo/continuo/internal/version"
)

const usage = `usage: continuod [--config FILE] [--bus session|system|ADDRESS] [--db FILE]
                 [--catalog FILE] [--log-level LEVEL] [--check-config | --print-config]
       continuod --help | --version

Follows the MPRIS players on the bus, records what is played, and queues
the continuation; serves org.continuo.Recommender1.

Configuration: --config FILE, else /etc/continuo/continuo.toml with
--bus system, else $XDG_CONFIG_HOME/continuo/continuo.toml (a missing file
on the search path means the defaults). Flags override the file.

Exit status: 0 stopped cleanly, 1 runtime error, 2 usage error or invalid
configuration. The man page: continuod --man | man -l -

Flags:
`

// Exit codes (documented in the usage text and README).
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2 // bad flags or an invalid configuration: restarting will not help
)

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// manPage is continuod(8), generated from its flags.
func manPage(fs *flag.FlagSet) command.FlagPage {
	return command.FlagPage{
		Name: "continuod", Section: 8, Summary: "Continuo's in-car music recommendation daemon",
		Synopsis: "[--config FILE] [--bus session|system|ADDRESS] [--db FILE] [--catalog FILE] [--log-level LEVEL] [--check-config | --print-config]",
		Description: `continuod follows the MPRIS2 players on a D-Bus, records what is played, skipped or liked in SQLite, and queues the continuation into the player. It serves org.continuo.Recommender1 on the same bus.

The configuration is --config FILE; otherwise /etc/continuo/continuo.toml for a daemon on the system bus (--bus system), and $XDG_CONFIG_HOME/continuo/continuo.toml (~/.config/continuo/continuo.toml) for one on the session bus. A file missing from the search path means the built-in defaults. Flags override the file. An empty database.path means /var/lib/continuo/history.db on the system bus and $XDG_STATE_HOME/continuo/history.db otherwise.

SIGTERM and SIGINT stop the daemon after its writes; SIGHUP re-reads the configuration and the catalog without dropping the bus name. Under systemd it logs native journal entries with priorities.`,
		Flags: fs, Hidden: []string{"man"},
		Exit: []command.ExitCode{{Code: exitOK, Meaning: "stopped cleanly"}, {Code: exitError, Meaning: "runtime error"},
			{Code: exitUsage, Meaning: "usage error or invalid configuration (the units do not restart the daemon then)"}},
		SeeAlso: []string{"continuoctl(1)", "continuo-emu(1)", "systemd.service(5)"},
	}
}

// usageError is a bad command line or configuration (exit 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// errDone ends run early with success (--help, --version, --check-config).
var errDone = errors.New("done")

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, errDone):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "continuod: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "continuod: %v\n", err)
	return exitError
}

type flags struct {
	config, bus, db, catalog, logLevel string
	checkConfig, printConfig           bool
}

func parseFlags(args []string, stdout, stderr io.Writer) (flags, error) {
	var f flags
	var showVersion bool
	fs := flag.NewFlagSet("continuod", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by exitCode
	fs.StringVar(&f.config, "config", "", "config `FILE` (TOML); default: the search path above")
	fs.StringVar(&f.bus, "bus", "", "`BUS`: session, system or a D-Bus address (default: bus.address of the config, session)")
	fs.StringVar(&f.db, "db", "", "history database `FILE` (default: database.path, else by bus)")
	fs.StringVar(&f.catalog, "catalog", "", "catalog snapshot `FILE` (default: the embedded catalog)")
	fs.StringVar(&f.logLevel, "log-level", "", "`LEVEL`: trace, debug, info, warn or error")
	fs.BoolVar(&f.checkConfig, "check-config", false, "say which config file is used, validate it, and exit")
	fs.BoolVar(&f.printConfig, "print-config", false, "print the effective configuration (with defaults) as TOML, and exit")
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	showMan := fs.Bool("man", false, "print the man page (roff) and exit; make install installs it")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		command.PrintFlags(stdout, fs, "man")
		return f, errDone
	case err == nil && *showMan:
		if err := manPage(fs).Write(stdout, version.String()); err != nil {
			return f, err
		}
		return f, errDone
	case err != nil:
		return f, usageError{fmt.Errorf("%w (continuod --help lists the flags)", err)}
	case fs.NArg() > 0:
		return f, usageError{fmt.Errorf("unexpected argument %q: continuod takes flags only", fs.Arg(0))}
	case showVersion:
		fmt.Fprintln(stdout, "continuod", version.String())
		return f, errDone
	case f.checkConfig && f.printConfig:
		return f, usageError{errors.New("--check-config and --print-config exclude each other")}
	}
	if f.bus != "" && !config.ValidBus(f.bus) {
		return f, usageError{fmt.Errorf("--bus %q: %s", f.bus, config.BusHint)}
	}
	return f, nil
}

// loadConfig finds and reads the config file and applies the flags over
// it; errors are usageErrors (exit 2).
func loadConfig(f flags, env config.Env) (config.Config, config.Source, error) {
	cfg, src, err := config.Locate(f.config, f.bus, env)
	if err != nil {
		return cfg, src, usageError{err}
	}
	if f.bus != "" {
		cfg.Bus.Address = f.bus
	}
	if f.db != "" {
		abs, err := filepath.Abs(f.db)
		if err != nil {
			return cfg, src, usageError{fmt.Errorf("--db: %w", err)}
		}
		cfg.Database.Path = abs
	}
	if f.catalog != "" {
		cfg.Catalog.Path = f.catalog
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
	cfg.ApplyMPDEnv(os.Getenv)
	if err := cfg.Resolve(env); err != nil {
		return cfg, src, usageError{fmt.Errorf("%s: %w", describe(src), err)}
	}
	return cfg, src, nil
}

// describe names the config's source for messages.
func describe(src config.Source) string {
	switch {
	case src.Found:
		return src.Path
	case src.Explicit:
		return src.Path
	}
	return "defaults (no " + src.Path + ")"
}

// configOnly runs --check-config and --print-config.
func configOnly(f flags, cfg config.Config, src config.Source, stdout io.Writer) error {
	if f.printConfig {
		fmt.Fprintf(stdout, "# effective configuration of continuod %s\n# source: %s, then flags\n", version.Version, describe(src))
		return cfg.Redacted().WriteTOML(stdout)
	}
	fmt.Fprintf(stdout, "config: %s: OK\nbus: %s\ndatabase: %s\n", describe(src), cfg.Bus.Address, cfg.Database.Path)
	return nil
}

// run is main without the process: tests start the real daemon through it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	env := config.EnvFromOS()
	cfg, src, err := loadConfig(f, env)
	if err != nil {
		return err
	}
	if f.checkConfig || f.printConfig {
		if err := configOnly(f, cfg, src, stdout); err != nil {
			return err
		}
		return errDone
	}
	log, err := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return usageError{err}
	}
	log.Info().Str("config", describe(src)).Str("version", version.String()).Msg("starting")
	applyMemory(cfg.Memory, log)
	applyCPU(cfg.CPU, log)
	addr, err := daemon.BusAddress(cfg.Bus.Address)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	hist, err := history.Open(ctx, history.Options{
		Path: cfg.Database.Path, MaxAge: cfg.Database.MaxAge, MaxEventsPerProfile: cfg.Database.MaxEventsPerProfile,
		MaxBytes: cfg.Database.MaxBytes, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("open history: %w", err)
	}
	defer hist.Close()

	model, err := loadModel(cfg.Catalog, installedCatalog, true, log)
	if err != nil {
		return err
	}
	log.Info().Int("tracks", model.Catalog.Len()).Msg("catalog loaded")

	core := drive.New(coreOptions(cfg, model, hist, log))
	core.Start(ctx)
	defer core.Close()

	hupCtx, stopHUP := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); reloadOnHUP(hupCtx, f, env, core, log) }()
	defer func() { stopHUP(); wg.Wait() }()
	var warm sync.Once
	stopWatchdog := daemon.Watchdog(core, log)
	defer stopWatchdog()

	err = daemon.Run(ctx, daemon.Options{
		Address: addr, Core: core, Logger: log, CallTimeout: 2 * time.Second,
		API: busapi.Options{Version: version.Version, Logger: log, Access: busapi.Access{
			UIDs: cfg.Access.PrivilegedUIDs, Groups: cfg.Access.PrivilegedGroups, AllowOwnUID: true}},
		Ready: func() {
			_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
			warm.Do(func() {
				// Once the name is ours, not before: on one CPU the
				// decoding would delay it.
				wg.Add(1)
				go func() { defer wg.Done(); warmRequests(log) }()
			})
		},
	})
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyStopping)
	log.Info().Msg("shutting down")
	return err
}

// warmRequests decodes the spoken-request tagger (request.Warm), which
// the first Play or Resolve after a start would otherwise wait ~80 ms for.
func warmRequests(log zerolog.Logger) {
	start := time.Now()
	if err := request.Warm(); err != nil {
		log.Error().Err(err).Msg("request tagger")
		return
	}
	log.Debug().Int64("ms", time.Since(start).Milliseconds()).Msg("request tagger decoded")
}

func coreOptions(cfg config.Config, m drive.Model, h *history.Store, log zerolog.Logger) drive.Options {
	pc := player.Config{MPVSocket: map[string]string{}, MPDAddr: map[string]string{}, MPDMusicDir: map[string]string{}, MPDPassword: map[string]string{}}
	for name, p := range cfg.Players {
		pc.MPVSocket[name], pc.MPDAddr[name], pc.MPDMusicDir[name] = p.MPVSocket, p.MPDAddress, p.MPDMusicDir
		pc.MPDPassword[name] = p.MPDPassword
	}
	return drive.Options{
		Model: m, History: h, Profile: cfg.Profile.Default, QueueDepth: cfg.Queue.Depth,
		SkipSeconds: cfg.Playback.SkipThresholdSeconds, SkipShare: cfg.Playback.SkipThresholdShare,
		PreferredPlayer: cfg.Playback.PreferredPlayers, Players: pc, Logger: log,
		ContextExpireAfter: cfg.Context.ExpireAfter, ParkedAfter: cfg.Context.ParkedAfter,
	}
}

// reloadOnHUP re-reads the config file and the catalog on SIGHUP without
// dropping the bus name. Settings that need a restart (bus, database) are
// reported, not applied.
func reloadOnHUP(ctx context.Context, f flags, env config.Env, core *drive.Core, log zerolog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReloading)
		cfg, _, err := loadConfig(f, env)
		if err == nil {
			applyMemory(cfg.Memory, log)
			applyCPU(cfg.CPU, log)
			var m drive.Model
			if m, err = loadModel(cfg.Catalog, installedCatalog, false, log); err == nil {
				rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				err = errors.Join(core.Reload(rctx, m), core.SetQueueDepth(rctx, cfg.Queue.Depth))
				cancel()
			}
		}
		if err != nil {
			log.Error().Err(err).Msg("reload failed; keeping the running configuration")
		} else {
			log.Info().Msg("configuration and catalog reloaded")
		}
		_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReady)
	}
}
