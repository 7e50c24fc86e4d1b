package request

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmbeddedNameShape: the embedded table loads, reads the name shapes
// it was built for, and regenerating it from ../shared/data gives the same
// bytes (run `make names` when this fails).
func TestEmbeddedNameShape(t *testing.T) {
	m, err := defaultNameShape()
	require.NoError(t, err)
	assert.Greater(t, len(m.logOdds), 10000)
	for _, c := range []struct{ album, title string }{
		{"greatest hits vol. 2", "i love you"},
		{"live at the royal albert hall", "don't let me down"},
		{"the best of 1990-2000", "baby i need you"},
	} {
		assert.Greater(t, m.score(NormalizeName(c.album)), m.score(NormalizeName(c.title)), c.album+" vs "+c.title)
	}
	if testing.Short() {
		t.Skip("regenerating the table reads 60 MB of CSV")
	}
	albums, titles, err := ReadCatalogNames("../../../shared/data")
	if err != nil {
		t.Skipf("the shared data is not here to check staleness: %v", err)
	}
	var buf bytes.Buffer
	require.NoError(t, WriteNameShape(&buf, albums, titles))
	assert.True(t, bytes.Equal(namesGz, buf.Bytes()), "names.txt.gz is stale: run make names")
}

func TestWriteNameShape(t *testing.T) {
	// Distinct names (a list's names count once), each feature seen at
	// least minNameFeatureCount times.
	var albums, titles []string
	for i := range 2 * minNameFeatureCount {
		albums = append(albums, fmt.Sprintf("greatest hits %d", i), fmt.Sprintf("live at wembley %d", i))
		titles = append(titles, fmt.Sprintf("i love you %d", i), fmt.Sprintf("love me do %d", i))
	}
	var a, b bytes.Buffer
	require.NoError(t, WriteNameShape(&a, albums, titles))
	require.NoError(t, WriteNameShape(&b, albums, titles))
	assert.Equal(t, a.Bytes(), b.Bytes(), "deterministic")
	m, err := readNameShape(bytes.NewReader(a.Bytes()))
	require.NoError(t, err)
	assert.Greater(t, m.score("greatest hits"), 0.0)
	assert.Less(t, m.score("love you"), 0.0)
	assert.Error(t, WriteNameShape(&a, nil, titles), "no album names")
}

func TestReadNameShapeDamaged(t *testing.T) {
	gzText := func(s string) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err := zw.Write([]byte(s))
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"not gzip", []byte("unseen\t0.3\n"), "gzip"},
		{"empty", gzText(""), "empty"},
		{"unseen not first", gzText("w:x\t1\nunseen\t0\n"), "line 1"},
		{"no tab", gzText("unseen\t0\nw:x 1\n"), "line 2"},
		{"not a number", gzText("unseen\t0\nw:x\tone\n"), "line 2"},
		{"NaN", gzText("unseen\t0\nw:x\tNaN\n"), "line 2"},
		{"out of range", gzText("unseen\t0\nw:x\t1e308\n"), "line 2"},
		{"line too long", gzText("unseen\t0\n" + strings.Repeat("x", 70000) + "\t1\n"), "line 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := readNameShape(bytes.NewReader(c.in))
			require.Error(t, err)
			assert.Nil(t, m)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestAlbumThreshold: learned from the unmarked names of the examples
// only; none of them, no threshold (the weights' labels stand).
func TestAlbumThreshold(t *testing.T) {
	ex := func(text string) Example {
		e, err := ReadSNIPS(strings.NewReader(text))
		require.NoError(t, err)
		return e[0]
	}
	album := ex(`{"PlayMusic":[{"data":[{"text":"play "},{"text":"Greatest Hits Vol. 2","entity":"album"}]}]}`)
	track := ex(`{"PlayMusic":[{"data":[{"text":"play "},{"text":"I Love You Baby","entity":"track"}]}]}`)
	marked := ex(`{"PlayMusic":[{"data":[{"text":"play the album "},{"text":"I Love You Baby","entity":"album"}]}]}`)

	_, ok := albumThreshold([]Example{marked})
	assert.False(t, ok, "no unmarked names")
	from, ok := albumThreshold([]Example{album, track, marked})
	require.True(t, ok)
	m, err := defaultNameShape()
	require.NoError(t, err)
	assert.LessOrEqual(t, from, m.score(NormalizeName("Greatest Hits Vol. 2")))
	assert.Greater(t, from, m.score(NormalizeName("I Love You Baby")))
}

// TestRelabelUnmarked: an album or track span of a request that does not
// say which it is takes its slot from the name; a marked request, other
// slots and span boundaries are left alone.
func TestRelabelUnmarked(t *testing.T) {
	tg := &tagger{albumFrom: 0, relabel: true}
	cases := []struct {
		tokens, slots, want []string
	}{
		{[]string{"play", "Greatest", "Hits", "Vol", "2", "by", "Queen"},
			[]string{"", "track", "track", "track", "track", "", "artist"},
			[]string{"", "album", "album", "album", "album", "", "artist"}},
		{[]string{"play", "I", "Love", "You", "Baby", "by", "Queen"},
			[]string{"", "album", "album", "album", "album", "", "artist"},
			[]string{"", "track", "track", "track", "track", "", "artist"}},
		{[]string{"play", "the", "song", "Greatest", "Hits"},
			[]string{"", "", "music_item", "track", "track"},
			[]string{"", "", "music_item", "track", "track"}},
	}
	for _, c := range cases {
		slots := append([]string(nil), c.slots...)
		begin := make([]bool, len(slots))
		for i := range slots {
			begin[i] = slots[i] != "" && (i == 0 || slots[i-1] != slots[i])
		}
		tg.relabelUnmarked(c.tokens, slots, begin)
		assert.Equal(t, c.want, slots, strings.Join(c.tokens, " "))
	}
	off := &tagger{relabel: false}
	slots := []string{"", "track", "track"}
	off.relabelUnmarked([]string{"play", "Greatest", "Hits"}, slots, []bool{false, true, false})
	assert.Equal(t, []string{"", "track", "track"}, slots, "no threshold learned")
}

// FuzzReadNameShape: a damaged table is an error, never a panic, and a
// table that reads scores every name to a finite number.
func FuzzReadNameShape(f *testing.F) {
	f.Add(namesGz[:min(len(namesGz), 4096)])
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("unseen\t0.3\nw:hits\t1.5\n"))
	_ = zw.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := readNameShape(bytes.NewReader(in))
		if err != nil {
			return
		}
		s := m.score(NormalizeName("Greatest Hits Vol. 2"))
		if s != s || s > 1e300 || s < -1e300 {
			t.Fatalf("score %v", s)
		}
	})
}
