// Package eval owns the offline evaluation of the recommendation engine:
// the metrics (genre coherence, mood continuity, artist diversity, playlist
// continuation), the baselines they are compared with (random, most
// popular, random within the seed's genre label), the engine's ablation
// without the genre-family bonus (which coherence would otherwise reward by
// construction), the stratified seed sample, and the Swan Lake showcase. The engine and every baseline are
// measured by the same code on the same seeds.
//
// Everything is deterministic for a given catalog and Options.RandSeed.
package eval

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// Query is one evaluation question: continue after the seeds and the
// session (both catalog rows; the session is oldest first) with n tracks.
type Query struct {
	Seeds    []int
	Session  []int
	N        int
	RandSeed uint64
}

// Method is something that continues a query: the engine or a baseline.
type Method struct {
	Name      string
	Recommend func(q Query) ([]int, error)
}

// Playlist is a real playlist as catalog rows, in playlist order.
type Playlist struct {
	Name string
	Rows []int
}

// PlaylistFromIDs turns a playlist given by track ids into catalog rows,
// in order, dropping ids the catalog does not have and repeats.
func PlaylistFromIDs(c *catalog.Catalog, name string, ids []music.TrackID) Playlist {
	p := Playlist{Name: name}
	seen := map[int]bool{}
	for _, id := range ids {
		if r, ok := c.Lookup(id); ok && !seen[r] {
			seen[r] = true
			p.Rows = append(p.Rows, r)
		}
	}
	return p
}

// Engine wraps the recommendation engine as a Method: seeds as explicit
// seeds, the session as completed plays, explicit tracks allowed (the
// baselines do not filter either).
func Engine(e *recommend.Engine) Method {
	return Method{Name: "engine", Recommend: func(q Query) ([]int, error) {
		req := recommend.Request{Seeds: q.Seeds, N: q.N, Explicit: true, RandSeed: q.RandSeed}
		for _, r := range q.Session {
			req.Session = append(req.Session, recommend.Played{Row: r, Outcome: music.OutcomeCompleted})
		}
		ps, err := e.Recommend(req)
		if err != nil {
			return nil, err
		}
		out := make([]int, len(ps))
		for i, p := range ps {
			out[i] = p.Row
		}
		return out, nil
	}}
}

// NoFamilyBonus is the name of the ablation method EngineNoFamilyBonus.
const NoFamilyBonus = "engine (no family bonus)"

// EngineNoFamilyBonus is the engine with default weights but without the
// genre-family bonus. The bonus rewards picks in the context's curated genre
// family, the same families coherence@N counts, so the engine's coherence is
// partly true by construction; this row shows what the learned genre and
// mood spaces achieve on their own.
func EngineNoFamilyBonus(c *catalog.Catalog) Method {
	m := Engine(recommend.New(c, recommend.Options{Weights: recommend.Weights{Family: -1}}))
	m.Name = NoFamilyBonus
	return m
}

// Baselines returns the comparison methods for c: uniformly random rows,
// the most popular rows, and random rows sharing the first genre label of
// the last seed or session track. None repeats a seed or session row.
func Baselines(c *catalog.Catalog) []Method {
	n := c.Len()
	byPop := make([]int, n)
	for i := range byPop {
		byPop[i] = i
	}
	slices.SortStableFunc(byPop, func(a, b int) int {
		return cmp.Compare(c.Popularity(b), c.Popularity(a))
	})
	byLabel := map[string][]int{}
	for i := range c.Len() {
		if g := c.TrackGenres(i); len(g) > 0 {
			byLabel[g[0]] = append(byLabel[g[0]], i)
		}
	}
	random := func(q Query, pool []int) []int {
		rng := rand.New(rand.NewPCG(q.RandSeed, 0x7261))
		used := banned(q)
		var out []int
		size := n
		if pool != nil {
			size = len(pool)
		}
		if size == 0 {
			return nil
		}
		for tries := 0; len(out) < q.N && tries < 50*q.N; tries++ {
			r := rng.IntN(size)
			if pool != nil {
				r = pool[r]
			}
			if !used[r] {
				used[r] = true
				out = append(out, r)
			}
		}
		return out
	}
	return []Method{
		{Name: "random", Recommend: func(q Query) ([]int, error) { return random(q, nil), nil }},
		{Name: "popular", Recommend: func(q Query) ([]int, error) {
			used := banned(q)
			var out []int
			for _, r := range byPop {
				if len(out) == q.N {
					break
				}
				if !used[r] {
					out = append(out, r)
				}
			}
			return out, nil
		}},
		{Name: "genre-random", Recommend: func(q Query) ([]int, error) {
			last := lastContext(q)
			if last < 0 || len(c.TrackGenres(last)) == 0 {
				return random(q, nil), nil
			}
			return random(q, byLabel[c.TrackGenres(last)[0]]), nil
		}},
	}
}

