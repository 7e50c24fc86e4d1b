// Package config owns continuod's configuration file: the TOML schema, its
// defaults, and validation that names the offending key and value.
//
// Parse starts from Default, so a file only states what it changes; keys
// the schema does not know are errors, not silently ignored, because a
// misspelt key in a car is a setting nobody notices is missing. Every key is
// documented, with its default, unit and reason, in configs/continuo.toml.
//
// Only cmd/* imports this package; the other packages take their own small
// Options structs, filled by the daemon's main.
package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/continuo/continuo/internal/music"
)

// Config is the whole configuration of continuod.
type Config struct {
	Bus      Bus                     `toml:"bus"`
	Database Database                `toml:"database"`
	Catalog  Catalog                 `toml:"catalog"`
	Queue    Queue                   `toml:"queue"`
	Context  VehicleContext          `toml:"context"`
	Playback Playback                `toml:"playback"`
	Players  map[string]PlayerConfig `toml:"players"` // by MPRIS name suffix, e.g. "mpv"
	Profile  Profile                 `toml:"profile"`
	Access   Access                  `toml:"access"`
	Log      Log                     `toml:"log"`
	Memory   Memory                  `toml:"memory"`
	CPU      CPU                     `toml:"cpu"`
}

// Bus says which D-Bus to join: "session", "system" or an address such as
// "unix:path=/run/dbus/system_bus_socket". The daemon resolves the two
// names itself (it never uses godbus's shared connections).
type Bus struct {
	Address string `toml:"address"`
}

// Database configures the listening history store and its retention.
type Database struct {
	Path                string        `toml:"path"`    // "" = DefaultDatabase of the bus
	MaxAge              time.Duration `toml:"max_age"` // TOML: a Go duration string, "8760h"
	MaxEventsPerProfile int           `toml:"max_events_per_profile"`
	MaxBytes            int64         `toml:"max_bytes"`
}

// Catalog says which catalog to load and how to make its tracks playable.
type Catalog struct {
	Path        string `toml:"path"`         // snapshot file; "" = embedded default
	URITemplate string `toml:"uri_template"` // "{id}" is replaced by the track id
}

// Queue configures how far ahead Continuo queues.
type Queue struct {
	Depth int `toml:"depth"`
}

// VehicleContext configures the vehicle context SetContext takes (see
// docs/vehicle.md): how long a value holds after it was set, and how long
// the car stands still before Continuo stops queueing.
type VehicleContext struct {
	ExpireAfter time.Duration `toml:"expire_after"`
	ParkedAfter time.Duration `toml:"parked_after"`
}

// Playback configures how plays are judged and which player is driven.
//
// A play counts as skipped when the track changes before
// min(SkipThresholdSeconds, SkipThresholdShare × track length), whichever
// point comes first; when the length is unknown, SkipThresholdSeconds alone.
// So a 40-second interlude played for 25 s is not a skip, and neither is a
// 10-minute symphony left after 3 minutes.
type Playback struct {
	SkipThresholdSeconds float64  `toml:"skip_threshold_seconds"`
	SkipThresholdShare   float64  `toml:"skip_threshold_share"`
	PreferredPlayers     []string `toml:"preferred_players"`
}

// PlayerConfig holds the side channels for one player, used where MPRIS
// cannot queue a track (mpv-mpris has no TrackList).
type PlayerConfig struct {
	MPVSocket   string `toml:"mpv_socket"`    // mpv --input-ipc-server path
	MPDAddress  string `toml:"mpd_address"`   // host:port or a unix socket path
	MPDMusicDir string `toml:"mpd_music_dir"` // MPD's music_directory, to map file:// URIs
	MPDPassword string `toml:"mpd_password"`  // MPD's password (its "password" setting), if it requires one
}

// Profile configures driver profiles.
type Profile struct {
	Default string `toml:"default"`
}

// Access lists who may make privileged calls (ForgetProfile, setting
// properties) besides root; the D-Bus policy is the first gate.
type Access struct {
	PrivilegedUIDs   []uint32 `toml:"privileged_uids"`
	PrivilegedGroups []string `toml:"privileged_groups"`
}

