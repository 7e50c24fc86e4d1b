package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMPDHost(t *testing.T) {
	cases := []struct {
		host, port, addr, password string
	}{
		{"", "", "localhost:6600", ""},
		{"", "6601", "localhost:6601", ""},
		{"carhost", "", "carhost:6600", ""},
		{"secret@carhost", "7000", "carhost:7000", "secret"},
		{"/run/mpd/socket", "7000", "/run/mpd/socket", ""},
		{"secret@/run/mpd/socket", "", "/run/mpd/socket", "secret"},
		{"@mpd", "", "@mpd", ""},
		{"secret@@mpd", "", "@mpd", "secret"},
		{"::1", "", "[::1]:6600", ""},
	}
	for _, tc := range cases {
		t.Run(tc.host+"/"+tc.port, func(t *testing.T) {
			addr, pw := ParseMPDHost(tc.host, tc.port)
			assert.Equal(t, tc.addr, addr)
			assert.Equal(t, tc.password, pw)
		})
	}
}

func TestApplyMPDEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

	cfg := Default()
	cfg.ApplyMPDEnv(env(nil))
	assert.NotContains(t, cfg.Players, "mpd", "nothing set, nothing changes")

	cfg.ApplyMPDEnv(env(map[string]string{"MPD_HOST": "pw@head-unit", "MPD_PORT": "6610"}))
	assert.Equal(t, PlayerConfig{MPDAddress: "head-unit:6610", MPDPassword: "pw"}, cfg.Players["mpd"])
	require.NoError(t, cfg.Validate())

	fromFile, err := Parse(strings.NewReader("[players.mpd]\nmpd_address = \"/run/mpd/socket\"\nmpd_password = \"file\"\nmpd_music_dir = \"/m\"\n"), "c.toml")
	require.NoError(t, err)
	fromFile.ApplyMPDEnv(env(map[string]string{"MPD_HOST": "env@elsewhere"}))
	assert.Equal(t, PlayerConfig{MPDAddress: "/run/mpd/socket", MPDPassword: "file", MPDMusicDir: "/m"}, fromFile.Players["mpd"], "the file wins")

	red := fromFile.Redacted()
	assert.Equal(t, "(hidden)", red.Players["mpd"].MPDPassword)
	assert.Equal(t, "file", fromFile.Players["mpd"].MPDPassword, "Redacted copies")
}

func TestMPDPasswordValidation(t *testing.T) {
	_, err := Parse(strings.NewReader("[players.mpd]\nmpd_password = \"a\\nb\"\n"), "c.toml")
	require.ErrorContains(t, err, "players.mpd.mpd_password")
	assert.NotContains(t, err.Error(), "a\nb", "the secret is not echoed")
}
