package eval

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// RequestKind is what a driver's request names. The strings are those of
// resolve.Kind and recommend.Anchor.Kind.
type RequestKind string

// Request kinds of the long-drive evaluation. An album request also stands
// for a classical work ("swan lake").
const (
	KindTrack  RequestKind = "track"
	KindArtist RequestKind = "artist"
	KindAlbum  RequestKind = "album"
	KindGenre  RequestKind = "genre"
	KindMood   RequestKind = "mood"
)

// RequestKinds in report order.
var RequestKinds = []RequestKind{KindTrack, KindArtist, KindAlbum, KindGenre, KindMood}

// Drive dates: out of every holiday season, and in the Christmas season.
var (
	OutOfSeason = time.Date(2026, time.July, 15, 12, 0, 0, 0, time.UTC)
	InSeason    = time.Date(2026, time.December, 15, 12, 0, 0, 0, time.UTC)
)

// DriveRequest is one simulated request and what a right answer is.
type DriveRequest struct {
	Kind  RequestKind `json:"kind"`
	Query string      `json:"query"`
	Named bool        `json:"named,omitempty"` // one of the requests
	// Absent: a named request whose answer is not in the catalog (it can
	// only miss).
	Absent bool `json:"answer_absent,omitempty"`
	// Test is the request's half: true for the reported "test" half, false
	// for the "tune" half. It is a hash of kind and query, so a request stays
	// in its half whatever the catalog and the size of the set.
	Test bool      `json:"test"`
	Now  time.Time `json:"date"` // the drive's clock: OutOfSeason or InSeason
	Kids bool      `json:"kids"` // explicit tracks not allowed
	Seed uint64    `json:"-"`

	// What the first track must be: by one of artists (track, artist,
	// album), the piece (track), on the album or the work (album), in the
	// family (genre), at the energy (mood).
	artists map[int32]bool
	piece   string
	album   string   // AlbumKey of the album or work
	work    []string // words of the work's PieceKey, for titles that name it
	label   string   // genre label
	mood    string

	// What the whole drive is measured against.
	anchorRows []int // rows standing for the request; nil for mood
	family     int   // -1: the first track's
	energy     float64
}

// Hit reports whether row is a right first track for the request.
func (r *DriveRequest) Hit(c *catalog.Catalog, row int) bool {
	if row < 0 || row >= c.Len() {
		return false
	}
	t := c.Track(row)
	switch r.Kind {
	case KindTrack:
		return r.artists[c.Artist[row]] && PieceKey(t.Title, t.Artists) == r.piece
	case KindArtist:
		return r.artists[c.Artist[row]]
	case KindAlbum:
		return r.artists[c.Artist[row]] && (AlbumKey(t.Album) == r.album || containsWords(PieceKey(t.Title, t.Artists), r.work))
	case KindGenre:
		return int(c.Family[row]) == r.family
	case KindMood:
		return moodFits(r.mood, recommend.RawMood(c, row, catalog.MoodEnergy))
	}
	return false
}

// moodFits reports whether a raw energy (0..1) fits a mood request.
func moodFits(mood string, energy float64) bool {
	switch mood {
	case recommend.MoodCalm:
		return energy <= 0.4
	case recommend.MoodLively:
		return energy >= 0.65
	}
	return energy >= 0.35 && energy <= 0.75
}

// moodEnergy is the raw energy a driver expects after a mood request.
var moodEnergy = map[string]float64{recommend.MoodCalm: 0.25, recommend.MoodSteady: 0.55, recommend.MoodLively: 0.8}

