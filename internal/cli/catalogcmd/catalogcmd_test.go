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
