package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "table.gz")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	tests := []struct {
		name  string
		write func(io.Writer) error
		want  string
		err   bool
	}{
		{"replaces the file whole", func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", false},
		{"a failed write leaves the old file", func(w io.Writer) error {
			_, _ = io.WriteString(w, "half")
			return errors.New("disk full")
		}, "new", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(path, tc.write)
			assert.Equal(t, tc.err, err != nil, "%v", err)
			got, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			assert.Equal(t, tc.want, string(got))
			st, serr := os.Stat(path)
			require.NoError(t, serr)
			assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
			left, _ := filepath.Glob(filepath.Join(dir, "*.tmp*"))
			assert.Empty(t, left, "no temporary file is left behind")
		})
	}
	err := WriteBytes(filepath.Join(dir, "missing", "x"), []byte("x"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing/x")
}
