package recommend

import (
	"strings"
	"unicode/utf8"

	"github.com/continuo/continuo/internal/catalog"
)

// Explain returns the reason the engine would give for row under req, for
// any row (also rows it would not pick). It never fails: a bad request or
// row gives a short description of the problem instead.
func (e *Engine) Explain(row int, req Request) string {
	if req.N < 1 || req.N > MaxN {
		req.N = 1
	}
	if err := e.validate(&req); err != nil {
		return "no reason: " + err.Error()
	}
	if row < 0 || row >= e.n {
		return "not in the catalog"
	}
	s := e.pool.get()
	defer e.pool.put(s)
	s.reset()
	cx, ok := e.buildContext(&req, s)
	if !ok {
		if a := e.coldStart(&req, s); a >= 0 {
			e.addAnchor(s, &cx, a)
			e.finishContext(&req, s, &cx)
		}
	}
	return e.reason(row, &req, &cx, s)
}

// reason builds the short human reason for a pick, from the genre family
// names and mood words.
func (e *Engine) reason(row int, req *Request, cx *reqContext, s *scratch) string {
	c := e.cat
	fam := c.Families[c.Family[row]]
	mood := e.moodWords(row)
	if _, ok := s.liked[c.Artist[row]]; ok && c.PrimaryArtist(row) != "" {
		return "like " + c.PrimaryArtist(row) + " you liked; " + fam + ", " + mood
	}
	if cx.label != "" && (cx.anchor < 0 || cx.anchorWhy == whyAnchor || cx.anchorWhy == whyCold) {
		// The anchor as the driver asked for it: "Bob Marley", "jazz",
		// "something calm".
		if cx.anchorWhy == whyAnchor && c.Family[row] != c.Family[cx.anchor] {
			return "close in genre to " + cx.label + " (" + c.Families[c.Family[cx.anchor]] + "): " + fam + "; " + mood
		}
		if l := cx.liked; l >= 0 && c.Family[row] == c.Family[l] && c.PrimaryArtist(l) != "" {
			// The like is evidence of the ranking from now on: name it
			// where the pick shares the liked track's family.
			return "for " + cx.label + " and the " + c.PrimaryArtist(l) + " you liked: " + fam + "; " + mood
		}
		return "for " + cx.label + ": " + fam + "; " + mood
	}
	if cx.anchor < 0 {
		return "fits the genres just played: " + fam + "; " + mood
	}
	if row == cx.anchor && cx.anchorWhy == whyCold {
		return "popular in the catalog: " + fam + "; " + mood
	}
	title := anchorLabel(c, cx.anchor)
	if cx.anchorWhy == whyTaste {
		return "in the vein of " + title + ", a favourite: " + fam + "; " + mood
	}
	if c.Family[row] == c.Family[cx.anchor] {
		return "same genre family as " + title + ": " + fam + "; " + mood
	}
	return "close in genre to " + title + " (" + c.Families[c.Family[cx.anchor]] + "): " + fam + "; " + mood
}

// moodPhrases[energy][valence] are the mood words of a pick: constants, so
// building a reason allocates once whatever the mood.
var moodPhrases = [3][3]string{
	{"calm, low energy, melancholic", "calm, low energy", "calm, low energy, upbeat"},
	{"steady, medium energy, melancholic", "steady, medium energy", "steady, medium energy, upbeat"},
	{"lively, high energy, melancholic", "lively, high energy", "lively, high energy, upbeat"},
}

// moodWords describes a row's energy and valence on their raw 0..1 scale.
func (e *Engine) moodWords(row int) string {
	energy := RawMood(e.cat, row, catalog.MoodEnergy)
	valence := RawMood(e.cat, row, catalog.MoodValence)
	ei, vi := 1, 1
	switch {
	case energy < 0.35:
		ei = 0
	case energy >= 0.65:
		ei = 2
	}
	switch {
	case valence < 0.3:
		vi = 0
	case valence > 0.7:
		vi = 2
	}
	return moodPhrases[ei][vi]
}

// RawMood returns mood dimension dim of row on the feature's own scale
// (raw = z·MoodStd + MoodMean), e.g. energy and valence in 0..1.
func RawMood(c *catalog.Catalog, row, dim int) float64 {
	z := c.Mood.Row(row)[dim]
	return float64(z*c.MoodStd[dim] + c.MoodMean[dim])
}

// anchorLabel is a track's title as a reason names it: without a leading
// "Composer: " that repeats the artist ("Tchaikovsky: Swan Lake, …" becomes
// "Swan Lake, …"), clipped to 48 characters.
func anchorLabel(c *catalog.Catalog, row int) string {
	title := c.Title(row)
	if i := strings.Index(title, ": "); i > 0 && i < len(title)-2 {
		if strings.Contains(strings.ToLower(strings.Join(c.TrackArtists(row), " ")), strings.ToLower(title[:i])) {
			title = title[i+2:]
		}
	}
	return clip(title, 48)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// normText lowercases and collapses whitespace, for grouping names.
func normText(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
