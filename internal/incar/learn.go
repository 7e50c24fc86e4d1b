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

// minOwnVar is the least number of ratings behind a cell for its own
// variance to be used; thinner cells take their group's pooled variance
// (a cell of 2 equal ratings would otherwise claim zero variance and
// escape shrinkage). τ² is estimated from these cells only, too.
const minOwnVar = 5

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
	for f, v := range byFam {
		e.Families = append(e.Families, FamilyCell{Family: f, Cell: meanCell(v)})
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

// meanCell: the mean of v and its sampling variance s²/n (-1 when n is
// below minOwnVar).
func meanCell(v []float64) Cell {
	c := Cell{N: len(v), Var: -1}
	mean, sd := stat.MeanStdDev(v, nil)
	c.Raw = mean
	if len(v) >= minOwnVar {
		c.Var = sd * sd / float64(len(v))
	}
	return c
}

// slopeCell: the least-squares slope of y on x (x already centred on the
// joined items' mean) and its sampling variance s²_res/Σ(x-x̄)². A slope
// needs minOwnVar points and some spread in x; else it is an empty cell
// (N counts the points, the estimate is 0).
func slopeCell(x, y []float64) Cell {
	c := Cell{N: len(x)}
	if len(x) < minOwnVar {
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
// a time (the overall shifts, the family shifts, each feature's slopes):
// with a N(0, τ²) prior on the true effects and the raw estimates' sampling
// variances v_j = s²_j/n_j, the method-of-moments estimate is
// τ² = max(0, mean(raw_j²) − mean(v_j)) over the group's cells with at least
// minOwnVar ratings, and each cell's posterior mean is raw_j·τ²/(τ²+v_j).
// Thin cells take v_j = pooled s²/n_j. It returns τ² per group.
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
	tau2[groupOverall] = shrinkGroup(overall)
	tau2[groupFamily] = shrinkGroup(family)
	for d, cells := range features {
		tau2[FeatureNames[d]] = shrinkGroup(cells)
	}
	return tau2
}

func shrinkGroup(cells []*Cell) float64 {
	// Pooled per-rating variance, for cells too thin for their own.
	var ss, df float64
	for _, c := range cells {
		if c.Var > 0 && c.N > 1 {
			ss += c.Var * float64(c.N) * float64(c.N-1)
			df += float64(c.N - 1)
		}
	}
	pooled := 0.0
	if df > 0 {
		pooled = ss / df
	}
	var sq, v float64
	n := 0
	for _, c := range cells {
		if c.Var < 0 {
			c.Var = pooled / float64(max(c.N, 1))
		}
		if c.N >= minOwnVar {
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
