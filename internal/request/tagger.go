package request

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// The tagger is a first-order structured perceptron over BIO tags with
// Viterbi decoding and averaged weights (Collins 2002). It was chosen over
// hand-written rules because the SNIPS requests name mostly artists and
// titles that no list holds ("play Yo Ho from the new york pops"): only the
// words around a name and its shape tell where it starts and ends, and the
// weights of those cues are best learned from the 2,000 labelled requests.
// A perceptron trains in about a second (at build time: cmd/mktagger, make
// tagger; the weights are embedded), needs no library, and its model is
// a map of feature weights; a CRF would gain little on this data.

const (
	epochs   = 12
	shuffleA = 0x5eed
	shuffleB = 0xc0ffee
)

// tagger holds the averaged weights.
type tagger struct {
	tags  []string       // "O", "B-artist", "I-artist", ...
	index map[string]int // tag → position
	feat  map[string][]float64
	trans [][]float64 // trans[prev][cur]; prev len(tags) is the start
	// albumFrom is the name shape score (nameshape.go) from which a name
	// the sentence does not call an album or a song is an album; learned
	// with the weights, from the training requests.
	albumFrom float64
	relabel   bool // albumFrom was learned (the training requests had such names)
}

// train learns a tagger from examples.
func train(examples []Example) *tagger {
	t := &tagger{index: map[string]int{}, feat: map[string][]float64{}}
	t.addTag("O")
	for _, ex := range examples {
		for _, s := range ex.Slots {
			if s != "" {
				t.addTag("B-" + s)
				t.addTag("I-" + s)
			}
		}
	}
	n := len(t.tags)
	t.trans = grid(n+1, n)
	// Averaging by Daumé's trick: sum keeps c·update, and the average is
	// w − sum/c.
	sumFeat := map[string][]float64{}
	sumTrans := grid(n+1, n)
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(shuffleA, shuffleB))
	c := 1.0
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			ex := examples[k]
			feats := features(ex.Tokens)
			gold := t.goldTags(ex)
			// Training decodes without the at-most-once constraint: trained
			// with it, the weights shifted and 5-fold F1 moved less (and
			// "Hotel California by the Eagles" lost its artist); applied
			// only when tagging, it corrects the second artist the weights
			// propose and leaves the weights as they were.
			pred := t.decode(feats, false)
			for i := range gold {
				if gold[i] == pred[i] && prevTag(gold, i, n) == prevTag(pred, i, n) {
					continue
				}
				t.update(feats[i], sumFeat, gold[i], c, +1)
				t.update(feats[i], sumFeat, pred[i], c, -1)
				gp, pp := prevTag(gold, i, n), prevTag(pred, i, n)
				t.trans[gp][gold[i]]++
				sumTrans[gp][gold[i]] += c
				t.trans[pp][pred[i]]--
				sumTrans[pp][pred[i]] -= c
			}
			c++
		}
	}
	for f, w := range t.feat {
		for y := range w {
			w[y] -= sumFeat[f][y] / c
		}
	}
	for p := range t.trans {
		for y := range t.trans[p] {
			t.trans[p][y] -= sumTrans[p][y] / c
		}
	}
	t.albumFrom, t.relabel = albumThreshold(examples)
	return t
}

func grid(rows, cols int) [][]float64 {
	g := make([][]float64, rows)
	for i := range g {
		g[i] = make([]float64, cols)
	}
	return g
}

func prevTag(tags []int, i, start int) int {
	if i == 0 {
		return start
	}
	return tags[i-1]
}

func (t *tagger) addTag(tag string) {
	if _, ok := t.index[tag]; !ok {
		t.index[tag] = len(t.tags)
		t.tags = append(t.tags, tag)
	}
}

func (t *tagger) update(feats []string, sum map[string][]float64, y int, c, d float64) {
	for _, f := range feats {
		w := t.feat[f]
		if w == nil {
			w = make([]float64, len(t.tags))
			t.feat[f] = w
			sum[f] = make([]float64, len(t.tags))
		}
		w[y] += d
		sum[f][y] += c * d
	}
}

