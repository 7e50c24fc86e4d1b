package resolve

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Kind is what a request names.
type Kind string

// The kinds of request Understand tells apart.
const (
	KindTrack    Kind = "track"    // "kendrick lamar humble"
	KindArtist   Kind = "artist"   // "bob marley"
	KindAlbum    Kind = "album"    // an album or a work: "kind of blue", "the nutcracker"
	KindGenre    Kind = "genre"    // "some jazz"
	KindMood     Kind = "mood"     // "something calm", "music to wake me up"
	KindContinue Kind = "continue" // "play music", ""
)

// Candidate is one reading of a request.
type Candidate struct {
	Kind Kind
	// Row is the track to start; -1 for genre, mood and continue, where
	// the engine picks.
	Row int
	// Rows stand for the request: the artist's or album's most popular
	// rows (primary artist first), the genre's most popular rows, or the
	// track itself.
	Rows   []int
	Artist string // normalised primary artist (kind artist, or the track's/album's artist)
	Genre  string // a catalog genre label or tag (kind genre; kind mood when the mood word is a label)
	Mood   string // calm, steady or lively (kind mood; kind genre when asked, e.g. "calm jazz")
	Label  string // human text: "Bob Marley & The Wailers", "jazz", "something calm"
	// Genres are all the genre tags that steer a reading for an artist
	// beyond the catalog (Genre is the one that names it).
	Genres []string
	// Like is the artist the driver asked for when the catalog has no
	// tracks of theirs and the reading plays their genres instead.
	Like string
	// Confidence is 0..1: about the share of such answers that are what
	// the driver meant (see docs/resolve.md for how it was measured).
	// Below PlayConfidence Play asks instead of guessing.
	Confidence float64
}

// PlayConfidence is the confidence below which a request should not be
// played without asking: an all-typo track request that is right scores
// about 0.55, one word matching by chance about 0.4.
const PlayConfidence = 0.5

// Confidences of the readings that do not come from a search score.
const (
	confContinue   = 1.0
	confMood       = 0.9
	confWeakMood   = 0.8
	confGenreLabel = 0.95
	confGenreTag   = 0.85
	confGenreTypo  = 0.75
	confArtist     = 0.95
	confAlbum      = 0.9
	// confPartialName scales an artist named only in part ("mozart").
	confPartialName = 0.92
	// A reading that lost to another is kept as a suggestion, scaled down.
	altFactor = 0.6
	// artistSlack: an artist whose name covers the request wins over a
	// title by someone else unless that title is this much more popular
	// ("circles" is Post Malone's song, not the band Circles).
	artistSlack = 20
	// minAlbumTitles: a phrase shared by this many different titles of one
	// artist is an album or work, not one song in several recordings.
	minAlbumTitles = 2
)

// Understand reads a spoken request and returns up to limit readings, best
// first: the kind of thing it names and the rows that answer it. The first
// candidate is what Play should start when its Confidence is at least
// PlayConfidence; the others are suggestions. An empty request, or one that
// asks for nothing in particular ("play music"), is one KindContinue
// candidate. Understand never panics and is safe for concurrent use.
func (ix *Index) Understand(query string, limit int) []Candidate {
	if limit <= 0 {
		return nil
	}
	defer ix.release()
	if len(query) > maxQueryRaw {
		query = query[:maxQueryRaw]
	}
	p := ix.parsedRequest(query)
	query = p.query
	words := strings.Fields(Normalize(query))
	if len(words) > maxQueryLen {
		words = words[:maxQueryLen]
	}
	r := reading{ix: ix, query: query, content: stripCommands(words)}
	r.classify()
	if p.exact >= 0 {
		return r.withAlternatives([]Candidate{ix.exactCandidate(p.exact)}, limit, altFactor)
	}
	var out []Candidate
	switch {
	case len(r.nonGlue) == 0:
		out = []Candidate{{Kind: KindContinue, Row: -1, Label: "your music", Confidence: confContinue}}
	case r.genre != nil && len(r.rest) == 0:
		out = append(out, r.genreCandidate())
	case r.mood != "" && len(r.rest) == 0:
		out = append(out, r.moodCandidate())
	}
	if len(out) > 0 {
		return r.withAlternatives(out, limit, altFactor)
	}
	out = ix.preferParsedArtist(r.entity(), p.artist)
	if len(out) == 0 || out[0].Confidence < PlayConfidence {
		// Nothing in the catalog is sure enough to play: an artist known
		// beyond it starts music of their genres.
		if b, ok := ix.beyondCatalog(p.artistSlot, r.content); ok {
			out = append([]Candidate{b}, out...)
		}
	}
	if len(out) == 0 {
		return nil
	}
	factor := 1.0
	if out[0].Kind != KindTrack {
		factor = altFactor
	}
	return r.withAlternatives(out, limit, factor)
}

