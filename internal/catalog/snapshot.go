package catalog

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// Snapshot format, version 2 (all integers little-endian):
//
//	header  "CONTCAT\x00" | version u32 | payload length u64 | CRC-32C(payload) u32
//	payload string table | tag space | families | artists | tracks | genre | mood | derived
//
// Version 2 added the derived columns (derive.go: holiday, explicit estimate,
// region); a version 1 file is refused with a hint to rebuild it.
//
// Strings are stored once in a table and referenced by index. Per-track
// columns are stored column by column so loading is a few tight loops. The
// genre matrix is stored as int16 (v·32767) and renormalised at load: the
// error per component is below 2e-5, far below any score difference that
// matters, and it halves the file. A snapshot may be gzip-compressed as a
// whole (the embedded default is); Load detects that.
const (
	snapMagic   = "CONTCAT\x00"
	snapVersion = 2
	snapHeader  = 8 + 4 + 8 + 4
	// maxSnapshot bounds what Load reads or decompresses (the full public
	// catalog is about 60 MB).
	maxSnapshot = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// WriteSnapshot writes c to path atomically: a temp file in the same
// directory, fsync, rename, fsync of the directory.
func WriteSnapshot(path string, c *Catalog) error {
	return writeFileAtomic(path, func(w io.Writer) error { return encodeSnapshot(w, c) })
}

// WriteSnapshotGzip is WriteSnapshot with gzip compression (for the embedded
// default catalog).
func WriteSnapshotGzip(path string, c *Catalog) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
		if err != nil {
			return err
		}
		if err := encodeSnapshot(zw, c); err != nil {
			return err
		}
		return zw.Close()
	})
}

func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err = write(f); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: makes the rename durable where supported
		d.Close()
	}
	return nil
}

// encoder appends little-endian values to a buffer.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)   { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) f32(v float32) {
	e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(v))
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

func encodeSnapshot(w io.Writer, c *Catalog) error {
	if c == nil || c.Tags == nil {
		return errors.New("nil catalog")
	}
	n := len(c.Tracks)
	dims := c.Tags.Dims()
	if c.Genre.Rows != n || c.Genre.Cols != dims || c.Mood.Rows != n || c.Mood.Cols != MoodDims ||
		len(c.Family) != n || len(c.Artist) != n {
		return errors.New("catalog matrices do not match its tracks")
	}
	st := &stringTable{idx: map[string]uint32{}}
	var body encoder
	// Everything but the string table goes to body first; the table is
	// complete only afterwards.
	s := c.Tags
	body.u32(uint32(dims))
	body.u32(uint32(len(s.names)))
	for i, name := range s.names {
		body.u32(st.id(name))
		body.u8(uint8(s.family[i]))
	}
	for _, v := range s.vecs.Data {
		body.f32(v)
	}
	body.u32(uint32(len(c.Families)))
	for _, f := range c.Families {
		body.u32(st.id(f))
	}
	body.u32(uint32(len(c.Artists)))
	for _, a := range c.Artists {
		body.u32(st.id(a))
	}
	body.u32(uint32(n))
	for _, col := range []func(*music.Track) string{
		func(t *music.Track) string { return string(t.ID) },
		func(t *music.Track) string { return t.Title },
		func(t *music.Track) string { return t.Album },
		func(t *music.Track) string { return t.URI },
	} {
		for i := range c.Tracks {
			body.u32(st.id(col(&c.Tracks[i])))
		}
	}
	for _, list := range []func(*music.Track) []string{
		func(t *music.Track) []string { return t.Artists },
		func(t *music.Track) []string { return t.Genres },
		func(t *music.Track) []string { return t.Tags },
	} {
		total := 0
		for i := range c.Tracks {
			body.u32(uint32(total))
			total += len(list(&c.Tracks[i]))
		}
		body.u32(uint32(total))
		for i := range c.Tracks {
			for _, x := range list(&c.Tracks[i]) {
				body.u32(st.id(x))
			}
		}
	}
	for i := range c.Tracks {
		body.u64(uint64(c.Tracks[i].DurationMS))
	}
	for i := range c.Tracks {
		t := &c.Tracks[i]
		body.u8(uint8(t.Popularity))
		body.u8(uint8(t.Explicit))
		body.u8(uint8(t.Features.Key))
		body.u8(uint8(t.Features.Mode))
	}
	for _, col := range featureColumns {
		for i := range c.Tracks {
			body.f32(*col(&c.Tracks[i].Features))
		}
	}
	for i := range c.Tracks {
		body.u32(uint32(c.Artist[i]))
		body.u8(c.Family[i])
	}
	for _, v := range c.Genre.Data {
		q := math.Round(float64(v) * 32767)
		body.b = binary.LittleEndian.AppendUint16(body.b, uint16(int16(max(-32767, min(32767, q)))))
	}
	for d := 0; d < MoodDims; d++ {
		body.f32(c.MoodMean[d])
		body.f32(c.MoodStd[d])
	}
	for _, v := range c.Mood.Data {
		body.f32(v)
	}
	encodeDerived(&body, st, c)

	var payload encoder
	payload.u32(uint32(len(st.list)))
	var off uint32
	for _, x := range st.list {
		payload.u32(off)
		off += uint32(len(x))
	}
	payload.u32(off)
	for _, x := range st.list {
		payload.b = append(payload.b, x...)
	}
	payload.b = append(payload.b, body.b...)

	var head encoder
	head.b = append(head.b, snapMagic...)
	head.u32(snapVersion)
	head.u64(uint64(len(payload.b)))
	head.u32(crc32.Checksum(payload.b, castagnoli))
	if _, err := w.Write(head.b); err != nil {
		return err
	}
	_, err := w.Write(payload.b)
	return err
}

