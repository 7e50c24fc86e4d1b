package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// Transcript writes a drive's transcript as it happens (RunOptions.OnEvent):
// for people, a header and one line per step, track and expectation, in
// fixed-width columns that fit 120 characters (a stream cannot be aligned
// after the fact); with jsonLines, one JSON object per line: "event" is
// "step", "track" or "expect". The first write error stops the output and
// is kept for Err.
type Transcript struct {
	w         io.Writer
	jsonLines bool
	enc       *json.Encoder
	err       error
}

// NewTranscript starts a transcript of the drive script on w.
func NewTranscript(w io.Writer, script string, jsonLines bool) *Transcript {
	t := &Transcript{w: w, jsonLines: jsonLines, enc: json.NewEncoder(w)}
	if !jsonLines {
		t.printf("drive %s\n%3s  %-28s %-18s %-10s %4s %4s  %-16s %s\n", script,
			"#", "TITLE", "ARTISTS", "FAMILY", "VAL", "NRG", "OUTCOME", "REASON")
	}
	return t
}

// Event writes one transcript item.
func (t *Transcript) Event(ev Event) {
	switch {
	case ev.Step != nil:
		t.step(*ev.Step)
	case ev.Track != nil:
		t.track(*ev.Track)
	case ev.Check != nil:
		t.check(*ev.Check)
	}
}

// Arrival writes the end of a drive with an arrival: the track playing
// then and what was left of it.
func (t *Transcript) Arrival(a Arrival) {
	if t.jsonLines {
		t.encode(map[string]any{"event": "arrival", "at_s": a.At.Seconds(), "track": a.Track, "title": a.Title,
			"left_s": a.Left.Seconds(), "cut": a.Cut})
		return
	}
	verdict := "ends with the drive"
	if a.Cut {
		verdict = "cut off"
	}
	t.printf("arrival at %s: track %d %q %s (%s left)\n", a.At.Round(time.Second), a.Track, a.Title, verdict, a.Left.Round(time.Second))
}

// Err is the first write error.
func (t *Transcript) Err() error {
	if t.err != nil {
		return fmt.Errorf("write transcript: %w", t.err)
	}
	return nil
}

func (t *Transcript) printf(format string, a ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, a...)
	}
}

func (t *Transcript) encode(v any) {
	if t.err == nil {
		t.err = t.enc.Encode(v)
	}
}

func (t *Transcript) step(s StepEvent) {
	if t.jsonLines {
		t.encode(jsonStep{Event: "step", Line: s.Line, Op: s.Op.String(), Step: s.Step,
			AtS: math.Round(s.At.Seconds()*1e3) / 1e3, Track: s.Track, OK: s.Err == "", Error: s.Err})
		return
	}
	verdict := ""
	if s.Err != "" {
		verdict = "  FAILED: " + s.Err
	}
	t.printf("     > %s  (line %d, at %s)%s\n", cell(s.Step), s.Line, clockText(s.At), verdict)
}

func (t *Transcript) track(e Entry) {
	if t.jsonLines {
		t.encode(jsonTrack{
			Event: "track", Index: e.Index, ID: e.ID, Title: e.Title,
			Artists: nonNil(e.Artists), Genres: nonNil(e.Genres), Family: e.Family,
			Valence: optFloat(e.Valence), Energy: optFloat(e.Energy),
			Outcome: string(e.Outcome), PositionS: math.Round(e.Position.Seconds()*1e3) / 1e3, Reason: e.Reason,
		})
		return
	}
	t.printf("%3d  %-28s %-18s %-10s %4s %4s  %-16s %s\n", e.Index, clip(e.Title, 28), clip(strings.Join(e.Artists, ", "), 18),
		clip(e.Family, 10), feature(e.Valence), feature(e.Energy), clip(outcomeText(e), 16), clip(e.Reason, 28))
}

func (t *Transcript) check(c Check) {
	if t.jsonLines {
		t.encode(jsonCheck{Event: "expect", Line: c.Line, Step: c.Step, Want: c.Want, Got: c.Got, OK: c.OK})
		return
	}
	verdict := "ok"
	if !c.OK {
		verdict = "FAILED, got " + c.Got
	}
	t.printf("     line %d: %s: %s\n", c.Line, c.Step, verdict)
}

// WriteTranscript writes a finished drive's result at once: its tracks,
// then its expectations (the streamed transcript also interleaves the
// steps).
func WriteTranscript(w io.Writer, res *Result, jsonLines bool) error {
	t := NewTranscript(w, res.Script, jsonLines)
	for i := range res.Tracks {
		t.Event(Event{Track: &res.Tracks[i]})
	}
	for i := range res.Checks {
		t.Event(Event{Check: &res.Checks[i]})
	}
	return t.Err()
}

// clip keeps a cell within n runes (and on one line).
func clip(s string, n int) string {
	r := []rune(cell(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// cell keeps a value on one table line and the columns aligned.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func feature(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func outcomeText(e Entry) string {
	switch e.Outcome {
	case music.OutcomeSkipped, music.OutcomeStopped:
		return fmt.Sprintf("%s at %s", e.Outcome, clockText(e.Position))
	case music.OutcomePlaying:
		return fmt.Sprintf("playing (%s)", clockText(e.Position))
	}
	return string(e.Outcome)
}

// clockText formats a position as m:ss.
func clockText(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

type jsonTrack struct {
	Event     string   `json:"event"`
	Index     int      `json:"index"`
	ID        string   `json:"id,omitempty"`
	Title     string   `json:"title"`
	Artists   []string `json:"artists"`
	Genres    []string `json:"genres"`
	Family    string   `json:"family,omitempty"`
	Valence   *float64 `json:"valence"`
	Energy    *float64 `json:"energy"`
	Outcome   string   `json:"outcome"`
	PositionS float64  `json:"position_s"`
	Reason    string   `json:"reason,omitempty"`
}

type jsonStep struct {
	Event string  `json:"event"`
	Line  int     `json:"line"`
	Op    string  `json:"op"`
	Step  string  `json:"step"`
	AtS   float64 `json:"at_s"`  // virtual seconds since the drive started
	Track int     `json:"track"` // index of the track playing (0: none yet)
	OK    bool    `json:"ok"`
	Error string  `json:"error,omitempty"`
}

type jsonCheck struct {
	Event string `json:"event"`
	Line  int    `json:"line"`
	Step  string `json:"step"`
	Want  string `json:"want"`
	Got   string `json:"got"`
	OK    bool   `json:"ok"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// optFloat is null for an unknown value, else v to 4 decimals: the daemon's
// features are float32, and their float64 noise (0.9369999170303345) says
// nothing.
func optFloat(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	v = math.Round(v*1e4) / 1e4
	return &v
}
