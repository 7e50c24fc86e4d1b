package resolve_test

import (
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/resolve"
)

// The request table: real requests as drivers say them, with what they must
// start. want is the expected primary artist (normalised, a word-aligned
// part of the chosen track's primary artist: "bob marley" accepts "Bob
// Marley & The Wailers") for track, artist and album requests, the genre
// label for genre requests and the mood for mood requests. class groups the
// rows for the accuracy report (typo, accents and multilingual rows are
// classes of their own whatever their kind).
type request struct {
	class string
	query string
	kind  resolve.Kind
	want  string
}

var requests = []request{
	// Artist only: a popular track BY the artist, never a title naming them.
	{"artist", "mozart", resolve.KindArtist, "wolfgang amadeus mozart"},
	{"artist", "metallica", resolve.KindArtist, "metallica"},
	{"artist", "bob marley", resolve.KindArtist, "bob marley"},
	{"artist", "kendrick lamar", resolve.KindArtist, "kendrick lamar"},
	{"artist", "play some beethoven", resolve.KindArtist, "ludwig van beethoven"},
	{"artist", "tchaikovsky", resolve.KindArtist, "pyotr ilyich tchaikovsky"},
	{"artist", "taylor swift", resolve.KindArtist, "taylor swift"},
	{"artist", "the beatles", resolve.KindArtist, "the beatles"},
	{"artist", "queen", resolve.KindArtist, "queen"},
	{"artist", "adele", resolve.KindArtist, "adele"},
	{"artist", "nirvana", resolve.KindArtist, "nirvana"},
	{"artist", "eminem", resolve.KindArtist, "eminem"},
	{"artist", "play drake", resolve.KindArtist, "drake"},
	{"artist", "rihanna", resolve.KindArtist, "rihanna"},
	{"artist", "coldplay", resolve.KindArtist, "coldplay"},
	{"artist", "ed sheeran", resolve.KindArtist, "ed sheeran"},
	{"artist", "miles davis", resolve.KindArtist, "miles davis"},
	{"artist", "johnny cash", resolve.KindArtist, "johnny cash"},
	{"artist", "dolly parton", resolve.KindArtist, "dolly parton"},
	{"artist", "abba", resolve.KindArtist, "abba"},
	{"artist", "daft punk", resolve.KindArtist, "daft punk"},
	{"artist", "bach", resolve.KindArtist, "johann sebastian bach"},
	{"artist", "pink floyd", resolve.KindArtist, "pink floyd"},
	{"artist", "songs by led zeppelin", resolve.KindArtist, "led zeppelin"},
	{"artist", "something by elvis presley", resolve.KindArtist, "elvis presley"},
	{"artist", "frank sinatra", resolve.KindArtist, "frank sinatra"},
	{"artist", "shakira", resolve.KindArtist, "shakira"},
	{"artist", "bad bunny", resolve.KindArtist, "bad bunny"},
	{"artist", "billie eilish", resolve.KindArtist, "billie eilish"},
	{"artist", "the weeknd", resolve.KindArtist, "the weeknd"},
	{"artist", "ac dc", resolve.KindArtist, "ac dc"},
	{"artist", "radiohead", resolve.KindArtist, "radiohead"},
	{"artist", "david bowie", resolve.KindArtist, "david bowie"},
	{"artist", "michael jackson", resolve.KindArtist, "michael jackson"},
	{"artist", "aretha franklin", resolve.KindArtist, "aretha franklin"},

	// Track: title, often with the artist.
	{"track", "kendrick lamar humble", resolve.KindTrack, "kendrick lamar"},
	{"track", "miles davis so what", resolve.KindTrack, "miles davis"},
	{"track", "jolene dolly parton", resolve.KindTrack, "dolly parton"},
	{"track", "take five", resolve.KindTrack, "dave brubeck"},
	{"track", "post malone circles", resolve.KindTrack, "post malone"},
	{"track", "scene swan lake", resolve.KindTrack, "pyotr ilyich tchaikovsky"},
	{"track", "blinding lights", resolve.KindTrack, "the weeknd"},
	{"track", "shape of you", resolve.KindTrack, "ed sheeran"},
	{"track", "bohemian rhapsody by queen", resolve.KindTrack, "queen"},
	{"track", "hotel california", resolve.KindTrack, "eagles"},
	{"track", "smells like teen spirit", resolve.KindTrack, "nirvana"},
	{"track", "billie jean", resolve.KindTrack, "michael jackson"},
	{"track", "despacito", resolve.KindTrack, "luis fonsi"},
	{"track", "lose yourself eminem", resolve.KindTrack, "eminem"},
	{"track", "three little birds", resolve.KindTrack, "bob marley"},
	{"track", "play wonderwall", resolve.KindTrack, "oasis"},
	{"track", "respect aretha franklin", resolve.KindTrack, "aretha franklin"},
	{"track", "ring of fire johnny cash", resolve.KindTrack, "johnny cash"},
	{"track", "losing my religion", resolve.KindTrack, "r e m"},
	{"track", "enter sandman", resolve.KindTrack, "metallica"},
	{"track", "dancing queen", resolve.KindTrack, "abba"},
	{"track", "bad guy billie eilish", resolve.KindTrack, "billie eilish"},
	{"track", "someone like you", resolve.KindTrack, "adele"},
	{"track", "imagine", resolve.KindTrack, "john lennon"},
	{"track", "circles", resolve.KindTrack, "post malone"},

	// Typos, as a speech recogniser or a hurried hand spells them.
	{"typo", "tchaikovksy swam lake", resolve.KindTrack, "pyotr ilyich tchaikovsky"},
	{"typo", "metalica", resolve.KindArtist, "metallica"},
	{"typo", "bob marly", resolve.KindArtist, "bob marley"},
	{"typo", "kendrik lamar", resolve.KindArtist, "kendrick lamar"},
	{"typo", "beethovn", resolve.KindArtist, "ludwig van beethoven"},
	{"typo", "bohemian rapsody", resolve.KindTrack, "queen"},
	{"typo", "smels like teen spirit", resolve.KindTrack, "nirvana"},
	{"typo", "jolene dolly partn", resolve.KindTrack, "dolly parton"},
	{"typo", "coldpaly", resolve.KindArtist, "coldplay"},
	{"typo", "post malon circles", resolve.KindTrack, "post malone"},

	// Accents, with and without.
	{"accents", "beyoncé", resolve.KindArtist, "beyonce"},
	{"accents", "beyonce", resolve.KindArtist, "beyonce"},
	{"accents", "Scène Swan Lake", resolve.KindTrack, "pyotr ilyich tchaikovsky"},
	{"accents", "sigur rós", resolve.KindArtist, "sigur ros"},
	{"accents", "björk", resolve.KindArtist, "bjork"},
	{"accents", "motörhead", resolve.KindArtist, "motorhead"},
	{"accents", "frédéric chopin", resolve.KindArtist, "frederic chopin"},
	{"accents", "dvorak", resolve.KindArtist, "antonin dvorak"},

	// Album or work.
	{"album", "kind of blue", resolve.KindAlbum, "miles davis"},
	{"album", "the nutcracker", resolve.KindAlbum, "pyotr ilyich tchaikovsky"},
	{"album", "swan lake", resolve.KindAlbum, "pyotr ilyich tchaikovsky"},
	{"album", "abbey road", resolve.KindAlbum, "the beatles"},
	{"album", "the dark side of the moon", resolve.KindAlbum, "pink floyd"},
	{"album", "nevermind", resolve.KindAlbum, "nirvana"},
	{"album", "rumours", resolve.KindAlbum, "fleetwood mac"},
	{"album", "the planets", resolve.KindAlbum, "gustav holst"},
	{"album", "la traviata", resolve.KindAlbum, "giuseppe verdi"},

	// Genre.
	{"genre", "some jazz", resolve.KindGenre, "jazz"},
	{"genre", "play rock", resolve.KindGenre, "rock"},
	{"genre", "classical music", resolve.KindGenre, "classical"},
	{"genre", "hip hop", resolve.KindGenre, "hip hop"},
	{"genre", "country music", resolve.KindGenre, "country"},
	{"genre", "reggae", resolve.KindGenre, "reggae"},
	{"genre", "play some salsa", resolve.KindGenre, "salsa"},
	{"genre", "blues", resolve.KindGenre, "blues"},
	{"genre", "rap music", resolve.KindGenre, "hip hop"},
	{"genre", "calm jazz", resolve.KindGenre, "jazz"},

	// Mood or activity: never a title.
	{"mood", "something calm", resolve.KindMood, "calm"},
	{"mood", "lullaby", resolve.KindMood, "calm"},
	{"mood", "lullabies", resolve.KindMood, "calm"},
	{"mood", "music to wake me up", resolve.KindMood, "lively"},
	{"mood", "party music", resolve.KindMood, "lively"},
	{"mood", "something relaxing", resolve.KindMood, "calm"},
	{"mood", "chill music", resolve.KindMood, "calm"},
	{"mood", "upbeat songs", resolve.KindMood, "lively"},
	{"mood", "music for sleeping", resolve.KindMood, "calm"},
	{"mood", "something energetic", resolve.KindMood, "lively"},

	// Other languages.
	{"multilingual", "musique calme", resolve.KindMood, "calm"},
	{"multilingual", "etwas ruhiges", resolve.KindMood, "calm"},
	{"multilingual", "algo tranquilo", resolve.KindMood, "calm"},
	{"multilingual", "jazz por favor", resolve.KindGenre, "jazz"},
	{"multilingual", "musique classique", resolve.KindGenre, "classical"},
	{"multilingual", "spiel etwas ruhiges", resolve.KindMood, "calm"},
	{"multilingual", "pon algo de salsa", resolve.KindGenre, "salsa"},
	{"multilingual", "mets du jazz", resolve.KindGenre, "jazz"},
	{"multilingual", "klassische musik", resolve.KindGenre, "classical"},
	{"multilingual", "musica para dormir", resolve.KindMood, "calm"},
	{"multilingual", "joue mozart", resolve.KindArtist, "wolfgang amadeus mozart"},
	{"multilingual", "spiel metallica bitte", resolve.KindArtist, "metallica"},

	// Nothing in particular: continue.
	{"nothing", "", resolve.KindContinue, ""},
	{"nothing", "play music", resolve.KindContinue, ""},
	{"nothing", "play something", resolve.KindContinue, ""},
	{"nothing", "play some music please", resolve.KindContinue, ""},
	{"nothing", "spiel musik", resolve.KindContinue, ""},
	{"nothing", "put something on", resolve.KindContinue, ""},
}

