package resolve

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// understandTracks are small cases of the rules of Understand: a title
// that names an artist (Grizfolk's "Bob Marley"), an obscure band named
// like a famous title (Take/Five), an album of several titles next to a
// single of the same name, a work in title segments, genres and a mood
// word that is also a title.
func understandTracks() []music.Track {
	tr := func(title, album string, pop int8, genres []string, artists ...string) music.Track {
		return music.Track{Title: title, Album: album, Popularity: pop, Genres: genres, Artists: artists}
	}
	reggae, jazz, pop := []string{"reggae"}, []string{"jazz"}, []string{"pop"}
	classical := []string{"classical"}
	return []music.Track{
		0:  tr("Three Little Birds", "Exodus", 78, reggae, "Bob Marley & The Wailers"),
		1:  tr("Could You Be Loved", "Uprising", 77, reggae, "Bob Marley & The Wailers"),
		2:  tr("Bob Marley", "Waking Up The Giants", 56, pop, "Grizfolk"),
		3:  tr("Take Five", "Time Out", 66, jazz, "The Dave Brubeck Quartet"),
		4:  tr("Cherry", "", 40, pop, "Take/Five"),
		5:  tr("Moments", "", 38, pop, "Take/Five"),
		6:  tr("So What", "Kind Of Blue (Legacy Edition)", 61, jazz, "Miles Davis"),
		7:  tr("Blue in Green", "Kind Of Blue (Legacy Edition)", 63, jazz, "Miles Davis"),
		8:  tr("Kind of Blue", "Kind of Blue", 32, pop, "Hellberg"),
		9:  tr("Tchaikovsky: The Nutcracker, Op. 71: March", "", 52, classical, "Pyotr Ilyich Tchaikovsky"),
		10: tr("Waltz of the Flowers from The Nutcracker", "", 50, classical, "Pyotr Ilyich Tchaikovsky"),
		11: tr("Lullaby", "Lullaby", 70, pop, "R3HAB"),
		12: tr("Calm Down", "", 69, pop, "Rema"),
		13: tr("HUMBLE.", "DAMN.", 84, []string{"hip hop"}, "Kendrick Lamar"),
		14: tr("HUMBLE. - SKRILLEX REMIX", "", 71, []string{"edm"}, "Skrillex", "Kendrick Lamar"),
		15: tr("HUMBLE. (Clean)", "", 40, []string{"hip hop"}, "Kendrick Lamar"),
	}
}

func TestUnderstand(t *testing.T) {
	ix := NewIndex(understandTracks())
	cases := []struct {
		query string
		kind  Kind
		row   int // -1: the engine picks
		mood  string
		genre string
	}{
		{"bob marley", KindArtist, 0, "", ""}, // not Grizfolk's song
		{"play some bob marley please", KindArtist, 0, "", ""},
		{"bob marly", KindArtist, 0, "", ""},             // typo
		{"take five", KindTrack, 3, "", ""},              // the famous title, not the obscure band
		{"kind of blue", KindAlbum, 7, "", ""},           // the album, not the single
		{"the nutcracker", KindAlbum, 9, "", ""},         // a work in title segments
		{"kendrick lamar humble", KindTrack, 13, "", ""}, // not the remix
		{"calm down", KindTrack, 12, "", ""},             // a title with a mood word
		{"lullaby", KindMood, -1, "calm", ""},            // a mood, never a title alone
		{"something calm", KindMood, -1, "calm", ""},
		{"musique calme", KindMood, -1, "calm", ""},
		{"music to wake me up", KindMood, -1, "lively", ""},
		{"some jazz", KindGenre, -1, "", "jazz"},
		{"jazz por favor", KindGenre, -1, "", "jazz"},
		{"calm jazz", KindGenre, -1, "calm", "jazz"},
		{"play music", KindContinue, -1, "", ""},
		{"", KindContinue, -1, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := ix.Understand(tc.query, 3)
			require.NotEmpty(t, got)
			c := got[0]
			assert.Equal(t, tc.kind, c.Kind, "%+v", c)
			assert.Equal(t, tc.row, c.Row)
			assert.Equal(t, tc.mood, c.Mood)
			assert.Equal(t, tc.genre, c.Genre)
			assert.GreaterOrEqual(t, c.Confidence, PlayConfidence)
		})
	}
}

func TestUnderstandRefusesWeakMatches(t *testing.T) {
	ix := NewIndex(understandTracks())
	got := ix.Understand("zzyzx qqwwee", 3)
	assert.Empty(t, got, "nothing matches")
	got = ix.Understand("zzyzx marley qqq", 3)
	require.NotEmpty(t, got)
	assert.Less(t, got[0].Confidence, PlayConfidence, "one word of three is a guess: %+v", got[0])
}

func TestVersions(t *testing.T) {
	ix := NewIndex(understandTracks())
	assert.Equal(t, []int{15}, ix.Versions(13), "the clean version; the remix is Skrillex's")
	assert.Equal(t, []int{13}, ix.Versions(15))
	assert.Empty(t, ix.Versions(3))
	assert.Empty(t, ix.Versions(-1))
	assert.Empty(t, ix.Versions(99))
}

func FuzzUnderstand(f *testing.F) {
	for _, s := range []string{
		"bob marley", "kind of blue", "something calm", "jazz por favor", "", "play", "play play play",
		"\xff\xfe", "ΣΊΣΥΦΟΣ", strings.Repeat("calm ", 100), "the the the", "a\x00b", "música tranquila",
		"put something on", "hip-hop", "r&b", "songs by", "by",
	} {
		f.Add(s, 3)
	}
	ix := NewIndex(append(understandTracks(), testTracks()...))
	f.Fuzz(func(t *testing.T, q string, limit int) {
		limit %= 20
		got := ix.Understand(q, limit)
		require.LessOrEqual(t, len(got), max(limit, 0))
		for i, c := range got {
			require.Contains(t, []Kind{KindTrack, KindArtist, KindAlbum, KindGenre, KindMood, KindContinue}, c.Kind)
			require.True(t, c.Confidence >= 0 && c.Confidence <= 1, "confidence %v", c.Confidence)
			require.LessOrEqual(t, c.Confidence, got[0].Confidence, "the first reading is the most confident")
			if c.Row < 0 {
				require.Contains(t, []Kind{KindGenre, KindMood, KindContinue}, c.Kind, "reading %d has no row", i)
			} else {
				require.Less(t, c.Row, ix.Len())
			}
			for _, r := range c.Rows {
				require.True(t, r >= 0 && r < ix.Len())
			}
		}
	})
}
