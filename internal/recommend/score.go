package recommend

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/continuo/continuo/internal/catalog"
)

// Recommend returns up to req.N picks, best first. It returns fewer only
// when the catalog has fewer allowed tracks. Errors: KindInvalid for a bad
// count or mood, KindNotFound for seed or session rows outside the catalog,
// KindUnavailable for an empty catalog.
func (e *Engine) Recommend(req Request) ([]Pick, error) {
	if !req.Trip.IsZero() {
		return e.recommendTrip(req)
	}
	if err := e.validate(&req); err != nil {
		return nil, err
	}
	s := e.pool.get()
	defer e.pool.put(s)
	s.reset()

	cx, picks, ok := e.begin(&req, s)
	if !ok {
		return picks, nil
	}
	if len(picks) < req.N {
		if err := e.rank(&req, s, &cx, req.N-len(picks)); err != nil {
			return nil, err
		}
		for i := len(picks); i < len(s.picks); i++ {
			r := s.picks[i]
			picks = append(picks, Pick{Row: r, Score: float64(s.scores[i]), Reason: e.reason(r, &req, &cx, s)})
		}
	}
	inPrintedOrder(picks)
	if err := e.steerReasons(req, picks); err != nil {
		return nil, err
	}
	return picks, nil
}

// begin builds the request's context in s. Without positive evidence (a
// cold start) it begins with a popular anchor that fits the mood, the
// first pick, and continues from it, so the list is coherent; false when
// no row can begin.
func (e *Engine) begin(req *Request, s *scratch) (reqContext, []Pick, bool) {
	picks := make([]Pick, 0, req.N)
	cx, ok := e.buildContext(req, s)
	if ok {
		return cx, picks, true
	}
	a := e.coldStart(req, s)
	if a < 0 {
		return cx, picks, false
	}
	e.addAnchor(s, &cx, a)
	e.finishContext(req, s, &cx)
	picks = append(picks, Pick{Row: a, Score: 1, Reason: e.reason(a, req, &cx, s)})
	s.picks = append(s.picks, a)
	s.scores = append(s.scores, 1)
	return cx, picks, true
}

// inPrintedOrder makes the scores non-increasing down the list: MMR may put
// a less relevant but less redundant row first, and a list whose scores go
// 1.000, 1.208, 1.194 reads as a bug. A row scores at least as high as any
// row after it.
func inPrintedOrder(picks []Pick) {
	for i := len(picks) - 2; i >= 0; i-- {
		picks[i].Score = max(picks[i].Score, picks[i+1].Score)
	}
}

// coldStart returns the cold-start anchor for the request's mood, or the
// most popular allowed row of its family when that one is banned.
func (e *Engine) coldStart(req *Request, s *scratch) int {
	a := e.coldAnchors[moodIndex(req.Mood)]
	if e.allowed(req, s, a) {
		return a
	}
	best, pop := -1, float32(-1)
	fam := e.cat.Family[a]
	for pass := 0; pass < 2 && best < 0; pass++ {
		for i := range e.n {
			if (pass == 1 || e.cat.Family[i] == fam) && e.prior[i] > pop && e.allowed(req, s, i) {
				best, pop = i, e.prior[i]
			}
		}
	}
	return best
}

func (e *Engine) allowed(req *Request, s *scratch, row int) bool {
	if e.explicit[row] && !req.Explicit {
		return false
	}
	if s.banned.has(row) {
		return false
	}
	if _, p := s.pieces[e.piece[row]]; p {
		return false
	}
	return e.artistPenalty(s, row) < 0.5*dislikeArtistPenalty*e.w.SkippedArtist
}

func (e *Engine) artistPenalty(s *scratch, row int) float32 {
	if len(s.artistPen) == 0 {
		return 0
	}
	return s.artistPen[e.cat.Artist[row]]
}

// addAnchor makes row the context's only positive evidence.
func (e *Engine) addAnchor(s *scratch, cx *reqContext, row int) {
	g := e.genreRow(row)
	for j := range s.gq {
		s.gq[j] += g[j]
	}
	copy(s.mt[:], e.cat.Mood.Row(row))
	s.fam[e.cat.Family[row]] += 1
	cx.posW = 1
	cx.anchor, cx.anchorWhy, cx.last = row, whyCold, row
	s.banned.add(row)
}

