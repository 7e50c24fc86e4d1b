package recommend

import (
	"cmp"
	"fmt"
	"slices"
	"unsafe"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/embed/ivf"
	"github.com/continuo/continuo/internal/hashindex"
)

// The engine's per-row keys, precomputed at build time and stored in the
// catalog's snapshot (Sections), so New reads them in place instead of
// normalising and hashing every title, album and credit at start. They
// depend on the catalog only; what depends on Options (the prior, mood
// norms under custom weights) is computed in New as before.
const (
	secMoodNorm2 = "recommend.moodnorm2" // under MoodDimWeights
	secAlbum     = "recommend.album"
	secWork      = "recommend.work"
	secPiece     = "recommend.piece"
	secTitle     = "recommend.title"
	secSongSig   = "recommend.songsig"
	secCredits   = "recommend.credits"
	secUntagged  = "recommend.untagged"
	secVocal     = "recommend.vocal"
	secArtHash   = "recommend.artist.hash"
	secArtID     = "recommend.artist.id"

	// The IVF index of a catalog above the index threshold (search.go):
	// k-means at a million rows takes ~35 s, so the build learns it once and
	// New reads it in place. Only what an exact search reads is stored (the
	// int8 codes are not).
	secIVFShape     = "recommend.ivf.shape" // lists, columns
	secIVFCentroids = "recommend.ivf.centroids"
	secIVFOffsets   = "recommend.ivf.offsets"
	secIVFIDs       = "recommend.ivf.ids"
)

// workKey is stored as its in-memory layout: a uint64 and a uint8, padded to
// 16 bytes on every 64-bit target. The assertion fails to compile if not.
var _ [16]struct{} = [unsafe.Sizeof(workKey{})]struct{}{}

// Sections returns the engine's precomputed sections for c's snapshot
// (catalog.WriteSnapshot(path, c, recommend.Sections(c)...)).
func Sections(c *catalog.Catalog) ([]catalog.Section, error) {
	return SectionsWith(c, Options{})
}

// SectionsWith is Sections for an engine built with opts: its IndexAbove
// decides whether the catalog gets an IVF index to store.
func SectionsWith(c *catalog.Catalog, opts Options) ([]catalog.Section, error) {
	e := New(c, opts)
	if e.err != nil {
		return nil, fmt.Errorf("recommend sections: %w", e.err)
	}
	secs := []catalog.Section{
		catalog.SectionOf(secMoodNorm2, e.moodNorm2),
		catalog.SectionOf(secAlbum, e.album),
		catalog.SectionOf(secWork, e.work),
		catalog.SectionOf(secPiece, e.piece),
		catalog.SectionOf(secTitle, e.title),
		catalog.SectionOf(secSongSig, e.songSig),
		catalog.SectionOf(secCredits, e.credits),
		catalog.SectionOf(secUntagged, e.untagged),
		catalog.SectionOf(secVocal, e.vocal),
		catalog.SectionOf(secArtHash, e.artists.hash),
		catalog.SectionOf(secArtID, e.artists.id),
	}
	if ix := e.Index(); ix != nil {
		secs = append(secs,
			catalog.SectionOf(secIVFShape, []uint32{uint32(ix.Lists), uint32(ix.Cols)}),
			catalog.SectionOf(secIVFCentroids, ix.Centroids),
			catalog.SectionOf(secIVFOffsets, ix.Offsets),
			catalog.SectionOf(secIVFIDs, ix.IDs))
	}
	return secs, nil
}

// storedIndex returns the IVF index the catalog's snapshot stores, in
// place, or nil when it has none. It is checked by newRowIndex like any
// prebuilt index; here only what is needed to read it safely.
func (e *Engine) storedIndex() (*ivf.Index, error) {
	shape, ok, err := catalog.SectionView[uint32](e.cat, secIVFShape, 2)
	if err != nil || !ok {
		return nil, err
	}
	lists, cols := int(shape[0]), int(shape[1])
	if lists <= 0 || lists > e.n || cols != e.gdim {
		return nil, fmt.Errorf("section %s: %d lists of %d columns for %d rows of %d", secIVFShape, lists, cols, e.n, e.gdim)
	}
	ix := &ivf.Index{Lists: lists, Cols: cols}
	if ix.Centroids, err = ivfSection[float32](e.cat, secIVFCentroids, lists*cols); err != nil {
		return nil, err
	}
	if ix.Offsets, err = ivfSection[uint32](e.cat, secIVFOffsets, lists+1); err != nil {
		return nil, err
	}
	if ix.IDs, err = ivfSection[uint32](e.cat, secIVFIDs, e.n); err != nil {
		return nil, err
	}
	return ix, nil
}

