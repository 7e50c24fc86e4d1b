package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// shipped is the config file installed with the daemon.
const shipped = "../../configs/continuo.toml"

func TestDefaultIsValid(t *testing.T) {
	require.NoError(t, Default().Validate())
}

func TestShippedConfigEqualsDefault(t *testing.T) {
	cfg, err := Load(shipped)
	require.NoError(t, err)
	want := Default()
	// The one documented difference: the shipped file is for the system
	// unit, which uses the system bus.
	want.Bus.Address = "system"
	assert.Equal(t, want, cfg, "configs/continuo.toml must spell out the defaults")
}

func TestShippedConfigExamplesParse(t *testing.T) {
	// The commented-out [players.*] examples must be valid when enabled.
	b, err := os.ReadFile(shipped)
	require.NoError(t, err)
	var lines []string
	on := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "# [players.") {
			on = true
		}
		if on && strings.HasPrefix(l, "# ") && !strings.HasPrefix(l, "# # ") {
			l = strings.TrimPrefix(l, "# ")
		}
		if on && l == "" {
			on = false
		}
		lines = append(lines, l)
	}
	cfg, err := Parse(strings.NewReader(strings.Join(lines, "\n")), "examples")
	require.NoError(t, err)
	assert.Equal(t, PlayerConfig{MPVSocket: "/run/mpv/mpv.sock"}, cfg.Players["mpv"])
	assert.Equal(t, PlayerConfig{MPDAddress: "127.0.0.1:6600", MPDMusicDir: "/var/lib/mpd/music"}, cfg.Players["mpd"])
}

func TestParseEmptyIsDefault(t *testing.T) {
	cfg, err := Parse(strings.NewReader(""), "empty.toml")
	require.NoError(t, err)
	assert.Equal(t, Default(), cfg)
}

