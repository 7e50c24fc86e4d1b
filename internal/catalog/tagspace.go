package catalog

import (
	"math"
	"sort"
	"strings"

	"github.com/continuo/continuo/internal/embed"
)

// TagSpace is the learned genre space: a unit vector for every known tag
// (the datasets' genre labels and the artists' Spotify genre tags share one
// vocabulary, keyed by NormalizeTag), plus the means used to place genre
// strings it has never seen. It is immutable and safe for concurrent reads.
type TagSpace struct {
	dims   int
	names  []string         // display spelling, first seen
	keys   []string         // NormalizeTag(names[i])
	index  map[string]int32 // key -> row
	vecs   embed.Matrix     // len(names)×dims, unit rows
	family []int8           // curated or derived family per tag, -1 none

	// tokenVecs holds, for every word of a known tag, the normalised mean of
	// the vectors of the tags containing that word ("romantic" -> mean of
	// "romantic era", "late romantic era", ...). Built from vecs, not stored.
	tokenVecs map[string][]float32
}

// TagScore is a tag and its cosine similarity to a query.
type TagScore struct {
	Tag   string
	Score float32
}

// newTagSpace assembles a space from learned rows and derives the lookup
// structures. names and vecs must agree in length.
func newTagSpace(names []string, vecs embed.Matrix, family []int8) *TagSpace {
	s := &TagSpace{
		dims:   vecs.Cols,
		names:  names,
		keys:   make([]string, len(names)),
		index:  make(map[string]int32, len(names)),
		vecs:   vecs,
		family: family,
	}
	for i, n := range names {
		k := NormalizeTag(n)
		s.keys[i] = k
		if _, dup := s.index[k]; !dup {
			s.index[k] = int32(i)
		}
	}
	s.buildTokens()
	return s
}

func (s *TagSpace) buildTokens() {
	sums := make(map[string][]float32)
	for i, k := range s.keys {
		for _, w := range tokens(k) {
			v := sums[w]
			if v == nil {
				v = make([]float32, s.dims)
				sums[w] = v
			}
			embed.AddScaled(v, 1, s.vecs.Row(i))
		}
	}
	for _, v := range sums {
		embed.Normalize(v)
	}
	s.tokenVecs = sums
}

// Dims returns the dimension of the space.
func (s *TagSpace) Dims() int {
	if s == nil {
		return 0
	}
	return s.dims
}

// Len returns the number of known tags.
func (s *TagSpace) Len() int {
	if s == nil {
		return 0
	}
	return len(s.names)
}

// Tags returns the known tags in row order (a copy).
func (s *TagSpace) Tags() []string { return append([]string(nil), s.names...) }

// Vector returns the unit vector of a known tag (shared storage: do not
// modify). The tag is normalised first, so "Hip-Hop" finds "hip hop".
func (s *TagSpace) Vector(tag string) ([]float32, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := s.index[NormalizeTag(tag)]
	if !ok {
		return nil, false
	}
	return s.vecs.Row(int(i)), true
}

// Embed maps genre strings to one unit vector in dst (len Dims()): the
// normalised mean of each string's vector. A string that is not a known tag
// is mapped through an alias table ("Klassik" -> classical), then through its
// words (the mean of the word vectors, "Romantic Era Classical"), then to the
// known tag with the most similar spelling. It returns false, with dst
// zeroed, when nothing could be mapped or dst has the wrong length.
func (s *TagSpace) Embed(tags []string, dst []float32) bool {
	if s == nil || len(dst) != s.dims {
		return false
	}
	clear(dst)
	n := 0
	for _, t := range tags {
		if v := s.lookup(NormalizeTag(t)); v != nil {
			embed.AddScaled(dst, 1, v)
			n++
		}
	}
	if n == 0 || embed.Normalize(dst) == 0 {
		clear(dst)
		return false
	}
	return true
}

