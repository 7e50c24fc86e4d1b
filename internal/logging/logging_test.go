package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want zerolog.Level
		err  bool
	}{
		{"trace", zerolog.TraceLevel, false},
		{"debug", zerolog.DebugLevel, false},
		{"info", zerolog.InfoLevel, false},
		{"INFO", zerolog.InfoLevel, false},
		{" warn ", zerolog.WarnLevel, false},
		{"warning", zerolog.WarnLevel, false},
		{"error", zerolog.ErrorLevel, false},
		{"", zerolog.NoLevel, true},
		{"verbose", zerolog.NoLevel, true},
		{"fatal", zerolog.NoLevel, true}, // the daemon never exits through the logger
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if tt.err {
				require.Error(t, err)
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", tt.in), "the error names the level")
				assert.Equal(t, music.KindInvalid, music.KindOf(err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewJSON(t *testing.T) {
	for _, format := range []string{"json", "auto", ""} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer // not a terminal: auto means JSON
			log, err := New(&buf, "info", format)
			require.NoError(t, err)
			log.Debug().Msg("hidden")
			log.Info().Str("component", "test").Msg("hello")

			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			require.Len(t, lines, 1, "debug is below the level")
			var entry map[string]any
			require.NoError(t, json.Unmarshal([]byte(lines[0]), &entry))
			assert.Equal(t, "info", entry["level"])
			assert.Equal(t, "hello", entry["message"])
			assert.Equal(t, "test", entry["component"])
			assert.NotEmpty(t, entry["time"])
		})
	}
}

func TestNewConsole(t *testing.T) {
	var buf bytes.Buffer
	log, err := New(&buf, "debug", "console")
	require.NoError(t, err)
	log.Debug().Str("component", "test").Msg("hello")
	out := buf.String()
	assert.Contains(t, out, "hello")
	assert.Contains(t, out, "component=test")
	assert.NotContains(t, out, "\x1b[", "no colour escapes when not writing to a terminal")
	assert.False(t, json.Valid([]byte(out)))
}

func TestNewErrors(t *testing.T) {
	tests := []struct{ level, format, want string }{
		{"loud", "json", `"loud"`},
		{"info", "xml", `"xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			_, err := New(&bytes.Buffer{}, tt.level, tt.format)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, music.KindInvalid, music.KindOf(err))
		})
	}
}

func TestAutoFormat(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = file.Close() })
	fi, err := file.Stat()
	require.NoError(t, err)
	st := fi.Sys().(*syscall.Stat_t)
	fileStream := fmt.Sprintf("%d:%d", st.Dev, st.Ino)

	// A pseudo-terminal master is a terminal without needing a real one.
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { _ = tty.Close() })
	require.True(t, isTerminal(tty))

	tests := []struct {
		name          string
		w             *os.File
		journalStream string
		want          string
	}{
		{"file", file, "", FormatJSON},
		{"file is the journal stream", file, fileStream, FormatJournal},
		{"terminal", tty, "", FormatConsole},
		{"terminal with inherited JOURNAL_STREAM", tty, fileStream, FormatConsole},
		{"terminal with bad JOURNAL_STREAM", tty, "garbage", FormatConsole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pick("auto", tt.w, tt.journalStream)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.True(t, isJournal(file, fileStream))
	assert.False(t, isJournal(file, "0:0"))
	assert.False(t, isJournal(&bytes.Buffer{}, fileStream))
}
