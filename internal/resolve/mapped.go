package resolve

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/hashindex"
	"github.com/continuo/continuo/internal/music"
)

// The index as snapshot sections. NewIndex builds it from the tracks (a
// second or more on the full catalog: normalising, splitting and hashing
// every title, artist and album); catalog build stores it (Sections) and
// Open reads it in place: the posting lists, deletion index, artist and
// phrase indexes are the mapped arrays, the lookups that were Go maps are
// sorted (hash, id) arrays (internal/hashindex), and only the word, artist and genre
// lists get a []string of headers pointing into the mapping.
const secPrefix = "resolve."

// checkIndex validates a mapped hash index, naming its section.
func checkIndex(x *hashindex.Index, ids int, name string) error {
	if err := x.Check(ids); err != nil {
		return fmt.Errorf("section %s: %w", name, err)
	}
	return nil
}

// term returns the term id of a word.
func (ix *Index) term(w string) (int32, bool) {
	id, ok := ix.vocabIdx.Find(w, func(id int) string { return ix.terms[id] })
	return int32(id), ok
}

// find returns the artist of a normalised name.
func (a *artistIndex) find(n string) (int32, bool) {
	id, ok := a.idx.Find(n, func(id int) string { return a.keys[id] })
	return int32(id), ok
}

// freeze turns the maps NewIndex built with into the sorted arrays the
// lookups use (and a snapshot stores).
func (ix *Index) freeze() {
	ix.vocabIdx, ix.vocab = hashindex.New(pairs(ix.vocab)), nil
	ix.artists.idx, ix.artists.ids = hashindex.New(pairs(ix.artists.ids)), nil
	ix.exactIdx, ix.exact = hashindex.FromHashes(ix.exact), nil
	ix.exactTitleIdx, ix.exactTitle = hashindex.FromHashes(ix.exactTitle), nil
	ix.deleteFence = hashindex.NewFence(ix.deletes)
}

// pairs yields a map's (key, id) pairs for hashindex.New.
func pairs(m map[string]int32) iter.Seq2[string, uint32] {
	return func(yield func(string, uint32) bool) {
		for k, id := range m {
			if !yield(k, uint32(id)) {
				return
			}
		}
	}
}

// genreTable is the genre map as arrays, in key order.
type genreTable struct {
	keys, names []string
	label       []uint8
	count       []int32
	rowOff      []uint32
	rows        []int32
}

func (ix *Index) genreTable() genreTable {
	var t genreTable
	for k := range ix.genres {
		t.keys = append(t.keys, k)
	}
	slices.Sort(t.keys)
	t.rowOff = []uint32{0}
	for _, k := range t.keys {
		e := ix.genres[k]
		t.names = append(t.names, e.name)
		t.label = append(t.label, boolByte(e.label))
		t.count = append(t.count, e.count)
		t.rows = append(t.rows, e.rows...)
		t.rowOff = append(t.rowOff, uint32(len(t.rows)))
	}
	return t
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Sections returns ix as snapshot sections for the catalog it was built on
// (catalog.WriteSnapshot(path, c, resolve.Sections(resolve.NewIndex(c.AllTracks()))...)).
func Sections(ix *Index) []catalog.Section {
	a := &ix.artists
	g := ix.genreTable()
	out := []catalog.Section{
		catalog.SectionOf(secPrefix+"meta", []uint32{uint32(ix.n)}),
		catalog.SectionOf(secPrefix+"vocab.hash", ix.vocabIdx.Hash),
		catalog.SectionOf(secPrefix+"vocab.id", ix.vocabIdx.ID),
		catalog.SectionOf(secPrefix+"offsets", ix.offsets),
		catalog.SectionOf(secPrefix+"postings", ix.postings),
		catalog.SectionOf(secPrefix+"deletes", ix.deletes),
		catalog.SectionOf(secPrefix+"titlelen", ix.titleLen),
		catalog.SectionOf(secPrefix+"popularity", ix.popularity),
		catalog.SectionOf(secPrefix+"exact.hash", ix.exactIdx.Hash),
		catalog.SectionOf(secPrefix+"exact.row", ix.exactIdx.ID),
		catalog.SectionOf(secPrefix+"etitle.hash", ix.exactTitleIdx.Hash),
		catalog.SectionOf(secPrefix+"etitle.row", ix.exactTitleIdx.ID),
		catalog.SectionOf(secPrefix+"art.hash", a.idx.Hash),
		catalog.SectionOf(secPrefix+"art.id", a.idx.ID),
		catalog.SectionOf(secPrefix+"art.words", a.words),
		catalog.SectionOf(secPrefix+"art.lead", a.lead),
		catalog.SectionOf(secPrefix+"art.pop", a.pop),
		catalog.SectionOf(secPrefix+"art.count", a.count),
		catalog.SectionOf(secPrefix+"art.rowoff", a.rowOff),
		catalog.SectionOf(secPrefix+"art.rows", a.rows),
		catalog.SectionOf(secPrefix+"art.termoff", a.termOff),
		catalog.SectionOf(secPrefix+"art.byterm", a.byTerm),
		catalog.SectionOf(secPrefix+"art.primary", a.primary),
		catalog.SectionOf(secPrefix+"phrases", ix.phrases),
		catalog.SectionOf(secPrefix+"titlekey", ix.titleKey),
		catalog.SectionOf(secPrefix+"genre.label", g.label),
		catalog.SectionOf(secPrefix+"genre.count", g.count),
		catalog.SectionOf(secPrefix+"genre.rowoff", g.rowOff),
		catalog.SectionOf(secPrefix+"genre.rows", g.rows),
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"terms", ix.terms}, {"art.keys", a.keys}, {"art.names", a.names}, {"genre.keys", g.keys}, {"genre.names", g.names}} {
		out = append(out, catalog.StringSections(secPrefix+l.name, l.list)...)
	}
	return out
}

