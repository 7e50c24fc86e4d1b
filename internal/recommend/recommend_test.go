package recommend_test

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/recommend/synthcat"
	"github.com/continuo/continuo/internal/testenv"
)

// synthetic is a 4000-track clustered catalog shared by the tests (read only).
var synthetic = sync.OnceValue(func() *catalog.Catalog { return synthcat.Clustered(4000, 1) })

func famIndex(t *testing.T, c *catalog.Catalog, name string) uint8 {
	t.Helper()
	i := slices.Index(c.Families, name)
	require.GreaterOrEqual(t, i, 0, "family %q", name)
	return uint8(i)
}

// firstOf returns the first row of a family (with a popular-enough track so
// it is a typical seed).
func firstOf(t *testing.T, c *catalog.Catalog, fam uint8) int {
	t.Helper()
	for i := range c.Len() {
		if c.Family[i] == fam {
			return i
		}
	}
	t.Fatalf("no row in family %d", fam)
	return -1
}

func rows(ps []recommend.Pick) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = p.Row
	}
	return out
}

func countFamily(c *catalog.Catalog, ps []recommend.Pick, fam uint8) int {
	n := 0
	for _, p := range ps {
		if c.Family[p.Row] == fam {
			n++
		}
	}
	return n
}

func maxPerArtistIn10(c *catalog.Catalog, ps []recommend.Pick) int {
	worst := 0
	for i := range ps {
		counts := map[int32]int{}
		for j := i; j < len(ps) && j < i+10; j++ {
			counts[c.Artist[ps[j].Row]]++
			worst = max(worst, counts[c.Artist[ps[j].Row]])
		}
	}
	return worst
}

func TestRecommendSeedFamilyCoherence(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	require.NoError(t, e.Err())
	for _, fam := range synthcat.Families {
		t.Run(fam, func(t *testing.T) {
			f := famIndex(t, c, fam)
			seed := firstOf(t, c, f)
			ps, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Explicit: true})
			require.NoError(t, err)
			require.Len(t, ps, 10)
			assert.Equal(t, 10, countFamily(c, ps, f), "picks %v", rows(ps))
			assert.LessOrEqual(t, maxPerArtistIn10(c, ps), 2)
			assert.NotContains(t, rows(ps), seed)
			for _, p := range ps {
				assert.Contains(t, p.Reason, "same genre family as "+c.Title(seed))
				assert.False(t, math.IsNaN(p.Score))
			}
		})
	}
}

func TestRecommendValidation(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	tests := []struct {
		name string
		req  recommend.Request
		kind music.Kind
	}{
		{"zero count", recommend.Request{N: 0}, music.KindInvalid},
		{"negative count", recommend.Request{N: -3}, music.KindInvalid},
		{"count over max", recommend.Request{N: recommend.MaxN + 1}, music.KindInvalid},
		{"unknown mood", recommend.Request{N: 5, Mood: "angry"}, music.KindInvalid},
		{"seed past end", recommend.Request{N: 5, Seeds: []int{c.Len()}}, music.KindNotFound},
		{"negative seed", recommend.Request{N: 5, Seeds: []int{-1}}, music.KindNotFound},
		{"session row past end", recommend.Request{N: 5, Session: []recommend.Played{{Row: c.Len() + 7}}}, music.KindNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Recommend(tc.req)
			require.Error(t, err)
			assert.Equal(t, tc.kind, music.KindOf(err), "%v", err)
		})
	}
}

func TestRecommendBadCatalog(t *testing.T) {
	broken := synthcat.Clustered(10, 1)
	broken.Genre.Data = broken.Genre.Data[:5] // malformed matrix must not reach gonum
	tests := []struct {
		name string
		cat  *catalog.Catalog
		kind music.Kind
	}{
		{"nil", nil, music.KindUnavailable},
		{"empty", &catalog.Catalog{}, music.KindUnavailable},
		{"malformed", broken, music.KindInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := recommend.New(tc.cat, recommend.Options{})
			_, err := e.Recommend(recommend.Request{N: 10})
			require.Error(t, err)
			assert.Equal(t, tc.kind, music.KindOf(err))
			assert.Contains(t, e.Explain(0, recommend.Request{}), "no reason")
		})
	}
}

