package recommend_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// Whole-drive simulations: what a driver hears over 60 tracks, not only the
// first ten. simDrive replays the drive core's refill loop (internal/drive):
// the asked track is recorded as a liked "playing" entry (st.play), the
// session is the last 50 plays, the queue is kept three deep and excluded,
// the anchor and every track heard this drive go with every refill.

const (
	simTracks     = 60
	simDepth      = 3
	simSessionWin = 50
)

// simOpts are the conditions of one simulated drive.
type simOpts struct {
	kids bool      // Request.Explicit = false
	now  time.Time // Request.Now
}

// simDrive returns the rows of a drive of simTracks tracks starting at
// start, anchored on a.
func simDrive(t testing.TB, e *recommend.Engine, start int, a *recommend.Anchor, o simOpts) []int {
	t.Helper()
	c := e.Catalog()
	played := []recommend.Played{{Row: start, Outcome: music.OutcomePlaying, Feedback: music.Like}}
	seq := []int{start}
	cur := start
	var queue []int
	for len(seq) < simTracks {
		if need := simDepth - len(queue); need > 0 {
			req := recommend.Request{
				Session: append(slices.Clone(played), recommend.Played{Row: cur, Outcome: music.OutcomePlaying}),
				N:       need, Explicit: !o.kids, Anchor: a, Now: o.now, RandSeed: uint64(len(seq)),
			}
			for _, r := range seq {
				req.Heard = append(req.Heard, c.ID(r))
			}
			for _, q := range queue {
				req.Exclude = append(req.Exclude, c.ID(q))
			}
			ps, err := e.Recommend(req)
			require.NoError(t, err)
			require.NotEmpty(t, ps, "drive ran dry after %d tracks", len(seq))
			queue = append(queue, rows(ps)...)
		}
		played = append(played, recommend.Played{Row: cur, Outcome: music.OutcomeCompleted})
		if len(played) > simSessionWin {
			played = played[len(played)-simSessionWin:]
		}
		cur, queue = queue[0], queue[1:]
		seq = append(seq, cur)
	}
	return seq
}

// driveMetrics are what the issue measures over a drive.
type driveMetrics struct {
	famEarly, famLate   float64 // share of tracks 1–15 / 46–60 in the anchor's family
	cosEarly, cosLate   float64 // mean genre cosine to the anchor
	energyEarly, energy float64 // mean raw energy of tracks 1–15 / 46–60
	sameSong            int     // later tracks whose normalised title repeats an earlier one
	exact               int     // exact repeats
	holiday             int     // holiday tracks (catalog.Derived) after the first
	explicitKnown       int     // flagged explicit tracks
	explicitEst         int     // estimated explicit (Engine.Explicit)
	untaggedEarly       float64 // share of tracks by artists without tags, 1–15
	untaggedLate        float64 // the same, 46–60
	maxArtist           int     // most tracks by one artist
	maxArtistName       string
}