// rank shortlists the best e.k rows (search.go: every row, or the IVF's
// candidates in a large catalog), adds transition smoothness and re-ranks
// with MMR, appending need rows to s.picks.
func (e *Engine) rank(req *Request, s *scratch, cx *reqContext, need int) error {
	if err := e.shortlist(req, s, cx); err != nil {
		return err
	}
	h := s.heap

	// Shortlist: best first, ties by row so the order is reproducible.
	slices.SortFunc(h, func(a, b cand) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.row, b.row)
	})
	if cx.last >= 0 && e.w.Transition > 0 {
		for i := range h {
			h[i].score += e.w.Transition * e.transition(cx.last, int(h[i].row))
		}
	}
	if s.hasAQ {
		// The anchor's own pull on the shortlist: the context moves with the
		// session, the anchor does not.
		w := anchorCosWeight * float32(1-0.5*req.Explore)
		for i := range h {
			h[i].score += w * e.anchorCos(s, int(h[i].row), req.Explore)
		}
	}
	if req.Explore > 0 {
		rng := rand.New(rand.NewPCG(req.RandSeed, 0x636f6e74696e756f))
		for i := range h {
			h[i].score += float32(req.Explore) * 0.15 * rng.Float32()
		}
	}
	e.mmr(req, s, cx, need)
	return nil
}

// mmr re-ranks the shortlist by Maximal Marginal Relevance (Carbonell &
// Goldstein, "The use of MMR, diversity-based reranking for reordering
// documents and producing summaries", SIGIR 1998): repeatedly take
//
//	argmax_i  λ·rel(i) − (1−λ)·max_{j picked} red(i, j)
//
// where rel is the shortlist score scaled to 0..1 and red is the redundancy
// of two tracks (same album or same work: 1, same artist: 0.5). The tracks
// just heard or queued (s.recent: the session's tail, the seeds, the queue)
// count as picked at half weight, so a Swan Lake seed does not bring back
// nine more Swan Lake numbers.
//
// Two rules hold across the drive, not only within the list, because the
// daemon asks for one to three tracks at a time: no work already in s.recent
// or the list (by the same primary artist: another recording of the piece
// just played, another number of the same ballet), and at most two tracks by
// one artist in any ten consecutive tracks of s.recent and the list. They
// give way only when the shortlist has nothing else (see passes below).
func (e *Engine) mmr(req *Request, s *scratch, cx *reqContext, need int) {
	h := s.heap
	if len(h) == 0 {
		return
	}
	hi, lo := h[0].score, h[0].score
	for _, c := range h {
		hi, lo = max(hi, c.score), min(lo, c.score)
	}
	span := hi - lo
	if span <= 0 {
		span = 1
	}
	s.redund = s.redund[:len(h)]
	s.taken = s.taken[:len(h)]
	s.workHit = s.workHit[:len(h)]
	clear(s.redund)
	clear(s.taken)
	clear(s.workHit)
	// seen marks the shortlist rows that repeat r's work and raises their
	// redundancy by weight × redundancy(row, r); for older session tracks
	// (full = false) only a repeated work counts. Redundancy for the artist
	// or album of every session track would keep an artist the listener has
	// been enjoying out of the whole list, which costs playlist hits (full
	// catalog hit@10 0.479 without it, 0.459 with it); the artist cap already
	// bounds repetition across the drive.
	seen := func(r int, weight float32, full bool) {
		for i := range h {
			row := int(h[i].row)
			same := e.sameWork(row, r)
			red := float32(0)
			if full {
				red = e.redundancy(row, r, same)
			} else if same {
				red = 1
			}
			s.redund[i] = max(s.redund[i], weight*red)
			if same {
				s.workHit[i] = true
			}
		}
	}
	e.driveCounts(s)
	for j, r := range s.recent {
		// The last session track, the seeds and the queue are what the list
		// follows directly; they count in full.
		seen(r, 0.5, j >= s.nSession-1 || r == cx.last)
	}
	if cx.last >= 0 && !slices.Contains(s.recent, cx.last) {
		seen(cx.last, 0.5, true)
	}
	for _, r := range s.picks { // cold-start anchor
		seen(r, 1, true)
	}
	// The whole drive: a title that contains another heard this drive by
	// the same or a shared credited artist ("Tannhäuser: Overture" after
	// "Tannhäuser, WWV 70: Overture") is the same song.
	for i := range h {
		for _, r := range s.driveRows {
			if e.sameSong(int(h[i].row), r) {
				s.workHit[i] = true
				break
			}
		}
	}
	lambda := cx.lambda
	// The rules give way in this order when the shortlist runs out: first
	// the artist cap (a third Tchaikovsky beats Metallica after Swan Lake in
	// a library of three artists), then coherence (a genre cosine to the
	// context under half the shortlist's best), and a repeated work only
	// when nothing else is left at all.
	var bestCos float32
	for _, c := range h {
		bestCos = max(bestCos, s.g[c.row])
	}
	floor := bestCos / 2
	passes := [...]struct{ work, artist, coherent bool }{
		{true, true, true}, {true, false, true}, {true, true, false}, {false, false, false},
	}
	for added := 0; added < need; added++ {
		best := -1
		for _, p := range passes {
			bestObj := float32(math.Inf(-1))
			for i, c := range h {
				if s.taken[i] || (p.work && s.workHit[i]) || (p.coherent && s.g[c.row] < floor) ||
					(p.artist && !e.noArtistCap && (s.driveN[i] >= maxPerDrive || e.artistFull(s, int(c.row)))) {
					continue
				}
				obj := lambda*(c.score-lo)/span - (1-lambda)*s.redund[i]
				if obj > bestObj {
					best, bestObj = i, obj
				}
			}
			if best >= 0 {
				break
			}
		}
		if best < 0 {
			return // shortlist exhausted
		}
		s.taken[best] = true
		r := int(h[best].row)
		e.countDrive(s, r)
		s.picks = append(s.picks, r)
		s.scores = append(s.scores, h[best].score)
		seen(r, 1, true)
	}
}

