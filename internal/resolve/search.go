package resolve

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"
)

// Scoring weights. A row's score is
//
//	coverage + bothBonus·[title and artist matched by different words]
//	         + titleBonus·(share of the title's words matched)
//	         + accentBonus·(share of the query's accented words found
//	                        with the same accents)
//	         + popBonus·popularity/100
//
// where coverage is the IDF-weighted share of the query words found in the
// row (1 when all are found exactly), each word counted once at its best
// field and reduced by typoFactor per edit. The bonuses are small next to
// one missing rare word, so they order rows that cover the query equally:
// "post malone sunflower" prefers Post Malone's Sunflower over another
// artist's song called Sunflower, and "scene" prefers a title that is just
// "Scène" over a long one that mentions it. A query spelled with accents
// ("Scène") prefers titles spelled the same way over "Freak Scene", while
// "scene" matches both alike. Popularity only breaks near-ties.
const (
	bothBonus   = 0.15
	titleBonus  = 0.10
	accentBonus = 0.10
	popBonus    = 0.05
	maxBonus    = bothBonus + titleBonus + accentBonus + popBonus
	unknownPop  = 30   // assumed popularity when a row has none
	albumWeight = 0.5  // a word found only in the album counts half
	fillerShare = 0.2  // weight of a filler word relative to its IDF
	maxQueryLen = 32   // words beyond this are ignored (one bit per word)
	maxQueryRaw = 1024 // bytes of query beyond this are ignored
	// maxLinearTop is the largest limit kept with a linear scan; larger
	// limits sort all matching rows instead.
	maxLinearTop = 32
)

// accentMark prefixes the vocabulary entries of accented spellings
// ("\x01scène"); normalised words never contain control characters.
const accentMark = '\x01'

// typoFactor[d] scales a word matched with d edits.
var typoFactor = [3]float32{1, 0.6, 0.35}

// fillers are words a voice assistant leaves in a query that rarely say
// which track is meant. They still match (a title may contain "the"), but
// weigh fillerShare of a real word, do not make a row a match on their own,
// and are never typo-corrected.
var fillers = map[string]bool{
	"play": true, "please": true, "by": true, "from": true, "the": true,
	"a": true, "an": true, "of": true, "song": true, "track": true,
	"music": true, "me": true, "put": true, "on": true, "some": true,
	// The same in the other languages Understand reads.
	"joue": true, "mets": true, "spiel": true, "spiele": true, "pon": true, "toca": true,
	"metti": true, "por": true, "favor": true, "bitte": true, "musique": true, "musik": true,
	"musica": true,
}

// rowAcc accumulates one row's match during a search.
type rowAcc struct {
	score   float32 // sum of word contributions
	lastC   float32 // contribution of word lastTok, to keep only its best
	words   uint32  // bit i: query word i matched
	title   uint32  // bit i: query word i matched in the title
	artist  uint32  // bit i: query word i matched in an artist
	accents uint32  // bit k: accented query word k matched with its accents
	row     int32   // the catalog row
	lastTok int8    // last query word that touched this row; -1 none
}

// scratch is the per-search state, reused: the accumulators of the rows a
// query touched, in the order first touched, a slot per catalog row that
// finds a row's accumulator (reset through the accumulators, not cleared),
// and buffers for the query. The accumulators are sized to the query, not
// the catalog: a slot is 4 bytes per row where a dense accumulator was 28,
// and a query touches a few thousand rows of 176,008.
type scratch struct {
	slot    []int32  // per catalog row: 1 + its index in accs; 0 untouched
	accs    []rowAcc // the rows touched
	text    []byte   // the normalised query; words point into it
	lowered []byte   // the query with accents kept
	key     []byte
	words   [][]byte
	cands   []candidate
	runes   []rune
	top     []Match
}

// scratchPool keeps up to maxIdleScratch scratches between searches. Not a
// sync.Pool: that one is emptied by every garbage collection, and a daemon
// that searches a few times a minute would then allocate fresh slots (4
// bytes per catalog row, 0.7 MB for 176k tracks) for almost every query.
// Concurrent searches beyond the idle count allocate. An idle scratch keeps
// at most maxIdleAccs accumulators: a query of common words can touch most
// of the catalog, and its buffer should not stay resident.
type scratchPool struct {
	rows int
	mu   sync.Mutex
	idle []*scratch
}

const (
	maxIdleScratch = 2
	maxIdleAccs    = 1 << 14 // 512 KiB of accumulators
)