func TestRecommendNoRepeatsWithinSession(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	f := famIndex(t, c, "jazz")
	var sess []recommend.Played
	played := map[int]bool{}
	for i := 0; i < c.Len() && len(sess) < 30; i++ {
		if c.Family[i] == f {
			sess = append(sess, recommend.Played{Row: i, Outcome: music.OutcomeCompleted})
			played[i] = true
		}
	}
	// Keep asking as the drive goes on; nothing played may come back.
	for step := range 5 {
		ps, err := e.Recommend(recommend.Request{Session: sess, N: 10, Explicit: true})
		require.NoError(t, err)
		require.Len(t, ps, 10)
		seen := map[int]bool{}
		for _, p := range ps {
			assert.False(t, played[p.Row], "step %d: row %d was played", step, p.Row)
			assert.False(t, seen[p.Row], "step %d: row %d twice", step, p.Row)
			seen[p.Row] = true
		}
		for _, p := range ps[:3] {
			sess = append(sess, recommend.Played{Row: p.Row, Outcome: music.OutcomeCompleted})
			played[p.Row] = true
		}
	}
}

func TestRecommendExplicitAndExclude(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	f := famIndex(t, c, "hip hop")
	seed := firstOf(t, c, f)

	allowed, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 30, Explicit: true})
	require.NoError(t, err)
	nExplicit := 0
	for _, p := range allowed {
		if c.Explicit(p.Row) == music.ExplicitYes {
			nExplicit++
		}
	}
	require.Positive(t, nExplicit, "the fixture must offer explicit tracks for this test to mean anything")

	clean, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 30})
	require.NoError(t, err)
	for _, p := range clean {
		assert.NotEqual(t, music.ExplicitYes, c.Explicit(p.Row), "row %d", p.Row)
	}

	excl := []music.TrackID{c.ID(clean[0].Row), c.ID(clean[1].Row)}
	again, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 30, Exclude: excl})
	require.NoError(t, err)
	assert.NotContains(t, rows(again), clean[0].Row)
	assert.NotContains(t, rows(again), clean[1].Row)
}

func TestRecommendSkipPushesAway(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	f := famIndex(t, c, "rock")
	seed := firstOf(t, c, f)
	base, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Explicit: true})
	require.NoError(t, err)
	// Skip the artist of the best pick: its other tracks must drop out.
	skipped := base[0].Row
	artist := c.Artist[skipped]
	var other []int
	for i := range c.Len() {
		if c.Artist[i] == artist && i != skipped {
			other = append(other, i)
		}
	}
	require.NotEmpty(t, other)
	sess := []recommend.Played{{Row: skipped, Outcome: music.OutcomeSkipped}}
	after, err := e.Recommend(recommend.Request{Seeds: []int{seed}, Session: sess, N: 10, Explicit: true})
	require.NoError(t, err)
	for _, p := range after {
		assert.NotEqual(t, artist, c.Artist[p.Row], "row %d by the skipped artist", p.Row)
	}
	// And a disliked track's artist too, even without a seed.
	sess = []recommend.Played{
		{Row: seed, Outcome: music.OutcomeCompleted},
		{Row: skipped, Outcome: music.OutcomeCompleted, Feedback: music.Dislike},
	}
	after, err = e.Recommend(recommend.Request{Session: sess, N: 10, Explicit: true})
	require.NoError(t, err)
	for _, p := range after {
		assert.NotEqual(t, artist, c.Artist[p.Row])
	}
}

func TestRecommendSkipPushesContext(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	jazz, rock := famIndex(t, c, "jazz"), famIndex(t, c, "rock")
	j, r := firstOf(t, c, jazz), firstOf(t, c, rock)
	req := func(o music.Outcome) recommend.Request {
		return recommend.Request{N: 10, Explicit: true, Session: []recommend.Played{
			{Row: j, Outcome: music.OutcomeCompleted}, {Row: r, Outcome: o},
		}}
	}
	kept, err := e.Recommend(req(music.OutcomeCompleted))
	require.NoError(t, err)
	skip, err := e.Recommend(req(music.OutcomeSkipped))
	require.NoError(t, err)
	assert.Greater(t, countFamily(c, kept, rock), countFamily(c, skip, rock), "skipping the rock track moves away from rock")
	assert.Equal(t, 10, countFamily(c, skip, jazz))
}

