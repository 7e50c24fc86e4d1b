package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTracksFit120Columns(t *testing.T) {
	long := strings.Repeat("Symphony No. 9 in D Minor, Op. 125 ", 4)
	ts := []Track{{
		Title: long, Artists: []string{"Ludwig van Beethoven", "Berliner Philharmoniker", "Herbert von Karajan"},
		Genres: []string{"classical", "romantic era", "orchestral", "german romanticism"}, Score: 0.93,
		Reason: "same genre family as Coriolan Overture, calm like your last three tracks, and you liked Beethoven",
	}}
	var narrow, wide bytes.Buffer
	require.NoError(t, Tracks(&narrow, ts))
	require.NoError(t, TracksWide(&wide, ts))
	for _, line := range strings.Split(strings.TrimSpace(narrow.String()), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), Width, "%q", line)
	}
	assert.Contains(t, narrow.String(), "…")
	assert.Contains(t, wide.String(), long, "--wide clips nothing")
	assert.Contains(t, wide.String(), ts[0].Reason)
}

func TestClip(t *testing.T) {
	assert.Equal(t, "abc", Clip("abc", 3))
	assert.Equal(t, "ab…", Clip("abcd", 3))
	assert.Equal(t, "", Clip("abcd", 0))
}
