package ivf_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/embed/ivf"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

// Search settings the benchmark and the recall test use: 16 of ~√N lists,
// a shortlist of 50 re-ranked in float32.
const (
	nprobe    = 16
	shortlist = 50
)

// queries returns n queries shaped like the engine's genre query: the sum
// of the genre rows of 1 to 5 random tracks (a seed, a session).
func queries(m embed.Matrix, n int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	qs := make([][]float32, n)
	for i := range qs {
		q := make([]float32, m.Cols)
		for range 1 + rng.IntN(5) {
			embed.AddScaled(q, 1, m.Row(rng.IntN(m.Rows)))
		}
		qs[i] = q
	}
	return qs
}

func TestBuildFilesEveryRowOnce(t *testing.T) {
	c := synthcat.Clustered(5000, 1)
	ix, err := ivf.Build(c.Genre, ivf.Options{Seed: 1})
	require.NoError(t, err)
	assert.Equal(t, 71, ix.Lists) // ⌈√5000⌉
	require.NoError(t, ix.Validate(c.Len()))
	nonEmpty := 0
	for l := range ix.Lists {
		if ix.Offsets[l+1] > ix.Offsets[l] {
			nonEmpty++
		}
		assert.InDelta(t, 1, math.Sqrt(float64(embed.Dot(ix.Centroid(l), ix.Centroid(l)))), 1e-4, "centroid %d is a unit vector", l)
	}
	assert.Greater(t, nonEmpty, ix.Lists/2)
}

// TestSearchAllListsIsExact: probing every list with a shortlist of every
// row is brute force, so it must agree with ExactTop exactly.
func TestSearchAllListsIsExact(t *testing.T) {
	m := synthcat.Clustered(3000, 2).Genre
	ix, err := ivf.Build(m, ivf.Options{Lists: 20, Seed: 2})
	require.NoError(t, err)
	s, err := ivf.NewSearcher(ix, m)
	require.NoError(t, err)
	var top embed.TopK
	scores := make([]float32, m.Rows)
	for i, q := range queries(m, 20, 3) {
		want, err := embed.ExactTop(m, q, 10, scores, &top, nil)
		require.NoError(t, err)
		got, err := s.Search(q, 10, ix.Lists, m.Rows, nil)
		require.NoError(t, err)
		assert.Equal(t, want, got, "query %d", i)
	}
}

// TestRecallClustered: the benchmark's settings on a smaller clustered
// catalog must already reach recall@10 ≥ 0.95.
// TestListOrderedAllListsIsExact: the float32 list scan probing every list
// is brute force too.
func TestListOrderedAllListsIsExact(t *testing.T) {
	m := synthcat.Clustered(3000, 2).Genre
	ix, err := ivf.Build(m, ivf.Options{Lists: 20, Seed: 2})
	require.NoError(t, err)
	s, err := ivf.NewSearcher(ix, m)
	require.NoError(t, err)
	require.Error(t, s.UseListOrdered(embed.NewMatrix(m.Rows-1, m.Cols)))
	require.NoError(t, s.UseListOrdered(ix.ListOrdered(m)))
	var top embed.TopK
	scores := make([]float32, m.Rows)
	for i, q := range queries(m, 20, 3) {
		want, err := embed.ExactTop(m, q, 10, scores, &top, nil)
		require.NoError(t, err)
		got, err := s.Search(q, 10, ix.Lists, 0, nil)
		require.NoError(t, err)
		require.Len(t, got, len(want))
		for j := range want {
			assert.InDelta(t, want[j].Score, got[j].Score, 1e-5, "query %d rank %d", i, j)
		}
	}
}

func TestRecallClustered(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	m := synthcat.Resample(def, 50_000, 4).Genre
	ix, err := ivf.Build(m, ivf.Options{Seed: 4})
	require.NoError(t, err)
	s, err := ivf.NewSearcher(ix, m)
	require.NoError(t, err)
	qs := queries(m, 200, 5)
	r8 := recall(t, m, qs, s)
	require.NoError(t, s.UseListOrdered(ix.ListOrdered(m)))
	r32 := recall(t, m, qs, s)
	t.Logf("N=%d lists=%d nprobe=%d recall@10 int8=%.4f float32=%.4f", m.Rows, ix.Lists, nprobe, r8, r32)
	assert.GreaterOrEqual(t, r8, 0.95)
	assert.GreaterOrEqual(t, r32, r8-0.01)
}

