// Package output owns continuoctl's two output forms: aligned tables for
// people and JSON with stable field names for scripts, plus the exit codes.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Exit codes of continuoctl (a contract for scripts).
const (
	ExitOK          = 0
	ExitError       = 1 // the daemon (or the offline engine) returned an error; its message is printed
	ExitUsage       = 2
	ExitUnreachable = 3 // no daemon on the bus
)

// Track is the JSON form of a track in every continuoctl output. Field names
// are stable: scripts depend on them.
type Track struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Artists    []string `json:"artists"`
	Album      string   `json:"album"`
	Genres     []string `json:"genres"`
	DurationMS int64    `json:"duration_ms"`
	Score      float64  `json:"score"`
	Reason     string   `json:"reason"`
	Family     string   `json:"family,omitempty"`
	Valence    *float64 `json:"valence,omitempty"`
	Energy     *float64 `json:"energy,omitempty"`
}

// Recommendation is the JSON document of `recommend`.
type Recommendation struct {
	Seed   *Track  `json:"seed"`
	Tracks []Track `json:"tracks"`
}

// JSON writes v as indented JSON.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Table writes rows under a header, columns aligned.
func Table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// Width is the terminal width human tables fit by default; --wide lifts it.
const Width = 120

// Tracks renders tracks as a table that fits Width columns: #, title,
// artists, genres, score, and as much of the reason as fits.
func Tracks(w io.Writer, ts []Track) error { return tracks(w, ts, false) }

// TracksWide is Tracks without clipping any column (--wide).
func TracksWide(w io.Writer, ts []Track) error { return tracks(w, ts, true) }

func tracks(w io.Writer, ts []Track, wide bool) error {
	// Column widths for the narrow form; the reason gets the rest of Width
	// (two spaces between columns).
	const num, title, artists, genres, score = 3, 30, 22, 20, 5
	reason := Width - (num + title + artists + genres + score + 5*2)
	clip := func(s string, n int) string {
		if wide {
			return s
		}
		return Clip(s, n)
	}
	rows := make([][]string, len(ts))
	for i, t := range ts {
		rows[i] = []string{
			fmt.Sprint(i + 1), clip(t.Title, title), clip(strings.Join(t.Artists, ", "), artists),
			clip(strings.Join(t.Genres, ", "), genres), fmt.Sprintf("%.3f", t.Score), clip(t.Reason, reason),
		}
	}
	return Table(w, []string{"#", "TITLE", "ARTISTS", "GENRES", "SCORE", "REASON"}, rows)
}

// Clip shortens s to n runes with an ellipsis.
func Clip(s string, n int) string {
	if n < 1 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
