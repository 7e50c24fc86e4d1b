package recommend

import (
	"math"
	"slices"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/incar"
)

// Steer is the vehicle context's pull on the ranking: the active driving
// conditions and the learned model of their effects (internal/incar). The
// zero value (no conditions or no model) steers nothing: rankings are
// exactly those without it.
//
// With conditions active the learned effects move the mood target (the
// shrunk slopes of the rating shift on energy, valence, acousticness and
// tempo) and the family bonus (the shrunk deviation of each family's shift
// from the condition's), both bounded so the context nudges and never
// decides (steerMoodCap, steerFamilyCap). docs/context.md has the table.
type Steer struct {
	Conditions []incar.Condition // active conditions, mapped by internal/vehicle
	Model      *incar.Model
}

// active reports whether the steer can change anything.
func (st *Steer) active() bool { return st.Model != nil && len(st.Conditions) > 0 }

const (
	// steerMoodGain turns a learned slope into a move of the mood target: a
	// condition that raises ratings by 1 point per standard deviation of a
	// feature moves the target 2 SD that way (before the cap). The learned
	// slopes are 0.01–0.2 points per SD, so most moves are 0.02–0.4 SD.
	steerMoodGain = 2
	// steerMoodCap bounds the move per mood dimension, in catalog SDs, over
	// all conditions together: under a third of what an explicit "calm" or
	// "lively" request moves energy (1.0 SD, with a 2.5× tighter kernel),
	// and, since the anchor holds 80% of the target, a tenth of the
	// distance between a calm and a lively anchor. A context cannot turn a
	// calm drive lively nor jump between consecutive tracks: the target
	// moves at most 0.3 SD when a condition starts.
	steerMoodCap = 0.3
	// steerFamilyGain is the family bonus per rating point of a family's
	// learned deviation, as a share of Weights.Family; steerFamilyCap caps
	// it at a fifth of Weights.Family. The anchor's family holds at least
	// half the bonus (anchorShare), so after the cap it still leads any
	// family the context favours: context never overrides the request.
	steerFamilyGain = 1
	steerFamilyCap  = 0.2
	// steerMinMove is the least target move (SD) a reason may call
	// "calmer" or "more upbeat"; steerMinFamily the least family bonus
	// change, as a share of Weights.Family, a reason may call "more rock"
	// (the learned family deviations are mostly shrunk to a few
	// thousandths, which never decide a pick: the mood move does).
	steerMinMove   = 0.02
	steerMinFamily = 0.05
)

// featureDims maps the model's feature directions to mood dimensions.
var featureDims = [incar.NumFeatures]int{
	incar.FeatureEnergy: catalog.MoodEnergy, incar.FeatureValence: catalog.MoodValence,
	incar.FeatureAcousticness: catalog.MoodAcousticness, incar.FeatureTempo: catalog.MoodTempo,
}

// steerShift is what the active conditions do to one request: the move of
// the mood target (z units) and the change of each family's bonus.
type steerShift struct {
	mood [catalog.MoodDims]float32
	fam  []float32 // by catalog family index
}

// shift computes the bounded effect of req's steer; ok is false when there
// is nothing to do.
func (e *Engine) steerShift(req *Request) (sh steerShift, ok bool) {
	st := &req.Steer
	if !st.active() {
		return sh, false
	}
	var mood [catalog.MoodDims]float64
	fam := make([]float64, len(e.cat.Families))
	for i, c := range st.Conditions {
		eff := st.Model.Effect(c)
		if eff == nil || slices.Contains(st.Conditions[:i], c) {
			continue
		}
		for f, d := range featureDims {
			mood[d] += steerMoodGain * eff.Features[f].Shift * float64(e.cat.MoodStd[d])
		}
		for _, fc := range eff.Families {
			if j := slices.Index(e.cat.Families, fc.Family); j >= 0 {
				fam[j] += steerFamilyGain * fc.Shift
			}
		}
	}
	keepRequestedMood(&mood, req.Mood)
	for d, v := range mood {
		sh.mood[d] = float32(clampF(v, steerMoodCap))
		ok = ok || sh.mood[d] != 0
	}
	scale := e.w.Family * float32(1-0.5*req.Explore)
	sh.fam = make([]float32, len(fam))
	for j, v := range fam {
		sh.fam[j] = scale * float32(clampF(v, steerFamilyCap))
		ok = ok || sh.fam[j] != 0
	}
	return sh, ok
}