func (p *scratchPool) get() *scratch {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		s := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return s
	}
	p.mu.Unlock()
	return &scratch{slot: make([]int32, p.rows)}
}

func (p *scratchPool) put(s *scratch) {
	if cap(s.accs) > maxIdleAccs {
		s.accs = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) < maxIdleScratch {
		p.idle = append(p.idle, s)
	}
}

// Search returns up to limit rows best matching a free-text query, best
// first; ties go to the more popular row, then the lower row. Rows that
// match only filler words are not returned unless the query is all fillers.
// An empty query or limit <= 0 returns nil. Search never panics, whatever
// the bytes of query, and is safe for concurrent use.
func (ix *Index) Search(query string, limit int) []Match {
	defer ix.release()
	return ix.search(query, limit)
}

func (ix *Index) search(query string, limit int) []Match {
	if limit <= 0 || ix.n == 0 {
		return nil
	}
	if len(query) > maxQueryRaw {
		query = query[:maxQueryRaw]
	}
	s := ix.scratch.get()
	q := ix.match(s, query)
	var out []Match
	if q.words > 0 {
		out = ix.collect(s, q, limit)
	}
	// Not deferred: a scratch is returned to the pool only once collect
	// has reset every row it touched.
	ix.scratch.put(s)
	return out
}

// queryStats is what collect needs to know about the query match computes.
type queryStats struct {
	words      int     // distinct words
	total      float64 // sum of word weights: the denominator of coverage
	real       uint32  // bits of the words that can make a row a match
	allFillers bool
	accented   int // accented words (see markAccents)
}

// match splits the query into words, expands each to the vocabulary words
// it may stand for, and accumulates their contributions in s.accs.
func (ix *Index) match(s *scratch, query string) queryStats {
	var q queryStats
	s.text = appendNormalized(s.text[:0], query)
	s.words = s.words[:0]
	forEachWord(s.text, func(w []byte) {
		if len(s.words) < maxQueryLen && !slices.ContainsFunc(s.words, func(o []byte) bool { return string(o) == string(w) }) {
			s.words = append(s.words, w)
		}
	})
	q.words = len(s.words)
	q.allFillers = !slices.ContainsFunc(s.words, func(w []byte) bool { return !fillers[string(w)] })

	s.accs = s.accs[:0]
	for qi, w := range s.words {
		filler := fillers[string(w)] && !q.allFillers
		s.cands = s.cands[:0]
		id, known := ix.term(string(w))
		if known {
			s.cands = append(s.cands, candidate{term: id})
		}
		if !filler {
			n := len(s.cands)
			s.cands, s.runes = ix.typoCandidates(s.cands, w, s.runes)
			if known {
				// The word exists, but it may itself be a rare misspelling
				// ("swam" for "swan"): keep only corrections that are more
				// common than it.
				s.cands = ix.keepCommoner(s.cands, id, n)
			}
		}
		// The word's weight is the IDF of what it most likely means: itself
		// if known, else its nearest correction, else (no match anywhere)
		// the IDF of a word seen once, so it still costs coverage.
		weight := ix.idf(1)
		if len(s.cands) > 0 {
			weight = ix.idf(ix.df(s.cands[0].term))
		}
		if filler {
			weight *= fillerShare
		} else {
			q.real |= 1 << qi
		}
		q.total += weight
		for _, c := range s.cands {
			ix.accumulate(s, int8(qi), float32(weight)*typoFactor[c.edits], c.term)
		}
	}
	q.accented = ix.markAccents(s, query)
	return q
}

// collect scores the rows match touched, keeps the best limit, and resets
// every touched row for the next search.
func (ix *Index) collect(s *scratch, q queryStats, limit int) []Match {
	s.top = s.top[:0]
	worst := -1 // index in s.top of its worst match, once it holds limit
	for i := range s.accs {
		a := &s.accs[i]
		r := a.row
		// The bonuses add at most maxBonus to the coverage, so a row
		// whose coverage cannot beat the worst kept match is skipped
		// before scoring it.
		if (a.words&q.real != 0 || q.allFillers) && (worst < 0 || float64(a.score)/q.total+maxBonus >= s.top[worst].Score) {
			m := Match{Row: int(r), Score: ix.finalScore(r, a, q), Coverage: float64(a.score) / q.total}
			switch {
			case len(s.top) < limit || limit > maxLinearTop:
				s.top = append(s.top, m)
				if len(s.top) == limit && limit <= maxLinearTop {
					worst = ix.worstOf(s.top)
				}
			case ix.better(m, s.top[worst]) < 0:
				s.top[worst] = m
				worst = ix.worstOf(s.top)
			}
		}
		s.slot[r] = 0
	}
	s.accs = s.accs[:0]
	slices.SortFunc(s.top, ix.better)
	return slices.Clone(s.top[:min(limit, len(s.top))])
}

