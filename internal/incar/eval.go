package incar

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
)

// EvalOptions configure the held-out evaluation; the zero value gives
// NDCG@5, 2000 bootstrap resamples and seed 1.
type EvalOptions struct {
	K    int    // NDCG cut-off
	Boot int    // bootstrap resamples of users
	Seed uint64 // bootstrap seed: the same seed gives the same table
	// Parts is the part of the learned shift the context-aware score adds
	// (the ablation); the zero value adds all of it.
	Parts Parts
	// NewDriver scores from the item's mean no-context rating among the
	// other users, never the held-out user's own: Continuo's case for a
	// track the driver has not rated.
	NewDriver bool
}

func (o EvalOptions) withDefaults() EvalOptions {
	if o.K <= 0 {
		o.K = 5
	}
	if o.Boot <= 0 {
		o.Boot = 2000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Metric is one ranking metric of a condition family: the mean over users
// of the context-free and the context-aware value, and the lift (aware −
// free) with its bootstrap 95% interval over users. Users 0: no lists,
// every value 0.
type Metric struct {
	Free, Aware, Lift, Lo, Hi float64
	Users, Lists              int
}

// FamilyResult is the held-out result of one condition family (a factor).
type FamilyResult struct {
	Name     string // "traffic", "road type", ...; "all" for every factor
	Factor   string // the data set's column; "" for all
	NDCG     Metric
	Spearman Metric
}

// evalFamilies are the condition families in the order the table prints
// them, with their short names.
var evalFamilies = []struct{ name, factor string }{
	{"traffic", FactorTraffic}, {"road type", FactorRoadType}, {"daytime", FactorDaytime},
	{"sleepiness", FactorSleepiness}, {"driving style", FactorDrivingStyle}, {"mood", FactorMood},
	{"weather", FactorWeather}, {"landscape", FactorLandscape},
}

// listScore is one held-out list's metrics (NaN where undefined).
type listScore struct {
	factor                string
	ndcgFree, ndcgAware   float64
	spearFree, spearAware float64
}

// EvalLOO is the leave-one-user-out evaluation: for each user, the table
// is learned again without the user's ratings; then for each condition
// the user rated at least two items under, the items are ordered by the
// context-free score (the user's no-context rating of the item, or the
// item's mean no-context rating among the other users) and by the
// context-aware score (that plus the learned shift of the item under the
// condition), and both orderings are scored against the user's in-context
// ratings: NDCG@K (gain = rating, ties in a score share their positions'
// discounts) and Spearman's rho (average ranks; 0 for a constant score;
// undefined, so left out, when the user gave every item the same rating).
// A user's value per family is the mean over their lists; the table gives
// the mean over users and the bootstrap 95% interval of the lift,
// resampling users.
func EvalLOO(d *Data, opt EvalOptions) []FamilyResult {
	opt = opt.withDefaults()
	users := map[int]bool{}
	for _, r := range d.Ratings {
		users[r.User] = true
	}
	ids := make([]int, 0, len(users))
	for u := range users {
		ids = append(ids, u)
	}
	slices.Sort(ids)
	perUser := make([][]listScore, len(ids))
	for i, u := range ids {
		perUser[i] = evalUser(d, u, Learn(d, u), opt)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	var out []FamilyResult
	for _, f := range evalFamilies {
		out = append(out, summarise(f.name, f.factor, perUser, opt, rng))
	}
	return append(out, summarise("all", "", perUser, opt, rng))
}

// evalUser scores the held-out user's lists under model m (learned without u).
func evalUser(d *Data, u int, m *Model, opt EvalOptions) []listScore {
	own := baselines(d.Ratings, 0)
	itemMean := itemMeans(d.Ratings, u)
	truth := map[Condition]map[int][]float64{}
	for _, r := range d.Ratings {
		if r.User == u && r.Cond != (Condition{}) {
			if truth[r.Cond] == nil {
				truth[r.Cond] = map[int][]float64{}
			}
			truth[r.Cond][r.Item] = append(truth[r.Cond][r.Item], r.Rating)
		}
	}
	var out []listScore
	for _, f := range factorOrder {
		for _, l := range levels[f] {
			c := Condition{f, l}
			items := truth[c]
			if len(items) < 2 {
				continue
			}
			ls := scoreList(d, c, items, func(item int) float64 {
				if b, ok := own[pair{u, item}]; ok && !opt.NewDriver {
					return b
				}
				return itemMean[item]
			}, m, opt)
			ls.factor = f
			out = append(out, ls)
		}
	}
	return out
}

func scoreList(d *Data, c Condition, items map[int][]float64, free func(int) float64, m *Model, opt EvalOptions) listScore {
	k := opt.K
	ids := make([]int, 0, len(items))
	for it := range items {
		ids = append(ids, it)
	}
	slices.Sort(ids)
	rel, fs, as := make([]float64, len(ids)), make([]float64, len(ids)), make([]float64, len(ids))
	for i, it := range ids {
		rel[i] = stat.Mean(items[it], nil)
		fs[i] = free(it)
		var feat *[NumFeatures]float64
		if x := d.Items[it]; x.HasFeatures {
			feat = &x.Features
		}
		as[i] = fs[i] + m.itemShift(c, d.Items[it].Family, feat, opt.Parts)
	}
	return listScore{
		ndcgFree: NDCG(fs, rel, k), ndcgAware: NDCG(as, rel, k),
		spearFree: Spearman(fs, rel), spearAware: Spearman(as, rel),
	}
}

// itemMeans is each item's mean no-context rating over every user but skip.
func itemMeans(ratings []Rating, skip int) map[int]float64 {
	sum, n := map[int]float64{}, map[int]float64{}
	for k, b := range baselines(ratings, skip) {
		sum[k.item] += b
		n[k.item]++
	}
	for it := range sum {
		sum[it] /= n[it]
	}
	return sum
}

// NDCG is the normalised discounted cumulative gain at k of the ordering
// by score against the gains rel; tied scores share the mean gain of their
// group over the group's positions (the expected DCG over the orders of
// the tie). NaN when every gain is 0.
func NDCG(score, rel []float64, k int) float64 {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	var dcg float64
	for a := 0; a < len(idx) && a < k; {
		b := a
		var g float64
		for b < len(idx) && score[idx[b]] == score[idx[a]] {
			g += rel[idx[b]]
			b++
		}
		g /= float64(b - a)
		for p := a; p < b && p < k; p++ {
			dcg += g / math.Log2(float64(p+2))
		}
		a = b
	}
	ideal := slices.Clone(rel)
	slices.SortFunc(ideal, func(a, b float64) int { return cmp.Compare(b, a) })
	var idcg float64
	for p := 0; p < len(ideal) && p < k; p++ {
		idcg += ideal[p] / math.Log2(float64(p+2))
	}
	if idcg == 0 {
		return math.NaN()
	}
	return dcg / idcg
}

// Spearman is the rank correlation of score and rel with average ranks for
// ties: 0 when score is constant (no ordering), NaN when rel is constant
// (nothing to order) or the lists are shorter than 2.
func Spearman(score, rel []float64) float64 {
	if len(score) < 2 || constant(rel) {
		return math.NaN()
	}
	if constant(score) {
		return 0
	}
	return stat.Correlation(ranks(score), ranks(rel), nil)
}

func constant(v []float64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}

// ranks gives average 1-based ranks, ties sharing their mean rank.
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	r := make([]float64, len(v))
	for a := 0; a < len(idx); {
		b := a
		for b < len(idx) && v[idx[b]] == v[idx[a]] {
			b++
		}
		for p := a; p < b; p++ {
			r[idx[p]] = float64(a+b+1) / 2
		}
		a = b
	}
	return r
}

// summarise averages each user's lists of the factor ("" = all), then
// users, and bootstraps the lift.
func summarise(name, factor string, perUser [][]listScore, opt EvalOptions, rng *rand.Rand) FamilyResult {
	res := FamilyResult{Name: name, Factor: factor}
	get := []func(listScore) (float64, float64){
		func(l listScore) (float64, float64) { return l.ndcgFree, l.ndcgAware },
		func(l listScore) (float64, float64) { return l.spearFree, l.spearAware },
	}
	for mi, metric := range []*Metric{&res.NDCG, &res.Spearman} {
		var free, aware []float64
		for _, lists := range perUser {
			var f, a float64
			n := 0
			for _, l := range lists {
				x, y := get[mi](l)
				if (factor == "" || l.factor == factor) && !math.IsNaN(x) && !math.IsNaN(y) {
					f, a, n = f+x, a+y, n+1
				}
			}
			if n > 0 {
				free, aware = append(free, f/float64(n)), append(aware, a/float64(n))
				metric.Lists += n
			}
		}
		fill(metric, free, aware, opt.Boot, rng)
	}
	return res
}

// fill sets the means, the lift and its percentile bootstrap interval.
func fill(m *Metric, free, aware []float64, boot int, rng *rand.Rand) {
	m.Users = len(free)
	if m.Users == 0 {
		return // no lists: the zero Metric (JSON has no NaN)
	}
	lift := make([]float64, len(free))
	for i := range free {
		lift[i] = aware[i] - free[i]
	}
	m.Free, m.Aware, m.Lift = stat.Mean(free, nil), stat.Mean(aware, nil), stat.Mean(lift, nil)
	means := make([]float64, boot)
	for b := range means {
		var s float64
		for range lift {
			s += lift[rng.IntN(len(lift))]
		}
		means[b] = s / float64(len(lift))
	}
	slices.Sort(means)
	m.Lo = stat.Quantile(0.025, stat.Empirical, means, nil)
	m.Hi = stat.Quantile(0.975, stat.Empirical, means, nil)
}

// WriteEvalTable prints the held-out table.
func WriteEvalTable(w io.Writer, res []FamilyResult, opt EvalOptions, users int) error {
	opt = opt.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "Held-out drivers: leave-one-user-out on InCarMusic (%d users); the table is relearned without each user.\n", users)
	base := "the driver's own no-context rating of the item (else the item's mean)"
	if opt.NewDriver {
		base = "the item's mean no-context rating among the other users (a new driver)"
	}
	fmt.Fprintf(&b, "Context-free score: %s; context-aware: that + the learned shift (%s).\n", base, opt.Parts)
	fmt.Fprintf(&b, "Lists: a user's in-context ratings of >= 2 items under one condition. Lift = context-aware - context-free;\n")
	fmt.Fprintf(&b, "95%% CI: percentile bootstrap over users, %d resamples, seed %d.\n\n", opt.Boot, opt.Seed)
	fmt.Fprintf(&b, "%-14s %5s %5s  %6s %6s %7s %-17s  %5s %6s %6s %7s %-17s\n",
		"family", "users", "lists", "NDCG@"+fmt.Sprint(opt.K), "+ctx", "lift", "95% CI", "lists", "rho", "+ctx", "lift", "95% CI")
	for _, r := range res {
		fmt.Fprintf(&b, "%-14s %5d %5d  %s  %5d %s\n", r.Name, r.NDCG.Users, r.NDCG.Lists, metricCols(r.NDCG), r.Spearman.Lists, metricCols(r.Spearman))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func metricCols(m Metric) string {
	if m.Users == 0 {
		return fmt.Sprintf("%6s %6s %7s %-17s", "-", "-", "-", "no lists")
	}
	return fmt.Sprintf("%6.3f %6.3f %+7.3f [%+.3f, %+.3f]", m.Free, m.Aware, m.Lift, m.Lo, m.Hi)
}
