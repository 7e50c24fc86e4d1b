package history

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// go test -run '^$' -bench . -benchmem ./internal/history/
//
// Numbers depend on the fsync cost of the file system under t.TempDir():
// run them on the target's flash for figures that mean something.

var sinkTaste music.Taste

// BenchmarkIngest: sustained acknowledged events/s with many concurrent
// producers, i.e. how far batching carries one fsync per commit.
func BenchmarkIngest(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, Options{MaxEventsPerProfile: 1 << 30})
	var n atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS producers
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			ev := event(fmt.Sprintf("p%d", i%4), i%2000, music.OutcomeCompleted)
			ev.StartedAt = t0
			if _, err := s.Record(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(s.batched.Load())/float64(s.batches.Load()), "events/batch")
}

// BenchmarkRecordLatency: one producer, one event at a time: the latency of
// an acknowledged (committed, fsynced) event.
func BenchmarkRecordLatency(b *testing.B) {
	ctx := context.Background()
	s := openStore(b, Options{MaxEventsPerProfile: 1 << 30})
	lat := make([]time.Duration, 0, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := event("anna", i%2000, music.OutcomeCompleted)
		i++
		start := time.Now()
		if _, err := s.Record(ctx, ev); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// year simulates a year of daily driving for one profile: two drives a day
// of 15 tracks each, drawn with a heavy head from a 5,000-track catalog
// (people replay favourites), 70% completed, 20% skipped, 10% stopped, and
// a like or dislike now and then. The clock follows the drives, so
// retention and decay see real ages. With parallel, each drive's events are
// recorded concurrently (to build fixtures fast); otherwise one at a time
// as the daemon does.
func year(tb testing.TB, s *Store, clk *clock, start time.Time, parallel bool) int {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	events := 0
	for day := range 365 {
		for drive := range 2 {
			at := start.Add(time.Duration(day)*24*time.Hour + time.Duration(7+10*drive)*time.Hour)
			clk.Set(at)
			sid, err := s.StartSession(ctx, "anna", at)
			require.NoError(tb, err)
			evs := make([]music.PlayEvent, 15)
			for i := range evs {
				track := int(5000 * rng.Float64() * rng.Float64() * rng.Float64())
				ev := event("anna", track, music.OutcomeCompleted)
				ev.TrackID = music.TrackID(fmt.Sprintf("trk%05d", track))
				ev.Artist = fmt.Sprintf("Artist %d", track/12)
				ev.Session = sid
				ev.StartedAt = at.Add(time.Duration(i) * 3 * time.Minute)
				switch r := rng.IntN(10); {
				case r < 2:
					ev.Outcome, ev.PositionMS = music.OutcomeSkipped, 20000
				case r < 3:
					ev.Outcome = music.OutcomeStopped
				}
				evs[i] = ev
			}
			if parallel {
				var wg sync.WaitGroup
				for _, ev := range evs {
					wg.Go(func() {
						if _, err := s.Record(ctx, ev); err != nil {
							tb.Error(err) // not FailNow: another goroutine
						}
					})
				}
				wg.Wait()
			} else {
				for _, ev := range evs {
					_, err := s.Record(ctx, ev)
					require.NoError(tb, err)
				}
			}
			events += len(evs)
			if rng.IntN(3) == 0 {
				kind := music.Like
				if rng.IntN(3) == 0 {
					kind = music.Dislike
				}
				require.NoError(tb, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: evs[0].TrackID, Kind: kind, At: at}))
			}
			require.NoError(tb, s.EndSession(ctx, sid, at.Add(45*time.Minute)))
		}
	}
	return events
}

// BenchmarkYearOfDriving records a year of driving one event at a time,
// with retention on, and reports the file size at the end: with the
// defaults (a year of events fits in them) and with a 90-day MaxAge (the
// steady state of a quarter's history).
func BenchmarkYearOfDriving(b *testing.B) {
	for _, bc := range []struct {
		name   string
		maxAge time.Duration
	}{
		{"Defaults", 0},
		{"MaxAge90d", 90 * 24 * time.Hour},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int64
			var kept, events int
			for b.Loop() {
				path := filepath.Join(b.TempDir(), "year.db")
				clk := newClock(t0)
				s, err := Open(context.Background(), Options{Path: path, Now: clk.Now, MaxAge: bc.maxAge})
				require.NoError(b, err)
				events = year(b, s, clk, t0, false)
				require.NoError(b, s.Close())
				// Reopen: Open prunes, as the daemon's next start would.
				s, err = Open(context.Background(), Options{Path: path, Now: clk.Now, MaxAge: bc.maxAge})
				require.NoError(b, err)
				recent, err := s.Recent(context.Background(), "anna", 1<<20)
				require.NoError(b, err)
				kept = len(recent)
				require.NoError(b, s.Close())
				st, err := os.Stat(path)
				require.NoError(b, err)
				size = st.Size()
			}
			b.ReportMetric(float64(size), "file-bytes")
			b.ReportMetric(float64(events), "events")
			b.ReportMetric(float64(kept), "kept-events")
		})
	}
}

// BenchmarkLoadTaste: what the daemon does at start-up for the active
// profile, on a year of history: Taste alone, and Open followed by Taste.
func BenchmarkLoadTaste(b *testing.B) {
	path := filepath.Join(b.TempDir(), "year.db")
	clk := newClock(t0)
	s, err := Open(context.Background(), Options{Path: path, Now: clk.Now})
	require.NoError(b, err)
	year(b, s, clk, t0, true)
	require.NoError(b, s.Close())
	ctx := context.Background()

	b.Run("Taste", func(b *testing.B) {
		s := openStore(b, Options{Path: path, Now: clk.Now})
		b.ReportAllocs()
		for b.Loop() {
			sinkTaste, err = s.Taste(ctx, "anna")
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(sinkTaste.Tracks)), "tracks")
	})
	b.Run("OpenAndTaste", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := Open(ctx, Options{Path: path, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			sinkTaste, err = s.Taste(ctx, "anna")
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
