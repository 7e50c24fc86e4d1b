package resolve

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Scène", "scene"},
		{"  Swan Lake, Op. 20, Act 2: No. 10 Scène. Moderato ", "swan lake op 20 act 2 no 10 scene moderato"},
		{"Ænima", "aenima"},
		{"Straße", "strasse"},
		{"Sigur Rós – Hoppípolla", "sigur ros hoppipolla"},
		{"Björk", "bjork"},
		{"Don't Stop Me Now", "dont stop me now"},
		{"Don’t", "dont"},
		{"Sunflower - Spider-Man: Into the Spider-Verse", "sunflower spider man into the spider verse"},
		{"ﬁnale²", "finale2"},
		{"Łódź Øresund", "lodz oresund"},
		{"ΣΊΣΥΦΟΣ", "σισυφοσ"},
		{"Чайковский", "чаиковскии"}, // й is и + breve: folded like any accent
		{"AC/DC", "ac dc"},
		{"\xff\xfeabc\xffdef", "abc def"},
		{"\xf3\u014f", "o"}, // found by FuzzSearch: an invalid byte kept norm from decomposing ŏ
		{"", ""},
		{"!!! ...", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Normalize(tt.in))
		})
	}
}

// testTracks mixes real titles from the shared data (Tchaikovsky's Swan Lake
// as several datasets spell it, Post Malone's Sunflower with its two
// credited artists) with near misses that a sloppy matcher would pick.
func testTracks() []music.Track {
	tr := func(title, album string, pop int8, artists ...string) music.Track {
		return music.Track{Title: title, Artists: artists, Album: album, Popularity: pop}
	}
	return []music.Track{
		0:  tr("Swan Lake, Op. 20, Act 2: No. 10 Scène. Moderato", "Swan Lake", 55, "Pyotr Ilyich Tchaikovsky"),
		1:  tr("Swan Lake, Op. 20, TH.12 / Act 3: No. 21 Danse espagnole (Allegro non troppo. Tempo di bolero)", "", 30, "Pyotr Ilyich Tchaikovsky", "National Philharmonic Orchestra", "Richard Bonynge"),
		2:  tr("Sunflower - Spider-Man: Into the Spider-Verse", "Hollywood's Bleeding", 87, "Post Malone", "Swae Lee"),
		3:  tr("Sunflower", "", 51, "Sara Farell"),
		4:  tr("China Cat Sunflower >", "", 29, "Greensky Bluegrass"),
		5:  tr("Behind the Scenes", "", 60, "The Lake Swimmers"),
		6:  tr("The Nutcracker, Op. 71: Waltz of the Flowers", "The Nutcracker", 50, "Pyotr Ilyich Tchaikovsky"),
		7:  tr("Piano Concerto No. 21 in C Major, K. 467: II. Andante", "", 58, "Wolfgang Amadeus Mozart"),
		8:  tr("Lake Shore Drive", "", 45, "Aliotta Haynes Jeremiah"),
		9:  tr("Swan Song", "", 70, "Dua Lipa"),
		10: tr("Circles", "Hollywood's Bleeding", 85, "Post Malone"),
		11: tr("Play", "", 40, "Jax Jones"),
		12: tr("Swan Lake Suite, Op. 20a: I. Scene", "", 4, "Pyotr Ilyich Tchaikovsky"),
		13: tr("Ænima", "Ænima", 50, "Tool"),
		14: tr("Hoppípolla", "Takk...", 60, "Sigur Rós"),
		15: tr("Freak Scene", "Bug", 44, "Dinosaur Jr."),
	}
}

