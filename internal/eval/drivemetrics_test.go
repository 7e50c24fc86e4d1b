package eval

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// tiny is a hand-made track: family 0 or 1 (genre vectors [1 0] and
// [0 1]), a raw energy (the catalog's mood scale is the identity).
type tiny struct {
	title, artist string
	family        int
	energy        float32
	explicit      bool
	tagged        bool
	genres        []string
}

func tinyCatalog(tracks []tiny) *catalog.Catalog {
	n := len(tracks)
	ts := make([]music.Track, n) // filled below
	c := catalog.NewCatalog(ts)
	c.Genre, c.Mood = embed.NewMatrix(n, 2), embed.NewMatrix(n, catalog.MoodDims)
	c.Artist, c.Family, c.Families = make([]int32, n), make([]uint8, n), []string{"jazz", "rock"}
	for d := range catalog.MoodDims {
		c.MoodStd[d] = 1
	}
	artists := map[string]int32{}
	for i, t := range tracks {
		a, ok := artists[t.artist]
		if !ok {
			a = int32(len(c.Artists))
			artists[t.artist] = a
			c.Artists = append(c.Artists, catalog.NormalizeName(t.artist))
		}
		tr := music.Track{ID: music.TrackID(fmt.Sprint("t", i)), Title: t.title, Artists: []string{t.artist}, Genres: t.genres, Popularity: 50}
		if t.explicit {
			tr.Explicit = music.ExplicitYes
		}
		if t.tagged {
			tr.Tags = []string{"some tag"}
		}
		ts[i], c.Artist[i], c.Family[i] = tr, a, uint8(t.family)
		c.Genre.Row(i)[t.family] = 1
		c.Mood.Row(i)[catalog.MoodEnergy] = t.energy
	}
	return c
}

// eight tracks: 0–3 jazz by four artists at energy 0.1–0.4, 4–7 rock by
// "R" at energy 0.5–0.8; track 5 is explicit, 6 a Christmas song, 2 and 7
// are the same piece (a live recording), 3 has tagged artists.
func eight() *catalog.Catalog {
	return tinyCatalog([]tiny{
		{title: "Blue One", artist: "A", family: 0, energy: 0.1},
		{title: "Blue Two", artist: "B", family: 0, energy: 0.2},
		{title: "Take Five", artist: "C", family: 0, energy: 0.3},
		{title: "Blue Four", artist: "D", family: 0, energy: 0.4, tagged: true},
		{title: "Rock One", artist: "R", family: 1, energy: 0.5},
		{title: "Rock Two", artist: "R", family: 1, energy: 0.6, explicit: true},
		{title: "Jingle Bell Rock", artist: "R", family: 1, energy: 0.7},
		{title: "Take Five - Live", artist: "R", family: 1, energy: 0.8},
	})
}

