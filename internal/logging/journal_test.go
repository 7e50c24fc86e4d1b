package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/journald"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixedClock makes zerolog's timestamps a known instant with milliseconds.
func fixedClock(t *testing.T) time.Time {
	at := time.Date(2026, 11, 29, 16, 27, 21, 789_000_000, time.UTC)
	old := zerolog.TimestampFunc
	zerolog.TimestampFunc = func() time.Time { return at }
	t.Cleanup(func() { zerolog.TimestampFunc = old })
	return at
}

func TestMillisecondTimestamps(t *testing.T) {
	fixedClock(t)
	var js, console bytes.Buffer
	jl, err := New(&js, "info", FormatJSON)
	require.NoError(t, err)
	jl.Info().Msg("x")
	var entry map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &entry))
	assert.Equal(t, "2026-11-29T16:27:21.789Z", entry["time"])

	cl, err := New(&console, "info", FormatConsole)
	require.NoError(t, err)
	cl.Info().Msg("x")
	assert.True(t, strings.HasPrefix(console.String(), time.Date(2026, 11, 29, 16, 27, 21, 789_000_000, time.UTC).Local().Format("15:04:05.000")+" "),
		"console keeps the milliseconds: %q", console.String())
}

func TestDurationsAreIntegerMilliseconds(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(&buf, "info", FormatJSON)
	require.NoError(t, err)
	l.Info().Dur("retry_in_ms", 1500*time.Millisecond).Msg("x")
	assert.Contains(t, buf.String(), `"retry_in_ms":1500,`)
}

func TestPrefixWriterPriorities(t *testing.T) {
	cases := []struct {
		log    func(zerolog.Logger)
		prefix string
	}{
		{func(l zerolog.Logger) { l.Debug().Msg("d") }, "<7>{"},
		{func(l zerolog.Logger) { l.Info().Msg("i") }, "<6>{"},
		{func(l zerolog.Logger) { l.Warn().Msg("w") }, "<4>{"},
		{func(l zerolog.Logger) { l.Error().Msg("e") }, "<3>{"},
		{func(l zerolog.Logger) { l.Log().Msg("n") }, "<5>{"},
	}
	for _, tc := range cases {
		var buf bytes.Buffer
		tc.log(zerolog.New(journalWriter{fallback: prefixWriter{&buf}}).Level(zerolog.TraceLevel))
		assert.True(t, strings.HasPrefix(buf.String(), tc.prefix), "%q", buf.String())
		assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "one line per entry")
		assert.True(t, json.Valid([]byte(strings.TrimPrefix(buf.String(), tc.prefix[:3]))), "JSON after the prefix")
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("journal socket refused") }

func TestJournalFallsBackToPrefixedStream(t *testing.T) {
	var buf bytes.Buffer
	l := zerolog.New(journalWriter{native: failing{}, fallback: prefixWriter{&buf}})
	l.Warn().Str("component", "drive").Msg("slow")
	assert.True(t, strings.HasPrefix(buf.String(), "<4>{"), "nothing is lost when the journal refuses: %q", buf.String())
}

// TestJournalNativeFields sends through zerolog's journald writer with its
// send hook (the journal socket is not available in CI): the priority comes
// from the level and every field becomes a journal field.
func TestJournalNativeFields(t *testing.T) {
	type sent struct {
		msg  string
		prio journal.Priority
		vars map[string]string
	}
	var got []sent
	journald.SendFunc = func(msg string, p journal.Priority, vars map[string]string) error {
		got = append(got, sent{msg, p, vars})
		return nil
	}
	t.Cleanup(func() { journald.SendFunc = nil })
	var stream bytes.Buffer
	l := zerolog.New(journalWriter{native: journald.NewJournalDWriter(), fallback: prefixWriter{&stream}}).With().Timestamp().Logger()
	l.Warn().Str("component", "daemon").Dur("retry_in_ms", 250*time.Millisecond).Msg("bus connection failed")
	l.Info().Msg("ready")

	require.Len(t, got, 2)
	assert.Empty(t, stream.String(), "nothing on the stream when the journal took it")
	assert.Equal(t, "bus connection failed", got[0].msg)
	assert.Equal(t, journal.PriWarning, got[0].prio)
	assert.Equal(t, "daemon", got[0].vars["COMPONENT"])
	assert.Equal(t, "250", got[0].vars["RETRY_IN_MS"])
	assert.Equal(t, journal.PriInfo, got[1].prio)
}
