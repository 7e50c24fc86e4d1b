package catalog

import (
	"iter"
	"strings"

	"github.com/continuo/continuo/internal/music"
)

// A catalog's tracks are read through accessors, never as a []music.Track:
// a mapped snapshot keeps them as its fixed-size records (string ids, list
// ids, a 48-byte info record), read in place, so the full catalog costs no
// Go heap per track and nothing for the collector to scan; a catalog built
// in memory (import, tests, synthetic catalogs) keeps a private slice
// behind the same accessors. Row i of every accessor is row i of Genre,
// Mood, Artist, Family and Derived.

// trackRecords are a mapped snapshot's per-track sections.
type trackRecords struct {
	st    *strTable
	strs  []trackStrings
	lists [][listColumns]uint32
	info  []trackInfo
	off   [listColumns][]uint32 // list column k's CSR offsets
	items [listColumns][]uint32 // and its string ids
}

// List columns of trackRecords, in section order (listNames).
const (
	colArtists = iota
	colGenres
	colTags
)

// list returns the string ids of row i's list in column k.
func (r *trackRecords) list(i, k int) []uint32 {
	l := r.lists[i][k]
	return r.items[k][r.off[k][l]:r.off[k][l+1]]
}

// strings returns row i's list in column k as strings pointing into the
// mapping, appended to dst.
func (r *trackRecords) strings(dst []string, i, k int) []string {
	for _, id := range r.list(i, k) {
		dst = append(dst, r.st.get(id))
	}
	return dst
}

// NewCatalog returns a catalog holding tracks in memory and nothing else:
// callers fill the matrices and columns they need (tests, synthetic
// catalogs). The slice is the catalog's from now on: do not modify it.
func NewCatalog(tracks []music.Track) *Catalog {
	return &Catalog{tracks: tracks}
}

// Len returns the number of tracks.
func (c *Catalog) Len() int {
	if c.rec != nil {
		return len(c.rec.strs)
	}
	return len(c.tracks)
}

// Track returns row i as a value. Its list fields are fresh slices for a
// mapped snapshot (one allocation) and shared, read-only ones for a catalog
// built in memory; in loops over every row read the fields needed instead.
func (c *Catalog) Track(i int) music.Track {
	if c.rec == nil {
		t := c.tracks[i]
		t.URI = c.URI(i)
		return t
	}
	r := c.rec
	ids := r.strs[i]
	n := 0
	for k := range listColumns {
		n += len(r.list(i, k))
	}
	lists := make([]string, 0, n)
	var cut [listColumns + 1]int
	for k := range listColumns {
		lists = r.strings(lists, i, k)
		cut[k+1] = len(lists)
	}
	sub := func(k int) []string {
		if cut[k] == cut[k+1] {
			return nil
		}
		return lists[cut[k]:cut[k+1]:cut[k+1]]
	}
	return music.Track{
		ID: music.TrackID(r.st.get(ids[0])), Title: r.st.get(ids[1]), Album: r.st.get(ids[2]), URI: c.URI(i),
		Artists: sub(colArtists), Genres: sub(colGenres), Tags: sub(colTags),
		DurationMS: c.DurationMS(i), Features: c.Features(i), Popularity: c.Popularity(i), Explicit: c.Explicit(i),
	}
}

// AllTracks returns every row as a slice, for code that builds an index over
// all of them offline (resolve.NewIndex, eval): the catalog's own slice
// when built in memory without a URI template (do not modify it), else a
// fresh copy, ~200 bytes and one allocation per track. Not for start-up or
// request paths.
func (c *Catalog) AllTracks() []music.Track {
	if c.rec == nil && c.uriTemplate == "" {
		return c.tracks
	}
	out := make([]music.Track, c.Len())
	for i := range out {
		out[i] = c.Track(i)
	}
	return out
}

// ID returns row i's track id.
func (c *Catalog) ID(i int) music.TrackID {
	if c.rec == nil {
		return c.tracks[i].ID
	}
	return music.TrackID(c.rec.st.get(c.rec.strs[i][0]))
}

// Title returns row i's title.
func (c *Catalog) Title(i int) string {
	if c.rec == nil {
		return c.tracks[i].Title
	}
	return c.rec.st.get(c.rec.strs[i][1])
}

// Album returns row i's album ("" when unknown).
func (c *Catalog) Album(i int) string {
	if c.rec == nil {
		return c.tracks[i].Album
	}
	return c.rec.st.get(c.rec.strs[i][2])
}

// URI returns row i's playable URI: its own, else the catalog's URI
// template applied to its id (ApplyURITemplate; allocates), else "".
func (c *Catalog) URI(i int) string {
	var uri string
	if c.rec == nil {
		uri = c.tracks[i].URI
	} else {
		uri = c.rec.st.get(c.rec.strs[i][3])
	}
	if uri == "" && c.uriTemplate != "" {
		return strings.ReplaceAll(c.uriTemplate, "{id}", string(c.ID(i)))
	}
	return uri
}

// DurationMS returns row i's duration in milliseconds (0 when unknown).
func (c *Catalog) DurationMS(i int) int64 {
	if c.rec == nil {
		return c.tracks[i].DurationMS
	}
	return c.rec.info[i].DurationMS
}