func measureDrive(e *recommend.Engine, seq []int, anchorRows []int) driveMetrics {
	c := e.Catalog()
	var m driveMetrics
	fam := c.Family[anchorRows[0]]
	av := make([]float32, c.Genre.Cols)
	for _, r := range anchorRows {
		embed.AddScaled(av, 1, c.Genre.Row(r))
	}
	embed.Normalize(av)
	block := func(lo, hi int, f func(int) float64) float64 {
		var s float64
		for _, r := range seq[lo:hi] {
			s += f(r)
		}
		return s / float64(hi-lo)
	}
	inFam := func(r int) float64 { return b2f(c.Family[r] == fam) }
	cos := func(r int) float64 { return float64(embed.Dot(c.Genre.Row(r), av)) }
	energy := func(r int) float64 { return recommend.RawMood(c, r, catalog.MoodEnergy) }
	untagged := func(r int) float64 { return b2f(len(c.TrackTags(r)) == 0) }
	n := len(seq)
	m.famEarly, m.famLate = block(0, 15, inFam), block(n-15, n, inFam)
	m.cosEarly, m.cosLate = block(0, 15, cos), block(n-15, n, cos)
	m.energyEarly, m.energy = block(0, 15, energy), block(n-15, n, energy)
	m.untaggedEarly, m.untaggedLate = block(0, 15, untagged), block(n-15, n, untagged)
	derived := c.Derived
	if !derived.Valid(c.Len()) { // a catalog assembled by hand
		derived = catalog.Derive(c)
	}
	seenRow, seenSong := map[int]bool{}, map[string]bool{}
	perArtist := map[int32]int{}
	for i, r := range seq {
		k := simpleSong(c.Track(r))
		switch {
		case seenRow[r]:
			m.exact++
		case seenSong[k]:
			m.sameSong++ // another recording or version of a song heard
		}
		seenRow[r], seenSong[k] = true, true
		if i > 0 && derived.Holiday[r] {
			m.holiday++
		}
		if i > 0 && c.Explicit(r) == music.ExplicitYes {
			m.explicitKnown++
		}
		if i > 0 && e.Explicit(r) {
			m.explicitEst++
		}
		perArtist[c.Artist[r]]++
		if perArtist[c.Artist[r]] > m.maxArtist {
			m.maxArtist, m.maxArtistName = perArtist[c.Artist[r]], c.Artists[c.Artist[r]]
		}
	}
	return m
}

// simpleSong is an independent, plain normalisation of a title (not the
// engine's): folded, without bracketed parts and a " - …" suffix.
func simpleSong(t music.Track) string {
	s := t.Title
	if i := strings.IndexAny(s, "(["); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, " - "); i > 0 {
		s = s[:i]
	}
	return catalog.NormalizeName(s)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (m driveMetrics) String() string {
	return fmt.Sprintf("fam %.2f→%.2f cos %.3f→%.3f energy %.2f→%.2f same-song %d exact %d holiday %d explicit %d/%d untagged %.2f→%.2f max/artist %d (%s)",
		m.famEarly, m.famLate, m.cosEarly, m.cosLate, m.energyEarly, m.energy, m.sameSong, m.exact, m.holiday,
		m.explicitKnown, m.explicitEst, m.untaggedEarly, m.untaggedLate, m.maxArtist, m.maxArtistName)
}

// fullCatalog loads the full catalog named by CONTINUO_FULL_CATALOG, or
// skips.
func fullCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	path := os.Getenv("CONTINUO_FULL_CATALOG")
	if path == "" {
		t.Skip("CONTINUO_FULL_CATALOG not set (make full-catalog, then point it at full.catalog)")
	}
	c, err := catalog.Load(path)
	require.NoError(t, err)
	return c
}

// findTrack returns the row whose title and artists contain the given
// words, preferring a copy in the family of most of the primary artist's
// tracks (a resolver's job: Jolene has a copy carrying a playlist's "r&b"
// labels), then popularity.
func findTrack(c *catalog.Catalog, title, artist string) int {
	var match []int
	families := map[uint8]int{}
	for i := range c.Len() {
		tr := c.Track(i)
		if strings.Contains(strings.ToLower(strings.Join(tr.Artists, ";")), artist) {
			families[c.Family[i]]++
			if strings.Contains(strings.ToLower(tr.Title), title) {
				match = append(match, i)
			}
		}
	}
	best := -1
	key := func(i int) (int, int8) { return families[c.Family[i]], c.Popularity(i) }
	for _, i := range match {
		if best < 0 {
			best = i
			continue
		}
		fi, pi := key(i)
		fb, pb := key(best)
		if fi > fb || fi == fb && pi > pb {
			best = i
		}
	}
	return best
}

