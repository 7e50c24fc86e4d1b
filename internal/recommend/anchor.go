package recommend

import (
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// Anchor is what the driver asked for (a track, an artist, an album, a
// genre, a mood, or "continue"), made the persistent centre of the drive.
// The drive core keeps it from Play until the next Play or a profile switch
// and passes it with every refill. Its pull does not decay: it is always
// half of the context's positive evidence (anchorShare), so track 60 is as
// close to the request as track 1, its family keeps the family bonus, its
// mood keeps half of the mood target, and its region (language) is preferred.
type Anchor struct {
	Kind   string   // "track", "artist", "album", "genre", "mood", "continue"; "" = no anchor
	Rows   []int    // rows standing for the anchor (the asked track; an artist's top tracks…)
	Artist int32    // catalog artist index for kind artist, -1 otherwise
	Genres []string // genre labels/tags for kind genre
	Mood   string   // calm/steady/lively for kind mood
	Label  string   // used in reasons: "Bob Marley", "jazz", "something calm"
}

// Anchor kinds (the same strings as resolve.Kind).
const (
	AnchorTrack    = "track"
	AnchorArtist   = "artist"
	AnchorAlbum    = "album"
	AnchorGenre    = "genre"
	AnchorMood     = "mood"
	AnchorContinue = "continue"
)

const (
	// anchorShare is the anchor's share of the positive evidence of the
	// context, whatever the session's length: the drive's centre of gravity
	// stays on the request.
	anchorShare = 0.5
	// anchorMinWeight is its weight when the session is still empty (as much
	// as an explicit seed).
	anchorMinWeight = seedWeight
	// anchorMoodShare is the anchor's share of the mood target: more than
	// its share of the genre context, because the session's mood, fed back
	// track after track, slides toward the densest mood of the genre (a
	// jazz drive sank from energy 0.56 to 0.27 at half).
	anchorMoodShare = 0.8
	// anchorCosWeight rewards, on the shortlist, the genre cosine to the
	// anchor itself (not only to the context, which the session moves).
	anchorCosWeight = 0.5
	// regionPenalty is taken from a vocal track whose region (language) is
	// another than the anchor's; untaggedPenalty from a track whose artist
	// has no genre tags (its genre vector is a guess from its labels, so it
	// must not win ties by default), less what the evidence gives back
	// (untaggedRefund).
	regionPenalty   = 0.3
	untaggedPenalty = 0.1
	// A row's region key (Engine.regionKey) is its region, instrumentalKey
	// for an instrumental row (no language), with the untaggedKey bit set
	// when its artist has no genre tags: the full pass reads one
	// per-request table (scratch.regionPen) for both rules.
	instrumentalKey = 127
	untaggedKey     = 128
	// moodMismatchPenalty is taken from a track on the wrong side of raw
	// energy 0.5 for a calm or lively request, so "something calm" is not
	// followed by "lively, high energy" picks.
	moodMismatchPenalty = 1.0
	moodEnergyBoundary  = 0.5
	// moodUntaggedSurcharge is added to the untagged penalty of a mood
	// anchor's refills. A mood request ranks by the calm (lively) mood
	// kernel at 2.5 times its weight, with one engine-chosen row as its
	// genre evidence, so a 0.1 penalty is small next to mood distances;
	// once the drive has used the nearest tagged tracks, untagged label
	// guesses won (full catalog, "something calm" in kids mode: untagged
	// share 0.13 → 0.47 from tracks 1–15 to 46–60).
	moodUntaggedSurcharge = untaggedPenalty
)

// anchorRows returns the rows the request's anchor stands for: the Anchor's
// rows, else the seeds.
func (e *Engine) anchorRows(req *Request) []int {
	if a := req.Anchor; a != nil && len(a.Rows) > 0 {
		return a.Rows
	}
	return req.Seeds
}

// validAnchor checks the anchor's rows against the catalog.
func (e *Engine) validAnchor(a *Anchor) error {
	if a == nil {
		return nil
	}
	for _, r := range a.Rows {
		if r < 0 || r >= e.n {
			return music.Errorf(music.KindNotFound, "recommend: anchor row %d not in catalog of %d tracks", r, e.n)
		}
	}
	switch a.Mood {
	case MoodAny, MoodCalm, MoodSteady, MoodLively:
	default:
		return music.Errorf(music.KindInvalid, "recommend: anchor mood %q: want calm, steady, lively or empty", a.Mood)
	}
	return nil
}

// applyAnchor adds the anchor to the context as anchorShare of the positive
// evidence (rows: their genre, mood and family; genres: their embedding in
// the genre space), remembers its genre vector (s.aq) for the shortlist, its
// region, whether it asks for holiday music, and the works it excludes (the
// asked track's own work is not its continuation).
func (e *Engine) applyAnchor(req *Request, s *scratch, cx *reqContext, addRow func(int, float32)) {
	a := req.Anchor
	if a == nil {
		return
	}
	if req.Mood == MoodAny && a.Mood != "" {
		req.Mood = a.Mood
	}
	w := max(anchorMinWeight, cx.posW*anchorShare/(1-anchorShare))
	switch {
	case len(a.Rows) > 0:
		per := w / float32(len(a.Rows))
		s.am = [catalog.MoodDims]float32{}
		for _, r := range a.Rows {
			addRow(r, per)
			g := e.genreRow(r)
			for j := range s.aq {
				s.aq[j] += g[j]
			}
			for j, v := range e.cat.Mood.Row(r) {
				s.am[j] += v / float32(len(a.Rows))
			}
		}
		normalize(s.aq)
		s.hasAQ, s.hasAM = true, true
	case len(a.Genres) > 0 && e.cat.Tags.Embed(a.Genres, s.tmp):
		copy(s.aq, s.tmp)
		s.hasAQ = true
		for j := range s.gq {
			s.gq[j] += w * s.tmp[j]
		}
		cx.tagEvidence = true
		if f := e.cat.FamilyOf(a.Genres); f >= 0 && f < len(s.fam) {
			s.fam[f] += w
			cx.famW += w
		}
	}
}

// anchorRegion is the region of the anchor's vocal rows (most of them), 0
// when it has none or is instrumental: Swan Lake does not make Mozart foreign.
func (e *Engine) anchorRegion(rows []int) uint8 {
	var votes [256]int
	best := uint8(0)
	for _, r := range rows {
		if e.vocal[r] && e.region[r] != 0 {
			votes[e.region[r]]++
			if votes[e.region[r]] > votes[best] {
				best = e.region[r]
			}
		}
	}
	if 2*votes[best] < len(rows) {
		return 0
	}
	return best
}

// holidayAsked reports whether the request asks for holiday music: an asked
// track or seed that is holiday music, rows standing for the request (an
// artist's, an album's, a mood's) that are mostly holiday music, or a genre
// or label naming it. One Christmas song among an artist's best-known
// tracks (Louis Armstrong's "Winter Wonderland") does not open the season.
func (e *Engine) holidayAsked(req *Request) bool {
	rows := e.anchorRows(req)
	held := 0
	for _, r := range rows {
		if e.holiday[r] {
			held++
		}
	}
	single := len(req.Seeds) > 0 || (req.Anchor != nil && req.Anchor.Kind == AnchorTrack)
	if held > 0 && (single || 2*held > len(rows)) {
		return true
	}
	if a := req.Anchor; a != nil {
		if namesHoliday(a.Label) {
			return true
		}
		for _, g := range a.Genres {
			if namesHoliday(g) {
				return true
			}
		}
	}
	return false
}

// holidayWords in a genre or label ask for holiday music.
var holidayWords = []string{"christmas", "xmas", "holiday", "navidad", "noel", "weihnacht"}

func namesHoliday(s string) bool {
	s = strings.ToLower(s)
	for _, w := range holidayWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// Start returns the first track of a drive for an anchor: the asked track
// (a clean version of its song in kids mode, else an error); for an artist a
// representative popular track by the artist; for an album its most popular
// allowed track; for a genre a popular track central to it; for a mood or
// "continue" the best track for the request's context (session, taste)
// steered by the mood, or the cold start. Holiday music and explicit tracks
// (when !req.Explicit) are never started unless asked for by name.
func (e *Engine) Start(a *Anchor, req Request) (Pick, error) {
	req.N = 1
	req.Anchor = a
	if err := e.validate(&req); err != nil {
		return Pick{}, err
	}
	if a == nil {
		a = &Anchor{Kind: AnchorContinue, Artist: -1}
	}
	if err := e.validAnchor(a); err != nil {
		return Pick{}, err
	}
	switch a.Kind {
	case AnchorTrack:
		if len(a.Rows) == 0 {
			return Pick{}, music.Errorf(music.KindInvalid, "recommend: a track anchor without a track")
		}
		row, ok := e.cleanVersion(a.Rows[0], &req)
		if !ok {
			return Pick{}, music.Errorf(music.KindNotFound, "%q is explicit and has no clean version in the catalog", e.cat.Title(a.Rows[0]))
		}
		return Pick{Row: row, Score: 1, Reason: "asked for: " + anchorLabel(e.cat, row)}, nil
	case AnchorArtist, AnchorAlbum:
		rows := a.Rows
		if a.Kind == AnchorArtist && a.Artist >= 0 && int(a.Artist) < len(e.cat.Artists) {
			rows = e.rowsOfArtist(a.Artist)
		}
		if row := e.representative(rows, &req); row >= 0 {
			return Pick{Row: row, Score: 1, Reason: "asked for " + labelOr(a, e.cat.PrimaryArtist(row)) + ": one of their best-known tracks"}, nil
		}
		return Pick{}, music.Errorf(music.KindNotFound, "no playable track for %q", a.Label)
	case AnchorGenre:
		if row := e.genreStart(a, &req); row >= 0 {
			return Pick{Row: row, Score: 1, Reason: "asked for " + labelOr(a, strings.Join(a.Genres, ", ")) + ": a popular track of it"}, nil
		}
		return Pick{}, music.Errorf(music.KindNotFound, "no track of genre %q", a.Label)
	}
	// Mood and continue: the engine's own first pick for the context. The
	// first track of a mood request is what the driver judges the request
	// by, so it must be clearly in the mood: the best of the top picks whose
	// raw energy lies well inside the mood's band, not merely on the right
	// side of the boundary the refills keep to.
	req.Anchor = nil
	if req.Mood == MoodAny {
		req.Mood = a.Mood
	}
	if a.Kind == AnchorMood {
		req.N = startMoodPool
	}
	ps, err := e.Recommend(req)
	if err != nil {
		return Pick{}, err
	}
	if len(ps) == 0 {
		return Pick{}, music.Errorf(music.KindNotFound, "nothing in the catalog fits %q", a.Label)
	}
	for _, p := range ps {
		if e.clearlyInMood(p.Row, req.Mood) {
			return p, nil
		}
	}
	return ps[0], nil
}

// startMoodPool is how many picks a mood request's first track is chosen
// from; startEnergy bounds the raw energy (0..1) of a first track that is
// clearly calm, steady or lively.
const startMoodPool = 30

var startEnergy = map[string][2]float64{MoodCalm: {0, 0.35}, MoodSteady: {0.4, 0.7}, MoodLively: {0.7, 1}}

func (e *Engine) clearlyInMood(row int, mood string) bool {
	band, ok := startEnergy[mood]
	if !ok {
		return true
	}
	en := RawMood(e.cat, row, catalog.MoodEnergy)
	return en >= band[0] && en <= band[1]
}

func labelOr(a *Anchor, alt string) string {
	if a.Label != "" {
		return a.Label
	}
	return alt
}

// startAllowed: a first track may not be explicit in kids mode, nor holiday
// music out of season unless asked for, nor heard this drive.
func (e *Engine) startAllowed(row int, req *Request, heard map[int]bool) bool {
	return (req.Explicit || !e.explicit[row]) && (!e.holiday[row] || e.inSeason(req) || e.holidayAsked(req)) && !heard[row]
}

func (e *Engine) heardRows(req *Request) map[int]bool {
	m := map[int]bool{}
	for _, id := range req.Heard {
		if r, ok := e.lookup(id); ok {
			m[r] = true
		}
	}
	return m
}

// cleanVersion returns row itself when it may play, else (kids mode and
// explicit) the most popular clean recording of the same song by the same
// primary artist.
func (e *Engine) cleanVersion(row int, req *Request) (int, bool) {
	if req.Explicit || !e.explicit[row] {
		return row, true
	}
	best := -1
	for i := range e.n {
		if i != row && !e.explicit[i] && e.title[i] == e.title[row] && e.cat.Artist[i] == e.cat.Artist[row] &&
			(best < 0 || e.prior[i] > e.prior[best]) {
			best = i
		}
	}
	return best, best >= 0
}

func (e *Engine) rowsOfArtist(a int32) []int {
	var rows []int
	for i, x := range e.cat.Artist {
		if x == a {
			rows = append(rows, i)
		}
	}
	return rows
}

// representative is the allowed row of rows with the best mix of
// popularity and centrality (genre cosine to the rows' mean): the artist's
// well-known track in their usual style, not a remix of it by someone else.
func (e *Engine) representative(rows []int, req *Request) int {
	if len(rows) == 0 {
		return -1
	}
	centre := make([]float32, e.gdim)
	for _, r := range rows {
		for j, v := range e.genreRow(r) {
			centre[j] += v
		}
	}
	normalize(centre)
	heard := e.heardRows(req)
	return e.bestRow(rows, func(r int) float32 {
		return popularity(e.cat.Popularity(r)) + 0.5*dot(e.genreRow(r), centre) - e.untaggedCost(r)
	}, req, heard)
}

// genreStart is a popular track central to the genre: among rows carrying
// the label (or, failing that, all rows), the best popularity + cosine to
// the genre's embedding.
func (e *Engine) genreStart(a *Anchor, req *Request) int {
	vec := make([]float32, e.gdim)
	if !e.cat.Tags.Embed(a.Genres, vec) {
		return -1
	}
	want := map[string]bool{}
	for _, g := range a.Genres {
		want[catalog.NormalizeTag(g)] = true
	}
	labelled := e.cat.RowsWithGenre(func(g string) bool { return want[catalog.NormalizeTag(g)] })
	// Typical of the genre in mood too: "some jazz" should not open with its
	// quietest ballad or its wildest free-jazz track.
	var mE, mV float32
	for _, r := range labelled {
		m := e.cat.Mood.Row(r)
		mE += m[catalog.MoodEnergy] / float32(len(labelled))
		mV += m[catalog.MoodValence] / float32(len(labelled))
	}
	score := func(r int) float32 {
		m := e.cat.Mood.Row(r)
		atypical := abs32(m[catalog.MoodEnergy]-mE) + abs32(m[catalog.MoodValence]-mV)
		return popularity(e.cat.Popularity(r)) + 2*dot(e.genreRow(r), vec) - 4*e.untaggedCost(r) - 0.3*atypical
	}
	heard := e.heardRows(req)
	if r := e.bestRow(labelled, score, req, heard); r >= 0 {
		return r
	}
	all := make([]int, e.n)
	for i := range all {
		all[i] = i
	}
	return e.bestRow(all, score, req, heard)
}

func (e *Engine) bestRow(rows []int, score func(int) float32, req *Request, heard map[int]bool) int {
	best, bs := -1, float32(0)
	for _, r := range rows {
		if !e.startAllowed(r, req, heard) {
			continue
		}
		if sc := score(r); best < 0 || sc > bs || (sc == bs && r < best) {
			best, bs = r, sc
		}
	}
	return best
}

// untaggedCost: an artist without genre tags is a weaker start (its genre
// is a guess from its labels).
func (e *Engine) untaggedCost(r int) float32 {
	if e.untagged[r] {
		return untaggedPenalty
	}
	return 0
}

func popularity(p int8) float32 {
	if p < 0 {
		return 0.3
	}
	return float32(p) / 100
}

func abs32(x float32) float32 { return max(x, -x) }

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
