// Command mkdefault builds the default catalog embedded in the daemon
// (internal/catalog/default.snap) from the public data in
// /work/shared/data, and the playlist extract the offline evaluation uses
// (testdata/catalog/playlists.csv). From the repository root:
//
//	go run ./internal/catalog/cmd/mkdefault -data ../shared/data \
//	    -out internal/catalog/default.snap -playlists testdata/catalog/playlists.csv
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
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/continuo/continuo/internal/atomicfile"
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/drive"
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
	outPath := fs.String("out", "internal/catalog/default.snap", "snapshot to write")
	plOut := fs.String("playlists", "testdata/catalog/playlists.csv", "playlist extract to write")
	perLabel := fs.Int("per-label", 45, "tracks sampled per genre label")
	nPlaylists := fs.Int("n-playlists", 80, "real playlists kept whole")
	nTop := fs.Int("top-artists", 1000, "artists with the best three popularities whose best titles are kept")
	nBroad := fs.Int("broad-artists", 3000, "artists with the best ten popularities whose best titles are kept")
	perArtist := fs.Int("per-artist", 5, "best distinct titles kept per popular artist")
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
		// explicit flags of the 2024 collection (source C)
		filepath.Join(*data, "raw", "Cristhianrg1__spotify_song_popularity_prediction"),
	}
	full, rep, err := catalog.Build(catalog.BuildOptions{Sources: srcs})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "full catalog: %d tracks, %d artists, %d labels, %d tags, built in %s\nskipped rows: %s\n",
		rep.Tracks, rep.Artists, rep.Labels, rep.Tags, rep.Elapsed.Round(time.Millisecond), rep.SkipSummary())

	var rows []int
	// 1. Every Tchaikovsky and Mozart track: the daemon's reference drive.
	for i := range full.Len() {
		for _, a := range full.TrackArtists(i) {
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
	for i := range full.Len() {
		for _, g := range full.TrackGenres(i) {
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
		sort.Slice(rs, func(a, b int) bool { return idHash(full.ID(rs[a])) < idHash(full.ID(rs[b])) })
		rows = append(rows, rs[:min(len(rs), *perLabel)]...)
	}
	// 4. What drivers ask for: the most popular titles of the most popular
	// artists, one recording each (the most popular), so that "HUMBLE.",
	// "So What", "Jolene" or "bob marley" resolve to the real thing.
	before := len(rows)
	rows = append(rows, popularArtistTitles(full, *nTop, *nBroad, *perArtist)...)
	popular := len(rows) - before
	def := full.Subset(rows)
	if err := drive.WriteSnapshot(*outPath, def); err != nil {
		return err
	}
	st, err := os.Stat(*outPath)
	if err != nil {
		return err
	}
	if err := writePlaylistExtract(filepath.Join(*data, "spotify_songs_playlists.csv"), *plOut, keepPl); err != nil {
		return err
	}
	fmt.Fprintf(out, "default catalog: %d tracks (%d Tchaikovsky/Mozart, %d popular-artist titles, some also in the above), %d labels, %d artists, %d playlists, %d bytes, %s\n",
		def.Len(), composers, popular, len(def.LabelCounts()), len(def.Artists), len(picked), st.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// popularArtistTitles returns the most popular recording of each of the
// perArtist most popular distinct titles (title without bracketed or " - "
// version parts) of two sets of primary artists: the nTop with the highest
// sum of their three best popularities (today's charts), and the nBroad
// with the highest sum of their ten best (the classics with many
// well-known tracks: Miles Davis, Frank Sinatra, Bach, whose single best
// popularity is lower). Deterministic: ties go to the lower artist index and row.
func popularArtistTitles(c *catalog.Catalog, nTop, nBroad, perArtist int) []int {
	byArtist := map[int32][]int{}
	for i := range c.Len() {
		if c.Popularity(i) >= 0 {
			byArtist[c.Artist[i]] = append(byArtist[c.Artist[i]], i)
		}
	}
	type artist struct {
		id      int32
		score   int // sum of the 3 best popularities
		breadth int // sum of the 10 best
		rows    []int
	}
	var arts []artist
	for id, rs := range byArtist {
		sort.SliceStable(rs, func(a, b int) bool {
			pa, pb := c.Popularity(rs[a]), c.Popularity(rs[b])
			return pa > pb || pa == pb && rs[a] < rs[b]
		})
		a := artist{id: id, rows: rs}
		for k, r := range rs[:min(10, len(rs))] {
			if k < 3 {
				a.score += int(c.Popularity(r))
			}
			a.breadth += int(c.Popularity(r))
		}
		arts = append(arts, a)
	}
	top := func(n int, key func(a artist) int) []artist {
		sort.Slice(arts, func(a, b int) bool {
			ka, kb := key(arts[a]), key(arts[b])
			return ka > kb || ka == kb && arts[a].id < arts[b].id
		})
		return slices.Clone(arts[:min(n, len(arts))])
	}
	chosen := append(top(nTop, func(a artist) int { return a.score }), top(nBroad, func(a artist) int { return a.breadth })...)
	var out []int
	for _, a := range chosen {
		seen := map[string]bool{}
		albums := map[string][]int{} // the artist's rows by album, most popular first
		for _, r := range a.rows {
			if al := catalog.NormalizeName(c.Album(r)); al != "" {
				albums[al] = append(albums[al], r)
			}
		}
		for _, r := range a.rows {
			k := titleKey(c.Title(r))
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, r)
			// One more title of its album, so the album can be asked
			// for by name ("kind of blue").
			out = append(out, albumCompanions(c, albums[catalog.NormalizeName(c.Album(r))], k, 1)...)
			if len(seen) == perArtist {
				break
			}
		}
	}
	return out
}

// albumCompanions returns up to n rows of album (most popular first) whose
// titles differ from title and from each other.
func albumCompanions(c *catalog.Catalog, album []int, title string, n int) []int {
	seen := map[string]bool{title: true}
	var out []int
	for _, r := range album {
		if k := titleKey(c.Title(r)); !seen[k] && len(out) < n {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// titleKey is a title without version parts: "HUMBLE. - SKRILLEX REMIX"
// and "Jolene (Live)" are other recordings of "HUMBLE." and "Jolene".
func titleKey(t string) string {
	if i := strings.IndexAny(t, "(["); i > 0 {
		t = t[:i]
	}
	if i := strings.Index(t, " - "); i > 0 {
		t = t[:i]
	}
	return catalog.NormalizeName(t)
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
	return atomicfile.Write(dst, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if keep[rec[col]] {
				cw.Write(rec)
			}
		}
		cw.Flush()
		return cw.Error()
	})
}
