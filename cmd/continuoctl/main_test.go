package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/daemon"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/testenv"
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
			API: busapi.Options{Version: "test", Logger: zerolog.Nop()}, Ready: func() { ready <- struct{}{} }})
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

func TestExitCodes(t *testing.T) {
	bus := startDaemon(t)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"ok", []string{"--bus", bus.Address, "status"}, output.ExitOK, ""},
		{"daemon error", []string{"--bus", bus.Address, "explain", "no-such-id"}, output.ExitError, "NotFound"},
		{"no player", []string{"--bus", bus.Address, "play", "swan", "lake"}, output.ExitError, "NoPlayer"},
		{"usage", []string{"--bus", bus.Address, "feedback", "only-one-arg"}, output.ExitUsage, "want ID"},
		{"unknown command", []string{"frobnicate"}, output.ExitUsage, "unknown command"},
		{"unreachable", []string{"--bus", "unix:path=/nonexistent/bus", "status"}, output.ExitUnreachable, "hint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := ctl(tc.args...)
			assert.Equal(t, tc.code, code, errOut)
			assert.Contains(t, errOut, tc.msg)
		})
	}
}
