package catalog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"unsafe"

	"github.com/continuo/continuo/internal/atomicfile"
	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
)

// Snapshot format 3: the container of container.go with the catalog's
// sections below, each a plain array used in place from the mapped file.
// Nothing per track is decoded: the track records (string ids, list ids
// into one CSR table per list column — artists, genres, tags; distinct
// lists stored once — and a fixed-size info record) are read in place by
// the catalog's accessors (tracks.go), strings pointing into the "strings"
// section; the matrices and derived columns are the mapped arrays, and the
// id and URI indexes are sorted (FNV-1a hash, row) arrays searched by
// binary search.
//
// The genre matrix is stored in float32 after the int16 round trip that
// format 2 applied (v·32767, rounded, rows renormalised), so a catalog
// scores exactly as it did from a format 2 file. Its distinct rows and the
// row → distinct row map are stored beside it for the engine's full pass.
const (
	secMeta         = "meta"
	secStrings      = "strings"
	secStringOff    = "strings.off"
	secTagName      = "tags.name"
	secTagFamily    = "tags.family"
	secTagVec       = "tags.vec"
	secFamilies     = "families"
	secArtists      = "artists"
	secRegions      = "regions"
	secTrackStr     = "track.str"
	secTrackLists   = "track.lists"
	secTrackInfo    = "track.info"
	secTrackArtist  = "track.artist"
	secTrackFamily  = "track.family"
	secGenre        = "genre"
	secGenreUnique  = "genre.distinct"
	secGenreGroup   = "genre.group"
	secMood         = "mood"
	secHoliday      = "derived.holiday"
	secExplicitP    = "derived.explicitp"
	secRegion       = "derived.region"
	secIDHash       = "index.id.hash"
	secIDRow        = "index.id.row"
	secURIHash      = "index.uri.hash"
	secURIRow       = "index.uri.row"
	listColumns     = 3 // artists, genres, tags
	maxGenreDims    = 1024
	maxRegionsCount = 255
)

var listNames = [listColumns]string{"artists", "genres", "tags"}

// snapMeta is the "meta" section: counts and the catalog-wide values.
// Every field is 4 bytes, so its layout has no padding.
type snapMeta struct {
	Tracks, Dims, Tags, Families, Artists, Regions, Strings, Distinct uint32
	ExplicitCut                                                       uint32
	ExplicitPrecision, ExplicitRecall                                 float32
	ExplicitHeldOut                                                   uint32
	MoodMean, MoodStd                                                 [MoodDims]float32
}

// trackStrings are a track's string ids: id, title, album, URI.
type trackStrings [4]uint32

// trackInfo is a track's fixed-size fields (48 bytes, no padding).
type trackInfo struct {
	DurationMS int64
	Features   [9]float32 // music.Features order: danceability … tempo
	Popularity int8
	Explicit   int8
	Key, Mode  int8
}

// WriteSnapshot writes c to path atomically (a temp file in the same
// directory, fsync, rename, fsync of the directory), with the extra
// sections other packages precompute from c (recommend.Sections,
// resolve.Sections).
func WriteSnapshot(path string, c *Catalog, extra ...Section) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := encodeSnapshot(bw, c, extra...); err != nil {
			return err
		}
		return bw.Flush()
	})
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// stringTable interns strings for the snapshot.
type stringTable struct {
	idx  map[string]uint32
	list []string
}

func (t *stringTable) id(s string) uint32 {
	if i, ok := t.idx[s]; ok {
		return i
	}
	i := uint32(len(t.list))
	t.idx[s] = i
	t.list = append(t.list, s)
	return i
}

func (t *stringTable) ids(list []string) []uint32 {
	out := make([]uint32, len(list))
	for i, s := range list {
		out[i] = t.id(s)
	}
	return out
}

// listTable stores the distinct string lists of one column (CSR).
type listTable struct {
	idx   map[string]uint32
	off   []uint32
	items []uint32
}

func (l *listTable) id(st *stringTable, list []string) uint32 {
	ids := st.ids(list)
	key := string(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(ids))), len(ids)*4))
	if i, ok := l.idx[key]; ok {
		return i
	}
	i := uint32(len(l.off) - 1)
	l.idx[key] = i
	l.items = append(l.items, ids...)
	l.off = append(l.off, uint32(len(l.items)))
	return i
}

