package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// The files of a system-bus daemon: the config the system unit passes and
// the database under its StateDirectory=continuo.
const (
	SystemPath     = "/etc/continuo/continuo.toml"
	SystemDatabase = "/var/lib/continuo/history.db"
)

// Env is the part of the environment the search path reads, so tests can
// give their own. Both directories are absolute.
type Env struct {
	ConfigHome string // $XDG_CONFIG_HOME, default ~/.config
	StateHome  string // $XDG_STATE_HOME, default ~/.local/state
}

// EnvFromOS reads the XDG base directories. The XDG Base Directory spec
// says a relative value is invalid and must be ignored, so it falls back to
// the default then, as it does when the variable is unset.
func EnvFromOS() Env {
	home, _ := os.UserHomeDir() // "" only without $HOME; the paths below then stay relative and are reported as such
	xdg := func(name, fallback string) string {
		if v := os.Getenv(name); filepath.IsAbs(v) {
			return v
		}
		return filepath.Join(home, fallback)
	}
	return Env{ConfigHome: xdg("XDG_CONFIG_HOME", ".config"), StateHome: xdg("XDG_STATE_HOME", ".local/state")}
}

// isSystem reports whether a bus setting means the system bus: the name
// "system". Any other value (session, an explicit address) is a user's
// daemon, whose files live in the user's XDG directories.
func isSystem(bus string) bool { return bus == "system" }

// SearchPath is the config file a daemon on bus reads when no --config is
// given: /etc/continuo/continuo.toml for the system bus,
// $XDG_CONFIG_HOME/continuo/continuo.toml otherwise.
func SearchPath(bus string, env Env) string {
	if isSystem(bus) {
		return SystemPath
	}
	return filepath.Join(env.ConfigHome, "continuo", "continuo.toml")
}

// DefaultDatabase is where the history lives when database.path is empty:
// /var/lib/continuo/history.db for the system bus (StateDirectory= of the
// system unit), $XDG_STATE_HOME/continuo/history.db otherwise (%S of the
// user unit), so a user's daemon never needs root.
func DefaultDatabase(bus string, env Env) string {
	if isSystem(bus) {
		return SystemDatabase
	}
	return filepath.Join(env.StateHome, "continuo", "history.db")
}

// Source says where the configuration came from, for --check-config and the
// start-up log.
type Source struct {
	Path     string // the file read, or the path searched
	Found    bool   // false: no file at the searched path, defaults used
	Explicit bool   // the path came from --config
}

// Locate loads the configuration a daemon uses: the file given with
// --config (which must exist), else the file on the search path for bus
// (which may be absent: then the defaults). bus is the --bus flag, or ""
// when it was not given (the session bus).
func Locate(explicit, bus string, env Env) (Config, Source, error) {
	if explicit != "" {
		cfg, err := Load(explicit)
		return cfg, Source{Path: explicit, Found: err == nil, Explicit: true}, err
	}
	path := SearchPath(bus, env)
	cfg, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), Source{Path: path}, nil
	}
	return cfg, Source{Path: path, Found: err == nil}, err
}

// Resolve fills the values whose default depends on the bus (the database
// path) after the file and the flags are applied, and validates the result.
func (c *Config) Resolve(env Env) error {
	if c.Database.Path == "" {
		c.Database.Path = DefaultDatabase(c.Bus.Address, env)
	}
	return c.Validate() // an unset $HOME leaves the default relative: reported there
}

// WriteTOML writes c as TOML that Parse reads back to the same Config: the
// effective configuration for --print-config.
func (c Config) WriteTOML(w io.Writer) error {
	enc := toml.NewEncoder(w)
	enc.Indent = ""
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return nil
}
