package offlinecmd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/cli/offlinecmd"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/eval"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = offlinecmd.Run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestRecommendSwanLakeQuery(t *testing.T) {
	code, out, errOut := run(t, "recommend", "--json", "--offline", "--query", "scene swan lake tchaikovsky", "-n", "10")
	require.Equal(t, output.ExitOK, code, errOut)
	var doc output.Recommendation
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.NotNil(t, doc.Seed)
	assert.Contains(t, strings.ToLower(doc.Seed.Title), "swan lake")
	require.Len(t, doc.Tracks, 10)
	artists := map[string]bool{}
	for _, tr := range doc.Tracks {
		assert.Equal(t, "classical", tr.Family, "%s — %v", tr.Title, tr.Artists)
		assert.NotContains(t, []string{"hip hop", "pop"}, tr.Family)
		assert.NotEmpty(t, tr.Reason)
		assert.NotEmpty(t, tr.ID)
		require.NotEmpty(t, tr.Artists)
		artists[tr.Artists[0]] = true
	}
	assert.GreaterOrEqual(t, len(artists), 7)
}

func TestRecommendTable(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	id := string(c.ID(0))
	code, out, errOut := run(t, "recommend", "--offline", "--seed", id, "-n", "5", "--mood", "calm", "--no-explicit")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.Contains(t, out, "seed: "+c.Title(0))
	assert.Contains(t, out, "REASON")
	assert.Equal(t, 5+3, strings.Count(out, "\n"), "seed line, blank, header, five rows:\n%s", out)
}

func TestRecommendErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.snap")
	require.NoError(t, os.WriteFile(bad, []byte("not a snapshot"), 0o600))
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, output.ExitUsage, "want recommend, eval or parse"},
		{"unknown command", []string{"frobnicate"}, output.ExitUsage, "unknown command"},
		{"neither seed nor query", []string{"recommend", "--offline"}, output.ExitUsage, "exactly one"},
		{"both seed and query", []string{"recommend", "--offline", "--seed", "x", "--query", "y"}, output.ExitUsage, "exactly one"},
		{"bad count", []string{"recommend", "--offline", "--query", "swan lake", "-n", "0"}, output.ExitUsage, "-n 0"},
		{"bad flag", []string{"recommend", "--offline", "--colour"}, output.ExitUsage, "colour"},
		{"stray argument", []string{"recommend", "--offline", "--query", "x", "extra"}, output.ExitUsage, "extra"},
		{"unknown seed", []string{"recommend", "--offline", "--seed", "no-such-id"}, output.ExitError, "no-such-id"},
		{"bad mood", []string{"recommend", "--offline", "--query", "swan lake", "--mood", "furious"}, output.ExitError, "furious"},
		{"bad catalog file", []string{"recommend", "--offline", "--catalog", bad, "--query", "x"}, output.ExitError, "load catalog"},
		{"missing catalog file", []string{"eval", "--catalog", filepath.Join(t.TempDir(), "nope")}, output.ExitError, "load catalog"},
		{"missing playlists", []string{"eval", "--playlists", filepath.Join(t.TempDir(), "nope.csv")}, output.ExitError, "playlists"},
		{"bad seeds", []string{"eval", "--seeds", "0"}, output.ExitUsage, "--seeds"},
		{"drives: bad split", []string{"eval", "--drives", "--split", "holdout"}, output.ExitUsage, "--split"},
		{"drives: bad length", []string{"eval", "--drives", "--length", "3"}, output.ExitUsage, "--length"},
		{"drives: bad count", []string{"eval", "--drives", "--n-drives", "0"}, output.ExitUsage, "--n-drives"},
		{"drives: missing catalog", []string{"eval", "--drives", "--catalog", filepath.Join(t.TempDir(), "nope")}, output.ExitError, "load catalog"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			assert.Equal(t, tc.code, code, "stdout %q stderr %q", out, errOut)
			assert.Contains(t, errOut, tc.msg)
		})
	}
}