// Open returns the search index of c: read in place from its snapshot when
// it has the sections (Sections), else built (NewIndex). A snapshot whose
// sections are present but malformed is an error, as any damaged section.
func Open(c *catalog.Catalog) (*Index, error) {
	ix, ok, err := openSections(c)
	if err != nil {
		return nil, music.WrapKind(music.KindInvalid, err, "resolve index")
	}
	if !ok {
		return NewIndex(c.AllTracks()), nil
	}
	return ix, nil
}

// sectionReader reads sections until the first failure.
type sectionReader struct {
	c     *catalog.Catalog
	found bool
	err   error
}

func get[T any](r *sectionReader, name string, n int) []T {
	if r.err != nil || !r.found {
		return nil
	}
	v, ok, err := catalog.SectionView[T](r.c, secPrefix+name, n)
	r.found, r.err = ok, err
	return v
}

func getStrings(r *sectionReader, name string) []string {
	if r.err != nil || !r.found {
		return nil
	}
	v, ok, err := catalog.StringsView(r.c, secPrefix+name)
	r.found, r.err = ok, err
	return v
}

func openSections(c *catalog.Catalog) (*Index, bool, error) {
	r := &sectionReader{c: c, found: true}
	meta := get[uint32](r, "meta", 1)
	if !r.found || r.err != nil {
		return nil, r.found, r.err
	}
	n := int(meta[0])
	if n != c.Len() {
		return nil, true, fmt.Errorf("section %smeta: %d rows for a catalog of %d", secPrefix, n, c.Len())
	}
	ix := &Index{n: n}
	ix.terms = getStrings(r, "terms")
	nt := len(ix.terms)
	ix.vocabIdx = hashindex.Mapped(get[uint64](r, "vocab.hash", nt), get[uint32](r, "vocab.id", nt))
	ix.offsets = get[int32](r, "offsets", nt+1)
	ix.postings = get[posting](r, "postings", -1)
	ix.deletes = get[uint64](r, "deletes", -1)
	ix.titleLen = get[uint8](r, "titlelen", n)
	ix.popularity = get[int8](r, "popularity", n)
	exact, etitle := get[uint64](r, "exact.hash", -1), get[uint64](r, "etitle.hash", -1)
	ix.exactIdx = hashindex.Mapped(exact, get[uint32](r, "exact.row", len(exact)))
	ix.exactTitleIdx = hashindex.Mapped(etitle, get[uint32](r, "etitle.row", len(etitle)))
	ix.phrases = get[uint64](r, "phrases", -1)
	ix.titleKey = get[uint32](r, "titlekey", n)
	a := &ix.artists
	a.keys, a.names = getStrings(r, "art.keys"), getStrings(r, "art.names")
	na := len(a.keys)
	a.idx = hashindex.Mapped(get[uint64](r, "art.hash", na), get[uint32](r, "art.id", na))
	a.words, a.lead = get[uint8](r, "art.words", na), get[uint8](r, "art.lead", na)
	a.pop, a.count = get[int8](r, "art.pop", na), get[int32](r, "art.count", na)
	a.rowOff, a.rows = get[int32](r, "art.rowoff", na+1), get[int32](r, "art.rows", -1)
	a.termOff, a.byTerm = get[int32](r, "art.termoff", nt+1), get[int32](r, "art.byterm", -1)
	a.primary = get[int32](r, "art.primary", n)
	g := genreTable{keys: getStrings(r, "genre.keys"), names: getStrings(r, "genre.names")}
	g.label, g.count = get[uint8](r, "genre.label", len(g.keys)), get[int32](r, "genre.count", len(g.keys))
	g.rowOff, g.rows = get[uint32](r, "genre.rowoff", len(g.keys)+1), get[int32](r, "genre.rows", -1)
	if !r.found || r.err != nil {
		if r.err == nil {
			r.err = fmt.Errorf("some %s sections are missing", secPrefix)
		}
		return nil, true, r.err
	}
	if err := ix.check(&g); err != nil {
		return nil, true, err
	}
	ix.setGenres(&g)
	ix.deleteFence = hashindex.NewFence(ix.deletes)
	ix.scratch.rows = ix.n
	ix.mapped = c
	// check read every page; a search touches a few posting lists.
	ix.release()
	return ix, true, nil
}