// driveCounts sets, per shortlist row, how many tracks by its artist the
// drive has had in its last driveWindow-1 tracks and the queue (s.artistN);
// the anchor's artist counts 0 (an artist request means more of it).
func (e *Engine) driveCounts(s *scratch) {
	s.driveN = s.driveN[:len(s.heap)]
	for i, c := range s.heap {
		s.driveN[i] = 0
		if a := e.cat.Artist[c.row]; a != s.anchorArt {
			s.driveN[i] = s.artistN[a]
		}
	}
}

// countDrive adds a pick to the drive counts of the rows by its artist.
func (e *Engine) countDrive(s *scratch, picked int) {
	a := e.cat.Artist[picked]
	if a == s.anchorArt {
		return
	}
	for i, c := range s.heap {
		if e.cat.Artist[c.row] == a {
			s.driveN[i]++
		}
	}
}

// artistFull reports whether row's artist already has two tracks among the
// last nine of the recent tracks and the picks, so one more would make three
// in ten.
func (e *Engine) artistFull(s *scratch, row int) bool {
	a := e.cat.Artist[row]
	n, left := 0, artistWindow-1
	for i := len(s.picks) - 1; i >= 0 && left > 0; i, left = i-1, left-1 {
		if e.cat.Artist[s.picks[i]] == a {
			n++
		}
	}
	for i := len(s.recent) - 1; i >= 0 && left > 0; i, left = i-1, left-1 {
		if e.cat.Artist[s.recent[i]] == a {
			n++
		}
	}
	return n >= maxPerArtist
}

// redundancy of two rows for MMR, given whether they are the same work.
func (e *Engine) redundancy(a, b int, sameWork bool) float32 {
	switch {
	case sameWork, e.album[a] != 0 && e.album[a] == e.album[b]:
		return 1
	case e.cat.Artist[a] == e.cat.Artist[b]:
		return 0.5
	}
	return 0
}

// sameWork reports whether two rows are the same song (songKey), or the
// same work by the same primary artist or sharing a credited artist (the
// composer credited on two orchestras' recordings) (work.go).
func (e *Engine) sameWork(a, b int) bool {
	switch {
	case e.title[a] == e.title[b]:
		return true
	case e.cat.Artist[a] == e.cat.Artist[b]:
		return e.work[a].matches(e.work[b])
	}
	return e.credits[a]&e.credits[b] != 0 && min(e.work[a].words, e.work[b].words) >= 2 && e.work[a].matches(e.work[b])
}

// sameSong reports whether one title's words contain the other's (two
// words at least), by the same primary artist or a shared credited artist.
func (e *Engine) sameSong(a, b int) bool {
	return (e.cat.Artist[a] == e.cat.Artist[b] || e.credits[a]&e.credits[b] != 0) &&
		min(e.songSig[a].words, e.songSig[b].words) >= 2 && e.songSig[a].matches(e.songSig[b])
}

// repeatsAnchorWork reports whether row is the asked track's work again.
func (e *Engine) repeatsAnchorWork(s *scratch, row int) bool {
	for _, r := range s.anchorWorks {
		if e.sameWork(row, r) {
			return true
		}
	}
	return false
}

// rowPenalty is what a row loses for a mood against the steering (a lively
// track in a calm request). An artist without tags pays in the prior, a
// region in the full pass (regionPenalties).
func (e *Engine) rowPenalty(req *Request, s *scratch, row int) float32 {
	var p float32
	if req.Mood == MoodCalm || req.Mood == MoodLively {
		z := e.cat.Mood.Data[row*catalog.MoodDims+catalog.MoodEnergy]
		if (req.Mood == MoodCalm) == (z > s.energyCut) {
			p += moodMismatchPenalty
		}
	}
	return p
}

