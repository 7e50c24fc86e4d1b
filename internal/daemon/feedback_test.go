package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

// storedFeedback reads the active profile's feedback rows back from the
// history (its export document).
func (e *env) storedFeedback(t *testing.T) []struct{ TrackID, Kind string } {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	var buf bytes.Buffer
	if err := e.hist.Export(ctx, "default", &buf); music.KindOf(err) == music.KindNotFound {
		return nil
	} else {
		require.NoError(t, err)
	}
	var doc struct {
		Feedback []struct {
			TrackID string `json:"track_id"`
			Kind    string `json:"kind"`
		} `json:"feedback"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	out := make([]struct{ TrackID, Kind string }, len(doc.Feedback))
	for i, f := range doc.Feedback {
		out[i].TrackID, out[i].Kind = f.TrackID, f.Kind
	}
	return out
}

// A skip of the playing track is one durable record, written before the
// reply: the play, skipped at the position it reached (60 s in, past the
// skip threshold, where it used to be stored as completed), and the skip
// feedback. Three skips of it sent at once skip one track.
func TestSkipOfThePlayingTrackIsOneDurableRecord(t *testing.T) {
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 30) // 30× real time: 60 s of the track in 2 s

	var track map[string]dbus.Variant
	require.NoError(t, e.call("Play", "scene swan lake").Store(&track))
	id := track["continuo:id"].Value().(string)
	testenv.WaitFor(t, deadline, func() bool {
		cur, ok := emu.Current()
		return ok && cur.URI == "emu:///"+id && len(emu.Tracks()) >= 4
	}, "the asked track plays with its continuation queued")
	next := emu.Tracks()[1].ID
	testenv.WaitFor(t, deadline, func() bool { return emu.Position() >= 60*time.Second }, "the track reaches 60 s")

	// Three skips at once, as a nervous thumb sends them.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { errs[i] = e.call("Feedback", id, "skip").Err })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	// Stored before the replies, so no wait here.
	ev, ok := e.played(t, music.TrackID(id))
	require.True(t, ok, "the skipped play is in history when Feedback returns")
	assert.Equal(t, music.OutcomeSkipped, ev.Outcome, "position %d ms of %d", ev.PositionMS, ev.DurationMS)
	assert.GreaterOrEqual(t, ev.PositionMS, int64(60000), "the position it reached")
	assert.Less(t, ev.PositionMS, ev.DurationMS)
	assert.Equal(t, []struct{ TrackID, Kind string }{{id, "skip"}}, e.storedFeedback(t), "one skip feedback row")

	// One track skipped: the next one plays, and stays.
	testenv.WaitFor(t, deadline, func() bool { cur, ok := emu.Current(); return ok && cur.ID == next }, "the next track plays")
	cur, _ := emu.Current()
	assert.Equal(t, next, cur.ID, "the duplicates did not skip the next track")
	evs, err := e.hist.Recent(context.Background(), "default", 10)
	require.NoError(t, err)
	plays := 0
	for _, ev := range evs {
		if ev.TrackID == music.TrackID(id) {
			plays++
		}
	}
	assert.Equal(t, 1, plays, "the play was recorded once, not again at the track change")
}

// On a full disk Feedback is not acknowledged: org.continuo.Error.Unavailable
// saying what happened and that the drive still applies it. Once space
// returns it is stored again.
func TestFeedbackOnAFullDisk(t *testing.T) {
	fs := testenv.MountTmpfs(t, 256<<10)
	e := startDaemonOn(t, daemonConfig{bus: testenv.StartBus(t), model: testModel(t), preferred: []string{"continuo_emu"}, depth: 3,
		history: filepath.Join(fs.Dir, "history.db")})
	ballast := fs.Fill(t)
	ids := []string{string(e.model.Catalog.ID(0)), string(e.model.Catalog.ID(1))}

	for range 20 {
		err := e.call("Feedback", ids[0], "like").Err
		require.Error(t, err, "a like acknowledged on a full disk")
		assert.Equal(t, "org.continuo.Error.Unavailable", errName(err))
		assert.Contains(t, err.Error(), "not stored")
		assert.Contains(t, err.Error(), "still applies it")
		assert.Contains(t, err.Error(), "disk full")
	}
	assert.Empty(t, e.storedFeedback(t))

	require.NoError(t, os.Remove(ballast))
	require.NoError(t, e.call("Feedback", ids[1], "dislike").Err)
	assert.Equal(t, []struct{ TrackID, Kind string }{{ids[1], "dislike"}}, e.storedFeedback(t))
}
