package recommend

import (
	"fmt"
	"math"
	"math/bits"
	"slices"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/embed/ivf"
	"github.com/continuo/continuo/internal/music"
)

// How the shortlist is found. Below indexAbove rows every row is scored
// (the full pass: one Gemv per space, ~1.3 ms for the full catalog's
// 176,008 rows over its 27,432 distinct genre rows). Above it a brute-force
// pass no longer fits 3 ms (a million rows: p99 ~16 ms, of which the memory
// sweep alone is ~9.5 ms), so the genre query probes an IVF index
// (internal/embed/ivf) and only the rows of the probed lists are scored,
// with the same formula and the same filters.
const (
	// DefaultIndexAbove is the catalog size above which New uses an IVF
	// index: the full catalog (176,008) stays exact, a million rows do not.
	DefaultIndexAbove = 300_000
	// indexShare is the share of the index's lists a request scans, the
	// nearest the genre context first. The engine's top ten come out of a
	// shortlist of 300 ranked by genre, mood, family and popularity, so they
	// need far more rows than the genre top ten: on the synthetic million
	// (1,000 lists of ~1,000 rows) 16 lists gave recall@10 0.74 against the
	// full pass, 32 lists 0.91, 64 lists 0.97 at 1.3 ms p50. A share of the
	// rows instead of the lists held worse on small indexes (30,000 rows:
	// 10 % of the rows in the largest lists 0.93, 16 lists 0.97): the
	// context of a drive mixes directions, and more lists cover more of them.
	indexShare = 0.065
	// indexMinProbe lists are scanned at least (small indexes).
	indexMinProbe = 16
	// Explore prefers rows at cosine ~0.7 to the context (exploreGenre),
	// which lie in farther lists: the share grows by this factor × Explore.
	exploreShare = 2.0
)

// rowIndex is the engine's IVF over the catalog's genre rows, with what the
// scoring formula reads per row copied in list order: a probed list is then
// a contiguous block of every column, scored with one Gemv and one mood
// pass and read sequentially. Gathering the same values row by row from the
// catalog order costs a cache and TLB miss per column per candidate, which
// at a million rows made the index search as slow as the full pass (6.8 ms
// p50 for ~16,000 candidates). A snapshot stored in list order (row = list
// position) would make these copies the catalog's own columns.
//
// Only the centroids, offsets and ids of the index are read: candidates
// are scored exactly in float32, so the int8 codes are not needed here.
type rowIndex struct {
	ix        *ivf.Index
	centroids embed.Matrix
	longest   int // rows in the longest list: the size of a per-list buffer

	genre, mood embed.Matrix // the catalog's matrices, rows in list order
	moodNorm2   []float32    // the engine's columns in list order
	prior       []float32
	family      []uint8
	regionKey   []uint8
}

// newRowIndex checks a prebuilt index against the catalog's genre matrix or
// builds one. A prebuilt index comes from a file (a snapshot section), so it
// is validated, not trusted: a damaged one would make a search read out of
// range or miss rows. Candidates are scored exactly, so its int8 codes are
// neither read nor required.
func newRowIndex(genre embed.Matrix, prebuilt *ivf.Index) (*rowIndex, error) {
	ix := prebuilt
	if ix == nil {
		var err error
		// A fixed seed: the same catalog gives the same index and so the
		// same rankings at every start.
		if ix, err = ivf.Build(genre, ivf.Options{Seed: 1}); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	} else {
		if ix.Cols != genre.Cols {
			return nil, fmt.Errorf("prebuilt: %d columns for a genre matrix of %d", ix.Cols, genre.Cols)
		}
		if err := ix.ValidateLists(genre.Rows); err != nil {
			return nil, fmt.Errorf("prebuilt: %w", err)
		}
	}
	r := &rowIndex{ix: ix, centroids: embed.Matrix{Rows: ix.Lists, Cols: ix.Cols, Data: ix.Centroids}}
	for l := range ix.Lists {
		r.longest = max(r.longest, int(ix.Offsets[l+1]-ix.Offsets[l]))
	}
	return r, nil
}

// inListOrder copies the columns the scoring formula reads into list order,
// or uses the engine's own when the catalog's rows already are in list
// order (a snapshot written from ListOrdered): at a million rows the copies
// are ~240 MB and most of the start.
func (r *rowIndex) inListOrder(e *Engine) {
	ids := r.ix.IDs
	if identity(ids) {
		r.genre, r.mood = e.cat.Genre, e.cat.Mood
		r.moodNorm2, r.prior, r.family, r.regionKey = e.moodNorm2, e.prior, e.cat.Family, e.regionKey
		return
	}
	r.genre = rowsInOrder(e.cat.Genre, ids)
	r.mood = rowsInOrder(e.cat.Mood, ids)
	r.moodNorm2 = gather(e.moodNorm2, ids)
	r.prior = gather(e.prior, ids)
	r.family = gather(e.cat.Family, ids)
	r.regionKey = gather(e.regionKey, ids)
}

