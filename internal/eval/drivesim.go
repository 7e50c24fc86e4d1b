package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// DriveState is a drive in progress, as a method sees it.
type DriveState struct {
	Request  *DriveRequest
	Intent   Intent
	Rows     []int  // played so far, oldest first
	Skipped  []bool // per row: the simulated driver skipped it
	Now      time.Time
	Kids     bool
	RandSeed uint64
	anchor   driveAnchor // what the drive is measured against
}

// DriveMethod continues drives: the engine or a baseline.
type DriveMethod struct {
	Name string
	// First is the first track of the drive (-1: none): Play's answer
	// d.Intent, or the method's own pick when Play left it open.
	First func(d *DriveState) (int, error)
	// Next returns up to n more tracks for the drive so far.
	Next func(d *DriveState, n int) ([]int, error)
}

// DriveBaselines are the baselines of Baselines as drive methods: each
// refill continues from the whole drive so far (none repeats a played row;
// genre-random follows the last track's first label). Under kids mode they
// leave out known-explicit tracks, the trivial filter any method can apply.
func DriveBaselines(c *catalog.Catalog) []DriveMethod {
	var out []DriveMethod
	for _, m := range Baselines(c) {
		next := func(d *DriveState, n int) ([]int, error) {
			q := Query{Session: d.Rows, N: n, RandSeed: d.RandSeed + uint64(len(d.Rows))}
			if d.Kids {
				q.N += 50
			}
			rows, err := m.Recommend(q)
			if err != nil || !d.Kids {
				return rows, err
			}
			keep := rows[:0]
			for _, r := range rows {
				if c.Explicit(r) != music.ExplicitYes && len(keep) < n {
					keep = append(keep, r)
				}
			}
			return keep, nil
		}
		first := func(d *DriveState) (int, error) {
			if d.Intent.Row >= 0 {
				return d.Intent.Row, nil
			}
			rows, err := next(d, 1)
			if err != nil || len(rows) == 0 {
				return -1, err
			}
			return rows[0], nil
		}
		out = append(out, DriveMethod{Name: m.Name, First: first, Next: next})
	}
	return out
}

// DriveMethods are the engine, its ablation without the family bonus and
// the baselines, in report order.
func DriveMethods(c *catalog.Catalog) []DriveMethod {
	return append([]DriveMethod{
		EngineDrive(recommend.New(c, recommend.Options{}), "engine"),
		EngineDrive(recommend.New(c, recommend.Options{Weights: recommend.Weights{Family: -1}}), NoFamilyBonus),
	}, DriveBaselines(c)...)
}

// Skip model of the simulated driver, the same for every method: a track
// is skipped when its raw energy is more than skipEnergy from what the
// request promised, when it is outside the anchor's genre family and its
// genre cosine to the anchor is below skipCosine, or else by a chance of
// skipChance drawn from the drive's seed and the track's position (so every
// method meets the same dice). The asked-for first track is never skipped.
const (
	skipEnergy = 0.4
	skipCosine = 0.5
	skipChance = 0.05
)

// simulate runs one drive of length tracks with method m.
func simulate(c *catalog.Catalog, sys *DriveSystem, m DriveMethod, req *DriveRequest, length, block int) (*DriveState, error) {
	d := &DriveState{Request: req, Intent: sys.Understand(req.Query), Now: req.Now, Kids: req.Kids, RandSeed: req.Seed}
	first, err := m.First(d)
	if err != nil {
		return nil, fmt.Errorf("first track: %w", err)
	}
	if first < 0 {
		return d, nil
	}
	d.Rows, d.Skipped = append(d.Rows, first), append(d.Skipped, false)
	d.anchor = anchorOf(c, req, first)
	for len(d.Rows) < length {
		picks, err := m.Next(d, min(block, length-len(d.Rows)))
		if err != nil {
			return nil, fmt.Errorf("after %d tracks: %w", len(d.Rows), err)
		}
		if len(picks) == 0 {
			break
		}
		for _, p := range picks {
			d.Rows = append(d.Rows, p)
			d.Skipped = append(d.Skipped, skips(c, d.anchor, req.Seed, len(d.Rows)-1, p))
		}
	}
	return d, nil
}

// skips is the simulated driver's verdict on row at position pos.
func skips(c *catalog.Catalog, a driveAnchor, seed uint64, pos, row int) bool {
	if d := recommend.RawMood(c, row, catalog.MoodEnergy) - a.Energy; d > skipEnergy || d < -skipEnergy {
		return true
	}
	if a.Family >= 0 && int(c.Family[row]) != a.Family && a.Genre != nil && cosine(a.Genre, c.Genre.Row(row)) < skipCosine {
		return true
	}
	return rand.New(rand.NewPCG(seed, uint64(pos))).Float64() < skipChance
}

