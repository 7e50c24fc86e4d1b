package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/config"
)

// TestLoadModelInstalledCatalog: which catalog the daemon loads from the
// configured path, the installed snapshot and the embedded default.
func TestLoadModelInstalledCatalog(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.snap")
	require.NoError(t, catalog.WriteSnapshot(good, def.Subset(rowRange(0, 500))))
	bad := filepath.Join(dir, "bad.snap")
	require.NoError(t, os.WriteFile(bad, []byte("not a snapshot"), 0o600))
	absent := filepath.Join(dir, "absent.snap")

	cases := []struct {
		name, configured, installed string
		start                       bool
		tracks                      int    // 0: an error
		log                         string // in the log, "" none
	}{
		{"configured file", good, bad, true, 500, ""},
		{"configured damaged file: an error, never a fallback", bad, good, true, 0, ""},
		{"nothing installed: embedded default", "", absent, true, def.Len(), ""},
		{"installed snapshot", "", good, true, 500, ""},
		{"installed snapshot on SIGHUP", "", good, false, 500, ""},
		{"installed damaged at start: embedded default, logged", "", bad, true, def.Len(), "installed catalog refused"},
		{"installed damaged on SIGHUP: an error, the running catalog kept", "", bad, false, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			m, err := loadModel(config.Catalog{Path: tc.configured}, tc.installed, tc.start, zerolog.New(&logs))
			if tc.tracks == 0 {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "bad.snap", "the error names the file")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.tracks, m.Catalog.Len())
			if tc.log == "" {
				assert.Empty(t, logs.String())
			} else {
				assert.Contains(t, logs.String(), tc.log)
				assert.Contains(t, logs.String(), "bad.snap")
			}
		})
	}
}
