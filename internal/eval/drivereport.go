package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/continuo/continuo/internal/catalog"
)

// DriveMetrics are one method's results over the drives of a split: means
// per drive unless the name says otherwise.
type DriveMetrics struct {
	Method string `json:"method"`
	Drives int    `json:"drives"`
	// Resolve accuracy: the share of a kind's drives whose first track was
	// right (DriveRequest.Hit); "all" over every kind. A drive that kids
	// mode refused to start (the asked track is explicit and has no clean
	// version) is left out of it and counted in KidsRefusals; any other
	// drive that did not start is a miss.
	Resolve      map[RequestKind]float64 `json:"resolve_accuracy"`
	Requests     map[RequestKind]int     `json:"requests"`
	KidsRefusals int                     `json:"kids_refusals"`
	// Anchor keeping, first and last quarter of the drive, over the drives
	// whose request names a style (not mood requests).
	FamilyFirst float64 `json:"family_share_first"`
	FamilyLast  float64 `json:"family_share_last"`
	CosineFirst float64 `json:"genre_cosine_first"`
	CosineLast  float64 `json:"genre_cosine_last"`
	// Energy drift: last quarter minus first quarter (signed mean and mean
	// of the absolute value), and the least-squares slope per 10 tracks.
	EnergyDrift    float64 `json:"energy_drift"`
	EnergyDriftAbs float64 `json:"energy_drift_abs"`
	EnergySlope    float64 `json:"energy_slope_per_10"`
	SameWork       float64 `json:"same_work_repeats"`
	Exact          float64 `json:"exact_repeats"`
	// Holiday tracks per drive dated out of season (and, for comparison,
	// in season), the asked-for track not counted.
	HolidayOut      float64 `json:"holiday_out_of_season"`
	HolidayIn       float64 `json:"holiday_in_season"`
	OutSeasonDrives int     `json:"out_of_season_drives"`
	// Known-explicit tracks per kids-mode drive, the asked-for one included.
	ExplicitKids  float64 `json:"explicit_under_kids"`
	KidsDrives    int     `json:"kids_drives"`
	UntaggedFirst float64 `json:"untagged_share_first"`
	UntaggedLast  float64 `json:"untagged_share_last"`
	MaxPerArtist  float64 `json:"max_per_artist"`
	Over4         float64 `json:"drives_artist_over_4"` // share of drives with one artist more than 4 times
	SkipShare     float64 `json:"skip_share"`           // share of tracks the simulated driver skipped
	Short         float64 `json:"short_drives"`         // share of drives that ended early
	Misses        []Miss  `json:"resolve_misses,omitempty"`
}

// Miss is a request whose drive started with a wrong track.
type Miss struct {
	Kind   RequestKind `json:"kind"`
	Query  string      `json:"query"`
	Named  bool        `json:"named,omitempty"`
	Absent bool        `json:"answer_absent,omitempty"` // the catalog does not hold the answer
	Got    string      `json:"got"`                     // "title — artist", or "" when nothing played
}

// DriveReport is the outcome of RunDrives.
type DriveReport struct {
	CatalogSize int            `json:"catalog_size"`
	Split       string         `json:"split"`
	Length      int            `json:"length"`
	Requests    []DriveRequest `json:"requests"`
	Methods     []DriveMetrics `json:"methods"`
}

// driveAcc accumulates one method's drives.
type driveAcc struct {
	m                                       DriveMetrics
	hits                                    map[RequestKind]*mean
	famF, famL, cosF, cosL, drift, absDrift mean
	slope, same, exact, holOut, holIn, expl mean
	untF, untL, maxA, over4, skips, short   mean
}

func newDriveAcc(name string) *driveAcc {
	a := &driveAcc{m: DriveMetrics{Method: name, Resolve: map[RequestKind]float64{}, Requests: map[RequestKind]int{}},
		hits: map[RequestKind]*mean{"all": {}}}
	for _, k := range RequestKinds {
		a.hits[k] = &mean{}
	}
	return a
}