func TestSearchTopResult(t *testing.T) {
	ix := NewIndex(testTracks())
	tests := []struct {
		query string
		want  []int // acceptable top rows
	}{
		{"scene swan lake", []int{0, 12}},
		{"Scène from Swan Lake", []int{0, 12}},
		{"play Scène from Swan Lake please", []int{0, 12}},
		{"tchaikovsky swan lake", []int{0}},
		{"swan lake tchaikovsky", []int{0}},
		{"Scène", []int{0}},  // spelled with the accent: the title with it
		{"scene", []int{15}}, // without: the shortest title wins
		{"SCÈNE swan lake", []int{0}},
		{"tchaikovksy swam lake", []int{0}},
		{"chaikovsky swan lake", []int{0}},
		{"swan lake danse espagnole", []int{1}},
		{"post malone sunflower", []int{2}},
		{"sunflower by post malone", []int{2}},
		{"play sunflower from post malone", []int{2}},
		{"sunflower post malon", []int{2}},
		{"sunflower swae lee", []int{2}},
		{"sunflower", []int{2}}, // "Sunflower - Spider-Man: ..." is all "Sunflower": the popular one wins
		{"nutcracker waltz flowers", []int{6}},
		{"the waltz of the flowers by tchaikovsky", []int{6}},
		{"mozart piano concerto 21", []int{7}},
		{"mozrat piano concerto andante", []int{7}},
		{"circles post malone", []int{10}},
		{"play", []int{11}},
		{"aenima tool", []int{13}},
		{"Ænima", []int{13}},
		{"hoppipolla", []int{14}},
		{"sigur ros hoppipola", []int{14}},
		{"lake shore drive", []int{8}},
		{"swan song dua lipa", []int{9}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := ix.Search(tt.query, 5)
			require.NotEmpty(t, got)
			assert.Contains(t, tt.want, got[0].Row, "top result for %q: %v", tt.query, got)
			for i := 1; i < len(got); i++ {
				assert.GreaterOrEqual(t, got[i-1].Score, got[i].Score, "results must be ordered")
			}
		})
	}
}

func TestSearchPrefersTitleAndArtist(t *testing.T) {
	ix := NewIndex(testTracks())
	got := ix.Search("post malone sunflower", 10)
	require.GreaterOrEqual(t, len(got), 2)
	rank := map[int]int{}
	for i, m := range got {
		rank[m.Row] = i
	}
	require.Contains(t, rank, 3, "title-only match is still a result")
	assert.Less(t, rank[2], rank[3], "title+artist beats title-only")
	assert.Less(t, rank[10], rank[3]+len(got), "artist-only match may follow")
}

func TestSearchNoMatch(t *testing.T) {
	ix := NewIndex(testTracks())
	tests := []struct {
		name  string
		query string
		limit int
	}{
		{"empty", "", 5},
		{"punctuation", " ?!. ", 5},
		{"unknown word", "zzyzx", 5},
		{"fillers never match alone", "play the zzyzx by", 5},
		{"zero limit", "swan lake", 0},
		{"negative limit", "swan lake", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Empty(t, ix.Search(tt.query, tt.limit))
		})
	}
}

func TestSearchLimitAndTies(t *testing.T) {
	ix := NewIndex(testTracks())
	got := ix.Search("tchaikovsky", 2)
	require.Len(t, got, 2)
	// Four Tchaikovsky rows match the artist equally; popularity decides.
	assert.Equal(t, 0, got[0].Row)
	assert.Equal(t, 6, got[1].Row)

	all := ix.Search("tchaikovsky", 100)
	assert.Len(t, all, 4)
	assert.Equal(t, got, all[:2], "a smaller limit is a prefix of a larger one")
}

func TestSearchEmptyIndex(t *testing.T) {
	ix := NewIndex(nil)
	assert.Empty(t, ix.Search("swan lake", 5))
	_, ok := ix.Exact("a", "b")
	assert.False(t, ok)
}

func TestSearchConcurrent(t *testing.T) {
	ix := NewIndex(testTracks())
	want := ix.Search("tchaikovksy swam lake", 3)
	done := make(chan []Match)
	for range 8 {
		go func() {
			var last []Match
			for range 200 {
				last = ix.Search("tchaikovksy swam lake", 3)
			}
			done <- last
		}()
	}
	for range 8 {
		assert.Equal(t, want, <-done)
	}
}