func identity(ids []uint32) bool {
	for p, id := range ids {
		if int(id) != p {
			return false
		}
	}
	return true
}

// ListOrdered returns c with its rows in the order an engine built with
// opts reads them, so that what it reads together lies together:
//
//   - with an IVF index, the index's list order, list after list, and opts
//     with that index (renumbered) handed over. A snapshot of the result
//     (SectionsWith with the returned options) stores the index, and New
//     then scores a probed list straight from the catalog's own columns,
//     with no copy at start;
//   - with the pass by groups (shortlistGroups), the rows of each distinct
//     genre row together, the groups in the order of their first rows: a
//     group's rows are then read in one stretch instead of one cache miss
//     per column per row;
//   - else c and opts unchanged.
func ListOrdered(c *catalog.Catalog, opts Options) (*catalog.Catalog, Options, error) {
	e := New(c, opts)
	if e.err != nil {
		return nil, opts, fmt.Errorf("recommend: list order: %w", e.err)
	}
	ix := e.Index()
	if ix == nil {
		if m := e.genre.members; m != nil && !identity(m) {
			rows := make([]int, len(m))
			for p, r := range m {
				rows[p] = int(r)
			}
			return c.Subset(rows), opts, nil
		}
		return c, opts, nil
	}
	if identity(ix.IDs) {
		return c, opts, nil
	}
	rows := make([]int, len(ix.IDs))
	renumbered := &ivf.Index{Lists: ix.Lists, Cols: ix.Cols, Centroids: ix.Centroids, Offsets: ix.Offsets,
		IDs: make([]uint32, len(ix.IDs))}
	for p, id := range ix.IDs {
		rows[p], renumbered.IDs[p] = int(id), uint32(p)
	}
	opts.Index = renumbered
	return c.Subset(rows), opts, nil
}

func rowsInOrder(m embed.Matrix, ids []uint32) embed.Matrix {
	o := embed.NewMatrix(len(ids), m.Cols)
	for p, id := range ids {
		copy(o.Row(p), m.Row(int(id)))
	}
	return o
}

func gather[T any](col []T, ids []uint32) []T {
	out := make([]T, len(ids))
	for p, id := range ids {
		out[p] = col[id]
	}
	return out
}

// useIndex decides, at the end of New, whether the engine searches an index,
// and takes it from Options.Index, else from the catalog's snapshot
// (SectionsWith stored it), else builds it. A bad prebuilt or stored index is the engine's error (every
// Recommend returns it) rather than a silent rebuild: the snapshot that
// carried it is damaged and should be refused where it is loaded.
func (e *Engine) useIndex(opts Options) {
	above := opts.IndexAbove
	if above == 0 {
		above = DefaultIndexAbove
	}
	if opts.Index == nil && (above < 0 || e.n <= above) {
		return
	}
	prebuilt := opts.Index
	if prebuilt == nil {
		stored, err := e.storedIndex()
		if err != nil {
			e.err = music.WrapKind(music.KindInternal, err, "recommend: index: stored")
			return
		}
		prebuilt = stored
	}
	ri, err := newRowIndex(e.cat.Genre, prebuilt)
	if err != nil {
		e.err = music.WrapKind(music.KindInternal, err, "recommend: index")
		return
	}
	ri.inListOrder(e)
	e.index = ri
}

// Index returns the engine's IVF index, nil when it scores every row: what
// a snapshot build can store so that the next New need not build it.
func (e *Engine) Index() *ivf.Index {
	if e.index == nil {
		return nil
	}
	return e.index.ix
}

// shortlist fills s.heap with the e.k best rows that may be picked, by the
// full score, unordered.
func (e *Engine) shortlist(req *Request, s *scratch, cx *reqContext) error {
	if e.index != nil && !zero(s.gq) {
		e.shortlistIndexed(req, s, cx)
		return nil
	}
	return e.shortlistAll(req, s, cx)
}

