package recommend

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// untaggedFixture is the embedded catalog's engine with rows of one genre
// family by artists with and without genre tags.
type untaggedFixture struct {
	e                *Engine
	untagged, tagged []int // four rows each, of the family with the most untagged rows
}

func newUntaggedFixture(t *testing.T) untaggedFixture {
	t.Helper()
	c, err := catalog.Default()
	require.NoError(t, err)
	e := New(c, Options{})
	require.NoError(t, e.Err())
	perFam := make([]int, len(c.Families))
	for i, u := range e.untagged {
		if u {
			perFam[c.Family[i]]++
		}
	}
	fam := 0
	for f, n := range perFam {
		if n > perFam[fam] {
			fam = f
		}
	}
	var fx untaggedFixture
	fx.e = e
	for i := range e.n {
		if int(c.Family[i]) != fam || e.holiday[i] || e.explicit[i] {
			continue
		}
		if e.untagged[i] && len(fx.untagged) < 4 {
			fx.untagged = append(fx.untagged, i)
		} else if !e.untagged[i] && len(fx.tagged) < 4 {
			fx.tagged = append(fx.tagged, i)
		}
	}
	require.Len(t, fx.untagged, 4)
	require.Len(t, fx.tagged, 4)
	return fx
}

func completed(rows ...int) []Played {
	s := make([]Played, len(rows))
	for i, r := range rows {
		s[i] = Played{Row: r, Outcome: music.OutcomeCompleted}
	}
	return s
}

// netUntaggedPenalty is what an untagged row pays in req's full pass: the
// prior's untaggedPenalty less the refund in the region table (read at the
// instrumental key, which carries no region penalty).
func (e *Engine) netUntaggedPenalty(t *testing.T, req Request) float32 {
	t.Helper()
	req.N = 10
	require.NoError(t, e.validate(&req))
	s := e.pool.get()
	defer e.pool.put(s)
	s.reset()
	e.buildContext(&req, s)
	return untaggedPenalty + s.regionPen[instrumentalKey|untaggedKey]
}

// TestUntaggedPenaltyFollowsEvidence: the untagged-artist penalty is
// untaggedPenalty times the tagged share of what the request is about: the
// asked rows (anchor rows, else seeds) when there are any, else the whole
// positive evidence (session); whole for genre requests and mood steering,
// whole plus moodUntaggedSurcharge for a mood anchor.
func TestUntaggedPenaltyFollowsEvidence(t *testing.T) {
	fx := newUntaggedFixture(t)
	u, g := fx.untagged, fx.tagged
	// Session weights, most recent last: 0.75³, 0.75², 0.75, 1.
	decayed := []float32{0.421875, 0.5625, 0.75, 1}
	total := decayed[0] + decayed[1] + decayed[2] + decayed[3]
	cases := []struct {
		name string
		req  Request
		want float32
	}{
		{"session of untagged music: no penalty", Request{Session: completed(u...)}, 0},
		{"session of tagged music: the whole penalty", Request{Session: completed(g...)}, untaggedPenalty},
		{"untagged, then the two latest tagged", Request{Session: completed(u[0], u[1], g[0], g[1])},
			untaggedPenalty * (decayed[2] + decayed[3]) / total},
		{"tagged, then the two latest untagged", Request{Session: completed(g[0], g[1], u[0], u[1])},
			untaggedPenalty * (decayed[0] + decayed[1]) / total},
		{"an untagged seed", Request{Seeds: u[:1]}, 0},
		{"a skipped untagged track is no evidence for it", Request{Session: append(completed(g[0]), Played{Row: u[0], Outcome: music.OutcomeSkipped})},
			untaggedPenalty},
		{"an untagged asked track, empty session", Request{Anchor: &Anchor{Kind: AnchorTrack, Rows: u[:1], Artist: -1}}, 0},
		{"a tagged asked track after an untagged session (its drive's picks): the asked rows decide",
			Request{Session: completed(u...), Anchor: &Anchor{Kind: AnchorTrack, Rows: g[:1], Artist: -1}}, untaggedPenalty},
		{"an untagged asked track after a tagged session", Request{Session: completed(g...), Anchor: &Anchor{Kind: AnchorTrack, Rows: u[:1], Artist: -1}}, 0},
		{"asked rows half untagged", Request{Session: completed(g...), Anchor: &Anchor{Kind: AnchorAlbum, Rows: []int{u[0], u[1], g[0], g[1]}, Artist: -1}},
			untaggedPenalty / 2},
		{"continue: the session decides", Request{Session: completed(u...), Anchor: &Anchor{Kind: AnchorContinue, Artist: -1}}, 0},
		{"a genre request after an untagged session", Request{Session: completed(u...), Anchor: &Anchor{Kind: AnchorGenre, Genres: []string{"jazz"}, Artist: -1, Label: "jazz"}},
			untaggedPenalty},
		{"a mood request after an untagged session: the penalty and the surcharge", Request{Session: completed(u...), Anchor: &Anchor{Kind: AnchorMood, Mood: MoodCalm, Artist: -1, Label: "something calm"}},
			untaggedPenalty + moodUntaggedSurcharge},
		{"a mood request after a tagged session", Request{Session: completed(g...), Anchor: &Anchor{Kind: AnchorMood, Mood: MoodCalm, Artist: -1, Label: "something calm"}},
			untaggedPenalty + moodUntaggedSurcharge},
		{"mood steering on an untagged session", Request{Session: completed(u...), Mood: MoodSteady}, untaggedPenalty},
		{"no evidence (cold start)", Request{}, untaggedPenalty},
		{"genre tags of a track outside the catalog are tagged evidence",
			Request{Session: append(completed(u[0]), Played{Row: -1, Genres: []string{"jazz"}, Outcome: music.OutcomeCompleted})},
			untaggedPenalty * 1 / (1 + 0.75)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, fx.e.netUntaggedPenalty(t, tc.req), 1e-6)
		})
	}
}

// TestUntaggedSessionContinuedByItsKind: an untagged session gets more
// untagged picks than under the fixed penalty (the refund off), a tagged
// session the same picks.
func TestUntaggedSessionContinuedByItsKind(t *testing.T) {
	fx := newUntaggedFixture(t)
	fixed := New(fx.e.cat, Options{})
	require.NoError(t, fixed.Err())
	noUntaggedRefund(fixed)
	untaggedPicks := func(e *Engine, session []Played) ([]int, int) {
		ps, err := e.Recommend(Request{Session: session, N: 10})
		require.NoError(t, err)
		rows, n := make([]int, len(ps)), 0
		for i, p := range ps {
			rows[i] = p.Row
			if e.untagged[p.Row] {
				n++
			}
		}
		return rows, n
	}
	_, withRefund := untaggedPicks(fx.e, completed(fx.untagged...))
	_, without := untaggedPicks(fixed, completed(fx.untagged...))
	assert.Greater(t, withRefund, without, "untagged session: untagged picks with the refund vs the fixed penalty")

	got, _ := untaggedPicks(fx.e, completed(fx.tagged...))
	want, _ := untaggedPicks(fixed, completed(fx.tagged...))
	assert.Equal(t, want, got, "a tagged session is ranked as under the fixed penalty")
}
