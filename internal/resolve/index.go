// Package resolve owns free-text track search: turning what a driver said to
// a voice assistant ("play Scène from Swan Lake", "tchaikovksy swam lake")
// into catalog rows.
//
// NewIndex builds, once per catalog, an inverted index from normalised
// words to the rows whose title, artists or album contain them, plus a
// deletion index over the vocabulary (SymSpell, Garbe 2012) that maps a
// misspelt query word to known words within edit distance 1 or 2 without
// comparing it to every track. Search scores rows by the IDF-weighted share
// of the query they cover, with bonuses for matching both title and artist
// and for covering most of the title, and a small popularity prior. Word
// order does not matter, missing words cost coverage, and filler words
// ("play", "by", "the", ...) weigh little.
//
// An *Index is immutable after NewIndex and safe for concurrent use.
package resolve

import (
	"slices"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/request"
)

// Match is one search result: a row of the track slice given to NewIndex
// and its score. Scores are comparable within one query only; a score near
// 1 means every query word matched exactly, above 1 adds bonuses.
type Match struct {
	Row   int
	Score float64
	// Coverage is the IDF-weighted share of the query's words the row
	// contains, typos discounted (1: all, exactly), without bonuses.
	Coverage float64
}

// Fields a word can occur in, as a bit mask on a posting.
const (
	fieldTitle uint8 = 1 << iota
	fieldArtist
	fieldAlbum
)

// posting says that a word occurs in a row, and in which fields.
type posting struct {
	row    int32
	fields uint8
}

// Index is the search index over a fixed track list.
type Index struct {
	n int // number of rows

	vocab    map[string]int32 // word → term id, while building (then vocabIdx)
	vocabIdx hashindex.Index  // hash of a word → term id (mapped.go)
	terms    []string         // term id → word
	// Postings of term t are postings[offsets[t]:offsets[t+1]], in row
	// order; the length is the word's document frequency.
	offsets  []int32
	postings []posting

	// deletes is the SymSpell index: for every term of at least minTypoLen
	// runes, the hash of the term itself and of each single-rune deletion,
	// in the high 32 bits, and the term id in the low 32, sorted. Hashes
	// instead of strings keep it a flat slice; collisions only add
	// candidates, which are then checked with a real edit distance.
	deletes     []uint64
	deleteFence hashindex.Fence // every page's first entry of deletes (mapped.go)

	titleLen   []uint8 // words in each row's title, capped at 255
	popularity []int8  // 0..100, -1 unknown

	// exact maps a hash of Normalize(artist) and Normalize(title) to a row,
	// exactTitle a hash of Normalize(title) alone. 64-bit hashes rather
	// than the strings save most of the index's memory on a real catalog
	// (titles are long); a false match needs a collision among a few
	// hundred thousand keys, odds of about 1 in 10^8.
	exact, exactTitle       map[uint64]int32 // while building
	exactIdx, exactTitleIdx hashindex.Index  // the same, sorted (mapped.go)

	scratch scratchPool // per-search accumulators

	// mapped is the snapshot the index reads in place (nil when built in
	// memory): its pages are released after each request (release).
	mapped *catalog.Catalog

	// Groups a request can name as a whole (groups.go).
	artists    artistIndex
	phrases    []uint64 // hash of an album or title segment << 32 | row, sorted
	titleKey   []uint32 // row → hash of its title without version parts
	genres     map[string]*genreEntry
	labelWords []string // one-word genre labels, for typo tolerance
}

