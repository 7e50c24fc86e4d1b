package catalog

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
)

// Derived are per-track columns computed from the whole catalog at build
// time (Derive) and stored in the snapshot, so the engine does not recompute
// them at every start:
//
//   - Holiday: Christmas and holiday music (labels, tags, album and title
//     words), which the engine plays only in its season or when asked;
//   - ExplicitP: an estimate of P(explicit) for every track, from the
//     artist's flagged share, the labels' flagged share and title words; a
//     track whose flag is unknown counts as explicit when ExplicitP ≥
//     ExplicitCut, the threshold chosen on held-out flagged tracks (its
//     precision and recall are kept for reports);
//   - Region: a region/language group per track (Regions[Region[i]]; 0 is
//     "unknown"), from its artist's tags or, for an artist without tags, from
//     the artists it is credited with, the artists sharing its albums and the
//     labels of its tracks.
type Derived struct {
	Holiday   []bool
	ExplicitP []uint8
	// ExplicitCut is the threshold on ExplicitP; ExplicitPrecision and
	// ExplicitRecall are measured at it on ExplicitHeldOut held-out flagged
	// tracks.
	ExplicitCut                       uint8
	ExplicitPrecision, ExplicitRecall float32
	ExplicitHeldOut                   int
	Region                            []uint8
	Regions                           []string
}

// Valid reports whether the columns cover n tracks.
func (d *Derived) Valid(n int) bool {
	return len(d.Holiday) == n && len(d.ExplicitP) == n && len(d.Region) == n && len(d.Regions) > 0
}

// ExplicitEstimated reports whether row counts as explicit: flagged, or
// unknown with an estimate at or above the threshold.
func (c *Catalog) ExplicitEstimated(row int) bool {
	switch c.Explicit(row) {
	case music.ExplicitYes:
		return true
	case music.ExplicitNo:
		return false
	}
	return c.Derived.Valid(c.Len()) && c.Derived.ExplicitP[row] >= c.Derived.ExplicitCut
}

// Derive computes the derived columns of c. It reads the tracks, Artist
// and Family only. It runs where a catalog is built (import, tests), over
// AllTracks.
func Derive(c *Catalog) Derived {
	ts := c.AllTracks()
	d := Derived{Holiday: make([]bool, len(ts))}
	for i := range ts {
		d.Holiday[i] = isHoliday(&ts[i])
	}
	d.Region, d.Regions = deriveRegions(c, ts)
	deriveExplicit(c, ts, &d)
	return d
}

// subset returns the derived columns of the given rows.
func (d *Derived) subset(keep []int) Derived {
	out := *d
	out.Holiday = make([]bool, len(keep))
	out.ExplicitP = make([]uint8, len(keep))
	out.Region = make([]uint8, len(keep))
	for i, r := range keep {
		out.Holiday[i], out.ExplicitP[i], out.Region[i] = d.Holiday[r], d.ExplicitP[r], d.Region[r]
	}
	return out
}

// Holiday music. Labels and tags name it ("christmas", "holiday"); titles
// and albums by the phrases below. "Holiday" alone in a title is not enough
// (Madonna's, Green Day's).
var (
	holidayTagWords = []string{"christmas", "xmas", "holiday", "seasonal", "navidad", "weihnacht"}
	holidayPhrases  = []string{
		"christmas", "xmas", "x-mas", "navidad", "noel", "weihnacht", "jingle bell", "jingle bells", "santa claus", "sleigh ride",
		"rudolph", "frosty the snowman", "mistletoe", "silent night", "let it snow", "deck the hall",
		"o holy night", "little drummer boy", "winter wonderland", "joy to the world", "come all ye faithful",
		"hark the herald", "god rest ye", "tannenbaum", "twelve days of", "carol of the bells",
		"happy holidays", "stille nacht", "feliz navidad", "away in a manger", "o little town of bethlehem",
		"we three kings", "first noel", "santa baby", "here comes santa", "jingle bell rock", "snowman",
	}
)

func isHoliday(t *music.Track) bool {
	for _, list := range [][]string{t.Genres, t.Tags} {
		for _, g := range list {
			g = NormalizeTag(g)
			for _, w := range holidayTagWords {
				if strings.Contains(g, w) {
					return true
				}
			}
		}
	}
	for k, s := range []string{t.Title, t.Album} {
		s = NormalizeName(s)
		if k == 1 && strings.Contains(s, " not ") {
			continue // "Christmas time but not Christmas songs 2022"
		}
		for _, p := range holidayPhrases {
			if containsWords(s, p) {
				return true
			}
		}
	}
	return false
}