func TestParseOverrides(t *testing.T) {
	cfg, err := Parse(strings.NewReader(`
[bus]
address = "unix:path=/run/dbus/system_bus_socket"
[database]
path = "/tmp/h.db"
max_age = "720h"
[catalog]
uri_template = "emu:///{id}"
[queue]
depth = 5
[playback]
skip_threshold_seconds = 12.5
preferred_players = ["mpd"]
[players.mpv]
mpv_socket = "/run/mpv.sock"
[access]
privileged_uids = [0, 1000]
[log]
level = "debug"
format = "json"
`), "override.toml")
	require.NoError(t, err)
	want := Default()
	want.Bus.Address = "unix:path=/run/dbus/system_bus_socket"
	want.Database.Path = "/tmp/h.db"
	want.Database.MaxAge = 720 * time.Hour
	want.Catalog.URITemplate = "emu:///{id}"
	want.Queue.Depth = 5
	want.Playback.SkipThresholdSeconds = 12.5
	want.Playback.PreferredPlayers = []string{"mpd"}
	want.Players = map[string]PlayerConfig{"mpv": {MPVSocket: "/run/mpv.sock"}}
	want.Access.PrivilegedUIDs = []uint32{0, 1000}
	want.Log = Log{Level: "debug", Format: "json"}
	assert.Equal(t, want, cfg)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // substrings of the error
	}{
		{"unknown key", "[queue]\ndepht = 3\n", []string{"unknown key queue.depht"}},
		{"unknown table", "[qeueu]\ndepth = 3\n", []string{"unknown key qeueu"}},
		{"unknown player key", "[players.mpv]\nsocket = \"/x\"\n", []string{"players.mpv.socket"}},
		{"syntax", "[queue\ndepth = 3\n", []string{"bad.toml", "line 2"}},
		{"wrong type", "[queue]\ndepth = \"three\"\n", []string{"bad.toml", "depth"}},
		{"queue depth zero", "[queue]\ndepth = 0\n", []string{"queue.depth: must be 1..20, got 0"}},
		{"queue depth big", "[queue]\ndepth = 21\n", []string{"queue.depth", "21"}},
		{"bus", "[bus]\naddress = \"sesion\"\n", []string{"bus.address", `"sesion"`}},
		{"db path", "[database]\npath = \"history.db\"\n", []string{"database.path", "absolute"}},
		{"max age bad", "[database]\nmax_age = \"1 year\"\n", []string{"max_age", "1 year"}},
		{"max age nanoseconds", "[database]\nmax_age = 8760\n", []string{"database.max_age", "8.76µs"}},
		{"max age short", "[database]\nmax_age = \"10m\"\n", []string{"database.max_age", "10m0s"}},
		{"max events", "[database]\nmax_events_per_profile = 0\n", []string{"database.max_events_per_profile", "got 0"}},
		{"max bytes", "[database]\nmax_bytes = 1000\n", []string{"database.max_bytes", "got 1000"}},
		{"uri template no id", "[catalog]\nuri_template = \"file:///m/x.ogg\"\n", []string{"catalog.uri_template", "{id}"}},
		{"uri template no scheme", "[catalog]\nuri_template = \"/m/{id}.ogg\"\n", []string{"catalog.uri_template"}},
		{"skip seconds", "[playback]\nskip_threshold_seconds = -1\n", []string{"playback.skip_threshold_seconds", "-1"}},
		{"skip seconds nan", "[playback]\nskip_threshold_seconds = nan\n", []string{"playback.skip_threshold_seconds", "NaN"}},
		{"skip share", "[playback]\nskip_threshold_share = 1.5\n", []string{"playback.skip_threshold_share", "1.5"}},
		{"player name", "[playback]\npreferred_players = [\"mpv\", \"org mpris\"]\n", []string{"playback.preferred_players[1]", "org mpris"}},
		{"player twice", "[playback]\npreferred_players = [\"mpv\", \"mpv\"]\n", []string{"playback.preferred_players[1]", "twice"}},
		{"player table name", "[players.\"a b\"]\nmpv_socket = \"/x\"\n", []string{`players.a b`}},
		{"mpd address", "[players.mpd]\nmpd_address = \"localhost\"\n", []string{"players.mpd.mpd_address", "localhost"}},
		{"mpv socket", "[players.mpv]\nmpv_socket = \"mpv.sock\"\n", []string{"players.mpv.mpv_socket", "mpv.sock"}},
		{"mpd dir", "[players.mpd]\nmpd_music_dir = \"music\"\n", []string{"players.mpd.mpd_music_dir"}},
		{"profile", "[profile]\ndefault = \"\"\n", []string{"profile.default"}},
		{"profile control", "[profile]\ndefault = \"a\\nb\"\n", []string{"profile.default"}},
		{"uid negative", "[access]\nprivileged_uids = [-1]\n", []string{"privileged_uids"}},
		{"group", "[access]\nprivileged_groups = [\"\"]\n", []string{"access.privileged_groups[0]"}},
		{"log level", "[log]\nlevel = \"verbose\"\n", []string{"log.level", "verbose"}},
		{"log format", "[log]\nformat = \"xml\"\n", []string{"log.format", "xml"}},
		{"gc percent too low", "[memory]\ngc_percent = 0\n", []string{"memory.gc_percent", "10..400"}},
		{"gc percent too high", "[memory]\ngc_percent = 1000\n", []string{"memory.gc_percent"}},
		{"negative memory limit", "[memory]\nlimit_mb = -1\n", []string{"memory.limit_mb", "-1"}},
		{"negative procs", "[cpu]\nprocs = -1\n", []string{"cpu.procs", "-1", "1..1024"}},
		{"too many procs", "[cpu]\nprocs = 5000\n", []string{"cpu.procs", "5000"}},
		{"procs not a number", "[cpu]\nprocs = \"auto\"\n", []string{"procs"}},
		{"all problems", "[queue]\ndepth = 0\n[log]\nlevel = \"loud\"\n", []string{"queue.depth", "log.level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.toml), "bad.toml")
			require.Error(t, err)
			assert.Equal(t, music.KindInvalid, music.KindOf(err), "error %q", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "continuo.toml")
	require.NoError(t, os.WriteFile(path, []byte("[queue]\ndepth = 7\n"), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, 7, cfg.Queue.Depth)

	_, err = Load(filepath.Join(dir, "missing.toml"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), "missing.toml")

	bad := filepath.Join(dir, "bad.toml")
	require.NoError(t, os.WriteFile(bad, []byte("[queue]\ndepth = 0\n"), 0o600))
	_, err = Load(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), bad, "the error names the file")
}

func TestValidateAfterOverride(t *testing.T) {
	// The daemon sets fields from flags, then validates.
	cfg := Default()
	cfg.Bus.Address = "unix:path=/tmp/bus"
	require.NoError(t, cfg.Validate())
	cfg.Log.Level = "chatty"
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "log.level")
}

func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile(shipped)
	require.NoError(f, err)
	f.Add(string(seed))
	for _, s := range []string{
		"", "[queue]\ndepth = 0\n", "[players.mpv]\nmpv_socket = 1\n", "[[queue]]\n",
		"[database]\nmax_age = \"-5h\"\n", "a = \"\\uD800\"\n", "[log]\nlevel = \"\xff\"\n",
		"x = [[[[[[[[1]]]]]]]]\n", "[players]\nmpv = 3\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := Parse(strings.NewReader(s), "fuzz.toml")
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		require.NoError(t, cfg.Validate(), "Parse returned a config that does not validate")
	})
}

func TestCPUGOMAXPROCS(t *testing.T) {
	tests := []struct {
		name             string
		procs, def, want int
	}{
		{"one fewer of two", 0, 2, 1},
		{"one fewer of eight", 0, 8, 7},
		{"one CPU keeps one", 0, 1, 1},
		{"at most n", 2, 8, 2},
		{"no more than the runtime's", 4, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, CPU{Procs: tc.procs}.GOMAXPROCS(tc.def))
		})
	}
}
