package emulator_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/daemon"
	continuod "github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/emulator/emucatalog"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/testenv"
	"github.com/continuo/continuo/internal/vehicle"
)

// Drives against the real daemon (drive core, D-Bus API, SQLite history,
// the embedded catalog) on a private bus, with the emulator's manual
// clock as the daemon's clock too: the context's expiry, the time to the
// destination and the queue's picks all run on virtual time.

var (
	realModelOnce sync.Once
	realModel     continuod.Model
	realModelErr  error
)

func loadRealModel(t testing.TB) continuod.Model {
	realModelOnce.Do(func() { realModel, realModelErr = continuod.LoadModel("", "emu:///{id}") })
	require.NoError(t, realModelErr)
	return realModel
}

// commuteStart is a Monday morning in March: before the wall clock, which
// the MPRIS client stamps positions with, so nothing extrapolates them.
var commuteStart = time.Date(2026, 3, 2, 7, 45, 0, 0, time.UTC)

// realDrive runs script against a fresh continuod and emulator.
func realDrive(t *testing.T, script *emulator.Script, noContext bool) (*emulator.Result, *continuod.Core) {
	t.Helper()
	m := loadRealModel(t)
	bus := testenv.StartBus(t)
	clock := emulator.NewManualClock(commuteStart)
	ctx, cancel := context.WithCancel(context.Background())
	hist, err := history.Open(ctx, history.Options{Path: filepath.Join(t.TempDir(), "history.db"), Logger: zerolog.Nop()})
	require.NoError(t, err)
	core := continuod.New(continuod.Options{Model: m, History: hist, QueueDepth: 3, PreferredPlayer: []string{"continuo_emu"},
		Logger: zerolog.Nop(), Now: clock.Now,
		// A script sets the context once where a bridge would repeat it:
		// nothing expires within a drive.
		ContextExpireAfter: time.Hour})
	core.Start(ctx)
	ready := make(chan struct{}, 4)
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{Address: bus.Address, Core: core, Logger: zerolog.Nop(), CallTimeout: 5 * time.Second,
			API:   busapi.Options{Version: "test", Logger: zerolog.Nop(), Access: busapi.Access{AllowOwnUID: true}},
			Ready: func() { ready <- struct{}{} }, MaxBackoff: 200 * time.Millisecond})
	}()
	p := emulator.NewPlayer(emulator.Options{Clock: clock, Library: emucatalog.Library(m.Catalog), Logger: zerolog.Nop()})
	conn := bus.Conn(t)
	t.Cleanup(func() {
		_ = p.Close()
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, core.Close())
		require.NoError(t, hist.Close())
	})
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("continuod did not acquire its name")
	}
	require.NoError(t, p.Export(conn))
	testenv.WaitFor(t, 60*time.Second, func() bool { return core.State().ActivePlayer == emulator.BusName }, "continuod follows the emulator")

	rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer rcancel()
	res, err := emulator.Run(rctx, script, emulator.RunOptions{Conn: conn, Player: p, Settle: true, NoContext: noContext,
		WaitTimeout: 30 * time.Second, Logger: zerolog.Nop()})
	require.NoError(t, err)
	return res, core
}

func loadScript(t *testing.T, path string) *emulator.Script {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	s, err := emulator.ParseScript(path, f)
	require.NoError(t, err)
	return s
}

func TestArrivalSlackIsTheEngines(t *testing.T) {
	assert.Equal(t, recommend.ArrivalSlack, emulator.ArrivalSlack)
}

// The commute drive of testdata: context-steered picks with reasons, the
// jam's gentle steps, the arrival lined up, and the plot with the bands.
func TestCommuteDrive(t *testing.T) {
	res, core := realDrive(t, loadScript(t, "../../testdata/drives/commute.drive"), false)
	require.NotNil(t, res.Arrival, "the drive reaches its arrival")
	require.Len(t, res.Context, 4, "three context steps and the arrival")
	var reasons []string
	for _, e := range res.Tracks {
		reasons = append(reasons, e.Reason)
	}
	t.Logf("arrival: %+v", *res.Arrival)
	for _, e := range res.Tracks {
		t.Logf("%2d %-40.40s %6v %s", e.Index, e.Title, e.Position.Round(time.Second), e.Reason)
	}
	assert.False(t, res.Arrival.Cut, "the track playing at the arrival ends with it: %+v", *res.Arrival)
	assert.Contains(t, strings.Join(reasons, "\n"), "you arrive in", "a pick says it was chosen for the arrival")
	// The context is in force at the end: the jam, the highway, the ETA.
	values := core.State().Vehicle.Values()
	assert.Equal(t, "jam", values["Continuo.Traffic"])
	assert.Equal(t, "highway", values["Continuo.Road"])

	// COMMUTE_PLOT keeps the plot (make demo-commute).
	out := cmp.Or(os.Getenv("COMMUTE_PLOT"), filepath.Join(t.TempDir(), "commute.svg"))
	require.NoError(t, emulator.WritePlot(out, res))
	svg, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(svg), "traffic=jam"), "the plot shows the context bands")
	assert.True(t, strings.Contains(string(svg), "arrival ("), "and the arrival")
}

