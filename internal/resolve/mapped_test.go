package resolve

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// mappedPair returns an index built in memory over the default catalog and
// the same index read back from a snapshot written with its sections.
func mappedPair(t *testing.T) (built, opened *Index, path string) {
	t.Helper()
	def, err := catalog.Default()
	require.NoError(t, err)
	built = NewIndex(def.AllTracks())
	path = filepath.Join(t.TempDir(), "c.snap")
	require.NoError(t, catalog.WriteSnapshot(path, def, Sections(built)...))
	c, err := catalog.Load(path)
	require.NoError(t, err)
	opened, err = Open(c)
	require.NoError(t, err)
	require.Nil(t, opened.vocab, "read from the sections, not rebuilt")
	return built, opened, path
}

func TestOpenMatchesNewIndex(t *testing.T) {
	built, opened, _ := mappedPair(t)
	assert.Equal(t, built.terms, opened.terms)
	assert.Equal(t, built.postings, opened.postings)
	assert.Equal(t, built.deletes, opened.deletes)
	assert.Equal(t, built.artists.names, opened.artists.names)
	assert.Equal(t, built.labelWords, opened.labelWords)
	assert.Equal(t, len(built.genres), len(opened.genres))
	for _, q := range []string{
		"swan lake", "tchaikovksy swam lake", "bob marley", "metalica", "play some jazz",
		"Scène from Swan Lake", "daft punk", "jolene by dolly parton", "humble kendrick lamar",
		"the nutcracker", "música latina", "beyonce", "classical", "zzzz qqq",
	} {
		assert.Equal(t, built.Search(q, 10), opened.Search(q, 10), "search %q", q)
		assert.Equal(t, built.Understand(q, 5), opened.Understand(q, 5), "understand %q", q)
	}
	for _, row := range []int{0, 10, 1000} {
		tr := &catalogTracks(t)[row]
		a, aok := built.Exact(tr.PrimaryArtist(), tr.Title)
		b, bok := opened.Exact(tr.PrimaryArtist(), tr.Title)
		assert.Equal(t, aok, bok)
		assert.Equal(t, a, b)
		a, _ = built.Exact("", tr.Title)
		b, _ = opened.Exact("", tr.Title)
		assert.Equal(t, a, b)
		assert.Equal(t, built.Versions(row), opened.Versions(row))
	}
}

func catalogTracks(t *testing.T) []music.Track {
	c, err := catalog.Default()
	require.NoError(t, err)
	return c.AllTracks()
}

// TestOpenRefusesDamagedSections: sections present but inconsistent are an
// error naming the section, never a panic in a later search.
func TestOpenRefusesDamagedSections(t *testing.T) {
	def, err := catalog.Default()
	require.NoError(t, err)
	built := NewIndex(def.AllTracks())
	for _, tc := range []struct {
		name string
		edit func(ss []catalog.Section) []catalog.Section
		want string
	}{
		{"posting row out of range", func(ss []catalog.Section) []catalog.Section {
			return replace(ss, secPrefix+"postings", func(b []byte) { b[0], b[1], b[2], b[3] = 0xff, 0xff, 0xff, 0x7f })
		}, "section resolve.postings"},
		{"offsets short", func(ss []catalog.Section) []catalog.Section {
			return replace(ss, secPrefix+"offsets", func(b []byte) { b[len(b)-1] = 0x7f })
		}, "section resolve.offsets"},
		{"vocab unsorted", func(ss []catalog.Section) []catalog.Section {
			return replace(ss, secPrefix+"vocab.hash", func(b []byte) { b[7] = 0xff })
		}, "section vocab: not sorted"},
		{"a section missing", func(ss []catalog.Section) []catalog.Section {
			return ss[:len(ss)-3]
		}, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.snap")
			require.NoError(t, catalog.WriteSnapshot(path, def, tc.edit(Sections(built))...))
			c, err := catalog.Load(path)
			require.NoError(t, err)
			_, err = Open(c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// No sections at all: built, as before.
	ix, err := Open(def.Subset([]int{0, 1, 2}))
	require.NoError(t, err)
	assert.Equal(t, 3, ix.Len())

}

// replace returns ss with a copy of the named section changed by fn.
func replace(ss []catalog.Section, name string, fn func([]byte)) []catalog.Section {
	out := append([]catalog.Section(nil), ss...)
	for i := range out {
		if out[i].Name == name {
			out[i].Data = append([]byte(nil), out[i].Data...)
			fn(out[i].Data)
		}
	}
	return out
}

// BenchmarkUnderstandMapped reads spoken requests on the full catalog's
// mapped index (CONTINUO_FULL_CATALOG, a format 3 snapshot): "release" as
// the daemon runs it, the index's pages given back after each request and
// faulted in again by the next; "keep" with them left mapped. The
// difference is what releasing costs a request.
func BenchmarkUnderstandMapped(b *testing.B) {
	path := os.Getenv("CONTINUO_FULL_CATALOG")
	if path == "" {
		b.Skip("set CONTINUO_FULL_CATALOG to a format 3 snapshot")
	}
	c, err := catalog.Load(path)
	require.NoError(b, err)
	ix, err := Open(c)
	require.NoError(b, err)
	require.NotNil(b, ix.mapped, "the snapshot has no resolve sections")
	qs := []string{"tchaikovsky swan lake", "bob marley", "daft punk", "miles davis", "taylor swift",
		"metallica", "buena vista social club", "johnny cash", "tchaikovksy swam lake", "play some jazz"}
	for _, mode := range []string{"release", "keep"} {
		b.Run(mode, func(b *testing.B) {
			mapped := ix.mapped
			if mode == "keep" {
				ix.mapped = nil
				defer func() { ix.mapped = mapped }()
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sinkUnderstand = ix.Understand(qs[i%len(qs)], 3)
			}
		})
	}
}

var sinkUnderstand []Candidate
