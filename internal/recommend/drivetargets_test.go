package recommend_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// twinCatalog is the synthetic catalog with traps placed right next to an
// anchor track "Take Five" (jazz) — same genre and mood rows, so only the
// rules keep them out: other recordings and versions of the song by other
// artists, a "Various Artists" compilation copy, holiday songs, tracks of
// unknown explicitness by an artist whose tracks are mostly flagged, and a
// dozen tracks by one artist.
func twinCatalog(t *testing.T) (*catalog.Catalog, int) {
	t.Helper()
	src := synthetic()
	tracks := slices.Clone(src.AllTracks())
	c := *src.WithTracks(tracks) // its tracks edited below, before it is returned
	c.Genre.Data = slices.Clone(src.Genre.Data)
	c.Mood.Data = slices.Clone(src.Mood.Data)
	c.Artist = slices.Clone(src.Artist)
	c.Derived = catalog.Derived{}
	jazz := famIndex(t, &c, "jazz")
	var rows []int
	for i := range c.Len() {
		if c.Family[i] == jazz {
			rows = append(rows, i)
		}
	}
	require.Greater(t, len(rows), 60)
	anchor := rows[0]
	tracks[anchor].Title = "Take Five"
	twin := func(r int, title string, artist int32) {
		copy(c.Genre.Row(r), c.Genre.Row(anchor))
		copy(c.Mood.Row(r), c.Mood.Row(anchor))
		tracks[r].Title = title
		c.Artist[r] = artist
		tracks[r].Artists = []string{c.Artists[artist]}
		tracks[r].Popularity = 100
	}
	other := func(k int) int32 { return c.Artist[rows[k]] }
	versions := []string{"Take Five - Remastered", "Take Five (Live)", "Take Five - Radio Edit", "Take Five (feat. Someone)", "Take Five"}
	for k, title := range versions {
		twin(rows[1+k], title, other(1+k))
	}
	twin(rows[6], "Jingle Bell Rock", other(6))
	twin(rows[7], "Silent Night", other(7))
	// One artist with a dozen twins: the drive cap must hold.
	for k := 8; k < 20; k++ {
		twin(rows[k], fmt.Sprintf("Blue Piece %d", k), other(8))
	}
	// An artist whose tracks are mostly flagged explicit, and twins of
	// theirs whose flag is unknown: the estimate must keep them out in kids mode.
	for k := 20; k < 40; k++ {
		twin(rows[k], fmt.Sprintf("Rough Piece %d", k), other(20))
		tracks[rows[k]].Explicit = music.ExplicitYes
		if k >= 34 {
			tracks[rows[k]].Explicit = music.ExplicitUnknown
			tracks[rows[k]].Title = fmt.Sprintf("Rough Piece %d (Explicit Version)", k)
		}
	}
	return &c, anchor
}

func TestDriveTargetsSynthetic(t *testing.T) {
	c, anchor := twinCatalog(t)
	e := recommend.New(c, recommend.Options{})
	require.NoError(t, e.Err())
	november := time.Date(2026, time.November, 29, 18, 0, 0, 0, time.UTC)
	december := time.Date(2026, time.December, 20, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		o           simOpts
		wantHoliday bool // holiday twins may (and, as the nearest tracks, do) play
	}{
		{"november", simOpts{now: november}, false},
		{"no clock", simOpts{}, false},
		{"kids, november", simOpts{kids: true, now: november}, false},
		{"december", simOpts{now: december}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := &recommend.Anchor{Kind: recommend.AnchorTrack, Rows: []int{anchor}, Artist: -1, Label: "Take Five"}
			seq := simDrive(t, e, anchor, a, tc.o)
			m := measureDrive(e, seq, a.Rows)
			t.Log(m)
			assert.Zero(t, m.exact, "exact repeats")
			assert.Zero(t, m.sameSong, "other versions of Take Five: %s", describe(c, seq))
			assert.LessOrEqual(t, m.maxArtist, 4, "plays of %s", m.maxArtistName)
			assert.GreaterOrEqual(t, m.famLate, m.famEarly-0.05, "family share of tracks 46–60")
			assert.Equal(t, tc.wantHoliday, m.holiday > 0, "holiday songs: %s", describe(c, seq))
			if tc.o.kids {
				assert.Zero(t, m.explicitKnown, "flagged explicit")
				assert.Zero(t, m.explicitEst, "estimated explicit")
			}
		})
	}
}

// TestHeardBansWholeDrive: a track heard long ago (beyond the session
// window) is not picked again, nor another version of its song.
func TestHeardBansWholeDrive(t *testing.T) {
	c, anchor := twinCatalog(t)
	e := recommend.New(c, recommend.Options{})
	first, err := e.Recommend(recommend.Request{Seeds: []int{anchor}, N: 5, Explicit: true})
	require.NoError(t, err)
	var heard []music.TrackID
	for _, p := range first {
		heard = append(heard, c.ID(p.Row))
	}
	heard = append(heard, c.ID(anchor))
	ps, err := e.Recommend(recommend.Request{Seeds: []int{anchor}, N: 20, Explicit: true, Heard: heard})
	require.NoError(t, err)
	for _, p := range ps {
		assert.NotContains(t, heard, c.ID(p.Row))
		assert.NotContains(t, c.Title(p.Row), "Take Five")
	}
}