var (
	fullOnce sync.Once
	fullCat  *catalog.Catalog
	fullWhy  string
)

// fullCatalog is the catalog built from every shared source, once: from
// the snapshot named by $CONTINUO_FULL_CATALOG when set, else from
// ../shared/data beside the clone (the sources of `make full-catalog`),
// cached as a snapshot in the temporary directory under a name that
// changes with the sources' sizes and times, so later test binaries load it
// in a second instead of building it again. Tests skip when neither is there.
func fullCatalog(tb testing.TB) *catalog.Catalog {
	fullOnce.Do(func() {
		fullCat, fullWhy = loadFullCatalog()
	})
	if fullCat == nil {
		tb.Skip(fullWhy)
	}
	return fullCat
}

func loadFullCatalog() (*catalog.Catalog, string) {
	if p := os.Getenv("CONTINUO_FULL_CATALOG"); p != "" {
		c, err := catalog.Load(p)
		if err != nil {
			return nil, fmt.Sprintf("CONTINUO_FULL_CATALOG=%s: %v", p, err)
		}
		return c, ""
	}
	data := filepath.Join("..", "..", "..", "shared", "data")
	sources := []string{
		filepath.Join(data, "tracks_multigenre.csv"),
		filepath.Join(data, "spotify_songs_playlists.csv"),
		filepath.Join(data, "spotify_artist_genres_w_features.csv"),
		filepath.Join(data, "spotify_genre_audio_features.csv"),
		filepath.Join(data, "raw", "richard-ch__Spotify-Popularity-Predictor"),
		filepath.Join(data, "raw", "Cristhianrg1__spotify_song_popularity_prediction"),
	}
	h := fnv.New64a()
	// The cache is keyed by this test binary too: it changes with the
	// catalog build code, so a changed build never reads an old snapshot.
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			_, _ = io.Copy(h, f)
			_ = f.Close()
		}
	}
	for _, s := range sources {
		st, err := os.Stat(s)
		if err != nil {
			return nil, "no shared data at " + data + " (or set CONTINUO_FULL_CATALOG to a snapshot)"
		}
		fmt.Fprintf(h, "%s %d %d\n", s, st.Size(), st.ModTime().UnixNano())
	}
	cached := filepath.Join(os.TempDir(), fmt.Sprintf("continuo-full-%x.catalog", h.Sum64()))
	if c, err := catalog.Load(cached); err == nil {
		return c, ""
	}
	c, _, err := catalog.Build(catalog.BuildOptions{Sources: sources})
	if err != nil {
		return nil, "building the full catalog: " + err.Error()
	}
	// Best effort: without the cache the next run builds again.
	_ = catalog.WriteSnapshot(cached, c)
	return c, ""
}

