package recommend_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/recommend/synthcat"
)

// Benchmarks run on the default catalog and on synthetic catalogs of 100k
// and 1M rows resampled from it with noise (synthcat.Resample), so the
// feature distributions are the real ones. Run:
//
//	go test ./internal/recommend -run '^$' -bench . -benchmem -benchtime 2s
//
// The full catalog (make full-catalog, 176,008 tracks) joins as "full" when
// CONTINUO_FULL_CATALOG names it; it is skipped otherwise.
//
// BenchmarkSweep is the physical floor of the plain pass: one
// embed.Matrix.Scores per space over the same matrices, nothing else. The
// ratio Recommend/Sweep is the engine's overhead. BenchmarkSweepDistinct is
// the floor of the pass over distinct genre rows (genre.go): Scores over the
// distinct rows, the gather, and the mood Scores.

// 0: the default catalog itself; -1: the full catalog.
var benchSizes = []int{0, fullSize, 100_000, 1_000_000}

const fullSize = -1

var (
	benchMu   sync.Mutex
	benchCats = map[int]*catalog.Catalog{}
	// Engines per catalog: a benchmark function runs once per b.N round,
	// and at a million rows New builds an IVF index (about a minute).
	benchEngines = map[*catalog.Catalog]*recommend.Engine{}
	sinkPicks    []recommend.Pick
	sinkF        float32
)

func benchCatalog(b *testing.B, n int) *catalog.Catalog {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if c, ok := benchCats[n]; ok {
		return c
	}
	def, err := catalog.Default()
	if err != nil {
		b.Fatalf("default catalog: %v", err)
	}
	c := def
	switch {
	case n == fullSize:
		c = fullCatalog(b)
	case n > 0:
		c = synthcat.Resample(def, n, 1)
	}
	benchCats[n] = c
	return c
}

// forBenchCatalogs runs fn as a sub-benchmark per catalog of benchSizes;
// the full catalog's is named "full" and skips without the file.
func forBenchCatalogs(b *testing.B, fn func(*testing.B, *catalog.Catalog)) {
	for _, n := range benchSizes {
		name := fmt.Sprintf("N=%d", n)
		switch n {
		case 0:
			name = sizeName(benchCatalog(b, 0))
		case fullSize:
			name = "full"
		}
		b.Run(name, func(b *testing.B) { fn(b, benchCatalog(b, n)) })
	}
}

func sizeName(c *catalog.Catalog) string { return fmt.Sprintf("N=%d", c.Len()) }

func BenchmarkRecommend(b *testing.B) {
	forBenchCatalogs(b, benchRecommend)
}

func benchEngine(b *testing.B, c *catalog.Catalog) *recommend.Engine {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if e, ok := benchEngines[c]; ok {
		return e
	}
	e := recommend.New(c, recommend.Options{})
	if err := e.Err(); err != nil {
		b.Fatal(err)
	}
	benchEngines[c] = e
	return e
}

// benchRecommend reports, besides time/op: thread-CPU and wall p50/p99;
// p50/sweep, the CPU p50 over the CPU median of one memory sweep of the
// catalog's matrices (benchSweep: what a brute-force pass cannot beat);
// and, when the engine searches an IVF index, its recall@10 against the
// full pass over 100 varied requests (recommend.IndexRecall).
func benchRecommend(b *testing.B, c *catalog.Catalog) {
	e := benchEngine(b, c)
	// A typical drive: a seed, five plays of which one skipped, ten wanted.
	step := c.Len() / 7
	req := recommend.Request{Seeds: []int{step}, N: 10, Session: []recommend.Played{
		{Row: 2 * step, Outcome: music.OutcomeCompleted}, {Row: 3 * step, Outcome: music.OutcomeCompleted},
		{Row: 4 * step, Outcome: music.OutcomeSkipped}, {Row: 5 * step, Outcome: music.OutcomeCompleted},
		{Row: 6 * step, Outcome: music.OutcomePlaying},
	}}
	cpu := measureRequests(b, e, []recommend.Request{req})
	b.ReportMetric(float64(quantile(cpu, 0.5))/float64(sweepCPU(c, 21)), "p50/sweep")
	if ix := e.Index(); ix != nil {
		r, err := recommend.IndexRecall(e, 100)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r, "recall@10")
		b.ReportMetric(float64(ix.Lists), "lists")
	}
}

