// Package hashindex maps strings to ids through two flat arrays that a
// snapshot stores and maps in place: (FNV-1a hash, id) pairs sorted by hash,
// then id. A lookup binary-searches a fence (every page's first hash, a few
// KB), then one page of the hash array, and on a hash match compares the
// string itself, so a collision costs a comparison, never a wrong answer.
// The catalog's id and URI lookups and the resolver's word, artist and
// exact-title lookups are such indexes.
package hashindex

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
)

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// String is the 64-bit FNV-1a hash of s (hash/fnv's New64a), without an
// allocation.
func String(s string) uint64 { return Extend(offset64, s) }

// Extend continues an FNV-1a hash h with s: a key of several strings.
func Extend(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime64
	}
	return h
}

// Index is the sorted pair of arrays with the fence over Hash.
type Index struct {
	Hash  []uint64
	ID    []uint32
	fence Fence
}

// New indexes the (key, id) pairs of keys.
func New(keys iter.Seq2[string, uint32]) Index {
	type pair struct {
		h  uint64
		id uint32
	}
	var pairs []pair
	for k, id := range keys {
		pairs = append(pairs, pair{String(k), id})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	x := Index{Hash: make([]uint64, len(pairs)), ID: make([]uint32, len(pairs))}
	for i, p := range pairs {
		x.Hash[i], x.ID[i] = p.h, p.id
	}
	x.fence = NewFence(x.Hash)
	return x
}

// FromHashes indexes keys already hashed (one id per hash).
func FromHashes(m map[uint64]int32) Index {
	x := Index{Hash: make([]uint64, 0, len(m)), ID: make([]uint32, 0, len(m))}
	for h := range m {
		x.Hash = append(x.Hash, h)
	}
	slices.Sort(x.Hash)
	for _, h := range x.Hash {
		x.ID = append(x.ID, uint32(m[h]))
	}
	x.fence = NewFence(x.Hash)
	return x
}

// Mapped wraps arrays read from a file. Check them before a lookup.
func Mapped(hash []uint64, id []uint32) Index {
	return Index{Hash: hash, ID: id, fence: NewFence(hash)}
}

// Check reports what would make a lookup wrong or read out of range: arrays
// of different lengths, hashes out of order, an id not below ids.
func (x *Index) Check(ids int) error {
	if len(x.Hash) != len(x.ID) {
		return fmt.Errorf("%d hashes for %d ids", len(x.Hash), len(x.ID))
	}
	if !slices.IsSorted(x.Hash) {
		return fmt.Errorf("not sorted")
	}
	for i, id := range x.ID {
		if int(id) >= ids {
			return fmt.Errorf("element %d: id %d out of %d", i, id, ids)
		}
	}
	return nil
}

// First returns the id of the first pair with hash h.
func (x *Index) First(h uint64) (int32, bool) {
	i := x.fence.LowerBound(x.Hash, h)
	if i == len(x.Hash) || x.Hash[i] != h {
		return 0, false
	}
	return int32(x.ID[i]), true
}

// Find returns the id whose key, keyOf(id), is key.
func (x *Index) Find(key string, keyOf func(id int) string) (int, bool) {
	h := String(key)
	for i := x.fence.LowerBound(x.Hash, h); i < len(x.Hash) && x.Hash[i] == h; i++ {
		if id := int(x.ID[i]); keyOf(id) == key {
			return id, true
		}
	}
	return 0, false
}

// fenceStride is how many uint64 fill a 4 KiB page.
const fenceStride = 512

// Fence holds every fenceStride-th value of a sorted []uint64 (a few KB for
// MBs of array), so that a lookup binary-searches the fence and then one
// page of the array: a plain binary search over a mapped array touches ~20
// pages per lookup, and a query's many typo probes would fault most of a
// large index into memory.
type Fence []uint64

// NewFence builds the fence of the sorted a.
func NewFence(a []uint64) Fence {
	f := make(Fence, 0, len(a)/fenceStride+1)
	for i := 0; i < len(a); i += fenceStride {
		f = append(f, a[i])
	}
	return f
}

// LowerBound returns the first index of a (which f was built from) whose
// value is at least v.
func (f Fence) LowerBound(a []uint64, v uint64) int {
	if len(f) == 0 {
		i, _ := slices.BinarySearch(a, v)
		return i
	}
	j, _ := slices.BinarySearch(f, v) // f[j-1] < v <= f[j]
	lo, hi := max(j-1, 0)*fenceStride, min(j*fenceStride+1, len(a))
	i, _ := slices.BinarySearch(a[lo:hi], v)
	return lo + i
}
