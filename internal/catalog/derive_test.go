package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/continuo/continuo/internal/music"
)

func TestIsHoliday(t *testing.T) {
	tests := []struct {
		title, album string
		genres, tags []string
		want         bool
	}{
		{title: "Jingle Bell Rock", want: true},
		{title: "Frosty The Snowman", album: "Pop Fun", want: true},
		{title: "Run Rudolph Run", want: true},
		{title: "A Great Big Sled", album: "Rock n Roll Christmas", want: true},
		{title: "Song", genres: []string{"christmas"}, want: true},
		{title: "Song", tags: []string{"christmas product"}, want: true},
		{title: "Holiday", album: "Madonna", want: false},
		{title: "Holiday", album: "American Idiot", want: false},
		{title: "You Never Can Tell", album: "Christmas time but not Christmas songs 2022", want: false},
		{title: "Respect", album: "I Never Loved a Man", want: false},
		{title: "Noelle", want: false}, // a name, not "Noël"
	}
	for _, tc := range tests {
		tr := music.Track{Title: tc.title, Album: tc.album, Genres: tc.genres, Tags: tc.tags}
		assert.Equal(t, tc.want, isHoliday(&tr), "%q on %q", tc.title, tc.album)
	}
}

func TestTitleRegion(t *testing.T) {
	tests := []struct {
		title, want string
	}{
		{"Chupana Bhi Nahi Aata", "indian"},
		{"Por fin ya veo la luz", "latin"},
		{"사랑해", "korean"},
		{"Losing My Religion", ""},
		{"La La Land", "latin"}, // a known false positive of the word rule
	}
	names := regionNames()
	for _, tc := range tests {
		assert.Equal(t, tc.want, names[titleRegion(tc.title)], tc.title)
	}
}

func TestDeriveExplicitHeldOut(t *testing.T) {
	// Artist A: all flagged; B: none. Unknown tracks of A get a high
	// estimate, of B a low one, and the threshold separates them.
	c := &Catalog{Artists: []string{"a", "b"}}
	for i := range 400 {
		a := int32(i % 2)
		ex := music.ExplicitNo
		if a == 0 {
			ex = music.ExplicitYes
		}
		if i >= 360 {
			ex = music.ExplicitUnknown
		}
		c.tracks = append(c.tracks, music.Track{ID: music.TrackID(string(rune('A'+i%26)) + string(rune('a'+i/26))), Title: "t", Artists: []string{c.Artists[a]}, Genres: []string{"rap"}, Explicit: ex})
		c.Artist = append(c.Artist, a)
		c.Family = append(c.Family, 0)
	}
	d := Derive(c)
	c.Derived = d
	assert.Greater(t, d.ExplicitHeldOut, 100)
	assert.InDelta(t, 1, d.ExplicitPrecision, 0.01)
	assert.InDelta(t, 1, d.ExplicitRecall, 0.01)
	for i := 360; i < 400; i++ {
		assert.Equal(t, c.Artist[i] == 0, c.ExplicitEstimated(i), "row %d", i)
	}
}
