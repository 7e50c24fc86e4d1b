package daemon_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/busapi"
)

// BenchmarkRecommendRoundTrip is one Recommend(seed, 10) call over a real
// private bus: client marshalling, dbus-daemon routing, checks, the engine,
// and the reply. Reports p50 and p99 of the individual calls.
func BenchmarkRecommendRoundTrip(b *testing.B) {
	e := startDaemon(b)
	var found []map[string]dbus.Variant
	if err := e.call("Resolve", "tchaikovsky swan lake", uint32(1)).Store(&found); err != nil || len(found) == 0 {
		b.Fatalf("resolve: %v", err)
	}
	seed := found[0]["continuo:id"].Value().(string)
	opts := map[string]dbus.Variant{}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c := e.obj.CallWithContext(ctx, busapi.Interface+".Recommend", 0, seed, uint32(10), opts)
		cancel()
		if c.Err != nil {
			b.Fatal(c.Err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