func (a *driveAcc) add(c *catalog.Catalog, d *DriveState, length int) {
	r := d.Request
	a.m.Drives++
	if len(d.Rows) == 0 && d.Kids {
		a.m.KidsRefusals++ // a refusal, not a drive that ended early
		return
	}
	a.short.add(b2f(len(d.Rows) < length))
	hit := len(d.Rows) > 0 && r.Hit(c, d.Rows[0])
	a.hits[r.Kind].add(b2f(hit))
	a.hits["all"].add(b2f(hit))
	if !hit {
		miss := Miss{Kind: r.Kind, Query: r.Query, Named: r.Named, Absent: r.Absent}
		if len(d.Rows) > 0 {
			t := c.Track(d.Rows[0])
			miss.Got = t.Title + " — " + t.PrimaryArtist()
		}
		a.m.Misses = append(a.m.Misses, miss)
	}
	if len(d.Rows) == 0 {
		return
	}
	s := measureDrive(c, d.anchor, d.Rows, d.Skipped, length/4)
	if d.anchor.Stylistic {
		a.famF.add(s.FamilyFirst)
		a.famL.add(s.FamilyLast)
		a.cosF.add(s.CosineFirst)
		a.cosL.add(s.CosineLast)
	}
	a.drift.add(s.EnergyLast - s.EnergyFirst)
	a.absDrift.add(max(s.EnergyLast-s.EnergyFirst, s.EnergyFirst-s.EnergyLast))
	a.slope.add(s.EnergySlope)
	a.same.add(float64(s.SameWork))
	a.exact.add(float64(s.Exact))
	if d.Now.Equal(OutOfSeason) {
		a.holOut.add(float64(s.Holiday))
	} else {
		a.holIn.add(float64(s.Holiday))
	}
	if d.Kids {
		a.expl.add(float64(s.Explicit))
	}
	a.untF.add(s.UntaggedFirst)
	a.untL.add(s.UntaggedLast)
	a.maxA.add(float64(s.MaxPerArtist))
	a.over4.add(b2f(s.MaxPerArtist > 4))
	a.skips.add(float64(s.Skips) / float64(len(d.Rows)))
}

func (a *driveAcc) result() DriveMetrics {
	m := a.m
	for k, h := range a.hits {
		m.Resolve[k], m.Requests[k] = h.value(), h.n
	}
	m.FamilyFirst, m.FamilyLast, m.CosineFirst, m.CosineLast = a.famF.value(), a.famL.value(), a.cosF.value(), a.cosL.value()
	m.EnergyDrift, m.EnergyDriftAbs, m.EnergySlope = a.drift.value(), a.absDrift.value(), a.slope.value()
	m.SameWork, m.Exact = a.same.value(), a.exact.value()
	m.HolidayOut, m.HolidayIn, m.OutSeasonDrives = a.holOut.value(), a.holIn.value(), a.holOut.n
	m.ExplicitKids, m.KidsDrives = a.expl.value(), a.expl.n
	m.UntaggedFirst, m.UntaggedLast = a.untF.value(), a.untL.value()
	m.MaxPerArtist, m.Over4, m.SkipShare, m.Short = a.maxA.value(), a.over4.value(), a.skips.value(), a.short.value()
	return m
}

// driveRow is one line of the drive table: a metric and which way is better.
type driveRow struct {
	label string
	dir   string // "↑" higher is better, "↓" lower, "→0" closer to zero
	value func(m *DriveMetrics) string
}

func f3(v float64) string { return fmt.Sprintf("%.3f", v) }
func f2(v float64) string { return fmt.Sprintf("%.2f", v) }

