package catalog

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

// TestTrackAccessors: every per-field accessor agrees with Track, for a
// catalog held in memory and for the same catalog mapped from its
// snapshot, and AllTracks is Track of every row.
func TestTrackAccessors(t *testing.T) {
	built, _ := buildExtract(t)
	require.NoError(t, ApplyURITemplate(built, "file:///music/{id}.ogg"))
	path := filepath.Join(t.TempDir(), "c.snap")
	require.NoError(t, WriteSnapshot(path, built))
	mapped, err := Load(path)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		c    *Catalog
	}{{"in memory", built}, {"mapped", mapped}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			all := c.AllTracks()
			require.Len(t, all, c.Len())
			for i := range c.Len() {
				tr := c.Track(i)
				assert.Equal(t, tr.ID, c.ID(i))
				assert.Equal(t, tr.Title, c.Title(i))
				assert.Equal(t, tr.Album, c.Album(i))
				assert.Equal(t, tr.URI, c.URI(i))
				assert.Equal(t, "file:///music/"+string(tr.ID)+".ogg", c.URI(i))
				assert.Equal(t, tr.DurationMS, c.DurationMS(i))
				assert.Equal(t, tr.Popularity, c.Popularity(i))
				assert.Equal(t, tr.Explicit, c.Explicit(i))
				assert.Equal(t, tr.PrimaryArtist(), c.PrimaryArtist(i))
				assert.Equal(t, featureBits(tr.Features), featureBits(c.Features(i)))
				assert.Equal(t, tr.Artists, c.TrackArtists(i))
				assert.Equal(t, tr.Genres, c.TrackGenres(i))
				assert.Equal(t, tr.Tags, c.TrackTags(i))
				assert.Equal(t, len(tr.Tags), c.NumTrackTags(i))
				assert.Equal(t, tr.Genres, slices.Collect(c.EachGenre(i)))
				all[i].Features, tr.Features = music.Features{}, music.Features{}
				assert.Equal(t, tr, all[i])
			}
		})
	}
}

// TestTrackListsDoNotShare: a mapped track's list fields are its own; an
// append to one does not write into the next.
func TestTrackListsDoNotShare(t *testing.T) {
	def := mustDefault(t)
	for i := range min(def.Len(), 200) {
		tr := def.Track(i)
		artists, genres := slices.Clone(tr.Artists), slices.Clone(tr.Genres)
		_ = append(tr.Artists, "appended")
		assert.Equal(t, artists, tr.Artists)
		assert.Equal(t, genres, tr.Genres, "row %d", i)
	}
}

// TestURITemplateKeepsOwnURIs: the template fills only rows without a URI,
// both are found by LookupURI, and the catalog it was cloned from is not
// changed.
func TestURITemplateKeepsOwnURIs(t *testing.T) {
	c := NewCatalog([]music.Track{
		{ID: "a", Title: "A", URI: "file:///own/a.ogg"},
		{ID: "b", Title: "B"},
	})
	c.reindex()
	templated := c.Clone()
	require.NoError(t, ApplyURITemplate(templated, "emu:///{id}"))
	for _, tc := range []struct {
		cat  *Catalog
		row  int
		want string
	}{
		{templated, 0, "file:///own/a.ogg"},
		{templated, 1, "emu:///b"},
		{c, 0, "file:///own/a.ogg"},
		{c, 1, ""},
	} {
		assert.Equal(t, tc.want, tc.cat.URI(tc.row))
		assert.Equal(t, tc.want, tc.cat.Track(tc.row).URI)
		if tc.want != "" {
			r, ok := tc.cat.LookupURI(tc.want)
			assert.True(t, ok, tc.want)
			assert.Equal(t, tc.row, r)
		}
	}
	_, ok := c.LookupURI("emu:///b")
	assert.False(t, ok, "the original has no template")
	assert.Equal(t, "emu:///b", templated.AllTracks()[1].URI)
}

// TestWithTracks: a copy with edited tracks is indexed by its own ids and
// leaves the catalog it came from unchanged.
func TestWithTracks(t *testing.T) {
	def := mustDefault(t)
	ts := slices.Clone(def.AllTracks())
	old := ts[5].ID
	ts[5].ID, ts[5].Title = "edited", "Edited"
	c := def.WithTracks(ts)
	assert.Equal(t, "Edited", c.Title(5))
	r, ok := c.Lookup("edited")
	require.True(t, ok)
	assert.Equal(t, 5, r)
	_, ok = c.Lookup(old)
	assert.False(t, ok)
	assert.Equal(t, old, def.ID(5))
	assert.Equal(t, def.Genre, c.Genre, "the matrices are shared")
}

// TestReleasedRecordsReadBack: released track records (and, after a
// reload, every section) are only a hint to the kernel; every track and
// matrix reads back the same afterwards (the pages fault in again from the
// file).
func TestReleasedRecordsReadBack(t *testing.T) {
	built, mapped := builtAndMapped(t)
	before, genre := mapped.AllTracks(), slices.Clone(mapped.Genre.Data)
	mapped.ReleaseTrackRecords()
	built.ReleaseTrackRecords() // in memory: nothing to release
	assert.Equal(t, before, mapped.AllTracks())
	mapped.ReleaseAll()
	assert.Equal(t, before, mapped.AllTracks())
	assert.True(t, slices.Equal(genre, mapped.Genre.Data), "the matrices read back too")
	assert.Equal(t, built.Len(), mapped.Len())
}

// TestRowsWithGenre: the rows RowsWithGenre returns are those with a
// wanted label among their genres, in memory and mapped, and want sees
// each distinct label once.
func TestRowsWithGenre(t *testing.T) {
	built, mapped := builtAndMapped(t)
	labels := map[string]bool{}
	for i := range built.Len() {
		for g := range built.EachGenre(i) {
			labels[g] = true
		}
	}
	require.NotEmpty(t, labels)
	for _, tc := range []struct {
		name string
		c    *Catalog
	}{{"in memory", built}, {"mapped", mapped}} {
		for label := range labels {
			t.Run(tc.name+"/"+label, func(t *testing.T) {
				var want []int
				for i := range tc.c.Len() {
					if slices.Contains(slices.Collect(tc.c.EachGenre(i)), label) {
						want = append(want, i)
					}
				}
				asked := map[string]int{}
				got := tc.c.RowsWithGenre(func(g string) bool { asked[g]++; return g == label })
				assert.Equal(t, want, got)
				for g, n := range asked {
					assert.Equal(t, 1, n, "label %q asked %d times", g, n)
				}
			})
		}
	}
	assert.Empty(t, mapped.RowsWithGenre(func(string) bool { return false }))
}

// builtAndMapped returns the test extract built in memory and the same
// catalog written to a snapshot and mapped back.
func builtAndMapped(t *testing.T) (built, mapped *Catalog) {
	t.Helper()
	built, _ = buildExtract(t)
	path := filepath.Join(t.TempDir(), "c.snap")
	require.NoError(t, WriteSnapshot(path, built))
	mapped, err := Load(path)
	require.NoError(t, err)
	return built, mapped
}
