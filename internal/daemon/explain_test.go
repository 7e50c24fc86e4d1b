package daemon_test

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/testenv"
)

// TestExplainSaysWhyItWasQueued: Explain of a track Continuo started or
// queued answers the reason given at that moment (the drive moves on, the
// reason a track was picked does not); of any other track it says plainly
// that Continuo did not queue it.
func TestExplainSaysWhyItWasQueued(t *testing.T) {
	e := startDaemon(t)
	e.startEmu(t, 1)
	var played map[string]dbus.Variant
	require.NoError(t, e.call("Play", "scene swan lake").Store(&played))
	testenv.WaitFor(t, deadline, func() bool { return len(e.core.State().Queue) >= 3 }, "three tracks queued ahead")

	explain := func(id string) string {
		t.Helper()
		var reason string
		require.NoError(t, e.call("Explain", id).Store(&reason))
		return reason
	}
	playedID, _ := played["continuo:id"].Value().(string)
	assert.Equal(t, played["continuo:reason"].Value(), explain(playedID), "the asked track: the reason Play gave")
	queued := map[string]bool{playedID: true}
	for _, q := range e.core.State().Queue {
		assert.Equal(t, q.Reason, explain(string(q.ID)), "a queued track: the reason it was queued with")
		queued[string(q.ID)] = true
	}

	var recs []map[string]dbus.Variant
	require.NoError(t, e.call("Recommend", "", uint32(20), map[string]dbus.Variant{}).Store(&recs))
	for _, r := range recs {
		if id, _ := r["continuo:id"].Value().(string); !queued[id] {
			assert.Contains(t, explain(id), drive.NotQueuedPrefix, "a track Continuo did not queue says so")
			return
		}
	}
	t.Fatal("every recommended track was already queued")
}
