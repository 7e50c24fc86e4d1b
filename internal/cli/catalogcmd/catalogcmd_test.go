package catalogcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/cli/offlinecmd"
	"github.com/continuo/continuo/internal/cli/output"
)

const testdata = "../../../testdata/catalog/"

func run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBuildAndInspect(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "c.snap")
	code, out, errs := run("build", "--out", snap,
		testdata+"multigenre.csv", testdata+"artists.csv", testdata+"genre_features.csv", testdata+"native.jsonl")
	require.Equal(t, output.ExitOK, code, errs)
	assert.Contains(t, out, "wrote "+snap)
	assert.Contains(t, out, "native-jsonl")
	assert.Contains(t, out, "conflicting title", "lenient build reports skip counts")

	code, out, errs = run("inspect", "--json", snap)
	require.Equal(t, output.ExitOK, code, errs)
	var in Inspection
	require.NoError(t, json.Unmarshal([]byte(out), &in))
	assert.Greater(t, in.Tracks, 300)
	assert.Greater(t, in.Artists, 50)
	assert.Greater(t, in.Genres["classical"], 10)
	assert.Greater(t, in.Dims, 1)
	assert.Equal(t, 2, in.WithURI, "the two native rows with a uri")
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	for _, k := range []string{"tracks", "artists", "genres", "dims"} {
		assert.Contains(t, raw, k)
	}

	code, out, _ = run("inspect", snap)
	require.Equal(t, output.ExitOK, code)
	assert.Contains(t, out, "FAMILY")
	assert.Contains(t, out, "classical")
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "c.snap")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", nil, output.ExitUsage, "missing COMMAND"},
		{"unknown", []string{"frobnicate"}, output.ExitUsage, "unknown command"},
		{"build without out", []string{"build", testdata + "native.csv"}, output.ExitUsage, "missing --out FILE"},
		{"build without source", []string{"build", "--out", snap}, output.ExitUsage, "missing SOURCE"},
		{"bad flag", []string{"build", "--bogus"}, output.ExitUsage, "bogus"},
		{"malformed csv", []string{"build", "--out", snap, testdata + "malformed_quote.csv"}, output.ExitError,
			"malformed_quote.csv:3: malformed csv"},
		{"strict", []string{"build", "--strict", "--out", snap, testdata + "malformed.csv"}, output.ExitError,
			"malformed.csv:5: energy: not finite"},
		{"missing source", []string{"build", "--out", snap, filepath.Join(dir, "nope.csv")}, output.ExitError, "nope.csv"},
		{"inspect no file", []string{"inspect"}, output.ExitUsage, "missing FILE"},
		{"inspect two files", []string{"inspect", snap, snap}, output.ExitUsage, "unexpected argument"},
		{"inspect corrupt", []string{"inspect", testdata + "native.csv"}, output.ExitError, "not a catalog snapshot"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, errs, tc.want)
			if tc.code == output.ExitError {
				assert.Equal(t, 1, bytes.Count([]byte(errs), []byte("\n")), "one line: %q", errs)
			}
		})
	}
	_, err := os.Stat(snap)
	assert.ErrorIs(t, err, os.ErrNotExist, "failed builds write nothing")
}

// TestSmallOEMCatalog builds a 50-track OEM export with one genre per track:
// too few tags to learn a genre space, so by default its tracks are placed
// in the embedded catalog's space, where the offline engine keeps a
// classical seed among classical tracks.
func TestSmallOEMCatalog(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		mode  string
		code  int
		space string
		err   string
	}{
		{"", output.ExitOK, "embedded default (the sources have too few tags)", ""},
		{"auto", output.ExitOK, "embedded default (the sources have too few tags)", ""},
		{"default", output.ExitOK, "embedded default", ""},
		{"learn", output.ExitError, "", "--genre-space default"},
		{"borrow", output.ExitUsage, "", `--genre-space "borrow"`},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			snap := filepath.Join(dir, tc.mode+".snap")
			args := []string{"build", "--json", "--out", snap, testdata + "oem50.csv"}
			if tc.mode != "" {
				args = append(args, "--genre-space", tc.mode)
			}
			code, out, errs := run(args...)
			require.Equal(t, tc.code, code, errs)
			assert.Contains(t, errs, tc.err)
			if code != output.ExitOK {
				return
			}
			var res BuildResult
			require.NoError(t, json.Unmarshal([]byte(out), &res))
			assert.Equal(t, tc.space, res.GenreSpace)
			assert.Equal(t, 50, res.Tracks)

			code, out, errs = run("inspect", "--json", snap)
			require.Equal(t, output.ExitOK, code, errs)
			var in Inspection
			require.NoError(t, json.Unmarshal([]byte(out), &in))
			assert.Equal(t, map[string]int{"classical": 20, "jazz": 15, "rock": 15}, in.Families)
			assert.Empty(t, in.Problems, "every track has a genre vector")
		})
	}

	var o, e bytes.Buffer
	code := offlinecmd.Run(context.Background(), []string{"recommend", "--offline", "--json", "--catalog", filepath.Join(dir, ".snap"), "--seed", "oem:0001", "-n", "5"}, &o, &e)
	require.Equal(t, output.ExitOK, code, e.String())
	var rec output.Recommendation
	require.NoError(t, json.Unmarshal(o.Bytes(), &rec))
	require.Len(t, rec.Tracks, 5)
	for _, tr := range rec.Tracks {
		assert.Equal(t, "classical", tr.Family, "%s", tr.Title)
	}
}