func banned(q Query) map[int]bool {
	m := map[int]bool{}
	for _, r := range q.Seeds {
		m[r] = true
	}
	for _, r := range q.Session {
		m[r] = true
	}
	return m
}

func lastContext(q Query) int {
	if len(q.Session) > 0 {
		return q.Session[len(q.Session)-1]
	}
	if len(q.Seeds) > 0 {
		return q.Seeds[len(q.Seeds)-1]
	}
	return -1
}

// SampleSeeds draws up to n seed rows stratified across genre families:
// rows are shuffled within each family (fixed seed) and taken round-robin
// over families, so small families are represented as well as large ones.
// Rows of the family "other" (no usable labels) are not used.
func SampleSeeds(c *catalog.Catalog, n int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x73656564))
	groups := make([][]int, len(c.Families))
	for i, f := range c.Family {
		if c.Families[f] == "other" {
			continue
		}
		groups[f] = append(groups[f], i)
	}
	for _, g := range groups {
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
	}
	var out []int
	for depth := 0; len(out) < n; depth++ {
		added := false
		for _, g := range groups {
			if depth < len(g) && len(out) < n {
				out = append(out, g[depth])
				added = true
			}
		}
		if !added {
			break
		}
	}
	slices.Sort(out)
	return out
}

// FindSwanLake returns the row of a Tchaikovsky Swan Lake track, preferring
// the famous "Scène" (Act 2, No. 10), then the most popular.
func FindSwanLake(c *catalog.Catalog) (int, bool) {
	best, bestScore := -1, -1
	for i := range c.Len() {
		title := strings.ToLower(c.Title(i))
		if !strings.Contains(title, "swan lake") || !strings.Contains(strings.ToLower(strings.Join(c.TrackArtists(i), " ")), "tchaikovsky") {
			continue
		}
		s := int(c.Popularity(i)) + 1
		if strings.Contains(title, "scène") || strings.Contains(title, "scene") {
			s += 1000
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	return best, best >= 0
}

// Metrics are one method's results: means over queries, 0 when a metric had
// no queries (Report says how many there were).
type Metrics struct {
	Method string `json:"method"`
	// Seeded continuations (one seed, N picks).
	Coherence       float64            `json:"coherence_at_n"`   // share of picks in the seed's genre family
	GenreCosine     float64            `json:"genre_cosine"`     // mean cosine seed→pick in the catalog's genre space
	LabelMatch      float64            `json:"label_match"`      // share of picks sharing a genre label with the seed
	MoodFromSeed    float64            `json:"mood_from_seed"`   // mean |Δvalence|+|Δenergy| seed→pick, raw 0..1 scale
	MoodStep        float64            `json:"mood_step"`        // the same between consecutive picks
	DistinctArtists float64            `json:"distinct_artists"` // distinct primary artists in the N picks
	ArtistRepeats   float64            `json:"artist_repeats"`   // picks whose artist already appeared in the list
	MaxPerArtist    float64            `json:"max_per_artist"`   // most picks by one artist
	Short           float64            `json:"short_lists"`      // share of queries answered with fewer than N
	ByFamily        map[string]float64 `json:"coherence_by_family,omitempty"`
	// Playlist continuation (first 5 tracks as the session, N picks).
	HitRate       float64 `json:"playlist_hit_rate"`    // share of playlists with ≥1 of their other tracks in the N picks
	Recall        float64 `json:"playlist_recall"`      // share of the other tracks found in the N picks
	RPrecision    float64 `json:"playlist_r_precision"` // hits in the first R picks / R, R = other tracks (≤100)
	PlaylistGenre float64 `json:"playlist_genre"`       // share of picks in the playlist's majority family
}

// Options configure Run.
type Options struct {
	Seeds     int    // seeded queries (default 500)
	N         int    // list length (default 10)
	RandSeed  uint64 // sample and baseline randomness
	Playlists []Playlist
	Session   int // playlist tracks used as the session (default 5)
}

// Report is the outcome of Run.
type Report struct {
	CatalogSize int       `json:"catalog_size"`
	Seeds       int       `json:"seeds"`
	Playlists   int       `json:"playlists"`
	N           int       `json:"n"`
	Methods     []Metrics `json:"methods"`
}

// Showcase is one seed and its continuation by the engine.
type Showcase struct {
	Seed  int   `json:"seed_row"`
	Picks []int `json:"pick_rows"`
}

// Run evaluates every method on the same seeds and playlists.
func Run(c *catalog.Catalog, methods []Method, opts Options) (*Report, error) {
	if c == nil || c.Len() == 0 {
		return nil, music.Errorf(music.KindUnavailable, "eval: catalog is empty")
	}
	if opts.Seeds <= 0 {
		opts.Seeds = 500
	}
	if opts.N <= 0 {
		opts.N = 10
	}
	if opts.Session <= 0 {
		opts.Session = 5
	}
	seeds := SampleSeeds(c, opts.Seeds, opts.RandSeed)
	rep := &Report{CatalogSize: c.Len(), Seeds: len(seeds), N: opts.N}
	for _, m := range methods {
		mt, err := seeded(c, m, seeds, opts)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: %w", m.Name, err)
		}
		np, err := playlists(c, m, &mt, opts)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: playlists: %w", m.Name, err)
		}
		rep.Playlists = np
		rep.Methods = append(rep.Methods, mt)
	}
	return rep, nil
}