// BenchmarkRecommendSeeds is Recommend(seed, 10) with no session, as an HMI
// or a voice assistant calls it over D-Bus and as make footprint measures
// it: one request per genre family in turn, seeded with the family's most
// popular track. How much of the catalog a request reads depends on its
// genre neighbourhood, so one request (BenchmarkRecommend's) can hide the
// costly ones; reports thread-CPU and wall p50/p99 over all of them.
func BenchmarkRecommendSeeds(b *testing.B) {
	forBenchCatalogs(b, func(b *testing.B, c *catalog.Catalog) {
		e := benchEngine(b, c)
		best := map[uint8]int{}
		for i := range c.Len() {
			if r, ok := best[c.Family[i]]; !ok || c.Popularity(i) > c.Popularity(r) {
				best[c.Family[i]] = i
			}
		}
		var reqs []recommend.Request
		for f := range len(c.Families) {
			if r, ok := best[uint8(f)]; ok {
				reqs = append(reqs, recommend.Request{Seeds: []int{r}, N: 10})
			}
		}
		measureRequests(b, e, reqs)
	})
}

// measureRequests runs e.Recommend b.N times over reqs in turn and reports
// thread-CPU per op and wall and thread-CPU p50/p99; it returns the CPU
// times.
func measureRequests(b *testing.B, e *recommend.Engine, reqs []recommend.Request) []time.Duration {
	b.Helper()
	for _, req := range reqs { // warm the scratch pool
		if _, err := e.Recommend(req); err != nil {
			b.Fatal(err)
		}
	}
	// Per iteration: wall time, and the CPU time of this thread, which
	// leaves out time the OS gave to other processes on a busy machine.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0, c0 := time.Now(), threadCPU()
		sinkPicks, _ = e.Recommend(reqs[i%len(reqs)])
		cpu = append(cpu, threadCPU()-c0)
		wall = append(wall, time.Since(t0))
	}
	b.StopTimer()
	var total time.Duration
	for _, d := range cpu {
		total += d
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(quantile(wall, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(quantile(wall, 0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(quantile(cpu, 0.5).Nanoseconds()), "p50-cpu-ns")
	b.ReportMetric(float64(quantile(cpu, 0.99).Nanoseconds()), "p99-cpu-ns")
	return cpu
}

// sweepCPU is the median thread-CPU time of n memory sweeps of c (a genre
// Scores over every row and a mood Scores), the floor of a brute-force pass.
func sweepCPU(c *catalog.Catalog, n int) time.Duration {
	g, m := make([]float32, c.Len()), make([]float32, c.Len())
	q, t := make([]float32, c.Genre.Cols), make([]float32, catalog.MoodDims)
	q[0], t[1] = 1, 1
	d := make([]time.Duration, n)
	for i := range d {
		c0 := threadCPU()
		_ = c.Genre.Scores(q, g) // shapes match by construction
		_ = c.Mood.Scores(t, m)
		d[i] = threadCPU() - c0
	}
	sinkF = g[0] + m[0]
	return quantile(d, 0.5)
}

// quantile sorts d and returns its q-quantile (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	slices.Sort(d)
	return d[int(float64(len(d))*q)]
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func BenchmarkSweep(b *testing.B) {
	forBenchCatalogs(b, benchSweep)
}

// benchSweep reads the same embedding memory as one Recommend: one Scores
// call over the genre matrix and one over the mood matrix.
func benchSweep(b *testing.B, c *catalog.Catalog) {
	g := make([]float32, c.Len())
	sweepLoop(b, c, func(q []float32) error { return c.Genre.Scores(q, g) })
}

// sweepLoop times genre(q) plus the mood pass over c, per op, in thread
// CPU time (the wall clock measures the other processes on a busy machine).
func sweepLoop(b *testing.B, c *catalog.Catalog, genre func(q []float32) error) {
	m := make([]float32, c.Len())
	q := make([]float32, c.Genre.Cols)
	q[0] = 1
	t := make([]float32, catalog.MoodDims)
	t[1] = 1
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for i := 0; i < b.N; i++ {
		if err := genre(q); err != nil {
			b.Fatal(err)
		}
		if err := c.Mood.Scores(t, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	sinkF = m[0]
}

func BenchmarkSweepDistinct(b *testing.B) {
	forBenchCatalogs(b, benchSweepDistinct)
}

func benchSweepDistinct(b *testing.B, c *catalog.Catalog) {
	u, group, ok := embed.DistinctRows(c.Genre, c.Len())
	if !ok {
		b.Fatal("DistinctRows gave up without a limit")
	}
	gu := make([]float32, u.Rows)
	g := make([]float32, c.Len())
	sweepLoop(b, c, func(q []float32) error {
		if err := u.Scores(q, gu); err != nil {
			return err
		}
		for r, v := range group {
			g[r] = gu[v]
		}
		return nil
	})
	b.ReportMetric(float64(u.Rows)/float64(c.Len()), "distinct/N") // after ResetTimer, which drops metrics
}

// BenchmarkNewIndexed is the engine's start at a million rows: "built"
// runs k-means for the IVF index and copies the scored columns into list
// order (what New did before snapshots stored the index); "stored" opens a
// snapshot written the way drive.WriteSnapshot writes it (in list order,
// with the index: recommend.ListOrdered, SectionsWith), which it reads in
// place. The snapshot is written once, outside the timer, to a temporary
// directory (~0.6 GB).
//
//	go test ./internal/recommend -run '^$' -bench NewIndexed -benchtime 1x -benchmem
func BenchmarkNewIndexed(b *testing.B) {
	c := benchCatalog(b, 1_000_000)
	b.Run("built", func(b *testing.B) {
		for b.Loop() {
			if err := recommend.New(c, recommend.Options{}).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stored", func(b *testing.B) {
		ordered, opts, err := recommend.ListOrdered(c, recommend.Options{})
		if err != nil {
			b.Fatal(err)
		}
		extra, err := recommend.SectionsWith(ordered, opts)
		if err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(b.TempDir(), "million.snap")
		if err := catalog.WriteSnapshot(path, ordered, extra...); err != nil {
			b.Fatal(err)
		}
		loaded, err := catalog.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			e := recommend.New(loaded, recommend.Options{})
			if err := e.Err(); err != nil || e.Index() == nil {
				b.Fatalf("engine %v, index %v", err, e.Index() != nil)
			}
		}
	})
}

// BenchmarkStartGenre is Engine.Start for a genre request ("some jazz"):
// finding the rows labelled with the genre (Catalog.RowsWithGenre) and the
// most typical popular one among them, as Play and Resolve do before any
// continuation is ranked.
//
//	CONTINUO_FULL_CATALOG=$PWD/out/full.catalog go test ./internal/recommend -run '^$' -bench 'StartGenre/(full|N=30899)$' -cpu 1 -benchmem
func BenchmarkStartGenre(b *testing.B) {
	forBenchCatalogs(b, func(b *testing.B, c *catalog.Catalog) {
		e := benchEngine(b, c)
		a := &recommend.Anchor{Kind: recommend.AnchorGenre, Genres: []string{"jazz"}, Artist: -1}
		if _, err := e.Start(a, recommend.Request{N: 1, Explicit: true}); err != nil {
			b.Skipf("no jazz in this catalog: %v", err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Start(a, recommend.Request{N: 1, Explicit: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
