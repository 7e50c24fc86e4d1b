package request

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"math"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEmbeddedTaggerIsCurrent fails when tagger.bin.gz no longer matches
// what training gives (the data, features or training changed).
func TestEmbeddedTaggerIsCurrent(t *testing.T) {
	loaded, err := decodeTagger(taggerBlob)
	require.NoError(t, err)
	fresh, err := trainDefault()
	require.NoError(t, err)
	if !reflect.DeepEqual(loaded.tags, fresh.tags) || !reflect.DeepEqual(loaded.index, fresh.index) ||
		!reflect.DeepEqual(loaded.trans, fresh.trans) || !reflect.DeepEqual(loaded.feat, fresh.feat) ||
		loaded.albumFrom != fresh.albumFrom || loaded.relabel != fresh.relabel {
		t.Fatalf("embedded tagger.bin.gz differs from a freshly trained tagger (%d vs %d features): run make tagger",
			len(loaded.feat), len(fresh.feat))
	}
}

// smallTagger is a hand-made tagger for format tests.
func smallTagger() *tagger {
	t := &tagger{index: map[string]int{}, feat: map[string][]float64{
		"w=bonobo": {0, 1.5, -0.25},
		"b":        {0.5, 0, -1},
		"cue=by":   {-2, 3, 0},
	}}
	for _, tag := range []string{"O", "B-artist", "I-artist"} {
		t.addTag(tag)
	}
	t.trans = [][]float64{{1, 0, 0}, {0, 0, 2}, {0, 0, 1}, {0.5, 1, 0}}
	t.albumFrom, t.relabel = 1.25, true
	return t
}

// relabelAt is the offset of the relabel byte in a body of tg without
// features: the byte, the threshold (8) and the feature count (1) end it.
func relabelAt(tg *tagger) ([]byte, int) {
	tg.feat = map[string][]float64{}
	body := encodeBody(tg)
	return body, len(body) - 1 - 8 - 1
}

func encoded(t *testing.T, tg *tagger) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, encodeTagger(&buf, tg))
	return buf.Bytes()
}

func TestTaggerBlobRoundTrip(t *testing.T) {
	want := smallTagger()
	blob := encoded(t, want)
	assert.Equal(t, blob, encoded(t, want), "encoding must be deterministic")
	got, err := decodeTagger(blob)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	slots, begin := got.tag([]string{"by", "Bonobo"})
	assert.Equal(t, []string{"", "artist"}, slots)
	assert.Equal(t, []bool{false, true}, begin)
}

// wrap builds a blob around body with a correct header, or with the
// header fields changed by edit.
func wrap(t *testing.T, body []byte, edit func(head []byte)) []byte {
	t.Helper()
	head := make([]byte, headerSize)
	copy(head, blobMagic)
	binary.LittleEndian.PutUint32(head[4:], blobVersion)
	binary.LittleEndian.PutUint32(head[8:], crc32.ChecksumIEEE(body))
	binary.LittleEndian.PutUint32(head[12:], uint32(len(body)))
	if edit != nil {
		edit(head)
	}
	return gz(t, append(head, body...))
}

func gz(t *testing.T, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestDecodeTaggerDamaged(t *testing.T) {
	good := encodeBody(smallTagger())
	withTag := func(tag string) []byte {
		tg := smallTagger()
		tg.tags[2] = tag
		return encodeBody(tg)
	}
	nan := smallTagger()
	nan.trans[1][1] = math.NaN()
	badFlag, at := relabelAt(smallTagger())
	badFlag[at] = 2
	nanFrom, at := relabelAt(smallTagger())
	binary.LittleEndian.PutUint64(nanFrom[at+1:], math.Float64bits(math.NaN()))
	// Renaming the middle feature puts it after the last one.
	unsorted := bytes.Replace(good, []byte("cue=by"), []byte("zzz=by"), 1)
	cases := []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "gzip"},
		{"not gzip", []byte("hello, world"), "gzip"},
		{"short header", gz(t, []byte("CTAG")), "shorter than"},
		{"wrong magic", wrap(t, good, func(h []byte) { copy(h, "XTAG") }), "magic"},
		{"newer version", wrap(t, good, func(h []byte) { h[4] = 9 }), "version 9"},
		{"checksum", wrap(t, good, func(h []byte) { h[8] ^= 1 }), "checksum"},
		{"size", wrap(t, good, func(h []byte) { h[12]++ }), "header says"},
		{"truncated body", wrap(t, good[:len(good)-5], nil), "truncated"},
		{"trailing bytes", wrap(t, append(bytes.Clone(good), 0), nil), "left after"},
		{"no tags", wrap(t, []byte{0, 0}, nil), "no tags"},
		{"tag without slot", wrap(t, withTag("I-"), nil), "tag 2"},
		{"unknown tag", wrap(t, withTag("X"), nil), "tag 2"},
		{"duplicate tag", wrap(t, withTag("O"), nil), "twice"},
		{"NaN weight", wrap(t, encodeBody(nan), nil), "NaN"},
		{"relabel not 0 or 1", wrap(t, badFlag, nil), "relabel"},
		{"NaN album threshold", wrap(t, nanFrom, nil), "album threshold"},
		{"unsorted features", wrap(t, unsorted, nil), "sorted"},
		{"huge count", wrap(t, binary.AppendUvarint(nil, 1<<40), nil), "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeTagger(c.blob)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func FuzzLoadTagger(f *testing.F) {
	good := encodeBody(smallTagger())
	var buf bytes.Buffer
	if err := encodeTagger(&buf, smallTagger()); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{buf.Bytes(), good, good[:len(good)/2], nil, []byte("CTAG"), {0x1f, 0x8b}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The whole blob (gzip, header, checksum) and the body alone, since
		// the checksum stops most mutations before the body parser.
		for _, load := range []func([]byte) (*tagger, error){decodeTagger, decodeBody} {
			tg, err := load(data)
			if err != nil {
				require.Nil(t, tg)
				continue
			}
			tg.tag([]string{"play", "Bonobo", "by", "Imogen", "Heap"})
		}
	})
}

// BenchmarkLoadTagger: what the first Parse of a process pays now (compare
// BenchmarkTrainTagger).
func BenchmarkLoadTagger(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeTagger(taggerBlob); err != nil {
			b.Fatal(err)
		}
	}
}