func TestRecommendLikePulls(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	jazz, rock := famIndex(t, c, "jazz"), famIndex(t, c, "rock")
	j, r := firstOf(t, c, jazz), firstOf(t, c, rock)
	// Newest rock (weight 1) against an older jazz track (0.75, or 1.2 when liked).
	req := func(fb music.FeedbackKind) recommend.Request {
		return recommend.Request{N: 10, Explicit: true, Session: []recommend.Played{
			{Row: j, Outcome: music.OutcomeCompleted, Feedback: fb},
			{Row: r, Outcome: music.OutcomeCompleted},
		}}
	}
	plain, err := e.Recommend(req(""))
	require.NoError(t, err)
	liked, err := e.Recommend(req(music.Like))
	require.NoError(t, err)
	assert.Greater(t, countFamily(c, liked, jazz), countFamily(c, plain, jazz))

	// Long-term taste is a weaker pull of the same kind.
	taste := &music.Taste{Tracks: map[music.TrackID]float64{c.ID(j): 5}}
	withTaste, err := e.Recommend(recommend.Request{Seeds: []int{r}, Taste: taste, N: 10, Explicit: true})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, countFamily(c, withTaste, rock), 8, "the seed still dominates")
	// A taste is plays, not likes: no "you liked" without a like.
	assert.NotContains(t, e.Explain(firstOtherByArtist(c, j), recommend.Request{Seeds: []int{r}, Taste: taste}), "you liked")
	likedReq := req(music.Like)
	assert.Contains(t, e.Explain(firstOtherByArtist(c, j), likedReq), "you liked")
}

func firstOtherByArtist(c *catalog.Catalog, row int) int {
	for i := range c.Len() {
		if i != row && c.Artist[i] == c.Artist[row] {
			return i
		}
	}
	return row
}

func TestRecommendColdStart(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	for _, mood := range []string{"", recommend.MoodCalm, recommend.MoodSteady, recommend.MoodLively} {
		t.Run("mood="+mood, func(t *testing.T) {
			a, err := e.Recommend(recommend.Request{N: 10, Mood: mood})
			require.NoError(t, err)
			b, err := e.Recommend(recommend.Request{N: 10, Mood: mood})
			require.NoError(t, err)
			require.Len(t, a, 10)
			assert.Equal(t, a, b, "cold start is deterministic")
			assert.GreaterOrEqual(t, countFamily(c, a, c.Family[a[0].Row]), 9, "coherent with its anchor")
			assert.Contains(t, a[0].Reason, "popular in the catalog")
		})
	}
}

func TestRecommendMoodSteering(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	seed := firstOf(t, c, famIndex(t, c, "pop"))
	meanEnergy := func(mood string) float64 {
		ps, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Mood: mood, Explicit: true})
		require.NoError(t, err)
		var s float64
		for _, p := range ps {
			s += recommend.RawMood(c, p.Row, catalog.MoodEnergy)
		}
		return s / float64(len(ps))
	}
	calm, none, lively := meanEnergy(recommend.MoodCalm), meanEnergy(""), meanEnergy(recommend.MoodLively)
	assert.Less(t, calm, none)
	assert.Less(t, none, lively)
}

func TestRecommendExploreIsSeededAndStaysNear(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	f := famIndex(t, c, "latin")
	seed := firstOf(t, c, f)
	req := recommend.Request{Seeds: []int{seed}, N: 10, Explore: 1, RandSeed: 7, Explicit: true}
	a, err := e.Recommend(req)
	require.NoError(t, err)
	b, err := e.Recommend(req)
	require.NoError(t, err)
	assert.Equal(t, a, b, "same RandSeed, same list")
	req.RandSeed = 8
	other, err := e.Recommend(req)
	require.NoError(t, err)
	assert.NotEqual(t, rows(a), rows(other), "another RandSeed explores differently")
	assert.GreaterOrEqual(t, countFamily(c, other, f), 8)
}