func TestMeasureDrive(t *testing.T) {
	c := eight()
	jazz := driveAnchor{Family: 0, Genre: []float32{1, 0}, Energy: 0.2}
	tests := []struct {
		name   string
		rows   []int
		skips  []bool
		anchor driveAnchor
		check  func(t *testing.T, s DriveStats)
	}{
		{"family share falls from jazz to rock", []int{0, 1, 2, 3, 4, 5, 6, 7}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 1, s.FamilyFirst, 1e-9)
			assert.InDelta(t, 0, s.FamilyLast, 1e-9)
		}},
		{"family share half in the last window", []int{0, 1, 2, 3, 0, 1, 4, 2}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 0.5, s.FamilyLast, 1e-9)
		}},
		{"no anchor family gives no share", []int{0, 1}, nil, driveAnchor{Family: -1}, func(t *testing.T, s DriveStats) {
			assert.Zero(t, s.FamilyFirst)
		}},
		{"genre cosine to the anchor", []int{0, 4, 1, 2, 4, 5}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 0.5, s.CosineFirst, 1e-6, "jazz then rock")
			assert.InDelta(t, 0, s.CosineLast, 1e-6, "two rock tracks")
		}},
		{"energy rises 0.1 per track: slope 1 per 10", []int{0, 1, 2, 3, 4, 5, 6, 7}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 1.0, s.EnergySlope, 1e-6)
			assert.InDelta(t, 0.15, s.EnergyFirst, 1e-6)
			assert.InDelta(t, 0.75, s.EnergyLast, 1e-6)
		}},
		{"flat energy has no slope", []int{2, 2, 2, 2}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 0, s.EnergySlope, 1e-9)
		}},
		{"another recording of the piece is a same-work repeat", []int{2, 0, 7}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 1, s.SameWork)
			assert.Zero(t, s.Exact)
		}},
		{"the same row again is an exact repeat", []int{2, 0, 2, 2}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 2, s.Exact)
			assert.Zero(t, s.SameWork)
		}},
		{"holiday picks after the first track", []int{0, 6, 1}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 1, s.Holiday)
		}},
		{"an asked-for holiday track is not a pick", []int{6, 0, 1}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Zero(t, s.Holiday)
		}},
		{"known explicit, the first track included", []int{5, 0, 1}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 1, s.Explicit)
		}},
		{"untagged share per window", []int{3, 0, 1, 3, 3, 3}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.InDelta(t, 0.5, s.UntaggedFirst, 1e-9)
			assert.InDelta(t, 0, s.UntaggedLast, 1e-9)
		}},
		{"most plays of one artist", []int{4, 0, 5, 1, 6, 7}, nil, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 4, s.MaxPerArtist)
		}},
		{"skips counted", []int{0, 4, 5}, []bool{false, true, true}, jazz, func(t *testing.T, s DriveStats) {
			assert.Equal(t, 2, s.Skips)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			window := 2
			if len(tc.rows) < 4 {
				window = 1
			}
			tc.check(t, measureDrive(c, tc.anchor, tc.rows, tc.skips, window))
		})
	}
}

func TestPieceKey(t *testing.T) {
	tests := []struct {
		a, b    string
		artists []string
		same    bool
	}{
		{"Take Five", "Take Five - Remastered 2011", nil, true},
		{"HUMBLE.", "HUMBLE. - SKRILLEX REMIX", nil, true},
		{"So What", "So What (feat. John Coltrane, Cannonball Adderley & Bill Evans)", nil, true},
		{"Losing My Religion", "Losing My Religion - Live", nil, true},
		{"Circles", "Circles feat. Someone", nil, true},
		{"Tchaikovsky: Swan Lake, Op. 20, Act II: No. 10, Scene. Moderato", "Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)",
			[]string{"Pyotr Ilyich Tchaikovsky"}, true},
		{"Swan Lake, Op. 20: No. 2 Valse", "The Nutcracker, Op. 71: No. 2 March", nil, false},
		{"Symphony No. 5", "Symphony No. 9", nil, false},
		{"Swan Lake, Act 1: Introduction - No. 1, Scene", "Swan Lake, Act 1: Introduction", nil, false},
		{"Jolene", "Jolie", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.a+" | "+tc.b, func(t *testing.T) {
			assert.Equal(t, tc.same, PieceKey(tc.a, tc.artists) == PieceKey(tc.b, tc.artists), "%q vs %q",
				PieceKey(tc.a, tc.artists), PieceKey(tc.b, tc.artists))
		})
	}
}

func TestIsHoliday(t *testing.T) {
	tests := []struct {
		name string
		t    music.Track
		want bool
	}{
		{"seasonal label", music.Track{Title: "Song", Genres: []string{"seasonal"}}, true},
		{"christmas artist tag", music.Track{Title: "Song", Tags: []string{"christmas"}}, true},
		{"title", music.Track{Title: "Frosty The Snowman"}, true},
		{"folded title", music.Track{Title: "Feliz Navidad"}, true},
		{"title word inside another word is not", music.Track{Title: "Noelle"}, false},
		{"a Christmas compilation's Mozart is not", music.Track{Title: "Eine kleine Nachtmusik", Album: "Classical Christmas"}, false},
		{"ordinary", music.Track{Title: "Respect", Genres: []string{"soul"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, IsHoliday(&tc.t))
		})
	}
}

