package catalog

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func TestSnapshotRoundTrip(t *testing.T) {
	c, _ := buildExtract(t)
	require.NoError(t, ApplyURITemplate(c, "file:///music/{id}.ogg"))
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		write func(string, *Catalog) error
	}{
		{"plain", WriteSnapshot},
		{"gzip", WriteSnapshotGzip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".snap")
			require.NoError(t, tc.write(path, c))
			got, err := Load(path)
			require.NoError(t, err)
			require.Equal(t, c.Len(), got.Len())
			for i := range c.Tracks {
				a, b := c.Tracks[i], got.Tracks[i]
				// NaN != NaN, so compare features through their bits.
				assert.Equal(t, a.ID, b.ID)
				assert.Equal(t, a.Title, b.Title)
				assert.Equal(t, a.Artists, b.Artists)
				assert.Equal(t, a.Genres, b.Genres)
				assert.Equal(t, a.Tags, b.Tags)
				assert.Equal(t, a.Album, b.Album)
				assert.Equal(t, a.URI, b.URI)
				assert.Equal(t, a.DurationMS, b.DurationMS)
				assert.Equal(t, a.Popularity, b.Popularity)
				assert.Equal(t, a.Explicit, b.Explicit)
				assert.Equal(t, featureBits(a.Features), featureBits(b.Features))
			}
			assert.Equal(t, c.Mood, got.Mood)
			assert.InDeltaSlice(t, c.Genre.Data, got.Genre.Data, 1e-4)
			assert.Equal(t, c.Family, got.Family)
			assert.Equal(t, c.Artist, got.Artist)
			assert.Equal(t, c.Derived, got.Derived)
			assert.Equal(t, c.Artists, got.Artists)
			assert.Equal(t, c.MoodMean, got.MoodMean)
			assert.Equal(t, c.MoodStd, got.MoodStd)
			assert.Equal(t, c.Tags.Tags(), got.Tags.Tags())
			assert.Equal(t, c.Tags.Nearest("classical", 5), got.Tags.Nearest("classical", 5))
			r, ok := got.LookupURI("file:///music/" + string(c.Tracks[3].ID) + ".ogg")
			assert.True(t, ok)
			assert.Equal(t, 3, r)
		})
	}
}

func featureBits(f music.Features) [11]uint32 {
	var out [11]uint32
	for i, col := range featureColumns {
		v := *col(&f)
		if !music.IsKnown(v) {
			out[i] = 0x7fc00000
			continue
		}
		out[i] = uint32(int64(v * 1e6))
	}
	out[9], out[10] = uint32(f.Key), uint32(f.Mode)
	return out
}

func snapshotBytes(t testing.TB, c *Catalog) []byte {
	var buf bytes.Buffer
	require.NoError(t, encodeSnapshot(&buf, c))
	return buf.Bytes()
}

func TestLoadCorrupt(t *testing.T) {
	c, _ := buildExtract(t)
	good := snapshotBytes(t, c)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	badVersion := append([]byte(nil), good...)
	badVersion[8] = 9
	oldVersion := append([]byte(nil), good...)
	oldVersion[8] = 1
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a catalog snapshot"},
		{"not a snapshot", []byte("track_key,title\n"), "not a catalog snapshot"},
		{"header only", good[:snapHeader], "truncated"},
		{"truncated", good[:len(good)-100], "truncated"},
		{"flipped byte", flipped, "checksum mismatch"},
		{"version", badVersion, "version 9"},
		{"version 1 (before the derived columns)", oldVersion, "version 1, want 2: rebuild with catalog build"},
		{"bad gzip", []byte{0x1f, 0x8b, 1, 2, 3}, "gzip"},
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
	_, err := Load(filepath.Join(t.TempDir(), "missing.snap"))
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

// FuzzDecodeSnapshot feeds arbitrary bytes to the snapshot decoder. The
// checksum rejects most damage early, so the fuzzer also gets inputs with a
// recomputed checksum (fixCRC) to reach the body decoder.
func FuzzDecodeSnapshot(f *testing.F) {
	c, _, err := Build(BuildOptions{Sources: []string{testdata + "native.csv"}, Space: mustDefaultF(f).Tags})
	require.NoError(f, err)
	good := snapshotBytes(f, c)
	f.Add(good, false)
	f.Add(good[:len(good)/2], true)
	f.Add(good[:snapHeader+10], true)
	f.Add([]byte(snapMagic), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			b = fixCRC(b)
		}
		c, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		// Whatever decodes must be internally consistent.
		require.Equal(t, c.Len(), c.Genre.Rows)
		require.Equal(t, c.Len(), c.Mood.Rows)
		require.Len(t, c.Family, c.Len())
		for i := range c.Tracks {
			require.Less(t, int(c.Family[i]), len(c.Families))
			require.Less(t, int(c.Artist[i]), len(c.Artists))
		}
	})
}

func mustDefaultF(f *testing.F) *Catalog {
	c, err := Default()
	require.NoError(f, err)
	return c
}

// fixCRC rewrites the header's length and checksum to match the payload.
func fixCRC(b []byte) []byte {
	if len(b) < snapHeader {
		return b
	}
	out := append([]byte(nil), b...)
	var e encoder
	e.u64(uint64(len(out) - snapHeader))
	copy(out[12:], e.b)
	e.b = e.b[:0]
	e.u32(crc32Checksum(out[snapHeader:]))
	copy(out[20:], e.b)
	return out
}
