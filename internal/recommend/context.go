package recommend

import (
	"cmp"
	"math"
	"runtime"
	"slices"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// Context weights: how strongly each kind of evidence pulls (positive) or
// pushes (negative) the genre context and the mood target. Explicit seeds
// are the driver's stated intent and dominate; the session decays per step
// so the most recent track counts most; long-term taste is a weak prior.
const (
	seedWeight     = 2.0
	sessionDecay   = 0.75 // weight multiplier per step back in the session
	completeWeight = 1.0
	stoppedWeight  = 0.5
	likeWeight     = 1.6
	skipWeight     = -0.6
	dislikeWeight  = -1.5
	tasteTotal     = 0.4 // total pull of the long-term taste, split by its weights
	maxSession     = 200 // only this many most recent session tracks shape the context

	skipArtistPenalty    = 0.5 // × Weights.SkippedArtist, per skip (capped at 3)
	dislikeArtistPenalty = 2.0 // × Weights.SkippedArtist

	// Diversity across the drive (see mmr): at most maxPerArtist tracks by
	// one artist in any artistWindow consecutive tracks; no work repeated
	// within the recentTracks most recent distinct tracks, the seeds and up
	// to queuedTracks tracks queued ahead.
	artistWindow = 10
	maxPerArtist = 2
	recentTracks = 20
	queuedTracks = 10
	// Over a whole drive: at most maxPerDrive tracks by one artist in any
	// driveWindow consecutive tracks (the anchor's own artist excepted: an
	// artist request means more of the artist, spaced by the rule above).
	driveWindow = 60
	maxPerDrive = 4
)

// why says where the reason's anchor came from.
type why int

const (
	whyNone why = iota
	whySeed
	whySession
	whyTaste
	whyCold
	whyAnchor
)

// reqContext is what a request means in the catalog's spaces.
type reqContext struct {
	anchor      int // row named in reasons, -1 none
	anchorWhy   why
	last        int     // row the next track follows (transitions), -1 none
	tagEvidence bool    // positive evidence from tracks not in the catalog (genre tags)
	moodW       float32 // effective mood weight
	genreW      float32 // effective genre weight
	lambda      float32 // MMR trade-off
	tn2         float32 // Σ w_d t_d², the weighted squared norm of the mood target
	posW        float32 // total positive evidence of catalog tracks
	negW        float32 // total negative evidence
	famW        float32 // positive evidence of other tracks with a known family
	label       string  // the anchor as reasons name it, when it is not a row ("jazz")
	liked       int     // the drive's latest liked row that is not the request, -1 none
}

type cand struct {
	row   int32
	score float32
}

type tasteEntry struct {
	row int32
	w   float32
}

// scratchPool keeps per-request scratch between requests, up to one per
// CPU. Unlike a sync.Pool it is not emptied by a garbage collection: a
// scratch of the full catalog is ~1.6 MB (per-row scores), the daemon's
// heap is small (the catalog is mapped, not on it), so a collection runs
// every few dozen requests and would drop a pooled scratch each time; with
// the low GC target of the time (gc_percent 10) a sync.Pool handed out a
// fresh scratch nearly every time, whose allocation started the next
// collection (Recommend over D-Bus, full catalog, 1,000 calls under perf:
// 7.2 ms CPU per call with a sync.Pool, 4.9 with this).
type scratchPool struct {
	free  chan *scratch
	fresh func() *scratch
}

func newScratchPool(fresh func() *scratch) scratchPool {
	return scratchPool{free: make(chan *scratch, runtime.GOMAXPROCS(0)), fresh: fresh}
}

// get returns a kept scratch, or a new one when none is free.
func (p *scratchPool) get() *scratch {
	select {
	case s := <-p.free:
		return s
	default:
		return p.fresh()
	}
}

// put keeps s for a later request, or drops it when enough are kept.
func (p *scratchPool) put(s *scratch) {
	select {
	case p.free <- s:
	default:
	}
}

// scratch is the per-request working memory, reused through the pool.
type scratch struct {
	g         []float32                 // per-row genre cosine
	gu        []float32                 // per distinct genre row: its cosine (genreRows)
	gq, tmp   []float32                 // genre context, temporary vector
	mt        [catalog.MoodDims]float32 // mood target
	mq        [catalog.MoodDims]float32 // mood query: target scaled by the dimension weights
	neg       [catalog.MoodDims]float32
	fam       []float32 // per genre family: share of positive evidence, then its bonus
	heap      []cand
	redund    []float32
	taken     []bool
	workHit   []bool // per shortlist row: its work is in recent or the picks
	driveN    []int  // per shortlist row: its artist's tracks in the drive window, queue and picks
	recent    []int  // distinct rows just heard or queued, oldest first (session tail, seeds, queue)
	nSession  int    // how many rows of recent come from the session
	pieces    map[uint64]struct{}
	picks     []int     // rows picked so far, in order
	scores    []float32 // their shortlist scores
	taste     []tasteEntry
	banned    bannedSet
	artistPen map[int32]float32
	liked     map[int32]struct{}

	aq          []float32 // the anchor's genre vector (normalised), when hasAQ
	hasAQ       bool
	am          [catalog.MoodDims]float32 // the anchor rows' mean mood, when hasAM
	hasAM       bool
	titles      map[uint64]struct{} // songs heard this drive, queued or seeded (songKey)
	artistN     map[int32]int       // tracks per artist in the drive's last driveWindow-1 tracks and the queue
	anchorWorks []int               // rows whose works the continuation must not repeat (the asked track)
	driveRows   []int               // every catalog row heard this drive (Heard), for same-song checks
	anchorArt   int32               // the artist of an artist anchor, else -1
	region      uint8               // the anchor's region, 0 = any
	regionPen   [256]float32        // per region key: the penalty in the full pass
	holidayOK   bool                // holiday music may play (in season or asked for)
	energyCut   float32             // mood steering: z energy on the calm/lively boundary
	ix          indexScratch        // the IVF search's buffers (search.go)

	// The pass by groups (shortlistGroups): per distinct genre row its
	// bound, the distinct rows scored first, and a flag per distinct row for
	// them, cleared as the pass goes.
	bound       []float32
	firstGroups embed.TopK
	first       []embed.Hit
	seen        []bool
}

// bannedSet is the set of rows a request must not pick: a flag per row
// (one index, no hashing, in the full pass) and the list of rows set, so
// reset costs what was banned, not the catalog.
type bannedSet struct {
	is   []bool
	list []int32
}

func (b *bannedSet) add(r int) {
	if !b.is[r] {
		b.is[r] = true
		b.list = append(b.list, int32(r))
	}
}

func (b *bannedSet) has(r int) bool { return b.is[r] }

func (b *bannedSet) reset() {
	for _, r := range b.list {
		b.is[r] = false
	}
	b.list = b.list[:0]
}

func newScratch(n, distinct, gdim, k, families int) *scratch {
	return &scratch{
		fam: make([]float32, families),
		g:   make([]float32, n), gu: make([]float32, distinct), seen: make([]bool, distinct), bound: make([]float32, distinct),
		gq: make([]float32, gdim), tmp: make([]float32, gdim),
		heap:      make([]cand, 0, k),
		redund:    make([]float32, 0, k),
		taken:     make([]bool, 0, k),
		workHit:   make([]bool, 0, k),
		driveN:    make([]int, 0, k),
		recent:    make([]int, 0, recentTracks+queuedTracks+4),
		pieces:    make(map[uint64]struct{}),
		picks:     make([]int, 0, MaxN),
		scores:    make([]float32, 0, MaxN),
		banned:    bannedSet{is: make([]bool, n)},
		artistPen: make(map[int32]float32),
		liked:     make(map[int32]struct{}),
		aq:        make([]float32, gdim),
		titles:    make(map[uint64]struct{}),
		artistN:   make(map[int32]int),
	}
}

func (s *scratch) reset() {
	clear(s.gq)
	clear(s.fam)
	s.mt = [catalog.MoodDims]float32{}
	s.neg = [catalog.MoodDims]float32{}
	s.heap = s.heap[:0]
	s.picks = s.picks[:0]
	s.scores = s.scores[:0]
	s.taste = s.taste[:0]
	s.recent = s.recent[:0]
	clear(s.pieces)
	s.banned.reset()
	clear(s.artistPen)
	clear(s.liked)
	clear(s.aq)
	clear(s.titles)
	clear(s.artistN)
	s.hasAM = false
	s.hasAQ, s.anchorWorks, s.driveRows, s.anchorArt, s.region, s.holidayOK = false, s.anchorWorks[:0], s.driveRows[:0], -1, 0, false
}

// buildContext turns the request's evidence into the genre context (s.gq,
// L2-normalised), the mood target (s.mt), banned rows, artist penalties and
// liked artists. It reports whether any positive evidence exists; when none
// does the caller starts cold.
func (e *Engine) buildContext(req *Request, s *scratch) (reqContext, bool) {
	c := e.cat
	cx := reqContext{anchor: -1, last: -1, liked: -1}
	var posW, negW float32
	var famW float32        // positive evidence of tracks not in the catalog, by family
	var ev untaggedEvidence // how much of the positive evidence is untagged
	anchorW := float32(0)

	addRow := func(row int, w float32) {
		g := e.genreRow(row)
		for j := range s.gq {
			s.gq[j] += w * g[j]
		}
		m := c.Mood.Row(row)
		if w > 0 {
			posW += w
			ev.add(w, e.untagged[row])
			s.fam[c.Family[row]] += w
			for j := range s.mt {
				s.mt[j] += w * m[j]
			}
		} else {
			negW -= w
			for j := range s.neg {
				s.neg[j] -= w * m[j]
			}
		}
	}

	for _, r := range req.Seeds {
		addRow(r, seedWeight)
		s.banned.add(r)
		s.anchorWorks = append(s.anchorWorks, r)
		if cx.anchor < 0 {
			cx.anchor, cx.anchorWhy, anchorW = r, whySeed, seedWeight
		}
	}
	anchorRows := e.prepareAnchor(req, s, &cx)
	if cx.anchorWhy == whyAnchor || cx.label != "" {
		anchorW = float32(math.Inf(1)) // the request names the reasons
	}

	sess := req.Session
	for _, p := range sess { // every played track and song is banned, however old
		if p.Row >= 0 {
			e.ban(s, p.Row)
		}
	}
	e.banHeard(req, s)
	e.collectRecent(req, s)
	if len(sess) > maxSession {
		sess = sess[len(sess)-maxSession:]
	}
	decay := float32(1)
	for i := len(sess) - 1; i >= 0; i-- {
		p := sess[i]
		w := float32(completeWeight)
		switch {
		case p.Feedback == music.Like:
			w = likeWeight
		case p.Feedback == music.Dislike:
			w = dislikeWeight
		case p.Feedback == music.Skip || p.Outcome == music.OutcomeSkipped:
			w = skipWeight
		case p.Outcome == music.OutcomeStopped:
			w = stoppedWeight
		}
		w *= decay
		decay *= sessionDecay
		if p.Row < 0 {
			if len(p.Genres) > 0 {
				if c.Tags.Embed(p.Genres, s.tmp) { // nil-safe; false when nothing maps
					for j := range s.gq {
						s.gq[j] += w * s.tmp[j]
					}
					if w > 0 {
						cx.tagEvidence = true
						ev.add(w, false) // genre tags: tagged evidence
						if f := c.FamilyOf(p.Genres); f >= 0 && f < len(s.fam) {
							s.fam[f] += w
							famW += w
						}
					}
				}
			}
			continue
		}
		addRow(p.Row, w)
		a := c.Artist[p.Row]
		switch {
		case p.Feedback == music.Like && !slices.Contains(anchorRows, p.Row):
			// A like on the asked track is the request itself (the drive
			// records it so), not the driver's verdict.
			s.liked[a] = struct{}{}
			if cx.liked < 0 { // the session runs newest first
				cx.liked = p.Row
			}
		case p.Feedback == music.Dislike:
			s.artistPen[a] += dislikeArtistPenalty * e.w.SkippedArtist
		case w < 0:
			s.artistPen[a] = min(s.artistPen[a]+skipArtistPenalty*e.w.SkippedArtist, 3*skipArtistPenalty*e.w.SkippedArtist)
		}
		if w > 0 && cx.last < 0 {
			cx.last = p.Row
		}
		if w > anchorW {
			cx.anchor, cx.anchorWhy, anchorW = p.Row, whySession, w
		}
	}
	if cx.last < 0 && len(req.Seeds) > 0 {
		cx.last = req.Seeds[len(req.Seeds)-1]
	}

	if t := req.Taste; t != nil {
		for id, w := range t.Tracks {
			row, ok := e.lookup(id)
			if !ok || w == 0 || math.IsNaN(w) || math.IsInf(w, 0) {
				continue
			}
			s.taste = append(s.taste, tasteEntry{int32(row), float32(w)})
		}
		// Map order is random; sum in row order so results are reproducible.
		slices.SortFunc(s.taste, func(a, b tasteEntry) int { return cmp.Compare(a.row, b.row) })
		var sum, best float32
		for _, te := range s.taste {
			sum += max(te.w, -te.w)
		}
		for _, te := range s.taste {
			w := tasteTotal * te.w / sum
			addRow(int(te.row), w)
			if te.w > best && (cx.anchor < 0 || cx.anchorWhy == whyTaste) {
				cx.anchor, cx.anchorWhy, best = int(te.row), whyTaste, te.w // the favourite names the reasons
			}
		}
		for name, w := range t.SkippedArtists {
			if a, ok := e.artists.find(catalog.NormalizeName(name), e.cat.Artists); ok && w > 0 && !math.IsInf(w, 0) {
				s.artistPen[a] = max(s.artistPen[a], min(float32(w), 3)*skipArtistPenalty*e.w.SkippedArtist)
			}
		}
	}
	for _, id := range req.Exclude {
		if r, ok := e.lookup(id); ok {
			s.banned.add(r)
		}
	}

	cx.posW, cx.famW = posW, famW
	e.applyAnchor(req, s, &cx, addRow)
	s.regionPenalties(e.untaggedRefund(req, anchorRows, ev))
	famW = cx.famW
	cx.posW, cx.negW, cx.famW = posW, negW, famW
	if posW == 0 && !cx.tagEvidence {
		return cx, false
	}
	e.finishContext(req, s, &cx)
	return cx, true
}

// untaggedEvidence is the positive evidence of a request, total and the
// part of it by artists without genre tags.
type untaggedEvidence struct{ untagged, total float32 }

func (v *untaggedEvidence) add(w float32, untagged bool) {
	v.total += w
	if untagged {
		v.untagged += w
	}
}

// untaggedRefund is how much of the untagged penalty a request gives back
// to untagged rows: the penalty times the untagged share of what the
// request is about. That is the rows the driver asked for (the anchor's
// track, artist or album rows, else the seeds) when there are any; else
// (a playlist or "continue" with no anchor rows) its whole positive
// evidence (session, taste). So a session of untagged music is continued
// by its own kind (on the embedded playlists a third of the true
// continuations are untagged), while an asked-for tagged track or artist
// keeps the whole penalty however many untagged tracks the drive has
// picked since: those picks would otherwise raise the share and feed the
// drift the penalty is there to stop. A genre or mood request (or mood
// steering) keeps the whole penalty: what the driver named ("some jazz",
// "something calm") is best served by tracks whose tags say so. A mood
// anchor pays it twice (a negative refund, moodUntaggedSurcharge).
func (e *Engine) untaggedRefund(req *Request, asked []int, ev untaggedEvidence) float32 {
	if a := req.Anchor; a != nil && a.Kind == AnchorMood {
		return -moodUntaggedSurcharge
	}
	if req.Mood != MoodAny {
		return 0
	}
	if a := req.Anchor; a != nil && (a.Kind == AnchorGenre || a.Kind == AnchorMood) {
		return 0
	}
	if len(asked) > 0 {
		var n int
		for _, r := range asked {
			if e.untagged[r] {
				n++
			}
		}
		return untaggedPenalty * float32(n) / float32(len(asked))
	}
	if ev.total <= 0 {
		return 0
	}
	return untaggedPenalty * ev.untagged / ev.total
}

// finishContext normalises the genre context, averages the mood target,
// pushes it away from skipped tracks and applies the mood steering.
func (e *Engine) finishContext(req *Request, s *scratch, cx *reqContext) {
	posW, negW := cx.posW, cx.negW
	normalize(s.gq)
	if posW > 0 {
		for j := range s.mt {
			s.mt[j] /= posW
		}
		if s.hasAM {
			for j := range s.mt {
				s.mt[j] = anchorMoodShare*s.am[j] + (1-anchorMoodShare)*s.mt[j]
			}
		}
		if negW > 0 {
			// Move the target away from the skipped tracks' mean, by at most half
			// a standard deviation per dimension.
			f := min(negW/posW, 1) * 0.5
			for j := range s.mt {
				d := s.mt[j] - s.neg[j]/negW
				s.mt[j] += f * clamp(d, -1, 1)
			}
		}
	}
	if sd := e.cat.MoodStd[catalog.MoodEnergy]; sd > 0 {
		s.energyCut = (moodEnergyBoundary - e.cat.MoodMean[catalog.MoodEnergy]) / sd
	}
	cx.genreW = e.w.Genre * float32(1-0.5*req.Explore)
	cx.moodW = e.w.Mood
	switch req.Mood {
	case MoodCalm:
		s.mt[catalog.MoodEnergy] -= 1.0
		s.mt[catalog.MoodLoudness] -= 0.7
		s.mt[catalog.MoodTempo] -= 0.5
		s.mt[catalog.MoodAcousticness] += 0.5
		cx.moodW *= 2.5
	case MoodLively:
		s.mt[catalog.MoodEnergy] += 1.0
		s.mt[catalog.MoodLoudness] += 0.7
		s.mt[catalog.MoodTempo] += 0.5
		s.mt[catalog.MoodDanceability] += 0.6
		cx.moodW *= 2.5
	case MoodSteady:
		cx.moodW *= 3 // a tighter kernel around the context's own mood
	}
	cx.lambda = float32(0.75 - 0.45*req.Explore)
	e.setMoodQuery(s, cx)
	// Family agreement: a bonus for each family by its share of the positive
	// evidence, so a Swan Lake seed keeps to classical even where the genre
	// space puts film scores or ambient piano close by.
	if total := cx.posW + cx.famW; total > 0 {
		b := e.w.Family * float32(1-0.5*req.Explore) / total
		for f := range s.fam {
			s.fam[f] *= b
		}
	}
	e.applySteer(req, s, cx)
}

// setMoodQuery derives the mood query (the target scaled by the dimension
// weights) and its weighted squared norm from the mood target.
func (e *Engine) setMoodQuery(s *scratch, cx *reqContext) {
	var t2 float32
	for j, v := range s.mt {
		s.mq[j] = e.moodW[j] * v
		t2 += e.moodW[j] * v * v
	}
	cx.tn2 = t2
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// prepareAnchor sets what the anchor decides beyond the context: the row
// that names reasons, the works the continuation must not repeat, the
// artist exempt from the drive cap, the region, whether holiday music may
// play. It returns the anchor's rows.
func (e *Engine) prepareAnchor(req *Request, s *scratch, cx *reqContext) []int {
	rows := e.anchorRows(req)
	s.holidayOK = e.inSeason(req) || e.holidayAsked(req)
	s.region = e.anchorRegion(rows) // its table is filled once the evidence is in (buildContext)
	a := req.Anchor
	if a == nil {
		return rows
	}
	if len(a.Rows) > 0 {
		cx.anchor, cx.anchorWhy = a.Rows[0], whyAnchor
	}
	if a.Kind != AnchorContinue {
		cx.label = a.Label
	}
	switch a.Kind {
	case AnchorTrack:
		s.anchorWorks = append(s.anchorWorks, a.Rows...)
		for _, r := range a.Rows {
			e.ban(s, r)
		}
	case AnchorArtist:
		s.anchorArt = a.Artist
	}
	return rows
}

// ban bans a row, every other recording of its piece by its artist and
// every version of its song.
func (e *Engine) ban(s *scratch, r int) {
	s.banned.add(r)
	s.pieces[e.piece[r]] = struct{}{}
	s.titles[e.title[r]] = struct{}{}
}

// banHeard bans every track heard this drive and counts the artists of the
// last driveWindow-1 of them for the drive cap.
func (e *Engine) banHeard(req *Request, s *scratch) {
	for i, id := range req.Heard {
		r, ok := e.lookup(id)
		if !ok {
			continue
		}
		e.ban(s, r)
		s.driveRows = append(s.driveRows, r)
		if i >= len(req.Heard)-(driveWindow-1) {
			s.artistN[e.cat.Artist[r]]++
		}
	}
}

// inSeason reports whether holiday music may play by the request's clock.
func (e *Engine) inSeason(req *Request) bool {
	return !req.Now.IsZero() && e.season.Contains(req.Now)
}

func clamp(v, lo, hi float32) float32 { return max(lo, min(hi, v)) }

// collectRecent fills s.recent, the tracks the diversity rules look back on,
// oldest first: the last recentTracks distinct catalog rows of the session,
// the seeds, and the last queuedTracks excluded rows that are not in the
// session (what the caller has queued ahead). Seeds and queued rows also ban
// their pieces. It runs after the session rows and seeds are banned and
// before Exclude is.
func (e *Engine) collectRecent(req *Request, s *scratch) {
	for i := len(req.Session) - 1; i >= 0 && len(s.recent) < recentTracks; i-- {
		if r := req.Session[i].Row; r >= 0 && !slices.Contains(s.recent, r) {
			s.recent = append(s.recent, r)
		}
	}
	slices.Reverse(s.recent)
	s.nSession = len(s.recent)
	for _, r := range req.Seeds {
		e.ban(s, r)
		if !slices.Contains(s.recent, r) {
			s.recent = append(s.recent, r)
		}
	}
	start := len(s.recent)
	for i := len(req.Exclude) - 1; i >= 0 && len(s.recent)-start < queuedTracks; i-- {
		r, ok := e.lookup(req.Exclude[i])
		if !ok {
			continue
		}
		if inSession := s.banned.has(r); inSession || slices.Contains(s.recent[start:], r) {
			continue
		}
		s.recent = append(s.recent, r)
		s.pieces[e.piece[r]] = struct{}{}
		s.titles[e.title[r]] = struct{}{}
		s.artistN[e.cat.Artist[r]]++ // the queue counts for the drive cap too
	}
	slices.Reverse(s.recent[start:])
	if len(req.Heard) == 0 { // no drive record: the session stands for it
		for i, p := range req.Session {
			if p.Row >= 0 && i >= len(req.Session)-(driveWindow-1) {
				s.artistN[e.cat.Artist[p.Row]]++
			}
		}
	}
}