func driveRows(r *DriveReport) []driveRow {
	w := r.Length / 4
	first, last := fmt.Sprintf("1–%d", w), fmt.Sprintf("%d–%d", r.Length-w+1, r.Length)
	var rows []driveRow
	for _, k := range append(append([]RequestKind(nil), RequestKinds...), "all") {
		rows = append(rows, driveRow{"resolve accuracy: " + string(k), "↑", func(m *DriveMetrics) string {
			return fmt.Sprintf("%.2f (%d)", m.Resolve[k], m.Requests[k])
		}})
	}
	return append(rows,
		driveRow{"family share " + first, "↑", func(m *DriveMetrics) string { return f3(m.FamilyFirst) }},
		driveRow{"family share " + last, "↑", func(m *DriveMetrics) string { return f3(m.FamilyLast) }},
		driveRow{"family share " + last + " − " + first, "→0", func(m *DriveMetrics) string { return f3(m.FamilyLast - m.FamilyFirst) }},
		driveRow{"genre cosine " + first, "↑", func(m *DriveMetrics) string { return f3(m.CosineFirst) }},
		driveRow{"genre cosine " + last, "↑", func(m *DriveMetrics) string { return f3(m.CosineLast) }},
		driveRow{"energy " + last + " − " + first + " (mean)", "→0", func(m *DriveMetrics) string { return f3(m.EnergyDrift) }},
		driveRow{"|energy " + last + " − " + first + "| (mean)", "↓", func(m *DriveMetrics) string { return f3(m.EnergyDriftAbs) }},
		driveRow{"energy slope per 10 tracks", "→0", func(m *DriveMetrics) string { return f3(m.EnergySlope) }},
		driveRow{"same-work repeats / drive", "↓", func(m *DriveMetrics) string { return f2(m.SameWork) }},
		driveRow{"exact repeats / drive", "↓", func(m *DriveMetrics) string { return f2(m.Exact) }},
		driveRow{"holiday picks / drive out of season", "↓", func(m *DriveMetrics) string { return f2(m.HolidayOut) }},
		driveRow{"holiday picks / drive in season", "info", func(m *DriveMetrics) string { return f2(m.HolidayIn) }},
		driveRow{"known-explicit / kids drive", "↓", func(m *DriveMetrics) string { return f2(m.ExplicitKids) }},
		driveRow{"untagged-artist share " + first, "↓", func(m *DriveMetrics) string { return f3(m.UntaggedFirst) }},
		driveRow{"untagged-artist share " + last, "↓", func(m *DriveMetrics) string { return f3(m.UntaggedLast) }},
		driveRow{"most plays of one other artist", "↓", func(m *DriveMetrics) string { return f2(m.MaxPerArtist) }},
		driveRow{"drives with an artist > 4 times", "↓", func(m *DriveMetrics) string { return f3(m.Over4) }},
		driveRow{"skipped share (simulated driver)", "↓", func(m *DriveMetrics) string { return f3(m.SkipShare) }},
		driveRow{"drives shorter than " + fmt.Sprint(r.Length), "↓", func(m *DriveMetrics) string { return f3(m.Short) }},
		driveRow{"kids mode refused to start", "info", func(m *DriveMetrics) string { return fmt.Sprint(m.KidsRefusals) }},
	)
}