// fullDriveSeeds are the drives.
var fullDriveSeeds = []struct {
	name, title, artist string // a track anchor (title and artist words)
	genre, mood         string // else a genre or a mood anchor
}{
	{name: "Swan Lake Scène", title: "swan lake", artist: "tchaikovsky"},
	{name: "Take Five", title: "take five", artist: "brubeck"},
	{name: "Jolene", title: "jolene", artist: "dolly parton"},
	{name: "HUMBLE.", title: "humble.", artist: "kendrick lamar"},
	{name: "Losing My Religion", title: "losing my religion", artist: "r.e.m."},
	{name: "Respect", title: "respect", artist: "aretha franklin"},
	{name: "Ring of Fire", title: "ring of fire", artist: "johnny cash"},
	{name: "Bob Marley", artist: "bob marley", title: ""},
	{name: "some jazz", genre: "jazz"},
	{name: "something calm", mood: recommend.MoodCalm},
}

// topRowsOf returns the n most popular rows of an artist (what the request
// branch passes as an artist anchor's rows).
func topRowsOf(c *catalog.Catalog, a int32, n int) []int {
	var rows []int
	for i := range c.Len() {
		if c.Artist[i] == a {
			rows = append(rows, i)
		}
	}
	slices.SortStableFunc(rows, func(x, y int) int { return int(c.Popularity(y)) - int(c.Popularity(x)) })
	return rows[:min(n, len(rows))]
}

// fullDrive starts and runs one of fullDriveSeeds.
func fullDrive(t testing.TB, e *recommend.Engine, i int, o simOpts) (seq, anchorRows []int) {
	c := e.Catalog()
	sd := fullDriveSeeds[i]
	a := &recommend.Anchor{Artist: -1, Label: sd.name}
	switch {
	case sd.title == "" && sd.artist != "":
		row := findTrack(c, "", sd.artist)
		require.GreaterOrEqual(t, row, 0, "%s not in the catalog", sd.name)
		a.Kind, a.Artist = recommend.AnchorArtist, c.Artist[row]
		a.Rows = topRowsOf(c, a.Artist, 5)
	case sd.genre != "":
		a.Kind, a.Genres = recommend.AnchorGenre, []string{sd.genre}
	case sd.mood != "":
		a.Kind, a.Mood = recommend.AnchorMood, sd.mood
	default:
		row := findTrack(c, sd.title, sd.artist)
		require.GreaterOrEqual(t, row, 0, "%s not in the catalog", sd.name)
		a.Kind, a.Rows = recommend.AnchorTrack, []int{row}
	}
	p, err := e.Start(a, recommend.Request{Explicit: !o.kids, Now: o.now})
	if o.kids && len(a.Rows) > 0 && e.Explicit(a.Rows[0]) {
		// Kids mode and an explicit track without a clean version: refused.
		if err != nil {
			require.Equal(t, music.KindNotFound, music.KindOf(err), "%v", err)
			return nil, nil
		}
		require.False(t, e.Explicit(p.Row), "kids mode started an explicit track")
	}
	require.NoError(t, err)
	if len(a.Rows) == 0 {
		a.Rows = []int{p.Row} // genre and mood drives: the first track stands for the anchor
	}
	return simDrive(t, e, p.Row, a, o), a.Rows
}

// TestFullCatalogDrives asserts the targets over 60-track drives on
// the full catalog, out of the holiday season and in kids mode as well.
func TestFullCatalogDrives(t *testing.T) {
	c := fullCatalog(t)
	e := recommend.New(c, recommend.Options{})
	november := time.Date(2026, time.November, 29, 12, 0, 0, 0, time.UTC)
	for _, kids := range []bool{false, true} {
		for i, sd := range fullDriveSeeds {
			t.Run(fmt.Sprintf("%s/kids=%v", sd.name, kids), func(t *testing.T) {
				seq, anchor := fullDrive(t, e, i, simOpts{kids: kids, now: november})
				if seq == nil {
					t.Skip("refused in kids mode: explicit, no clean version")
				}
				m := measureDrive(e, seq, anchor)
				t.Log(m)
				if testing.Verbose() {
					t.Log(describe(c, seq))
				}
				assert.Zero(t, m.exact, "exact repeats")
				assert.Zero(t, m.sameSong, "same-song repeats")
				assert.Zero(t, m.holiday, "holiday music in November")
				if sd.title == "" && sd.artist != "" {
					// More of the artist, spaced: at most two in any ten.
					assert.Greater(t, m.maxArtist, 4, "plays of the asked artist")
					worst, who := maxArtistInWindow(c, seq)
					assert.LessOrEqual(t, worst, 2, "%s in ten", who)
				} else {
					assert.LessOrEqual(t, m.maxArtist, 4, "plays of one artist")
				}
				if sd.mood == "" {
					assert.GreaterOrEqual(t, m.famLate, m.famEarly-0.05, "family share of tracks 46–60")
				} else {
					assertMoodDriveHolds(t, m, sd.mood)
				}
				if kids {
					assert.Zero(t, m.explicitKnown, "flagged explicit tracks in kids mode")
					assert.Zero(t, m.explicitEst, "estimated explicit tracks in kids mode")
				}
			})
		}
	}
}