// containsWords reports whether phrase occurs in s at word boundaries (both
// already folded).
func containsWords(s, phrase string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], phrase)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(phrase)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		from = i + 1
	}
}

func isWordByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80 }

// Regions. A region groups music a listener hears as "the same world":
// mostly a language. Region 0 is unknown; 1 is international (tagged, with no
// regional word: English-language pop, rock, jazz…). A word of a tag or label
// names a region; the table is ordered by specificity (the first region named
// by any word of a tag wins for that tag).
var regionWords = []struct {
	region string
	words  []string
}{
	{"brazil", []string{"brazilian", "brazil", "mpb", "sertanejo", "samba", "pagode", "forro", "bossa", "axe", "brasileiro", "gaucha", "paulista", "carioca", "baiano", "velha", "guarda"}},
	{"latin", []string{"latin", "latino", "reggaeton", "salsa", "mexican", "mexicano", "corrido", "corridos", "banda", "norteno", "cumbia", "bachata", "tango", "espanol", "spanish", "colombian", "colombiana", "argentine", "argentina", "chicano", "tejano", "grupera", "gruperas", "ranchera", "mariachi", "bolero", "merengue", "dominican", "puerto", "rican", "sierreno", "chilean", "peruvian", "cubano", "cuban", "venezuelan", "flamenco", "trap latino", "urbano", "vallenato", "sonidera", "duranguense", "nueva", "cantautor", "rumba", "latina"}},
	{"italian", []string{"italian", "italiano", "canzone", "napoletana"}},
	{"french", []string{"french", "chanson", "francoton", "quebecois", "belgian"}},
	{"german", []string{"german", "deutsch", "schlager", "austrian", "volksmusik"}},
	{"nordic", []string{"swedish", "norwegian", "danish", "finnish", "icelandic"}},
	{"korean", []string{"k-pop", "korean", "k-indie", "k-rap"}},
	{"japanese", []string{"j-pop", "j-rock", "j-idol", "j-dance", "japanese", "anime", "otacore", "j-poprock", "vocaloid", "visual kei"}},
	{"chinese", []string{"mandopop", "cantopop", "c-pop", "chinese", "taiwan", "hong kong"}},
	{"indian", []string{"bollywood", "filmi", "indian", "desi", "hindustani", "sufi", "ghazal", "punjabi", "tamil", "telugu", "kannada", "bhangra", "carnatic"}},
	{"turkish", []string{"turkish", "arabesk"}},
	{"arabic", []string{"arab", "arabic", "iranian", "persian", "egyptian", "lebanese", "khaleeji"}},
	{"russian", []string{"russian"}},
	{"filipino", []string{"opm", "pinoy", "filipino"}},
	{"dutch", []string{"dutch"}},
	{"greek", []string{"greek", "rebetiko", "laiko"}},
	{"african", []string{"afrobeat", "afropop", "afrobeats", "african", "nigerian", "ghanaian", "south african", "amapiano", "bongo"}},
	{"portuguese", []string{"portuguese", "fado"}},
	{"polish", []string{"polish"}},
	{"malay", []string{"malay", "indonesian", "dangdut"}},
	{"israeli", []string{"israeli", "hebrew"}},
}

const (
	regionUnknown = 0
	regionIntl    = 1
)

// regionNames lists the region names by index.
func regionNames() []string {
	names := []string{"", "intl"}
	for _, r := range regionWords {
		names = append(names, r.region)
	}
	return names
}

var regionByWord = func() map[string]uint8 {
	m := map[string]uint8{}
	for i, r := range regionWords {
		for _, w := range r.words {
			m[w] = uint8(i + 2)
		}
	}
	return m
}()

// tagRegion returns the region a tag or label names, or regionUnknown.
func tagRegion(tag string) uint8 {
	t := NormalizeTag(tag)
	if r, ok := regionByWord[t]; ok {
		return r
	}
	for _, w := range strings.Fields(t) {
		if r, ok := regionByWord[w]; ok {
			return r
		}
	}
	return regionUnknown
}

// regionVotes accumulates weighted votes per region.
type regionVotes map[uint8]float64

func (v regionVotes) best() (uint8, float64) {
	var best uint8
	var bw, total float64
	for r, w := range v {
		total += w
		if w > bw || (w == bw && r < best) {
			best, bw = r, w
		}
	}
	if total == 0 {
		return regionUnknown, 0
	}
	return best, bw / total
}

