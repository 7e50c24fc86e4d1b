package history

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// Skip is one record: the skipped play and the skip feedback commit
// together (or, for a bad request, neither), and the taste counts the skip
// once, as a skipped play alone does.
func TestSkipIsOneRecord(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	ev := event("anna", 7, music.OutcomeCompleted) // Skip makes it skipped
	ev.PositionMS = 60000
	id, err := s.Skip(ctx, ev, t0.Add(10*time.Minute))
	require.NoError(t, err)

	got, err := s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, id, got[0].ID)
	assert.Equal(t, music.OutcomeSkipped, got[0].Outcome)
	assert.Equal(t, int64(60000), got[0].PositionMS)
	var kind string
	require.NoError(t, s.rdb.QueryRow(`SELECT kind FROM feedback WHERE track_id = ?`, string(ev.TrackID)).Scan(&kind))
	assert.Equal(t, "skip", kind)

	// The same taste as one skipped play of the same track.
	ref := openStore(t, Options{})
	ev.Outcome = music.OutcomeSkipped
	_, err = ref.Record(ctx, ev)
	require.NoError(t, err)
	want, err := ref.Taste(ctx, "anna")
	require.NoError(t, err)
	have, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Equal(t, want, have, "the skip counts once")

	for _, tc := range []struct {
		name   string
		modify func(*music.PlayEvent)
	}{
		{"unknown session", func(e *music.PlayEvent) { e.Session = 4242 }},
		{"no track id", func(e *music.PlayEvent) { e.TrackID = "" }},
		{"no profile", func(e *music.PlayEvent) { e.Profile = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := event("ben", 1, music.OutcomeSkipped)
			tc.modify(&bad)
			_, err := s.Skip(ctx, bad, t0)
			require.Error(t, err)
			assert.Equal(t, music.KindInvalid, music.KindOf(err), "%v", err)
			var n int
			require.NoError(t, s.rdb.QueryRow(`SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM feedback)`).Scan(&n))
			assert.Equal(t, 2, n, "neither the play nor the feedback of a failed skip")
		})
	}
}