// loadKeys takes the per-row keys from the catalog's snapshot; false when
// it has none (built in memory, or a section is missing or malformed: then
// New computes them, so a catalog always works).
func (e *Engine) loadKeys(opts Options) bool {
	n := e.n
	ok := true
	u64 := func(name string) []uint64 { return view[uint64](e.cat, name, n, &ok) }
	keys := func(name string) []workKey { return view[workKey](e.cat, name, n, &ok) }
	bools := func(name string) []bool {
		b := view[uint8](e.cat, name, n, &ok)
		for _, v := range b {
			if v > 1 {
				ok = false
				return nil
			}
		}
		return unsafe.Slice((*bool)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
	}
	e.album, e.piece, e.title, e.credits = u64(secAlbum), u64(secPiece), u64(secTitle), u64(secCredits)
	e.work, e.songSig = keys(secWork), keys(secSongSig)
	e.untagged, e.vocal = bools(secUntagged), bools(secVocal)
	e.artists.hash = view[uint64](e.cat, secArtHash, -1, &ok)
	e.artists.id = view[uint32](e.cat, secArtID, len(e.artists.hash), &ok)
	if ok && !e.artists.valid(len(e.cat.Artists)) {
		ok = false
	}
	if opts.MoodDimWeights == nil {
		e.moodNorm2 = view[float32](e.cat, secMoodNorm2, n, &ok)
	} else if ok {
		e.moodNorm2 = make([]float32, n)
		for i := range n {
			e.moodNorm2[i] = e.moodNorm(i)
		}
	}
	return ok
}

// ivfSection reads one of the stored index's sections, which must be
// there once the shape section is.
func ivfSection[T any](c *catalog.Catalog, name string, n int) ([]T, error) {
	v, ok, err := catalog.SectionView[T](c, name, n)
	if err == nil && !ok {
		err = fmt.Errorf("section %s: missing beside %s", name, secIVFShape)
	}
	return v, err
}

// view reads one section; a missing or malformed one clears ok.
func view[T any](c *catalog.Catalog, name string, n int, ok *bool) []T {
	if !*ok {
		return nil
	}
	v, found, err := catalog.SectionView[T](c, name, n)
	if !found || err != nil {
		*ok = false
	}
	return v
}

// artistIndex maps a normalised artist name to its artist as (FNV-1a hash,
// artist) pairs sorted by hash: a flat array the snapshot stores, searched
// by binary search, the name compared on a hash match. When names repeat
// (two spellings normalise alike) the last artist wins, as the map it
// replaces did.
type artistIndex struct {
	hash []uint64
	id   []uint32
}

func newArtistIndex(names []string) artistIndex {
	type pair struct {
		h  uint64
		id uint32
	}
	pairs := make([]pair, len(names))
	for i, a := range names {
		pairs[i] = pair{hashindex.String(catalog.NormalizeName(a)), uint32(i)}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return -cmp.Compare(a.id, b.id) // the last spelling first
	})
	x := artistIndex{hash: make([]uint64, len(pairs)), id: make([]uint32, len(pairs))}
	for i, p := range pairs {
		x.hash[i], x.id[i] = p.h, p.id
	}
	return x
}

func (x *artistIndex) valid(artists int) bool {
	if !slices.IsSorted(x.hash) {
		return false
	}
	for _, a := range x.id {
		if int(a) >= artists {
			return false
		}
	}
	return true
}

// find returns the artist whose normalised name is key.
func (x *artistIndex) find(key string, names []string) (int32, bool) {
	h := hashindex.String(key)
	i, _ := slices.BinarySearch(x.hash, h)
	for ; i < len(x.hash) && x.hash[i] == h; i++ {
		if a := x.id[i]; catalog.NormalizeName(names[a]) == key {
			return int32(a), true
		}
	}
	return 0, false
}

// genreRow returns row r of the catalog's genre matrix, read from its
// distinct rows when the engine has them (the same bits): the rows a
// request reads one by one (seeds, shortlist, re-rank) then lie in the
// 5 MB of distinct rows the full pass keeps resident anyway, rather than
// anywhere in the 34 MB per-track matrix, which a mapped snapshot would
// otherwise fault in a page at a time, request after request.
func (e *Engine) genreRow(r int) []float32 {
	if e.genre.distinct.Rows > 0 {
		return e.genre.distinct.Row(int(e.genre.group[r]))
	}
	return e.cat.Genre.Row(r)
}