// lookup returns a unit vector for a normalised genre string, or nil.
func (s *TagSpace) lookup(key string) []float32 {
	if key == "" {
		return nil
	}
	if i, ok := s.index[key]; ok {
		return s.vecs.Row(int(i))
	}
	if a, ok := tagAliases[key]; ok {
		if i, ok := s.index[a]; ok {
			return s.vecs.Row(int(i))
		}
	}
	// Words: a word that is itself a tag counts as that tag, otherwise the
	// mean of the tags containing it.
	acc := make([]float32, s.dims)
	n := 0
	for _, w := range tokens(key) {
		if a, ok := tagAliases[w]; ok {
			w = a
		}
		if i, ok := s.index[w]; ok {
			embed.AddScaled(acc, 1, s.vecs.Row(int(i)))
			n++
		} else if v, ok := s.tokenVecs[w]; ok {
			embed.AddScaled(acc, 1, v)
			n++
		}
	}
	if n > 0 && embed.Normalize(acc) > 0 {
		return acc
	}
	if i := s.nearestSpelling(key); i >= 0 {
		return s.vecs.Row(i)
	}
	return nil
}

// nearestSpelling returns the known tag whose character trigrams overlap the
// key's most (Jaccard >= 0.3), or -1. It catches misspellings and compounds
// written as one word ("klassikmusik", "synthpop").
func (s *TagSpace) nearestSpelling(key string) int {
	if len(key) > 200 {
		return -1 // not a genre; do not spend time on it
	}
	q := trigrams(key)
	if len(q) == 0 {
		return -1
	}
	best, bestScore := -1, 0.3
	for i, k := range s.keys {
		t := trigrams(k)
		inter := 0
		for g := range q {
			if t[g] {
				inter++
			}
		}
		if inter == 0 {
			continue
		}
		j := float64(inter) / float64(len(q)+len(t)-inter)
		if j > bestScore {
			best, bestScore = i, j
		}
	}
	return best
}

func trigrams(s string) map[string]bool {
	s = " " + strings.ReplaceAll(s, " ", "  ") + " "
	r := []rune(s)
	out := make(map[string]bool, len(r))
	for i := 0; i+3 <= len(r); i++ {
		out[string(r[i:i+3])] = true
	}
	return out
}

// Nearest returns the k known tags most similar to tag (mapped as by Embed),
// best first, excluding the tag itself.
func (s *TagSpace) Nearest(tag string, k int) []TagScore {
	if s == nil || k <= 0 {
		return nil
	}
	q := make([]float32, s.dims)
	if !s.Embed([]string{tag}, q) {
		return nil
	}
	self := int32(-1)
	if i, ok := s.index[NormalizeTag(tag)]; ok {
		self = i
	}
	scores := make([]float32, s.vecs.Rows)
	if err := s.vecs.Scores(q, scores); err != nil {
		return nil
	}
	order := make([]int, 0, len(scores))
	for i := range scores {
		if int32(i) != self {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool {
		if scores[order[a]] != scores[order[b]] {
			return scores[order[a]] > scores[order[b]]
		}
		return order[a] < order[b]
	})
	if k > len(order) {
		k = len(order)
	}
	out := make([]TagScore, k)
	for i := 0; i < k; i++ {
		out[i] = TagScore{Tag: s.names[order[i]], Score: scores[order[i]]}
	}
	return out
}

// nearestFamily returns the family of the most similar tag that has one, if
// the similarity is at least 0.5; -1 otherwise.
func (s *TagSpace) nearestFamily(key string) int {
	v := s.lookup(key)
	if v == nil {
		return -1
	}
	return s.familyOfVector(v, -1)
}

func (s *TagSpace) familyOfVector(v []float32, skip int) int {
	best, bestScore := -1, float32(0.5)
	for i := 0; i < s.vecs.Rows; i++ {
		if i == skip || s.family[i] < 0 {
			continue
		}
		if d := embed.Dot(v, s.vecs.Row(i)); d > bestScore {
			best, bestScore = int(s.family[i]), d
		}
	}
	return best
}

// deriveFamilies fills family[i] for every tag: the curated tables first,
// then, for tags they leave open, the family of the most similar tag that
// has a curated one.
func (s *TagSpace) deriveFamilies() {
	s.family = make([]int8, len(s.names))
	for i, k := range s.keys {
		s.family[i] = int8(keywordFamily(k))
	}
	curated := append([]int8(nil), s.family...)
	for i := range s.family {
		if s.family[i] >= 0 || nonGenre[s.keys[i]] {
			continue
		}
		best, bestScore := -1, float32(0.5)
		for j := range curated {
			if curated[j] < 0 || j == i {
				continue
			}
			if d := embed.Dot(s.vecs.Row(i), s.vecs.Row(j)); d > bestScore {
				best, bestScore = int(curated[j]), d
			}
		}
		s.family[i] = int8(best)
	}
}

// finite reports whether every value of v is a finite number.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