// assertMoodDriveHolds checks what a mood drive ("something calm") must
// hold over 60 tracks. The driver named a mood, not the genre family of the
// track the engine chose to start with, so the started track's family is
// not held at 0.95 as an asked track's is: it must not collapse (three
// quarters of tracks 46–60; per-row families are playlist labels, calm
// Jeremy Zucker or Ed Sheeran rows read "electronic" or "r&b & soul"). The
// mood itself must hold (the mean raw energy of tracks 46–60 inside the
// first track's band, Engine.clearlyInMood), and untagged label guesses
// must stay a minority (a third at most; they were 0.47 in kids mode).
func assertMoodDriveHolds(t *testing.T, m driveMetrics, mood string) {
	t.Helper()
	band := map[string][2]float64{recommend.MoodCalm: {0, 0.35}, recommend.MoodSteady: {0.4, 0.7}, recommend.MoodLively: {0.7, 1}}[mood]
	assert.GreaterOrEqual(t, m.famLate, 0.75, "family share of tracks 46–60 (mood drive)")
	assert.GreaterOrEqual(t, m.energy, band[0], "energy of tracks 46–60 (%s)", mood)
	assert.LessOrEqual(t, m.energy, band[1], "energy of tracks 46–60 (%s)", mood)
	assert.LessOrEqual(t, m.untaggedLate, 1.0/3, "untagged share of tracks 46–60 (mood drive)")
}

// TestFullCatalogExplore measures explore = 1 against 0 on the full
// catalog: genre cosine to the seed, family share and mood step of ten picks.
func TestFullCatalogExplore(t *testing.T) {
	c := fullCatalog(t)
	e := recommend.New(c, recommend.Options{})
	var cos0, cos1, step0, step1, fam0, fam1 float64
	n := 0
	for _, sd := range fullDriveSeeds {
		if sd.title == "" {
			continue
		}
		seed := findTrack(c, sd.title, sd.artist)
		stats := func(explore float64) (float64, float64, float64) {
			ps, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Explore: explore, RandSeed: 5, Explicit: true})
			require.NoError(t, err)
			cos, step := listStats(c, seed, ps)
			return cos, step, float64(countFamily(c, ps, c.Family[seed])) / float64(len(ps))
		}
		a, b, f := stats(0)
		x, y, g := stats(1)
		t.Logf("%-20s explore 0: cos %.3f step %.3f family %.2f | explore 1: cos %.3f step %.3f family %.2f", sd.name, a, b, f, x, y, g)
		cos0, step0, fam0, cos1, step1, fam1 = cos0+a, step0+b, fam0+f, cos1+x, step1+y, fam1+g
		n++
	}
	k := float64(n)
	t.Logf("mean explore 0: cos %.3f step %.3f family %.2f | explore 1: cos %.3f step %.3f family %.2f",
		cos0/k, step0/k, fam0/k, cos1/k, step1/k, fam1/k)
	assert.Less(t, cos1/k, cos0/k-0.03, "explore reaches neighbouring genres")
	assert.Less(t, step1/k, step0/k+0.1, "without jarring mood steps")
}