// recall is the mean recall@10 of s against exact search over m.
func recall(tb testing.TB, m embed.Matrix, qs [][]float32, s *ivf.Searcher) float64 {
	var top embed.TopK
	scores := make([]float32, m.Rows)
	var sum float64
	for _, q := range qs {
		want, err := embed.ExactTop(m, q, 10, scores, &top, nil)
		require.NoError(tb, err)
		got, err := s.Search(q, 10, nprobe, shortlist, nil)
		require.NoError(tb, err)
		sum += embed.Recall(want, got, 1e-5)
	}
	return sum / float64(len(qs))
}

func TestValidateRefusesDamage(t *testing.T) {
	m := synthcat.Clustered(500, 3).Genre
	good, err := ivf.Build(m, ivf.Options{Lists: 8, Seed: 3})
	require.NoError(t, err)
	require.NoError(t, good.Validate(m.Rows))
	tests := []struct {
		name   string
		damage func(ix *ivf.Index)
		want   string
	}{
		{"short centroids", func(ix *ivf.Index) { ix.Centroids = ix.Centroids[1:] }, "centroids"},
		{"offsets length", func(ix *ivf.Index) { ix.Offsets = ix.Offsets[:ix.Lists] }, "offsets"},
		{"offsets end", func(ix *ivf.Index) { ix.Offsets[ix.Lists]-- }, "offsets run"},
		{"offsets decrease", func(ix *ivf.Index) { ix.Offsets[1], ix.Offsets[2] = ix.Offsets[2]+1, ix.Offsets[1] }, "ends at"},
		{"id out of range", func(ix *ivf.Index) { ix.IDs[7] = uint32(m.Rows) }, "position 7"},
		{"id twice", func(ix *ivf.Index) { ix.IDs[7] = ix.IDs[8] }, "twice"},
		{"nan scale", func(ix *ivf.Index) { ix.Scales[3] = float32(math.NaN()) }, "scales"},
		{"codes short", func(ix *ivf.Index) { ix.Codes = ix.Codes[:len(ix.Codes)-1] }, "codes"},
		{"no lists", func(ix *ivf.Index) { ix.Lists = 0 }, "0 lists"},
		{"inf centroid", func(ix *ivf.Index) { ix.Centroids[5] = float32(math.Inf(-1)) }, "centroids: a value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := *good
			ix.Centroids, ix.Offsets, ix.IDs = slices.Clone(good.Centroids), slices.Clone(good.Offsets), slices.Clone(good.IDs)
			ix.Codes, ix.Scales = slices.Clone(good.Codes), slices.Clone(good.Scales)
			tc.damage(&ix)
			err := ix.Validate(m.Rows)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// An exact search reads no codes: an index stored without them
	// (recommend's snapshot sections) is whole for ValidateLists.
	lists := *good
	lists.Codes, lists.Scales = nil, nil
	assert.NoError(t, lists.ValidateLists(m.Rows))
	assert.ErrorContains(t, lists.Validate(m.Rows), "codes")
}

func TestBuildAndSearchErrors(t *testing.T) {
	_, err := ivf.Build(embed.NewMatrix(0, 4), ivf.Options{})
	assert.Error(t, err)
	bad := embed.NewMatrix(2, 4)
	bad.Data[1] = float32(math.Inf(1))
	_, err = ivf.Build(bad, ivf.Options{})
	assert.Error(t, err)

	m := synthcat.Clustered(100, 1).Genre
	ix, err := ivf.Build(m, ivf.Options{})
	require.NoError(t, err)
	_, err = ivf.NewSearcher(ix, embed.NewMatrix(99, m.Cols))
	assert.Error(t, err)
	s, err := ivf.NewSearcher(ix, m)
	require.NoError(t, err)
	_, err = s.Search(make([]float32, m.Cols-1), 10, 4, 50, nil)
	assert.Error(t, err)
}

// BenchmarkIVF: top-10 searches of synthetic catalogs resampled from the
// default one (synthcat.Resample, as BenchmarkRecommend), with the index
// built once, lists scanned in int8 (codes + re-rank) or in float32 (a
// list-ordered matrix, as a snapshot stored in list order would hold).
// Reports wall and thread-CPU p50/p99 per search, recall@10 against exact
// search, and the ratio of the CPU p50 to the CPU time of one float32 sweep
// of the genre matrix (the brute-force floor):
//
//	go test ./internal/embed/ivf -run '^$' -bench IVF -benchmem -benchtime 2000x
func BenchmarkIVF(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, scan := range []string{"int8", "float32"} {
			b.Run(fmt.Sprintf("N=%d/scan=%s", n, scan), func(b *testing.B) {
				f := benchFixture(b, n)
				s, err := ivf.NewSearcher(f.ix, f.m)
				require.NoError(b, err)
				if scan == "float32" {
					require.NoError(b, s.UseListOrdered(f.ix.ListOrdered(f.m)))
				}
				benchSearch(b, f, s)
			})
		}
	}
}

func benchSearch(b *testing.B, f *fixture, s *ivf.Searcher) {
	hits := make([]embed.Hit, 0, 10)
	var err error
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0, c0 := time.Now(), threadCPU()
		hits, err = s.Search(f.qs[i%len(f.qs)], 10, nprobe, shortlist, hits[:0])
		cpu = append(cpu, threadCPU()-c0)
		wall = append(wall, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p50 := quantile(cpu, 0.5)
	b.ReportMetric(float64(quantile(wall, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(quantile(wall, 0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-cpu-ns")
	b.ReportMetric(float64(quantile(cpu, 0.99).Nanoseconds()), "p99-cpu-ns")
	b.ReportMetric(recall(b, f.m, f.qs, s), "recall@10")
	b.ReportMetric(float64(f.sweep.Nanoseconds()), "sweep-cpu-ns")
	b.ReportMetric(float64(p50)/float64(f.sweep), "p50/sweep")
}

type fixture struct {
	m     embed.Matrix
	ix    *ivf.Index
	qs    [][]float32
	sweep time.Duration // median thread CPU time of float32 Scores over m
}

var (
	fixMu    sync.Mutex
	fixtures = map[int]*fixture{}
)

func benchFixture(b *testing.B, n int) *fixture {
	b.Helper()
	fixMu.Lock()
	defer fixMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	def, err := catalog.Default()
	require.NoError(b, err)
	m := synthcat.Resample(def, n, 1).Genre
	t0 := time.Now()
	ix, err := ivf.Build(m, ivf.Options{Seed: 1})
	require.NoError(b, err)
	b.Logf("N=%d: built %d lists in %v", n, ix.Lists, time.Since(t0).Round(time.Millisecond))
	f := &fixture{m: m, ix: ix, qs: queries(m, 200, 9)}
	// The sweep in thread CPU time: on a busy machine wall time measures
	// the other processes.
	dst := make([]float32, m.Rows)
	sweeps := make([]time.Duration, 21)
	runtime.LockOSThread()
	for i := range sweeps {
		c0 := threadCPU()
		require.NoError(b, m.Scores(f.qs[i], dst))
		sweeps[i] = threadCPU() - c0
	}
	runtime.UnlockOSThread()
	f.sweep = quantile(sweeps, 0.5)
	fixtures[n] = f
	return f
}

func quantile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[min(int(q*float64(len(d))), len(d)-1)]
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// FuzzValidate damages a small index the way a corrupt mapped section
// would (bytes written over its offsets, ids and scales) and checks that
// Validate refuses it or that a search of it then works: an index that
// passes Validate must never make Search panic.
func FuzzValidate(f *testing.F) {
	m := synthcat.Clustered(200, 5).Genre
	good, err := ivf.Build(m, ivf.Options{Lists: 6, Seed: 5})
	require.NoError(f, err)
	f.Add(uint8(0), uint16(0), []byte{})
	f.Add(uint8(0), uint16(3), []byte{0xff, 0xff, 0xff, 0xff})
	f.Add(uint8(1), uint16(10), []byte{1, 0, 0, 0})
	f.Add(uint8(2), uint16(7), []byte{0, 0, 0xc0, 0x7f})
	f.Fuzz(func(t *testing.T, which uint8, at uint16, patch []byte) {
		ix := *good
		ix.Offsets, ix.IDs, ix.Scales = slices.Clone(good.Offsets), slices.Clone(good.IDs), slices.Clone(good.Scales)
		var words []uint32
		switch which % 3 {
		case 0:
			words = ix.Offsets
		case 1:
			words = ix.IDs
		default:
			words = make([]uint32, len(ix.Scales))
			for i, s := range ix.Scales {
				words[i] = math.Float32bits(s)
			}
		}
		for i := 0; i+4 <= len(patch); i += 4 {
			p := (int(at) + i/4) % len(words)
			words[p] = uint32(patch[i]) | uint32(patch[i+1])<<8 | uint32(patch[i+2])<<16 | uint32(patch[i+3])<<24
		}
		if which%3 == 2 {
			for i, w := range words {
				ix.Scales[i] = math.Float32frombits(w)
			}
		}
		if ix.Validate(m.Rows) != nil {
			return
		}
		s, err := ivf.NewSearcher(&ix, m)
		require.NoError(t, err)
		hits, err := s.Search(m.Row(0), 10, 3, 20, nil)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(hits), 10)
	})
}