// Features returns row i's audio features.
func (c *Catalog) Features(i int) music.Features {
	if c.rec == nil {
		return c.tracks[i].Features
	}
	r := &c.rec.info[i]
	f := &r.Features
	return music.Features{Danceability: f[0], Energy: f[1], Valence: f[2], Acousticness: f[3],
		Instrumentalness: f[4], Speechiness: f[5], Liveness: f[6], Loudness: f[7], Tempo: f[8], Key: r.Key, Mode: r.Mode}
}

// Popularity returns row i's popularity, 0..100, -1 when unknown.
func (c *Catalog) Popularity(i int) int8 {
	if c.rec == nil {
		return c.tracks[i].Popularity
	}
	return c.rec.info[i].Popularity
}

// Explicit returns row i's explicit flag as the source gave it (see
// Catalog.ExplicitEstimated for the estimate of unknown ones).
func (c *Catalog) Explicit(i int) music.Explicit {
	if c.rec == nil {
		return c.tracks[i].Explicit
	}
	return music.Explicit(c.rec.info[i].Explicit)
}

// PrimaryArtist returns row i's first credited artist, or "".
func (c *Catalog) PrimaryArtist(i int) string {
	if c.rec == nil {
		return c.tracks[i].PrimaryArtist()
	}
	if l := c.rec.list(i, colArtists); len(l) > 0 {
		return c.rec.st.get(l[0])
	}
	return ""
}

// TrackArtists returns row i's credited artists, primary first (a fresh
// slice for a mapped snapshot, a shared read-only one otherwise).
func (c *Catalog) TrackArtists(i int) []string { return c.listOf(i, colArtists) }

// TrackGenres returns row i's own genre labels (allocation as TrackArtists).
func (c *Catalog) TrackGenres(i int) []string { return c.listOf(i, colGenres) }

// TrackTags returns row i's artists' genre tags (allocation as TrackArtists).
func (c *Catalog) TrackTags(i int) []string { return c.listOf(i, colTags) }

// NumTrackTags returns len(TrackTags(i)) without building the list.
func (c *Catalog) NumTrackTags(i int) int {
	if c.rec == nil {
		return len(c.tracks[i].Tags)
	}
	return len(c.rec.list(i, colTags))
}

// EachGenre yields row i's genre labels without allocating, for loops over
// every row (e.g. the rows carrying a label).
func (c *Catalog) EachGenre(i int) iter.Seq[string] {
	return func(yield func(string) bool) {
		if c.rec == nil {
			for _, g := range c.tracks[i].Genres {
				if !yield(g) {
					return
				}
			}
			return
		}
		for _, id := range c.rec.list(i, colGenres) {
			if !yield(c.rec.st.get(id)) {
				return
			}
		}
	}
}

// RowsWithGenre returns, in order, the rows with a genre label for which
// want is true. want sees each distinct label once, and a mapped catalog's
// rows are matched by their label list's number, not their strings: a scan
// of every row's labels as strings read the whole string table (8 MB of
// the full catalog, resident afterwards) and took 30-47 ms for "some jazz".
func (c *Catalog) RowsWithGenre(want func(label string) bool) []int {
	var rows []int
	if c.rec == nil {
		memo := map[string]bool{}
		for i := range c.tracks {
			for _, g := range c.tracks[i].Genres {
				w, ok := memo[g]
				if !ok {
					w = want(g)
					memo[g] = w
				}
				if w {
					rows = append(rows, i)
					break
				}
			}
		}
		return rows
	}
	r := c.rec
	const k = colGenres
	match := make([]int8, len(r.off[k])-1) // per distinct list: 0 not looked at, 1 a wanted label, -1 none
	labels := map[uint32]bool{}
	for i := range r.lists {
		l := r.lists[i][k]
		if match[l] == 0 {
			match[l] = -1
			for _, id := range r.items[k][r.off[k][l]:r.off[k][l+1]] {
				w, ok := labels[id]
				if !ok {
					w = want(r.st.get(id))
					labels[id] = w
				}
				if w {
					match[l] = 1
					break
				}
			}
		}
		if match[l] == 1 {
			rows = append(rows, i)
		}
	}
	return rows
}

func (c *Catalog) listOf(i, k int) []string {
	if c.rec == nil {
		t := &c.tracks[i]
		return [listColumns][]string{t.Artists, t.Genres, t.Tags}[k]
	}
	l := c.rec.list(i, k)
	if len(l) == 0 {
		return nil
	}
	return c.rec.strings(make([]string, 0, len(l)), i, k)
}

// WithTracks returns a copy of c, held in memory, whose tracks are the
// given ones (one per row of c) and which shares everything else: for
// tests and tools that change track fields (slices.Clone(c.AllTracks()),
// edit, WithTracks). The slice is the copy's from now on.
func (c *Catalog) WithTracks(tracks []music.Track) *Catalog {
	cp := *c
	cp.rec, cp.tracks, cp.uriTemplate = nil, tracks, ""
	cp.reindex()
	return &cp
}