// regionPenalties fills the per-request table of the full pass, indexed by
// a row's region key (instrumental rows: instrumentalKey, never penalised):
// a vocal track of another region than the anchor's loses regionPenalty, an
// unplaced one half of it; a row with the untaggedKey bit gets refund back
// of the untagged penalty its prior carries (untaggedRefund). In the full
// pass rather than on rows entering the shortlist, so it does not widen the
// shortlist's door.
func (s *scratch) regionPenalties(refund float32) {
	for k := range s.regionPen {
		var p float32
		switch r := k &^ untaggedKey; {
		case s.region == 0, r == int(s.region), r == instrumentalKey:
		case r == 0:
			p = regionPenalty / 2 // nothing places it: half the doubt
		default:
			p = regionPenalty
		}
		if k&untaggedKey != 0 {
			p -= refund
		}
		s.regionPen[k] = p
	}
}

// anchorCos is row's genre cosine to the anchor, shaped like the context's
// under Explore (exploreGenre).
func (e *Engine) anchorCos(s *scratch, row int, explore float64) float32 {
	g := [1]float32{dot(e.genreRow(row), s.aq)}
	if explore > 0 {
		exploreGenre(g[:], explore)
	}
	return g[0]
}

// Explore reaches neighbouring genres: a genre cosine above the target
// 1 − exploreReach·Explore counts less the closer it is to 1 (by
// exploreBend·Explore per unit), so at Explore = 1 rows at cosine ≈ 0.7 to
// the context beat its nearest neighbours (cosine ≈ 0.95), while the mood
// terms and the transition, untouched, keep each step smooth.
const (
	exploreReach = 0.3
	exploreBend  = 1.5
)

func exploreGenre(g []float32, explore float64) {
	tau := float32(1 - exploreReach*explore)
	k := float32(exploreBend * explore)
	for i, v := range g {
		if v > tau {
			g[i] = v - k*(v-tau)
		}
	}
}

// transition is how smoothly row follows last, 0..1: closeness of energy
// and tempo (Gaussian kernel on the standardised values) and harmonic
// compatibility of their keys.
func (e *Engine) transition(last, row int) float32 {
	a, b := e.cat.Mood.Row(last), e.cat.Mood.Row(row)
	de := a[catalog.MoodEnergy] - b[catalog.MoodEnergy]
	dt := a[catalog.MoodTempo] - b[catalog.MoodTempo]
	smooth := float32(math.Exp(-float64(de*de+dt*dt) / 2))
	a2, b2 := e.keyMode[last], e.keyMode[row]
	return 0.6*smooth + 0.4*KeyCompatibility(a2.key, a2.mode, b2.key, b2.mode)
}

// keyMode is a row's key and mode (music.Features), copied out of the
// track records at start: the re-rank compares them for every candidate,
// and reading them from the mapped records would fault in a page per
// candidate, request after request (350 KB here against 8 MB of records).
type keyMode struct{ key, mode int8 }

// KeyCompatibility rates how well key b follows key a, 0..1, by the circle
// of fifths with relative major/minor keys on the same position (the rule
// DJs call harmonic mixing, e.g. the Camelot wheel): same key 1, relative
// major/minor 0.9, one step on the circle 0.8, falling to 0.2 at the
// tritone. Unknown key or mode gives a neutral 0.5.
func KeyCompatibility(keyA, modeA, keyB, modeB int8) float32 {
	if keyA < 0 || keyA > 11 || keyB < 0 || keyB > 11 || modeA < 0 || modeA > 1 || modeB < 0 || modeB > 1 {
		return 0.5
	}
	pos := func(k, mode int8) int {
		if mode == 0 { // minor: use the relative major (three semitones up)
			k = (k + 3) % 12
		}
		return int(k) * 7 % 12 // pitch class to position on the circle of fifths
	}
	d := pos(keyA, modeA) - pos(keyB, modeB)
	if d < 0 {
		d = -d
	}
	d = min(d, 12-d) // 0..6 steps around the circle
	if d == 0 {
		if modeA == modeB {
			return 1
		}
		return 0.9
	}
	score := 0.8 - 0.6*float32(d-1)/5 // one step 0.8 … tritone 0.2
	if modeA != modeB {
		score -= 0.1
	}
	return score
}

// heapPush and heapDown keep a min-heap on score (ties: higher row is
// "smaller", so lower rows survive), the K best seen so far.
func heapPush(h []cand, c cand) []cand {
	h = append(h, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapDown(h []cand, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && less(h[r], h[l]) {
			j = r
		}
		if !less(h[j], h[i]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

func less(a, b cand) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.row > b.row
}
