package history

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// Paging walks the whole history in Recent's order, past any one page, and
// a cursor that is gone is an error, not a silent end.
func TestPageWalksTheWholeHistory(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	const n = 1500
	for i := range n {
		_, err := s.Record(ctx, event("anna", i%700, music.OutcomeCompleted)) // repeated start times
		require.NoError(t, err)
	}
	first, err := s.Recent(ctx, "anna", 1000)
	require.NoError(t, err)
	var walked []music.PlayEvent
	var before int64
	for {
		page, err := s.Page(ctx, "anna", 333, before)
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		walked = append(walked, page...)
		before = page[len(page)-1].ID
	}
	require.Len(t, walked, n)
	assert.Equal(t, first, walked[:1000], "pages follow Recent's order")
	seen := map[int64]bool{}
	for i, ev := range walked {
		assert.False(t, seen[ev.ID], "event %d twice", ev.ID)
		seen[ev.ID] = true
		if i > 0 {
			prev := walked[i-1]
			assert.True(t, ev.StartedAt.Before(prev.StartedAt) || (ev.StartedAt.Equal(prev.StartedAt) && ev.ID < prev.ID), "newest first at %d", i)
		}
	}

	for _, tc := range []struct {
		name    string
		profile string
		limit   int
		before  int64
		kind    music.Kind
	}{
		{"unknown cursor", "anna", 10, 1 << 40, music.KindNotFound},
		{"another profile's cursor", "bob", 10, walked[0].ID, music.KindNotFound},
		{"negative cursor", "anna", 10, -1, music.KindInvalid},
		{"zero limit", "anna", 0, 0, music.KindInvalid},
		{"empty profile", "", 10, 0, music.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Page(ctx, tc.profile, tc.limit, tc.before)
			require.Error(t, err)
			assert.Equal(t, tc.kind, music.KindOf(err))
		})
	}
}

func TestFeedbackPageReadsFeedbackBack(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	kinds := []music.FeedbackKind{music.Like, music.Dislike, music.Skip}
	for i := range 7 {
		require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: music.TrackID("t" + string(rune('a'+i))),
			Kind: kinds[i%3], At: t0}))
	}
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "bob", TrackID: "x", Kind: music.Like, At: t0}))

	page1, err := s.FeedbackPage(ctx, "anna", 4, 0)
	require.NoError(t, err)
	require.Len(t, page1, 4)
	page2, err := s.FeedbackPage(ctx, "anna", 4, page1[3].ID)
	require.NoError(t, err)
	require.Len(t, page2, 3)
	all := append(page1, page2...)
	for i, fb := range all {
		j := 6 - i // newest first
		assert.Equal(t, music.TrackID("t"+string(rune('a'+j))), fb.TrackID)
		assert.Equal(t, kinds[j%3], fb.Kind)
		assert.True(t, fb.At.Equal(t0))
		assert.Equal(t, "anna", fb.Profile)
	}
	none, err := s.FeedbackPage(ctx, "nobody-here", 10, 0)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestExportJSONIsTheExportDocument(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	_, err := s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
	require.NoError(t, err)
	doc, err := s.ExportJSON(ctx, "anna")
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, s.Export(ctx, "anna", &b))
	assert.JSONEq(t, b.String(), doc)
	var parsed struct {
		Format string `json:"format"`
		Events []any  `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &parsed))
	assert.Equal(t, ExportFormat, parsed.Format)
	assert.Len(t, parsed.Events, 1)
	_, err = s.ExportJSON(ctx, "bob")
	assert.Equal(t, music.KindNotFound, music.KindOf(err))
}

// Recovered says where a corrupt file went; a clean open says "".
func TestRecoveredNamesTheMovedAsideFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("not a database at all "), 500), 0o600))
	s := openStore(t, Options{Path: path})
	matches, err := filepath.Glob(path + ".corrupt-*")
	require.NoError(t, err)
	require.Len(t, matches, 1)
	assert.Equal(t, matches[0], s.Recovered())

	clean := openStore(t, Options{})
	assert.Equal(t, "", clean.Recovered())
}
