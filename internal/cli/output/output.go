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

// Tracks renders tracks as a table: #, title, artists, genres, score, reason.
func Tracks(w io.Writer, ts []Track) error {
	rows := make([][]string, len(ts))
	for i, t := range ts {
		rows[i] = []string{
			fmt.Sprint(i + 1), Clip(t.Title, 40), Clip(strings.Join(t.Artists, ", "), 28),
			Clip(strings.Join(t.Genres, ", "), 28), fmt.Sprintf("%.3f", t.Score), t.Reason,
		}
	}
	return Table(w, []string{"#", "TITLE", "ARTISTS", "GENRES", "SCORE", "REASON"}, rows)
}

// Clip shortens s to n runes with an ellipsis.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
