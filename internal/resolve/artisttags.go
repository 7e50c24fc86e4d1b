package resolve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Artists known beyond the catalog: the Spotify artist file lists 28,680
// artists, 18,823 of them with genre tags, far more than any car's catalog
// holds tracks of. A request for one of them ("play something by Paul
// Landers") starts music of their genres instead of nothing. The table is
// written at build time by cmd/mkartisttags (`make artist-tags`) and
// embedded, apart from the catalog snapshot: it is knowledge about the
// world, the same whichever catalog the car carries, and the daemon never
// reads ../shared at run time.
//
// Format (gzipped UTF-8 text, deterministic):
//
//	continuo-artist-tags 1
//	N                       the number of tags
//	tag                     N lines, sorted
//	name<TAB>i j k          one line per artist, sorted by name: tag numbers
//
//go:embed artist_tags.txt.gz
var artistTagsGz []byte

const artistTagsHeader = "continuo-artist-tags 1"

// ArtistTags is the table: an artist's display name and genre tags by
// normalised name.
type ArtistTags struct {
	tags    []string
	artists map[string]worldArtist // Normalize(name) → artist
}

type worldArtist struct {
	name string
	tags []int32
}

// Lookup returns an artist's display name and tags; ok is false for an
// artist the table does not hold.
func (a *ArtistTags) Lookup(name string) (display string, tags []string, ok bool) {
	if a == nil {
		return "", nil, false
	}
	w, ok := a.artists[Normalize(name)]
	if !ok {
		return "", nil, false
	}
	tags = make([]string, len(w.tags))
	for i, t := range w.tags {
		tags[i] = a.tags[t]
	}
	return w.name, tags, true
}

// Len is the number of artists in the table.
func (a *ArtistTags) Len() int { return len(a.artists) }

// DefaultArtistTags is the embedded table, read on first use.
var DefaultArtistTags = sync.OnceValues(func() (*ArtistTags, error) {
	zr, err := gzip.NewReader(bytes.NewReader(artistTagsGz))
	if err != nil {
		return nil, fmt.Errorf("resolve: embedded artist tags (run make artist-tags): %w", err)
	}
	a, err := ReadArtistTags(zr)
	if err != nil {
		return nil, fmt.Errorf("resolve: embedded artist tags (run make artist-tags): %w", err)
	}
	return a, nil
})

// WriteArtistTags writes artists (display name → tags) in the table format,
// gzipped. Tags are deduplicated per artist; artists without tags are left
// out.
func WriteArtistTags(w io.Writer, artists map[string][]string) error {
	index := map[string]int{}
	var tags []string
	for _, ts := range artists {
		for _, t := range ts {
			if _, ok := index[t]; !ok {
				index[t] = 0
				tags = append(tags, t)
			}
		}
	}
	slices.Sort(tags)
	for i, t := range tags {
		index[t] = i
	}
	names := make([]string, 0, len(artists))
	for n := range artists {
		if validTableText(n) && len(artists[n]) > 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n", artistTagsHeader, len(tags))
	for _, t := range tags {
		if !validTableText(t) {
			return fmt.Errorf("write artist tags: tag %q has a tab or a newline", t)
		}
		b.WriteString(t + "\n")
	}
	for _, n := range names {
		b.WriteString(n + "\t")
		seen := map[int]bool{}
		for i, t := range artists[n] {
			if seen[index[t]] {
				continue
			}
			seen[index[t]] = true
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(index[t]))
		}
		b.WriteByte('\n')
	}
	// A zero gzip header (no name, no time) keeps the output deterministic.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("write artist tags: %w", err)
	}
	if _, err := io.WriteString(zw, b.String()); err != nil {
		return fmt.Errorf("write artist tags: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write artist tags: %w", err)
	}
	return nil
}

func validTableText(s string) bool {
	return s != "" && !strings.ContainsAny(s, "\t\n\r")
}

// maxArtistTagLines bounds what a damaged or hostile table may make the
// reader allocate.
const maxArtistTagLines = 1 << 20

// ReadArtistTags reads a table (not gzipped). Errors name the line.
func ReadArtistTags(r io.Reader) (*ArtistTags, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<10)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	fail := func(format string, args ...any) (*ArtistTags, error) {
		return nil, fmt.Errorf("artist tags line %d: %s", line, fmt.Sprintf(format, args...))
	}
	if h, ok := next(); !ok || h != artistTagsHeader {
		return fail("want header %q", artistTagsHeader)
	}
	s, ok := next()
	n, err := strconv.Atoi(s)
	if !ok || err != nil || n < 0 || n > maxArtistTagLines {
		return fail("want the number of tags, got %q", s)
	}
	a := &ArtistTags{tags: make([]string, 0, n), artists: map[string]worldArtist{}}
	for range n {
		t, ok := next()
		if !ok || t == "" {
			return fail("want a tag")
		}
		a.tags = append(a.tags, t)
	}
	for {
		s, ok := next()
		if !ok {
			break
		}
		if line > maxArtistTagLines {
			return fail("more than %d lines", maxArtistTagLines)
		}
		name, list, found := strings.Cut(s, "\t")
		if !found || name == "" {
			return fail("want name<TAB>tag numbers")
		}
		w := worldArtist{name: name}
		for _, f := range strings.Fields(list) {
			i, err := strconv.Atoi(f)
			if err != nil || i < 0 || i >= len(a.tags) {
				return fail("tag number %q out of range 0..%d", f, len(a.tags)-1)
			}
			w.tags = append(w.tags, int32(i))
		}
		if key := Normalize(name); key != "" && len(w.tags) > 0 {
			if _, dup := a.artists[key]; !dup { // the first spelling wins, as sorted
				a.artists[key] = w
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fail("%v", err)
	}
	return a, nil
}

// ReadArtistFile reads the Spotify artist file
// (spotify_artist_genres_w_features.csv): display name → genre tags, from
// its artists and genres columns. Genres are "a, b, c" or "[]"; the
// spreadsheet that re-saved the file turned tags with an apostrophe into
// quoted strings, whose quotes are dropped. Artists without tags are left
// out.
func ReadArtistFile(r io.Reader) (map[string][]string, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("artist file header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	ia, okA := col["artists"]
	ig, okG := col["genres"]
	if !okA || !okG {
		return nil, errors.New("artist file: want columns artists and genres")
	}
	out := map[string][]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("artist file: %w", err)
		}
		name := strings.TrimSpace(rec[ia])
		var tags []string
		for _, p := range strings.Split(strings.Trim(strings.TrimSpace(rec[ig]), "[]"), ",") {
			if p = strings.Trim(strings.TrimSpace(p), `"'`); p != "" {
				tags = append(tags, p)
			}
		}
		if name != "" && len(tags) > 0 {
			out[name] = append(out[name], tags...)
		}
	}
}
