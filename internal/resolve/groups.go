package resolve

import (
	"cmp"
	"slices"
	"strings"

	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
)

// Groups of rows that a request can name as a whole, built once in NewIndex:
//
//   - artists: every credited artist's normalised name, its display
//     spelling, its most popular rows, and an inverted index from the words
//     of artist names to artists, so "marley" finds "Bob Marley & The
//     Wailers" and the deletion index corrects "metalica";
//   - phrases: the album (edition words dropped) and the segments of each
//     title ("Tchaikovsky: The Nutcracker, Op. 71: March" has "the
//     nutcracker"; "Waltz of the Flowers from The Nutcracker" too), so a
//     request for a work or an album finds all its rows;
//   - genres: every genre label and tag with its most popular rows.

// maxGroupRows is how many of an artist's or genre's most popular rows are
// kept: enough to start a drive and anchor it, a bounded cost per group.
const maxGroupRows = 12

// artistIndex holds the artists of the catalog.
type artistIndex struct {
	ids   map[string]int32 // normalised name → artist, while building (then idx)
	idx   hashindex.Index  // hash of a normalised name → artist (mapped.go)
	keys  []string         // artist → normalised name
	names []string         // artist → display name (first spelling seen)
	words []uint8          // artist → words in its normalised name that are not fillers
	lead  []uint8          // artist → the same before "&", "and", "feat", "with" or a comma
	pop   []int8           // artist → best popularity of its primary rows (-1 none)
	count []int32          // artist → rows where it is the primary artist
	// Rows of artist a: rows[rowOff[a]:rowOff[a+1]], primary rows first,
	// then by popularity.
	rowOff []int32
	rows   []int32
	// Artists whose name contains term t: byTerm[termOff[t]:termOff[t+1]].
	termOff []int32
	byTerm  []int32

	primary []int32 // row → its primary artist, -1 none
}

// genreEntry is a genre label or tag and its most popular rows.
type genreEntry struct {
	name  string // as in the catalog ("hip hop", "r&b")
	label bool   // a track label (Genres), not only an artist tag
	count int32
	rows  []int32 // most popular first, at most maxGroupRows
	last  int32   // the last row counted, while building
}

// buildGroups fills the artist, phrase and genre indexes.
func (ix *Index) buildGroups(tracks []music.Track) {
	ix.buildArtists(tracks)
	ix.buildPhrases(tracks)
	ix.buildGenres(tracks)
}

func (ix *Index) buildArtists(tracks []music.Track) {
	a := &ix.artists
	a.ids = make(map[string]int32)
	a.primary = make([]int32, len(tracks))
	var credits [][2]int32        // (artist, row), primary flag in the sign of row+1
	raw := make(map[string]int32) // spelling → artist, -1 for a name that normalises to nothing
	for r := range tracks {
		a.primary[r] = -1
		for k, name := range tracks[r].Artists {
			id, ok := raw[name]
			if !ok {
				id = a.intern(name)
				raw[name] = id
			}
			if id < 0 {
				continue
			}
			if k == 0 {

				a.primary[r] = id
				a.count[id]++
				a.pop[id] = max(a.pop[id], ix.pop(int32(r)))
				credits = append(credits, [2]int32{id, int32(r + 1)})
			} else {
				credits = append(credits, [2]int32{id, -int32(r + 1)})
			}
		}
	}
	// Sort credits by artist, primary first, then by popularity.
	slices.SortFunc(credits, func(x, y [2]int32) int {
		if c := cmp.Compare(x[0], y[0]); c != 0 {
			return c
		}
		if px, py := x[1] > 0, y[1] > 0; px != py {
			if px {
				return -1
			}
			return 1
		}
		rx, ry := abs32(x[1])-1, abs32(y[1])-1
		if c := cmp.Compare(ix.pop(ry), ix.pop(rx)); c != 0 {
			return c
		}
		return cmp.Compare(rx, ry)
	})
	a.rowOff = make([]int32, len(a.names)+1)
	for _, c := range credits {
		if a.rowOff[c[0]+1]-a.rowOff[c[0]] < maxGroupRows {
			a.rows = append(a.rows, abs32(c[1])-1)
			a.rowOff[c[0]+1]++
		}
	}
	for i := range a.names {
		a.rowOff[i+1] += a.rowOff[i]
	}
	// Words of names → artists, in artist order: ranging over the map would
	// make each list's order, and so the snapshot's bytes, differ per build.
	lists := make([][]int32, len(ix.terms))
	for i, n := range a.keys {
		id := int32(i)
		forEachWord([]byte(n), func(w []byte) {
			if t, ok := ix.vocab[string(w)]; ok && (len(lists[t]) == 0 || lists[t][len(lists[t])-1] != id) {
				lists[t] = append(lists[t], id)
			}
		})
	}
	a.termOff = make([]int32, len(ix.terms)+1)
	for t, l := range lists {
		a.termOff[t+1] = a.termOff[t] + int32(len(l))
		a.byTerm = append(a.byTerm, l...)
	}
}