func TestEvalJSON(t *testing.T) {
	pl, err := filepath.Abs("../../../testdata/catalog/playlists.csv")
	require.NoError(t, err)
	code, out, errOut := run(t, "eval", "--json", "--seeds", "60", "--playlists", pl)
	require.Equal(t, output.ExitOK, code, errOut)
	var doc struct {
		eval.Report
		SwanLake *output.Recommendation `json:"swan_lake"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, 60, doc.Seeds)
	assert.Positive(t, doc.Playlists)
	require.Len(t, doc.Methods, 5)
	m := map[string]eval.Metrics{}
	for _, x := range doc.Methods {
		m[x.Method] = x
	}
	require.Contains(t, m, eval.NoFamilyBonus, "the ablation row")
	assert.Less(t, m[eval.NoFamilyBonus].Coherence, m["engine"].Coherence, "the family bonus raises family coherence")
	assert.Positive(t, m["engine"].GenreCosine)
	assert.Greater(t, m["engine"].LabelMatch, m["random"].LabelMatch)
	assert.Greater(t, m["engine"].Coherence, m["genre-random"].Coherence)
	assert.Greater(t, m["engine"].Coherence, m["random"].Coherence)
	assert.Greater(t, m["engine"].HitRate, m["popular"].HitRate)
	assert.Greater(t, m["engine"].HitRate, m["random"].HitRate)
	require.NotNil(t, doc.SwanLake)
	assert.Len(t, doc.SwanLake.Tracks, 10)
}

func TestEvalTable(t *testing.T) {
	code, out, errOut := run(t, "eval", "--seeds", "20")
	require.Equal(t, output.ExitOK, code, errOut)
	for _, want := range []string{"engine", "engine (no family bonus)", "genre cos", "label match", "random", "popular", "genre-random", "80 playlists", "Swan Lake:"} {
		assert.Contains(t, out, want)
	}
}

// `eval --drives` on the embedded catalog, kept small: 15 requests (both
// halves), 16-track drives. Every metric row and every method is printed.
func TestEvalDrivesTable(t *testing.T) {
	code, out, errOut := run(t, "eval", "--drives", "--n-drives", "15", "--length", "16", "--split", "all")
	require.Equal(t, output.ExitOK, code, errOut)
	for _, want := range []string{
		"engine", "no-family", "random", "popular", "genre-random", "better",
		"resolve accuracy: track", "resolve accuracy: artist", "resolve accuracy: album", "resolve accuracy: genre",
		"resolve accuracy: mood", "resolve accuracy: all", "family share 1–4", "family share 13–16",
		"family share 13–16 − 1–4", "genre cosine 1–4", "genre cosine 13–16", "energy 13–16 − 1–4 (mean)",
		"|energy 13–16 − 1–4| (mean)", "energy slope per 10 tracks", "same-work repeats / drive", "exact repeats / drive",
		"holiday picks / drive out of season", "holiday picks / drive in season", "known-explicit / kids drive",
		"untagged-artist share 1–4", "untagged-artist share 13–16", "most plays of one other artist",
		"drives with an artist > 4 times", "skipped share", "drives shorter than 16", "named requests in this split",
		"issue 10 targets, engine", "kids mode refused to start",
	} {
		assert.Contains(t, out, want)
	}
	for _, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, "line too wide: %q", line)
	}
}

func TestEvalDrivesJSON(t *testing.T) {
	code, out, errOut := run(t, "eval", "--drives", "--json", "--n-drives", "10", "--length", "12", "--split", "test")
	require.Equal(t, output.ExitOK, code, errOut)
	var doc eval.DriveReport
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "test", doc.Split)
	assert.Equal(t, 12, doc.Length)
	require.NotEmpty(t, doc.Requests)
	for _, r := range doc.Requests {
		assert.True(t, r.Test, r.Query)
	}
	require.Len(t, doc.Methods, 5)
	for _, m := range doc.Methods {
		assert.Equal(t, len(doc.Requests), m.Drives, m.Method)
		assert.Contains(t, m.Resolve, eval.RequestKind("all"), m.Method)
	}
}

// TestEvalContext: `eval --context` on a tiny InCarMusic-shaped fixture
// (metal 2 points lower in a jam for everyone) prints the held-out table,
// with a positive lift for traffic and none for the road type.
func TestEvalContext(t *testing.T) {
	dir := filepath.Join("testdata", "incar")
	code, out, errOut := run(t, "eval", "--context", "--data", dir, "--boot", "200")
	require.Equal(t, output.ExitOK, code, errOut)
	assert.Contains(t, out, "leave-one-user-out on InCarMusic (3 users)")
	assert.Regexp(t, `traffic\s+3\s+3\s+[0-9.]+\s+1\.000\s+\+0\.[0-9]*[1-9]`, out)
	assert.Regexp(t, `road type\s+3\s+3 .* \+0\.000 `, out)
	assert.Contains(t, out, "features only")

	code, out, errOut = run(t, "eval", "--context", "--data", dir, "--boot", "200", "--json")
	require.Equal(t, output.ExitOK, code, errOut)
	var doc struct {
		Users   int
		Results []struct{ Name string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, 3, doc.Users)
	assert.Len(t, doc.Results, 9, "eight condition families and all")

	code, _, errOut = run(t, "eval", "--context", "--data", t.TempDir())
	assert.Equal(t, output.ExitError, code)
	assert.Contains(t, errOut, "music.csv")
	code, _, errOut = run(t, "eval", "--context", "--data", dir, "--boot", "5")
	assert.Equal(t, output.ExitUsage, code)
	assert.Contains(t, errOut, "--boot")
}