var featureColumns = []func(*music.Features) *float32{
	func(f *music.Features) *float32 { return &f.Danceability },
	func(f *music.Features) *float32 { return &f.Energy },
	func(f *music.Features) *float32 { return &f.Valence },
	func(f *music.Features) *float32 { return &f.Acousticness },
	func(f *music.Features) *float32 { return &f.Instrumentalness },
	func(f *music.Features) *float32 { return &f.Speechiness },
	func(f *music.Features) *float32 { return &f.Liveness },
	func(f *music.Features) *float32 { return &f.Loudness },
	func(f *music.Features) *float32 { return &f.Tempo },
}

// Load reads a snapshot written by WriteSnapshot (optionally gzipped).
func Load(path string) (*Catalog, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	if st.Size() > maxSnapshot {
		return nil, fmt.Errorf("load catalog %s: %w", path, corrupt("larger than %d bytes", maxSnapshot))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	c, err := decodeSnapshot(b)
	if err != nil {
		return nil, fmt.Errorf("load catalog %s: %w", path, err)
	}
	return c, nil
}

// corrupt builds the error for a damaged snapshot.
func corrupt(format string, args ...any) error {
	return music.Errorf(music.KindInvalid, "corrupt snapshot: "+format, args...)
}

// decodeSnapshot parses a snapshot; every count and index is checked, so a
// damaged file yields an error, never a panic or a huge allocation.
func decodeSnapshot(b []byte) (*Catalog, error) {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, corrupt("gzip: %v", err)
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxSnapshot+1))
		if err != nil {
			return nil, corrupt("gzip: %v", err)
		}
		b = raw
	}
	if len(b) > maxSnapshot {
		return nil, corrupt("larger than %d bytes", maxSnapshot)
	}
	if len(b) < snapHeader || string(b[:8]) != snapMagic {
		return nil, corrupt("not a catalog snapshot")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != snapVersion {
		return nil, corrupt("version %d, want %d: rebuild with catalog build (continuoctl catalog build, make catalog)", v, snapVersion)
	}
	plen := binary.LittleEndian.Uint64(b[12:])
	if plen != uint64(len(b)-snapHeader) {
		return nil, corrupt("payload is %d bytes, header says %d (truncated?)", len(b)-snapHeader, plen)
	}
	payload := b[snapHeader:]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[20:]) {
		return nil, corrupt("checksum mismatch")
	}
	d := &decoder{b: payload}
	c, err := d.catalog()
	if err != nil {
		return nil, err
	}
	if d.off != len(d.b) {
		return nil, corrupt("%d trailing bytes", len(d.b)-d.off)
	}
	return c, nil
}

// decoder reads little-endian values with bounds checks; the first error
// sticks and later reads return zero values.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) need(n int, what string) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || n > len(d.b)-d.off {
		d.err = corrupt("truncated in %s", what)
		return false
	}
	return true
}