// outcome is how one request fared.
type outcome struct {
	ok     bool
	conf   float64 // of the first reading
	got    string  // what was started, for the failure message
	before bool    // the Search-based Play of before issue 10 got it right
}

// judge runs one request through Understand, and through Search as Play
// did before.
func judge(cat *catalog.Catalog, ix *resolve.Index, rq request) outcome {
	var o outcome
	cands := ix.Understand(rq.query, 3)
	if len(cands) > 0 {
		c := cands[0]
		o.conf = c.Confidence
		o.got = fmt.Sprintf("%s %q conf %.2f", c.Kind, c.Label, c.Confidence)
		switch rq.kind {
		case resolve.KindGenre:
			o.ok = c.Kind == rq.kind && resolve.Normalize(c.Genre) == rq.want
		case resolve.KindMood:
			o.ok = c.Kind == rq.kind && c.Mood == rq.want
		case resolve.KindContinue:
			o.ok = c.Kind == rq.kind
		default:
			o.ok = c.Kind == rq.kind && c.Row >= 0 && artistIs(cat, c.Row, rq.want) && c.Confidence >= resolve.PlayConfidence
			if c.Row >= 0 {
				o.got += fmt.Sprintf(": %q by %q", cat.Title(c.Row), cat.PrimaryArtist(c.Row))
			}
		}
	}
	o.before = searchPlay(cat, ix, rq)
	return o
}

