package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/footprint"
	"github.com/continuo/continuo/internal/music"
)

// BenchmarkFlashPerTrack: bytes written to storage per track played, the
// flash wear of a drive (issue 12, "≤ 12 KB per track played"). One drive
// of flashTracks plays, each acknowledged alone as the drive core does on a
// track change, on a real file under t.TempDir(); write_bytes of
// /proc/self/io before and after (dirtied page-cache pages, 4 KiB granular:
// WAL frames, checkpoints, the -shm index). Zero on tmpfs: run it on the
// disk the car would use.
//
//	go test -run '^$' -bench FlashPerTrack -benchtime 1x ./internal/history/
//
// "KB/track" is during the drive (the daemon's steady state); "KB/track+close"
// adds the schema creation, the first prune and the checkpoint at Close.
// Nothing else in the test process may write meanwhile, hence a benchmark
// and not a test run beside parallel ones.
func BenchmarkFlashPerTrack(b *testing.B) {
	const flashTracks = 300
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		start := readWriteBytes(b)
		s, err := Open(ctx, Options{Path: b.TempDir() + "/history.db", Now: newClock(t0.Add(24 * time.Hour)).Now})
		require.NoError(b, err)
		sid, err := s.StartSession(ctx, "anna", t0)
		require.NoError(b, err)
		b.StartTimer()
		before := readWriteBytes(b)
		for i := range flashTracks {
			ev := event("anna", i, music.OutcomeCompleted)
			ev.Session = sid
			ev.URL = fmt.Sprintf("https://media.example/library/artist-%d/album/%03d-some-title.flac", i%40, i)
			if _, err := s.Record(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		during := readWriteBytes(b) - before
		b.StopTimer()
		require.NoError(b, s.Close())
		total := readWriteBytes(b) - start
		b.StartTimer()
		b.ReportMetric(float64(during)/flashTracks/1000, "KB/track")
		b.ReportMetric(float64(total)/flashTracks/1000, "KB/track+close")
	}
}

func readWriteBytes(tb testing.TB) uint64 {
	tb.Helper()
	io, err := footprint.ReadIO("self")
	require.NoError(tb, err)
	return io.WriteBytes
}