// Log configures the daemon's logger (see internal/logging).
type Log struct {
	Level  string `toml:"level"`  // trace, debug, info, warn, error
	Format string `toml:"format"` // auto, json, console, journal
}

// Memory tunes the Go runtime's garbage collector (docs/footprint.md). The
// environment's GOGC and GOMEMLIMIT, when set, take precedence: they are
// for experiments, and a unit file's environment is invisible to `make
// footprint`, which is why the daemon's own setting lives here.
type Memory struct {
	// GCPercent is the collector's target (GOGC): a collection when the
	// heap has grown by this share over what the last one kept.
	GCPercent int `toml:"gc_percent"`
	// LimitMB is a soft limit on the Go runtime's memory (GOMEMLIMIT), in
	// MiB; 0 = none.
	LimitMB int `toml:"limit_mb"`
}

// CPU bounds how many CPUs the daemon's Go code runs on at once
// (docs/footprint.md, "One core fewer"). The environment's GOMAXPROCS, when
// set, takes precedence.
type CPU struct {
	// Procs is GOMAXPROCS: 0 = one fewer than the CPUs the process may
	// use, at least one, leaving a core to the media stack (the player,
	// dbus-daemon); n = at most n.
	Procs int `toml:"procs"`
}

// GOMAXPROCS is the setting for a runtime whose own choice (CPU affinity,
// cgroup quota) is def: Procs 0, one fewer than def, at least one; n, at
// most n.
func (c CPU) GOMAXPROCS(def int) int {
	if c.Procs == 0 {
		return max(def-1, 1)
	}
	return min(c.Procs, def)
}

// Limits enforced by Validate.
const (
	MinQueueDepth = 1
	MaxQueueDepth = 20
	// MinDatabaseBytes keeps max_bytes from being set so low that the
	// store would prune every event it records.
	MinDatabaseBytes = 1 << 20
	maxProfileLen    = 64
	// The GC target's range: below 10 the collector runs almost
	// continuously; above 400 the heap can grow to five times what it
	// holds, which is not a head unit's budget.
	MinGCPercent, MaxGCPercent = 10, 400
	MaxMemoryLimitMB           = 1 << 16
	MaxProcs                   = 1024
)

// The garbage collector's defaults (configs/continuo.toml says why; the
// measurements are in docs/footprint.md). Change them here and in
// configs/continuo.toml together: TestShippedConfigEqualsDefault checks
// that the file spells out these values.
const (
	// DefaultGCPercent lets request garbage grow to half the live heap
	// before a collection while the heap is far below the limit.
	DefaultGCPercent = 50
	// DefaultMemoryLimitMB is the soft limit that tightens the collector
	// as the Go runtime's memory nears it.
	DefaultMemoryLimitMB = 64
)

// Default returns the configuration used when no file is given; Parse
// starts from it. configs/continuo.toml spells out the same values, except
// bus.address, which is "system" there for the system unit. database.path
// is empty: Resolve picks the system or the per-user database by bus.
func Default() Config {
	return Config{
		Bus: Bus{Address: "session"},
		Database: Database{
			Path:                "", // by bus: see DefaultDatabase and Resolve
			MaxAge:              365 * 24 * time.Hour,
			MaxEventsPerProfile: 200_000,
			MaxBytes:            64 << 20,
		},
		Queue:   Queue{Depth: 3},
		Context: VehicleContext{ExpireAfter: 10 * time.Minute, ParkedAfter: 3 * time.Minute},
		Playback: Playback{
			SkipThresholdSeconds: 30,
			SkipThresholdShare:   0.5,
			PreferredPlayers:     []string{"continuo_emu", "mpv", "mpd"},
		},
		Players: map[string]PlayerConfig{},
		Profile: Profile{Default: "default"},
		Access:  Access{PrivilegedUIDs: []uint32{0}, PrivilegedGroups: []string{"continuo"}},
		Log:     Log{Level: "info", Format: "auto"},
		Memory:  Memory{GCPercent: DefaultGCPercent, LimitMB: DefaultMemoryLimitMB},
		CPU:     CPU{Procs: 0},
	}
}

