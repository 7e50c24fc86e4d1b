// Package logging builds the daemon's one zerolog.Logger: native journal
// entries under systemd (each field a journal field, the level a priority,
// so `journalctl -p warning` filters), JSON lines when the output is not a
// terminal, readable console text on a terminal; every entry carries a
// millisecond timestamp. Durations are logged in fields named with their
// unit ("retry_in_ms").
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
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// Output formats.
const (
	FormatAuto    = "auto"
	FormatJSON    = "json"
	FormatConsole = "console"
	FormatJournal = "journal"
)

// TimeFormat is the timestamp of JSON entries: RFC 3339 with milliseconds,
// because the daemon reacts within milliseconds and whole seconds hide the
// order of events.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

func init() {
	// zerolog reads these globals when it formats an entry; set once, before
	// any logger exists. Dur fields are integer milliseconds, as their
	// "_ms" names say.
	zerolog.TimeFieldFormat = TimeFormat
	zerolog.DurationFieldUnit = time.Millisecond
	zerolog.DurationFieldInteger = true
}

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
// "json", "console", "journal", or "auto" (or ""), which picks the journal
// when w is the stream systemd connected to it (JOURNAL_STREAM), JSON when w
// is not a terminal, and console text otherwise.
func New(w io.Writer, level, format string) (zerolog.Logger, error) {
	lvl, err := ParseLevel(level)
	if err != nil {
		return zerolog.Nop(), err
	}
	kind, err := pick(format, w, os.Getenv("JOURNAL_STREAM"))
	if err != nil {
		return zerolog.Nop(), err
	}
	var out io.Writer = w
	switch kind {
	case FormatConsole:
		out = zerolog.ConsoleWriter{
			Out:        w,
			TimeFormat: "15:04:05.000",
			NoColor:    !isTerminal(w), // format = "console" into a file or pipe
		}
	case FormatJournal:
		out = newJournalWriter(w)
	}
	return zerolog.New(out).Level(lvl).With().Timestamp().Logger(), nil
}

// pick decides the output format; journalStream is $JOURNAL_STREAM.
func pick(format string, w io.Writer, journalStream string) (string, error) {
	switch format {
	case FormatJSON, FormatConsole, FormatJournal:
		return format, nil
	case FormatAuto, "":
		switch {
		case isJournal(w, journalStream):
			return FormatJournal, nil
		case isTerminal(w):
			return FormatConsole, nil
		}
		return FormatJSON, nil
	}
	return "", music.Errorf(music.KindInvalid, "log format %q: must be one of %s, %s, %s, %s", format, FormatAuto, FormatJSON, FormatConsole, FormatJournal)
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