// tripScripts are the scripted trips of the cut-off measure: seeds of
// different families, arrivals at different times, the context changing
// on the way.
func tripScripts(t *testing.T) []*emulator.Script {
	t.Helper()
	seeds := []string{"pop", "jazz", "rock", "scene swan lake"}
	etas := []int{12, 14, 17, 19, 22, 23, 26, 27, 31, 34, 37, 42}
	var out []*emulator.Script
	for i, eta := range etas {
		seed := seeds[i%len(seeds)]
		text := fmt.Sprintf("context road=city traffic=dense\narrive in %dm\nask %q\nlisten 1\ncontext road=highway traffic=free\nlisten until arrival\n", eta, seed)
		s, err := emulator.ParseScript(fmt.Sprintf("trip-%d-%dm.drive", i+1, eta), strings.NewReader(text))
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

// TestTripCutOffs measures the share of trips whose last track is cut off
// at the arrival, with the context (the daemon knows the time to the
// destination) and without (the same scripts, no SetContext):
//
//	go test -run TestTripCutOffs -v ./internal/emulator/
func TestTripCutOffs(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a dozen trips against the real daemon")
	}
	var cutWith, cutWithout, tracksWith, tracksWithout int
	var lostWith, lostWithout time.Duration
	scripts := tripScripts(t)
	for _, s := range scripts {
		with, _ := realDrive(t, s, false)
		without, _ := realDrive(t, s, true)
		require.NotNil(t, with.Arrival, s.Name)
		require.NotNil(t, without.Arrival, s.Name)
		t.Logf("%-22s with context: %2d tracks, %v left of %q; without: %2d tracks, %v left", s.Name,
			len(with.Tracks), with.Arrival.Left.Round(time.Second), with.Arrival.Title, len(without.Tracks), without.Arrival.Left.Round(time.Second))
		for _, e := range with.Tracks {
			if strings.Contains(e.Reason, "arrive") || strings.Contains(e.Reason, " for the ") {
				t.Logf("    %d %q: %s", e.Index, e.Title, e.Reason)
			}
		}
		tracksWith += len(with.Tracks)
		tracksWithout += len(without.Tracks)
		if with.Arrival.Cut {
			cutWith++
			lostWith += with.Arrival.Left
		}
		if without.Arrival.Cut {
			cutWithout++
			lostWithout += without.Arrival.Left
		}
	}
	n := len(scripts)
	t.Logf("trips with a track cut off at the arrival: with context %d/%d (%.0f%%), without %d/%d (%.0f%%)",
		cutWith, n, 100*float64(cutWith)/float64(n), cutWithout, n, 100*float64(cutWithout)/float64(n))
	t.Logf("tracks cut off among those played: with context %d/%d, without %d/%d; music cut: %v with, %v without",
		cutWith, tracksWith, cutWithout, tracksWithout, lostWith.Round(time.Second), lostWithout.Round(time.Second))
	assert.Less(t, cutWith, cutWithout, "the context cuts fewer tracks off at the arrival")
}

// A car parked for longer than parked_after gets no more tracks queued;
// moving again refills the queue at once.
func TestParkedStopsTheQueue(t *testing.T) {
	s, err := emulator.ParseScript("parked.drive", strings.NewReader("ask \"pop\"\ncontext moving=off speed=0\nlisten 2\n"))
	require.NoError(t, err)
	res, core := realDrive(t, s, false)
	require.Len(t, res.Tracks, 3)
	parkedAt := res.Tracks[0].Position + res.Tracks[1].Position
	require.Greater(t, parkedAt, continuod.DefaultParkedAfter, "the third track starts after parked_after")
	assert.Len(t, core.State().Queue, 2, "the track that started while parked was not replaced")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, core.SetContext(ctx, vehicle.Update{vehicle.IsMoving: true}))
	testenv.WaitFor(t, 60*time.Second, func() bool { return len(core.State().Queue) == 3 }, "moving again refills the queue")
}

// TestJamSteps measures the energy steps between consecutive tracks picked
// in a traffic jam, with the context and without:
//
//	go test -run TestJamSteps -v ./internal/emulator/
func TestJamSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("drives against the real daemon")
	}
	seeds := []string{"pop", "rock", "hip hop", "jazz", "something lively", "dance"}
	var with, without []float64
	for _, seed := range seeds {
		s, err := emulator.ParseScript("jam.drive", strings.NewReader(fmt.Sprintf("context traffic=jam speed=5\nask %q\nlisten 9\n", seed)))
		require.NoError(t, err)
		w, _ := realDrive(t, s, false)
		wo, _ := realDrive(t, s, true)
		with = append(with, jamSteps(w)...)
		without = append(without, jamSteps(wo)...)
	}
	meanW, maxW := meanMax(with)
	meanWo, maxWo := meanMax(without)
	t.Logf("energy step between tracks picked in the jam (tracks 4-10 of %d drives): with context mean %.3f max %.3f (bound %.2f), without mean %.3f max %.3f",
		len(seeds), meanW, maxW, vehicle.StepJam, meanWo, maxWo)
	// The engine's own transitions are already smooth (the means are
	// close); the bound takes off the jolts.
	assert.LessOrEqual(t, maxW, vehicle.StepJam+1e-9, "every step in the jam within the bound")
	assert.Greater(t, maxWo, vehicle.StepJam, "without the context some step is larger (else this measures nothing)")
}

// jamSteps are the |Δenergy| between consecutive tracks from the fourth on:
// the first three were queued at the ask, the rest refilled in the jam.
func jamSteps(res *emulator.Result) []float64 {
	var out []float64
	for i := 3; i < len(res.Tracks); i++ {
		a, b := res.Tracks[i-1].Energy, res.Tracks[i].Energy
		if !math.IsNaN(a) && !math.IsNaN(b) {
			out = append(out, math.Abs(b-a))
		}
	}
	return out
}

func meanMax(xs []float64) (mean, most float64) {
	for _, x := range xs {
		mean += x
		most = max(most, x)
	}
	return mean / float64(max(len(xs), 1)), most
}
