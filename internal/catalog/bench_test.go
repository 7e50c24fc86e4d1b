package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/continuo/continuo/internal/embed"
)

// sharedData is the public data (/work/shared/data in the development
// tree); CONTINUO_SHARED_DATA overrides it. Benchmarks that need the full
// catalog skip without it.
func sharedData(tb testing.TB) string {
	dir := os.Getenv("CONTINUO_SHARED_DATA")
	if dir == "" {
		dir = "../../../shared/data"
	}
	if _, err := os.Stat(filepath.Join(dir, "tracks_multigenre.csv")); err != nil {
		tb.Skipf("shared data not found in %s (set CONTINUO_SHARED_DATA)", dir)
	}
	return dir
}

func fullSources(dir string) []string {
	return []string{
		filepath.Join(dir, "tracks_multigenre.csv"),
		filepath.Join(dir, "spotify_songs_playlists.csv"),
		filepath.Join(dir, "spotify_artist_genres_w_features.csv"),
		filepath.Join(dir, "spotify_genre_audio_features.csv"),
		filepath.Join(dir, "raw", "richard-ch__Spotify-Popularity-Predictor"),
	}
}

var (
	sinkN int
	sinkF float32
)

// fullSnapshot builds the full catalog from the shared data and returns its
// snapshot bytes. The catalog itself is dropped before the timed part, so
// the garbage collector does not rescan it while loads are measured (the
// daemon loads into an empty heap).
func fullSnapshot(b *testing.B) []byte {
	dir := sharedData(b)
	c, _, err := Build(BuildOptions{Sources: fullSources(dir)})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := encodeSnapshot(&buf, c); err != nil {
		b.Fatal(err)
	}
	c = nil
	runtime.GC()
	return buf.Bytes()
}

// BenchmarkLoadSnapshot loads the full public catalog (~176k tracks) from
// an uncompressed snapshot file, as the daemon does at start.
func BenchmarkLoadSnapshot(b *testing.B) {
	raw := fullSnapshot(b)
	path := filepath.Join(b.TempDir(), "full.snap")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(raw))/1e6, "MB")
	raw = nil
	b.ReportAllocs()
	for b.Loop() {
		got, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		sinkN = got.Len()
	}
}

// BenchmarkOpenDefault opens the embedded default catalog in place (what
// Default does once per process).
func BenchmarkOpenDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := openSnapshot(defaultBytes(), nil)
		if err != nil {
			b.Fatal(err)
		}
		sinkN = c.Len()
	}
}

// BenchmarkBuildFull builds the full catalog from the shared data.
func BenchmarkBuildFull(b *testing.B) {
	dir := sharedData(b)
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := Build(BuildOptions{Sources: fullSources(dir)})
		if err != nil {
			b.Fatal(err)
		}
		sinkN = c.Len()
	}
}

// BenchmarkEmbedUnseen maps a player's unseen genre string.
func BenchmarkEmbedUnseen(b *testing.B) {
	c, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, c.Tags.Dims())
	for b.Loop() {
		c.Tags.Embed([]string{"Romantic Era Classical"}, dst)
	}
	sinkF = embed.Dot(dst, dst)
}

// BenchmarkLoadFullHeap loads the snapshot named by CONTINUO_FULL_CATALOG
// (the full catalog, format 3) and reports the Go heap it keeps live after
// a collection (heap-MB) and the heap the collector scans at every cycle
// (scan-MB, /gc/scan/heap:bytes), which the daemon pays again and again
// under its low GC target.
func BenchmarkLoadFullHeap(b *testing.B) {
	path := os.Getenv("CONTINUO_FULL_CATALOG")
	if path == "" {
		b.Skip("set CONTINUO_FULL_CATALOG to a format 3 snapshot")
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var c *Catalog
	for b.Loop() {
		c = nil
		var err error
		if c, err = Load(path); err != nil {
			b.Fatal(err)
		}
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heap-MB")
	scan := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}}
	metrics.Read(scan)
	b.ReportMetric(float64(scan[0].Value.Uint64())/1e6, "scan-MB")
	sinkN = c.Len()
	runtime.KeepAlive(c)
}
