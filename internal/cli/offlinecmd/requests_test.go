package offlinecmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/eval"
)

func TestEvalRequests(t *testing.T) {
	code, out, errOut := run(t, "eval", "--json", "--requests", "testdata/requests.json", "--folds", "3")
	require.Equal(t, output.ExitOK, code, errOut)
	var rep eval.RequestReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, 7, rep.Requests)
	assert.Equal(t, 3, rep.Folds)
	gold := map[string]int{}
	for _, s := range rep.Slots {
		gold[s.Slot] = s.Gold
		assert.LessOrEqual(t, s.Correct, min(s.Gold, s.Predicted), s.Slot)
	}
	assert.Equal(t, map[string]int{"artist": 6, "service": 3, "track": 2, "music_item": 2, "year": 1, "sort": 1, "genre": 1, "album": 1}, gold)
	assert.InDelta(t, 0.89, rep.Snips["artist"], 1e-9)
	require.NotNil(t, rep.Catalog)
	// Bonobo, Metallica and Miles Davis (twice) are in the embedded catalog.
	assert.Equal(t, 4, rep.Catalog.ArtistKnown)
	assert.LessOrEqual(t, rep.Catalog.ArtistRight, rep.Catalog.ArtistKnown)
	// Skinny Puppy has no tracks in it, but the artist table knows their
	// genres: Understand plays those.
	assert.Equal(t, 1, rep.Catalog.ArtistElsewhere)
	assert.Equal(t, 1, rep.Catalog.GenresStarted)

	code, out, errOut = run(t, "eval", "--requests", "testdata/requests.json", "--folds", "2")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.Contains(t, out, "Snips F1")
	assert.Contains(t, out, "artist")

	// Held out: the embedded tagger scores the file, no folds.
	code, out, errOut = run(t, "eval", "--json", "--requests", "testdata/requests.json", "--heldout")
	require.Equal(t, output.ExitOK, code, errOut)
	var held eval.RequestReport
	require.NoError(t, json.Unmarshal([]byte(out), &held))
	assert.Equal(t, 0, held.Folds)
	heldGold := map[string]int{}
	for _, s := range held.Slots {
		heldGold[s.Slot] = s.Gold
	}
	assert.Equal(t, gold, heldGold, "the same spans are scored")
	code, out, errOut = run(t, "eval", "--requests", "testdata/requests.json", "--heldout")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.Contains(t, out, "held-out requests, the embedded tagger")
}

func TestEvalRequestsErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"PlayMusic": [`), 0o600))
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"eval", "--requests", bad}, output.ExitError, "bad.json"},
		{[]string{"eval", "--requests", "testdata/missing.json"}, output.ExitError, "missing.json"},
		{[]string{"eval", "--requests", "testdata/requests.json", "--folds", "1"}, output.ExitUsage, "--folds"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, c.args...)
		assert.Equal(t, c.code, code, c.args)
		assert.Contains(t, errOut, c.msg, c.args)
	}
}

func TestParse(t *testing.T) {
	code, out, errOut := run(t, "parse", "--json", "play", "Femme", "Fatale", "by", "Bonobo", "on", "Spotify")
	require.Equal(t, output.ExitOK, code, errOut)
	var s struct{ Artist, Track, Service string }
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	assert.Equal(t, "Bonobo", s.Artist)
	assert.Equal(t, "Femme Fatale", s.Track)
	assert.Equal(t, "Spotify", s.Service)

	code, out, _ = run(t, "parse", "play some jazz")
	require.Equal(t, output.ExitOK, code)
	assert.Contains(t, out, "genre")

	code, _, errOut = run(t, "parse")
	assert.Equal(t, output.ExitUsage, code)
	assert.Contains(t, errOut, "want the request")
}
