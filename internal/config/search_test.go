package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchPathAndDatabaseByBus(t *testing.T) {
	env := Env{ConfigHome: "/home/d/.config", StateHome: "/home/d/.local/state"}
	cases := []struct {
		bus, config, db string
	}{
		{"", "/home/d/.config/continuo/continuo.toml", "/home/d/.local/state/continuo/history.db"},
		{"session", "/home/d/.config/continuo/continuo.toml", "/home/d/.local/state/continuo/history.db"},
		{"unix:path=/tmp/bus", "/home/d/.config/continuo/continuo.toml", "/home/d/.local/state/continuo/history.db"},
		{"system", SystemPath, SystemDatabase},
	}
	for _, tc := range cases {
		t.Run(tc.bus, func(t *testing.T) {
			assert.Equal(t, tc.config, SearchPath(tc.bus, env))
			assert.Equal(t, tc.db, DefaultDatabase(tc.bus, env))
		})
	}
}

func TestEnvFromOSFollowsXDG(t *testing.T) {
	t.Setenv("HOME", "/home/d")
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	t.Setenv("XDG_STATE_HOME", "relative/ignored") // the spec: relative values are invalid
	assert.Equal(t, Env{ConfigHome: "/cfg", StateHome: "/home/d/.local/state"}, EnvFromOS())
	t.Setenv("XDG_CONFIG_HOME", "")
	assert.Equal(t, "/home/d/.config", EnvFromOS().ConfigHome)
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	env := Env{ConfigHome: filepath.Join(dir, "config"), StateHome: filepath.Join(dir, "state")}

	// Nothing on the search path: the defaults, and the per-user database.
	cfg, src, err := Locate("", "", env)
	require.NoError(t, err)
	assert.False(t, src.Found)
	assert.Equal(t, Default(), cfg)
	require.NoError(t, cfg.Resolve(env))
	assert.Equal(t, filepath.Join(dir, "state/continuo/history.db"), cfg.Database.Path)

	// A user file is found without --config (issue 13: depth = 7 was ignored).
	userFile := SearchPath("", env)
	require.NoError(t, os.MkdirAll(filepath.Dir(userFile), 0o700))
	require.NoError(t, os.WriteFile(userFile, []byte("[queue]\ndepth = 7\n"), 0o600))
	cfg, src, err = Locate("", "session", env)
	require.NoError(t, err)
	assert.True(t, src.Found)
	assert.Equal(t, userFile, src.Path)
	assert.Equal(t, 7, cfg.Queue.Depth)

	// An invalid file on the search path is an error, not the defaults.
	require.NoError(t, os.WriteFile(userFile, []byte("[queue]\ndepth = 0\n"), 0o600))
	_, _, err = Locate("", "", env)
	require.ErrorContains(t, err, "queue.depth")
	assert.ErrorContains(t, err, userFile)

	// --config must exist.
	_, src, err = Locate(filepath.Join(dir, "missing.toml"), "", env)
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, src.Explicit)
}

func TestWriteTOMLRoundTrips(t *testing.T) {
	cfg := Default()
	cfg.Players["mpd"] = PlayerConfig{MPDAddress: "127.0.0.1:6600"}
	cfg.Database.Path = "/var/lib/continuo/history.db"
	var buf bytes.Buffer
	require.NoError(t, cfg.WriteTOML(&buf))
	back, err := Parse(strings.NewReader(buf.String()), "printed.toml")
	require.NoError(t, err, buf.String())
	assert.Equal(t, cfg, back)
}
