package recommend_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// Tests on the real embedded catalog: the behaviour a driver notices.

func defaultCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	require.NoError(t, err)
	return c
}

// swanLakeScene finds the famous Act 2 Scène (Tchaikovsky) in the catalog.
func swanLakeScene(t *testing.T, c *catalog.Catalog) int {
	t.Helper()
	for i := range c.Len() {
		tr := c.Track(i)
		title := strings.ToLower(tr.Title)
		if strings.Contains(title, "swan lake") && strings.Contains(title, "scene") &&
			strings.Contains(strings.ToLower(tr.PrimaryArtist()), "tchaikovsky") {
			return i
		}
	}
	t.Fatal("no Swan Lake scene in the default catalog")
	return -1
}

func TestDefaultCatalogSwanLake(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	seed := swanLakeScene(t, c)
	classical := uint8(slices.Index(c.Families, "classical"))
	for _, mood := range []string{"", recommend.MoodCalm, recommend.MoodSteady, recommend.MoodLively} {
		t.Run("mood="+mood, func(t *testing.T) {
			ps, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: 10, Mood: mood})
			require.NoError(t, err)
			require.Len(t, ps, 10)
			artists := map[int32]bool{}
			for _, p := range ps {
				assert.Equal(t, "classical", c.Families[c.Family[p.Row]], "%s by %s", c.Title(p.Row), c.PrimaryArtist(p.Row))
				artists[c.Artist[p.Row]] = true
			}
			assert.GreaterOrEqual(t, len(artists), 7, "distinct artists")
			assert.Equal(t, 10, countFamily(c, ps, classical))
		})
	}
	ex := e.Explain(firstOther(c, classical, seed), recommend.Request{Seeds: []int{seed}})
	assert.Contains(t, ex, "same genre family as Swan Lake, Op. 20")
	assert.Contains(t, ex, "classical")
}

func firstOther(c *catalog.Catalog, fam uint8, not int) int {
	for i := range c.Len() {
		if c.Family[i] == fam && i != not {
			return i
		}
	}
	return -1
}

func TestDefaultCatalogTrackNotInCatalog(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	tests := []struct {
		genres []string
		family string
	}{
		{[]string{"Klassik"}, "classical"},
		{[]string{"classical", "romantic era"}, "classical"},
		{[]string{"Hip-Hop"}, "hip hop"},
		{[]string{"bebop"}, "jazz"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.genres, ","), func(t *testing.T) {
			if c.FamilyOf(tc.genres) < 0 {
				t.Skipf("catalog maps %v to no family", tc.genres)
			}
			ps, err := e.Recommend(recommend.Request{N: 10, Explicit: true, Session: []recommend.Played{
				{Row: -1, Genres: tc.genres, Outcome: music.OutcomeCompleted},
			}})
			require.NoError(t, err)
			require.Len(t, ps, 10)
			n := 0
			for _, p := range ps {
				if c.Families[c.Family[p.Row]] == tc.family {
					n++
				}
			}
			assert.GreaterOrEqual(t, n, 8, "picks in %s", tc.family)
			assert.Contains(t, ps[0].Reason, "fits the genres just played")
		})
	}
}

func TestDefaultCatalogColdStart(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	a, err := e.Recommend(recommend.Request{N: 10})
	require.NoError(t, err)
	b, err := e.Recommend(recommend.Request{N: 10})
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.GreaterOrEqual(t, countFamily(c, a, c.Family[a[0].Row]), 9)
	assert.LessOrEqual(t, maxPerArtistIn10(c, a), 2)
	for _, p := range a {
		assert.NotEqual(t, music.ExplicitYes, c.Explicit(p.Row))
	}
}

// TestFewArtistsLibraryStaysCoherent: in a library of two composers and a
// rock band, the artist cap gives way before genre coherence does.
func TestFewArtistsLibraryStaysCoherent(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	var rows []int
	for _, name := range []string{"Pyotr Ilyich Tchaikovsky", "Wolfgang Amadeus Mozart", "Metallica"} {
		n := 0
		for i := range c.Len() {
			if n < 8 && c.PrimaryArtist(i) == name {
				rows = append(rows, i)
				n++
			}
		}
		require.Equal(t, 8, n, name)
	}
	sub := c.Subset(rows)
	e := recommend.New(sub, recommend.Options{})
	// In season: three of the eight Tchaikovsky tracks are Nutcracker numbers
	// from Christmas albums, which out of season would leave the library too
	// small for this test's point.
	december := time.Date(2026, time.December, 20, 12, 0, 0, 0, time.UTC)
	picks, err := e.Recommend(recommend.Request{Session: []recommend.Played{{Row: 0, Outcome: music.OutcomePlaying, Feedback: music.Like}}, N: 10, Explicit: true, Now: december})
	require.NoError(t, err)
	require.Len(t, picks, 10)
	for _, p := range picks {
		assert.NotEqual(t, "Metallica", sub.PrimaryArtist(p.Row), "pick %q", sub.Title(p.Row))
	}
}