// SwanLake runs the showcase: the engine's continuation of FindSwanLake's row.
func SwanLake(c *catalog.Catalog, m Method, n int) (*Showcase, error) {
	seed, ok := FindSwanLake(c)
	if !ok {
		return nil, music.Errorf(music.KindNotFound, "eval: no Tchaikovsky Swan Lake track in the catalog")
	}
	picks, err := m.Recommend(Query{Seeds: []int{seed}, N: n})
	if err != nil {
		return nil, err
	}
	return &Showcase{Seed: seed, Picks: picks}, nil
}

func seeded(c *catalog.Catalog, m Method, seeds []int, opts Options) (Metrics, error) {
	mt := Metrics{Method: m.Name, ByFamily: map[string]float64{}}
	var coh, gcos, label, fromSeed, step, distinct, repeats, maxPer, short mean
	famCoh := map[string]*mean{}
	for qi, s := range seeds {
		picks, err := m.Recommend(Query{Seeds: []int{s}, N: opts.N, RandSeed: opts.RandSeed + uint64(qi)})
		if err != nil {
			return mt, fmt.Errorf("seed row %d: %w", s, err)
		}
		if len(picks) < opts.N {
			short.add(1)
		} else {
			short.add(0)
		}
		if len(picks) == 0 {
			continue
		}
		same := 0
		for _, p := range picks {
			if c.Family[p] == c.Family[s] {
				same++
			}
			fromSeed.add(moodDist(c, s, p))
			gcos.add(cosine(c.Genre.Row(s), c.Genre.Row(p)))
			label.add(b2f(shareLabel(c.TrackGenres(s), c.TrackGenres(p))))
		}
		for i := 1; i < len(picks); i++ {
			step.add(moodDist(c, picks[i-1], picks[i]))
		}
		share := float64(same) / float64(len(picks))
		coh.add(share)
		fam := c.Families[c.Family[s]]
		if famCoh[fam] == nil {
			famCoh[fam] = &mean{}
		}
		famCoh[fam].add(share)
		d, mx := artistStats(c, picks)
		distinct.add(float64(d))
		repeats.add(float64(len(picks) - d))
		maxPer.add(float64(mx))
	}
	mt.Coherence, mt.MoodFromSeed, mt.MoodStep = coh.value(), fromSeed.value(), step.value()
	mt.GenreCosine, mt.LabelMatch = gcos.value(), label.value()
	mt.DistinctArtists, mt.ArtistRepeats, mt.MaxPerArtist = distinct.value(), repeats.value(), maxPer.value()
	mt.Short = short.value()
	for f, v := range famCoh {
		mt.ByFamily[f] = v.value()
	}
	return mt, nil
}