// shortlistAll scores every row.
//
// score = wg·cos(genre) − wm·Σ_d w_d(x_d−t_d)² + family bonus + popularity
// prior − region penalty, with the weighted squared distance from dot
// products: Σw_d x_d² − 2x·(w⊙t) + Σw_d t_d². Filters and penalties are
// looked at only for rows that would enter the shortlist.
//
// The mood term is a negative distance, so the other terms bound a row's
// score from above: a row whose bound cannot reach the shortlist is passed
// over without its mood dot product. The bound carries a slack for float32
// rounding (moodSlack), so no row that the exact score would admit is
// passed over: the shortlist is the same, bit for bit
// (TestMoodBoundKeepsShortlist).
//
// With distinct genre rows the same bound holds for a whole group of rows
// that share one (every track of an artist): shortlistGroups.
func (e *Engine) shortlistAll(req *Request, s *scratch, cx *reqContext) error {
	mw, tn2 := cx.moodW, cx.tn2
	slack := float32(math.Inf(1)) // a negative mood weight: no bound
	if mw >= 0 {
		slack = moodSlack * (1 + mw*(e.maxMoodNorm2+tn2))
	}
	if e.genre.members != nil && !math.IsInf(float64(slack), 1) {
		return e.shortlistGroups(req, s, cx, slack)
	}
	if err := e.genreScores(s, req.Explore); err != nil {
		return err
	}
	e.rowPass(req, s, cx, slack)
	return nil
}

// rowPass scores every row in catalog order into s.heap, from s.g.
func (e *Engine) rowPass(req *Request, s *scratch, cx *reqContext, slack float32) {
	gw, mw, tn2 := cx.genreW, cx.moodW, cx.tn2
	lastArtist := e.lastArtist(cx)
	h := s.heap[:0]
	k := e.k
	g, n2, prior, fam := s.g, e.moodNorm2[:len(s.g)], e.prior[:len(s.g)], e.cat.Family[:len(s.g)]
	mood := e.cat.Mood.Data[:len(g)*catalog.MoodDims]
	q := &s.mq
	fb := s.fam
	rk, rp := e.regionKey[:len(g)], &s.regionPen
	for i := range g {
		rest := gw*g[i] + prior[i] + fb[fam[i]] - rp[rk[i]]
		if len(h) == k && rest+slack <= h[0].score {
			continue
		}
		r := mood[i*catalog.MoodDims : (i+1)*catalog.MoodDims : (i+1)*catalog.MoodDims]
		m := q[0]*r[0] + q[1]*r[1] + q[2]*r[2] + q[3]*r[3] + q[4]*r[4] + q[5]*r[5] + q[6]*r[6] + q[7]*r[7] + q[8]*r[8]
		sc := gw*g[i] + mw*(2*m-n2[i]-tn2) + prior[i] + fb[fam[i]] - rp[rk[i]]
		if len(h) == k && sc <= h[0].score {
			continue
		}
		h = e.admit(req, s, lastArtist, i, sc, h)
	}
	s.heap = h
}

// shortlistGroups is the full pass by distinct genre rows: the same
// shortlist as the pass row by row (TestGroupPassKeepsShortlist), from far
// fewer rows. Every row of a distinct genre row shares its cosine, so the
// group bounds its rows' scores without their mood term: its cosine, its
// best prior, the best bonus among its families, the least region penalty
// of the request. A group whose bound cannot beat the shortlist's worst is
// passed over without reading its rows, which for a full shortlist is most
// of the catalog (its genre is far from the context).
//
// The bound only helps once the shortlist is full and its worst is high,
// so the groups with the best bounds are scored first (firstGroups), then
// the others in order. The shortlist is a top-k under a total order (score,
// then the lower row: less), so the order rows are offered in does not
// change it; ties are decided by less, not by who came first.
//
// A context spread over many genres lets most groups through, and reading
// their rows group by group, out of catalog order, costs more than the
// streaming row pass: one such request of the full catalog (a family's
// most popular track, BenchmarkRecommendSeeds) took 2.8 ms against 1.9.
// Two ways of falling back to the row pass were tried and dropped: from
// the bounds after the first groups (how many rows they let through),
// which chose the row pass for requests the group pass serves faster, and
// after a budget of rows read group by group, which saved that request a
// quarter and cost the others as much. On make footprint's requests the
// group pass takes half the row pass's CPU.
func (e *Engine) shortlistGroups(req *Request, s *scratch, cx *reqContext, slack float32) error {
	gr := &e.genre
	if err := gr.distinct.Scores(s.gq, s.gu); err != nil {
		return fmt.Errorf("recommend: distinct genre scores: %w", err)
	}
	if req.Explore > 0 {
		exploreGenre(s.gu, req.Explore)
	}
	// A group's bound is summed in another order than a row's score, so it
	// carries the rounding slack twice. The groups with the best bounds are
	// kept in s.firstGroups as the bounds are computed.
	gw, fb := cx.genreW, s.fam
	lift := 2*slack - slices.Min(s.regionPen[:])
	top := &s.firstGroups
	top.Reset(firstGroups)
	worst := float32(math.Inf(-1)) // what a group must beat to enter top once it is full
	for d, u := range s.gu {
		b := float32(math.Inf(-1))
		for m := gr.families[d]; m != 0; m &= m - 1 {
			b = max(b, fb[bits.TrailingZeros64(m)])
		}
		b += gw*u + gr.maxPrior[d] + lift
		s.bound[d] = b
		if b > worst || top.Len() < firstGroups {
			top.Push(int32(d), b)
			if w, full := top.Threshold(); full {
				worst = w
			}
		}
	}
	g := &groupPass{e: e, req: req, s: s, cx: cx, slack: slack, lastArtist: e.lastArtist(cx), h: s.heap[:0]}

	// The groups with the best bounds first, until they hold twice the
	// shortlist's rows.
	s.first = top.Sorted(s.first[:0])
	rows := 0
	for _, f := range s.first {
		if rows >= 2*e.k {
			break
		}
		s.seen[f.Row] = true
		g.score(int(f.Row))
		rows += int(gr.offsets[f.Row+1] - gr.offsets[f.Row])
	}
	for d, b := range s.bound {
		if s.seen[d] {
			s.seen[d] = false
			continue
		}
		if len(g.h) == e.k && b < g.h[0].score {
			continue
		}
		g.score(d)
	}
	s.heap = g.h
	// mmr's coherence floor reads the shortlist rows' cosines from s.g.
	for _, c := range s.heap {
		s.g[c.row] = s.gu[gr.group[c.row]]
	}
	return nil
}