// deriveRegions gives every track its primary artist's region. An artist
// with tags takes the region its tags name most (international when none
// does). An artist without tags (about half of the public data) votes: its
// tracks' labels that name a region (weight 2), the regions its labels are
// heard in among tagged artists (weight 1, by share), and the regions of the
// artists credited with it or sharing its albums (weight 1 each). Without
// votes it stays unknown.
func deriveRegions(c *Catalog, ts []music.Track) ([]uint8, []string) {
	names := regionNames()
	n := len(ts)
	out := make([]uint8, n)
	na := len(c.Artists)
	if na == 0 || len(c.Artist) != n {
		return out, names
	}
	artistRegion := make([]uint8, na)
	tagged := make([]bool, na)
	for i := range ts {
		a := c.Artist[i]
		if tagged[a] || len(ts[i].Tags) == 0 {
			continue
		}
		tagged[a] = true
		v := regionVotes{}
		for _, t := range ts[i].Tags {
			if r := tagRegion(t); r != regionUnknown {
				v[r]++
			}
		}
		artistRegion[a] = regionIntl
		if r, _ := v.best(); r != regionUnknown {
			artistRegion[a] = r
		}
	}
	labelVotes := labelRegionShares(c, ts, artistRegion, tagged)
	artistIndex := make(map[string]int32, na)
	for i, a := range c.Artists {
		artistIndex[a] = int32(i)
	}
	albumArtists := map[uint64][]int32{}
	for i := range ts {
		if al := ts[i].Album; al != "" {
			k := hashindex.String(NormalizeName(al))
			if l := albumArtists[k]; len(l) < 64 && !slices.Contains(l, c.Artist[i]) {
				albumArtists[k] = append(l, c.Artist[i])
			}
		}
	}
	votes := make([]regionVotes, na)
	for i := range ts {
		a := c.Artist[i]
		if tagged[a] {
			continue
		}
		if votes[a] == nil {
			votes[a] = regionVotes{}
		}
		v := votes[a]
		t := &ts[i]
		for _, g := range t.Genres {
			if r := tagRegion(g); r != regionUnknown {
				v[r] += 2
			}
			for r, w := range labelVotes[NormalizeTag(g)] {
				v[r] += w
			}
		}
		if r := titleRegion(t.Title); r != regionUnknown {
			v[r] += 1.5
		}
		for _, other := range t.Artists[min(1, len(t.Artists)):] {
			if o, ok := artistIndex[NormalizeName(other)]; ok && tagged[o] {
				v[artistRegion[o]]++
			}
		}
		if t.Album != "" {
			for _, o := range albumArtists[hashindex.String(NormalizeName(t.Album))] {
				if o != a && tagged[o] {
					v[artistRegion[o]]++
				}
			}
		}
	}
	for a, v := range votes {
		if r, _ := v.best(); !tagged[a] {
			artistRegion[a] = r
		}
	}
	for i := range out {
		out[i] = artistRegion[c.Artist[i]]
	}
	return out, names
}

// labelRegionShares returns, per label, the share of each region among the
// tagged artists' tracks under it; labels spread over many regions (pop,
// hip hop) give weak votes, regional labels strong ones.
func labelRegionShares(c *Catalog, ts []music.Track, artistRegion []uint8, tagged []bool) map[string]regionVotes {
	counts := map[string]regionVotes{}
	for i := range ts {
		a := c.Artist[i]
		if !tagged[a] {
			continue
		}
		for _, g := range ts[i].Genres {
			k := NormalizeTag(g)
			if counts[k] == nil {
				counts[k] = regionVotes{}
			}
			counts[k][artistRegion[a]]++
		}
	}
	// Only a regional label votes ("sertanejo", "k-pop": most of its tagged
	// artists share a region other than international). A generic label
	// ("pop") says nothing about an untagged artist's language: most of its
	// tagged artists are international, but the untagged ones under it are
	// often not (Hindi, Spanish covers).
	for k, v := range counts {
		best, share := v.best()
		if best == regionIntl || best == regionUnknown || share < 0.5 {
			delete(counts, k)
			continue
		}
		counts[k] = regionVotes{best: share}
	}
	return counts
}

