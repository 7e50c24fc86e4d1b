package eval

import (
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// This file is the long-drive evaluation's only glue to the daemon's parts
// once the request and engine branches of issue 10 are merged: how a
// request starts a drive (Play) and how a drive continues (the refills).
//
//   - Play: resolve.(*Index).Understand(query, 1); below
//     resolve.PlayConfidence nothing plays; else the candidate becomes a
//     recommend.Anchor and Engine.Start picks the first track (a clean
//     version in kids mode, holiday music only in season).
//   - refill: recommend.Request{Anchor, Now: the drive's date, Heard: every
//     track of the drive, Session: the last sessionWindow plays, Exclude:
//     their ids, Explicit: !kids}.
//
// Until the merge it builds only with -tags anchorapi; drivesys.go is the
// glue to today's API.

// startNote says in the report where first tracks come from.
const startNote = "engine: first track from Engine.Start; baselines: Understand's"

// sessionWindow mirrors drive.sessionWindow.
const sessionWindow = 50

// Intent is what Play made of a request: the track it names (-1 for a
// genre, mood or continue request, or nothing understood) and the drive's
// anchor (nil: nothing understood).
type Intent struct {
	Row        int
	Confidence float64
	Anchor     *recommend.Anchor
}

// DriveSystem understands requests for the simulated drives.
type DriveSystem struct {
	cat *catalog.Catalog
	ix  *resolve.Index
}

// NewDriveSystem indexes c for request understanding.
func NewDriveSystem(c *catalog.Catalog) *DriveSystem {
	return &DriveSystem{cat: c, ix: resolve.NewIndex(c.AllTracks())}
}

// Understand is Play's reading of a request.
func (s *DriveSystem) Understand(query string) Intent {
	cs := s.ix.Understand(query, 1)
	if len(cs) == 0 || cs[0].Confidence < resolve.PlayConfidence {
		return Intent{Row: -1}
	}
	c := cs[0]
	a := &recommend.Anchor{Kind: string(c.Kind), Rows: c.Rows, Artist: -1, Mood: c.Mood, Label: c.Label}
	if c.Kind == resolve.KindArtist && len(c.Rows) > 0 {
		a.Artist = s.cat.Artist[c.Rows[0]] // Rows: the artist's tracks, primary artist first
	}
	if c.Genre != "" {
		a.Genres = []string{c.Genre}
	}
	return Intent{Row: c.Row, Confidence: c.Confidence, Anchor: a}
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
	// Engine.Start, as Play does; a refusal (kids mode and no clean
	// version) plays nothing.
	first := func(d *DriveState) (int, error) {
		if d.Intent.Anchor == nil {
			return -1, nil
		}
		p, err := e.Start(d.Intent.Anchor, engineRequest(e.Catalog(), d, 1))
		if music.KindOf(err) == music.KindNotFound {
			return -1, nil
		}
		if err != nil {
			return -1, err
		}
		if a := *d.Intent.Anchor; len(a.Rows) == 0 || a.Kind == recommend.AnchorTrack {
			// As the daemon does: the started track (a clean version in
			// kids mode) stands for a track request, and centres a genre
			// or mood drive. A copy: the intent is shared by the methods.
			a.Rows = []int{p.Row}
			d.Intent.Anchor = &a
		}
		return p.Row, nil
	}
	return DriveMethod{Name: name, First: first, Next: next}
}

// engineRequest is a refill request for the drive so far.
func engineRequest(c *catalog.Catalog, d *DriveState, n int) recommend.Request {
	req := recommend.Request{N: n, Explicit: !d.Kids, RandSeed: d.RandSeed + uint64(len(d.Rows)),
		Anchor: d.Intent.Anchor, Now: d.Now}
	from := max(len(d.Rows)-sessionWindow, 0)
	for i, r := range d.Rows {
		id := c.ID(r)
		req.Heard = append(req.Heard, id)
		if i < from {
			continue
		}
		p := recommend.Played{Row: r, Outcome: music.OutcomeCompleted}
		if d.Skipped[i] {
			p.Outcome = music.OutcomeSkipped
		}
		req.Session = append(req.Session, p)
		req.Exclude = append(req.Exclude, id)
	}
	return req
}