func TestExact(t *testing.T) {
	ix := NewIndex(testTracks())
	tests := []struct {
		artist, title string
		want          int
		ok            bool
	}{
		{"Post Malone", "Sunflower - Spider-Man: Into the Spider-Verse", 2, true},
		{"swae lee", "SUNFLOWER spider man into the spider verse", 2, true},
		{"Sara Farell", "Sunflower", 3, true},
		{"", "Sunflower", 3, true},
		{"Post Malone", "Sunflower", 0, false},
		{"Pyotr Ilyich Tchaikovsky", "Swan Lake, Op. 20, Act 2: No. 10 Scene. Moderato", 0, true},
		{"Tool", "Aenima", 13, true},
		{"Tool", "", 0, false},
		{"Nobody", "Circles", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.artist+"/"+tt.title, func(t *testing.T) {
			got, ok := ix.Exact(tt.artist, tt.title)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestExactPrefersPopular(t *testing.T) {
	ix := NewIndex([]music.Track{
		{Title: "Intro", Artists: []string{"A"}, Popularity: 10},
		{Title: "Intro", Artists: []string{"A"}, Popularity: 70},
		{Title: "Intro", Artists: []string{"B"}, Popularity: 50},
	})
	r, ok := ix.Exact("a", "intro")
	require.True(t, ok)
	assert.Equal(t, 1, r)
	r, ok = ix.Exact("", "intro")
	require.True(t, ok)
	assert.Equal(t, 1, r)
}

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"tchaikovksy", "tchaikovsky", 2, 1},
		{"swam", "swan", 1, 1},
		{"swan", "swan", 1, 0},
		{"mozrat", "mozart", 1, 1},
		{"abc", "xyz", 1, 2},
		{"hoppipola", "hoppipolla", 2, 1},
		{"kitten", "sitting", 3, 3},
		{"ab", "abcdef", 2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			assert.Equal(t, tt.want, osaDistance([]rune(tt.a), tt.b, tt.max))
		})
	}
}

func TestTypoCandidates(t *testing.T) {
	ix := NewIndex(testTracks())
	tests := []struct {
		word string
		want string // expected first candidate, "" for none
	}{
		{"tchaikovksy", "tchaikovsky"},
		{"swam", "swan"},
		{"sunflowr", "sunflower"},
		{"sunflowers", "sunflower"},
		{"malon", "malone"},
		{"chaikovsky", "tchaikovsky"},
		{"lak", ""}, // too short to correct
		{"qqqqqqqq", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			cands, _ := ix.typoCandidates(nil, []byte(tt.word), nil)
			if tt.want == "" {
				assert.Empty(t, cands)
				return
			}
			require.NotEmpty(t, cands)
			assert.Equal(t, tt.want, ix.terms[cands[0].term])
		})
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"scene swan lake", "tchaikovksy swam lake", "Scène", "post malone sunflower",
		"", " ", "\xff\xfe", "ΣΊΣΥΦΟΣ", "ﬁ ß Æ", strings.Repeat("a ", 100), "\u0301\u0301e",
		"a\x00b", "play the song by", "\xf3\u014f",
	} {
		f.Add(s, 5)
	}
	ix := NewIndex(testTracks())
	f.Fuzz(func(t *testing.T, q string, limit int) {
		limit = limit % 50
		got := ix.Search(q, limit)
		if limit <= 0 {
			require.Empty(t, got)
		}
		require.LessOrEqual(t, len(got), max(limit, 0))
		seen := map[int]bool{}
		for _, m := range got {
			require.True(t, m.Row >= 0 && m.Row < ix.Len(), "row %d out of range", m.Row)
			require.False(t, seen[m.Row], "row %d twice", m.Row)
			seen[m.Row] = true
		}
		n := Normalize(q)
		require.True(t, utf8.ValidString(n))
		require.Equal(t, n, Normalize(n), "Normalize is idempotent")
		_, _ = ix.Exact(q, q)
	})
}

// synthTracks builds n tracks whose words come from a Zipf-distributed
// vocabulary of made-up words, like a real catalog's mix of common ("love",
// "op") and rare words. Fixed seed: the same catalog every run.
func synthTracks(n int) []music.Track {
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz"
	vocab := make([]string, 40000)
	for i := range vocab {
		b := make([]byte, 3+rng.IntN(8))
		for j := range b {
			b[j] = letters[rng.IntN(len(letters))]
		}
		vocab[i] = string(b)
	}
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1))
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(w, " ")
	}
	artists := make([]string, n/8)
	for i := range artists {
		artists[i] = fmt.Sprintf("%s %s", vocab[rng.IntN(len(vocab))], vocab[rng.IntN(len(vocab))])
	}
	tracks := make([]music.Track, n)
	for i := range tracks {
		tracks[i] = music.Track{
			Title:      words(1 + rng.IntN(7)),
			Artists:    []string{artists[rng.IntN(len(artists))]},
			Album:      words(1 + rng.IntN(3)),
			Popularity: int8(rng.IntN(101)),
		}
	}
	return tracks
}

