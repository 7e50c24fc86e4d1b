package recommend

// IndexRecall is the engine's recall@10 against the full pass: over n
// varied requests of ten picks (equivalenceRequests: seeds, sessions with
// skips, moods, Explore, kids mode, anchors), the mean share of the full
// pass's picks that the index search picks too. For the index's tests and
// BenchmarkRecommend's recall metric.
func IndexRecall(e *Engine, n int) (float64, error) {
	var sum float64
	reqs := equivalenceRequests(e.cat, n)
	for _, req := range reqs {
		req.N = 10
		want, err := recommendExact(e, req)
		if err != nil {
			return 0, err
		}
		got, err := e.Recommend(req)
		if err != nil {
			return 0, err
		}
		sum += overlap(got, want)
	}
	return sum / float64(len(reqs)), nil
}

// recommendExact is Recommend scoring every row: the engine without its
// index for one call (sequential callers only; the production code has no
// switch for it).
func recommendExact(e *Engine, req Request) ([]Pick, error) {
	ix := e.index
	e.index = nil
	defer func() { e.index = ix }()
	return e.Recommend(req)
}

// overlap is the share of want's rows that got has too (1 when want is empty).
func overlap(got, want []Pick) float64 {
	if len(want) == 0 {
		return 1
	}
	in := make(map[int]bool, len(got))
	for _, p := range got {
		in[p.Row] = true
	}
	n := 0
	for _, p := range want {
		if in[p.Row] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// Rules the playlist ablation (ablation_test.go) switches off one at a
// time, each by neutralising the per-row data it reads, so the production
// code carries no switches but noArtistCap. Columns read from the
// embedded snapshot are mapped read-only (holiday, the song keys), so
// those are replaced, not written.
var Rules = map[string]func(*Engine){
	"artist caps (2 in 10, 4 in 60)": func(e *Engine) { e.noArtistCap = true },
	"holiday filter":                 func(e *Engine) { e.holiday = make([]bool, e.n) },
	"region penalty": func(e *Engine) {
		for i, k := range e.regionKey {
			e.regionKey[i] = instrumentalKey | k&untaggedKey
		}
	},
	"untagged penalty": func(e *Engine) {
		for i, u := range e.untagged {
			if u {
				e.prior[i] += untaggedPenalty
			}
		}
		noUntaggedRefund(e)
	},
	"untagged refund (the penalty whatever the evidence)": noUntaggedRefund,
	"same song / work / piece rules": func(e *Engine) {
		e.title, e.piece = make([]uint64, e.n), make([]uint64, e.n)
		e.work, e.songSig = make([]workKey, e.n), make([]workKey, e.n)
		for i := range e.title {
			e.title[i], e.piece[i] = uint64(i)+1, uint64(i)+1
			e.work[i], e.songSig[i] = workKey{sig: uint64(i) + 1, words: 1}, workKey{sig: uint64(i) + 1, words: 1}
		}
	},
}

// noUntaggedRefund clears the untagged bit of the region keys, so no
// request gives the untagged penalty back (untaggedRefund).
func noUntaggedRefund(e *Engine) {
	for i := range e.regionKey {
		e.regionKey[i] &^= untaggedKey
	}
}
