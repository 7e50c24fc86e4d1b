package incar

import (
	"cmp"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Groups of cells that share one between-cell variance τ² (Model.Tau2).
const (
	groupOverall = "overall"
	groupFamily  = "family"
)

// minCellN is the least number of ratings behind a cell for it to enter
// the estimate of τ²: a 2-rating cell's raw value is mostly noise and
// would only inflate the spread of the group.
const minCellN = 5

// pair keys a user's ratings of one item.
type pair struct{ user, item int }

// shiftObs is one contextual rating minus the same user's no-context
// rating of the same item.
type shiftObs struct {
	item  int
	delta float64
}

// Baselines returns each user-item pair's no-context rating: the median of
// the pair's ratings that carry no condition besides weather. In this copy
// of the data such rows hold the no-context rating and, for some pairs, a
// weather rating too (the weather column is filled on every row); the
// median keeps a pair's majority value.
func Baselines(ratings []Rating, skipUser int) map[pair]float64 {
	vals := map[pair][]float64{}
	for _, r := range ratings {
		if r.User != skipUser && r.Cond == (Condition{}) {
			k := pair{r.User, r.Item}
			vals[k] = append(vals[k], r.Rating)
		}
	}
	out := make(map[pair]float64, len(vals))
	for k, v := range vals {
		out[k] = median(v)
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Learn estimates the shrunk effect table from d, leaving out skipUser's
// ratings (0: none; the held-out evaluation passes each user in turn).
func Learn(d *Data, skipUser int) *Model {
	base := Baselines(d.Ratings, skipUser)
	obs := map[Condition][]shiftObs{}
	users := map[int]bool{}
	m := &Model{Source: "InCarMusic (Baltrunas et al. 2011), ../shared/data/incarmusic", Pairs: len(base), Joined: d.Joined}
	for _, r := range d.Ratings {
		if r.User == skipUser {
			continue
		}
		users[r.User] = true
		m.Ratings++
		b, ok := base[pair{r.User, r.Item}]
		if r.Cond == (Condition{}) || !ok {
			continue
		}
		obs[r.Cond] = append(obs[r.Cond], shiftObs{item: r.Item, delta: r.Rating - b})
		m.Shifts++
	}
	m.Users = len(users)
	m.FeatureMean = featureMean(d.Items)
	for _, f := range factorOrder {
		for _, l := range levels[f] {
			c := Condition{f, l}
			if o := obs[c]; len(o) > 0 {
				m.Effects = append(m.Effects, rawEffect(c, o, d.Items, &m.FeatureMean))
			}
		}
	}
	m.Tau2 = shrinkAll(m.Effects)
	m.reindex()
	return m
}

func featureMean(items map[int]*Item) [NumFeatures]float64 {
	var mean [NumFeatures]float64
	n := 0
	for _, it := range items {
		if it.HasFeatures {
			for d := range mean {
				mean[d] += it.Features[d]
			}
			n++
		}
	}
	for d := range mean {
		if n > 0 {
			mean[d] /= float64(n)
		}
	}
	return mean
}

// rawEffect computes a condition's unshrunk cells; Var is left at -1 where
// the cell is too thin for its own variance (shrinkAll pools it).
func rawEffect(c Condition, obs []shiftObs, items map[int]*Item, fmean *[NumFeatures]float64) Effect {
	e := Effect{Condition: c}
	all := make([]float64, len(obs))
	byFam := map[string][]float64{}
	for i, o := range obs {
		all[i] = o.delta
		f := items[o.item].Family
		byFam[f] = append(byFam[f], o.delta)
	}
	e.Overall = meanCell(all)
	// A family's cell is its deviation from the condition's overall shift,
	// so it shrinks toward the condition's effect, not toward no effect:
	// a family with little evidence moves with the condition's other items.
	for f, v := range byFam {
		c := meanCell(v)
		c.Raw -= e.Overall.Raw
		e.Families = append(e.Families, FamilyCell{Family: f, Cell: c})
	}
	slices.SortFunc(e.Families, func(a, b FamilyCell) int { return cmp.Compare(a.Family, b.Family) })
	for d := range e.Features {
		var x, y []float64
		for _, o := range obs {
			if it := items[o.item]; it.HasFeatures {
				x = append(x, it.Features[d]-fmean[d])
				y = append(y, o.delta)
			}
		}
		e.Features[d] = slopeCell(x, y)
	}
	return e
}

// meanCell: the mean of v and its own sampling variance s²/n (0 for a
// single rating); shrinkAll replaces the variance by the group's pooled one.
func meanCell(v []float64) Cell {
	c := Cell{N: len(v)}
	if len(v) == 1 {
		c.Raw = v[0]
		return c
	}
	mean, sd := stat.MeanStdDev(v, nil)
	c.Raw, c.Var = mean, sd*sd/float64(len(v))
	return c
}

// slopeCell: the least-squares slope of y on x (x already centred on the
// joined items' mean) and its sampling variance s²_res/Σ(x-x̄)². A slope
// needs minCellN points and some spread in x; else it is an empty cell
// (N counts the points, the estimate is 0).
func slopeCell(x, y []float64) Cell {
	c := Cell{N: len(x)}
	if len(x) < minCellN {
		return c
	}
	alpha, beta := stat.LinearRegression(x, y, nil, false)
	xm := stat.Mean(x, nil)
	var sxx, rss float64
	for i := range x {
		sxx += (x[i] - xm) * (x[i] - xm)
		r := y[i] - alpha - beta*x[i]
		rss += r * r
	}
	if sxx <= 1e-12 {
		return c
	}
	c.Raw = beta
	c.Var = rss / float64(len(x)-2) / sxx
	return c
}

// shrinkAll shrinks every cell toward zero by empirical Bayes, one group at
// a time (the overall shifts, the family deviations, each feature's
// slopes): with a N(0, τ²) prior on the true effects and the raw estimates'
// sampling variances v_j, the method-of-moments estimate is
// τ² = max(0, mean(raw_j²) − mean(v_j)) over the group's cells with at least
// minCellN ratings, and each cell's posterior mean is raw_j·τ²/(τ²+v_j).
// For the mean cells v_j = s²/n_j with s² pooled over the group (a 5-rating
// cell's own s² is too noisy: several are exactly 0 and would escape
// shrinkage); a slope keeps its own s²_res/Σ(x−x̄)², estimated from 25 to 57
// ratings. It returns τ² per group.
func shrinkAll(effects []Effect) map[string]float64 {
	tau2 := map[string]float64{}
	var overall, family []*Cell
	features := make([][]*Cell, NumFeatures)
	for i := range effects {
		e := &effects[i]
		overall = append(overall, &e.Overall)
		for j := range e.Families {
			family = append(family, &e.Families[j].Cell)
		}
		for d := range e.Features {
			if e.Features[d].Var > 0 {
				features[d] = append(features[d], &e.Features[d])
			}
		}
	}
	tau2[groupOverall] = shrinkGroup(overall, true)
	tau2[groupFamily] = shrinkGroup(family, true)
	for d, cells := range features {
		tau2[FeatureNames[d]] = shrinkGroup(cells, false)
	}
	return tau2
}

// shrinkGroup estimates the group's τ² and shrinks its cells; pool replaces
// each cell's variance by the pooled per-rating variance over n_j.
func shrinkGroup(cells []*Cell, pool bool) float64 {
	if pool {
		var ss, df float64
		for _, c := range cells {
			ss += c.Var * float64(c.N) * float64(c.N-1)
			df += float64(c.N - 1)
		}
		for _, c := range cells {
			c.Var = 0
			if df > 0 {
				c.Var = ss / df / float64(c.N)
			}
		}
	}
	var sq, v float64
	n := 0
	for _, c := range cells {
		if c.N >= minCellN {
			sq += c.Raw * c.Raw
			v += c.Var
			n++
		}
	}
	tau2 := 0.0
	if n > 0 {
		tau2 = max(0, (sq-v)/float64(n))
	}
	for _, c := range cells {
		c.Shrink = 0
		if tau2+c.Var > 0 {
			c.Shrink = tau2 / (tau2 + c.Var)
		}
		c.Shift = c.Shrink * c.Raw
	}
	return tau2
}

// Conditions returns the conditions the model has effects for, in the
// data set's factor and level order.
func (m *Model) Conditions() []Condition {
	if m == nil {
		return nil
	}
	out := make([]Condition, len(m.Effects))
	for i, e := range m.Effects {
		out[i] = e.Condition
	}
	return out
}