// synthQueries are queries as a driver would say them for random tracks:
// some title words plus the artist's surname, some with a typo, some with
// filler words.
func synthQueries(tracks []music.Track, k int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	qs := make([]string, k)
	for i := range qs {
		t := tracks[rng.IntN(len(tracks))]
		title := strings.Fields(t.Title)
		artist := strings.Fields(t.Artists[0])
		q := []string{title[0]}
		if len(title) > 1 {
			q = append(q, title[len(title)-1])
		}
		q = append(q, artist[len(artist)-1])
		if i%3 == 0 { // transpose two letters of one word
			w := []byte(q[0])
			if len(w) >= 5 {
				w[2], w[3] = w[3], w[2]
				q[0] = string(w)
			}
		}
		if i%4 == 0 {
			q = append([]string{"play"}, q...)
			q = append(q[:2], append([]string{"by"}, q[2:]...)...)
		}
		qs[i] = strings.Join(q, " ")
	}
	return qs
}

var sink []Match

func BenchmarkSearch(b *testing.B) {
	tracks := synthTracks(150_000)
	ix := NewIndex(tracks)
	qs := synthQueries(tracks, 1024)
	for _, q := range qs { // grow the reusable buffers to their final size
		sink = ix.Search(q, 10)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		sink = ix.Search(qs[i%len(qs)], 10)
	}
}

func BenchmarkNewIndex(b *testing.B) {
	tracks := synthTracks(150_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = NewIndex(tracks)
	}
}

func TestLowered(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Scène. Moderato", "scène moderato"},
		{"Sce\u0300ne", "scène"}, // decomposed input composes to the same form
		{"Straße", "straße"},
		{"Don’t", "dont"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(appendLowered(nil, tt.in)), tt.in)
	}
}

func TestSearchExactBeatsTypo(t *testing.T) {
	ix := NewIndex([]music.Track{
		0: {Title: "Swan Lake", Artists: []string{"A"}, Popularity: 10},
		1: {Title: "Swam Lake", Artists: []string{"B"}, Popularity: 90},
		2: {Title: "Lake", Artists: []string{"Swans"}, Popularity: 50},
	})
	tests := []struct {
		query string
		want  []int // full ranking
	}{
		{"swan lake", []int{0, 2, 1}},
		{"swam lake", []int{1, 2, 0}},
		// One edit from "swan" (title) and from "swans" (artist): "Lake"
		// by Swans matches title and artist, so it wins.
		{"swann lake", []int{2, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var rows []int
			for _, m := range ix.Search(tt.query, 10) {
				rows = append(rows, m.Row)
			}
			assert.Equal(t, tt.want, rows)
		})
	}
}

// TestSearchScratchResetAndBounded: the accumulators are sized to the
// query, every slot a search set is cleared for the next one, and an idle
// scratch does not keep a broad query's accumulators.
func TestSearchScratchResetAndBounded(t *testing.T) {
	tracks := catalogTracks(t)
	ix := NewIndex(tracks)
	want := ix.Search("tchaikovksy swam lake", 5)
	broad := ix.Search("the love", 5) // touches a large share of the rows
	require.NotEmpty(t, broad)
	assert.Equal(t, want, ix.Search("tchaikovksy swam lake", 5), "a search after a broad one")

	ix.scratch.mu.Lock()
	defer ix.scratch.mu.Unlock()
	require.NotEmpty(t, ix.scratch.idle)
	for _, s := range ix.scratch.idle {
		assert.Len(t, s.slot, len(tracks))
		assert.Empty(t, s.accs)
		assert.LessOrEqual(t, cap(s.accs), maxIdleAccs)
		for r, v := range s.slot {
			if v != 0 {
				t.Fatalf("row %d: slot %d left set", r, v)
			}
		}
	}
}
