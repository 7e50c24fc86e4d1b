package catalog

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/embed"
)

func TestDefaultCatalog(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	require.GreaterOrEqual(t, c.Len(), 20000)
	assert.GreaterOrEqual(t, len(c.LabelCounts()), 100)
	assert.Equal(t, c.Len(), c.Genre.Rows)
	assert.Equal(t, c.Len(), c.Mood.Rows)
	require.NoError(t, c.Genre.Check())
	require.NoError(t, c.Mood.Check())

	var tchaikovsky, mozart int
	for i := range c.Len() {
		for _, a := range c.TrackArtists(i) {
			switch {
			case strings.Contains(a, "Tchaikovsky"):
				tchaikovsky++
			case a == "Wolfgang Amadeus Mozart":
				mozart++
			}
		}
		row, ok := c.Lookup(c.ID(i))
		require.True(t, ok)
		require.Equal(t, i, row, "ids are unique")
		// A track's genre vector has unit length, so its cosine with itself is 1.
		g := c.Genre.Row(i)
		assert.InDelta(t, 1, embed.Dot(g, g), 1e-3, "row %d", i)
		assert.Less(t, int(c.Family[i]), len(c.Families))
	}
	// 150 distinct Tchaikovsky and 401 Mozart tracks in the data (README).
	assert.GreaterOrEqual(t, tchaikovsky, 150)
	assert.GreaterOrEqual(t, mozart, 401)
	again, err := Default()
	require.NoError(t, err)
	assert.Same(t, c, again, "decoded once")
}

func TestDefaultSwanLake(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	var swan, post = -1, -1
	for i := range c.Len() {
		tr := c.Track(i)
		if swan < 0 && strings.Contains(tr.Title, "Scène") && strings.Contains(tr.PrimaryArtist(), "Tchaikovsky") {
			swan = i
		}
		if post < 0 && tr.PrimaryArtist() == "Post Malone" {
			post = i
		}
	}
	require.GreaterOrEqual(t, swan, 0)
	require.GreaterOrEqual(t, post, 0)
	assert.Equal(t, "classical", c.Families[c.Family[swan]])
	// Post Malone's labels are noisy (pop, hip hop, soul, dance...): only
	// assert he is not classical.
	assert.NotEqual(t, "classical", c.Families[c.Family[post]])
	// The nearest Mozart track is far closer to Swan Lake than Post Malone.
	best := float32(-1)
	for i := range c.Len() {
		if c.PrimaryArtist(i) == "Wolfgang Amadeus Mozart" {
			best = max(best, embed.Dot(c.Genre.Row(swan), c.Genre.Row(i)))
		}
	}
	rap := embed.Dot(c.Genre.Row(swan), c.Genre.Row(post))
	assert.Greater(t, best, rap+0.3, "mozart %.3f vs post malone %.3f", best, rap)
	for d := 0; d < MoodDims; d++ {
		assert.False(t, math.IsNaN(float64(c.Mood.Row(swan)[d])))
	}
}

func TestDefaultPlaylistsAreInTheDefaultCatalog(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	pls, err := DefaultPlaylists()
	require.NoError(t, err)
	require.Len(t, pls, 80)
	for _, p := range pls {
		require.NotEmpty(t, p.Tracks, p.ID)
		for _, id := range p.Tracks {
			_, ok := c.Lookup(id)
			require.True(t, ok, "playlist %s track %s is in the default catalog", p.ID, id)
		}
	}
}

// TestDefaultChecksums verifies the embedded default's section checksums,
// which Default skips at start (openTrusted), and that it has the engine's
// and the resolver's sections, so the daemon computes nothing at start.
func TestDefaultChecksums(t *testing.T) {
	snap, err := parseContainer(defaultBytes())
	require.NoError(t, err)
	require.NoError(t, snap.verifySections(nil))
	for _, name := range []string{"recommend.work", "resolve.postings", "resolve.terms"} {
		_, ok := snap.bytes(name)
		assert.True(t, ok, "section %s (regenerate with make catalog)", name)
	}
}
