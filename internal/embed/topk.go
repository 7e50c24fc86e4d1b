package embed

import (
	"cmp"
	"slices"
)

// Hit is a row and its score.
type Hit struct {
	Row   int32
	Score float32
}

// TopK keeps the K best hits seen so far in a min-heap, so the worst of
// them is at the root and a candidate that does not beat it costs one
// comparison. Ties go to the lower row, so results are reproducible.
type TopK struct {
	K int
	h []Hit
}

// Reset empties the heap and sets K, keeping the storage.
func (t *TopK) Reset(k int) {
	t.K = k
	t.h = t.h[:0]
}

// Len returns the number of hits held.
func (t *TopK) Len() int { return len(t.h) }

// Threshold returns the score a new hit must beat once the heap is full.
func (t *TopK) Threshold() (float32, bool) {
	if len(t.h) < t.K || t.K == 0 {
		return 0, false
	}
	return t.h[0].Score, true
}

// worse reports whether a ranks below b.
func worse(a, b Hit) bool { return a.Score < b.Score || (a.Score == b.Score && a.Row > b.Row) }

// Push offers a hit.
func (t *TopK) Push(row int32, score float32) {
	x := Hit{row, score}
	if len(t.h) < t.K {
		t.h = append(t.h, x)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.h[i], t.h[p]) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if t.K == 0 || !worse(t.h[0], x) {
		return
	}
	t.h[0] = x
	t.down(0)
}

func (t *TopK) down(i int) {
	h := t.h
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Sorted appends the hits, best first, to dst and returns it. The heap is
// left as it was.
func (t *TopK) Sorted(dst []Hit) []Hit {
	n := len(dst)
	dst = append(dst, t.h...)
	slices.SortFunc(dst[n:], func(a, b Hit) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(a.Row, b.Row)
	})
	return dst
}

// ExactTop appends the k rows of m with the highest dot product with query,
// best first, to dst: the brute-force reference of the approximate
// searches. scores is scratch of m.Rows elements.
func ExactTop(m Matrix, query []float32, k int, scores []float32, top *TopK, dst []Hit) ([]Hit, error) {
	if err := m.Scores(query, scores); err != nil {
		return dst, err
	}
	top.Reset(k)
	for i, s := range scores {
		if t, full := top.Threshold(); full && s < t {
			continue
		}
		top.Push(int32(i), s)
	}
	return top.Sorted(dst), nil
}

// Recall is the share of got found in the exact top list: a hit of got
// counts when its score reaches the exact list's last score (less eps), so
// rows tied with the exact list's last row count too (catalogs have many
// identical genre rows: one per track of an artist). got's scores must be
// exact ones (after a re-rank).
func Recall(exact, got []Hit, eps float32) float64 {
	if len(exact) == 0 {
		return 1
	}
	last := exact[len(exact)-1].Score - eps
	n := 0
	for _, h := range got[:min(len(got), len(exact))] {
		if h.Score >= last {
			n++
		}
	}
	return float64(n) / float64(len(exact))
}