func checkShapes(c *Catalog) error {
	if c == nil || c.Tags == nil {
		return errors.New("nil catalog")
	}
	n := c.Len()
	if c.Genre.Rows != n || c.Genre.Cols != c.Tags.Dims() || c.Mood.Rows != n || c.Mood.Cols != MoodDims ||
		len(c.Family) != n || len(c.Artist) != n {
		return errors.New("catalog matrices do not match its tracks")
	}
	return nil
}

func encodeSnapshot(w io.Writer, c *Catalog, extra ...Section) error {
	if err := checkShapes(c); err != nil {
		return err
	}
	n := c.Len()
	d := c.Derived
	if !d.Valid(n) {
		d = Derive(c)
	}
	st := &stringTable{idx: map[string]uint32{}}
	s := c.Tags
	// The catalog-wide strings first: the load reads them all (tag names
	// are normalised for the tag space), so they should share a few pages
	// at the start of the table rather than be spread over all of it.
	tagNames, families, artists, regions := st.ids(s.names), st.ids(c.Families), st.ids(c.Artists), st.ids(d.Regions)
	var lists [listColumns]listTable
	for k := range lists {
		lists[k] = listTable{idx: map[string]uint32{}, off: []uint32{0}}
	}
	strs := make([]trackStrings, n)
	lids := make([][listColumns]uint32, n)
	info := make([]trackInfo, n)
	for i := range n {
		t := c.Track(i)
		strs[i] = trackStrings{st.id(string(t.ID)), st.id(t.Title), st.id(t.Album), st.id(t.URI)}
		for k, list := range [listColumns][]string{t.Artists, t.Genres, t.Tags} {
			lids[i][k] = lists[k].id(st, list)
		}
		f := t.Features
		info[i] = trackInfo{
			DurationMS: t.DurationMS,
			Features:   [9]float32{f.Danceability, f.Energy, f.Valence, f.Acousticness, f.Instrumentalness, f.Speechiness, f.Liveness, f.Loudness, f.Tempo},
			Popularity: t.Popularity, Explicit: int8(t.Explicit), Key: f.Key, Mode: f.Mode,
		}
	}
	genre := snapGenre(c.Genre)
	distinct, group, _ := embed.DistinctRows(genre, genre.Rows)
	meta := []snapMeta{{
		Tracks: uint32(n), Dims: uint32(s.Dims()), Tags: uint32(len(s.names)), Families: uint32(len(c.Families)),
		Artists: uint32(len(c.Artists)), Regions: uint32(len(d.Regions)), Distinct: uint32(distinct.Rows),
		ExplicitCut: uint32(d.ExplicitCut), ExplicitPrecision: d.ExplicitPrecision, ExplicitRecall: d.ExplicitRecall,
		ExplicitHeldOut: uint32(d.ExplicitHeldOut), MoodMean: c.MoodMean, MoodStd: c.MoodStd,
	}}
	sections := []Section{
		SectionOf(secTagName, tagNames),
		SectionOf(secTagFamily, s.family),
		SectionOf(secTagVec, s.vecs.Data),
		SectionOf(secFamilies, families),
		SectionOf(secArtists, artists),
		SectionOf(secRegions, regions),
		SectionOf(secTrackStr, strs),
		SectionOf(secTrackLists, lids),
		SectionOf(secTrackInfo, info),
	}
	for k := range lists {
		sections = append(sections,
			SectionOf("list."+listNames[k]+".off", lists[k].off),
			SectionOf("list."+listNames[k], lists[k].items))
	}
	ids, uris := buildHashIndexes(c)
	sections = append(sections,
		SectionOf(secTrackArtist, c.Artist),
		SectionOf(secTrackFamily, c.Family),
		SectionOf(secGenre, genre.Data),
		SectionOf(secGenreUnique, distinct.Data),
		SectionOf(secGenreGroup, group),
		SectionOf(secMood, c.Mood.Data),
		SectionOf(secHoliday, d.Holiday),
		SectionOf(secExplicitP, d.ExplicitP),
		SectionOf(secRegion, d.Region),
		SectionOf(secIDHash, ids.Hash), SectionOf(secIDRow, ids.ID),
		SectionOf(secURIHash, uris.Hash), SectionOf(secURIRow, uris.ID),
	)
	// The string table is complete only now.
	meta[0].Strings = uint32(len(st.list))
	off := make([]uint32, 0, len(st.list)+1)
	var blob []byte
	for _, x := range st.list {
		off = append(off, uint32(len(blob)))
		blob = append(blob, x...)
	}
	off = append(off, uint32(len(blob)))
	if len(blob) > math.MaxUint32 {
		return errors.New("string table larger than 4 GiB")
	}
	sections = append([]Section{SectionOf(secMeta, meta), SectionOf(secStrings, blob), SectionOf(secStringOff, off)}, sections...)
	return encodeContainer(w, append(sections, extra...))
}