func (t *tagger) goldTags(ex Example) []int {
	out := make([]int, len(ex.Tokens))
	for i, s := range ex.Slots {
		switch {
		case s == "":
			out[i] = t.index["O"]
		case ex.Begin[i] || i == 0 || ex.Slots[i-1] != s:
			out[i] = t.index["B-"+s]
		default:
			out[i] = t.index["I-"+s]
		}
	}
	return out
}

// decode returns the best tag sequence (Viterbi). An I- tag may only
// follow the B- or I- tag of its slot, and a request names each group of
// onceGroups at most once: none of the 2,000 SNIPS requests has two
// artist spans, and a second one is a misread ("a song by Steve Hackett
// from Manuel": Manuel is the album). That constraint is not first-order,
// so each state also carries which groups have begun a span (a bit mask:
// 2^len(onceGroups) times the states). once false drops that constraint
// (training).
func (t *tagger) decode(feats [][]string, once bool) []int {
	n, T := len(t.tags), len(feats)
	if T == 0 {
		return nil
	}
	bit, masks := make([]int, n), 1
	if once {
		bit, masks = t.onceBits(), 1<<len(onceGroups)
	}
	states := n * masks
	score := grid(T, states)
	back := make([][]int, T)
	for i := range feats {
		back[i] = make([]int, states)
		emit := t.emissions(feats[i])
		for k := range states {
			score[i][k] = negInf
		}
		for y := range n {
			for prev := range masks {
				if prev&bit[y] != 0 {
					continue // a second span of the group
				}
				best, arg := t.bestPrev(score, i, y, prev)
				if arg < 0 {
					continue
				}
				if k := y + n*(prev|bit[y]); best+emit[y] > score[i][k] {
					score[i][k], back[i][k] = best+emit[y], arg
				}
			}
		}
	}
	out := make([]int, T)
	best, k := negInf, 0
	for s := range states {
		if score[T-1][s] > best {
			best, k = score[T-1][s], s
		}
	}
	for i := T - 1; i >= 0; i-- {
		out[i] = k % n
		if i > 0 {
			k = back[i][k]
		}
	}
	return out
}

// onceGroups are the slots a request names at most once per group. With
// artist alone, 5-fold F1 rose for artist, track and album
// (docs/request.md); adding {album, track}, which the training requests
// never name together either, moved track and album by under 0.01 in
// opposite directions, so it stays out.
var onceGroups = [][]string{{SlotArtist}}

// onceBits maps each tag to the bit of its group when it begins a span of
// it, else 0.
func (t *tagger) onceBits() []int {
	bit := make([]int, len(t.tags))
	for g, slots := range onceGroups {
		for _, slot := range slots {
			if y, ok := t.index["B-"+slot]; ok {
				bit[y] = 1 << g
			}
		}
	}
	return bit
}

// bestPrev is the best way into tag y at token i from a state with group
// mask prev: its score and the state (-1 when none is allowed).
func (t *tagger) bestPrev(score [][]float64, i, y, prev int) (float64, int) {
	n := len(t.tags)
	if i == 0 {
		if prev != 0 || !t.allowed(n, y) {
			return negInf, -1
		}
		return t.trans[n][y], n
	}
	best, arg := negInf, -1
	for p := range n {
		k := p + n*prev
		if !t.allowed(p, y) || score[i-1][k] == negInf {
			continue
		}
		if s := score[i-1][k] + t.trans[p][y]; s > best {
			best, arg = s, k
		}
	}
	return best, arg
}

const negInf = -1e300

func (t *tagger) allowed(prev, y int) bool {
	tag := t.tags[y]
	if !strings.HasPrefix(tag, "I-") {
		return true
	}
	if prev >= len(t.tags) {
		return false
	}
	return t.tags[prev] != "O" && t.tags[prev][2:] == tag[2:]
}

func (t *tagger) emissions(feats []string) []float64 {
	out := make([]float64, len(t.tags))
	for _, f := range feats {
		for y, w := range t.feat[f] {
			out[y] += w
		}
	}
	return out
}