func containsWords(key string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	have := strings.Fields(key)
	for _, w := range words {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// namedRequest is a request of issue 10, with what the right answer is.
type namedRequest struct {
	kind    RequestKind
	query   string
	artists []string // track, artist, album
	name    string   // title, album or work; genre label; mood
}

var namedRequests = []namedRequest{
	{KindArtist, "mozart", []string{"Wolfgang Amadeus Mozart"}, ""},
	{KindArtist, "metallica", []string{"Metallica"}, ""},
	{KindArtist, "bob marley", []string{"Bob Marley & The Wailers", "Bob Marley"}, ""},
	{KindArtist, "kendrick lamar", []string{"Kendrick Lamar"}, ""},
	{KindArtist, "muse", []string{"Muse"}, ""},
	{KindArtist, "hank mobley", []string{"Hank Mobley"}, ""},
	{KindArtist, "aretha franklin", []string{"Aretha Franklin"}, ""},
	{KindTrack, "kendrick lamar humble", []string{"Kendrick Lamar"}, "HUMBLE."},
	{KindTrack, "miles davis so what", []string{"Miles Davis"}, "So What"},
	{KindTrack, "take five", []string{"Dave Brubeck", "The Dave Brubeck Quartet"}, "Take Five"},
	{KindTrack, "losing my religion", []string{"R.E.M."}, "Losing My Religion"},
	{KindTrack, "jolene", []string{"Dolly Parton"}, "Jolene"},
	{KindTrack, "post malone circles", []string{"Post Malone"}, "Circles"},
	{KindTrack, "respect aretha franklin", []string{"Aretha Franklin"}, "Respect"},
	{KindTrack, "ring of fire", []string{"Johnny Cash"}, "Ring of Fire"},
	{KindTrack, "scene swan lake tchaikovsky", []string{"Pyotr Ilyich Tchaikovsky"}, "Swan Lake, Op. 20, Act 2: No. 10, Scène"},
	{KindAlbum, "kind of blue", []string{"Miles Davis"}, "Kind of Blue"},
	{KindAlbum, "swan lake", []string{"Pyotr Ilyich Tchaikovsky"}, "Swan Lake"},
	{KindAlbum, "the nutcracker", []string{"Pyotr Ilyich Tchaikovsky"}, "The Nutcracker"},
	{KindGenre, "some jazz", nil, "jazz"},
	{KindMood, "something calm", nil, recommend.MoodCalm},
	{KindMood, "lullaby", nil, recommend.MoodCalm},
	{KindMood, "lullabies", nil, recommend.MoodCalm},
	{KindMood, "music to wake me up", nil, recommend.MoodLively},
}

// moodPhrases are the mood and activity requests beyond the named ones.
var moodPhrases = []struct{ query, mood string }{
	{"relaxing music", recommend.MoodCalm}, {"music to relax", recommend.MoodCalm},
	{"something quiet", recommend.MoodCalm}, {"soft music", recommend.MoodCalm},
	{"music for sleeping", recommend.MoodCalm}, {"sleepy music", recommend.MoodCalm},
	{"something mellow", recommend.MoodCalm}, {"chill out music", recommend.MoodCalm},
	{"peaceful music", recommend.MoodCalm}, {"gentle music", recommend.MoodCalm},
	{"something soothing", recommend.MoodCalm}, {"calm down", recommend.MoodCalm},
	{"something upbeat", recommend.MoodLively}, {"energetic music", recommend.MoodLively},
	{"party music", recommend.MoodLively}, {"pump me up", recommend.MoodLively},
	{"workout music", recommend.MoodLively}, {"something lively", recommend.MoodLively},
	{"get me going", recommend.MoodLively}, {"happy upbeat songs", recommend.MoodLively},
	{"something to dance to", recommend.MoodLively}, {"high energy music", recommend.MoodLively},
	{"keep me awake", recommend.MoodLively}, {"music for focus", recommend.MoodSteady},
	{"something to concentrate", recommend.MoodSteady}, {"easy listening", recommend.MoodSteady},
	{"background music", recommend.MoodSteady}, {"music for the commute", recommend.MoodSteady},
	{"something steady", recommend.MoodSteady}, {"cruising music", recommend.MoodSteady},
}

var genreTemplates = []string{"some %s", "play some %s", "%s music", "%s please"}

// requestBuilder holds the catalog indexes the strata are drawn from.
type requestBuilder struct {
	c        *catalog.Catalog
	artistIx map[string]int32 // normalised name → artist index
	byArtist map[int32][]int
	byLabel  map[string][]int // NormalizeTag(label) → rows, built on first use
	rng      *rand.Rand
	seen     map[string]bool // queries already used
}

// BuildRequests draws the evaluation's requests from the catalog,
// deterministically for a catalog and seed: the named requests
// (also those the catalog cannot answer, marked Absent), then per kind up to n/5 requests stratified over
// genre families (popular tracks, artists with at least five tracks,
// albums with at least three pieces, genre labels with at least 30 tracks;
// the mood phrases are a fixed list). Every request gets a fixed half
// (test or tune), a date in or out of season and kids mode on or off from a
// hash of its kind and query.
func BuildRequests(c *catalog.Catalog, n int, seed uint64) []DriveRequest {
	b := &requestBuilder{c: c, artistIx: map[string]int32{}, byArtist: map[int32][]int{},
		rng: rand.New(rand.NewPCG(seed, 0x64726976)), seen: map[string]bool{}}
	for i, a := range c.Artists {
		b.artistIx[a] = int32(i)
	}
	for r, a := range c.Artist {
		b.byArtist[a] = append(b.byArtist[a], r)
	}
	quota := max(n/len(RequestKinds), 1)
	perKind := map[RequestKind][]DriveRequest{}
	for _, nr := range namedRequests {
		if r, ok := b.named(nr); ok && len(perKind[nr.kind]) < quota {
			perKind[nr.kind] = append(perKind[nr.kind], r)
		}
	}
	for _, k := range RequestKinds {
		perKind[k] = append(perKind[k], b.sample(k, quota-len(perKind[k]))...)
	}
	var out []DriveRequest
	for _, k := range RequestKinds {
		out = append(out, perKind[k]...)
	}
	for i := range out {
		out[i].finish(seed)
	}
	return out
}

// finish sets the request's half, date, kids mode and drive seed.
func (r *DriveRequest) finish(seed uint64) {
	h := fnv.New64a()
	h.Write([]byte(string(r.Kind) + ":" + r.Query))
	sum := h.Sum64()
	r.Test = sum&1 == 1
	r.Now = OutOfSeason
	if sum>>8&1 == 1 {
		r.Now = InSeason
	}
	r.Kids = sum>>9&1 == 1
	r.Seed = sum ^ seed*0x9E3779B97F4A7C15
}

func (b *requestBuilder) add(r DriveRequest, dst *[]DriveRequest) bool {
	if r.Query == "" || b.seen[r.Query] {
		return false
	}
	b.seen[r.Query] = true
	*dst = append(*dst, r)
	return true
}

// named builds a named request when the catalog holds its answer.
func (b *requestBuilder) named(nr namedRequest) (DriveRequest, bool) {
	r := DriveRequest{Kind: nr.kind, Query: nr.query, Named: true, artists: map[int32]bool{}, family: -1}
	var rows []int
	for _, name := range nr.artists {
		if a, ok := b.artistIx[catalog.NormalizeName(name)]; ok {
			r.artists[a] = true
			rows = append(rows, b.byArtist[a]...)
		}
	}
	switch nr.kind {
	case KindTrack:
		r.piece = PieceKey(nr.name, nr.artists)
	case KindAlbum:
		r.album, r.work = AlbumKey(nr.name), strings.Fields(PieceKey(nr.name, nil))
	case KindGenre:
		r.label = nr.name
		return b.genre(r)
	case KindMood:
		r.mood = nr.name
		return b.mood(r), true
	}
	if nr.kind != KindArtist {
		rows = slices.DeleteFunc(rows, func(row int) bool { return !r.Hit(b.c, row) })
	}
	if b.seen[r.Query] {
		return r, false
	}
	b.seen[r.Query] = true
	if len(rows) == 0 {
		// Kept: a catalog without the answer (the default catalog without
		// HUMBLE.) fails the request, as a driver would find. The drive is
		// then measured against its own first track.
		r.Absent = true
		return r, true
	}
	return b.anchored(r, rows), true
}

// anchored sets the drive's anchor from the rows that stand for the request.
func (b *requestBuilder) anchored(r DriveRequest, rows []int) DriveRequest {
	r.anchorRows = rows
	r.family = majorityFamily(b.c, rows)
	r.energy = meanEnergy(b.c, rows)
	return r
}

func (b *requestBuilder) genre(r DriveRequest) (DriveRequest, bool) {
	rows := b.labelRows(catalog.NormalizeTag(r.label))
	f := b.c.FamilyOf([]string{r.label})
	if len(rows) == 0 || f < 0 || f == catalog.FamilyOther {
		return r, false
	}
	b.seen[r.Query] = true
	r = b.anchored(r, rows)
	r.family = f
	return r, true
}

// labelRows returns the rows under a normalised genre label.
func (b *requestBuilder) labelRows(key string) []int {
	if b.byLabel == nil {
		b.byLabel = map[string][]int{}
		keys := map[string]string{} // raw label → key: labels repeat, folding is not free
		for i := range b.c.Len() {
			for _, g := range b.c.TrackGenres(i) {
				k, ok := keys[g]
				if !ok {
					k = catalog.NormalizeTag(g)
					keys[g] = k
				}
				if rows := b.byLabel[k]; len(rows) == 0 || rows[len(rows)-1] != i {
					b.byLabel[k] = append(rows, i)
				}
			}
		}
	}
	return b.byLabel[key]
}

func (b *requestBuilder) mood(r DriveRequest) DriveRequest {
	b.seen[r.Query] = true
	r.family, r.energy = -1, moodEnergy[r.mood]
	return r
}

// sample draws up to n requests of kind k.
func (b *requestBuilder) sample(k RequestKind, n int) []DriveRequest {
	var out []DriveRequest
	if n <= 0 {
		return nil
	}
	switch k {
	case KindTrack:
		b.sampleTracks(n, &out)
	case KindArtist:
		b.sampleArtists(n, &out)
	case KindAlbum:
		b.sampleAlbums(n, &out)
	case KindGenre:
		b.sampleGenres(n, &out)
	case KindMood:
		for _, m := range moodPhrases {
			if len(out) < n && !b.seen[m.query] {
				out = append(out, b.mood(DriveRequest{Kind: KindMood, Query: m.query, mood: m.mood}))
			}
		}
	}
	return out
}

// roundRobin takes items from groups in turn (group 0's first, group 1's
// first, ..., group 0's second, ...) until take says stop or all are used.
func roundRobin[T any](groups [][]T, take func(T) (done bool)) {
	for depth := 0; ; depth++ {
		more := false
		for _, g := range groups {
			if depth < len(g) {
				more = true
				if take(g[depth]) {
					return
				}
			}
		}
		if !more {
			return
		}
	}
}

// byFamily groups items by genre family, skipping "other".
func byFamily[T any](c *catalog.Catalog, items []T, family func(T) int) [][]T {
	groups := make([][]T, len(c.Families))
	for _, it := range items {
		if f := family(it); f >= 0 && f != catalog.FamilyOther {
			groups[f] = append(groups[f], it)
		}
	}
	return groups
}

// sampleTracks: popular tracks (popularity ≥ 50, else ≥ 30, else any),
// shuffled within each family; the query is "artist title", or the title
// alone when no more popular track by another artist has the same piece.
func (b *requestBuilder) sampleTracks(n int, out *[]DriveRequest) {
	c := b.c
	var cands []int
	for _, minPop := range []int8{50, 30, -1} {
		cands = cands[:0]
		for i := range c.Len() {
			t := c.Track(i)
			if t.Popularity >= minPop && !IsHoliday(&t) && !isVarious(t.PrimaryArtist()) && len(CleanTitle(t.Title)) > 1 {
				cands = append(cands, i)
			}
		}
		if len(cands) >= 4*n {
			break
		}
	}
	best := map[string]int8{} // piece → highest popularity
	for i := range c.Len() {
		k := PieceKey(c.Title(i), c.TrackArtists(i))
		best[k] = max(best[k], c.Popularity(i))
	}
	groups := byFamily(c, cands, func(r int) int { return int(c.Family[r]) })
	for _, g := range groups {
		b.rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
	}
	roundRobin(groups, func(row int) bool {
		t := c.Track(row)
		title := CleanTitle(t.Title)
		piece := PieceKey(t.Title, t.Artists)
		q := strings.ToLower(t.PrimaryArtist() + " " + title)
		if len(*out)%2 == 1 && best[piece] <= t.Popularity {
			q = strings.ToLower(title)
		}
		r := DriveRequest{Kind: KindTrack, Query: q, artists: map[int32]bool{c.Artist[row]: true}, piece: piece}
		b.add(b.anchored(r, []int{row}), out)
		return len(*out) >= n
	})
}

// sampleArtists: artists with at least five tracks, the most popular
// first within each family (sum of their five most popular tracks).
func (b *requestBuilder) sampleArtists(n int, out *[]DriveRequest) {
	c := b.c
	type artist struct {
		idx  int32
		rows []int
		pop  int
	}
	var all []artist
	for a, rows := range b.byArtist {
		if len(rows) >= 5 && !isVarious(c.Artists[a]) {
			all = append(all, artist{a, rows, topPopularity(c, rows, 5)})
		}
	}
	slices.SortFunc(all, func(x, y artist) int { return cmp.Or(cmp.Compare(y.pop, x.pop), cmp.Compare(x.idx, y.idx)) })
	groups := byFamily(c, all, func(a artist) int { return majorityFamily(c, a.rows) })
	roundRobin(groups, func(a artist) bool {
		name := c.PrimaryArtist(mostPopular(c, a.rows))
		r := DriveRequest{Kind: KindArtist, Query: strings.ToLower(name), artists: map[int32]bool{a.idx: true}}
		b.add(b.anchored(r, a.rows), out)
		return len(*out) >= n
	})
}

// sampleAlbums: albums with at least three distinct pieces by one primary
// artist, not self-titled and not a compilation, the most popular first
// within each family.
func (b *requestBuilder) sampleAlbums(n int, out *[]DriveRequest) {
	c := b.c
	type album struct {
		artist int32
		key    string
		rows   []int
		pop    int
	}
	groups := map[string]*album{}
	var all []*album
	for i := range c.Len() {
		k := AlbumKey(c.Album(i))
		if k == "" || k == c.Artists[c.Artist[i]] || isCompilation(k) || isVarious(c.PrimaryArtist(i)) {
			continue
		}
		id := fmt.Sprint(c.Artist[i], "\x00", k)
		if groups[id] == nil {
			groups[id] = &album{artist: c.Artist[i], key: k}
			all = append(all, groups[id])
		}
		groups[id].rows = append(groups[id].rows, i)
	}
	all = slices.DeleteFunc(all, func(a *album) bool { return distinctPieces(c, a.rows) < 3 })
	for _, a := range all {
		a.pop = topPopularity(c, a.rows, 3)
	}
	slices.SortStableFunc(all, func(x, y *album) int { return cmp.Compare(y.pop, x.pop) })
	fam := byFamily(c, all, func(a *album) int { return majorityFamily(c, a.rows) })
	roundRobin(fam, func(a *album) bool {
		name := strings.Join(strings.Fields(dropBracketed(c.Album(a.rows[0]))), " ")
		r := DriveRequest{Kind: KindAlbum, Query: strings.ToLower(name), artists: map[int32]bool{a.artist: true},
			album: a.key, work: strings.Fields(PieceKey(name, nil))}
		b.add(b.anchored(r, a.rows), out)
		return len(*out) >= n
	})
}

// sampleGenres: genre labels with at least 30 tracks and a family, the
// largest first within each family, phrased in turn by genreTemplates.
func (b *requestBuilder) sampleGenres(n int, out *[]DriveRequest) {
	c := b.c
	type label struct {
		name  string
		count int
	}
	var all []label
	for l, k := range c.LabelCounts() {
		if k >= 30 {
			all = append(all, label{l, k})
		}
	}
	slices.SortFunc(all, func(x, y label) int { return cmp.Or(cmp.Compare(y.count, x.count), strings.Compare(x.name, y.name)) })
	groups := byFamily(c, all, func(l label) int { return c.FamilyOf([]string{l.name}) })
	roundRobin(groups, func(l label) bool {
		q := fmt.Sprintf(genreTemplates[len(*out)%len(genreTemplates)], strings.ToLower(l.name))
		if r, ok := b.genre(DriveRequest{Kind: KindGenre, Query: q, label: l.name}); ok {
			*out = append(*out, r)
		}
		return len(*out) >= n
	})
}

func isVarious(artist string) bool {
	k := catalog.NormalizeName(artist)
	return k == "various artists" || k == "various" || k == ""
}

var compilationWords = []string{"greatest hits", "best of", "hits", "collection", "essential", "anthology",
	"playlist", "compilation", "top", "vol", "volume", "christmas"}

func isCompilation(albumKey string) bool {
	s := " " + albumKey + " "
	return slices.ContainsFunc(compilationWords, func(w string) bool { return strings.Contains(s, " "+w+" ") })
}

func distinctPieces(c *catalog.Catalog, rows []int) int {
	m := map[string]bool{}
	for _, r := range rows {
		m[PieceKey(c.Title(r), c.TrackArtists(r))] = true
	}
	return len(m)
}

// topPopularity sums the k highest popularities of rows.
func topPopularity(c *catalog.Catalog, rows []int, k int) int {
	p := make([]int, len(rows))
	for i, r := range rows {
		p[i] = max(int(c.Popularity(r)), 0)
	}
	slices.Sort(p)
	s := 0
	for _, v := range p[max(len(p)-k, 0):] {
		s += v
	}
	return s
}

func mostPopular(c *catalog.Catalog, rows []int) int {
	best := rows[0]
	for _, r := range rows {
		if c.Popularity(r) > c.Popularity(best) {
			best = r
		}
	}
	return best
}

// meanEnergy is the mean raw energy (0..1) of rows, 0.5 for none.
func meanEnergy(c *catalog.Catalog, rows []int) float64 {
	if len(rows) == 0 {
		return 0.5
	}
	var s float64
	for _, r := range rows {
		s += recommend.RawMood(c, r, catalog.MoodEnergy)
	}
	return s / float64(len(rows))
}

// explicitKnown reports a track flagged explicit in the data.
func explicitKnown(t *music.Track) bool { return t.Explicit == music.ExplicitYes }