// searchPlay is whether the Search-based Play (the top search result,
// refused below score 0.5) started something right: a track by the
// artist; a track of the genre; a track of the mood's energy. It had no
// answer for an empty request.
func searchPlay(cat *catalog.Catalog, ix *resolve.Index, rq request) bool {
	ms := ix.Search(rq.query, 1)
	if len(ms) == 0 || ms[0].Score < 0.5 || rq.query == "" {
		return false
	}
	r := ms[0].Row
	switch rq.kind {
	case resolve.KindGenre:
		return slices.ContainsFunc(cat.TrackGenres(r), func(g string) bool { return resolve.Normalize(g) == rq.want })
	case resolve.KindMood:
		e := cat.Mood.Row(r)[catalog.MoodEnergy]
		return rq.want == "calm" && e < -0.5 || rq.want == "lively" && e > 0.5
	case resolve.KindContinue:
		return false
	}
	return artistIs(cat, r, rq.want)
}

// artistIs: want is a word-aligned part of row's normalised primary artist.
func artistIs(cat *catalog.Catalog, row int, want string) bool {
	a := " " + resolve.Normalize(cat.PrimaryArtist(row)) + " "
	return strings.Contains(a, " "+want+" ")
}

// accuracy runs the table and returns per class (right, total, right
// before), logging every miss.
func accuracy(t *testing.T, cat *catalog.Catalog) map[string][3]int {
	ix := resolve.NewIndex(cat.AllTracks())
	acc := map[string][3]int{}
	var cal [2][2]int // [confident][right]
	for _, rq := range requests {
		o := judge(cat, ix, rq)
		cal[b2i(o.conf >= resolve.PlayConfidence)][b2i(o.ok)]++
		a := acc[rq.class]
		a[1]++
		if o.ok {
			a[0]++
		} else {
			t.Logf("miss [%s] %q: want %s %q, got %s", rq.class, rq.query, rq.kind, rq.want, o.got)
		}
		if o.before {
			a[2]++
		}
		acc[rq.class] = a
	}
	t.Logf("calibration: %d of %d readings at confidence >= %.1f are right (Play starts them); %d of %d below are right (Play refuses them)",
		cal[1][1], cal[1][0]+cal[1][1], resolve.PlayConfidence, cal[0][1], cal[0][0]+cal[0][1])
	return acc
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func report(t *testing.T, name string, acc map[string][3]int) {
	classes := make([]string, 0, len(acc))
	for c := range acc {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var b strings.Builder
	fmt.Fprintf(&b, "resolve accuracy on the %s catalog (%d requests)\n", name, len(requests))
	fmt.Fprintf(&b, "| %-12s | %8s | %6s | %6s |\n", "class", "requests", "before", "after")
	fmt.Fprintf(&b, "|%s|%s|%s|%s|\n", strings.Repeat("-", 14), strings.Repeat("-", 10), strings.Repeat("-", 8), strings.Repeat("-", 8))
	for _, c := range classes {
		a := acc[c]
		fmt.Fprintf(&b, "| %-12s | %8d | %6.2f | %6.2f |\n", c, a[1], float64(a[2])/float64(a[1]), float64(a[0])/float64(a[1]))
	}
	t.Log("\n" + b.String())
}

// TestRequestsFullCatalog holds Understand to the targets on the
// full catalog: artist-only requests at least 0.95, every other class at
// least 0.9.
func TestRequestsFullCatalog(t *testing.T) {
	require.GreaterOrEqual(t, len(requests), 80)
	cat := fullCatalog(t)
	acc := accuracy(t, cat)
	report(t, "full", acc)
	for c, a := range acc {
		want := 0.9
		if c == "artist" {
			want = 0.95
		}
		assert.GreaterOrEqual(t, float64(a[0])/float64(a[1]), want, "accuracy of %s requests", c)
	}
}

// defaultMust are the famous requests: the embedded default catalog
// must answer them right.
var defaultMust = []string{
	"mozart", "metallica", "bob marley", "kendrick lamar", "kind of blue", "lullaby", "something calm",
	"kendrick lamar humble", "miles davis so what", "jolene dolly parton", "take five",
	"post malone circles", "the nutcracker", "some jazz",
}

// TestRequestsDefaultCatalog measures the table on the embedded default
// catalog, which holds a sixth of the tracks: the famous requests
// must all be right.
func TestRequestsDefaultCatalog(t *testing.T) {
	cat, err := catalog.Default()
	require.NoError(t, err)
	acc := accuracy(t, cat)
	report(t, "default", acc)
	ix := resolve.NewIndex(cat.AllTracks())
	for _, q := range defaultMust {
		i := slices.IndexFunc(requests, func(r request) bool { return r.query == q })
		require.GreaterOrEqual(t, i, 0, q)
		o := judge(cat, ix, requests[i])
		assert.True(t, o.ok, "%q on the default catalog: got %s", q, o.got)
	}
}

var (
	sinkCands   []resolve.Candidate
	sinkMatches []resolve.Match
)

// benchQueries are the table's requests.
func benchQueries() []string {
	qs := make([]string, len(requests))
	for i, r := range requests {
		qs[i] = r.query
	}
	return qs
}

// BenchmarkUnderstand reads the table's requests on the full catalog; see
// BenchmarkSearchFullCatalog for Search alone on the same requests.
func BenchmarkUnderstand(b *testing.B) {
	ix := resolve.NewIndex(fullCatalog(b).AllTracks())
	qs := benchQueries()
	for _, q := range qs {
		sinkCands = ix.Understand(q, 3)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sinkCands = ix.Understand(qs[i%len(qs)], 3)
	}
}

func BenchmarkSearchFullCatalog(b *testing.B) {
	ix := resolve.NewIndex(fullCatalog(b).AllTracks())
	qs := benchQueries()
	for _, q := range qs {
		sinkMatches = ix.Search(q, 3)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sinkMatches = ix.Search(qs[i%len(qs)], 3)
	}
}
