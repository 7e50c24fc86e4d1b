package resolve

import (
	"slices"
	"unicode/utf8"
)

// Typo tolerance. Words shorter than minTypoLen runes are matched exactly
// only: "cat" is one edit from too many words to guess. Query words of up
// to 8 runes may be one edit away from the word they mean, longer ones two
// ("tchaikovksy" is one transposition, counted as one edit).
const (
	minTypoLen  = 4
	longTypoLen = 9
	maxTypoLen  = 32 // longer words are matched exactly only
	// maxCandidates bounds the vocabulary words one query word expands to,
	// so a short common word cannot pull in half the index.
	maxCandidates = 8
)

// maxEdits returns how many edits a query word of n runes may carry.
func maxEdits(n int) int {
	switch {
	case n < minTypoLen || n > maxTypoLen:
		return 0
	case n < longTypoLen:
		return 1
	}
	return 2
}

// buildDeletes fills ix.deletes with (hash of the term and each of its
// single-rune deletions, term id). Index-side deletions of distance 1 and
// query-side deletions up to distance 2 together find every vocabulary word
// within one substitution, transposition, insertion or deletion of the
// query word, and two insertions or an insertion plus a substitution for
// long words; the candidates are then checked with osaDistance. Storing
// only single deletions keeps the index near 8 entries per word.
func (ix *Index) buildDeletes() {
	var runes []rune
	var hs []uint32
	for id, w := range ix.terms {
		if w[0] == accentMark {
			continue // accented spellings are for the bonus only
		}
		runes = append(runes[:0], []rune(w)...)
		if len(runes) < minTypoLen-1 || len(runes) > maxTypoLen+2 {
			continue
		}
		hs = append(hs[:0], hashSkip(runes, -1, -1))
		for i := range runes {
			hs = append(hs, hashSkip(runes, i, -1))
		}
		slices.Sort(hs)
		hs = slices.Compact(hs) // "aab" deletes to "ab" twice
		for _, h := range hs {
			ix.deletes = append(ix.deletes, uint64(h)<<32|uint64(uint32(id)))
		}
	}
	slices.Sort(ix.deletes)
}

// hashSkip is FNV-1a over the runes of w, skipping positions i and j (-1
// for none).
func hashSkip(w []rune, i, j int) uint32 {
	h := uint32(2166136261)
	for k, r := range w {
		if k == i || k == j {
			continue
		}
		for x := uint32(r); ; x >>= 8 {
			h ^= x & 0xff
			h *= 16777619
			if x < 0x100 {
				break
			}
		}
		h ^= 0xff // rune separator, so multi-byte runes cannot alias
		h *= 16777619
	}
	return h
}

// candidate is a vocabulary word a query word may stand for.
type candidate struct {
	term  int32
	edits int
}

// typoCandidates appends to dst the vocabulary words within maxEdits of q
// (excluding q itself), nearest first, then most frequent, at most
// maxCandidates. runes is a scratch buffer, returned for reuse.
func (ix *Index) typoCandidates(dst []candidate, q []byte, runes []rune) ([]candidate, []rune) {
	runes = runes[:0]
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRune(q[i:])
		runes = append(runes, r)
		i += size
	}
	maxD := maxEdits(len(runes))
	if maxD == 0 || len(ix.deletes) == 0 {
		return dst, runes
	}
	start := len(dst)
	probe := func(h uint32) {
		lo := uint64(h) << 32
		k := ix.deleteFence.LowerBound(ix.deletes, lo)
		for ; k < len(ix.deletes) && ix.deletes[k]>>32 == uint64(h); k++ {
			id := int32(uint32(ix.deletes[k]))
			if slices.ContainsFunc(dst[start:], func(c candidate) bool { return c.term == id }) {
				continue
			}
			d := osaDistance(runes, ix.terms[id], maxD)
			if d == 0 || d > maxD {
				continue
			}
			dst = append(dst, candidate{term: id, edits: d})
		}
	}
	probe(hashSkip(runes, -1, -1))
	for i := range runes {
		probe(hashSkip(runes, i, -1))
		if maxD < 2 {
			continue
		}
		for j := i + 1; j < len(runes); j++ {
			probe(hashSkip(runes, i, j))
		}
	}
	cands := dst[start:]
	slices.SortFunc(cands, func(a, b candidate) int {
		if a.edits != b.edits {
			return a.edits - b.edits
		}
		if da, db := ix.df(a.term), ix.df(b.term); da != db {
			return int(db - da)
		}
		return int(a.term - b.term)
	})
	if len(cands) > maxCandidates {
		dst = dst[:start+maxCandidates]
	}
	return dst, runes
}

// df is the number of rows containing term t.
func (ix *Index) df(t int32) int32 { return ix.offsets[t+1] - ix.offsets[t] }

// osaDistance is the optimal string alignment distance (Levenshtein plus
// adjacent transpositions, each counting one edit) between a and b, or
// max+1 as soon as it must exceed max. Both words are at most a few dozen
// runes, so the three rows live on the stack.
func osaDistance(a []rune, bs string, max int) int {
	var bbuf [maxTypoLen + 3]rune
	b := bbuf[:0]
	for _, r := range bs {
		if len(b) == len(bbuf) {
			return max + 1
		}
		b = append(b, r)
	}
	if len(a) > maxTypoLen+2 {
		return max + 1
	}
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var r0, r1, r2 [maxTypoLen + 4]int
	prev2, prev, cur := r0[:len(b)+1], r1[:len(b)+1], r2[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