// snapGenre returns the genre matrix as format 2 stored and loaded it
// (int16 round trip, renormalised), so scores do not change with the format.
func snapGenre(m embed.Matrix) embed.Matrix {
	out := embed.NewMatrix(m.Rows, m.Cols)
	for i, v := range m.Data {
		q := math.Round(float64(v) * 32767)
		out.Data[i] = float32(int16(max(-32767, min(32767, q)))) / 32767
	}
	out.NormalizeRows()
	return out
}

// Load opens a snapshot written by WriteSnapshot: it maps the file, checks
// the header, the section table and every section's checksum, and uses the
// sections in place. The mapping lives as long as the process (see mapFile).
func Load(path string) (*Catalog, error) {
	b, f, err := mapFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("load catalog: %w", err)
		}
		return nil, fmt.Errorf("load catalog %s: %w", path, err)
	}
	defer f.Close()
	c, err := openSnapshot(b, f)
	if err != nil {
		return nil, fmt.Errorf("load catalog %s: %w", path, err)
	}
	return c, nil
}

// corrupt builds the error for a damaged snapshot.
func corrupt(format string, args ...any) error {
	return music.Errorf(music.KindInvalid, "corrupt snapshot: "+format, args...)
}

// openSnapshot checks and opens the snapshot in b. Section CRCs are read
// through r when given (the file, by pread), else from b; openTrusted skips
// them.
func openSnapshot(b []byte, r io.ReaderAt) (*Catalog, error) {
	return open(b, r, true)
}

// openTrusted opens the embedded default: it is part of the binary, whose
// integrity is the installer's (package checksums, verified boot), and its
// checksums are verified by the tests (TestDefaultChecksums). Verifying
// them at every start would read all of it, 25 MB of the binary, for
// nothing. The header and the table are still checked, and every structural
// check of decodeCatalog runs.
func openTrusted(b []byte) (*Catalog, error) { return open(b, nil, false) }

func open(b []byte, r io.ReaderAt, verify bool) (*Catalog, error) {
	snap, err := parseContainer(b)
	if err != nil {
		return nil, err
	}
	if verify {
		if err := snap.verifySections(r); err != nil {
			return nil, err
		}
		if r == nil {
			release(b) // the checksums read every page; none is needed yet
		}
	}
	c, err := decodeCatalog(snap)
	if err != nil {
		return nil, err
	}
	// Read once to check them: let the kernel drop their pages until a
	// request reads a few records again.
	for _, name := range []string{secIDHash, secIDRow, secURIHash, secURIRow, secStringOff, secTrackStr, secTrackLists, secTrackInfo,
		"list.artists.off", "list.artists", "list.genres.off", "list.genres", "list.tags.off", "list.tags"} {
		if sb, ok := snap.bytes(name); ok {
			release(sb)
		}
	}
	return c, nil
}

// strTable is the mapped string table.
type strTable struct {
	blob []byte
	off  []uint32
}

func (t *strTable) get(i uint32) string {
	a, z := t.off[i], t.off[i+1]
	if a == z {
		return ""
	}
	return unsafe.String(&t.blob[a], z-a)
}

