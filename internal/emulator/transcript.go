package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// WriteTranscript writes a drive's result: an aligned table for people, or
// with jsonLines one JSON object per line ("event": "track" per track
// played, then "event": "expect" per expectation).
func WriteTranscript(w io.Writer, res *Result, jsonLines bool) error {
	if jsonLines {
		return writeJSONLines(w, res)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "drive %s: %d tracks\n", res.Script, len(res.Tracks))
	fmt.Fprintln(tw, "#\tTITLE\tARTISTS\tGENRES\tFAMILY\tVALENCE\tENERGY\tOUTCOME\tREASON")
	for _, e := range res.Tracks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			e.Index, cell(e.Title), cell(strings.Join(e.Artists, ", ")), cell(strings.Join(e.Genres, ", ")),
			cell(e.Family), feature(e.Valence), feature(e.Energy), outcomeText(e), cell(e.Reason))
	}
	for _, c := range res.Checks {
		verdict := "ok"
		if !c.OK {
			verdict = "FAILED, got " + c.Got
		}
		fmt.Fprintf(tw, "line %d: %s: %s\n", c.Line, c.Step, verdict)
	}
	return tw.Flush()
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

type jsonCheck struct {
	Event string `json:"event"`
	Line  int    `json:"line"`
	Step  string `json:"step"`
	Want  string `json:"want"`
	Got   string `json:"got"`
	OK    bool   `json:"ok"`
}

func writeJSONLines(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	for _, e := range res.Tracks {
		err := enc.Encode(jsonTrack{
			Event: "track", Index: e.Index, ID: e.ID, Title: e.Title,
			Artists: nonNil(e.Artists), Genres: nonNil(e.Genres), Family: e.Family,
			Valence: optFloat(e.Valence), Energy: optFloat(e.Energy),
			Outcome: string(e.Outcome), PositionS: math.Round(e.Position.Seconds()*1e3) / 1e3, Reason: e.Reason,
		})
		if err != nil {
			return fmt.Errorf("write transcript: %w", err)
		}
	}
	for _, c := range res.Checks {
		if err := enc.Encode(jsonCheck{Event: "expect", Line: c.Line, Step: c.Step, Want: c.Want, Got: c.Got, OK: c.OK}); err != nil {
			return fmt.Errorf("write transcript: %w", err)
		}
	}
	return nil
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
