package catalog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/embed"
)

func TestTagSpaceEmbed(t *testing.T) {
	s := mustDefault(t).Tags
	classical, ok := s.Vector("classical")
	require.True(t, ok)
	rap, ok := s.Vector("rap")
	require.True(t, ok)
	cases := []struct {
		name  string
		tags  []string
		ok    bool
		close []float32 // nearer to this than to the other
		far   []float32
	}{
		{"known", []string{"classical"}, true, classical, rap},
		{"case and punctuation", []string{"HIP-HOP"}, true, rap, classical},
		{"unseen words", []string{"Romantic Era Classical"}, true, classical, rap},
		{"alias", []string{"Klassik"}, true, classical, rap},
		{"misspelt", []string{"clasical"}, true, classical, rap},
		{"one unknown among known", []string{"zzqx", "dfw rap"}, true, rap, classical},
		{"nothing", []string{"", "  ", "zzqxw"}, false, nil, nil},
		{"no tags", nil, false, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]float32, s.Dims())
			got := s.Embed(tc.tags, dst)
			require.Equal(t, tc.ok, got)
			if !tc.ok {
				assert.Equal(t, make([]float32, s.Dims()), dst, "zeroed")
				return
			}
			assert.InDelta(t, 1, embed.Dot(dst, dst), 1e-4)
			assert.Greater(t, embed.Dot(dst, tc.close), embed.Dot(dst, tc.far))
		})
	}
	assert.False(t, s.Embed([]string{"classical"}, make([]float32, 3)), "wrong dst length")
	var nilSpace *TagSpace
	assert.False(t, nilSpace.Embed([]string{"classical"}, nil))
	assert.Nil(t, nilSpace.Nearest("classical", 3))
}

func TestTagSpaceNearest(t *testing.T) {
	s := mustDefault(t).Tags
	got := s.Nearest("russian romanticism", 5)
	require.Len(t, got, 5)
	for i, ts := range got {
		assert.NotEqual(t, "russian romanticism", ts.Tag, "the tag itself is excluded")
		assert.Equal(t, 0, FamilyOfTagForTest(s, ts.Tag), "%s is classical", ts.Tag)
		if i > 0 {
			assert.LessOrEqual(t, ts.Score, got[i-1].Score)
		}
	}
	assert.Empty(t, s.Nearest("classical", 0))
	assert.Len(t, s.Nearest("classical", 1_000_000), s.Len()-1)
}

func FamilyOfTagForTest(s *TagSpace, tag string) int { return tagFamily(tag, s) }

func TestFamilyOf(t *testing.T) {
	c := mustDefault(t)
	fam := func(name string) int {
		for i, f := range c.Families {
			if f == name {
				return i
			}
		}
		t.Fatalf("no family %q", name)
		return -1
	}
	cases := []struct {
		tags []string
		want int
	}{
		{[]string{"classical"}, fam("classical")},
		{[]string{"Romantic Era Classical"}, fam("classical")},
		{[]string{"Klassik"}, fam("classical")},
		{[]string{"opera"}, fam("classical")},
		{[]string{"baroque pop"}, fam("pop")},
		{[]string{"indian classical"}, fam("world")},
		{[]string{"dfw rap"}, fam("hip hop")},
		{[]string{"pop punk"}, fam("punk")},
		{[]string{"symphonic black metal"}, fam("metal")},
		{[]string{"piano"}, -1},
		{[]string{"sad", "study"}, -1},
		{[]string{"sad", "rock"}, fam("rock")},
		{[]string{"jazz", "rock", "rock"}, fam("rock")},
		{[]string{"jazz", "rock"}, fam("jazz")}, // tie: earlier string
		{nil, -1},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, c.FamilyOf(tc.tags), "%v", tc.tags)
	}
	var empty *Catalog
	assert.Equal(t, fam("classical"), empty.FamilyOf([]string{"classical"}), "works without a tag space")
	assert.Len(t, FamilyNames(), len(c.Families))
}

func TestTrackFamilyRules(t *testing.T) {
	c, _ := buildExtract(t)
	for i := range c.Len() {
		tr := c.Track(i)
		if tr.PrimaryArtist() == "Wolfgang Amadeus Mozart" || tr.PrimaryArtist() == "Pyotr Ilyich Tchaikovsky" {
			assert.Equal(t, "classical", c.Families[c.Family[i]], tr.Title)
		}
		onlyMood := len(tr.Genres) > 0
		for _, g := range tr.Genres {
			onlyMood = onlyMood && nonGenre[NormalizeTag(g)]
		}
		if onlyMood && len(tr.Tags) > 0 {
			// A track under only mood/activity labels takes its artists' family.
			assert.Equal(t, familyByVote(tr.Tags, c.Tags), int(c.Family[i]), "%s %v %v", tr.Title, tr.Genres, tr.Tags)
		}
	}
}
