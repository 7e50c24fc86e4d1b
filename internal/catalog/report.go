package catalog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// Reasons a row is skipped (lenient) or rejected (strict). They are the keys
// of Report.Skipped; docs/catalog.md lists them.
const (
	ReasonMissing     = "missing field"
	ReasonNotNumber   = "not a number"
	ReasonNotFinite   = "not finite"
	ReasonRange       = "out of range"
	ReasonUTF8        = "bad utf-8"
	ReasonTooLong     = "field too long"
	ReasonFieldCount  = "wrong field count"
	ReasonBadJSON     = "bad json"
	ReasonConflict    = "conflicting title" // same id, different title: first kept
	ReasonBadValue    = "bad value"
	maxProblemsKept   = 20
	defaultMaxLine    = 64 << 10 // bytes per physical line
	defaultMaxField   = 4 << 10  // bytes per field (titles, artist credits, tag lists)
	defaultMaxRecords = 5_000_000
)

// RowError is one invalid input row: file, 1-based line, field and reason.
// Its message has the form "file:line: field: reason".
type RowError struct {
	File   string
	Line   int
	Field  string
	Reason string // one of the Reason constants
	Detail string // e.g. "want 0..1, got 1.7"
}

// Unwrap makes music.KindOf report KindInvalid for a row error.
func (e *RowError) Unwrap() error { return errInvalidRow }

var errInvalidRow = music.Errorf(music.KindInvalid, "invalid catalog row")

func (e *RowError) Error() string {
	msg := fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Reason)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// SourceReport says what one input file contributed.
type SourceReport struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
	Rows int    `json:"rows"` // data rows read
	Kept int    `json:"kept"` // rows used
}

// Report summarises a build: per-source counts, rows skipped per reason (in
// lenient mode), merges and the first few problems verbatim.
type Report struct {
	Sources []SourceReport `json:"sources"`
	// Skipped counts rows dropped per reason; conflicting titles are counted
	// here although the row's labels are still merged into the first row.
	Skipped map[string]int `json:"skipped"`
	// Merged counts rows folded into an already seen track (same id).
	Merged   int      `json:"merged"`
	Problems []string `json:"problems"` // first problems, "file:line: field: reason"

	Tracks     int           `json:"tracks"`
	Artists    int           `json:"artists"`
	Labels     int           `json:"labels"`
	Tags       int           `json:"tags"`        // tags with a learned vector
	NoGenre    int           `json:"no_genre"`    // tracks whose genre vector is zero
	FilledMood int           `json:"filled_mood"` // tracks with at least one mood feature filled in
	Elapsed    time.Duration `json:"elapsed_ns"`

	strictErr error // first title conflict in strict mode
}

func newReport() *Report { return &Report{Skipped: map[string]int{}} }

// problem records a row problem. In strict mode it returns the error to abort
// with; in lenient mode it counts it and returns nil.
func (r *Report) problem(strict bool, e *RowError) error {
	if strict {
		return e
	}
	r.Skipped[e.Reason]++
	if len(r.Problems) < maxProblemsKept {
		r.Problems = append(r.Problems, e.Error())
	}
	return nil
}

// SkippedTotal returns the number of skipped rows over all reasons.
func (r *Report) SkippedTotal() int {
	n := 0
	for _, v := range r.Skipped {
		n += v
	}
	return n
}

// Reasons returns the skip reasons in a stable order.
func (r *Report) Reasons() []string {
	out := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SkipSummary is the skipped rows on one readable line, most frequent
// reason first: "413 conflicting title, 12 missing id" ("none" when no row
// was skipped).
func (r *Report) SkipSummary() string {
	reasons := r.Reasons()
	if len(reasons) == 0 {
		return "none"
	}
	sort.SliceStable(reasons, func(a, b int) bool { return r.Skipped[reasons[a]] > r.Skipped[reasons[b]] })
	parts := make([]string, len(reasons))
	for i, k := range reasons {
		parts[i] = strconv.Itoa(r.Skipped[k]) + " " + k
	}
	return strings.Join(parts, ", ")
}
