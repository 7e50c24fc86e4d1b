package embed

import (
	"fmt"
	"hash/maphash"
	"slices"
	"unsafe"
)

// Groups maps the rows of a matrix to its distinct rows. The catalog's
// genre rows come from artist tags, so every track of an artist shares one
// vector: the full catalog has 27,432 distinct genre rows for 176,008
// tracks, in groups of up to 1,226. Scoring the distinct rows and reading a
// row's score through Vector is a sixth of the work and the memory, and it
// keeps a shortlist from filling up with copies of one vector.
//
// Like ivf.Index, Groups is plain arrays (CSR), made to be stored and
// mapped as snapshot sections.
type Groups struct {
	Vector  []uint32 // row → its distinct row
	Offsets []uint32 // distinct row v's rows are Members[Offsets[v]:Offsets[v+1]]
	Members []uint32 // rows, grouped by distinct row, ascending within a group
}

// Dedup returns the distinct rows of m, in order of first appearance, and
// the groups of rows that share each one. Rows are equal when their float32
// bits are (the snapshot decodes equal values to equal bits).
func Dedup(m Matrix) (Matrix, Groups) {
	u, vector, _ := DistinctRows(m, m.Rows)
	g := Groups{Vector: vector, Members: make([]uint32, m.Rows)}
	g.Offsets = make([]uint32, u.Rows+1)
	for _, v := range g.Vector {
		g.Offsets[v+1]++
	}
	for v := range u.Rows {
		g.Offsets[v+1] += g.Offsets[v]
	}
	next := append([]uint32(nil), g.Offsets[:u.Rows]...)
	for i, v := range g.Vector {
		g.Members[next[v]] = uint32(i)
		next[v]++
	}
	return u, g
}

// DistinctRows returns the distinct rows of m in order of first appearance
// and each row's distinct row (Groups.Vector), as Dedup does without the
// members. It gives up (ok false) as soon as it meets more than limit
// distinct rows, before copying any, so a matrix without duplicates costs
// a map of limit 64-bit hashes and nothing else. Rows are keyed by a hash of
// their bits and compared in full on a hash match; a collision of unequal
// rows probes the next hash value.
func DistinctRows(m Matrix, limit int) (u Matrix, vector []uint32, ok bool) {
	seed := maphash.MakeSeed()
	return distinctRows(m, limit, func(b []byte) uint64 { return maphash.Bytes(seed, b) })
}

// distinctRows is DistinctRows with the row hash as a parameter, so a test
// can make every row collide.
func distinctRows(m Matrix, limit int, hash func([]byte) uint64) (u Matrix, vector []uint32, ok bool) {
	vector = make([]uint32, m.Rows)
	ids := make(map[uint64]uint32)
	var first []uint32 // per distinct row: the first row that has it
	for i := range m.Rows {
		r := m.Row(i)
		h := hash(rowBytes(r))
		for {
			v, seen := ids[h]
			if !seen {
				if len(first) == limit {
					return Matrix{}, nil, false
				}
				v = uint32(len(first))
				ids[h] = v
				first = append(first, uint32(i))
			} else if !slices.Equal(rowBytes(m.Row(int(first[v]))), rowBytes(r)) {
				h++ // a collision: another row has this hash
				continue
			}
			vector[i] = v
			break
		}
	}
	u = NewMatrix(len(first), m.Cols)
	for v, i := range first {
		copy(u.Row(v), m.Row(int(i)))
	}
	return u, vector, true
}

// rowBytes is r's memory as bytes: equal bits, equal rows (the snapshot
// decodes equal values to equal bits; -0 and +0, or two NaNs, differ).
func rowBytes(r []float32) []byte {
	if len(r) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&r[0])), len(r)*4)
}

// Check reports groups that do not fit a matrix of rows rows and distinct
// distinct rows.
func (g Groups) Check(rows, distinct int) error {
	if len(g.Vector) != rows || len(g.Members) != rows || len(g.Offsets) != distinct+1 || (distinct >= 0 && int(g.Offsets[distinct]) != rows) {
		return fmt.Errorf("embed: groups of %d rows, %d members, %d offsets for %d rows of %d distinct", len(g.Vector), len(g.Members), len(g.Offsets), rows, distinct)
	}
	return nil
}

// Expand appends the rows of the distinct hits, best hit first and rows in
// order within a hit, to dst until it holds k rows; each row gets its
// vector's score.
func (g Groups) Expand(hits []Hit, k int, dst []Hit) []Hit {
	n := 0
	for _, h := range hits {
		for _, r := range g.Members[g.Offsets[h.Row]:g.Offsets[h.Row+1]] {
			if n == k {
				return dst
			}
			dst = append(dst, Hit{Row: int32(r), Score: h.Score})
			n++
		}
	}
	return dst
}
