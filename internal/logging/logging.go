// Package logging builds the daemon's one zerolog.Logger: JSON lines under
// systemd's journal or when the output is not a terminal, readable console
// text on a terminal, with a timestamp and the configured level.
//
// Only cmd/* imports this package. Other packages receive the logger in
// their Options and add their own "component" field; none of them logs
// track titles, URIs or profile names above Debug.
package logging

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// Output formats.
const (
	FormatAuto    = "auto"
	FormatJSON    = "json"
	FormatConsole = "console"
)

// levels are the accepted level names, least severe first.
var levels = []struct {
	name  string
	level zerolog.Level
}{
	{"trace", zerolog.TraceLevel},
	{"debug", zerolog.DebugLevel},
	{"info", zerolog.InfoLevel},
	{"warn", zerolog.WarnLevel},
	{"error", zerolog.ErrorLevel},
}

// ParseLevel parses a level name (trace, debug, info, warn, error; any
// case; "warning" is accepted for warn). The error names the level given
// and is music.KindInvalid.
func ParseLevel(s string) (zerolog.Level, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "warning" {
		name = "warn"
	}
	names := make([]string, len(levels))
	for i, l := range levels {
		if l.name == name {
			return l.level, nil
		}
		names[i] = l.name
	}
	return zerolog.NoLevel, music.Errorf(music.KindInvalid, "log level %q: must be one of %s", s, strings.Join(names, ", "))
}

// New returns a logger writing to w at the given level, in the given format:
// "json", "console", or "auto" (or ""), which picks JSON when w is the
// journal stream systemd set up (JOURNAL_STREAM) or is not a terminal, and
// console text otherwise. Every entry carries a timestamp.
func New(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return zerolog.Nop(), err
	}
	json, err := useJSON(format, w, os.Getenv("JOURNAL_STREAM"))
	if err != nil {
		return zerolog.Nop(), err
	}
	out := w
	if !json {
		out = zerolog.ConsoleWriter{
			Out:        w,
			TimeFormat: "15:04:05.000",
			NoColor:    !isTerminal(w), // format = "console" into a file or pipe
		}
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}

// useJSON decides the output format; journalStream is $JOURNAL_STREAM.
func useJSON(format string, w io.Writer, journalStream string) (bool, error) {
	switch format {
	case FormatJSON:
		return true, nil
	case FormatConsole:
		return false, nil
	case FormatAuto, "":
		return isJournal(w, journalStream) || !isTerminal(w), nil
	}
	return false, music.Errorf(music.KindInvalid, "log format %q: must be one of %s, %s, %s", format, FormatAuto, FormatJSON, FormatConsole)
}

// isTerminal reports whether w is a file on a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && isatty.IsTerminal(f.Fd())
}

// isJournal reports whether w is the stream systemd connected to the
// journal: JOURNAL_STREAM is "device:inode" of that stream (systemd.exec(5)).
// Comparing, rather than only testing that the variable is set, keeps a
// shell started from a user unit (which inherits it) on console output.
func isJournal(w io.Writer, journalStream string) bool {
	if journalStream == "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return journalStream == fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}
