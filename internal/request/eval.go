package request

import (
	"slices"
	"sort"
)

// SlotScore is the span-level precision, recall and F1 of one slot: a
// predicted span counts only if its slot and its tokens are exactly the
// gold span's (how the SNIPS benchmark counts them).
type SlotScore struct {
	Slot      string  `json:"slot"`
	Gold      int     `json:"gold"`
	Predicted int     `json:"predicted"`
	Correct   int     `json:"correct"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// CrossValidate trains on k−1 folds and tags the k-th, for each of k
// folds (request i is in fold i mod k), and scores every slot over all the
// held-out predictions. k below 2 is taken as 2.
func CrossValidate(examples []Example, k int) []SlotScore {
	k = max(k, 2)
	counts := map[string]*SlotScore{}
	for fold := range k {
		var trainSet, test []Example
		for i, ex := range examples {
			if i%k == fold {
				test = append(test, ex)
			} else {
				trainSet = append(trainSet, ex)
			}
		}
		if len(trainSet) == 0 || len(test) == 0 {
			continue
		}
		t := train(trainSet)
		for _, ex := range test {
			slots, begin := t.tag(ex.Tokens)
			count(counts, ex.Spans(), spansOf(ex.Tokens, slots, begin))
		}
	}
	return finish(counts)
}

// ScoreDefault tags examples with the default tagger (trained on the
// embedded 2,000 SNIPS requests) and scores every slot: the held-out
// measure, for a file the tagger never saw, such as the benchmark's own
// validate_PlayMusic.json on which the published figures were taken.
func ScoreDefault(examples []Example) ([]SlotScore, error) {
	t, err := defaultTagger()
	if err != nil {
		return nil, err
	}
	counts := map[string]*SlotScore{}
	for _, ex := range examples {
		slots, begin := t.tag(ex.Tokens)
		count(counts, ex.Spans(), spansOf(ex.Tokens, slots, begin))
	}
	return finish(counts), nil
}

func count(counts map[string]*SlotScore, gold, pred []Span) {
	score := func(slot string) *SlotScore {
		if counts[slot] == nil {
			counts[slot] = &SlotScore{Slot: slot}
		}
		return counts[slot]
	}
	for _, g := range gold {
		score(g.Slot).Gold++
	}
	for _, p := range pred {
		s := score(p.Slot)
		s.Predicted++
		if slices.ContainsFunc(gold, func(g Span) bool {
			return g.Slot == p.Slot && g.Start == p.Start && g.End == p.End
		}) {
			s.Correct++
		}
	}
}

func finish(counts map[string]*SlotScore) []SlotScore {
	out := make([]SlotScore, 0, len(counts))
	for _, s := range counts {
		if s.Predicted > 0 {
			s.Precision = float64(s.Correct) / float64(s.Predicted)
		}
		if s.Gold > 0 {
			s.Recall = float64(s.Correct) / float64(s.Gold)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Gold > out[j].Gold })
	return out
}

// Published slot F1 on the SNIPS PlayMusic benchmark (its README; Coucke
// et al. 2018): Snips NLU trained on the 2,000 requests, Alexa on 70.
var (
	PublishedSnips = map[string]float64{"artist": 0.89, "album": 0.72, "track": 0.46, "genre": 0.50, "year": 1.00, "sort": 0.87}
	PublishedAlexa = map[string]float64{"artist": 0.52, "album": 0.08, "track": 0.39, "genre": 0.31, "year": 0.47}
)