// intern returns the artist of a spelling, adding it when new; -1 when
// the name normalises to nothing.
func (a *artistIndex) intern(name string) int32 {
	n := Normalize(name)
	if n == "" {
		return -1
	}
	if id, ok := a.ids[n]; ok {
		return id
	}
	id := int32(len(a.names))
	a.ids[n] = id
	a.keys = append(a.keys, n)
	a.names = append(a.names, name)
	a.words = append(a.words, uint8(min(countContentWords(n), 255)))
	a.lead = append(a.lead, uint8(min(countContentWords(Normalize(leadName(name))), 255)))
	a.pop = append(a.pop, -1)
	a.count = append(a.count, 0)
	return id
}

// leadName is the part of a credit before a second name: "Bob Marley" of
// "Bob Marley & The Wailers", "Simon" of "Simon, Garfunkel".
func leadName(name string) string {
	cut := len(name)
	lower := strings.ToLower(name)
	for _, sep := range []string{" & ", " and ", " feat", " with ", ", ", " + ", " y ", " et ", " und "} {
		if i := strings.Index(lower, sep); i > 0 && i < cut {
			cut = i
		}
	}
	return name[:cut]
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// countContentWords counts the words of a normalised string that are not
// fillers ("the" in "the beatles" is not needed to name them).
func countContentWords(n string) int {
	k := 0
	forEachWord([]byte(n), func(w []byte) {
		if !fillers[string(w)] {
			k++
		}
	})
	return max(k, 1)
}

// artistRows returns artist a's kept rows, best first.
func (a *artistIndex) artistRows(id int32) []int32 { return a.rows[a.rowOff[id]:a.rowOff[id+1]] }

// buildPhrases fills ix.phrases with (hash of a phrase, row) for the album
// and each title segment of every row, and ix.titleKey with the hash of each
// row's title without version parts (for clean versions and for telling an
// album of many titles from many recordings of one title).
func (ix *Index) buildPhrases(tracks []music.Track) {
	ix.titleKey = make([]uint32, len(tracks))
	var seen []uint32
	type hashed struct {
		h  uint32
		ok bool
	}
	albums := make(map[string]hashed) // albums repeat across their tracks
	for r := range tracks {
		t := &tracks[r]
		seen = seen[:0]
		addHash := func(h uint32, ok bool) {
			if ok && !slices.Contains(seen, h) {
				seen = append(seen, h)
				ix.phrases = append(ix.phrases, uint64(h)<<32|uint64(uint32(r)))
			}
		}
		core := stripVersion(t.Title)
		h, ok := phraseHash(core)
		ix.titleKey[r] = h
		addHash(h, ok)
		for _, seg := range titleSegments(core) {
			addHash(phraseHash(seg))
		}
		if t.Album != "" {
			ah, seen := albums[t.Album]
			if !seen {
				ah.h, ah.ok = phraseHash(stripVersion(t.Album))
				albums[t.Album] = ah
			}
			addHash(ah.h, ah.ok)
		}
	}
	slices.Sort(ix.phrases)
}

// phraseRows returns the rows having phrase s as album or title segment.
func (ix *Index) phraseRows(s string) []int32 {
	h, ok := phraseHash(s)
	if !ok {
		return nil
	}
	k, _ := slices.BinarySearch(ix.phrases, uint64(h)<<32)
	var out []int32
	for ; k < len(ix.phrases) && ix.phrases[k]>>32 == uint64(h); k++ {
		out = append(out, int32(uint32(ix.phrases[k])))
	}
	return out
}

// phraseHash hashes the normalised phrase without a leading article; false
// for an empty phrase.
func phraseHash(s string) (uint32, bool) {
	n := Normalize(s)
	for _, art := range []string{"the ", "a ", "an "} {
		n = strings.TrimPrefix(n, art)
	}
	if n == "" {
		return 0, false
	}
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(n); i++ {
		h ^= uint32(n[i])
		h *= 16777619
	}
	return h, true
}

// stripVersion drops what names a version rather than the piece: bracketed
// parts ("(Remastered 2011)", "[Live]", "(feat. X)", "(Legacy Edition)")
// and a " - " suffix ("- Radio Edit", "- SKRILLEX REMIX").
func stripVersion(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[':
			depth++
			continue
		case ')', ']':
			depth = max(depth-1, 0)
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	out := b.String()
	for _, sep := range []string{" - ", " – ", " — "} {
		if i := strings.Index(out, sep); i > 0 {
			out = out[:i]
		}
	}
	if strings.TrimSpace(out) == "" {
		return s
	}
	return out
}

// titleSegments splits a title into the parts that may name a work: at
// ':', ',', '/', ';' and before " from " ("Waltz of the Flowers from The
// Nutcracker").
func titleSegments(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' || r == '/' || r == ';' })
	var out []string
	for _, p := range parts {
		lp := strings.ToLower(p)
		if i := strings.Index(lp, " from "); i > 0 {
			out = append(out, p[:i], p[i+len(" from "):])
			continue
		}
		out = append(out, p)
	}
	if len(out) == 1 {
		return nil // the whole title is added already
	}
	return out
}

// buildGenres fills ix.genres from the tracks' labels and tags.
func (ix *Index) buildGenres(tracks []music.Track) {
	ix.genres = make(map[string]*genreEntry)
	raw := make(map[string]*genreEntry) // spelling → entry; nil for one that normalises to nothing
	add := func(g string, r int, label bool) {
		e, ok := raw[g]
		if !ok {
			if n := Normalize(g); n != "" {
				if e = ix.genres[n]; e == nil {
					e = &genreEntry{name: g, last: -1}
					ix.genres[n] = e
				}
			}
			raw[g] = e
		}
		if e == nil {
			return
		}
		if label && !e.label {
			e.label, e.name = true, g
		}
		if e.last == int32(r) {
			return // a label and a tag of the same row
		}
		e.last = int32(r)
		e.count++
		e.rows = insertTop(e.rows, int32(r), ix.pop)
	}
	for r := range tracks {
		for _, g := range tracks[r].Genres {
			add(g, r, true)
		}
		for _, g := range tracks[r].Tags {
			add(g, r, false)
		}
	}
	for n, e := range ix.genres {
		if e.label && !strings.Contains(n, " ") {
			ix.labelWords = append(ix.labelWords, n)
		}
	}
	slices.Sort(ix.labelWords)
}

// insertTop adds row r to rows (most popular first), keeping at most
// maxGroupRows. Rows arrive in increasing order, so ties keep the earlier.
func insertTop(rows []int32, r int32, pop func(int32) int8) []int32 {
	p := pop(r)
	i := len(rows)
	for i > 0 && pop(rows[i-1]) < p {
		i--
	}
	if i >= maxGroupRows {
		return rows
	}
	if len(rows) < maxGroupRows {
		rows = append(rows, 0)
	}
	copy(rows[i+1:], rows[i:len(rows)-1])
	rows[i] = r
	return rows
}