// TestReasonsTruthful: the asked track's like is not "you liked"; a calm
// request gets no track described as lively; scores are in printed order;
// reasons name the anchor.
func TestReasonsTruthful(t *testing.T) {
	c, anchor := twinCatalog(t)
	e := recommend.New(c, recommend.Options{})
	a := &recommend.Anchor{Kind: recommend.AnchorTrack, Rows: []int{anchor}, Artist: -1, Label: "Take Five"}
	asked := []recommend.Played{{Row: anchor, Outcome: music.OutcomePlaying, Feedback: music.Like}}
	for _, mood := range []string{"", recommend.MoodCalm} {
		ps, err := e.Recommend(recommend.Request{Session: asked, Anchor: a, N: 10, Mood: mood, Explicit: true})
		require.NoError(t, err)
		for i, p := range ps {
			assert.NotContains(t, p.Reason, "you liked")
			assert.Contains(t, p.Reason, "Take Five")
			if mood == recommend.MoodCalm {
				assert.NotContains(t, p.Reason, "lively", "%s", c.Title(p.Row))
			}
			if i > 0 {
				assert.LessOrEqual(t, p.Score, ps[i-1].Score, "scores in printed order")
			}
		}
	}
}

// TestReasonNamesTheLike: once the driver likes a track of the drive, the
// picks of its family say so beside the request; before the like none does.
func TestReasonNamesTheLike(t *testing.T) {
	c, anchor := twinCatalog(t)
	e := recommend.New(c, recommend.Options{})
	a := &recommend.Anchor{Kind: recommend.AnchorTrack, Rows: []int{anchor}, Artist: -1, Label: "Take Five"}
	session := []recommend.Played{{Row: anchor, Outcome: music.OutcomeCompleted}}
	before, err := e.Recommend(recommend.Request{Session: session, Anchor: a, N: 3, Explicit: true})
	require.NoError(t, err)
	require.NotEmpty(t, before)
	liked := before[0].Row
	for _, p := range before {
		assert.NotContains(t, p.Reason, "you liked")
	}
	session = append(session, recommend.Played{Row: liked, Outcome: music.OutcomePlaying, Feedback: music.Like})
	after, err := e.Recommend(recommend.Request{Session: session, Anchor: a, N: 5, Explicit: true})
	require.NoError(t, err)
	named := 0
	for _, p := range after {
		if c.Family[p.Row] == c.Family[liked] {
			assert.Contains(t, p.Reason, c.PrimaryArtist(liked)+" you liked")
			named++
		}
	}
	assert.Positive(t, named, "a pick of the liked track's family")
}

func TestSeason(t *testing.T) {
	s := recommend.DefaultHolidaySeason
	for _, tc := range []struct {
		day  string
		want bool
	}{{"2026-11-29", false}, {"2026-12-01", true}, {"2026-12-31", true}, {"2027-01-06", true}, {"2027-01-07", false}, {"2026-07-04", false}} {
		d, err := time.Parse(time.DateOnly, tc.day)
		require.NoError(t, err)
		assert.Equal(t, tc.want, s.Contains(d), tc.day)
	}
}

// listStats is the mean genre cosine of picks to the seed and the mean mood
// step (|Δvalence| + |Δenergy|, raw) between consecutive tracks.
func listStats(c *catalog.Catalog, seed int, ps []recommend.Pick) (cos, step float64) {
	prev := seed
	for _, p := range ps {
		cos += float64(dot32(c.Genre.Row(p.Row), c.Genre.Row(seed)))
		step += moodStep(c, prev, p.Row)
		prev = p.Row
	}
	return cos / float64(len(ps)), step / float64(len(ps))
}

func moodStep(c *catalog.Catalog, a, b int) float64 {
	d := func(dim int) float64 {
		x := recommend.RawMood(c, a, dim) - recommend.RawMood(c, b, dim)
		return max(x, -x)
	}
	return d(catalog.MoodValence) + d(catalog.MoodEnergy)
}

func dot32(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestExploreReachesNeighbours: explore = 1 picks rows further from the
// seed in genre (lower cosine) than explore = 0, without bigger mood jumps.
func TestExploreReachesNeighbours(t *testing.T) {
	c := synthetic()
	e := recommend.New(c, recommend.Options{})
	for _, fam := range []string{"jazz", "rock", "classical"} {
		t.Run(fam, func(t *testing.T) {
			seed := firstOf(t, c, famIndex(t, c, fam))
			stats := func(explore float64) (float64, float64) {
				ps, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Explore: explore, RandSeed: 3, Explicit: true})
				require.NoError(t, err)
				return listStats(c, seed, ps)
			}
			cos0, step0 := stats(0)
			cos1, step1 := stats(1)
			t.Logf("explore 0: cos %.3f step %.3f; explore 1: cos %.3f step %.3f", cos0, step0, cos1, step1)
			assert.Less(t, cos1, cos0-0.02, "explore reaches further in genre")
			assert.Less(t, step1, step0+0.15, "explore does not jar")
		})
	}
}
