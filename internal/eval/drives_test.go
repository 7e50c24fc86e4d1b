package eval_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/music"
)

func TestBuildRequestsStratified(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	reqs := eval.BuildRequests(c, 100, 1)
	assert.Equal(t, reqs, eval.BuildRequests(c, 100, 1), "deterministic")

	perKind := map[eval.RequestKind]int{}
	queries := map[string]bool{}
	named, test := 0, 0
	for _, r := range reqs {
		perKind[r.Kind]++
		assert.False(t, queries[r.Query], "query %q twice", r.Query)
		queries[r.Query] = true
		if r.Named {
			named++
		}
		if r.Test {
			test++
		}
	}
	for _, k := range eval.RequestKinds {
		assert.Equal(t, 20, perKind[k], "kind %s", k)
	}
	absent := map[string]bool{}
	for _, r := range reqs {
		if r.Absent {
			absent[r.Query] = true
		}
	}
	for _, q := range []string{"mozart", "take five", "swan lake", "some jazz", "something calm", "kendrick lamar humble"} {
		assert.True(t, queries[q], "named request %q", q)
	}
	assert.False(t, absent["kendrick lamar humble"], "the default catalog holds what drivers ask for: HUMBLE. by Kendrick Lamar")
	assert.False(t, absent["take five"])
	assert.Equal(t, 24, named, "every named request")
	assert.InDelta(t, len(reqs)/2, test, float64(len(reqs))/5, "the test half is about half")

	// A request keeps its half, date and kids mode whatever the set's size.
	half := map[string]eval.DriveRequest{}
	for _, r := range eval.BuildRequests(c, 300, 1) {
		half[r.Query] = r
	}
	for _, r := range reqs {
		if h, ok := half[r.Query]; ok {
			assert.Equal(t, r.Test, h.Test, r.Query)
			assert.Equal(t, r.Now, h.Now, r.Query)
			assert.Equal(t, r.Kids, h.Kids, r.Query)
		}
	}
}

func TestRunDrivesDefaultCatalog(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	sys := eval.NewDriveSystem(c)
	opts := eval.DriveOptions{Drives: 30, Length: 24, Split: eval.SplitAll, RandSeed: 1}
	rep, err := eval.RunDrives(context.Background(), c, sys, eval.DriveMethods(c), opts)
	require.NoError(t, err)
	again, err := eval.RunDrives(context.Background(), c, sys, eval.DriveMethods(c), opts)
	require.NoError(t, err)
	assert.Equal(t, rep, again, "deterministic")

	require.Len(t, rep.Methods, 5)
	m := map[string]eval.DriveMetrics{}
	for _, x := range rep.Methods {
		m[x.Method] = x
		assert.Equal(t, len(rep.Requests), x.Drives)
		assert.Equal(t, x.Drives, x.Requests["all"]+x.KidsRefusals, "every drive is a request read or a kids-mode refusal")
	}
	eng, random := m["engine"], m["random"]
	assert.Greater(t, eng.FamilyLast, random.FamilyLast+0.3, "the engine keeps to the anchor's family")
	assert.Greater(t, eng.CosineLast, random.CosineLast)
	assert.Less(t, eng.SkipShare, random.SkipShare, "the simulated driver skips random picks")
	assert.Positive(t, eng.Resolve["all"])
	assert.Zero(t, eng.Short)

	var buf bytes.Buffer
	require.NoError(t, rep.WriteTable(&buf))
	for _, line := range strings.Split(buf.String(), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, "line too wide: %q", line)
	}
}

func TestRunDrivesSplits(t *testing.T) {
	c, err := catalog.Default()
	require.NoError(t, err)
	sys := eval.NewDriveSystem(c)
	count := func(split string) (n int, queries map[string]bool) {
		rep, err := eval.RunDrives(context.Background(), c, sys, eval.DriveBaselines(c)[:1], eval.DriveOptions{Drives: 40, Length: 8, Split: split})
		require.NoError(t, err)
		queries = map[string]bool{}
		for _, r := range rep.Requests {
			queries[r.Query] = true
			assert.Equal(t, split == eval.SplitTest, r.Test, "%s in split %s", r.Query, split)
		}
		return len(rep.Requests), queries
	}
	nTest, test := count(eval.SplitTest)
	nTune, tune := count(eval.SplitTune)
	for q := range test {
		assert.False(t, tune[q], "%q in both halves", q)
	}
	assert.Positive(t, nTest)
	assert.Positive(t, nTune)

	_, err = eval.RunDrives(context.Background(), c, sys, nil, eval.DriveOptions{Split: "holdout"})
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
	_, err = eval.RunDrives(context.Background(), &catalog.Catalog{}, sys, nil, eval.DriveOptions{})
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = eval.RunDrives(ctx, c, sys, eval.DriveBaselines(c), eval.DriveOptions{Drives: 10})
	assert.ErrorIs(t, err, context.Canceled)
}