func TestRequestHit(t *testing.T) {
	c := eight()
	jazz := map[int32]bool{c.Artist[2]: true}
	tests := []struct {
		name string
		req  DriveRequest
		row  int
		want bool
	}{
		{"track: artist and piece", DriveRequest{Kind: KindTrack, artists: jazz, piece: PieceKey("Take Five", nil)}, 2, true},
		{"track: the piece by another artist", DriveRequest{Kind: KindTrack, artists: jazz, piece: PieceKey("Take Five", nil)}, 7, false},
		{"artist: by the artist", DriveRequest{Kind: KindArtist, artists: map[int32]bool{c.Artist[4]: true}}, 5, true},
		{"artist: a title naming no one", DriveRequest{Kind: KindArtist, artists: map[int32]bool{c.Artist[4]: true}}, 0, false},
		{"album: a title naming the work", DriveRequest{Kind: KindAlbum, artists: jazz, album: "five", work: []string{"five", "take"}}, 2, true},
		{"album: the work by another artist", DriveRequest{Kind: KindAlbum, artists: jazz, album: "five", work: []string{"five", "take"}}, 7, false},
		{"genre: in the family", DriveRequest{Kind: KindGenre, family: 1}, 4, true},
		{"genre: outside", DriveRequest{Kind: KindGenre, family: 1}, 0, false},
		{"mood: calm and quiet", DriveRequest{Kind: KindMood, mood: "calm"}, 1, true},
		{"mood: calm but loud", DriveRequest{Kind: KindMood, mood: "calm"}, 7, false},
		{"mood: lively", DriveRequest{Kind: KindMood, mood: "lively"}, 7, true},
		{"nothing played", DriveRequest{Kind: KindArtist, artists: jazz}, -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.req.Hit(c, tc.row))
		})
	}
}

