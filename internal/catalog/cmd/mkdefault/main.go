// Command mkdefault builds the default catalog embedded in the daemon
// (internal/catalog/default.snap.gz) from the public data in
// /work/shared/data, and the playlist extract the offline evaluation uses
// (testdata/catalog/playlists.csv). From the repository root:
//
//	go run ./internal/catalog/cmd/mkdefault -data ../shared/data \
//	    -out internal/catalog/default.snap.gz -playlists testdata/catalog/playlists.csv
//
// The output is deterministic for the same data and flags.
package main

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mkdefault:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mkdefault", flag.ContinueOnError)
	data := fs.String("data", "../shared/data", "directory of the public data (README.md there)")
	outPath := fs.String("out", "internal/catalog/default.snap.gz", "gzipped snapshot to write")
	plOut := fs.String("playlists", "testdata/catalog/playlists.csv", "playlist extract to write")
	perLabel := fs.Int("per-label", 100, "tracks sampled per genre label")
	nPlaylists := fs.Int("n-playlists", 80, "real playlists kept whole")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	srcs := []string{
		filepath.Join(*data, "tracks_multigenre.csv"),
		filepath.Join(*data, "spotify_songs_playlists.csv"),
		filepath.Join(*data, "spotify_artist_genres_w_features.csv"),
		filepath.Join(*data, "spotify_genre_audio_features.csv"),
		filepath.Join(*data, "raw", "richard-ch__Spotify-Popularity-Predictor"),
	}
	full, rep, err := catalog.Build(catalog.BuildOptions{Sources: srcs})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "full catalog: %d tracks, %d artists, %d labels, %d tags, built in %s\nskipped rows: %s\n",
		rep.Tracks, rep.Artists, rep.Labels, rep.Tags, rep.Elapsed.Round(time.Millisecond), rep.SkipSummary())

	var rows []int
	// 1. Every Tchaikovsky and Mozart track: the daemon's reference drive.
	for i := range full.Tracks {
		for _, a := range full.Tracks[i].Artists {
			n := catalog.NormalizeName(a)
			if strings.Contains(n, "tchaikovsky") || n == "wolfgang amadeus mozart" {
				rows = append(rows, i)
				break
			}
		}
	}
	composers := len(rows)

	// 2. Whole real playlists, stratified over the six playlist genres.
	pls, err := catalog.ReadPlaylists(filepath.Join(*data, "spotify_songs_playlists.csv"))
	if err != nil {
		return err
	}
	picked := samplePlaylists(pls, *nPlaylists)
	keepPl := map[string]bool{}
	for _, p := range picked {
		keepPl[p.ID] = true
		for _, id := range p.Tracks {
			if r, ok := full.Lookup(id); ok {
				rows = append(rows, r)
			}
		}
	}

	// 3. Up to perLabel tracks of every genre label, in a fixed pseudo-random
	// order (hash of the id), so small labels are kept whole.
	byLabel := map[string][]int{}
	for i := range full.Tracks {
		for _, g := range full.Tracks[i].Genres {
			byLabel[g] = append(byLabel[g], i)
		}
	}
	labels := make([]string, 0, len(byLabel))
	for l := range byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		rs := byLabel[l]
		sort.Slice(rs, func(a, b int) bool { return idHash(full.Tracks[rs[a]].ID) < idHash(full.Tracks[rs[b]].ID) })
		rows = append(rows, rs[:min(len(rs), *perLabel)]...)
	}
	def := full.Subset(rows)
	if err := catalog.WriteSnapshotGzip(*outPath, def); err != nil {
		return err
	}
	st, err := os.Stat(*outPath)
	if err != nil {
		return err
	}
	if err := writePlaylistExtract(filepath.Join(*data, "spotify_songs_playlists.csv"), *plOut, keepPl); err != nil {
		return err
	}
	fmt.Fprintf(out, "default catalog: %d tracks (%d Tchaikovsky/Mozart), %d labels, %d artists, %d playlists, %d bytes, %s\n",
		def.Len(), composers, len(def.LabelCounts()), len(def.Artists), len(picked), st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

func idHash(id music.TrackID) uint64 {
	s := sha1.Sum([]byte(id))
	return binary.BigEndian.Uint64(s[:8])
}

// samplePlaylists picks n playlists with at least 10 tracks, the same number
// from each playlist genre as far as possible, in a seeded random order.
func samplePlaylists(pls []catalog.Playlist, n int) []catalog.Playlist {
	byGenre := map[string][]catalog.Playlist{}
	var genres []string
	for _, p := range pls {
		if len(p.Tracks) < 10 {
			continue
		}
		if _, ok := byGenre[p.Genre]; !ok {
			genres = append(genres, p.Genre)
		}
		byGenre[p.Genre] = append(byGenre[p.Genre], p)
	}
	sort.Strings(genres)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, g := range genres {
		ps := byGenre[g]
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	}
	var out []catalog.Playlist
	for k := 0; len(out) < n; k++ {
		added := false
		for _, g := range genres {
			if k < len(byGenre[g]) && len(out) < n {
				out = append(out, byGenre[g][k])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// writePlaylistExtract copies the header and the rows of the kept playlists.
func writePlaylistExtract(src, dst string, keep map[string]bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	cr := csv.NewReader(in)
	header, err := cr.Read()
	if err != nil {
		return err
	}
	col := -1
	for i, h := range header {
		if h == "playlist_id" {
			col = i
		}
	}
	if col < 0 {
		return fmt.Errorf("%s: no playlist_id column", src)
	}
	tmp := dst + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write(header)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return err
		}
		if keep[rec[col]] {
			cw.Write(rec)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