func (d *decoder) u8(what string) uint8 {
	if !d.need(1, what) {
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) u32(what string) uint32 {
	if !d.need(4, what) {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

// count reads a count and checks that count·elem bytes can still follow.
func (d *decoder) count(elem int, what string) int {
	n := int(d.u32(what))
	if d.err == nil && (elem > 0 && n > (len(d.b)-d.off)/elem) {
		d.err = corrupt("%s count %d exceeds the file", what, n)
		return 0
	}
	return n
}

// block returns the next n·elem bytes.
func (d *decoder) block(n, elem int, what string) []byte {
	if !d.need(n*elem, what) {
		return nil
	}
	s := d.b[d.off : d.off+n*elem]
	d.off += n * elem
	return s
}

func (d *decoder) catalog() (*Catalog, error) {
	// String table.
	ns := d.count(4, "string table")
	offs := d.block(ns+1, 4, "string offsets")
	if d.err != nil {
		return nil, d.err
	}
	blobLen := int(binary.LittleEndian.Uint32(offs[ns*4:]))
	blob := d.block(blobLen, 1, "strings")
	if d.err != nil {
		return nil, d.err
	}
	all := string(blob)
	strs := make([]string, ns)
	prev := 0
	for i := 0; i < ns; i++ {
		a := int(binary.LittleEndian.Uint32(offs[i*4:]))
		z := int(binary.LittleEndian.Uint32(offs[i*4+4:]))
		if a != prev || z < a || z > blobLen {
			return nil, corrupt("string offsets")
		}
		strs[i] = all[a:z]
		prev = z
	}
	str := func(what string) string {
		i := d.u32(what)
		if d.err == nil && int(i) >= ns {
			d.err = corrupt("%s: string index %d out of range", what, i)
		}
		if d.err != nil {
			return ""
		}
		return strs[i]
	}

	// Tag space.
	dims := int(d.u32("dims"))
	if d.err == nil && (dims <= 0 || dims > 1024) {
		return nil, corrupt("dims %d", dims)
	}
	nt := d.count(5+4*dims, "tags")
	names := make([]string, nt)
	fam := make([]int8, nt)
	for i := 0; i < nt; i++ {
		names[i] = str("tag name")
		fam[i] = int8(d.u8("tag family"))
	}
	vecs := embed.NewMatrix(nt, dims)
	if raw := d.block(nt*dims, 4, "tag vectors"); raw != nil {
		for i := range vecs.Data {
			vecs.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := vecs.Check(); err != nil && nt > 0 {
		return nil, corrupt("tag vectors: %v", err)
	}
	c := &Catalog{}
	nf := d.count(4, "families")
	c.Families = make([]string, nf)
	for i := range c.Families {
		c.Families[i] = str("family")
	}
	for i, f := range fam {
		if int(f) >= nf || f < -1 {
			return nil, corrupt("tag %d: family %d", i, f)
		}
	}
	c.Tags = newTagSpace(names, vecs, fam)
	na := d.count(4, "artists")
	c.Artists = make([]string, na)
	for i := range c.Artists {
		c.Artists[i] = str("artist")
	}

	// Tracks: fixed-width columns first.
	n := d.count(4*4, "tracks")
	if d.err != nil {
		return nil, d.err
	}
	c.Tracks = make([]music.Track, n)
	cols := make([][]byte, 4)
	for k := range cols {
		cols[k] = d.block(n, 4, "track strings")
	}
	if d.err != nil {
		return nil, d.err
	}
	for i := range c.Tracks {
		t := &c.Tracks[i]
		var idx [4]uint32
		for k := range idx {
			idx[k] = binary.LittleEndian.Uint32(cols[k][i*4:])
			if int(idx[k]) >= ns {
				return nil, corrupt("track %d: string index out of range", i)
			}
		}
		t.ID, t.Title, t.Album, t.URI = music.TrackID(strs[idx[0]]), strs[idx[1]], strs[idx[2]], strs[idx[3]]
	}
	// Ids and URIs are complete: build their index on a second goroutine
	// while this one decodes the other columns (it reads only ID and URI,
	// which nothing below writes). Every return waits for it.
	indexed := make(chan struct{})
	go func() {
		defer close(indexed)
		c.reindex()
	}()
	defer func() { <-indexed }()
	for list := 0; list < 3; list++ {
		offsets := d.block(n+1, 4, "list offsets")
		if d.err != nil {
			return nil, d.err
		}
		total := int(binary.LittleEndian.Uint32(offsets[n*4:]))
		items := d.block(total, 4, "list items")
		if d.err != nil {
			return nil, d.err
		}
		backing := make([]string, total)
		for j := range backing {
			k := binary.LittleEndian.Uint32(items[j*4:])
			if int(k) >= ns {
				return nil, corrupt("list item: string index out of range")
			}
			backing[j] = strs[k]
		}
		for i := range c.Tracks {
			a := int(binary.LittleEndian.Uint32(offsets[i*4:]))
			z := int(binary.LittleEndian.Uint32(offsets[i*4+4:]))
			if a > z || z > total {
				return nil, corrupt("track %d: list offsets", i)
			}
			var s []string
			if z > a {
				s = backing[a:z:z]
			}
			switch list {
			case 0:
				c.Tracks[i].Artists = s
			case 1:
				c.Tracks[i].Genres = s
			case 2:
				c.Tracks[i].Tags = s
			}
		}
	}
	if dur := d.block(n, 8, "durations"); dur != nil {
		for i := range c.Tracks {
			c.Tracks[i].DurationMS = int64(binary.LittleEndian.Uint64(dur[i*8:]))
		}
	}
	if small := d.block(n, 4, "small fields"); small != nil {
		for i := range c.Tracks {
			t := &c.Tracks[i]
			t.Popularity = int8(small[i*4])
			t.Explicit = music.Explicit(small[i*4+1])
			t.Features.Key = int8(small[i*4+2])
			t.Features.Mode = int8(small[i*4+3])
		}
	}
	for _, col := range featureColumns {
		raw := d.block(n, 4, "features")
		if raw == nil {
			return nil, d.err
		}
		for i := range c.Tracks {
			*col(&c.Tracks[i].Features) = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
		}
	}
	if af := d.block(n, 5, "artist and family"); af != nil {
		c.Artist = make([]int32, n)
		c.Family = make([]uint8, n)
		for i := 0; i < n; i++ {
			a := binary.LittleEndian.Uint32(af[i*5:])
			f := af[i*5+4]
			if int(a) >= na || int(f) >= nf {
				return nil, corrupt("track %d: artist or family out of range", i)
			}
			c.Artist[i], c.Family[i] = int32(a), f
		}
	}
	g := d.block(n*dims, 2, "genre matrix")
	for dd := 0; dd < MoodDims; dd++ {
		c.MoodMean[dd] = math.Float32frombits(d.u32("mood mean"))
		c.MoodStd[dd] = math.Float32frombits(d.u32("mood std"))
	}
	if m := d.block(n*MoodDims, 4, "mood matrix"); m != nil {
		c.Mood = embed.NewMatrix(n, MoodDims)
		for i := range c.Mood.Data {
			c.Mood.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(m[i*4:]))
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	c.Genre = embed.NewMatrix(n, dims)
	for i := range c.Genre.Data {
		c.Genre.Data[i] = float32(int16(binary.LittleEndian.Uint16(g[i*2:]))) / 32767
	}
	c.Genre.NormalizeRows()
	if err := c.Mood.Check(); err != nil {
		return nil, corrupt("mood matrix: %v", err)
	}
	if err := d.derived(c, str); err != nil {
		return nil, err
	}
	return c, nil
}

func crc32Checksum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// encodeDerived writes the derived columns: the explicit threshold and its
// held-out figures, the region names, then per track one byte each of
// flags (bit 0: holiday), explicit estimate and region. A catalog built
// without them (by hand) gets them computed here.
func encodeDerived(body *encoder, st *stringTable, c *Catalog) {
	d := c.Derived
	if !d.Valid(len(c.Tracks)) {
		d = Derive(c)
	}
	body.u8(d.ExplicitCut)
	body.f32(d.ExplicitPrecision)
	body.f32(d.ExplicitRecall)
	body.u32(uint32(d.ExplicitHeldOut))
	body.u32(uint32(len(d.Regions)))
	for _, r := range d.Regions {
		body.u32(st.id(r))
	}
	for i := range c.Tracks {
		var flags uint8
		if d.Holiday[i] {
			flags |= 1
		}
		body.u8(flags)
		body.u8(d.ExplicitP[i])
		body.u8(d.Region[i])
	}
}

func (d *decoder) derived(c *Catalog, str func(string) string) error {
	n := len(c.Tracks)
	var x Derived
	x.ExplicitCut = d.u8("explicit threshold")
	x.ExplicitPrecision = math.Float32frombits(d.u32("explicit precision"))
	x.ExplicitRecall = math.Float32frombits(d.u32("explicit recall"))
	x.ExplicitHeldOut = int(d.u32("explicit held-out"))
	nr := d.count(4, "regions")
	if d.err == nil && (nr == 0 || nr > 255) {
		return corrupt("%d regions", nr)
	}
	x.Regions = make([]string, nr)
	for i := range x.Regions {
		x.Regions[i] = str("region")
	}
	raw := d.block(n, 3, "derived columns")
	if d.err != nil {
		return d.err
	}
	x.Holiday, x.ExplicitP, x.Region = make([]bool, n), make([]uint8, n), make([]uint8, n)
	for i := range n {
		x.Holiday[i] = raw[i*3]&1 != 0
		x.ExplicitP[i] = raw[i*3+1]
		if x.Region[i] = raw[i*3+2]; int(x.Region[i]) >= nr {
			return corrupt("track %d: region %d out of %d", i, x.Region[i], nr)
		}
	}
	c.Derived = x
	return nil
}
