package hashindex

import (
	"hash/fnv"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestString: the same hash as the standard library's FNV-1a, which the
// stored indexes were built with.
func TestString(t *testing.T) {
	for _, s := range []string{"", "a", "Tchaikovsky", "Ω swan lake"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		assert.Equal(t, h.Sum64(), String(s), "%q", s)
	}
}

// TestLookups: Find and First over a built index and over the same arrays
// mapped; keys that share nothing are not found.
func TestLookups(t *testing.T) {
	keys := map[string]uint32{"swan lake": 0, "nutcracker": 1, "bolero": 2, "": 3}
	built := New(maps.All(keys))
	mapped := Mapped(slices.Clone(built.Hash), slices.Clone(built.ID))
	require.NoError(t, mapped.Check(len(keys)))
	names := []string{"swan lake", "nutcracker", "bolero", ""}
	for _, x := range []*Index{&built, &mapped} {
		for want, k := range names {
			id, ok := x.Find(k, func(id int) string { return names[id] })
			assert.True(t, ok, "%q", k)
			assert.Equal(t, want, id)
			first, ok := x.First(String(k))
			assert.True(t, ok)
			assert.Equal(t, int32(want), first)
		}
		_, ok := x.Find("giselle", func(id int) string { return names[id] })
		assert.False(t, ok)
		_, ok = x.First(String("giselle"))
		assert.False(t, ok)
	}
	byHash := FromHashes(map[uint64]int32{String("a"): 7, String("b"): 9})
	id, ok := byHash.First(String("b"))
	assert.True(t, ok)
	assert.Equal(t, int32(9), id)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		x    Index
		want string
	}{
		{"lengths", Mapped([]uint64{1, 2}, []uint32{0}), "2 hashes for 1 ids"},
		{"order", Mapped([]uint64{2, 1}, []uint32{0, 1}), "not sorted"},
		{"id range", Mapped([]uint64{1, 2}, []uint32{0, 5}), "element 1: id 5 out of 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorContains(t, tc.x.Check(2), tc.want)
		})
	}
}

// TestFenceLowerBound: the fenced search finds what a plain binary search
// finds, at page boundaries, in runs of equal values and past the end.
func TestFenceLowerBound(t *testing.T) {
	for _, n := range []int{0, 1, fenceStride - 1, fenceStride, fenceStride + 1, 3*fenceStride + 7} {
		a := make([]uint64, n)
		for i := range a {
			a[i] = uint64(i/3) * 2 // runs of three equal values, even numbers
		}
		f := NewFence(a)
		for v := uint64(0); v <= uint64(n)+2; v++ {
			want, _ := slices.BinarySearch(a, v)
			assert.Equal(t, want, f.LowerBound(a, v), "n=%d v=%d", n, v)
		}
	}
}
