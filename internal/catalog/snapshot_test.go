package catalog

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestSnapshotRoundTrip(t *testing.T) {
	c, _ := buildExtract(t)
	require.NoError(t, ApplyURITemplate(c, "file:///music/{id}.ogg"))
	path := filepath.Join(t.TempDir(), "c.snap")
	extra := []Section{SectionOf("test.extra", []uint32{7, 8, 9})}
	require.NoError(t, WriteSnapshot(path, c, extra...))
	got, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, c.Len(), got.Len())
	for i := range c.Len() {
		a, b := c.Track(i), got.Track(i)
		// NaN != NaN, so compare features through their bits.
		assert.Equal(t, featureBits(a.Features), featureBits(b.Features))
		a.Features, b.Features = music.Features{}, music.Features{}
		assert.Equal(t, a, b)
	}
	assert.Equal(t, c.Mood, got.Mood)
	assert.InDeltaSlice(t, c.Genre.Data, got.Genre.Data, 1e-4)
	assert.Equal(t, c.Family, got.Family)
	assert.Equal(t, c.Artist, got.Artist)
	assert.Equal(t, c.Derived, got.Derived)
	assert.Equal(t, c.Artists, got.Artists)
	assert.Equal(t, c.Families, got.Families)
	assert.Equal(t, c.MoodMean, got.MoodMean)
	assert.Equal(t, c.MoodStd, got.MoodStd)
	assert.Equal(t, c.Tags.Tags(), got.Tags.Tags())
	assert.Equal(t, c.Tags.Nearest("classical", 5), got.Tags.Nearest("classical", 5))
	for i := range got.Len() {
		assert.Equal(t, got.Genre.Row(i), got.GenreDistinct.Row(int(got.GenreGroup[i])), "row %d", i)
		r, ok := got.Lookup(c.ID(i))
		require.True(t, ok)
		assert.Equal(t, c.ID(r), c.ID(i))
	}
	r, ok := got.LookupURI("file:///music/" + string(c.ID(3)) + ".ogg")
	assert.True(t, ok)
	assert.Equal(t, 3, r)
	_, ok = got.Lookup("no such id")
	assert.False(t, ok)
	v, ok, err := SectionView[uint32](got, "test.extra", 3)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []uint32{7, 8, 9}, v)
	_, ok, err = SectionView[uint32](got, "test.absent", -1)
	assert.False(t, ok)
	assert.NoError(t, err)
	_, _, err = SectionView[uint64](got, "test.extra", -1)
	assert.ErrorContains(t, err, "section test.extra")
}

func featureBits(f music.Features) [11]uint32 {
	var out [11]uint32
	for i, v := range []float32{f.Danceability, f.Energy, f.Valence, f.Acousticness, f.Instrumentalness,
		f.Speechiness, f.Liveness, f.Loudness, f.Tempo} {
		out[i] = math.Float32bits(v)
	}
	out[9], out[10] = uint32(f.Key), uint32(f.Mode)
	return out
}

func snapshotBytes(t testing.TB, c *Catalog) []byte {
	var buf bytes.Buffer
	require.NoError(t, encodeSnapshot(&buf, c))
	return buf.Bytes()
}

// rewrite re-encodes a good snapshot after edit has changed its sections
// (by name, in table order), with every checksum valid.
func rewrite(t testing.TB, good []byte, edit func(sections []Section) []Section) []byte {
	snap, err := parseContainer(good)
	require.NoError(t, err)
	var sections []Section
	for _, name := range snap.order {
		b, _ := snap.bytes(name)
		sections = append(sections, Section{Name: name, Elem: int(snap.sections[name].elem), Data: slices.Clone(b)})
	}
	var buf bytes.Buffer
	require.NoError(t, encodeContainer(&buf, edit(sections)))
	return buf.Bytes()
}

// editSection applies fn to the named section's bytes.
func editSection(name string, fn func([]byte) []byte) func([]Section) []Section {
	return func(ss []Section) []Section {
		for i := range ss {
			if ss[i].Name == name {
				ss[i].Data = fn(ss[i].Data)
			}
		}
		return ss
	}
}