// Load reads and validates the config file at path.
func Load(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a TOML config from r over Default and validates it. name (a
// file name) prefixes error messages. Errors from bad content are
// music.KindInvalid.
func Parse(r io.Reader, name string) (Config, error) {
	cfg := Default()
	md, err := toml.NewDecoder(r).Decode(&cfg)
	if err != nil {
		// toml's errors already say "line N" and which key.
		return Config{}, music.WrapKind(music.KindInvalid, err, "%s", name)
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		keys := make([]string, len(undec))
		for i, k := range undec {
			keys[i] = k.String()
		}
		return Config{}, music.Errorf(music.KindInvalid, "%s: unknown key %s", name, strings.Join(keys, ", "))
	}
	if cfg.Players == nil {
		cfg.Players = map[string]PlayerConfig{}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

// invalid builds the error for a bad value: `key: why, got value`.
func invalid(key string, value any, why string) error {
	return music.Errorf(music.KindInvalid, "%s: %s, got %#v", key, why, value)
}

// playerName is an MPRIS bus name suffix: D-Bus name elements are ASCII
// letters, digits, "_" and "-", dot-separated (instance suffixes).
var playerName = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// Validate checks every value and returns all problems at once, each naming
// its key and value; each is music.KindInvalid.
func (c Config) Validate() error {
	var errs []error
	bad := func(key string, value any, why string) { errs = append(errs, invalid(key, value, why)) }

	if !ValidBus(c.Bus.Address) {
		bad("bus.address", c.Bus.Address, BusHint)
	}

	if p := c.Database.Path; p != "" && !filepath.IsAbs(p) {
		bad("database.path", p, `must be an absolute path, or "" for the default of the bus`)
	}
	if c.Database.MaxAge < time.Hour {
		bad("database.max_age", c.Database.MaxAge.String(), "must be at least 1h")
	}
	if c.Database.MaxEventsPerProfile < 1 {
		bad("database.max_events_per_profile", c.Database.MaxEventsPerProfile, "must be at least 1")
	}
	if c.Database.MaxBytes < MinDatabaseBytes {
		bad("database.max_bytes", c.Database.MaxBytes, fmt.Sprintf("must be at least %d (1 MiB)", MinDatabaseBytes))
	}

	if t := c.Catalog.URITemplate; t != "" {
		if !strings.Contains(t, "{id}") {
			bad("catalog.uri_template", t, `must contain "{id}"`)
		} else if !strings.Contains(t, "://") {
			bad("catalog.uri_template", t, `must be a URI such as "file:///media/music/{id}.ogg"`)
		}
	}

	if d := c.Queue.Depth; d < MinQueueDepth || d > MaxQueueDepth {
		bad("queue.depth", d, fmt.Sprintf("must be %d..%d", MinQueueDepth, MaxQueueDepth))
	}

	if d := c.Context.ExpireAfter; d < 10*time.Second || d > 24*time.Hour {
		bad("context.expire_after", d.String(), "must be 10s..24h")
	}
	if d := c.Context.ParkedAfter; d < 10*time.Second || d > 24*time.Hour {
		bad("context.parked_after", d.String(), "must be 10s..24h")
	}

	if s := c.Playback.SkipThresholdSeconds; !(s >= 0 && s <= 600) {
		bad("playback.skip_threshold_seconds", s, "must be 0..600")
	}
	if s := c.Playback.SkipThresholdShare; !(s >= 0 && s <= 1) {
		bad("playback.skip_threshold_share", s, "must be 0..1")
	}
	for i, p := range c.Playback.PreferredPlayers {
		if !playerName.MatchString(p) {
			bad(fmt.Sprintf("playback.preferred_players[%d]", i), p, "must be an MPRIS name suffix such as \"mpv\"")
		} else if slices.Index(c.Playback.PreferredPlayers, p) != i {
			bad(fmt.Sprintf("playback.preferred_players[%d]", i), p, "is listed twice")
		}
	}

	names := make([]string, 0, len(c.Players))
	for name := range c.Players {
		names = append(names, name)
	}
	slices.Sort(names) // stable error order
	for _, name := range names {
		p := c.Players[name]
		key := "players." + name
		if !playerName.MatchString(name) {
			bad(key, name, "table name must be an MPRIS name suffix such as \"mpv\"")
		}
		if p.MPDAddress != "" && !strings.HasPrefix(p.MPDAddress, "/") && !strings.HasPrefix(p.MPDAddress, "@") && !strings.Contains(p.MPDAddress, ":") {
			bad(key+".mpd_address", p.MPDAddress, `must be "host:port", an absolute socket path or "@abstract"`)
		}
		if p.MPVSocket != "" && !strings.HasPrefix(p.MPVSocket, "/") {
			bad(key+".mpv_socket", p.MPVSocket, "must be an absolute path")
		}
		if p.MPDMusicDir != "" && !strings.HasPrefix(p.MPDMusicDir, "/") {
			bad(key+".mpd_music_dir", p.MPDMusicDir, "must be an absolute path")
		}
		if strings.ContainsFunc(p.MPDPassword, isControl) {
			// The password travels on one protocol line.
			errs = append(errs, music.Errorf(music.KindInvalid, "%s.mpd_password: must not contain control characters", key))
		}
	}

	if p := c.Profile.Default; p == "" || len(p) > maxProfileLen || strings.ContainsFunc(p, isControl) {
		bad("profile.default", p, fmt.Sprintf("must be 1..%d bytes of printable text", maxProfileLen))
	}

	for i, g := range c.Access.PrivilegedGroups {
		if g == "" || strings.ContainsAny(g, ": \t\n") {
			bad(fmt.Sprintf("access.privileged_groups[%d]", i), g, "must be a group name")
		}
	}

	if !slices.Contains(Levels, strings.ToLower(c.Log.Level)) {
		bad("log.level", c.Log.Level, "must be one of "+strings.Join(Levels, ", "))
	}
	if !slices.Contains(Formats, c.Log.Format) {
		bad("log.format", c.Log.Format, "must be one of "+strings.Join(Formats, ", "))
	}
	if g := c.Memory.GCPercent; g < MinGCPercent || g > MaxGCPercent {
		bad("memory.gc_percent", g, fmt.Sprintf("must be %d..%d", MinGCPercent, MaxGCPercent))
	}
	if l := c.Memory.LimitMB; l < 0 || l > MaxMemoryLimitMB {
		bad("memory.limit_mb", l, fmt.Sprintf("must be 0 (none) or up to %d MiB", MaxMemoryLimitMB))
	}
	if p := c.CPU.Procs; p < 0 || p > MaxProcs {
		bad("cpu.procs", p, fmt.Sprintf("must be 0 (one fewer than the CPUs) or 1..%d", MaxProcs))
	}
	if len(errs) == 0 {
		return nil
	}
	return problems(errs)
}

// BusHint says what a bus setting may be (bus.address, --bus).
const BusHint = `must be "session", "system" or a D-Bus address such as "unix:path=/run/dbus/system_bus_socket"`

// ValidBus reports whether a is "session", "system" or looks like a D-Bus
// address (transport:key=value,...; godbus checks the rest when connecting).
func ValidBus(a string) bool {
	return a == "session" || a == "system" || strings.Contains(a, ":") && !strings.ContainsAny(a, " \t\n")
}

// problems are all the errors Validate found, on one line (one journal
// entry), each still reachable with errors.Is/As and music.KindOf.
type problems []error

func (p problems) Error() string {
	msgs := make([]string, len(p))
	for i, err := range p {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (p problems) Unwrap() []error { return p }

// Levels and Formats are the accepted log.level and log.format values
// (internal/logging implements them).
var (
	Levels  = []string{"trace", "debug", "info", "warn", "error"}
	Formats = []string{"auto", "json", "console", "journal"}
)

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