// decodeCatalog builds the Catalog over the sections of snap. Every count
// and index is checked, so a damaged file yields an error naming the
// section, never a panic; float values are trusted to the checksums.
func decodeCatalog(snap *container) (*Catalog, error) {
	metas, err := sectionAs[snapMeta](snap, secMeta, 1)
	if err != nil {
		return nil, err
	}
	m := metas[0]
	if m.Dims == 0 || m.Dims > maxGenreDims {
		return nil, corrupt("section meta: %d genre dimensions", m.Dims)
	}
	if m.Regions == 0 || m.Regions > maxRegionsCount || m.Distinct > m.Tracks {
		return nil, corrupt("section meta: %d regions, %d distinct genre rows for %d tracks", m.Regions, m.Distinct, m.Tracks)
	}
	st, err := loadStrings(snap, m)
	if err != nil {
		return nil, err
	}
	c := &Catalog{snap: snap, MoodMean: m.MoodMean, MoodStd: m.MoodStd}
	n, dims := int(m.Tracks), int(m.Dims)
	if c.Families, err = stringList(snap, st, secFamilies, int(m.Families)); err != nil {
		return nil, err
	}
	if c.Artists, err = stringList(snap, st, secArtists, int(m.Artists)); err != nil {
		return nil, err
	}
	if c.Tags, err = loadTags(snap, st, m, len(c.Families)); err != nil {
		return nil, err
	}
	if err := loadTracks(c, snap, st, n); err != nil {
		return nil, err
	}
	if err := loadColumns(c, snap, m); err != nil {
		return nil, err
	}
	var regions []string
	if regions, err = stringList(snap, st, secRegions, int(m.Regions)); err != nil {
		return nil, err
	}
	if err := loadDerived(c, snap, m, regions); err != nil {
		return nil, err
	}
	if c.Genre.Data, err = sectionAs[float32](snap, secGenre, n*dims); err != nil {
		return nil, err
	}
	c.Genre.Rows, c.Genre.Cols = n, dims
	if c.Mood.Data, err = sectionAs[float32](snap, secMood, n*MoodDims); err != nil {
		return nil, err
	}
	c.Mood.Rows, c.Mood.Cols = n, MoodDims
	return c, loadIndexes(c, snap)
}

func loadStrings(snap *container, m snapMeta) (*strTable, error) {
	blob, ok := snap.bytes(secStrings)
	if !ok {
		return nil, corrupt("section %s: missing", secStrings)
	}
	off, err := sectionAs[uint32](snap, secStringOff, int(m.Strings)+1)
	if err != nil {
		return nil, err
	}
	prev := uint32(0)
	for _, o := range off {
		if o < prev {
			return nil, corrupt("section %s: offsets not ascending", secStringOff)
		}
		prev = o
	}
	if off[0] != 0 || int(prev) != len(blob) {
		return nil, corrupt("section %s: offsets cover %d..%d of %d bytes", secStringOff, off[0], prev, len(blob))
	}
	return &strTable{blob: blob, off: off}, nil
}

// checkIDs reports the first id of ids not below limit.
func checkIDs[T uint32 | int32 | uint8 | int8](ids []T, limit int, name string) error {
	for i, v := range ids {
		if int(v) < 0 || int(v) >= limit {
			return corrupt("section %s: element %d is %d, out of %d", name, i, v, limit)
		}
	}
	return nil
}

func stringList(snap *container, st *strTable, name string, count int) ([]string, error) {
	ids, err := sectionAs[uint32](snap, name, count)
	if err != nil {
		return nil, err
	}
	if err := checkIDs(ids, len(st.off)-1, name); err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = st.get(id)
	}
	return out, nil
}

func loadTags(snap *container, st *strTable, m snapMeta, families int) (*TagSpace, error) {
	nt, dims := int(m.Tags), int(m.Dims)
	names, err := stringList(snap, st, secTagName, nt)
	if err != nil {
		return nil, err
	}
	fam, err := sectionAs[int8](snap, secTagFamily, nt)
	if err != nil {
		return nil, err
	}
	for i, f := range fam {
		if f < -1 || int(f) >= families {
			return nil, corrupt("section %s: tag %d: family %d of %d", secTagFamily, i, f, families)
		}
	}
	vecs, err := sectionAs[float32](snap, secTagVec, nt*dims)
	if err != nil {
		return nil, err
	}
	return newTagSpace(names, embed.Matrix{Rows: nt, Cols: dims, Data: vecs}, fam), nil
}

// loadTracks checks the per-track sections and keeps them as c's records,
// read in place by the accessors (tracks.go): nothing is allocated per
// track and nothing of them is on the Go heap.
func loadTracks(c *Catalog, snap *container, st *strTable, n int) error {
	r := &trackRecords{st: st}
	var err error
	if r.strs, err = sectionAs[trackStrings](snap, secTrackStr, n); err != nil {
		return err
	}
	if r.lists, err = sectionAs[[listColumns]uint32](snap, secTrackLists, n); err != nil {
		return err
	}
	if r.info, err = sectionAs[trackInfo](snap, secTrackInfo, n); err != nil {
		return err
	}
	for k, name := range listNames {
		if r.off[k], r.items[k], err = loadLists(snap, st, "list."+name); err != nil {
			return err
		}
	}
	ns := uint32(len(st.off) - 1)
	for i := range n {
		for _, id := range r.strs[i] {
			if id >= ns {
				return corrupt("section %s: track %d: string %d out of %d", secTrackStr, i, id, ns)
			}
		}
		for k, l := range r.lists[i] {
			if int(l) >= len(r.off[k])-1 {
				return corrupt("section %s: track %d: %s list %d out of %d", secTrackLists, i, listNames[k], l, len(r.off[k])-1)
			}
		}
	}
	c.rec = r
	return nil
}