func TestLoadCorrupt(t *testing.T) {
	c, _ := buildExtract(t)
	good := snapshotBytes(t, c)
	snap, err := parseContainer(good)
	require.NoError(t, err)
	mood := snap.sections[secMood]
	flipped := slices.Clone(good)
	flipped[mood.off+mood.length/2] ^= 0x40
	headFlip := slices.Clone(good)
	headFlip[headerSize+30] ^= 1 // an offset in the table
	version := func(v byte) []byte {
		b := slices.Clone(good)
		b[8] = v
		return b
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"not a snapshot", []byte("track_key,title\n"), "not a catalog snapshot"},
		{"format 2", version(2), "snapshot format 2: rebuild with `continuoctl catalog build`"},
		{"format 9", version(9), "snapshot format 9"},
		{"header only", good[:40], "header: truncated"},
		{"table cut", good[:headerSize+10], "section table: truncated"},
		{"truncated", good[:len(good)-100], "truncated?"},
		{"table damaged", headFlip, "header or section table: checksum mismatch"},
		{"section damaged", flipped, "section mood: checksum mismatch"},
		{"section missing", rewrite(t, good, func(ss []Section) []Section {
			return slices.DeleteFunc(ss, func(s Section) bool { return s.Name == secMood })
		}), "section mood: missing"},
		{"section short", rewrite(t, good, editSection(secMood, func(b []byte) []byte { return b[:len(b)-36] })),
			"section mood:"},
		{"artist out of range", rewrite(t, good, editSection(secTrackArtist, func(b []byte) []byte {
			b[4] = 0xff
			return b
		})), "section track.artist: element 1"},
		{"string offsets", rewrite(t, good, editSection(secStringOff, func(b []byte) []byte {
			b[8], b[9], b[10], b[11] = 0xff, 0xff, 0xff, 0x7f
			return b
		})), "section strings.off"},
		{"list out of range", rewrite(t, good, editSection(secTrackLists, func(b []byte) []byte {
			b[0], b[1], b[2], b[3] = 0xff, 0xff, 0xff, 0xff
			return b
		})), "section track.lists: track 0"},
		{"holiday not a bool", rewrite(t, good, editSection(secHoliday, func(b []byte) []byte {
			b[0] = 2
			return b
		})), "section derived.holiday"},
		{"index unsorted", rewrite(t, good, editSection(secIDHash, func(b []byte) []byte {
			b[0], b[8] = b[8]+1, b[0]
			copy(b[0:8], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			return b
		})), "section index.id.hash: not sorted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.snap")
			require.NoError(t, os.WriteFile(path, tc.data, 0o644))
			_, err := Load(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), path)
			assert.Equal(t, music.KindInvalid, music.KindOf(err))
		})
	}
	_, err = Load(filepath.Join(t.TempDir(), "missing.snap"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestWriteSnapshotReplacesAtomically(t *testing.T) {
	c, _ := buildExtract(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "c.snap")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, WriteSnapshot(path, c))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temp file left behind")
	_, err = Load(path)
	require.NoError(t, err)
	assert.Error(t, WriteSnapshot(filepath.Join(dir, "no", "such", "dir.snap"), c))
}

// FuzzOpenSnapshot feeds arbitrary bytes to the snapshot reader. The
// checksums reject most damage early, so the fuzzer also gets inputs whose
// header and section checksums are recomputed (fixCRC) to reach the table
// and section checks.
func FuzzOpenSnapshot(f *testing.F) {
	c, _, err := Build(BuildOptions{Sources: []string{testdata + "native.csv"}, Space: mustDefaultF(f).Tags})
	require.NoError(f, err)
	good := snapshotBytes(f, c)
	f.Add(good, false)
	f.Add(good[:len(good)/2], true)
	f.Add(good[:headerSize+10], true)
	f.Add(good[:headerSize+5*tableEntry], true)
	f.Add([]byte(snapMagic), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			b = fixCRC(b)
		}
		c, err := openSnapshot(aligned(b), nil)
		if err != nil {
			return
		}
		// Whatever opens must be internally consistent.
		require.Equal(t, c.Len(), c.Genre.Rows)
		require.Equal(t, c.Len(), c.Mood.Rows)
		require.Len(t, c.Family, c.Len())
		for i := range c.Len() {
			require.Less(t, int(c.Family[i]), len(c.Families))
			require.Less(t, int(c.Artist[i]), len(c.Artists))
			c.Lookup(c.ID(i))
		}
	})
}

// aligned copies b to an 8-byte-aligned buffer, as a mapping is.
func aligned(b []byte) []byte {
	words := make([]uint64, (len(b)+7)/8)
	out := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(b))
	copy(out, b)
	return out
}

// fixCRC recomputes the header's length and checksum and the checksum of
// every section whose table entry lies within b.
func fixCRC(b []byte) []byte {
	if len(b) < headerSize {
		return b
	}
	out := slices.Clone(b)
	binary.LittleEndian.PutUint64(out[16:], uint64(len(out)))
	count := int(binary.LittleEndian.Uint32(out[12:]))
	if count > maxSections || headerSize+count*tableEntry > len(out) {
		return out
	}
	for i := range count {
		r := out[headerSize+i*tableEntry:]
		off, n := binary.LittleEndian.Uint64(r[24:]), binary.LittleEndian.Uint64(r[32:])
		if off <= uint64(len(out)) && n <= uint64(len(out))-off {
			binary.LittleEndian.PutUint32(r[40:], crc32.Checksum(out[off:off+n], castagnoli))
		}
	}
	binary.LittleEndian.PutUint32(out[24:], 0)
	crc := crc32.Update(crc32.Checksum(out[:headerSize], castagnoli), castagnoli, out[headerSize:headerSize+count*tableEntry])
	binary.LittleEndian.PutUint32(out[24:], crc)
	return out
}

func mustDefaultF(f *testing.F) *Catalog {
	c, err := Default()
	require.NoError(f, err)
	return c
}
