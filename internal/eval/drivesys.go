//go:build !anchorapi

package eval

import (
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// This file is the long-drive evaluation's only glue to the daemon's parts:
// how a request starts a drive (Play) and how a drive continues (the
// refills). Everything else in drives*.go is independent of the resolve and
// recommend APIs. It drives today's API the way internal/drive does:
//
//   - Play: resolve.Index.Search(query, 1); below minPlayScore nothing
//     plays (Play answers NotFound) and the drive starts cold instead; the
//     asked track enters the session as liked.
//   - refill: recommend.Request{Session: the last sessionWindow plays,
//     Exclude: their ids, Explicit: !kids}.
//
// When resolve.(*Index).Understand and recommend.Anchor, Request.Anchor/
// Now/Heard and Engine.Start land, this file is replaced by
// drivesys_anchor.go (build tag anchorapi until then): delete this file and
// the tag line of the other.

// startNote says in the report where first tracks come from.
const startNote = "the first track is Play's (resolve Search) for every method"

// Values of internal/drive that the simulation mirrors.
const (
	minPlayScore  = 0.5 // drive.minPlayScore
	sessionWindow = 50  // drive.sessionWindow
)

// Intent is what Play made of a request: the first track (-1 when the
// method is to choose it) and, after the merge, the drive's anchor.
type Intent struct {
	Row        int
	Confidence float64
}

// DriveSystem understands requests for the simulated drives.
type DriveSystem struct {
	cat *catalog.Catalog
	ix  *resolve.Index
}

// NewDriveSystem indexes c for request understanding.
func NewDriveSystem(c *catalog.Catalog) *DriveSystem {
	return &DriveSystem{cat: c, ix: resolve.NewIndex(c.Tracks)}
}

// Understand is Play's reading of a request.
func (s *DriveSystem) Understand(query string) Intent {
	ms := s.ix.Search(query, 1)
	if len(ms) == 0 || ms[0].Score < minPlayScore {
		return Intent{Row: -1}
	}
	return Intent{Row: ms[0].Row, Confidence: min(ms[0].Score, 1)}
}

// EngineDrive is the engine as a drive method, named name.
func EngineDrive(e *recommend.Engine, name string) DriveMethod {
	next := func(d *DriveState, n int) ([]int, error) {
		ps, err := e.Recommend(engineRequest(e.Catalog(), d, n))
		if err != nil {
			return nil, err
		}
		rows := make([]int, len(ps))
		for i, p := range ps {
			rows[i] = p.Row
		}
		return rows, nil
	}
	// Play's track, else (nothing understood) the engine's cold start.
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
	return DriveMethod{Name: name, First: first, Next: next}
}

// engineRequest is a refill request for the drive so far, as st.request
// builds it: the session window with the asked track liked, the window's
// ids excluded, kids mode as the explicit switch.
func engineRequest(c *catalog.Catalog, d *DriveState, n int) recommend.Request {
	req := recommend.Request{N: n, Explicit: !d.Kids, RandSeed: d.RandSeed + uint64(len(d.Rows))}
	from := max(len(d.Rows)-sessionWindow, 0)
	for i := from; i < len(d.Rows); i++ {
		p := recommend.Played{Row: d.Rows[i], Outcome: music.OutcomeCompleted}
		switch {
		case i == 0 && d.Intent.Row >= 0:
			p.Feedback = music.Like // "the asked-for track anchors the session"
		case d.Skipped[i]:
			p.Outcome = music.OutcomeSkipped
		}
		req.Session = append(req.Session, p)
		req.Exclude = append(req.Exclude, c.Tracks[d.Rows[i]].ID)
	}
	return req
}