// WriteTable prints the report for people: a metric per line (with which
// direction is better), a method per column, then the named requests that
// missed under the first method.
func (r *DriveReport) WriteTable(w io.Writer) error {
	drives, out, kids := 0, 0, 0
	if len(r.Methods) > 0 {
		drives, out, kids = r.Methods[0].Drives, r.Methods[0].OutSeasonDrives, r.Methods[0].KidsDrives
	}
	fmt.Fprintf(w, "catalog %d tracks; %d drives of %d tracks (split %q: %d out of season, %d in kids mode)\n\n",
		r.CatalogSize, drives, r.Length, r.Split, out, kids)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := []string{"metric", "better"}
	for _, m := range r.Methods {
		head = append(head, shortMethod(m.Method))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, row := range driveRows(r) {
		cells := []string{row.label, row.dir}
		for i := range r.Methods {
			cells = append(cells, row.value(&r.Methods[i]))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nresolve accuracy: share right (requests); %s.\n"+
		"↑ higher is better, ↓ lower, →0 closer to zero; %q is the engine without the genre-family bonus.\n",
		startNote, shortMethod(NoFamilyBonus))
	if len(r.Methods) > 0 {
		writeTargets(w, &r.Methods[0])
		writeNamedMisses(w, r)
	}
	return nil
}

// target is one of issue 10's "done when" conditions on the drive metrics.
type target struct {
	name string
	met  func(m *DriveMetrics) bool
}

var targets = []target{
	{"artist resolve ≥ 0.95", func(m *DriveMetrics) bool { return m.Resolve[KindArtist] >= 0.95 }},
	{"other kinds ≥ 0.9", func(m *DriveMetrics) bool {
		for _, k := range RequestKinds {
			if k != KindArtist && m.Requests[k] > 0 && m.Resolve[k] < 0.9 {
				return false
			}
		}
		return true
	}},
	{"0 same-work", func(m *DriveMetrics) bool { return m.SameWork == 0 }},
	{"0 exact repeats", func(m *DriveMetrics) bool { return m.Exact == 0 }},
	{"family share kept (±0.05)", func(m *DriveMetrics) bool { return max(m.FamilyLast-m.FamilyFirst, m.FamilyFirst-m.FamilyLast) <= 0.05 }},
	{"0 holiday out of season", func(m *DriveMetrics) bool { return m.HolidayOut == 0 }},
	{"0 explicit in kids mode", func(m *DriveMetrics) bool { return m.ExplicitKids == 0 }},
	{"no artist > 4", func(m *DriveMetrics) bool { return m.Over4 == 0 }},
}

// writeTargets prints which of issue 10's targets m meets.
func writeTargets(w io.Writer, m *DriveMetrics) {
	var met, missed []string
	for _, t := range targets {
		if t.met(m) {
			met = append(met, t.name)
		} else {
			missed = append(missed, t.name)
		}
	}
	fmt.Fprintf(w, "\nissue 10 targets, %s: %d of %d met\n", m.Method, len(met), len(targets))
	if len(met) > 0 {
		writeWrapped(w, "  met:     ", met)
	}
	if len(missed) > 0 {
		writeWrapped(w, "  not met: ", missed)
	}
}

// writeWrapped prints items after prefix, "; "-separated, in lines of at
// most 120 columns, continuation lines indented like the first item.
func writeWrapped(w io.Writer, prefix string, items []string) {
	indent := strings.Repeat(" ", len([]rune(prefix)))
	line := prefix
	for i, it := range items {
		sep := "; "
		if i == len(items)-1 {
			sep = ""
		}
		if line != prefix && len([]rune(line+it+sep)) > 120 {
			fmt.Fprintln(w, strings.TrimRight(line, " "))
			line = indent
		}
		line += it + sep
	}
	fmt.Fprintln(w, line)
}

func writeNamedMisses(w io.Writer, r *DriveReport) {
	named := 0
	for _, q := range r.Requests {
		if q.Named {
			named++
		}
	}
	var lines []string
	for _, m := range r.Methods[0].Misses {
		if m.Named {
			got := m.Got
			if got == "" {
				got = "nothing played"
			}
			note := ""
			if m.Absent {
				note = " (answer not in catalog)"
			}
			got = clip(got, 71-len(note)) + note
			lines = append(lines, fmt.Sprintf("  %-8s %-32q → %s", m.Kind, clip(m.Query, 30), got))
		}
	}
	fmt.Fprintf(w, "issue 10's named requests in this split: %d, missed by %s: %d\n", named, r.Methods[0].Method, len(lines))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

func shortMethod(name string) string {
	if name == NoFamilyBonus {
		return "no-family"
	}
	return name
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