func TestSkipModel(t *testing.T) {
	c := eight()
	jazz := driveAnchor{Family: 0, Genre: []float32{1, 0}, Energy: 0.2}
	count := func(row int) int {
		n := 0
		for pos := 1; pos <= 400; pos++ {
			if skips(c, jazz, 7, pos, row) {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 400, count(7), "energy 0.6 above the anchor: always skipped")
	assert.Equal(t, 400, count(4), "another family, genre cosine 0: always skipped")
	on := count(1)
	assert.Greater(t, on, 4, "on-anchor tracks are skipped by chance now and then")
	assert.Less(t, on, 40, "about %v of on-anchor tracks", skipChance)
	assert.Equal(t, skips(c, jazz, 7, 3, 1), skips(c, jazz, 7, 3, 1), "the dice are fixed by seed and position")
}

func TestDriveAccMeansAndMisses(t *testing.T) {
	c := eight()
	kindOf := func(k RequestKind, now bool, kids bool) *DriveRequest {
		r := &DriveRequest{Kind: k, Query: string(k), artists: map[int32]bool{c.Artist[0]: true}, Kids: kids, Now: OutOfSeason}
		if now {
			r.Now = InSeason
		}
		return r
	}
	acc := newDriveAcc("m")
	jazz := driveAnchor{Family: 0, Genre: []float32{1, 0}, Energy: 0.2, Stylistic: true}
	mood := driveAnchor{Family: 1, Genre: []float32{0, 1}, Energy: 0.8} // a mood drive: first track's style
	refused := kindOf(KindTrack, false, true)
	drives := []*DriveState{
		{Request: refused, Kids: true, Now: OutOfSeason},             // kids mode refused: not a miss
		{Request: kindOf(KindTrack, false, false), Now: OutOfSeason}, // nothing played, not kids: a miss
		{Request: kindOf(KindArtist, false, true), Rows: []int{0, 6, 5, 1}, Skipped: make([]bool, 4), Now: OutOfSeason, Kids: true, anchor: jazz},
		{Request: kindOf(KindArtist, true, false), Rows: []int{4, 6, 6, 1}, Skipped: make([]bool, 4), Now: InSeason, anchor: jazz},
	}
	drives = append(drives, &DriveState{Request: kindOf(KindMood, true, false), Rows: []int{4, 5, 6, 7},
		Skipped: make([]bool, 4), Now: InSeason, anchor: mood})
	for _, d := range drives {
		acc.add(c, d, 4)
	}
	m := acc.result()
	assert.Equal(t, 5, m.Drives)
	assert.InDelta(t, 0.5, m.FamilyFirst, 1e-9, "jazz, then rock; the mood drive does not count")
	assert.InDelta(t, 1, m.FamilyLast, 1e-9)
	assert.InDelta(t, 0.5, m.CosineFirst, 1e-6)
	assert.InDelta(t, 0.5, m.Resolve[KindArtist], 1e-9, "one of two artist drives started right")
	assert.Equal(t, 2, m.Requests[KindArtist])
	assert.Equal(t, 1, m.Requests[KindTrack], "the refusal is not counted")
	assert.Zero(t, m.Resolve[KindTrack])
	assert.Equal(t, 1, m.KidsRefusals)
	assert.InDelta(t, 0.25, m.Short, 1e-9, "one of the four drives that started (or should have) ended early; the refusal is no short drive")
	assert.InDelta(t, 1, m.HolidayOut, 1e-9, "one holiday pick in the one out-of-season drive")
	assert.InDelta(t, 1.5, m.HolidayIn, 1e-9, "two holiday picks, then one in the mood drive")
	assert.Equal(t, 1, m.OutSeasonDrives)
	assert.InDelta(t, 1, m.ExplicitKids, 1e-9)
	assert.Equal(t, 1, m.KidsDrives)
	assert.InDelta(t, 1.0/3, m.Exact, 1e-9)
	assert.Zero(t, m.Over4, "no artist over 4 times in 4 tracks")
	require.Len(t, m.Misses, 2)
	assert.Equal(t, "", m.Misses[0].Got, "nothing played")
	assert.Equal(t, "Rock One — R", m.Misses[1].Got)
}

func TestTargets(t *testing.T) {
	perfect := func() DriveMetrics {
		m := DriveMetrics{Method: "engine", Resolve: map[RequestKind]float64{}, Requests: map[RequestKind]int{},
			FamilyFirst: 0.9, FamilyLast: 0.88}
		for _, k := range RequestKinds {
			m.Resolve[k], m.Requests[k] = 1, 10
		}
		return m
	}
	tests := []struct {
		target  string
		breakIt func(m *DriveMetrics)
	}{
		{"artist resolve ≥ 0.95", func(m *DriveMetrics) { m.Resolve[KindArtist] = 0.94 }},
		{"other kinds ≥ 0.9", func(m *DriveMetrics) { m.Resolve[KindMood] = 0.89 }},
		{"0 same-work", func(m *DriveMetrics) { m.SameWork = 0.01 }},
		{"0 exact repeats", func(m *DriveMetrics) { m.Exact = 0.01 }},
		{"family share kept (±0.05)", func(m *DriveMetrics) { m.FamilyLast = 0.84 }},
		{"0 holiday out of season", func(m *DriveMetrics) { m.HolidayOut = 0.01 }},
		{"0 explicit in kids mode", func(m *DriveMetrics) { m.ExplicitKids = 0.01 }},
		{"no artist > 4", func(m *DriveMetrics) { m.Over4 = 0.01 }},
	}
	require.Len(t, tests, len(targets))
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			m := perfect()
			var buf bytes.Buffer
			writeTargets(&buf, &m)
			assert.Contains(t, buf.String(), "8 of 8 met")
			tc.breakIt(&m)
			for _, tg := range targets {
				assert.Equal(t, tg.name != tc.target, tg.met(&m), tg.name)
			}
			buf.Reset()
			writeTargets(&buf, &m)
			assert.Contains(t, buf.String(), "not met: "+tc.target)
		})
	}
}

func TestTargetsWrapAt120(t *testing.T) {
	m := DriveMetrics{Method: "engine", Resolve: map[RequestKind]float64{}, Requests: map[RequestKind]int{KindMood: 1},
		FamilyLast: 1, SameWork: 1, Exact: 1, HolidayOut: 1, ExplicitKids: 1, Over4: 1}
	var buf bytes.Buffer
	writeTargets(&buf, &m)
	out := buf.String()
	assert.Contains(t, out, "0 of 8 met")
	for _, tg := range targets {
		assert.Contains(t, out, tg.name)
	}
	for _, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, "%q", line)
	}
}
