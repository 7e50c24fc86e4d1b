package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/daemon"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/testenv"
	"github.com/continuo/continuo/internal/version"
)

// startDaemon runs the real continuod parts in-process on a private bus.
func startDaemon(t *testing.T) *testenv.Bus {
	t.Helper()
	bus := testenv.StartBus(t)
	m, err := drive.LoadModel("", "emu:///{id}")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h, err := history.Open(ctx, history.Options{Path: filepath.Join(t.TempDir(), "h.db"), Logger: zerolog.Nop()})
	require.NoError(t, err)
	core := drive.New(drive.Options{Model: m, History: h, Logger: zerolog.Nop()})
	core.Start(ctx)
	ready := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{Address: bus.Address, Core: core, Logger: zerolog.Nop(),
			API: busapi.Options{Version: "test", Logger: zerolog.Nop(), Access: busapi.Access{AllowOwnUID: true}}, Ready: func() { ready <- struct{}{} }})
	}()
	t.Cleanup(func() { cancel(); <-done; _ = core.Close(); _ = h.Close() })
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not start")
	}
	return bus
}

func ctl(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRecommendJSONFields checks `continuoctl --json recommend` against the
// documented fields and their JSON types (a contract for scripts).
func TestRecommendJSONFields(t *testing.T) {
	bus := startDaemon(t)
	code, out, errOut := ctl("--bus", bus.Address, "--json", "resolve", "-n", "1", "tchaikovsky", "swan", "lake")
	require.Equal(t, output.ExitOK, code, errOut)
	var found output.Recommendation
	require.NoError(t, json.Unmarshal([]byte(out), &found))
	require.Len(t, found.Tracks, 1)

	for _, args := range [][]string{
		{"--bus", bus.Address, "--json", "recommend", "--seed", found.Tracks[0].ID, "-n", "5"},
		{"--bus", bus.Address, "recommend", "--json", "-n", "3", "--mood", "calm", "--no-explicit"},
	} {
		code, out, errOut = ctl(args...)
		require.Equal(t, output.ExitOK, code, errOut)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		tracks, ok := doc["tracks"].([]any)
		require.True(t, ok, "tracks is an array: %s", out)
		require.NotEmpty(t, tracks)
		for _, tr := range tracks {
			m := tr.(map[string]any)
			for field, kind := range map[string]string{
				"id": "string", "title": "string", "artists": "array", "album": "string",
				"genres": "array", "duration_ms": "number", "score": "number", "reason": "string",
			} {
				v, ok := m[field]
				require.True(t, ok, "field %q present", field)
				switch kind {
				case "string":
					assert.IsType(t, "", v, field)
				case "array":
					assert.IsType(t, []any{}, v, field)
				case "number":
					assert.IsType(t, float64(0), v, field)
				}
			}
			assert.NotEmpty(t, m["id"])
			assert.NotEmpty(t, m["reason"])
		}
	}
}

// TestExitCodes is the documented exit-code table, replayed: every usage
// error of issue 13 exits 2 before any daemon is called.
func TestExitCodes(t *testing.T) {
	bus := startDaemon(t)
	id := firstTrack(t, bus)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"ok", []string{"--bus", bus.Address, "status"}, output.ExitOK, ""},
		{"daemon error", []string{"--bus", bus.Address, "explain", "no-such-id"}, output.ExitError, "NotFound"},
		{"no player", []string{"--bus", bus.Address, "play", "swan", "lake"}, output.ExitError, "NoPlayer"},
		{"feedback one arg", []string{"--bus", bus.Address, "feedback", "only-one-arg"}, output.ExitUsage, "missing VERDICT"},
		{"feedback typo", []string{"--bus", bus.Address, "feedback", id, "lov"}, output.ExitUsage, `"lov"`},
		{"n too big", []string{"--bus", bus.Address, "resolve", "-n", "100000", "x"}, output.ExitUsage, "-n 100000"},
		{"n zero", []string{"--bus", bus.Address, "recommend", "-n", "0"}, output.ExitUsage, "-n 0"},
		{"history n too big", []string{"--bus", bus.Address, "history", "-n", "100000"}, output.ExitUsage, "-n 100000"},
		{"bad mood", []string{"--bus", bus.Address, "recommend", "--mood", "angry"}, output.ExitUsage, `"angry"`},
		{"bad bus", []string{"--bus", "bogus", "status"}, output.ExitUsage, "--bus"},
		{"extra args", []string{"--bus", bus.Address, "status", "extra", "args"}, output.ExitUsage, `unexpected argument "extra"`},
		{"profile typo", []string{"--bus", bus.Address, "profile", "usee", "x"}, output.ExitUsage, `"usee"`},
		{"query without offline", []string{"--bus", bus.Address, "recommend", "--query", "x"}, output.ExitUsage, "--offline"},
		{"unknown command", []string{"frobnicate"}, output.ExitUsage, "unknown command"},
		{"no command", nil, output.ExitUsage, "missing COMMAND"},
		{"unreachable", []string{"--bus", "unix:path=/nonexistent/bus", "status"}, output.ExitUnreachable, "hint"},
		{"no daemon on the bus", []string{"--bus", testenv.StartBus(t).Address, "status"}, output.ExitUnreachable, "not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := ctl(tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.msg)
			if tc.code == output.ExitUsage {
				assert.Empty(t, out)
			}
		})
	}
}