// reading is the state of one Understand call.
type reading struct {
	ix      *Index
	query   string
	content []string // the request without commands and politeness
	nonGlue []string // content words that may name music
	rest    []string // nonGlue words that are neither mood nor genre
	mood    string
	weak    bool        // the mood rests on a weak word alone ("happy")
	genre   *genreEntry // the genre the rest of the request names
	moodG   *genreEntry // a label that is also the mood word ("sleep", "party")
	gconf   float64
	tracks  []Match
}

// stripCommands drops the command that opens a request ("play", "can you
// play", "spiel") and the politeness that closes it ("please", "por favor").
func stripCommands(words []string) []string {
	for changed := true; changed; {
		changed = false
		for _, p := range commandPhrases {
			if hasPrefix(words, p) && len(words) > len(p) {
				words, changed = words[len(p):], true
				break
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range politeTails {
			if hasSuffix(words, p) {
				words, changed = words[:len(words)-len(p)], true
				break
			}
		}
	}
	if len(words) == 1 && (words[0] == "play" || words[0] == "please") {
		return nil
	}
	return words
}

func hasPrefix(words, p []string) bool {
	return len(words) >= len(p) && slices.Equal(words[:len(p)], p)
}

func hasSuffix(words, p []string) bool {
	return len(words) >= len(p) && slices.Equal(words[len(words)-len(p):], p)
}

// classify splits the content into glue, mood words, a genre and the rest.
func (r *reading) classify() {
	moods := map[string]int{}
	strong := false
	for _, w := range r.content {
		if glue[w] {
			continue
		}
		r.nonGlue = append(r.nonGlue, w)
		if m, ok := moodWords[w]; ok {
			moods[m]++
			strong = strong || !weakMoods[w]
			continue
		}
		r.rest = append(r.rest, w)
	}
	// A weak mood word ("happy") alone is a title; with glue ("happy
	// music") or a second mood word it is a mood.
	withContext := len(r.content) > len(r.nonGlue) || len(r.nonGlue)-len(r.rest) > 1
	if len(moods) > 0 && (strong || withContext) {
		r.mood = topMood(moods)
		r.weak = !strong
	} else {
		r.rest = r.nonGlue
	}
	if len(r.rest) > 0 {
		if g, conf := r.ix.genreFor(strings.Join(r.rest, " ")); g != nil {
			r.genre, r.gconf, r.rest = g, conf, nil
		}
	}
	if r.mood != "" && r.genre == nil && len(r.rest) == 0 {
		// "sleep", "party", "chill" are labels too: a mood request keeps
		// the label's tracks as its genre.
		for _, w := range r.nonGlue {
			if g := r.ix.genres[w]; g != nil && g.label {
				r.moodG = g
				break
			}
		}
	}
	if r.genre != nil && !r.genre.label {
		// A tag that is also an artist's name is the artist.
		if _, ok := r.ix.bestArtist(r.content, r.nonGlue); ok {
			r.genre, r.rest = nil, r.nonGlue
		}
	}
}

// topMood is the mood named most often; ties go to calm, then steady.
func topMood(m map[string]int) string {
	best := ""
	for _, k := range []string{"calm", "steady", "lively"} {
		if m[k] > m[best] {
			best = k
		}
	}
	return best
}

// genreFor finds the genre a phrase names: a label or tag, a synonym, or a
// label one edit away (single words of five letters or more).
func (ix *Index) genreFor(phrase string) (*genreEntry, float64) {
	if s, ok := genreSynonyms[phrase]; ok {
		phrase = s
	}
	if g := ix.genres[phrase]; g != nil {
		if g.label {
			return g, confGenreLabel
		}
		return g, confGenreTag
	}
	rs := []rune(phrase)
	if len(rs) < 5 || strings.Contains(phrase, " ") {
		return nil, 0
	}
	for _, l := range ix.labelWords {
		if osaDistance(rs, l, 1) == 1 {
			return ix.genres[l], confGenreTypo
		}
	}
	return nil, 0
}

func (r *reading) genreCandidate() Candidate {
	g := r.genre
	c := Candidate{Kind: KindGenre, Row: -1, Rows: toInts(g.rows), Genre: g.name, Mood: r.mood, Label: g.name, Confidence: r.gconf}
	if r.mood != "" {
		c.Label = r.mood + " " + g.name
	}
	return c
}

func (r *reading) moodCandidate() Candidate {
	c := Candidate{Kind: KindMood, Row: -1, Mood: r.mood, Label: "something " + r.mood, Confidence: confMood}
	if r.weak {
		c.Confidence = confWeakMood
	}
	if r.moodG != nil {
		c.Genre, c.Rows = r.moodG.name, toInts(r.moodG.rows)
	}
	return c
}

// entity resolves a request that names music: an artist, an album or
// work, or a track.
func (r *reading) entity() []Candidate {
	ix := r.ix
	r.tracks = ix.search(r.query, 8)
	var top *Match
	if len(r.tracks) > 0 {
		top = &r.tracks[0]
	}
	titlePop := ix.exactTitlePop(r.content)
	album, albumOK := ix.bestAlbum(r.content)
	if art, ok := ix.bestArtist(r.content, artistWords(r.content)); ok && r.artistWins(art, top, titlePop, album, albumOK) {
		return []Candidate{ix.artistCandidate(art)}
	}
	if albumOK && album.pop >= titlePop {
		if h, _ := phraseHash(strings.Join(r.content, " ")); ix.titleKey[album.c.Row] == h {
			// The album's best track is the title asked for ("Hotel
			// California"): the request names the song.
			album.c.Kind, album.c.Rows = KindTrack, album.c.Rows[:1]
		}
		return []Candidate{album.c}
	}
	if top != nil {
		return []Candidate{ix.trackCandidate(*top)}
	}
	return nil
}

// artistWords are the words of a request an artist's name must contain.
func artistWords(content []string) []string {
	var out []string
	for _, w := range content {
		if !optionalForArtist[w] {
			out = append(out, w)
		}
	}
	return out
}

// artistWins decides between an artist whose name contains the request
// and the best track, album or work.
//
// When the request says the artist's whole name (or the lead of a band
// name: "bob marley" for "Bob Marley & The Wailers"), a title that merely
// contains the name ("Bob Marley" by Grizfolk) never beats the artist, but
// a famous title does beat an obscure artist of that name ("Take Five", not
// the band Take/Five). When it says only part of the name ("imagine" of
// Imagine Dragons, "the planets" of Digable Planets), an exact title or a
// work of that name wins unless the artist is far more popular; a surname
// that is also in the artist's own works ("mozart": "Mozart: Clarinet
// Concerto") is the artist. A corrected name never beats a title matched
// exactly ("circles" is not Inner Circle).
func (r *reading) artistWins(art artistMatch, top *Match, titlePop int, album albumMatch, albumOK bool) bool {
	ix := r.ix
	a := &ix.artists
	pop := int(a.pop[art.id])
	switch {
	case art.edits > 0 && top != nil && top.Score >= 1:
		return false
	case albumOK && album.artist == art.id:
		return true
	case !art.full:
		rival := titlePop
		if albumOK {
			rival = max(rival, album.pop)
		}
		if rival >= 0 {
			return pop >= rival+artistSlack
		}
	}
	switch {
	case top == nil || a.primary[top.Row] == art.id:
		return true
	case art.full && titlePop >= 0:
		return pop >= titlePop
	}
	return pop+artistSlack >= int(ix.pop(int32(top.Row)))
}

func (r *reading) withAlternatives(out []Candidate, limit int, factor float64) []Candidate {
	if len(out) < limit && out[0].Kind != KindContinue {
		if r.tracks == nil {
			r.tracks = r.ix.search(r.query, limit+1)
		}
		for _, m := range r.tracks {
			c := r.ix.trackCandidate(m)
			c.Confidence *= factor
			out = append(out, c)
		}
	}
	seen := map[int]bool{}
	kept := out[:0]
	for _, c := range out {
		if c.Row >= 0 && seen[c.Row] {
			continue
		}
		seen[c.Row] = true
		kept = append(kept, c)
	}
	first := kept[0]
	rest := kept[1:]
	// The chosen reading stays first; suggestions never claim more
	// confidence than it.
	slices.SortStableFunc(rest, func(a, b Candidate) int { return cmp.Compare(b.Confidence, a.Confidence) })
	for i := range rest {
		rest[i].Confidence = math.Min(rest[i].Confidence, first.Confidence)
	}
	return kept[:min(limit, len(kept))]
}

func (ix *Index) trackCandidate(m Match) Candidate {
	c := Candidate{Kind: KindTrack, Row: m.Row, Rows: []int{m.Row}, Confidence: trackConfidence(m)}
	if a := ix.artists.primary[m.Row]; a >= 0 {
		c.Artist = Normalize(ix.artists.names[a])
		c.Label = ix.artists.names[a]
	}
	return c
}

// trackConfidence maps a search match to 0..1: the score (about 1 when
// every word matched, up to 1.4 with bonuses) scaled by the share of the
// request found, so that half a request found ("frank sinatra" →
// "Frankie Sinatra") is not confident even when the half is a whole title.
func trackConfidence(m Match) float64 {
	return math.Max(0, math.Min(0.97, (0.1+0.8*m.Score)*math.Min(1, m.Coverage)))
}

// artistMatch is an artist whose name covers a request.
type artistMatch struct {
	id    int32
	cover float64 // share of the name's words the request said
	full  bool    // the request says the whole name, or the lead of a band name
	edits int
	score float64
}

// bestArtist finds the artist whose name contains every word of nonGlue
// (typos allowed), preferring names the request covers fully, popular
// artists and artists with many tracks. Glue words of the request ("the",
// "and") count towards covering a name but are not required.
func (ix *Index) bestArtist(content, nonGlue []string) (artistMatch, bool) {
	a := &ix.artists
	if len(nonGlue) == 0 || len(a.names) == 0 {
		return artistMatch{}, false
	}
	type acc struct {
		mask  uint32
		words int
		edits int
	}
	accs := map[int32]*acc{}
	var runes []rune
	for i, w := range nonGlue {
		var cands []candidate
		cands, runes = ix.wordTerms(nil, []byte(w), runes)
		for _, c := range cands {
			for _, id := range a.byTerm[a.termOff[c.term]:a.termOff[c.term+1]] {
				if i > 0 && accs[id] == nil {
					continue // must match every word: only artists of the first survive
				}
				x := accs[id]
				if x == nil {
					x = &acc{edits: 0}
					accs[id] = x
				}
				if x.mask&(1<<i) == 0 {
					x.mask |= 1 << i
					x.words++
					x.edits += c.edits
				}
			}
		}
		if len(accs) == 0 {
			return artistMatch{}, false
		}
	}
	// Glue words of the request that are in the name ("take that").
	for _, w := range content {
		if !glue[w] || fillers[w] {
			continue
		}
		if t, ok := ix.term(w); ok {
			for _, id := range a.byTerm[a.termOff[t]:a.termOff[t+1]] {
				if x := accs[id]; x != nil {
					x.words++
				}
			}
		}
	}
	full := uint32(1)<<len(nonGlue) - 1
	best := artistMatch{id: -1}
	for id, x := range accs {
		if x.mask != full || a.count[id] == 0 {
			continue
		}
		m := artistMatch{id: id, cover: math.Min(1, float64(x.words)/float64(a.words[id])), edits: x.edits}
		m.full = x.words >= int(a.lead[id])
		m.score = 40*m.cover + float64(max(a.pop[id], 0)) + 8*math.Log2(1+float64(a.count[id])) - 15*float64(x.edits)
		if best.id < 0 || m.score > best.score || m.score == best.score && id < best.id {
			best = m
		}
	}
	return best, best.id >= 0
}

// wordTerms appends the vocabulary words query word w may stand for: itself
// and its corrections, as in Search.
func (ix *Index) wordTerms(dst []candidate, w []byte, runes []rune) ([]candidate, []rune) {
	id, known := ix.term(string(w))
	if known {
		dst = append(dst, candidate{term: id})
	}
	n := len(dst)
	dst, runes = ix.typoCandidates(dst, w, runes)
	if known {
		dst = ix.keepCommoner(dst, id, n)
	}
	return dst, runes
}

func (ix *Index) artistCandidate(m artistMatch) Candidate {
	a := &ix.artists
	rows := toInts(a.artistRows(m.id))
	name := a.names[m.id]
	conf := confArtist * math.Pow(float64(typoFactor[1])+0.3, float64(m.edits))
	if !m.full {
		conf *= confPartialName
	}
	return Candidate{Kind: KindArtist, Row: rows[0], Rows: rows, Artist: Normalize(name), Label: name, Confidence: conf}
}

// albumMatch is an album or work a request names.
type albumMatch struct {
	c      Candidate
	pop    int
	artist int32
}

// bestAlbum finds the artist with the most popular group of at least
// minAlbumTitles different titles that have the request as album or as a
// segment of the title.
func (ix *Index) bestAlbum(content []string) (albumMatch, bool) {
	words := content
	for len(words) > 1 && (words[0] == "album" || words[0] == "the" || words[0] == "record") {
		words = words[1:]
	}
	if len(words) == 0 {
		return albumMatch{}, false
	}
	phrase := strings.Join(words, " ")
	rows := ix.phraseRows(phrase)
	if len(rows) < minAlbumTitles {
		return albumMatch{}, false
	}
	byArtist := map[int32][]int32{}
	for _, r := range rows {
		byArtist[ix.artists.primary[r]] = append(byArtist[ix.artists.primary[r]], r)
	}
	best, bestPop := int32(-1), -1
	for a, rs := range byArtist {
		if a < 0 || distinctTitles(ix, rs) < minAlbumTitles {
			continue
		}
		p := 0
		for _, r := range rs {
			p = max(p, int(ix.pop(r)))
		}
		if p > bestPop || p == bestPop && a < best {
			best, bestPop = a, p
		}
	}
	if best < 0 {
		return albumMatch{}, false
	}
	rs := byArtist[best]
	slices.SortStableFunc(rs, func(x, y int32) int { return cmp.Compare(ix.pop(y), ix.pop(x)) })
	rs = rs[:min(len(rs), maxGroupRows)]
	name := ix.artists.names[best]
	c := Candidate{Kind: KindAlbum, Row: int(rs[0]), Rows: toInts(rs), Artist: Normalize(name), Label: phrase, Confidence: confAlbum}
	return albumMatch{c: c, pop: bestPop, artist: best}, true
}

func distinctTitles(ix *Index, rows []int32) int {
	var seen []uint32
	for _, r := range rows {
		if k := ix.titleKey[r]; !slices.Contains(seen, k) {
			seen = append(seen, k)
			if len(seen) >= minAlbumTitles {
				break
			}
		}
	}
	return len(seen)
}

// exactTitlePop is the popularity of the most popular row whose title
// (without version parts) is the request, -1 when none.
func (ix *Index) exactTitlePop(content []string) int {
	h, ok := phraseHash(strings.Join(content, " "))
	if !ok {
		return -1
	}
	best := -1
	for _, r := range ix.phraseRows(strings.Join(content, " ")) {
		if ix.titleKey[r] == h {
			best = max(best, int(ix.pop(r)))
		}
	}
	return best
}

// Versions returns the other rows of the same song as row: the same
// primary artist and the same title without version parts ("HUMBLE." and
// "HUMBLE. (Clean)"), most popular first.
func (ix *Index) Versions(row int) []int {
	if row < 0 || row >= ix.n {
		return nil
	}
	k := ix.titleKey[row]
	var out []int
	k64 := uint64(k) << 32
	i, _ := slices.BinarySearch(ix.phrases, k64)
	for ; i < len(ix.phrases) && ix.phrases[i]>>32 == uint64(k); i++ {
		r := int(uint32(ix.phrases[i]))
		if r != row && ix.titleKey[r] == k && ix.artists.primary[r] == ix.artists.primary[row] {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return cmp.Compare(ix.pop(int32(b)), ix.pop(int32(a))) })
	return out
}

func toInts(rs []int32) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = int(r)
	}
	return out
}
