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
	"sync"
	"syscall"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/config"
	"github.com/continuo/continuo/internal/daemon"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/logging"
	"github.com/continuo/continuo/internal/player"
)

// version is set by the linker (-X main.version=...).
var version = "0.1.0-dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "continuod: %v\n", err)
		os.Exit(1)
	}
}

type flags struct {
	config, bus, db, catalog, logLevel string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("continuod", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "config file (TOML); flags override it")
	fs.StringVar(&f.bus, "bus", "", "session, system or a D-Bus address")
	fs.StringVar(&f.db, "db", "", "history database file")
	fs.StringVar(&f.catalog, "catalog", "", "catalog snapshot (default: the embedded catalog)")
	fs.StringVar(&f.logLevel, "log-level", "", "trace, debug, info, warn or error")
	return f, fs.Parse(args)
}

// loadConfig reads the config file and applies the flags over it.
func loadConfig(f flags) (config.Config, error) {
	cfg := config.Default()
	if f.config != "" {
		var err error
		if cfg, err = config.Load(f.config); err != nil {
			return cfg, err
		}
	}
	if f.bus != "" {
		cfg.Bus.Address = f.bus
	}
	if f.db != "" {
		cfg.Database.Path = f.db
	}
	if f.catalog != "" {
		cfg.Catalog.Path = f.catalog
	}
	if f.logLevel != "" {
		cfg.Log.Level = f.logLevel
	}
	return cfg, cfg.Validate()
}

// run is main without the process: tests start the real daemon through it.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	log, err := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return err
	}
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

	model, err := drive.LoadModel(cfg.Catalog.Path, cfg.Catalog.URITemplate)
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
	go func() { defer wg.Done(); reloadOnHUP(hupCtx, f, core, log) }()
	defer func() { stopHUP(); wg.Wait() }()
	stopWatchdog := daemon.Watchdog(core, log)
	defer stopWatchdog()

	err = daemon.Run(ctx, daemon.Options{
		Address: addr, Core: core, Logger: log, CallTimeout: 2 * time.Second,
		API: busapi.Options{Version: version, Logger: log, Access: busapi.Access{
			UIDs: cfg.Access.PrivilegedUIDs, Groups: cfg.Access.PrivilegedGroups, AllowOwnUID: true}},
		Ready: func() { _, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyReady) },
	})
	_, _ = sddaemon.SdNotify(false, sddaemon.SdNotifyStopping)
	log.Info().Msg("shutting down")
	return err
}

func coreOptions(cfg config.Config, m drive.Model, h *history.Store, log zerolog.Logger) drive.Options {
	pc := player.Config{MPVSocket: map[string]string{}, MPDAddr: map[string]string{}, MPDMusicDir: map[string]string{}}
	for name, p := range cfg.Players {
		pc.MPVSocket[name], pc.MPDAddr[name], pc.MPDMusicDir[name] = p.MPVSocket, p.MPDAddress, p.MPDMusicDir
	}
	return drive.Options{
		Model: m, History: h, Profile: cfg.Profile.Default, QueueDepth: cfg.Queue.Depth,
		SkipSeconds: cfg.Playback.SkipThresholdSeconds, SkipShare: cfg.Playback.SkipThresholdShare,
		PreferredPlayer: cfg.Playback.PreferredPlayers, Players: pc, Logger: log,
	}
}

// reloadOnHUP re-reads the config file and the catalog on SIGHUP without
// dropping the bus name. Settings that need a restart (bus, database) are
// reported, not applied.
func reloadOnHUP(ctx context.Context, f flags, core *drive.Core, log zerolog.Logger) {
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
		cfg, err := loadConfig(f)
		if err == nil {
			var m drive.Model
			if m, err = drive.LoadModel(cfg.Catalog.Path, cfg.Catalog.URITemplate); err == nil {
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