// keepRequestedMood: a context never pulls against the mood the driver
// asked for. Under "calm" it may only lower energy and tempo, under
// "lively" only raise them, under "steady" not move them.
func keepRequestedMood(mood *[catalog.MoodDims]float64, want string) {
	for _, d := range []int{catalog.MoodEnergy, catalog.MoodTempo} {
		switch want {
		case MoodCalm:
			mood[d] = min(mood[d], 0)
		case MoodLively:
			mood[d] = max(mood[d], 0)
		case MoodSteady:
			mood[d] = 0
		}
	}
}

func clampF(v, bound float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return max(-bound, min(bound, v))
}

// applySteer moves the mood target and the family bonus by the request's
// steer (called last in finishContext); with no steer it does nothing.
func (e *Engine) applySteer(req *Request, s *scratch, cx *reqContext) {
	sh, ok := e.steerShift(req)
	if !ok {
		return
	}
	for d, v := range sh.mood {
		s.mt[d] += v
	}
	e.setMoodQuery(s, cx)
	for j, v := range sh.fam {
		s.fam[j] += v
	}
}

// steerReasons adds to each pick that the context brought in (a row the
// same request without the steer does not pick) why: "calmer for the
// traffic jam", "more upbeat for the open highway", "more rock for the
// free road". A pick the context did not change keeps its reason as is.
func (e *Engine) steerReasons(req Request, picks []Pick) error {
	sh, ok := e.steerShift(&req)
	if !ok {
		return nil
	}
	plain := req
	plain.Steer = Steer{}
	base, err := e.Recommend(plain)
	if err != nil {
		return err
	}
	without := make(map[int]bool, len(base))
	var ref moodRef
	for _, p := range base {
		without[p.Row] = true
		ref.add(e.cat, p.Row)
	}
	for i := range picks {
		if !without[picks[i].Row] {
			if why := e.steerWhy(picks[i].Row, &req, &sh, &ref); why != "" {
				picks[i].Reason += "; " + why
			}
		}
	}
	return nil
}

// moodRef is the mean raw energy and valence of the picks the request
// makes without the steer: what "calmer" or "brighter" is said against.
type moodRef struct {
	sum [catalog.MoodDims]float64
	n   [catalog.MoodDims]int
}

func (r *moodRef) add(c *catalog.Catalog, row int) {
	for _, d := range []int{catalog.MoodEnergy, catalog.MoodValence} {
		if v := RawMood(c, row, d); !math.IsNaN(v) {
			r.sum[d] += v
			r.n[d]++
		}
	}
}

// agrees tells whether row lies on the side of the reference that the
// word claims (sign +1: above, -1: below); unknown values never agree.
func (r *moodRef) agrees(c *catalog.Catalog, row, dim int, sign float64) bool {
	v := RawMood(c, row, dim)
	if r.n[dim] == 0 || math.IsNaN(v) {
		return false
	}
	return sign*(v-r.sum[dim]/float64(r.n[dim])) > 0
}

// steerWhy says how the context favoured row: its family's bonus when the
// context raised it noticeably, else the direction the mood target moved on energy
// (valence when energy did not move), naming the condition that moved it
// most. A mood word is said only when the pick itself lies that way from
// the picks it displaced: a lively track is never "calmer".
func (e *Engine) steerWhy(row int, req *Request, sh *steerShift, ref *moodRef) string {
	st := &req.Steer
	f := int(e.cat.Family[row])
	if f < len(sh.fam) && sh.fam[f] >= steerMinFamily*e.w.Family*float32(1-0.5*req.Explore) && sh.fam[f] > 0 {
		name := e.cat.Families[f]
		return "more " + name + " for " + e.strongest(st, func(eff *incar.Effect) float64 {
			c, _ := eff.Family(name)
			return c.Shift
		}).Phrase()
	}
	for _, dim := range []struct {
		feature, mood int
		up, down      string
	}{
		{incar.FeatureEnergy, catalog.MoodEnergy, "more upbeat", "calmer"},
		{incar.FeatureValence, catalog.MoodValence, "brighter", "mellower"},
	} {
		move := sh.mood[dim.mood]
		if math.Abs(float64(move)) < steerMinMove {
			continue
		}
		word, sign := dim.up, 1.0
		if move < 0 {
			word, sign = dim.down, -1
		}
		if !ref.agrees(e.cat, row, dim.mood, sign) {
			continue
		}
		return word + " for " + e.strongest(st, func(eff *incar.Effect) float64 {
			return sign * eff.Features[dim.feature].Shift
		}).Phrase()
	}
	return ""
}

// strongest is the active condition with the largest effect by.
func (e *Engine) strongest(st *Steer, by func(*incar.Effect) float64) incar.Condition {
	best, bv := st.Conditions[0], math.Inf(-1)
	for _, c := range st.Conditions {
		if eff := st.Model.Effect(c); eff != nil && by(eff) > bv {
			best, bv = c, by(eff)
		}
	}
	return best
}
