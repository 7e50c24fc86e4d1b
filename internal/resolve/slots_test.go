package resolve

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// TestUnderstandParsed: requests as a voice assistant passes them, with a
// service, a sort, a year and "X by Y": the parser's slots decide.
func TestUnderstandParsed(t *testing.T) {
	tracks := append(understandTracks(),
		music.Track{Title: "Femme Fatale", Popularity: 45, Genres: []string{"electronic"}, Artists: []string{"Bonobo"}},
		music.Track{Title: "Kiara", Popularity: 50, Genres: []string{"electronic"}, Artists: []string{"Bonobo"}},
		music.Track{Title: "Spotify", Popularity: 30, Genres: []string{"pop"}, Artists: []string{"Femme"}},
		music.Track{Title: "Hide and Seek", Popularity: 60, Genres: []string{"pop"}, Artists: []string{"Imogen Heap"}},
		music.Track{Title: "Newest Song", Popularity: 20, Genres: []string{"pop"}, Artists: []string{"Someone Else"}},
		music.Track{Title: "Humble", Popularity: 10, Genres: []string{"pop"}, Artists: []string{"Humble"}},
	)
	ix := NewIndex(tracks)
	row := func(title string) int {
		for i := range tracks {
			if tracks[i].Title == title {
				return i
			}
		}
		t.Fatalf("no %q", title)
		return -1
	}
	cases := []struct {
		query  string
		kind   Kind
		artist string
		row    int // -1: any row of the artist
	}{
		{"play Femme Fatale by Bonobo on Spotify", KindTrack, "bonobo", row("Femme Fatale")},
		{"Play Femme Fatale by Bonobo.", KindTrack, "bonobo", row("Femme Fatale")},
		{"play the newest song by Imogen Heap on Spotify", KindArtist, "imogen heap", -1},
		{"play a tune by Bonobo from the seventies on Deezer", KindArtist, "bonobo", -1},
		{"play Martha My Dear by Bonobo", KindArtist, "bonobo", -1}, // a title the catalog lacks: the artist named
		{"play Three Little Birds by Bob Marley", KindTrack, "bob marley the wailers", row("Three Little Birds")},
		{"humble", KindTrack, "kendrick lamar", row("HUMBLE.")}, // one word, no structure: the famous title
	}
	for _, c := range cases {
		got := ix.Understand(c.query, 3)
		require.NotEmpty(t, got, c.query)
		assert.Equal(t, c.kind, got[0].Kind, c.query)
		assert.Equal(t, c.artist, got[0].Artist, c.query)
		assert.GreaterOrEqual(t, got[0].Confidence, PlayConfidence, c.query)
		if c.row >= 0 {
			assert.Equal(t, c.row, got[0].Row, c.query)
		}
	}
}