// titleRegion guesses a region from a title's script (Hangul, kana, Han,
// Devanagari, Arabic, Cyrillic, Greek, Hebrew) or from common function
// words of a language (two of them at least), for artists nothing else
// places. English titles give regionUnknown (no evidence either way).
func titleRegion(title string) uint8 {
	for _, r := range title {
		switch {
		case r >= 0xAC00 && r <= 0xD7AF || r >= 0x1100 && r <= 0x11FF:
			return regionByWord["korean"]
		case r >= 0x3040 && r <= 0x30FF:
			return regionByWord["japanese"]
		case r >= 0x4E00 && r <= 0x9FFF:
			return regionByWord["chinese"]
		case r >= 0x0900 && r <= 0x0DFF:
			return regionByWord["indian"]
		case r >= 0x0600 && r <= 0x06FF:
			return regionByWord["arabic"]
		case r >= 0x0400 && r <= 0x04FF:
			return regionByWord["russian"]
		case r >= 0x0370 && r <= 0x03FF:
			return regionByWord["greek"]
		case r >= 0x0590 && r <= 0x05FF:
			return regionByWord["israeli"]
		}
	}
	v := regionVotes{}
	for _, w := range strings.Fields(NormalizeName(title)) {
		if r, ok := titleWordRegion[w]; ok {
			v[r]++
		}
	}
	if r, _ := v.best(); v[r] >= 2 {
		return r
	}
	return regionUnknown
}

// titleWordRegion: function words frequent in one language's titles and
// rare in English ones.
var titleWordRegion = func() map[string]uint8 {
	m := map[string]uint8{}
	// In order: a word listed twice belongs to the first language.
	for _, l := range []struct{ region, words string }{
		{"latin", "el la los las que mi tu te por con para amor corazon sin mas como una yo vida quiero eres esta noche"},
		{"brazil", "voce nao meu minha pra coracao saudade eu seu sua ela ele bem tudo"},
		{"italian", "il che di non sono mio mia ti della nel per questa cosa sei"},
		{"french", "le les je pas mon ma et est une des toi moi pour dans qui sur"},
		{"german", "ich du nicht und der die das mein liebe ist ein eine wir mit auf"},
		{"indian", "hai bhi nahi mera tera dil pyaar ke ki se mein tum hum ho jaana kya yeh tujhe mujhe"},
		{"turkish", "bir ben sen ve ne gibi ask seni beni"},
	} {
		r := regionByWord[l.region]
		for _, w := range strings.Fields(l.words) {
			if _, dup := m[w]; !dup {
				m[w] = r
			}
		}
	}
	return m
}()

// The explicit estimate: a logistic regression on five features of a track,
//
//	logit(artist's flagged share), logit(its labels' flagged share),
//	explicit words in the title, clean words in the title, speechiness,
//
// with the shares smoothed toward the catalog's rate (Beta prior of weight
// explicitPrior) and computed leave-one-out for flagged tracks, so a track
// never predicts itself. It is fitted on one half of the flagged tracks (by
// a hash of the id) and the threshold is chosen on the other half: the
// lowest estimate whose precision there is at least explicitMinPrecision,
// favouring recall, since kids mode would rather drop a clean track than
// play an explicit one.
const (
	explicitPrior        = 4.0
	explicitMinPrecision = 0.6
	explicitFeatures     = 6 // with the bias
)

var (
	explicitTitleWords = []string{"explicit", "feat", "ft", "uncensored", "dirty"}
	cleanTitleWords    = []string{"clean", "radio edit", "censored", "kids", "lullaby", "instrumental", "karaoke"}
)

type explicitCounts struct{ yes, n float64 }