// driveAnchor is what a drive is measured against.
type driveAnchor struct {
	Family int       // genre family, -1 none
	Genre  []float32 // genre vector (not normalised; cosine normalises)
	Energy float64   // raw energy the driver expects
	// Stylistic: the request names a style (all but mood requests and
	// named requests the catalog cannot answer). Only these drives count
	// for family share and genre cosine; the others' Family and Genre are
	// the first track's, for the skip model.
	Stylistic bool
	// Asked are the artists an artist request named (nil otherwise): their
	// tracks are not counted by the one-artist cap.
	Asked map[int32]bool
}

// anchorOf is the anchor of req: the rows that stand for it (the asked
// track, the artist's or album's tracks, the label's tracks); for a mood
// request the drive's first track in genre and the mood in energy; for a
// named request the catalog cannot answer, the drive's first track.
func anchorOf(c *catalog.Catalog, req *DriveRequest, first int) driveAnchor {
	a := driveAnchor{Family: req.family, Energy: req.energy, Stylistic: len(req.anchorRows) > 0}
	if req.Kind == KindArtist {
		a.Asked = req.artists
	}
	rows := req.anchorRows
	if len(rows) == 0 {
		rows = []int{first}
		a.Family = int(c.Family[first])
		if req.Kind != KindMood {
			a.Energy = recommend.RawMood(c, first, catalog.MoodEnergy)
		}
	}
	const maxRows = 2000 // a label's centroid does not need every row
	a.Genre = make([]float32, c.Genre.Cols)
	step := max(len(rows)/maxRows, 1)
	for i := 0; i < len(rows); i += step {
		for j, v := range c.Genre.Row(rows[i]) {
			a.Genre[j] += v
		}
	}
	return a
}

// DriveOptions configure RunDrives.
type DriveOptions struct {
	Drives   int    // requests in the whole set, both halves (default 300)
	Length   int    // tracks per drive (default 60)
	Block    int    // tracks per refill (default 3, the daemon's queue depth)
	Split    string // "test" (default), "tune" or "all"
	RandSeed uint64
}

// Splits of DriveOptions.Split.
const (
	SplitTest = "test"
	SplitTune = "tune"
	SplitAll  = "all"
)

func (o *DriveOptions) defaults() error {
	if o.Drives <= 0 {
		o.Drives = 300
	}
	if o.Length <= 0 {
		o.Length = 60
	}
	if o.Block <= 0 {
		o.Block = 3
	}
	switch o.Split {
	case "":
		o.Split = SplitTest
	case SplitTest, SplitTune, SplitAll:
	default:
		return music.Errorf(music.KindInvalid, "eval: split %q: want test, tune or all", o.Split)
	}
	if o.Length < 8 || o.Length > 1000 {
		return music.Errorf(music.KindInvalid, "eval: drive length %d: want 8..1000", o.Length)
	}
	return nil
}

// inSplit reports whether r belongs to the split.
func inSplit(r *DriveRequest, split string) bool {
	return split == SplitAll || r.Test == (split == SplitTest)
}

// RunDrives simulates a drive per request of the split with every method
// and measures them. The requests are BuildRequests(c, opts.Drives,
// opts.RandSeed); a method sees the same requests, dates, kids modes and
// skip dice as every other. It stops with ctx's error when ctx ends.
func RunDrives(ctx context.Context, c *catalog.Catalog, sys *DriveSystem, methods []DriveMethod, opts DriveOptions) (*DriveReport, error) {
	if c == nil || c.Len() == 0 {
		return nil, music.Errorf(music.KindUnavailable, "eval: catalog is empty")
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	var reqs []DriveRequest
	for _, r := range BuildRequests(c, opts.Drives, opts.RandSeed) {
		if inSplit(&r, opts.Split) {
			reqs = append(reqs, r)
		}
	}
	rep := &DriveReport{CatalogSize: c.Len(), Split: opts.Split, Length: opts.Length, Requests: reqs}
	for _, m := range methods {
		acc := newDriveAcc(m.Name)
		for i := range reqs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			d, err := simulate(c, sys, m, &reqs[i], opts.Length, opts.Block)
			if err != nil {
				return nil, fmt.Errorf("eval: %s: request %q: %w", m.Name, reqs[i].Query, err)
			}
			acc.add(c, d, opts.Length)
		}
		rep.Methods = append(rep.Methods, acc.result())
	}
	return rep, nil
}