func playlists(c *catalog.Catalog, m Method, mt *Metrics, opts Options) (int, error) {
	var hit, recall, rprec, genre mean
	count := 0
	for pi, pl := range opts.Playlists {
		if len(pl.Rows) <= opts.Session {
			continue
		}
		session, rest := pl.Rows[:opts.Session], pl.Rows[opts.Session:]
		want := map[int]bool{}
		for _, r := range rest {
			want[r] = true
		}
		r := min(len(rest), recommend.MaxN)
		picks, err := m.Recommend(Query{Session: session, N: max(opts.N, r), RandSeed: opts.RandSeed + uint64(pi)})
		if err != nil {
			return 0, fmt.Errorf("playlist %q: %w", pl.Name, err)
		}
		count++
		hits := 0
		for _, p := range picks[:min(opts.N, len(picks))] {
			if want[p] {
				hits++
			}
		}
		hit.add(b2f(hits > 0))
		recall.add(float64(hits) / float64(len(rest)))
		rh := 0
		for _, p := range picks[:min(r, len(picks))] {
			if want[p] {
				rh++
			}
		}
		rprec.add(float64(rh) / float64(r))
		fam := majorityFamily(c, pl.Rows)
		same := 0
		top := picks[:min(opts.N, len(picks))]
		for _, p := range top {
			if int(c.Family[p]) == fam {
				same++
			}
		}
		if len(top) > 0 {
			genre.add(float64(same) / float64(len(top)))
		}
	}
	mt.HitRate, mt.Recall, mt.RPrecision, mt.PlaylistGenre = hit.value(), recall.value(), rprec.value(), genre.value()
	return count, nil
}

// moodDist is |Δvalence| + |Δenergy| on the raw 0..1 scale.
func moodDist(c *catalog.Catalog, a, b int) float64 {
	dv := recommend.RawMood(c, a, catalog.MoodValence) - recommend.RawMood(c, b, catalog.MoodValence)
	de := recommend.RawMood(c, a, catalog.MoodEnergy) - recommend.RawMood(c, b, catalog.MoodEnergy)
	return math.Abs(dv) + math.Abs(de)
}

// cosine of two genre rows (the catalog stores them L2-normalised, but a
// track without genres has a zero row, which gives 0).
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// shareLabel reports whether two tracks have a genre label in common, after
// catalog.NormalizeTag.
func shareLabel(a, b []string) bool {
	for _, x := range a {
		x = catalog.NormalizeTag(x)
		for _, y := range b {
			if x != "" && x == catalog.NormalizeTag(y) {
				return true
			}
		}
	}
	return false
}

func artistStats(c *catalog.Catalog, rows []int) (distinct, maxPer int) {
	counts := map[int32]int{}
	for _, r := range rows {
		counts[c.Artist[r]]++
		maxPer = max(maxPer, counts[c.Artist[r]])
	}
	return len(counts), maxPer
}

func majorityFamily(c *catalog.Catalog, rows []int) int {
	counts := make([]int, len(c.Families))
	for _, r := range rows {
		counts[c.Family[r]]++
	}
	best := 0
	for f, n := range counts {
		if n > counts[best] {
			best = f
		}
	}
	return best
}

type mean struct {
	sum float64
	n   int
}

func (m *mean) add(v float64) { m.sum += v; m.n++ }

func (m *mean) value() float64 {
	if m.n == 0 {
		return 0
	}
	return m.sum / float64(m.n)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
