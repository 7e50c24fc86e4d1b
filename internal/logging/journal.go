package logging

import (
	"io"
	"strconv"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/journald"
)

// journalWriter sends each entry to systemd-journald with native fields
// (COMPONENT=drive, ERROR=..., the whole entry in JSON=) and the priority
// of its level, through zerolog's journald writer. When the journal socket
// is missing or refuses an entry, the entry goes to the stream instead,
// with a syslog-style "<N>" prefix, which journald also reads as the
// priority (SyslogLevelPrefix=, on by default): either way
// `journalctl -p warning` filters.
type journalWriter struct {
	native   io.Writer // nil when the journal socket is not there
	fallback prefixWriter
}

func newJournalWriter(stream io.Writer) journalWriter {
	j := journalWriter{fallback: prefixWriter{stream}}
	if journal.Enabled() {
		j.native = journald.NewJournalDWriter()
	}
	return j
}

func (j journalWriter) Write(p []byte) (int, error) { return j.WriteLevel(zerolog.NoLevel, p) }

// WriteLevel implements zerolog.LevelWriter.
func (j journalWriter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	if j.native != nil {
		if _, err := j.native.Write(p); err == nil {
			return len(p), nil
		}
	}
	return j.fallback.WriteLevel(l, p)
}

// prefixWriter writes each entry as one line with the sd-daemon(3)
// priority prefix "<N>".
type prefixWriter struct{ w io.Writer }

func (pw prefixWriter) Write(p []byte) (int, error) { return pw.WriteLevel(zerolog.NoLevel, p) }

// WriteLevel implements zerolog.LevelWriter.
func (pw prefixWriter) WriteLevel(l zerolog.Level, p []byte) (int, error) {
	line := make([]byte, 0, len(p)+3)
	line = append(line, '<')
	line = strconv.AppendInt(line, int64(Priority(l)), 10)
	line = append(line, '>')
	if _, err := pw.w.Write(append(line, p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Priority maps a zerolog level to a syslog priority (sd-daemon(3)).
func Priority(l zerolog.Level) journal.Priority {
	switch l {
	case zerolog.TraceLevel, zerolog.DebugLevel:
		return journal.PriDebug
	case zerolog.InfoLevel:
		return journal.PriInfo
	case zerolog.WarnLevel:
		return journal.PriWarning
	case zerolog.ErrorLevel:
		return journal.PriErr
	case zerolog.FatalLevel:
		return journal.PriCrit
	case zerolog.PanicLevel:
		return journal.PriEmerg
	}
	return journal.PriNotice
}
