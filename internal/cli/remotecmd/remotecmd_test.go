package remotecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

// startAPI serves the real API on a private bus over a history at dbPath.
func startAPI(t *testing.T, dbPath string) (*testenv.Bus, *history.Store) {
	t.Helper()
	bus := testenv.StartBus(t)
	m, err := drive.LoadModel("", "emu:///{id}")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h, err := history.Open(ctx, history.Options{Path: dbPath, Logger: zerolog.Nop()})
	require.NoError(t, err)
	core := drive.New(drive.Options{Model: m, History: h, Logger: zerolog.Nop()})
	core.Start(ctx)
	conn, err := dbus.Connect(bus.Address)
	require.NoError(t, err)
	srv, err := busapi.Serve(ctx, conn, core, busapi.Options{Version: "test", Access: busapi.Access{AllowOwnUID: true}, Logger: zerolog.Nop()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(); _ = conn.Close(); cancel(); _ = core.Close(); _ = h.Close() })
	return bus, h
}

func ctl(t *testing.T, bus *testenv.Bus, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	p := &command.Program{Name: "continuoctl", Globals: GlobalFlags, Commands: Commands()}
	args = append([]string{"--bus", bus.Address, "--timeout", "30s"}, args...)
	code := p.Run(context.Background(), args, command.IO{Stdout: &out, Stderr: &errOut})
	require.Equal(t, output.ExitOK, code, errOut.String())
	return out.String()
}

// `history --before` pages back through the whole history.
func TestHistoryBeforePages(t *testing.T) {
	bus, h := startAPI(t, filepath.Join(t.TempDir(), "h.db"))
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for i := range 5 {
		_, err := h.Record(context.Background(), music.PlayEvent{Profile: "default", TrackID: "t", Title: "T",
			StartedAt: t0.Add(time.Duration(i) * time.Minute), DurationMS: 1000, Outcome: music.OutcomeCompleted})
		require.NoError(t, err)
	}
	type event struct {
		Event int64 `json:"event"`
	}
	var seen []int64
	before := "0"
	for range 3 {
		var page []event
		require.NoError(t, json.Unmarshal([]byte(ctl(t, bus, "history", "--json", "-n", "2", "--before", before)), &page))
		for _, e := range page {
			seen = append(seen, e.Event)
			before = strconv.FormatInt(e.Event, 10)
		}
	}
	assert.Len(t, seen, 5)
	assert.IsDecreasing(t, seen)
}

// `status` says when the history was recovered, and shows the queue.
func TestStatusShowsRecoveryAndQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("not a database at all "), 500), 0o600))
	bus, _ := startAPI(t, path)
	out := ctl(t, bus, "status")
	assert.Regexp(t, `HistoryRecovered\s+true`, out)
	assert.Contains(t, out, "history database was found corrupt")
	assert.Contains(t, out, "Queue: empty")

	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(ctl(t, bus, "status", "--json")), &st))
	assert.Equal(t, true, st["HistoryRecovered"])
	assert.Equal(t, []any{}, st["Queue"])
}