// keepCommoner keeps cands[:n] (the exact word) and those corrections in
// cands[n:] that occur in more rows than the exact word.
func (ix *Index) keepCommoner(cands []candidate, exact int32, n int) []candidate {
	d := ix.df(exact)
	out := cands[:n]
	for _, c := range cands[n:] {
		if ix.df(c.term) > d {
			out = append(out, c)
		}
	}
	return out
}

// idf is the inverse document frequency of a word found in df rows.
func (ix *Index) idf(df int32) float64 {
	return math.Log(1 + float64(ix.n)/float64(max(df, 1)))
}

// accumulate adds query word qi, matched as vocabulary word term with base
// contribution c, to every row containing term. A row counts each query
// word once, at the best of its candidate words and fields.
func (ix *Index) accumulate(s *scratch, qi int8, c float32, term int32) {
	bit := uint32(1) << qi
	for _, p := range ix.postings[ix.offsets[term]:ix.offsets[term+1]] {
		v := c
		if p.fields&(fieldTitle|fieldArtist) == 0 {
			v *= albumWeight
		}
		a := s.acc(p.row)
		if a.lastTok != qi {
			a.lastTok, a.lastC = qi, 0
		}
		if v > a.lastC {
			a.score += v - a.lastC
			a.lastC = v
		}
		a.words |= bit
		if p.fields&fieldTitle != 0 {
			a.title |= bit
		}
		if p.fields&fieldArtist != 0 {
			a.artist |= bit
		}
	}
}

// acc returns row's accumulator, adding one (no word yet) when the query
// has not touched the row. The pointer is valid until the next call.
func (s *scratch) acc(row int32) *rowAcc {
	i := s.slot[row]
	if i == 0 {
		s.accs = append(s.accs, rowAcc{row: row, lastTok: -1})
		i = int32(len(s.accs))
		s.slot[row] = i
	}
	return &s.accs[i-1]
}

// markAccents sets, in the rows already matched, the bits of the query's
// accented words that the row contains with the same accents, and returns
// how many accented words the query has.
func (ix *Index) markAccents(s *scratch, query string) int {
	if isASCII(query) {
		return 0
	}
	s.lowered = appendLowered(s.lowered[:0], query)
	n := 0
	forEachWord(s.lowered, func(w []byte) {
		if isASCII(string(w)) || n == maxQueryLen {
			return
		}
		bit := uint32(1) << n
		n++
		s.key = append(append(s.key[:0], accentMark), w...)
		id, ok := ix.term(string(s.key))
		if !ok {
			return
		}
		for _, p := range ix.postings[ix.offsets[id]:ix.offsets[id+1]] {
			if i := s.slot[p.row]; i > 0 {
				s.accs[i-1].accents |= bit
			}
		}
	})
	return n
}

func (ix *Index) finalScore(r int32, a *rowAcc, q queryStats) float64 {
	score := float64(a.score) / q.total
	if q.accented > 0 {
		score += accentBonus * float64(bits.OnesCount32(a.accents)) / float64(q.accented)
	}
	title, artist := a.title&q.real, a.artist&q.real
	if title != 0 && artist != 0 && bits.OnesCount32(title|artist) >= 2 {
		score += bothBonus
	}
	if tl := ix.titleLen[r]; tl > 0 {
		score += titleBonus * min(1, float64(bits.OnesCount32(a.title))/float64(tl))
	}
	return score + popBonus*float64(ix.pop(r))/100
}

func (ix *Index) pop(r int32) int8 {
	if p := ix.popularity[r]; p >= 0 {
		return min(p, 100)
	}
	return unknownPop
}

// better orders matches best first: score, then popularity, then row.
func (ix *Index) better(a, b Match) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	if c := cmp.Compare(ix.pop(int32(b.Row)), ix.pop(int32(a.Row))); c != 0 {
		return c
	}
	return cmp.Compare(a.Row, b.Row)
}

// worstOf returns the index of the worst match in top. Search keeps only
// limit matches and limit is small (a voice query wants one answer, a list
// ten; see maxLinearTop), so a linear scan on each replacement beats a heap.
func (ix *Index) worstOf(top []Match) int {
	worst := 0
	for i := 1; i < len(top); i++ {
		if ix.better(top[i], top[worst]) > 0 {
			worst = i
		}
	}
	return worst
}