func deriveExplicit(c *Catalog, ts []music.Track, d *Derived) {
	n := len(ts)
	d.ExplicitP = make([]uint8, n)
	byArtist := map[int32]*explicitCounts{}
	byLabel := map[string]*explicitCounts{}
	var all explicitCounts
	known := func(i int) (float64, bool) {
		switch ts[i].Explicit {
		case music.ExplicitYes:
			return 1, true
		case music.ExplicitNo:
			return 0, true
		}
		return 0, false
	}
	add := func(m *explicitCounts, y float64) { m.yes += y; m.n++ }
	for i := range ts {
		y, ok := known(i)
		if !ok {
			continue
		}
		add(&all, y)
		a := c.Artist[i]
		if byArtist[a] == nil {
			byArtist[a] = &explicitCounts{}
		}
		add(byArtist[a], y)
		for _, g := range ts[i].Genres {
			k := NormalizeTag(g)
			if byLabel[k] == nil {
				byLabel[k] = &explicitCounts{}
			}
			add(byLabel[k], y)
		}
	}
	if all.n == 0 {
		d.ExplicitCut = 255 // nothing known: no estimate says explicit
		return
	}
	base := all.yes / all.n
	smoothed := func(m *explicitCounts, y float64, self bool) float64 {
		yes, cnt := 0.0, 0.0
		if m != nil {
			yes, cnt = m.yes, m.n
		}
		if self { // leave the track itself out
			yes, cnt = yes-y, cnt-1
		}
		return (yes + explicitPrior*base) / (cnt + explicitPrior)
	}
	feats := make([][explicitFeatures]float64, n)
	for i := range ts {
		y, self := known(i)
		t := &ts[i]
		la := logit(smoothed(byArtist[c.Artist[i]], y, self))
		ll, nl := 0.0, 0
		for _, g := range t.Genres {
			ll += logit(smoothed(byLabel[NormalizeTag(g)], y, self))
			nl++
		}
		if nl > 0 {
			ll /= float64(nl)
		} else {
			ll = logit(base)
		}
		title := NormalizeName(t.Title)
		speech := 0.0
		if music.IsKnown(t.Features.Speechiness) {
			speech = float64(t.Features.Speechiness)
		}
		feats[i] = [explicitFeatures]float64{1, la, ll, boolF(hasAnyWord(title, explicitTitleWords)),
			boolF(hasAnyWord(title, cleanTitleWords)), speech}
	}
	var train, test []int
	for i := range ts {
		if _, ok := known(i); !ok {
			continue
		}
		if hashindex.String(string(ts[i].ID))%2 == 0 {
			train = append(train, i)
		} else {
			test = append(test, i)
		}
	}
	w := fitLogistic(feats, train, func(i int) float64 { y, _ := known(i); return y })
	for i := range feats {
		d.ExplicitP[i] = uint8(math.Round(255 * sigmoid(dot6(w, feats[i]))))
	}
	chooseExplicitCut(d, test, func(i int) bool { y, _ := known(i); return y == 1 })
}

// chooseExplicitCut sets the lowest threshold whose precision on the held-out
// tracks reaches explicitMinPrecision (most recall at acceptable precision).
func chooseExplicitCut(d *Derived, test []int, yes func(int) bool) {
	d.ExplicitHeldOut = len(test)
	positives := 0
	for _, i := range test {
		if yes(i) {
			positives++
		}
	}
	sorted := slices.Clone(test)
	sort.SliceStable(sorted, func(a, b int) bool { return d.ExplicitP[sorted[a]] > d.ExplicitP[sorted[b]] })
	d.ExplicitCut = 255
	tp, fp := 0, 0
	for k, i := range sorted {
		if yes(i) {
			tp++
		} else {
			fp++
		}
		// Only cut between distinct estimates.
		if k+1 < len(sorted) && d.ExplicitP[sorted[k+1]] == d.ExplicitP[i] {
			continue
		}
		if float64(tp)/float64(tp+fp) >= explicitMinPrecision && positives > 0 {
			d.ExplicitCut = max(d.ExplicitP[i], 1)
			d.ExplicitPrecision = float32(tp) / float32(tp+fp)
			d.ExplicitRecall = float32(tp) / float32(positives)
		}
	}
}

// fitLogistic fits weights by batch gradient descent with a small L2
// penalty; five features need nothing more.
func fitLogistic(x [][explicitFeatures]float64, rows []int, y func(int) float64) [explicitFeatures]float64 {
	var w [explicitFeatures]float64
	if len(rows) == 0 {
		return w
	}
	const steps, rate, l2 = 500, 0.1, 1e-4
	for range steps {
		var grad [explicitFeatures]float64
		for _, i := range rows {
			e := sigmoid(dot6(w, x[i])) - y(i)
			for k := range grad {
				grad[k] += e * x[i][k]
			}
		}
		for k := range w {
			w[k] -= rate * (grad[k]/float64(len(rows)) + l2*w[k])
		}
	}
	return w
}

func dot6(w, x [explicitFeatures]float64) float64 {
	var s float64
	for k := range w {
		s += w[k] * x[k]
	}
	return s
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// logit is clipped to ±5 (p in 0.007..0.993), which keeps the gradient
// descent stable at a fixed rate.
func logit(p float64) float64 {
	p = min(max(p, 0.0067), 1-0.0067)
	return math.Log(p / (1 - p))
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func hasAnyWord(s string, words []string) bool {
	for _, w := range words {
		if containsWords(s, w) {
			return true
		}
	}
	return false
}
