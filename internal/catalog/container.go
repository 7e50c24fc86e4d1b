package catalog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The snapshot container, version 3 (all integers little-endian):
//
//	header   magic "CONTCAT\x00" | version u32 | section count u32 |
//	         file length u64 | CRC-32C u32 | zero padding to 64 bytes
//	table    per section: name [24]byte (NUL-padded) | offset u64 |
//	         length u64 | CRC-32C u32 | element size u32
//	sections each at a 4 KiB-aligned offset, in table order
//
// The header CRC covers the header (its own field as zero) and the table;
// each section has its own CRC. Sections are plain arrays of fixed-size
// little-endian elements, so a mapped file is used in place: a section is
// reinterpreted as a []T after its length is checked to be a multiple of the
// element size and its address to be aligned for T. The catalog owns the
// container and its own sections; other packages (recommend, resolve) add
// theirs at build time (Section) and read them back by name
// (Catalog.Section), so their encodings stay with their code.
const (
	snapMagic     = "CONTCAT\x00"
	snapVersion   = 3
	headerSize    = 64
	tableEntry    = 48
	sectionAlign  = 4096
	maxSections   = 256
	maxNameLen    = 24
	maxSnapshot   = 4 << 30
	crcBufferSize = 256 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Section is one named array of a snapshot. Elem is the size of its
// elements (1, 2, 4, 8 or a record size): the reader checks that the
// length is a multiple of it and that the address is aligned for it
// (min(Elem, 8)).
type Section struct {
	Name string
	Elem int
	Data []byte
}

// sectionEntry is a parsed table record.
type sectionEntry struct {
	name        string
	off, length uint64
	crc         uint32
	elem        uint32
}

// container is an opened snapshot: its bytes (a mapping or the embedded
// default) and its section table.
type container struct {
	data     []byte
	sections map[string]sectionEntry
	order    []string // names in table order
}

// encodeContainer lays sections out and writes the file.
func encodeContainer(w io.Writer, sections []Section) error {
	if len(sections) > maxSections {
		return fmt.Errorf("%d sections, at most %d", len(sections), maxSections)
	}
	table := make([]byte, 0, len(sections)*tableEntry)
	off := alignUp(uint64(headerSize+len(sections)*tableEntry), sectionAlign)
	seen := map[string]bool{}
	for _, s := range sections {
		if s.Name == "" || len(s.Name) > maxNameLen || seen[s.Name] {
			return fmt.Errorf("section name %q: empty, longer than %d bytes or repeated", s.Name, maxNameLen)
		}
		if s.Elem <= 0 || len(s.Data)%s.Elem != 0 {
			return fmt.Errorf("section %s: %d bytes are not a whole number of %d-byte elements", s.Name, len(s.Data), s.Elem)
		}
		seen[s.Name] = true
		var name [maxNameLen]byte
		copy(name[:], s.Name)
		table = append(table, name[:]...)
		table = binary.LittleEndian.AppendUint64(table, off)
		table = binary.LittleEndian.AppendUint64(table, uint64(len(s.Data)))
		table = binary.LittleEndian.AppendUint32(table, crc32.Checksum(s.Data, castagnoli))
		table = binary.LittleEndian.AppendUint32(table, uint32(s.Elem))
		off = alignUp(off+uint64(len(s.Data)), sectionAlign)
	}
	end := uint64(headerSize + len(table))
	if n := len(sections); n > 0 {
		last := table[(n-1)*tableEntry:]
		end = binary.LittleEndian.Uint64(last[24:]) + binary.LittleEndian.Uint64(last[32:])
	}
	head := make([]byte, headerSize)
	copy(head, snapMagic)
	binary.LittleEndian.PutUint32(head[8:], snapVersion)
	binary.LittleEndian.PutUint32(head[12:], uint32(len(sections)))
	binary.LittleEndian.PutUint64(head[16:], end)
	crc := crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, table)
	binary.LittleEndian.PutUint32(head[24:], crc)
	pos := uint64(0)
	write := func(b []byte) error {
		_, err := w.Write(b)
		pos += uint64(len(b))
		return err
	}
	if err := write(head); err != nil {
		return err
	}
	if err := write(table); err != nil {
		return err
	}
	var zeros [sectionAlign]byte
	for _, s := range sections {
		if pad := alignUp(pos, sectionAlign) - pos; pad > 0 {
			if err := write(zeros[:pad]); err != nil {
				return err
			}
		}
		if err := write(s.Data); err != nil {
			return err
		}
	}
	return nil
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

// parseContainer checks the header and the section table of b (the whole
// file) and returns them. Section CRCs are checked separately
// (verifySections), so that how the bytes are read can be chosen.
func parseContainer(b []byte) (*container, error) {
	if len(b) < 12 || string(b[:8]) != snapMagic {
		return nil, corrupt("not a catalog snapshot")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != snapVersion {
		return nil, corrupt("snapshot format %d: rebuild with `continuoctl catalog build` (or make catalog / make full-catalog); this build reads format %d", v, snapVersion)
	}
	if len(b) < headerSize {
		return nil, corrupt("header: truncated at %d bytes", len(b))
	}
	count := int(binary.LittleEndian.Uint32(b[12:]))
	if count > maxSections {
		return nil, corrupt("header: %d sections, at most %d", count, maxSections)
	}
	tableEnd := headerSize + count*tableEntry
	if len(b) < tableEnd {
		return nil, corrupt("section table: truncated (file %d bytes, table ends at %d)", len(b), tableEnd)
	}
	if size := binary.LittleEndian.Uint64(b[16:]); size != uint64(len(b)) {
		return nil, corrupt("header: file is %d bytes, header says %d (truncated?)", len(b), size)
	}
	var head [headerSize]byte
	copy(head[:], b[:headerSize])
	binary.LittleEndian.PutUint32(head[24:], 0)
	crc := crc32.Update(crc32.Checksum(head[:], castagnoli), castagnoli, b[headerSize:tableEnd])
	if crc != binary.LittleEndian.Uint32(b[24:]) {
		return nil, corrupt("header or section table: checksum mismatch")
	}
	c := &container{data: b, sections: make(map[string]sectionEntry, count)}
	for i := 0; i < count; i++ {
		e, err := parseEntry(b[headerSize+i*tableEntry:], uint64(len(b)))
		if err != nil {
			return nil, corrupt("section table entry %d: %v", i, err)
		}
		if _, dup := c.sections[e.name]; dup {
			return nil, corrupt("section %s: listed twice", e.name)
		}
		c.sections[e.name] = e
		c.order = append(c.order, e.name)
	}
	return c, nil
}

func parseEntry(r []byte, size uint64) (sectionEntry, error) {
	name := r[:maxNameLen]
	n := 0
	for n < len(name) && name[n] != 0 {
		if name[n] < 0x21 || name[n] > 0x7e {
			return sectionEntry{}, errors.New("name is not printable ASCII")
		}
		n++
	}
	e := sectionEntry{
		name:   string(name[:n]),
		off:    binary.LittleEndian.Uint64(r[24:]),
		length: binary.LittleEndian.Uint64(r[32:]),
		crc:    binary.LittleEndian.Uint32(r[40:]),
		elem:   binary.LittleEndian.Uint32(r[44:]),
	}
	switch {
	case n == 0:
		return e, errors.New("empty name")
	case e.off%sectionAlign != 0:
		return e, fmt.Errorf("section %s: offset %d not 4 KiB-aligned", e.name, e.off)
	case e.off > size || e.length > size-e.off:
		return e, fmt.Errorf("section %s: bytes %d..%d beyond the file's %d (truncated?)", e.name, e.off, e.off+e.length, size)
	case e.elem == 0 || e.length%uint64(e.elem) != 0:
		return e, fmt.Errorf("section %s: %d bytes in %d-byte elements", e.name, e.length, e.elem)
	}
	return e, nil
}

// verifySections checks every section's CRC-32C. It reads through r (pread
// into one small buffer) when given, so that checking a mapped file does not
// fault every page of the mapping into the process's RSS; otherwise it reads
// c.data.
func (c *container) verifySections(r io.ReaderAt) error {
	var buf []byte
	if r != nil {
		buf = make([]byte, crcBufferSize)
	}
	for _, e := range c.sections {
		var crc uint32
		if r == nil {
			crc = crc32.Checksum(c.data[e.off:e.off+e.length], castagnoli)
		} else {
			for done := uint64(0); done < e.length; {
				n := min(uint64(len(buf)), e.length-done)
				if _, err := r.ReadAt(buf[:n], int64(e.off+done)); err != nil {
					return fmt.Errorf("section %s: read: %w", e.name, err)
				}
				crc = crc32.Update(crc, castagnoli, buf[:n])
				done += n
			}
		}
		if crc != e.crc {
			return corrupt("section %s: checksum mismatch", e.name)
		}
	}
	return nil
}

// bytes returns a section's bytes, nil and false when absent.
func (c *container) bytes(name string) ([]byte, bool) {
	e, ok := c.sections[name]
	if !ok {
		return nil, false
	}
	return c.data[e.off : e.off+e.length : e.off+e.length], true
}

// sectionAs returns section name as a []T of exactly count elements (count
// < 0: any whole number), used in place.
func sectionAs[T any](c *container, name string, count int) ([]T, error) {
	b, ok := c.bytes(name)
	if !ok {
		return nil, corrupt("section %s: missing", name)
	}
	return viewAs[T](b, name, count)
}

// viewAs reinterprets b as a []T after checking length and alignment.
func viewAs[T any](b []byte, name string, count int) ([]T, error) {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(b)%size != 0 || (count >= 0 && len(b) != count*size) {
		return nil, corrupt("section %s: %d bytes, want %d elements of %d bytes", name, len(b), count, size)
	}
	if len(b) == 0 {
		return []T{}, nil
	}
	if uintptr(unsafe.Pointer(&b[0]))%unsafe.Alignof(zero) != 0 {
		return nil, corrupt("section %s: misaligned", name)
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(b)/size), nil
}

// SectionView returns a section that another package added (Section) as a
// []T of count elements (count < 0: any), in place; ok is false when the
// catalog has no such section (built by hand, or by an older build).
func SectionView[T any](c *Catalog, name string, count int) (v []T, ok bool, err error) {
	if c == nil || c.snap == nil {
		return nil, false, nil
	}
	b, ok := c.snap.bytes(name)
	if !ok {
		return nil, false, nil
	}
	v, err = viewAs[T](b, name, count)
	return v, err == nil, err
}

// SectionOf returns the bytes of a plain slice, to write as a Section.
func SectionOf[T any](name string, v []T) Section {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if len(v) == 0 {
		return Section{Name: name, Elem: size}
	}
	return Section{Name: name, Elem: size, Data: unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*size)}
}

// mapFile maps path read-only and shared. The mapping is never unmapped:
// strings of the catalog point into it and may be held anywhere (queued
// tracks, history events); its pages are clean and file-backed, so the
// kernel reclaims them under pressure.
func mapFile(path string) ([]byte, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if st.Size() > maxSnapshot {
		f.Close()
		return nil, nil, corrupt("larger than %d bytes", int64(maxSnapshot))
	}
	if st.Size() == 0 {
		f.Close()
		return nil, nil, corrupt("empty file")
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("mmap: %w", err)
	}
	// Requests read rows, posting lists and index entries here and there:
	// without this, every fault maps the 64 KiB around it ("fault-around")
	// and binary searches and shortlists make most of the file resident.
	_ = unix.Madvise(b, unix.MADV_RANDOM)
	return b, f, nil
}

// release tells the kernel the pages of b are not needed now (they were
// read once at start); they are read again from the file if touched.
func release(b []byte) {
	if len(b) == 0 {
		return
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	first := (start + sectionAlign - 1) &^ (sectionAlign - 1)
	last := (start + uintptr(len(b))) &^ (sectionAlign - 1)
	if last <= first {
		return
	}
	_ = unix.Madvise(b[first-start:last-start], unix.MADV_DONTNEED)
}

// StringSections returns a list of strings as two sections, name (the bytes)
// and name+".off" (uint32 offsets, one more than the strings), for
// StringsView.
func StringSections(name string, list []string) []Section {
	off := make([]uint32, 0, len(list)+1)
	var blob []byte
	for _, s := range list {
		off = append(off, uint32(len(blob)))
		blob = append(blob, s...)
	}
	off = append(off, uint32(len(blob)))
	return []Section{{Name: name, Elem: 1, Data: blob}, SectionOf(name+".off", off)}
}

// StringsView returns the strings StringSections stored, pointing into the
// snapshot (one []string header each, no copy of the bytes); ok is false
// when the catalog has no such sections.
func StringsView(c *Catalog, name string) (list []string, ok bool, err error) {
	blob, ok, err := SectionView[byte](c, name, -1)
	if !ok || err != nil {
		return nil, ok, err
	}
	off, ok, err := SectionView[uint32](c, name+".off", -1)
	if !ok || err != nil {
		return nil, ok, err
	}
	if len(off) == 0 || off[0] != 0 || int(off[len(off)-1]) != len(blob) {
		return nil, true, corrupt("section %s.off: does not cover the %d bytes", name, len(blob))
	}
	list = make([]string, len(off)-1)
	for i := range list {
		a, z := off[i], off[i+1]
		if z < a {
			return nil, true, corrupt("section %s.off: offsets not ascending", name)
		}
		if z > a {
			list[i] = unsafe.String(&blob[a], z-a)
		}
	}
	return list, true, nil
}

// ReleaseTrackRecords releases the per-track records, their list items and
// the string table (see ReleaseSections). Loading reads all of them to check
// every id, and the engine's start reads every popularity; a request then
// reads only its picks' records (a few hundred pages), which fault back in.
// Called once the catalog's users have started, it leaves resident what
// requests use: ~12 MB less RSS on the full catalog.
func (c *Catalog) ReleaseTrackRecords() {
	for _, prefix := range []string{secTrackStr, secTrackLists, secTrackInfo, "list.", secStrings} {
		c.ReleaseSections(prefix)
	}
}

// ReleaseAll releases the pages of every section: for a catalog that a
// reload replaced. Its mapping stays (its strings may still be held by a
// queued track or an event), but nothing should read it any more, and a
// page that something does read faults back in from the file.
func (c *Catalog) ReleaseAll() { c.ReleaseSections("") }

// ReleaseSections tells the kernel that the mapped pages of the sections
// whose names start with prefix are not needed now: a package that has
// validated its sections at start (reading every page) calls it so that
// only what requests touch stays resident. A no-op for a catalog built in
// memory.
func (c *Catalog) ReleaseSections(prefix string) {
	if c == nil || c.snap == nil {
		return
	}
	for _, name := range c.snap.order {
		if strings.HasPrefix(name, prefix) {
			b, _ := c.snap.bytes(name)
			release(b)
		}
	}
}
