package request

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strings"
)

// The default tagger is trained at build time (cmd/mktagger, `make tagger`)
// and its weights are embedded as tagger.bin.gz: training costs about a
// second of CPU, which every process and test binary that parses a request
// would otherwise pay on first use.
//
// Blob layout (gzipped), integers little-endian:
//
//	magic   "CTAG"
//	version uint32 (blobVersion)
//	crc     uint32, CRC-32 (IEEE) of body
//	size    uint32, length of body
//	body:
//	  tags:  uvarint n, then n × (uvarint len, bytes)
//	  trans: (n+1)·n float64 bits, row-major (prev, cur)
//	  relabel: one byte 0 or 1, then albumFrom as float64 bits (version 2)
//	  feats: uvarint m, then m × (uvarint len, name bytes, n float64 bits),
//	         names strictly ascending, so regenerating gives the same bytes
const (
	blobMagic   = "CTAG"
	blobVersion = 2
	headerSize  = 16
	// maxBlobBody bounds the gunzipped body: a damaged or hostile stream
	// must not make the loader allocate without limit.
	maxBlobBody = 256 << 20
	maxTags     = 256
	maxNameLen  = 4096
)

// encodeTagger writes t as a gzipped blob.
func encodeTagger(w io.Writer, t *tagger) error {
	body := encodeBody(t)
	var head [headerSize]byte
	copy(head[:4], blobMagic)
	binary.LittleEndian.PutUint32(head[4:], blobVersion)
	binary.LittleEndian.PutUint32(head[8:], crc32.ChecksumIEEE(body))
	binary.LittleEndian.PutUint32(head[12:], uint32(len(body)))
	// A zero gzip header (no name, no time) keeps the output deterministic.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("encode tagger: %w", err)
	}
	if _, err := zw.Write(head[:]); err != nil {
		return fmt.Errorf("encode tagger: %w", err)
	}
	if _, err := zw.Write(body); err != nil {
		return fmt.Errorf("encode tagger: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("encode tagger: %w", err)
	}
	return nil
}

func encodeBody(t *tagger) []byte {
	var b []byte
	putString := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	putFloats := func(ws []float64) {
		for _, w := range ws {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(w))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(t.tags)))
	for _, tag := range t.tags {
		putString(tag)
	}
	for _, row := range t.trans {
		putFloats(row)
	}
	relabel := byte(0)
	if t.relabel {
		relabel = 1
	}
	b = append(b, relabel)
	putFloats([]float64{t.albumFrom})
	names := make([]string, 0, len(t.feat))
	for f := range t.feat {
		names = append(names, f)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, f := range names {
		putString(f)
		putFloats(t.feat[f])
	}
	return b
}

// decodeTagger reads a gzipped blob written by encodeTagger. Every damage
// (wrong magic or version, checksum, truncation, sizes out of range, a
// malformed tag) is an error that says what is wrong.
func decodeTagger(blob []byte) (*tagger, error) {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, fmt.Errorf("tagger blob: gzip: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(bufio.NewReader(zr), headerSize+maxBlobBody+1))
	if err != nil {
		return nil, fmt.Errorf("tagger blob: gzip: %w", err)
	}
	if len(raw) < headerSize {
		return nil, fmt.Errorf("tagger blob: %d bytes, shorter than the %d-byte header", len(raw), headerSize)
	}
	if string(raw[:4]) != blobMagic {
		return nil, fmt.Errorf("tagger blob: magic %q, want %q", raw[:4], blobMagic)
	}
	if v := binary.LittleEndian.Uint32(raw[4:]); v != blobVersion {
		return nil, fmt.Errorf("tagger blob: version %d, this build reads %d (run make tagger)", v, blobVersion)
	}
	body := raw[headerSize:]
	if size := binary.LittleEndian.Uint32(raw[12:]); uint64(size) != uint64(len(body)) {
		return nil, fmt.Errorf("tagger blob: body is %d bytes, header says %d", len(body), size)
	}
	if sum, want := crc32.ChecksumIEEE(body), binary.LittleEndian.Uint32(raw[8:]); sum != want {
		return nil, fmt.Errorf("tagger blob: checksum %08x, header says %08x", sum, want)
	}
	t, err := decodeBody(body)
	if err != nil {
		return nil, fmt.Errorf("tagger blob: %w", err)
	}
	return t, nil
}

// bodyReader reads the body; the first error sticks and later reads
// return zero values, so decodeBody checks once per section.
type bodyReader struct {
	b   []byte
	off int
	err error
}

func (r *bodyReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("at byte %d: %s", r.off, fmt.Sprintf(format, args...))
	}
}