func TestRecommendSmallCatalogRelaxesArtistCap(t *testing.T) {
	c := synthcat.Clustered(30, 3)
	e := recommend.New(c, recommend.Options{})
	ps, err := e.Recommend(recommend.Request{Seeds: []int{0}, N: 29, Explicit: true})
	require.NoError(t, err)
	assert.Len(t, ps, 29, "every other row, even if artists repeat")
	ps, err = e.Recommend(recommend.Request{Seeds: []int{0}, N: 100, Explicit: true})
	require.NoError(t, err)
	assert.Len(t, ps, 29)
}

func TestAllocationsIndependentOfCatalogSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 40k catalog")
	}
	if testenv.RaceEnabled {
		// Under -race sync.Pool drops a quarter of its Puts at random, so
		// the count varies from run to run (17 vs 15 seen): meaningless.
		t.Skip("allocation counts are checked without -race")
	}
	allocs := func(n int) float64 {
		c := synthcat.Clustered(n, 2)
		e := recommend.New(c, recommend.Options{})
		req := recommend.Request{Seeds: []int{1}, Session: []recommend.Played{{Row: 2}, {Row: 3, Outcome: music.OutcomeSkipped}}, N: 10}
		_, err := e.Recommend(req) // warm the pool
		require.NoError(t, err)
		return testing.AllocsPerRun(20, func() { _, _ = e.Recommend(req) })
	}
	small, large := allocs(2000), allocs(40000)
	assert.Equal(t, small, large, "allocations per request must not grow with the catalog")
}

func TestKeyCompatibility(t *testing.T) {
	const C, G, A, Fs = 0, 7, 9, 6
	tests := []struct {
		name           string
		ka, ma, kb, mb int8
		want           float32
	}{
		{"same key", C, 1, C, 1, 1},
		{"relative minor", C, 1, A, 0, 0.9},
		{"fifth up", C, 1, G, 1, 0.8},
		{"tritone", C, 1, Fs, 1, 0.2},
		{"unknown key", -1, 1, C, 1, 0.5},
		{"unknown mode", C, -1, C, 1, 0.5},
		{"out of range", 12, 1, C, 1, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, recommend.KeyCompatibility(tc.ka, tc.ma, tc.kb, tc.mb), 1e-6)
			assert.InDelta(t, tc.want, recommend.KeyCompatibility(tc.kb, tc.mb, tc.ka, tc.ma), 1e-6, "symmetric")
		})
	}
}

