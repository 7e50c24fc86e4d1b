package recommend

import (
	"fmt"
	"math"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// Trip is what the drive itself asks of the next tracks: the time left to
// the destination, and how far the mood may step from one track to the
// next. The zero value is no constraint: exactly the ranking without it.
type Trip struct {
	// MinutesLeft is the time to the destination from when the first pick
	// will start (the daemon subtracts what still plays and is queued);
	// <= 0 is unknown.
	MinutesLeft float64
	// MaxEnergyStep bounds |Δenergy| (0..1) between consecutive tracks, and
	// the tempo change in proportion (tempoPerEnergy); 0 is unbounded.
	MaxEnergyStep float64
	// Why names the cause of the bound for the reason text: "the traffic
	// jam", "you seem tired".
	Why string
	// AfterID is the track the first pick will follow when it is not the
	// session's last one (the last track queued ahead); "" for the session's.
	AfterID music.TrackID
}

// IsZero reports whether the trip constrains nothing.
func (t Trip) IsZero() bool { return t.MinutesLeft <= 0 && t.MaxEnergyStep <= 0 }

const (
	// ArrivalSlack is how long after the arrival a track may still end and
	// count as finished: parking, the engine off. The emulator's cut-off
	// measure uses the same margin.
	ArrivalSlack = 30 * time.Second
	// endgame is when the planner starts to line the last track up with the
	// arrival: two or three tracks out.
	endgame = 15 * time.Minute
	// tripPool is how many of the engine's picks the trip chooses among
	// (all of them fit the drive; the trip only reorders and filters).
	tripPool = 30
	// tempoPerEnergy scales the energy bound to a bound on log(BPM): a
	// step of 0.15 in energy allows about a 25 % change of tempo.
	tempoPerEnergy = 1.5
	// unknownLength stands in for a track whose length the catalog lacks.
	unknownLength = 4 * time.Minute
)

func (t Trip) check() error {
	if math.IsNaN(t.MinutesLeft) || math.IsInf(t.MinutesLeft, 0) || math.IsNaN(t.MaxEnergyStep) || t.MaxEnergyStep < 0 || t.MaxEnergyStep > 1 {
		return music.Errorf(music.KindInvalid, "trip: minutes left must be finite and the energy step 0..1, got %v and %v", t.MinutesLeft, t.MaxEnergyStep)
	}
	return nil
}

// recommendTrip ranks as Recommend does without the trip, over a larger
// list, then fills req.N slots in order from it: each slot takes the best
// ranked candidate that steps gently enough from the track before it and
// fits before the arrival (lining the last one up with it).
func (e *Engine) recommendTrip(req Request) ([]Pick, error) {
	if err := req.Trip.check(); err != nil {
		return nil, err
	}
	if req.N < 1 || req.N > MaxN {
		return nil, music.Errorf(music.KindInvalid, "count must be 1..%d, got %d", MaxN, req.N)
	}
	inner := req
	inner.Trip = Trip{}
	inner.N = min(MaxN, max(tripPool, 3*req.N))
	cands, err := e.Recommend(inner)
	if err != nil {
		return nil, err
	}
	p := tripPlan{e: e, trip: req.Trip, prev: e.tripPrev(&req), cands: cands,
		budget: time.Duration(req.Trip.MinutesLeft * float64(time.Minute))}
	picks := make([]Pick, 0, req.N)
	for len(picks) < req.N && len(p.cands) > 0 {
		picks = append(picks, p.next())
	}
	inPrintedOrder(picks)
	return picks, nil
}

// tripPrev is the row the first pick follows, -1 when unknown.
func (e *Engine) tripPrev(req *Request) int {
	if req.Trip.AfterID != "" {
		if r, ok := e.lookup(req.Trip.AfterID); ok {
			return r
		}
	}
	for i := len(req.Session) - 1; i >= 0; i-- {
		if req.Session[i].Row >= 0 {
			return req.Session[i].Row
		}
	}
	if len(req.Seeds) > 0 {
		return req.Seeds[len(req.Seeds)-1]
	}
	return -1
}

// tripPlan fills the slots of one list.
type tripPlan struct {
	e      *Engine
	trip   Trip
	prev   int           // the row before the slot being filled, -1 unknown
	cands  []Pick        // remaining candidates, best ranked first
	budget time.Duration // time to the arrival from the start of the slot; used only when trip.MinutesLeft > 0
}

// next fills one slot and removes its pick from the candidates.
func (p *tripPlan) next() Pick {
	gentle := p.gentle()
	i, why := p.choose(gentle)
	pick := p.cands[i]
	if why == "" && p.trip.MaxEnergyStep > 0 && gentle[0] != 0 {
		why = p.calmerWhy(pick.Row, p.cands[0].Row)
	}
	if why != "" {
		pick.Reason = why + "; " + pick.Reason
	}
	p.cands = append(p.cands[:i:i], p.cands[i+1:]...)
	p.budget -= p.e.length(pick.Row)
	p.prev = pick.Row
	return pick
}

// gentle lists the candidates (by index) within the step bound of prev,
// best ranked first; with no bound, or none within it, every candidate in
// rank order, the nearest steps first when bounded.
func (p *tripPlan) gentle() []int {
	all := make([]int, len(p.cands))
	for i := range all {
		all[i] = i
	}
	if p.trip.MaxEnergyStep <= 0 || p.prev < 0 {
		return all
	}
	var ok []int
	for _, i := range all {
		if p.step(p.cands[i].Row) <= 1 {
			ok = append(ok, i)
		}
	}
	if len(ok) > 0 {
		return ok
	}
	// Nothing within the bound: the smallest step there is.
	best := 0
	for _, i := range all {
		if p.step(p.cands[i].Row) < p.step(p.cands[best].Row) {
			best = i
		}
	}
	return []int{best}
}

// step is the larger of the energy and tempo changes from prev to row, as a
// share of their bounds (<= 1 is within the bound). Unknown features do
// not count.
func (p *tripPlan) step(row int) float64 {
	c := p.e.cat
	de := math.Abs(RawMood(c, row, catalog.MoodEnergy) - RawMood(c, p.prev, catalog.MoodEnergy))
	dt := math.Abs(RawMood(c, row, catalog.MoodTempo) - RawMood(c, p.prev, catalog.MoodTempo))
	s := 0.0
	if !math.IsNaN(de) {
		s = de / p.trip.MaxEnergyStep
	}
	if !math.IsNaN(dt) {
		s = max(s, dt/(tempoPerEnergy*p.trip.MaxEnergyStep))
	}
	return s
}

// choose picks among the gentle candidates by the time to the arrival and
// says why when the time changed the choice ("" otherwise).
func (p *tripPlan) choose(gentle []int) (int, string) {
	if p.trip.MinutesLeft <= 0 || p.budget <= 0 {
		return gentle[0], ""
	}
	fits := func(i int) bool { return p.e.length(p.cands[i].Row) <= p.budget+ArrivalSlack }
	closes := func(d time.Duration) bool { return d >= p.budget && d <= p.budget+ArrivalSlack }
	if p.budget <= endgame {
		// The last tracks: one that ends as the car arrives; else one after
		// which another of the candidates would.
		for _, i := range gentle {
			if closes(p.e.length(p.cands[i].Row)) {
				return i, p.arriveWhy(i, gentle[0], "ends as you arrive in %s")
			}
		}
		for _, i := range gentle {
			if fits(i) && p.pairCloses(i, closes) {
				return i, p.arriveWhy(i, gentle[0], shorterWhy)
			}
		}
	}
	for _, i := range gentle {
		if fits(i) {
			return i, p.arriveWhy(i, gentle[0], shorterWhy)
		}
	}
	// Nothing finishes in time: the shortest, so the least is cut.
	best := gentle[0]
	for _, i := range gentle {
		if p.e.length(p.cands[i].Row) < p.e.length(p.cands[best].Row) {
			best = i
		}
	}
	return best, p.arriveWhy(best, gentle[0], shorterWhy)
}

// shorterWhy says why a shorter track than the best ranked one plays.
const shorterWhy = "shorter, you arrive in %s"

// pairCloses reports whether after candidate i another candidate would end
// as the car arrives.
func (p *tripPlan) pairCloses(i int, closes func(time.Duration) bool) bool {
	di := p.e.length(p.cands[i].Row)
	for j := range p.cands {
		if j != i && closes(di+p.e.length(p.cands[j].Row)) {
			return true
		}
	}
	return false
}

// arriveWhy is the reason prefix for a pick chosen for the arrival (format
// takes the time to it), "" when it is the one the ranking put first anyway.
func (p *tripPlan) arriveWhy(i, first int, format string) string {
	if i == first {
		return ""
	}
	return fmt.Sprintf(format, minutesText(p.budget))
}

// calmerWhy is the reason prefix for a pick the step bound chose over the
// best ranked one.
func (p *tripPlan) calmerWhy(row, top int) string {
	why := p.trip.Why
	if why == "" {
		why = "the drive"
	}
	c := p.e.cat
	if RawMood(c, row, catalog.MoodEnergy) < RawMood(c, top, catalog.MoodEnergy) {
		return "calmer for " + why
	}
	return "a gentle step for " + why
}

func minutesText(d time.Duration) string {
	m := int(math.Round(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// length is a row's duration, unknownLength when the catalog lacks it.
func (e *Engine) length(row int) time.Duration {
	if ms := e.cat.DurationMS(row); ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return unknownLength
}
