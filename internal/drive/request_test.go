package drive

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// startedURIs records what the core asked the player to start: the rule
// under test is which track Play picks, not how a player queues it (the
// daemon tests play into the real emulator, mpv and mpd).
type startedURIs struct{ uris []string }

func (s *startedURIs) Mechanism() string { return "test" }
func (s *startedURIs) PlayNow(_ context.Context, uri string) error {
	s.uris = append(s.uris, uri)
	return nil
}
func (s *startedURIs) Enqueue(context.Context, string) error { return nil }
func (s *startedURIs) Lossy() bool                           { return false }

// kidsModel is the default catalog with the given rows flagged explicit.
func kidsModel(t *testing.T, explicit ...int) Model {
	t.Helper()
	def, err := catalog.Default()
	require.NoError(t, err)
	cat := def.Clone()
	require.NoError(t, catalog.ApplyURITemplate(cat, "emu:///{id}"))
	tracks := slices.Clone(cat.AllTracks())
	for _, r := range explicit {
		tracks[r].Explicit = music.ExplicitYes
	}
	cat = cat.WithTracks(tracks)
	return Model{Catalog: cat, Engine: recommend.New(cat, recommend.Options{}), Index: resolve.NewIndex(tracks)}
}

// songWithVersions finds a row of the default catalog that has other
// recordings of the same song by the same artist.
func songWithVersions(t *testing.T) (int, []int) {
	t.Helper()
	m, err := LoadModel("", "")
	require.NoError(t, err)
	for r := range m.Catalog.Len() {
		if v := m.Index.Versions(r); len(v) > 0 {
			return r, v
		}
	}
	t.Fatal("no song with several versions in the default catalog")
	return 0, nil
}

func newTestState(t *testing.T, m Model) (*state, *startedURIs) {
	h, err := history.Open(context.Background(), history.Options{Path: filepath.Join(t.TempDir(), "h.db"), Logger: zerolog.Nop()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	c := New(Options{Model: m, Logger: zerolog.Nop(), History: h})
	st := newState(c)
	p := &startedURIs{}
	st.enq = p
	return st, p
}

func TestKidsModePlaysACleanVersion(t *testing.T) {
	row, versions := songWithVersions(t)
	cases := []struct {
		name     string
		explicit []int
		allowed  bool
		want     int // row started, -1: refused
	}{
		{"explicit allowed: the asked track", []int{row}, true, row},
		{"kids mode, clean asked track", nil, false, row},
		{"kids mode, explicit asked track: its clean version", []int{row}, false, versions[0]},
		{"kids mode, every version explicit: refused", append([]int{row}, versions...), false, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := kidsModel(t, tc.explicit...)
			st, _ := newTestState(t, m)
			st.explicit = tc.allowed
			cand := resolve.Candidate{Kind: resolve.KindTrack, Row: row, Confidence: 1}
			got, err := st.firstRow(context.Background(), &m, cand, anchorOf(&m, cand, row))
			if tc.want < 0 {
				require.Error(t, err)
				assert.Equal(t, music.KindNotFound, music.KindOf(err))
				assert.Contains(t, err.Error(), "no clean version")
				return
			}
			require.NoError(t, err)
			if tc.want == row {
				assert.Equal(t, row, got)
			} else {
				assert.Contains(t, versions, got, "another recording of the same song")
			}
			assert.False(t, !tc.allowed && m.Engine.Explicit(got), "kids mode never starts an explicit track")
		})
	}
}

func TestKidsModeArtistSkipsExplicitTracks(t *testing.T) {
	m0, err := LoadModel("", "")
	require.NoError(t, err)
	cand := m0.Index.Understand("metallica", 1)[0]
	require.Equal(t, resolve.KindArtist, cand.Kind)
	require.GreaterOrEqual(t, len(cand.Rows), 2)
	m := kidsModel(t, cand.Rows[0])
	st, _ := newTestState(t, m)
	st.explicit = false
	row, err := st.firstRow(context.Background(), &m, cand, anchorOf(&m, cand, -1))
	require.NoError(t, err)
	assert.NotEqual(t, cand.Rows[0], row, "the explicit best-known track is not started")
	assert.Equal(t, m.Catalog.Artist[cand.Rows[0]], m.Catalog.Artist[row], "a track by the artist")
	assert.False(t, m.Engine.Explicit(row), "kids mode never starts an explicit track")
}

// TestPlayKeepsTheAnchor: the request becomes the drive's anchor, goes with
// every engine request, survives "play music", and is dropped by a profile
// switch.
func TestPlayKeepsTheAnchor(t *testing.T) {
	m := kidsModel(t)
	st, started := newTestState(t, m)
	ctx := context.Background()
	bob := m.Index.Understand("bob marley", 1)[0]
	v, err := st.playRequest(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, "artist", v.Match)
	assert.Equal(t, []string{m.Catalog.URI(bob.Row)}, started.uris)
	require.NotNil(t, st.anchor)
	assert.Equal(t, "artist", st.anchor.Kind)
	assert.Equal(t, m.Catalog.Artist[bob.Row], st.anchor.Artist)

	req, err := st.request(ctx, "", 3, RecommendOptions{})
	require.NoError(t, err)
	assert.Same(t, st.anchor, req.Anchor, "every refill carries the anchor")

	cont := m.Index.Understand("play music", 1)[0]
	v, err = st.playRequest(ctx, cont)
	require.NoError(t, err)
	assert.Equal(t, "continue", v.Match)
	assert.Equal(t, "artist", st.anchor.Kind, "play music continues the drive's anchor")

	calm := m.Index.Understand("something calm", 1)[0]
	_, err = st.playRequest(ctx, calm)
	require.NoError(t, err)
	assert.Equal(t, "mood", st.anchor.Kind, "the next Play replaces the anchor")
	assert.Equal(t, "calm", st.anchor.Mood)

	st.setProfile(ctx, "other")
	req, err = st.request(ctx, "", 3, RecommendOptions{})
	require.NoError(t, err)
	assert.Nil(t, req.Anchor)
}