// firstGroups bounds how many distinct genre rows shortlistGroups scores
// before the others, by their bounds.
const firstGroups = 128

// groupPass is the state of one shortlistGroups: the shortlist heap h and
// what scoring a row reads.
type groupPass struct {
	e          *Engine
	req        *Request
	s          *scratch
	cx         *reqContext
	slack      float32
	lastArtist int32
	h          []cand
}

// score offers the rows of distinct genre row d, with the formula and the
// per-row bound of rowPass.
func (g *groupPass) score(d int) {
	e, s, k := g.e, g.s, g.e.k
	gr := &e.genre
	gw, mw, tn2 := g.cx.genreW, g.cx.moodW, g.cx.tn2
	gu := s.gu[d]
	fb, rp := s.fam, &s.regionPen
	q := &s.mq
	mood := e.cat.Mood.Data
	for _, r := range gr.members[gr.offsets[d]:gr.offsets[d+1]] {
		i := int(r)
		rest := gw*gu + e.prior[i] + fb[e.cat.Family[i]] - rp[e.regionKey[i]]
		if len(g.h) == k && rest+g.slack < g.h[0].score {
			continue
		}
		r := mood[i*catalog.MoodDims : (i+1)*catalog.MoodDims : (i+1)*catalog.MoodDims]
		m := q[0]*r[0] + q[1]*r[1] + q[2]*r[2] + q[3]*r[3] + q[4]*r[4] + q[5]*r[5] + q[6]*r[6] + q[7]*r[7] + q[8]*r[8]
		sc := gw*gu + mw*(2*m-e.moodNorm2[i]-tn2) + e.prior[i] + fb[e.cat.Family[i]] - rp[e.regionKey[i]]
		if len(g.h) == k && !less(g.h[0], cand{int32(i), sc}) {
			continue
		}
		g.h = e.admit(g.req, s, g.lastArtist, i, sc, g.h)
	}
}

// moodSlack is the relative float32 rounding the bound of shortlistAll
// allows for: the mood term, a difference of sums of nine products each, is
// off by a few 1e-7 of its parts' size, and the other terms are summed in
// another order than in the score. 1e-5 is over ten times that.
const moodSlack = 1e-5

// The unrolled mood products of rowPass and groupPass.score are for nine
// dimensions. They are written out in both loops: as a function (cost 90)
// they would not be inlined, and a call per row would slow the row pass.
var _ = [1]struct{}{}[catalog.MoodDims-9]