// NewIndex builds the index for tracks; row numbers in results are indexes
// into tracks. It keeps no reference to tracks.
func NewIndex(tracks []music.Track) *Index {
	ix := &Index{
		n:          len(tracks),
		vocab:      make(map[string]int32),
		titleLen:   make([]uint8, len(tracks)),
		popularity: make([]int8, len(tracks)),
		exact:      make(map[uint64]int32, len(tracks)),
		exactTitle: make(map[uint64]int32, len(tracks)),
	}
	type occ struct {
		term   int32
		fields uint8
	}
	var (
		all    []occ   // every (row, term) pair, row by row
		rowEnd []int32 // all[rowEnd[r-1]:rowEnd[r]] belong to row r
		df     []int32
		buf    []byte
		key    []byte
		rowOcc = make(map[int32]int) // term → index in all, for the current row
	)
	// occur records that the current row has word w in field.
	occur := func(w []byte, field uint8) {
		id, ok := ix.vocab[string(w)]
		if !ok {
			id = int32(len(ix.terms))
			word := string(w)
			ix.vocab[word] = id
			ix.terms = append(ix.terms, word)
			df = append(df, 0)
		}
		if k, ok := rowOcc[id]; ok {
			all[k].fields |= field
			return
		}
		rowOcc[id] = len(all)
		all = append(all, occ{term: id, fields: field})
		df[id]++
	}
	// add indexes text's words in field and returns how many there are.
	add := func(text string, field uint8) int {
		buf = appendNormalized(buf[:0], text)
		words := 0
		forEachWord(buf, func(w []byte) {
			words++
			occur(w, field)
		})
		if !isASCII(text) {
			// Also index the accented spellings, under accentMark, for
			// the accent bonus (see Search).
			buf = appendLowered(buf[:0], text)
			forEachWord(buf, func(w []byte) {
				if !isASCII(string(w)) {
					key = append(append(key[:0], accentMark), w...)
					occur(key, field)
				}
			})
		}
		return words
	}
	for r := range tracks {
		t := &tracks[r]
		clear(rowOcc)
		words := add(t.Title, fieldTitle)
		if core := stripVersion(t.Title); len(core) < len(t.Title) {
			// "Wonderwall - Remastered" is all "Wonderwall": version
			// words do not dilute the share of the title matched.
			words = countWords(core)
		}
		ix.titleLen[r] = uint8(min(words, 255))
		for _, a := range t.Artists {
			add(a, fieldArtist)
		}
		add(t.Album, fieldAlbum)
		rowEnd = append(rowEnd, int32(len(all)))
		ix.popularity[r] = t.Popularity
		ix.addExact(r, t)
	}

	// Lay the postings out contiguously (CSR): one allocation, scanned in
	// row order at query time.
	ix.offsets = make([]int32, len(ix.terms)+1)
	for t, d := range df {
		ix.offsets[t+1] = ix.offsets[t] + d
	}
	ix.postings = make([]posting, len(all))
	next := slices.Clone(ix.offsets[:len(ix.terms)])
	row := int32(0)
	for k, o := range all {
		for int32(k) >= rowEnd[row] {
			row++
		}
		ix.postings[next[o.term]] = posting{row: row, fields: o.fields}
		next[o.term]++
	}
	ix.buildDeletes()
	ix.buildGroups(tracks)
	ix.freeze()
	ix.scratch.rows = ix.n
	// Understand parses every request first: learn the parser with the
	// index (once per process), not in the first call's deadline. A
	// failure shows again in Understand, which then reads without slots.
	_ = request.Warm()
	return ix
}

func (ix *Index) addExact(r int, t *music.Track) {
	title := Normalize(t.Title)
	if title == "" {
		return
	}
	better := func(old int32) bool { return ix.popularity[r] > ix.popularity[old] }
	if old, ok := ix.exactTitle[ix.hash("", title)]; !ok || better(old) {
		ix.exactTitle[ix.hash("", title)] = int32(r)
	}
	for _, a := range t.Artists {
		k := ix.hash(Normalize(a), title)
		if old, ok := ix.exact[k]; !ok || better(old) {
			ix.exact[k] = int32(r)
		}
	}
}

// artistTitleSep separates artist and title in an exact key: 0xff times
// FNV's 64-bit prime, XORed in, as the stored indexes were built.
const artistTitleSep = 0xff * 1099511628211

// hash is the key of an artist and title pair in the exact indexes: FNV-1a,
// fixed rather than seeded, as the snapshot stores the keys.
func (ix *Index) hash(artist, title string) uint64 {
	return hashindex.Extend(hashindex.String(artist)^artistTitleSep, title)
}

// Exact finds the row whose normalised title equals Normalize(title) and one
// of whose artists equals Normalize(artist), e.g. to map a player's
// xesam:title and xesam:artist back to the catalog. With an empty artist it
// matches the title alone. Among duplicates the most popular row wins, then
// the first.
func (ix *Index) Exact(artist, title string) (int, bool) {
	t := Normalize(title)
	if t == "" {
		return 0, false
	}
	a := Normalize(artist)
	x := &ix.exactIdx
	if a == "" {
		x = &ix.exactTitleIdx
	}
	r, ok := x.First(ix.hash(a, t))
	return int(r), ok
}

// Len returns the number of rows the index was built over.
func (ix *Index) Len() int { return ix.n }

// countWords counts the words of s once normalised.
func countWords(s string) int {
	n := 0
	forEachWord([]byte(Normalize(s)), func([]byte) { n++ })
	return n
}

// forEachWord calls fn for each space-separated word of a normalised string.
// The slice passed to fn is only valid during the call.
func forEachWord(s []byte, fn func(w []byte)) {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				fn(s[start:i])
			}
			start = i + 1
		}
	}
}