func TestConcurrentRequests(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	want, err := e.Recommend(recommend.Request{Seeds: []int{5}, N: 10})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 20 {
				got, err := e.Recommend(recommend.Request{Seeds: []int{5}, N: 10})
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(rows(got), rows(want)) {
					errs <- assert.AnError
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzRecommend(f *testing.F) {
	f.Add(10, 0.0, "", uint64(1), 3, -1, true, "syn0000003")
	f.Add(0, 1.5, "calm", uint64(2), -4, 2, false, "")
	f.Add(101, math.NaN(), "lively", uint64(3), 99999, 0, true, "x")
	f.Add(1, -1.0, "steady", uint64(4), 0, 45, false, "syn0000000")
	c := synthcat.Clustered(300, 4)
	e := recommend.New(c, recommend.Options{Shortlist: 50})
	f.Fuzz(func(t *testing.T, n int, explore float64, mood string, rs uint64, seed, sessRow int, explicit bool, exclude string) {
		req := recommend.Request{N: n, Explore: explore, Mood: mood, RandSeed: rs, Explicit: explicit,
			Exclude: []music.TrackID{music.TrackID(exclude)}}
		if seed != 0 {
			req.Seeds = []int{seed}
		}
		if sessRow != 0 {
			req.Session = []recommend.Played{{Row: sessRow, Outcome: music.OutcomeSkipped, Genres: []string{mood}}}
		}
		if rs%2 == 1 { // an anchor from the same inputs, and the drive's heard list
			kinds := []string{"", recommend.AnchorTrack, recommend.AnchorArtist, recommend.AnchorAlbum,
				recommend.AnchorGenre, recommend.AnchorMood, recommend.AnchorContinue, "nonsense"}
			req.Anchor = &recommend.Anchor{Kind: kinds[rs/2%uint64(len(kinds))], Rows: []int{sessRow}, Artist: int32(seed),
				Genres: []string{mood, exclude}, Mood: mood, Label: exclude}
			req.Heard = []music.TrackID{music.TrackID(exclude), "syn0000001"}
			if p, err := e.Start(req.Anchor, req); err == nil && (p.Row < 0 || p.Row >= c.Len()) {
				t.Fatalf("start row %d", p.Row)
			}
			_ = e.Explicit(sessRow)
		}
		ps, err := e.Recommend(req)
		_ = e.Explain(seed, req)
		if err != nil {
			return
		}
		if len(ps) > n {
			t.Fatalf("%d picks for n=%d", len(ps), n)
		}
		seen := map[int]bool{}
		for _, p := range ps {
			if p.Row < 0 || p.Row >= c.Len() || seen[p.Row] {
				t.Fatalf("bad or repeated row %d", p.Row)
			}
			seen[p.Row] = true
		}
	})
}

func TestExplain(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	jazz := famIndex(t, c, "jazz")
	seed := firstOf(t, c, jazz)
	other := firstOf(t, c, famIndex(t, c, "rock"))
	seeded := recommend.Request{Seeds: []int{seed}}
	cold := mustCold(t, e)
	tests := []struct {
		name string
		row  int
		req  recommend.Request
		want string
	}{
		{"same family", firstOtherByArtist(c, seed), seeded, "same genre family as " + c.Title(seed) + ": jazz"},
		{"other family", other, seeded, "close in genre to " + c.Title(seed) + " (jazz): rock"},
		{"liked artist", firstOtherByArtist(c, seed), recommend.Request{Session: []recommend.Played{{Row: seed, Feedback: music.Like}}}, "you liked"},
		{"cold-start anchor", cold, recommend.Request{}, "popular in the catalog: " + c.Families[c.Family[cold]]},
		{"row past end", c.Len(), seeded, "not in the catalog"},
		{"negative row", -1, seeded, "not in the catalog"},
		{"bad mood", seed, recommend.Request{Mood: "furious"}, "no reason: "},
		{"bad seed", seed, recommend.Request{Seeds: []int{-5}}, "no reason: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Contains(t, e.Explain(tc.row, tc.req), tc.want)
		})
	}
}

func mustCold(t *testing.T, e *recommend.Engine) int {
	t.Helper()
	ps, err := e.Recommend(recommend.Request{N: 1})
	require.NoError(t, err)
	return ps[0].Row
}

func TestTasteSkippedArtists(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	seed := firstOf(t, c, famIndex(t, c, "classical"))
	base, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10})
	require.NoError(t, err)
	victim := c.Artist[base[0].Row]
	taste := &music.Taste{SkippedArtists: map[string]float64{
		strings.ToUpper(c.Artists[victim]): 3, // names are matched normalised
		"nobody in the catalog":            9,
	}, Tracks: map[music.TrackID]float64{"no-such-id": 1, c.ID(seed): math.NaN()}}
	after, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Taste: taste})
	require.NoError(t, err)
	require.Len(t, after, 10)
	for _, p := range after {
		assert.NotEqual(t, victim, c.Artist[p.Row])
		assert.False(t, math.IsNaN(p.Score), "a NaN taste weight must not poison the scores")
	}
}

func TestLongSessionBansEverythingPlayed(t *testing.T) {
	c := synthcat.Clustered(600, 11)
	e := recommend.New(c, recommend.Options{})
	var sess []recommend.Played
	for i := 0; i < 400; i++ { // longer than the context window
		sess = append(sess, recommend.Played{Row: i, Outcome: music.OutcomeCompleted})
	}
	ps, err := e.Recommend(recommend.Request{Session: sess, N: 100, Explicit: true})
	require.NoError(t, err)
	require.NotEmpty(t, ps)
	for _, p := range ps {
		assert.GreaterOrEqual(t, p.Row, 400, "row %d was played", p.Row)
	}
}