func (r *bodyReader) count(what string, limit uint64) int {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.fail("%s: bad or truncated count", what)
		return 0
	}
	if v > limit {
		r.fail("%s: count %d exceeds %d", what, v, limit)
		return 0
	}
	r.off += n
	return int(v)
}

// flag reads a byte that must be 0 or 1.
func (r *bodyReader) flag(what string) bool {
	if r.err != nil {
		return false
	}
	if r.off >= len(r.b) || r.b[r.off] > 1 {
		r.fail("%s: want a byte 0 or 1", what)
		return false
	}
	r.off++
	return r.b[r.off-1] == 1
}

// str reads a string; what and i name it in an error (formatted only
// then: the body holds tens of thousands of names).
func (r *bodyReader) str(what string, i int) string {
	n := r.count(what+" length", maxNameLen)
	if r.err != nil {
		return ""
	}
	if len(r.b)-r.off < n {
		r.fail("%s %d: truncated (%d bytes, %d left)", what, i, n, len(r.b)-r.off)
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

// floats fills out with weights; what and i name them in an error.
func (r *bodyReader) floats(what string, i int, out []float64) {
	if r.err != nil {
		return
	}
	if (len(r.b)-r.off)/8 < len(out) {
		r.fail("%s %d: truncated (%d weights, %d bytes left)", what, i, len(out), len(r.b)-r.off)
		return
	}
	for k := range out {
		w := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.off:]))
		if math.IsNaN(w) || math.IsInf(w, 0) {
			r.fail("%s %d: weight %d is %v", what, i, k, w)
			return
		}
		out[k] = w
		r.off += 8
	}
}

func decodeBody(body []byte) (*tagger, error) {
	r := &bodyReader{b: body}
	n := r.count("tags", maxTags)
	t := &tagger{index: make(map[string]int, n)}
	for i := range n {
		tag := r.str("tag", i)
		if r.err != nil {
			break
		}
		if err := checkTag(tag); err != nil {
			r.fail("tag %d: %v", i, err)
			break
		}
		if _, dup := t.index[tag]; dup {
			r.fail("tag %d: %q twice", i, tag)
			break
		}
		t.addTag(tag)
	}
	if r.err == nil && n == 0 {
		r.fail("no tags")
	}
	t.trans = grid(n+1, n)
	for p, row := range t.trans {
		r.floats("transitions from tag", p, row)
	}
	t.relabel = r.flag("relabel")
	from := []float64{0}
	r.floats("album threshold", 0, from)
	t.albumFrom = from[0]
	// A feature takes at least 1 + 8n bytes, which bounds a damaged count.
	m := r.count("features", uint64(len(body)/(1+8*max(n, 1))))
	t.feat = make(map[string][]float64, m)
	// One slab for all weights: one allocation instead of one per feature.
	slab := make([]float64, m*n)
	prev := ""
	for i := range m {
		f := r.str("feature", i)
		if r.err == nil && i > 0 && f <= prev {
			r.fail("feature %d: %q not after %q (names must be sorted and unique)", i, f, prev)
		}
		w := slab[i*n : (i+1)*n : (i+1)*n]
		r.floats("weights of feature", i, w)
		if r.err != nil {
			break
		}
		t.feat[f], prev = w, f
	}
	if r.err == nil && r.off != len(body) {
		r.fail("%d bytes left after the last feature", len(body)-r.off)
	}
	if r.err != nil {
		return nil, r.err
	}
	return t, nil
}

var errBadTag = errors.New(`want "O", "B-slot" or "I-slot"`)

// checkTag keeps decode and tag from slicing a tag shorter than its
// "B-"/"I-" prefix.
func checkTag(tag string) error {
	if tag == "O" {
		return nil
	}
	if len(tag) > 2 && (strings.HasPrefix(tag, "B-") || strings.HasPrefix(tag, "I-")) {
		return nil
	}
	return fmt.Errorf("%q: %w", tag, errBadTag)
}
