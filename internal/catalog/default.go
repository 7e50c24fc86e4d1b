package catalog

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
)

// defaultSnapshot is the embedded default catalog: a snapshot of a
// stratified sample of the public data with its genre space learned from all
// of it. Regenerate with make catalog, i.e. (from the repository root):
//
//	go run ./internal/catalog/cmd/mkdefault -data ../shared/data -out internal/catalog/default.snap -playlists testdata/catalog/playlists.csv
//
// It is stored uncompressed and embedded as a string, so it lies in the
// binary's read-only data and is used in place like a mapped file: only the
// pages a request touches become resident, and they are clean file pages.
//
//go:embed default.snap
var defaultSnapshot string

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded default catalog, decoded once. Callers share
// it and must not modify it (ApplyURITemplate works on a Clone).
func Default() (*Catalog, error) {
	defaultOnce.Do(func() {
		defaultCat, defaultErr = openTrusted(defaultBytes())
		if defaultErr != nil {
			defaultErr = fmt.Errorf("default catalog: %w", defaultErr)
		}
	})
	return defaultCat, defaultErr
}

// defaultBytes returns the embedded snapshot in place, or an 8-byte-aligned
// copy when the linker placed it at an address its uint64 sections cannot
// be read from (not seen with the gc toolchain, which aligns it).
func defaultBytes() []byte {
	b := unsafe.Slice(unsafe.StringData(defaultSnapshot), len(defaultSnapshot))
	if uintptr(unsafe.Pointer(unsafe.StringData(defaultSnapshot)))%8 == 0 {
		return b
	}
	words := make([]uint64, (len(b)+7)/8)
	aligned := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(b))
	copy(aligned, b)
	return aligned
}

// Subset returns a catalog of the given rows (in that order, duplicates
// dropped) sharing c's genre space, families and mood scaling.
func (c *Catalog) Subset(rows []int) *Catalog {
	seen := make(map[int]bool, len(rows))
	keep := make([]int, 0, len(rows))
	for _, r := range rows {
		if r >= 0 && r < c.Len() && !seen[r] {
			seen[r] = true
			keep = append(keep, r)
		}
	}
	s := &Catalog{
		tracks:   make([]music.Track, len(keep)),
		Genre:    embed.NewMatrix(len(keep), c.Genre.Cols),
		Mood:     embed.NewMatrix(len(keep), MoodDims),
		Artist:   make([]int32, len(keep)),
		Family:   make([]uint8, len(keep)),
		Families: append([]string(nil), c.Families...),
		Tags:     c.Tags,
		MoodMean: c.MoodMean,
		MoodStd:  c.MoodStd,
	}
	artists := map[int32]int32{}
	for i, r := range keep {
		s.tracks[i] = c.Track(r)
		copy(s.Genre.Row(i), c.Genre.Row(r))
		copy(s.Mood.Row(i), c.Mood.Row(r))
		s.Family[i] = c.Family[r]
		a, ok := artists[c.Artist[r]]
		if !ok {
			a = int32(len(s.Artists))
			artists[c.Artist[r]] = a
			s.Artists = append(s.Artists, c.Artists[c.Artist[r]])
		}
		s.Artist[i] = a
	}
	if c.Derived.Valid(c.Len()) {
		s.Derived = c.Derived.subset(keep)
	}
	s.reindex()
	return s
}

// Clone returns a copy of c that ApplyURITemplate can change; the tracks,
// matrices and the genre space are shared, as they are read-only.
func (c *Catalog) Clone() *Catalog {
	cp := *c
	return &cp
}

// ApplyURITemplate gives every row without a URI the URI tmpl with "{id}"
// replaced by the track id (applied when read: URI, Track) and rebuilds the
// URI index. It modifies c: call it before sharing the catalog (on a Clone
// of Default()).
func ApplyURITemplate(c *Catalog, tmpl string) error {
	if !strings.Contains(tmpl, "{id}") {
		return music.Errorf(music.KindInvalid, "uri template %q has no {id}", tmpl)
	}
	c.uriTemplate = tmpl
	c.uris = hashindex.New(rowKeys(c.Len(), c.URI))
	return nil
}
