package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/emulator/emutest"
	"github.com/continuo/continuo/internal/testenv"
	"github.com/continuo/continuo/internal/version"
)

var playlist = []emutest.Track{
	{ID: "swan", Title: "Scene", Artists: []string{"Tchaikovsky"}, Family: "classical", Reason: "asked", Valence: 0.2, Energy: 0.3},
	{ID: "waltz", Title: "Waltz", Artists: []string{"Tchaikovsky"}, Family: "classical", Reason: "same composer", Valence: 0.5, Energy: 0.4},
	{ID: "mozart", Title: "Serenade", Artists: []string{"Mozart"}, Family: "classical", Reason: "calm classical", Valence: 0.7, Energy: 0.4},
	{ID: "bach", Title: "Air", Artists: []string{"Bach"}, Family: "classical", Reason: "baroque", Valence: 0.4, Energy: 0.2},
}

func writeScript(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.drive")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDrive(t *testing.T) {
	bus := testenv.StartBus(t)
	d := emutest.Start(t, bus.Address, emutest.Config{Tracks: playlist})
	script := writeScript(t, "profile anna\nask \"scene swan lake\"\nlisten 2\nskip after 12s\nlike\nexpect family classical\n")
	plot := filepath.Join(t.TempDir(), "drive.svg")

	// Unknown ids play with the default 3 minutes: 0.9 s each at 200x.
	code, out, errs := runMain(t, "--bus", bus.Address, "--speed", "200", "--script", script, "--json", "--plot", plot, "--log-level", "warn")
	require.Equal(t, exitOK, code, "stderr: %s", errs)

	var tracks, checks int
	var ops []any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &ev), line)
		switch ev["event"] {
		case "track":
			tracks++
		case "expect":
			checks++
			assert.Equal(t, true, ev["ok"])
		case "step":
			ops = append(ops, ev["op"])
			assert.Equal(t, true, ev["ok"])
		}
	}
	assert.Equal(t, []any{"profile", "ask", "listen", "skip", "like"}, ops, "every step is in the transcript, in order")
	assert.Equal(t, 4, tracks, "two completed, one skipped, one playing: %s", out)
	assert.Equal(t, 1, checks)
	assert.Equal(t, []emutest.Feedback{{ID: "bach", Kind: "like"}}, d.Feedback())
	assert.FileExists(t, plot)
}

func TestExitCodes(t *testing.T) {
	bus := testenv.StartBus(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad flag", []string{"--nope"}, exitUsage, "flag provided but not defined"},
		// Usage errors are found before anything starts: the bus address
		// below does not exist, and connecting would exit 1.
		{"plot format", []string{"--bus", "unix:path=/nonexistent/socket", "--script", writeScript(t, "listen 1\n"), "--plot", "out/x.pdf"}, exitUsage, `unsupported format ".pdf"`},
		{"plot directory", []string{"--bus", "unix:path=/nonexistent/socket", "--script", writeScript(t, "listen 1\n"), "--plot", "/no/such/dir/x.svg"}, exitUsage, "/no/such/dir does not exist"},
		{"misspelt family", []string{"--bus", "unix:path=/nonexistent/socket", "--script", writeScript(t, "ask \"x\"\nexpect family clasical\n")}, exitUsage, `test.drive:2: expect family "clasical": unknown family`},
		{"missing catalog", []string{"--bus", "unix:path=/nonexistent/socket", "--catalog", "/no/such.catalog"}, exitUsage, "--catalog"},
		{"bad bus", []string{"--bus", "bogus"}, exitUsage, "--bus"},
		{"bad speed", []string{"--speed", "0"}, exitUsage, "--speed 0"},
		{"json without script", []string{"--json"}, exitUsage, "need --script"},
		{"bad log level", []string{"--log-level", "loud"}, exitUsage, "--log-level"},
		{"missing script", []string{"--bus", bus.Address, "--script", "/no/such.drive"}, exitUsage, "open script"},
		{"bad script", []string{"--bus", bus.Address, "--script", writeScript(t, "listen 1\nskp\n")}, exitUsage, `test.drive:2: unknown command "skp"`},
		{"no daemon", []string{"--bus", bus.Address, "--wait-daemon", "200ms", "--script", writeScript(t, "listen 1\n")}, exitFailed, "org.continuo.Recommender1 did not appear"},
		{"no bus", []string{"--bus", "unix:path=/nonexistent/socket"}, exitFailed, "connect to D-Bus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runMain(t, tc.args...)
			assert.Equal(t, tc.code, code, errs)
			assert.Contains(t, errs, tc.stderr)
		})
	}
}

func TestExpectationFailsExit1(t *testing.T) {
	bus := testenv.StartBus(t)
	emutest.Start(t, bus.Address, emutest.Config{Tracks: playlist})
	script := writeScript(t, "ask \"x\"\nexpect family rock\n")
	code, out, _ := runMain(t, "--bus", bus.Address, "--speed", "200", "--script", script)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "line 2: expect family \"rock\": FAILED, got classical")
}

func TestPlayerUntilStopped(t *testing.T) {
	bus := testenv.StartBus(t)
	conn := bus.Conn(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() { done <- run(ctx, []string{"--bus", bus.Address}, &bytes.Buffer{}, &stderr) }()

	owned := func() bool {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer ccancel()
		var has bool
		err := conn.BusObject().CallWithContext(cctx, "org.freedesktop.DBus.NameHasOwner", 0, emulator.BusName).Store(&has)
		return err == nil && has
	}
	testenv.WaitFor(t, 20*time.Second, owned, "%s on the bus", emulator.BusName)
	var status dbus.Variant
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	require.NoError(t, conn.Object(emulator.BusName, emulator.ObjectPath).CallWithContext(cctx,
		"org.freedesktop.DBus.Properties.Get", 0, emulator.IfacePlayer, "PlaybackStatus").Store(&status))
	assert.Equal(t, "Stopped", status.Value())

	cancel() // as SIGTERM would
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	assert.False(t, owned(), "the name is released on shutdown")
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}} {
		code, out, errs := runMain(t, args...)
		assert.Equal(t, exitOK, code)
		assert.Empty(t, errs)
		assert.Contains(t, out, "usage: continuo-emu")
		assert.Contains(t, out, "-script")
	}
	code, out, _ := runMain(t, "--version")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "continuo-emu "+version.String()+"\n", out)
	code, out, _ = runMain(t, "--man")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, ".TH CONTINUO-EMU 1")
	assert.Contains(t, out, `\-\-script`)
	assert.NotContains(t, out, `\-\-man`, "the flag that prints the page is not on it")
}

// TestCatalogFlag: a snapshot given with --catalog is loaded before the bus
// (the run then fails only at connecting), and a corrupt one is a usage
// error.
func TestCatalogFlag(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	good := filepath.Join(t.TempDir(), "oem.catalog")
	require.NoError(t, catalog.WriteSnapshot(good, c))
	code, _, errs := runMain(t, "--catalog", good, "--bus", "unix:path=/nonexistent/socket")
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errs, "connect to D-Bus")

	bad := writeScript(t, "not a catalog\n")
	code, _, errs = runMain(t, "--catalog", bad, "--bus", "unix:path=/nonexistent/socket")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--catalog")
}
