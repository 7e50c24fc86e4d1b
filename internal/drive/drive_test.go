package drive

import (
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/mpris"
	"github.com/continuo/continuo/internal/music"
)

// The core's behaviour on a bus is tested end to end in internal/daemon;
// these are the pure rules underneath.

func TestOutcome(t *testing.T) {
	st := newState(New(Options{SkipSeconds: 30, SkipShare: 0.5, Logger: zerolog.Nop()}))
	s := time.Second
	cases := []struct {
		name        string
		pos, length time.Duration
		want        music.Outcome
	}{
		{"left at once", 2 * s, 240 * s, music.OutcomeSkipped},
		{"left before the seconds threshold", 29 * s, 240 * s, music.OutcomeSkipped},
		{"past the seconds threshold", 31 * s, 240 * s, music.OutcomeCompleted},
		{"short track: half its length is the threshold", 20 * s, 50 * s, music.OutcomeSkipped},
		{"short track past half", 26 * s, 50 * s, music.OutcomeCompleted},
		{"unknown length: seconds only", 10 * s, 0, music.OutcomeSkipped},
		{"unknown length, long play", 60 * s, 0, music.OutcomeCompleted},
		{"played to the end", 240 * s, 240 * s, music.OutcomeCompleted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, st.outcome(tc.pos, tc.length))
		})
	}
}

func TestMatchMapsPlayerTracksToTheCatalog(t *testing.T) {
	m, err := LoadModel("", "file:///media/music/{id}.ogg")
	require.NoError(t, err)
	c := New(Options{Model: m, Logger: zerolog.Nop()})
	row := m.Index.Search("tchaikovsky swan lake scene", 1)[0].Row
	tr := m.Catalog.Track(row)
	cases := []struct {
		name string
		meta mpris.TrackMeta
		want int
	}{
		{"by URL", mpris.TrackMeta{URL: tr.URI}, row},
		{"by id in an emulator URL", mpris.TrackMeta{URL: "emu:///" + string(tr.ID)}, row},
		{"by id in a trackid", mpris.TrackMeta{TrackID: "/org/example/track/" + string(tr.ID)}, row},
		{"by artist and title", mpris.TrackMeta{TrackID: "/0", URL: "file:///elsewhere/x.flac", Title: tr.Title, Artists: tr.Artists[:1]}, row},
		{"not in the catalog", mpris.TrackMeta{TrackID: "/1", Title: "Unknown Song", Artists: []string{"Nobody"}, Genres: []string{"polka"}}, -1},
		{"nothing at all", mpris.TrackMeta{}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, c.match(tc.meta))
		})
	}
}

func TestCheckProfileAndMood(t *testing.T) {
	for _, p := range []string{"", "a\x00b", string(make([]byte, 65))} {
		assert.Error(t, CheckProfile(p), "%q", p)
	}
	assert.NoError(t, CheckProfile("anna"))
	for _, m := range []string{"", "calm", "steady", "lively"} {
		assert.NoError(t, CheckMood(m))
	}
	assert.Error(t, CheckMood("angry"))
}