// shortlistIndexed scores the rows of the lists whose centroids are nearest
// the genre context, with the full pass's formula and filters. The genre
// term dominates the score (weight 1 on a cosine against 0.5 on a mood
// distance of a few tenths), so the rows that reach the shortlist are, with
// few exceptions, near the context in the genre space.
func (e *Engine) shortlistIndexed(req *Request, s *scratch, cx *reqContext) {
	ri := e.index
	ix := ri.ix
	x := &s.ix
	x.fit(ri)
	_ = ri.centroids.Scores(s.gq, x.cscores) // shapes checked in New, sizes by fit
	x.probe.Reset(ix.Lists)
	for l, v := range x.cscores {
		x.probe.Push(int32(l), v)
	}
	x.lists = x.probe.Sorted(x.lists[:0])
	probe := max(int(math.Ceil(indexShare*(1+exploreShare*req.Explore)*float64(ix.Lists))), indexMinProbe)
	x.lists = x.lists[:min(probe, len(x.lists))]

	gw, mw, tn2 := cx.genreW, cx.moodW, cx.tn2
	lastArtist := e.lastArtist(cx)
	h := s.heap[:0]
	k := e.k
	fb, rp := s.fam, &s.regionPen
	gc, mc := ri.genre.Cols, ri.mood.Cols
	for _, l := range x.lists {
		lo, hi := int(ix.Offsets[l.Row]), int(ix.Offsets[l.Row+1])
		g, m := x.lg[:hi-lo], x.lm[:hi-lo]
		// Shapes match by construction.
		_ = embed.Matrix{Rows: hi - lo, Cols: gc, Data: ri.genre.Data[lo*gc : hi*gc]}.Scores(s.gq, g)
		_ = embed.Matrix{Rows: hi - lo, Cols: mc, Data: ri.mood.Data[lo*mc : hi*mc]}.Scores(s.mq[:], m)
		if req.Explore > 0 {
			exploreGenre(g, req.Explore)
		}
		ids, n2, prior := ix.IDs[lo:hi], ri.moodNorm2[lo:hi], ri.prior[lo:hi]
		fam, rk := ri.family[lo:hi], ri.regionKey[lo:hi]
		for p := range g {
			sc := gw*g[p] + mw*(2*m[p]-n2[p]-tn2) + prior[p] + fb[fam[p]] - rp[rk[p]]
			if len(h) == k && sc <= h[0].score {
				continue
			}
			h = e.admit(req, s, lastArtist, int(ids[p]), sc, h)
		}
	}
	s.heap = h
	// mmr's coherence floor reads the shortlist rows' cosines from s.g.
	for _, c := range h {
		v := [1]float32{embed.Dot(e.cat.Genre.Row(int(c.row)), s.gq)}
		if req.Explore > 0 {
			exploreGenre(v[:], req.Explore)
		}
		s.g[c.row] = v[0]
	}
}

// indexScratch is a request's working memory for the index search.
type indexScratch struct {
	cscores []float32   // per list: its centroid's score
	probe   embed.TopK  // the best lists
	lists   []embed.Hit // the probed lists, best first
	lg, lm  []float32   // per row of one list: its genre cosine and mood dot product
}

// fit sizes the buffers for ri once per pooled scratch.
func (x *indexScratch) fit(ri *rowIndex) {
	if len(x.cscores) != ri.ix.Lists || len(x.lg) < ri.longest {
		x.cscores, x.lg, x.lm = make([]float32, ri.ix.Lists), make([]float32, ri.longest), make([]float32, ri.longest)
	}
}

func (e *Engine) lastArtist(cx *reqContext) int32 {
	if cx.last < 0 {
		return -1
	}
	return e.cat.Artist[cx.last]
}

// admit applies the filters and the per-row penalties to a row whose score
// would enter the shortlist heap h, and offers it.
func (e *Engine) admit(req *Request, s *scratch, lastArtist int32, i int, sc float32, h []cand) []cand {
	if e.explicit[i] && !req.Explicit {
		return h
	}
	if s.banned.is[i] {
		return h
	}
	if _, p := s.pieces[e.piece[i]]; p {
		return h // another recording of a piece heard this drive
	}
	if _, t := s.titles[e.title[i]]; t || (e.holiday[i] && !s.holidayOK) || e.repeatsAnchorWork(s, i) {
		return h // a song heard this drive; holiday music out of season; the asked work again
	}
	sc -= e.rowPenalty(req, s, i)
	a := e.cat.Artist[i]
	if len(s.artistPen) > 0 {
		sc -= s.artistPen[a]
	}
	if a == lastArtist {
		sc -= e.w.SameArtist
	}
	switch {
	case len(h) < e.k:
		h = heapPush(h, cand{int32(i), sc})
	case less(h[0], cand{int32(i), sc}): // a tie goes to the lower row, whatever the order rows come in
		h[0] = cand{int32(i), sc}
		heapDown(h, 0)
	}
	return h
}

// zero reports whether v has no nonzero value: a context without genre
// evidence, for which no list is nearer than another.
func zero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