// check validates what a search indexes with, so a damaged snapshot fails
// here and not as a panic in a request.
func (ix *Index) check(g *genreTable) error {
	a := &ix.artists
	nt, na, np := len(ix.terms), len(a.keys), len(ix.postings)
	for _, c := range []error{
		checkIndex(&ix.vocabIdx, nt, "vocab"), checkIndex(&a.idx, na, "art"),
		checkIndex(&ix.exactIdx, ix.n, "exact"), checkIndex(&ix.exactTitleIdx, ix.n, "etitle"),
		checkCSR(ix.offsets, np, "offsets"), checkCSR(a.rowOff, len(a.rows), "art.rowoff"),
		checkCSR(a.termOff, len(a.byTerm), "art.termoff"),
		checkRange(a.rows, ix.n, "art.rows"), checkRange(a.byTerm, na, "art.byterm"),
		checkRange(g.rows, ix.n, "genre.rows"),
	} {
		if c != nil {
			return c
		}
	}
	for i, p := range ix.postings {
		if p.row < 0 || int(p.row) >= ix.n {
			return fmt.Errorf("section %spostings: posting %d: row %d out of %d", secPrefix, i, p.row, ix.n)
		}
	}
	for r, p := range a.primary {
		if p < -1 || int(p) >= na {
			return fmt.Errorf("section %sart.primary: row %d: artist %d out of %d", secPrefix, r, p, na)
		}
	}
	if len(g.names) != len(g.keys) || len(g.rowOff) == 0 || int(g.rowOff[len(g.rowOff)-1]) != len(g.rows) ||
		!slices.IsSorted(g.rowOff) {
		return fmt.Errorf("section %sgenre.rowoff: does not cover the %d rows", secPrefix, len(g.rows))
	}
	for _, d := range ix.deletes {
		if int(uint32(d)) >= nt {
			return fmt.Errorf("section %sdeletes: term %d out of %d", secPrefix, uint32(d), nt)
		}
	}
	return nil
}

func checkCSR(off []int32, total int, name string) error {
	if len(off) == 0 || off[0] != 0 || int(off[len(off)-1]) != total {
		return fmt.Errorf("section %s%s: does not cover the %d entries", secPrefix, name, total)
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] {
			return fmt.Errorf("section %s%s: offsets not ascending", secPrefix, name)
		}
	}
	return nil
}

func checkRange(v []int32, limit int, name string) error {
	for i, x := range v {
		if x < 0 || int(x) >= limit {
			return fmt.Errorf("section %s%s: entry %d is %d, out of %d", secPrefix, name, i, x, limit)
		}
	}
	return nil
}

// setGenres rebuilds the genre map (a few thousand entries) and the
// one-word labels from the stored table.
func (ix *Index) setGenres(g *genreTable) {
	ix.genres = make(map[string]*genreEntry, len(g.keys))
	entries := make([]genreEntry, len(g.keys))
	for i, k := range g.keys {
		e := &entries[i]
		*e = genreEntry{name: g.names[i], label: g.label[i] != 0, count: g.count[i], last: -1}
		if a, z := g.rowOff[i], g.rowOff[i+1]; z > a {
			e.rows = g.rows[a:z:z]
		}
		ix.genres[k] = e
		if e.label && !strings.Contains(k, " ") {
			ix.labelWords = append(ix.labelWords, k)
		}
	}
}

// release tells the kernel that the index's mapped pages are not needed
// now. A request touches a few thousand scattered pages (posting lists, the
// typo index's probes, phrases, title keys, ~2.6 MB a query on the full
// catalog); left mapped, they add up over the requests of a drive to most
// of the index's 40 MB in the daemon's resident set, for a spoken request
// every few minutes. Released, they stay in the page cache (shared, clean,
// reclaimable), and the next request maps those it needs again with minor
// faults (well under a millisecond a request). A no-op for an index built
// in memory.
func (ix *Index) release() {
	if ix.mapped != nil {
		ix.mapped.ReleaseSections(secPrefix)
	}
}
