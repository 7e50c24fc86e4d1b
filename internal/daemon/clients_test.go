package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/testenv"
	"github.com/continuo/continuo/internal/version"
)

// examplesDir holds the integrators' example clients (docs/api.md links
// them); the top level of the repository has no examples/ directory.
var examplesDir = filepath.Join("..", "..", "docs", "examples")

// clientPackages is what the example clients need on Debian.
const clientPackages = "apt-get install python3-dbus gcc pkg-config libsystemd-dev"

// debianPython is Debian's interpreter: python3-dbus is installed for it,
// not for a pyenv or virtualenv python3 that may come first in PATH.
const debianPython = "/usr/bin/python3"

// TestExampleClients runs each example client against continuod on a
// private bus and checks what it printed against the daemon's own answers:
// the client code integrators copy works, including its error handling.
func TestExampleClients(t *testing.T) {
	cases := []struct {
		name    string
		command func(t *testing.T) []string // builds the client; skips or fails when a toolchain is missing
	}{
		{"python3-dbus", pythonClient},
		{"c-sd-bus", cClient},
	}
	e := startDaemonOn(t, daemonConfig{bus: testenv.StartBus(t), model: testModel(t), depth: 3, version: version.Version})
	want := expectedClientLines(t, e)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			argv := tc.command(t)
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+e.bus.Address)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "%s failed; stderr:\n%s\nstdout:\n%s", tc.name, stderr.String(), stdout.String())
			t.Logf("%s printed:\n%s", tc.name, stdout.String())
			lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
			require.Len(t, lines, 8, "version, catalog, resolve, recommend + 3 tracks, play; got:\n%s", stdout.String())
			assert.Equal(t, want[:4], lines[:4])
			for i, l := range lines[4:7] {
				assert.Regexp(t, fmt.Sprintf(`^recommend %d: .+$`, i+1), l)
			}
			assert.True(t, strings.HasPrefix(lines[7], "play: NoPlayer: no MPRIS player"), "Play without a player is handled by name: %q", lines[7])
			assert.Empty(t, stderr.String())
		})
	}
}

// expectedClientLines is what a client prints first, from the daemon's
// answers to the same calls from Go.
func expectedClientLines(t *testing.T, e *env) []string {
	t.Helper()
	size, err := e.obj.GetProperty(busapi.Interface + ".CatalogSize")
	require.NoError(t, err)
	var readings []map[string]dbus.Variant
	require.NoError(t, e.call("Resolve", "scene swan lake", uint32(3)).Store(&readings))
	require.NotEmpty(t, readings)
	top := readings[0]
	return []string{
		"version " + version.Version,
		fmt.Sprintf("catalog %d tracks", size.Value()),
		fmt.Sprintf("resolve: %s match=%s confidence=%.2f", top["xesam:title"].Value(), top["continuo:match"].Value(), top["continuo:confidence"].Value()),
		"recommend: 3 tracks",
	}
}

func pythonClient(t *testing.T) []string {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if out, err := exec.CommandContext(ctx, debianPython, "-c", "import dbus").CombinedOutput(); err != nil {
		needToolchain(t, fmt.Sprintf("%s cannot import dbus (%v: %s)", debianPython, err, bytes.TrimSpace(out)))
	}
	return []string{debianPython, filepath.Join(examplesDir, "client.py")}
}

// cClient compiles client.c with warnings as errors.
func cClient(t *testing.T) []string {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if _, err := exec.LookPath("gcc"); err != nil {
		needToolchain(t, "gcc not installed")
	}
	flags, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", "libsystemd").Output()
	if err != nil {
		needToolchain(t, fmt.Sprintf("pkg-config finds no libsystemd (%v)", err))
	}
	bin := filepath.Join(t.TempDir(), "client")
	args := append([]string{"-std=c11", "-Wall", "-Wextra", "-Werror", "-o", bin, filepath.Join(examplesDir, "client.c")}, strings.Fields(string(flags))...)
	out, err := exec.CommandContext(ctx, "gcc", args...).CombinedOutput()
	require.NoError(t, err, "gcc %s:\n%s", strings.Join(args, " "), out)
	return []string{bin}
}

// needToolchain skips the test, or fails it when CI requires the real
// parts (CONTINUO_REQUIRE_PLAYERS, as for the players).
func needToolchain(t *testing.T, what string) {
	t.Helper()
	msg := fmt.Sprintf("example client cannot run: %s (Debian: %s)", what, clientPackages)
	if os.Getenv(testenv.RequirePlayersEnv) != "" {
		t.Fatalf("%s; %s is set, so this is a failure", msg, testenv.RequirePlayersEnv)
	}
	t.Skip(msg)
}