// loadLists returns one list column's offsets and its items (string ids),
// checked.
func loadLists(snap *container, st *strTable, name string) ([]uint32, []uint32, error) {
	off, err := sectionAs[uint32](snap, name+".off", -1)
	if err != nil {
		return nil, nil, err
	}
	items, err := sectionAs[uint32](snap, name, -1)
	if err != nil {
		return nil, nil, err
	}
	if len(off) == 0 || off[0] != 0 || int(off[len(off)-1]) != len(items) {
		return nil, nil, corrupt("section %s.off: does not cover the %d items", name, len(items))
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] {
			return nil, nil, corrupt("section %s.off: offsets not ascending", name)
		}
	}
	if err := checkIDs(items, len(st.off)-1, name); err != nil {
		return nil, nil, err
	}
	return off, items, nil
}

func loadColumns(c *Catalog, snap *container, m snapMeta) error {
	n, dims := int(m.Tracks), int(m.Dims)
	var err error
	if c.Artist, err = sectionAs[int32](snap, secTrackArtist, n); err != nil {
		return err
	}
	if err := checkIDs(c.Artist, len(c.Artists), secTrackArtist); err != nil {
		return err
	}
	if c.Family, err = sectionAs[uint8](snap, secTrackFamily, n); err != nil {
		return err
	}
	if err := checkIDs(c.Family, len(c.Families), secTrackFamily); err != nil {
		return err
	}
	u := int(m.Distinct)
	if c.GenreDistinct.Data, err = sectionAs[float32](snap, secGenreUnique, u*dims); err != nil {
		return err
	}
	c.GenreDistinct.Rows, c.GenreDistinct.Cols = u, dims
	if c.GenreGroup, err = sectionAs[uint32](snap, secGenreGroup, n); err != nil {
		return err
	}
	if u == 0 && n == 0 {
		return nil
	}
	return checkIDs(c.GenreGroup, u, secGenreGroup)
}

func loadDerived(c *Catalog, snap *container, m snapMeta, regions []string) error {
	n := int(m.Tracks)
	hol, err := sectionAs[uint8](snap, secHoliday, n)
	if err != nil {
		return err
	}
	if err := checkIDs(hol, 2, secHoliday); err != nil {
		return err
	}
	d := Derived{
		Holiday:     unsafe.Slice((*bool)(unsafe.Pointer(unsafe.SliceData(hol))), n), // bytes checked to be 0 or 1
		ExplicitCut: uint8(min(m.ExplicitCut, 255)), ExplicitPrecision: m.ExplicitPrecision,
		ExplicitRecall: m.ExplicitRecall, ExplicitHeldOut: int(m.ExplicitHeldOut), Regions: regions,
	}
	if d.ExplicitP, err = sectionAs[uint8](snap, secExplicitP, n); err != nil {
		return err
	}
	if d.Region, err = sectionAs[uint8](snap, secRegion, n); err != nil {
		return err
	}
	if err := checkIDs(d.Region, len(regions), secRegion); err != nil {
		return err
	}
	c.Derived = d
	return nil
}

func loadIndexes(c *Catalog, snap *container) error {
	for _, x := range []struct {
		dst        *hashindex.Index
		hash, rows string
	}{{&c.ids, secIDHash, secIDRow}, {&c.uris, secURIHash, secURIRow}} {
		h, err := sectionAs[uint64](snap, x.hash, -1)
		if err != nil {
			return err
		}
		r, err := sectionAs[uint32](snap, x.rows, len(h))
		if err != nil {
			return err
		}
		if err := checkIDs(r, c.Len(), x.rows); err != nil {
			return err
		}
		if !slices.IsSorted(h) {
			return corrupt("section %s: not sorted", x.hash)
		}
		*x.dst = hashindex.Mapped(h, r)
	}
	return nil
}
