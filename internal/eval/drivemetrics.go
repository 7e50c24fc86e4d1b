package eval

import (
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// DriveStats are the measurements of one drive. "First" and "last" are the
// first and last quarter of the drive's length (tracks 1–15 and 46–60 of a
// 60-track drive).
type DriveStats struct {
	FamilyFirst, FamilyLast     float64 // share of tracks in the anchor's genre family
	CosineFirst, CosineLast     float64 // mean genre cosine to the anchor
	EnergyFirst, EnergyLast     float64 // mean raw energy (0..1)
	EnergySlope                 float64 // least-squares energy change per 10 tracks
	SameWork                    int     // tracks whose piece was heard before in another recording
	Exact                       int     // tracks (rows) heard before
	Holiday                     int     // holiday tracks after the asked-for one
	Explicit                    int     // known-explicit tracks, the asked-for one included
	UntaggedFirst, UntaggedLast float64 // share of tracks whose artists have no genre tags
	MaxPerArtist                int     // most tracks by one primary artist
	Skips                       int
}

// measureDrive measures a drive of rows (skipped marks the skips) against
// anchor a, with windows of window tracks.
// maxPerOtherArtist is the most tracks by one primary artist, leaving out
// the artists an artist request asked for: "play Bob Marley" is meant to
// bring more Bob Marley (spaced), and only the others are capped at 4.
func maxPerOtherArtist(c *catalog.Catalog, rows []int, asked map[int32]bool) int {
	counts := map[int32]int{}
	most := 0
	for _, r := range rows {
		if a := c.Artist[r]; !asked[a] {
			counts[a]++
			most = max(most, counts[a])
		}
	}
	return most
}

func measureDrive(c *catalog.Catalog, a driveAnchor, rows []int, skipped []bool, window int) DriveStats {
	first, last := rows[:min(window, len(rows))], rows[max(len(rows)-window, 0):]
	s := DriveStats{
		FamilyFirst: familyShare(c, first, a.Family), FamilyLast: familyShare(c, last, a.Family),
		CosineFirst: meanCosine(c, first, a.Genre), CosineLast: meanCosine(c, last, a.Genre),
		EnergyFirst: meanEnergy(c, first), EnergyLast: meanEnergy(c, last),
		EnergySlope:   10 * energySlope(c, rows),
		UntaggedFirst: untaggedShare(c, first), UntaggedLast: untaggedShare(c, last),
		Explicit: countIf(c, rows, explicitKnown),
	}
	s.SameWork, s.Exact = repeats(c, rows)
	if len(rows) > 1 {
		s.Holiday = countIf(c, rows[1:], IsHoliday)
	}
	s.MaxPerArtist = maxPerOtherArtist(c, rows, a.Asked)
	for _, k := range skipped {
		if k {
			s.Skips++
		}
	}
	return s
}

// familyShare is the share of rows in family f (0 for no rows or f < 0).
func familyShare(c *catalog.Catalog, rows []int, f int) float64 {
	if len(rows) == 0 || f < 0 {
		return 0
	}
	n := 0
	for _, r := range rows {
		if int(c.Family[r]) == f {
			n++
		}
	}
	return float64(n) / float64(len(rows))
}

// meanCosine is the mean genre cosine of rows to vec.
func meanCosine(c *catalog.Catalog, rows []int, vec []float32) float64 {
	if len(rows) == 0 || vec == nil {
		return 0
	}
	var s float64
	for _, r := range rows {
		s += cosine(vec, c.Genre.Row(r))
	}
	return s / float64(len(rows))
}

// energySlope is the least-squares slope of raw energy over play position
// (per track).
func energySlope(c *catalog.Catalog, rows []int) float64 {
	n := float64(len(rows))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i, r := range rows {
		x, y := float64(i), recommend.RawMood(c, r, catalog.MoodEnergy)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// repeats counts the tracks of a drive that repeat an earlier one: the same
// row (exact), or the same PieceKey in another row (same work).
func repeats(c *catalog.Catalog, rows []int) (sameWork, exact int) {
	seenRow := map[int]bool{}
	seenPiece := map[string]bool{}
	for _, r := range rows {
		t := c.Track(r)
		p := PieceKey(t.Title, t.Artists)
		switch {
		case seenRow[r]:
			exact++
		case seenPiece[p]:
			sameWork++
		}
		seenRow[r], seenPiece[p] = true, true
	}
	return sameWork, exact
}

// untaggedShare is the share of rows whose artists carry no genre tag.
func untaggedShare(c *catalog.Catalog, rows []int) float64 {
	if len(rows) == 0 {
		return 0
	}
	return float64(countIf(c, rows, func(t *music.Track) bool { return len(t.Tags) == 0 })) / float64(len(rows))
}

func countIf(c *catalog.Catalog, rows []int, pred func(t *music.Track) bool) int {
	n := 0
	for _, r := range rows {
		if t := c.Track(r); pred(&t) {
			n++
		}
	}
	return n
}