func firstTrack(t *testing.T, bus *testenv.Bus) string {
	t.Helper()
	code, out, errOut := ctl("--bus", bus.Address, "--json", "resolve", "-n", "1", "swan", "lake")
	require.Equal(t, output.ExitOK, code, errOut)
	var found output.Recommendation
	require.NoError(t, json.Unmarshal([]byte(out), &found))
	require.NotEmpty(t, found.Tracks)
	return found.Tracks[0].ID
}

// TestHelpEverywhere: every command and subcommand answers -h/--help and
// `help CMD` on stdout with exit 0 and a synopsis naming its arguments,
// without a bus (DBUS_SESSION_BUS_ADDRESS points nowhere).
func TestHelpEverywhere(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	paths := [][]string{}
	for _, c := range program().Commands {
		paths = append(paths, []string{c.Name})
		for _, s := range c.Sub {
			paths = append(paths, []string{c.Name, s.Name})
		}
	}
	for _, path := range paths {
		name := strings.Join(path, " ")
		for _, args := range [][]string{append(slices.Clone(path), "--help"), append(slices.Clone(path), "-h"), append([]string{"help"}, path...)} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, out, errOut := ctl(args...)
				assert.Equal(t, output.ExitOK, code, errOut)
				assert.Empty(t, errOut)
				assert.Contains(t, out, "usage: continuoctl "+name)
			})
		}
	}
	code, out, _ := ctl("help", "feedback")
	require.Equal(t, output.ExitOK, code)
	assert.Contains(t, out, "usage: continuoctl feedback ID like|dislike|skip")
	code, out, _ = ctl("--version")
	require.Equal(t, output.ExitOK, code)
	assert.Equal(t, "continuoctl "+version.String()+"\n", out)
}

func TestHistoryEmptyAndFeedbackJSON(t *testing.T) {
	bus := startDaemon(t)
	code, out, errOut := ctl("--bus", bus.Address, "history")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.Equal(t, "no plays recorded for this profile yet\n", out)
	code, out, errOut = ctl("--bus", bus.Address, "--json", "history")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.JSONEq(t, "[]", out)

	id := firstTrack(t, bus)
	code, out, errOut = ctl("--bus", bus.Address, "--json", "feedback", id, "like")
	require.Equal(t, output.ExitOK, code, errOut)
	var doc map[string]string
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, map[string]string{"id": id, "feedback": "like", "status": "recorded"}, doc)
}

// TestWatch follows property changes live as JSON lines and stops cleanly
// when its context ends (SIGINT in the binary).
func TestWatch(t *testing.T) {
	bus := startDaemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut testenv.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--bus", bus.Address, "watch", "--json"}, &out, &errOut) }()

	conn := bus.Conn(t)
	obj := conn.Object(busapi.BusName, busapi.Path)
	// Set the property until the watcher, once subscribed, reports it.
	depth := uint32(4)
	testenv.WaitFor(t, 30*time.Second, func() bool {
		depth = 9 - depth // 4, 5, 4, ...: every Set is a change
		_ = obj.Call("org.freedesktop.DBus.Properties.Set", 0, busapi.Interface, "QueueDepth", dbus.MakeVariant(depth)).Err
		return strings.Contains(out.String(), `"property":"QueueDepth"`)
	}, "watch reports the QueueDepth change; stderr: %s", &errOut)

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, output.ExitOK, code, errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("watch did not stop when its context ended")
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &ev), "one JSON object per line: %q", line)
		assert.Contains(t, []any{"property", "queue", "played", "daemon"}, ev["event"])
		assert.NotEmpty(t, ev["time"])
	}
}

func TestCompletionAndManFromTheTable(t *testing.T) {
	for _, args := range [][]string{{"completion", "bash"}, {"completion", "zsh"}, {"man"}} {
		code, out, errOut := ctl(args...)
		require.Equal(t, output.ExitOK, code, errOut)
		for _, c := range program().Commands {
			assert.Contains(t, out, c.Name, "%v lists every command", args)
		}
	}
}