// tag labels tokens: slot names and span starts. The weights find the
// spans; an album or track span in a sentence that does not say which it
// is takes its slot from the name's shape (relabelUnmarked).
func (t *tagger) tag(tokens []string) (slots []string, begin []bool) {
	pred := t.decode(features(tokens), true)
	slots, begin = make([]string, len(tokens)), make([]bool, len(tokens))
	for i, y := range pred {
		tag := t.tags[y]
		if tag != "O" {
			slots[i], begin[i] = tag[2:], tag[0] == 'B'
		}
	}
	t.relabelUnmarked(tokens, slots, begin)
	return slots, begin
}

// cues are the words after which a slot often starts; the last one seen
// before a token is a feature of it ("by" → artist, "on" → service).
var cues = set("by", "from", "on", "in", "of", "the", "album", "song", "track", "called", "titled",
	"named", "playlist", "some", "'s", "’s", "using", "with", "via", "off")

// musicItems are the words that say what kind of thing a request names;
// anywhere in the sentence they tell an album's name from a track's.
var musicItems = set("album", "albums", "song", "songs", "track", "tracks", "tune", "tunes", "ep",
	"record", "soundtrack", "symphony", "concerto", "opus", "sonata", "single", "playlist", "artist",
	"record", "music", "sound", "chart", "list")

// features describes each token by itself, its neighbours and the last cue
// word before it.
func features(tokens []string) [][]string {
	low := make([]string, len(tokens))
	for i, tok := range tokens {
		low[i] = strings.ToLower(tok)
	}
	at := func(i int) string {
		switch {
		case i < 0:
			return "<s>"
		case i >= len(low):
			return "</s>"
		}
		return low[i]
	}
	var items []string
	for _, w := range low {
		if musicItems[w] {
			items = append(items, "item="+w)
		}
	}
	out := make([][]string, len(tokens))
	lastCue := "<none>"
	for i, tok := range tokens {
		w := low[i]
		f := []string{
			"b",
			"w=" + w,
			"p3=" + prefix(w, 3),
			"s3=" + suffix(w, 3),
			"s2=" + suffix(w, 2),
			"sh=" + shape(tok),
			"w-1=" + at(i-1),
			"w+1=" + at(i+1),
			"w-2=" + at(i-2),
			"w+2=" + at(i+2),
			"w-1w=" + at(i-1) + "|" + w,
			"ww+1=" + w + "|" + at(i+1),
			"w-2w-1=" + at(i-2) + "|" + at(i-1),
			"w+1w+2=" + at(i+1) + "|" + at(i+2),
			"cue=" + lastCue,
			"cuesh=" + lastCue + "|" + shape(tok),
			"sh-1=" + shapeAt(tokens, i-1) + "|" + shape(tok),
			"sh+1=" + shape(tok) + "|" + shapeAt(tokens, i+1),
		}
		if len(tokens) == 1 {
			f = append(f, "alone")
		}
		for _, it := range items {
			f = append(f, it, it+"|cue="+lastCue)
		}
		out[i] = f
		if cues[w] {
			lastCue = w
		}
	}
	return out
}

func shapeAt(tokens []string, i int) string {
	if i < 0 || i >= len(tokens) {
		return "-"
	}
	return shape(tokens[i])
}

// shape is the token's case and kind: "Aa", "a", "A", "0", "0a", ".".
func shape(tok string) string {
	var upper, lower, digit, other bool
	first := true
	var firstUpper bool
	for _, r := range tok {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
		if first {
			firstUpper, first = unicode.IsUpper(r), false
		}
	}
	switch {
	case digit && !upper && !lower:
		return "0"
	case digit:
		return "0a"
	case firstUpper && lower:
		return "Aa"
	case upper && !lower:
		return "A"
	case lower:
		return "a"
	case other:
		return "."
	}
	return "?"
}

func prefix(w string, n int) string {
	r := []rune(w)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}

func suffix(w string, n int) string {
	r := []rune(w)
	if len(r) > n {
		r = r[len(r)-n:]
	}
	return string(r)
}

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
