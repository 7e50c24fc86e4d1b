package recommend_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
)

// Diversity across a drive: the daemon asks for one to three tracks at a
// time, so the rules must hold over the session and the queue, not only
// within one list. The situation is the demo's (make demo): the driver asks
// for Swan Lake's No. 10 Scène, later likes a Tchaikovsky track.

// isSwanLake10 reports whether row is a recording of Swan Lake, Act 2, No. 10.
func isSwanLake10(c *catalog.Catalog, row int) bool {
	t := strings.ToLower(c.Title(row))
	return strings.Contains(t, "swan lake") && strings.Contains(t, "no. 10")
}

func isSwanLake(c *catalog.Catalog, row int) bool {
	return strings.Contains(strings.ToLower(c.Title(row)), "swan lake")
}

// rowsWhere returns the rows of the catalog for which keep holds.
func rowsWhere(c *catalog.Catalog, keep func(int) bool) []int {
	var out []int
	for i := range c.Len() {
		if keep(i) {
			out = append(out, i)
		}
	}
	return out
}

// maxArtistInWindow is the most tracks by one primary artist in any ten
// consecutive rows of seq.
func maxArtistInWindow(c *catalog.Catalog, seq []int) (int, string) {
	worst, who := 0, ""
	for i := range seq {
		counts := map[int32]int{}
		for j := i; j < len(seq) && j < i+10; j++ {
			a := c.Artist[seq[j]]
			counts[a]++
			if counts[a] > worst {
				worst, who = counts[a], c.Artists[a]
			}
		}
	}
	return worst, who
}

func describe(c *catalog.Catalog, seq []int) string {
	var b strings.Builder
	for i, r := range seq {
		fmt.Fprintf(&b, "\n%2d %s — %s", i+1, c.Title(r), c.PrimaryArtist(r))
	}
	return b.String()
}

func TestDefaultCatalogDiversityAfterSwanLake(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	scene := swanLakeScene(t, c)
	others := rowsWhere(c, func(i int) bool { return i != scene && isSwanLake10(c, i) && c.Artist[i] == c.Artist[scene] })
	require.NotEmpty(t, others, "the default catalog has another recording of the Scène (the demo's repeat)")
	tchaik := c.Artist[scene]
	sleeping := rowsWhere(c, func(i int) bool {
		return c.Artist[i] == tchaik && strings.Contains(strings.ToLower(c.Title(i)), "sleeping beauty")
	})
	require.NotEmpty(t, sleeping)
	liked := recommend.Played{Row: scene, Outcome: music.OutcomePlaying, Feedback: music.Like}
	tests := []struct {
		name    string
		session []recommend.Played
		seeds   []int
		n       int
	}{
		{"asked for it, refill 3", []recommend.Played{liked, {Row: scene, Outcome: music.OutcomePlaying}}, nil, 3},
		{"asked for it, list of 10", []recommend.Played{liked}, nil, 10},
		{"as a seed", nil, []int{scene}, 10},
		{"after a Tchaikovsky like", []recommend.Played{
			liked, {Row: scene, Outcome: music.OutcomeCompleted},
			{Row: sleeping[0], Outcome: music.OutcomeCompleted, Feedback: music.Like},
			{Row: sleeping[0], Outcome: music.OutcomePlaying},
		}, nil, 3},
		{"liked, then one more", []recommend.Played{
			liked, {Row: scene, Outcome: music.OutcomeCompleted},
			{Row: sleeping[0], Outcome: music.OutcomeCompleted, Feedback: music.Like},
		}, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := e.Recommend(recommend.Request{Session: tc.session, Seeds: tc.seeds, N: tc.n, Explicit: true})
			require.NoError(t, err)
			require.Len(t, ps, tc.n)
			var seq []int
			for _, p := range tc.session {
				if len(seq) == 0 || seq[len(seq)-1] != p.Row {
					seq = append(seq, p.Row)
				}
			}
			seq = append(append(seq, tc.seeds...), rows(ps)...)
			for _, p := range ps {
				assert.False(t, isSwanLake10(c, p.Row), "another recording of the Scène: %s", describe(c, seq))
				assert.False(t, isSwanLake(c, p.Row) && c.Artist[p.Row] == tchaik, "Swan Lake again: %s", describe(c, seq))
			}
			worst, who := maxArtistInWindow(c, seq)
			assert.LessOrEqual(t, worst, 2, "%s in ten: %s", who, describe(c, seq))
		})
	}
}

// drive replays the daemon's refill loop (internal/drive): the session is
// the played tracks plus the current one as "playing", the queue is kept
// depth deep and excluded, and feedback adds a liked entry for the current
// track. likeAt is the 0-based play at which the driver presses like.
func drive(t *testing.T, e *recommend.Engine, start, plays, depth, likeAt int) []int {
	t.Helper()
	c := e.Catalog()
	played := []recommend.Played{{Row: start, Outcome: music.OutcomePlaying, Feedback: music.Like}}
	seq := []int{start}
	cur := start
	var queue []int
	for step := 0; step < plays; step++ {
		if step == likeAt {
			played = append(played, recommend.Played{Row: cur, Outcome: music.OutcomeCompleted, Feedback: music.Like})
		}
		req := recommend.Request{
			Session: append(append([]recommend.Played(nil), played...), recommend.Played{Row: cur, Outcome: music.OutcomePlaying}),
			N:       depth - len(queue), Explicit: true,
		}
		for _, p := range played {
			req.Exclude = append(req.Exclude, c.ID(p.Row))
		}
		for _, q := range queue {
			req.Exclude = append(req.Exclude, c.ID(q))
		}
		req.Exclude = append(req.Exclude, c.ID(cur))
		ps, err := e.Recommend(req)
		require.NoError(t, err)
		require.Len(t, ps, req.N)
		queue = append(queue, rows(ps)...)
		played = append(played, recommend.Played{Row: cur, Outcome: music.OutcomeCompleted})
		cur, queue = queue[0], queue[1:]
		seq = append(seq, cur)
	}
	return seq
}

