package recommend_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/recommend"
)

// continueStarts returns, per genre family, its most popular row by an
// artist with genre tags and its most popular row by one without.
func continueStarts(c *catalog.Catalog, e *recommend.Engine) (tagged, untagged []int) {
	bestT := make([]int, len(c.Families))
	bestU := make([]int, len(c.Families))
	for f := range bestT {
		bestT[f], bestU[f] = -1, -1
	}
	better := func(cur, r int) bool {
		return cur < 0 || c.Popularity(r) > c.Popularity(cur)
	}
	for r := range c.Len() {
		f := c.Family[r]
		switch {
		case e.Explicit(r):
		case len(c.TrackTags(r)) == 0 && better(bestU[f], r):
			bestU[f] = r
		case len(c.TrackTags(r)) > 0 && better(bestT[f], r):
			bestT[f] = r
		}
	}
	for f := range bestT {
		if bestT[f] >= 0 && bestU[f] >= 0 {
			tagged, untagged = append(tagged, bestT[f]), append(untagged, bestU[f])
		}
	}
	return tagged, untagged
}

// TestContinueDrivesDoNotDrift: a "continue" drive has no asked rows, so
// its untagged refund follows the session, which the drive's own picks
// fill. Over 60 tracks from each family's most popular tagged track, the
// untagged share of tracks 46–60 stays within 0.05 of the fixed penalty's
// (the drift does not feed itself); from its most popular untagged track
// the drive keeps more untagged music than under the fixed penalty.
func TestContinueDrivesDoNotDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("60-track drives")
	}
	c := defaultCatalog(t)
	e := recommend.New(c, recommend.Options{})
	require.NoError(t, e.Err())
	fixed := recommend.New(c, recommend.Options{})
	require.NoError(t, fixed.Err())
	recommend.Rules["untagged refund (the penalty whatever the evidence)"](fixed)
	tagged, untagged := continueStarts(c, e)
	require.NotEmpty(t, tagged)

	lateUntagged := func(eng *recommend.Engine, starts []int) float64 {
		var sum float64
		for _, s := range starts {
			seq := simDrive(t, eng, s, &recommend.Anchor{Kind: recommend.AnchorContinue, Artist: -1}, simOpts{})
			n := 0
			for _, r := range seq[len(seq)-15:] {
				if len(c.TrackTags(r)) == 0 {
					n++
				}
			}
			sum += float64(n) / 15
		}
		return sum / float64(len(starts))
	}
	cases := []struct {
		name   string
		starts []int
		check  func(t *testing.T, got, fixed float64)
	}{
		{"from tagged tracks", tagged, func(t *testing.T, got, fixed float64) {
			assert.LessOrEqual(t, got, fixed+0.05, "untagged share 46–60 with the refund vs the fixed penalty")
		}},
		{"from untagged tracks", untagged, func(t *testing.T, got, fixed float64) {
			assert.Greater(t, got, fixed, "untagged share 46–60 with the refund vs the fixed penalty")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, want := lateUntagged(e, tc.starts), lateUntagged(fixed, tc.starts)
			t.Logf("%d drives: untagged share 46–60 %.3f (fixed penalty %.3f)", len(tc.starts), got, want)
			tc.check(t, got, want)
		})
	}
}