func TestDefaultCatalogDriveDiversity(t *testing.T) {
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	scene := swanLakeScene(t, c)
	tests := []struct {
		name          string
		depth, likeAt int
	}{
		{"queue 3, like the fifth", 3, 5},
		{"queue 1, like the third", 1, 3},
		{"queue 3, no like", 3, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seq := drive(t, e, scene, 20, tc.depth, tc.likeAt)
			seen := map[int]bool{}
			for i, r := range seq {
				assert.False(t, seen[r], "track %d repeated: %s", i+1, describe(c, seq))
				seen[r] = true
				if i > 0 {
					assert.False(t, isSwanLake10(c, r), "another recording of the Scène at %d: %s", i+1, describe(c, seq))
				}
			}
			swan := 0
			for _, r := range seq[:20] { // the work rule looks back 20 tracks
				if isSwanLake(c, r) && c.Artist[r] == c.Artist[scene] {
					swan++
				}
			}
			assert.Equal(t, 1, swan, "Swan Lake once in 20 tracks: %s", describe(c, seq))
			worst, who := maxArtistInWindow(c, seq)
			assert.LessOrEqual(t, worst, 2, "%s in ten: %s", who, describe(c, seq))
		})
	}
}

// TestArtistCapAcrossSessionAndQueue: the cap counts the session's tail and
// the queue (excluded tracks not in the session), on a synthetic catalog
// where each artist has about a dozen tracks of one family. The liked
// artist's tracks are made twins of the liked track (same genre and mood
// rows), so they score best and only the cap keeps them out.
func TestArtistCapAcrossSessionAndQueue(t *testing.T) {
	src := synthetic()
	a := firstOf(t, src, famIndex(t, src, "jazz"))
	c := *src // shallow copy with its own matrices
	c.Genre.Data = slices.Clone(src.Genre.Data)
	c.Mood.Data = slices.Clone(src.Mood.Data)
	var same []int // other tracks by a's artist
	for i := range c.Len() {
		if i != a && c.Artist[i] == c.Artist[a] {
			same = append(same, i)
			copy(c.Genre.Row(i), c.Genre.Row(a))
			copy(c.Mood.Row(i), c.Mood.Row(a))
		}
	}
	require.GreaterOrEqual(t, len(same), 3)
	e := recommend.New(&c, recommend.Options{})
	liked := func(r int) recommend.Played {
		return recommend.Played{Row: r, Outcome: music.OutcomeCompleted, Feedback: music.Like}
	}
	tests := []struct {
		name    string
		session []recommend.Played
		queued  []int
		noneIn  int // the first noneIn picks must not be by a's artist
	}{
		{"two in the session", []recommend.Played{liked(a), liked(same[0])}, nil, 8},
		{"one in the session, one queued", []recommend.Played{liked(a)}, []int{same[0]}, 8},
		{"two, then fillers", append([]recommend.Played{liked(a), liked(same[0])}, fillers(&c, a, 5)...), nil, 3},
		{"one in the session", []recommend.Played{liked(a)}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := recommend.Request{Session: tc.session, N: 20, Explicit: true}
			var seq []int
			for _, p := range tc.session {
				seq = append(seq, p.Row)
			}
			for _, q := range tc.queued {
				req.Exclude = append(req.Exclude, c.ID(q))
				seq = append(seq, q)
			}
			ps, err := e.Recommend(req)
			require.NoError(t, err)
			require.Len(t, ps, 20)
			n := 0
			for _, p := range ps {
				if c.Artist[p.Row] == c.Artist[a] {
					n++
				}
			}
			assert.Positive(t, n, "the twins come back once the window allows: %v", rows(ps))
			for i, p := range ps[:tc.noneIn] {
				assert.NotEqual(t, c.Artist[a], c.Artist[p.Row], "pick %d is by the liked artist: %v", i+1, rows(ps))
			}
			worst, who := maxArtistInWindow(&c, append(seq, rows(ps)...))
			assert.LessOrEqual(t, worst, 2, "%s in ten: %v then %v", who, seq, rows(ps))
		})
	}
}

// fillers returns n completed plays from a's family by other artists,
// pairwise different.
func fillers(c *catalog.Catalog, a, n int) []recommend.Played {
	var out []recommend.Played
	used := map[int32]bool{c.Artist[a]: true}
	for i := 0; i < c.Len() && len(out) < n; i++ {
		if c.Family[i] == c.Family[a] && !used[c.Artist[i]] {
			used[c.Artist[i]] = true
			out = append(out, recommend.Played{Row: i, Outcome: music.OutcomeCompleted})
		}
	}
	return out
}
