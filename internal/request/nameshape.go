package request

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// Whether a name the sentence does not call an album or a song ("play X by
// Y") is an album's or a track's, the words around it cannot tell: the
// SNIPS requests name both alike (docs/request.md). The name itself can a
// little: album names run to "Live at", "Vol. 2", "Greatest Hits",
// "(Deluxe Edition)", titles to "I", "you", "love", "(feat. …)". The name
// shape model learns that from the shared catalogs' own album names and
// track titles (distant supervision: no SNIPS label is used), as naive
// Bayes log-odds over word unigrams and bigrams, character trigrams, length
// and digits/punctuation. On the SNIPS names the sentence leaves unmarked
// (105 albums, 165 tracks) it ranks an album above a track with
// probability 0.66 (AUC): weak, but the weights alone were a weighted coin
// there. It decides between the two and never where a name starts or ends.
//
// names.txt.gz is written by cmd/mknames (`make names`) from ../shared/data;
// nothing reads ../shared at run time.
//
//go:embed names.txt.gz
var namesGz []byte

// nameShape holds log P(f|album) − log P(f|title) per feature, and the
// value of a feature the table does not hold (pruned or never seen).
type nameShape struct {
	logOdds map[string]float64
	unseen  float64
}

// minNameFeatureCount prunes the features seen fewer times in both lists:
// it keeps the embedded table at 165 KB gzipped (AUC 0.66 against 0.68
// with every feature seen at least three times, a 1.3 MB table).
const minNameFeatureCount = 10

const maxLogOdds = 1000

var defaultNameShape = sync.OnceValues(func() (*nameShape, error) {
	m, err := readNameShape(bytes.NewReader(namesGz))
	if err != nil {
		return nil, fmt.Errorf("request: embedded name shape table (run make names): %w", err)
	}
	return m, nil
})

var nameWord = regexp.MustCompile(`[\pL\pN_']+|[^\pL\pN_'\s]`)

// NormalizeName is how both the catalog names and the requests' spans are
// read: NFKC, lower case, single spaces.
func NormalizeName(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFKC.String(s))), " ")
}

// nameFeatures describes a normalised name.
func nameFeatures(name string) []string {
	ws := nameWord.FindAllString(name, -1)
	out := make([]string, 0, 8*len(ws)+4)
	prev := "<s>"
	var digit, punct bool
	for _, w := range ws {
		out = append(out, "w:"+w, "b:"+prev+"|"+w)
		prev = w
		r := []rune("^" + w + "$")
		for i := 0; i+3 <= len(r); i++ {
			out = append(out, "c:"+string(r[i:i+3]))
		}
		digit = digit || strings.ContainsAny(w, "0123456789")
		punct = punct || strings.ContainsAny(w, "()[]-:/")
	}
	out = append(out, "b:"+prev+"|</s>", "len:"+strconv.Itoa(min(len(ws), 8)))
	if digit {
		out = append(out, "digit")
	}
	if punct {
		out = append(out, "punct")
	}
	return out
}

// score is the log-odds that a normalised name is an album's.
func (m *nameShape) score(name string) float64 {
	s := 0.0
	for _, f := range nameFeatures(name) {
		if w, ok := m.logOdds[f]; ok {
			s += w
		} else {
			s += m.unseen
		}
	}
	return s
}

// WriteNameShape learns the name shape model from a catalog's album names
// and track titles (each list's distinct normalised names count once) and
// writes it gzipped: a line "unseen<TAB>v", then "feature<TAB>log-odds" in
// byte order. The output is deterministic.
func WriteNameShape(w io.Writer, albums, titles []string) error {
	ca, sa := countNameFeatures(albums)
	ct, st := countNameFeatures(titles)
	vocab := map[string]bool{}
	for f := range ca {
		vocab[f] = true
	}
	for f := range ct {
		vocab[f] = true
	}
	if sa == 0 || st == 0 {
		return fmt.Errorf("name shape: %d album and %d title features; both lists must have names", sa, st)
	}
	// Laplace smoothing: an unseen feature counts once on either side.
	v := float64(len(vocab))
	la, lt := math.Log(float64(sa)+v), math.Log(float64(st)+v)
	feats := make([]string, 0, len(vocab))
	for f := range vocab {
		if ca[f]+ct[f] >= minNameFeatureCount && !strings.ContainsAny(f, "\t\n") {
			feats = append(feats, f)
		}
	}
	slices.Sort(feats)
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("name shape: %w", err)
	}
	bw := bufio.NewWriter(zw)
	fmt.Fprintf(bw, "unseen\t%.3f\n", lt-la)
	for _, f := range feats {
		fmt.Fprintf(bw, "%s\t%.3f\n", f, math.Log(float64(ca[f]+1))-la-math.Log(float64(ct[f]+1))+lt)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("name shape: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("name shape: %w", err)
	}
	return nil
}

func countNameFeatures(names []string) (map[string]int, int) {
	seen := map[string]bool{}
	counts, total := map[string]int{}, 0
	for _, n := range names {
		n = NormalizeName(n)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		for _, f := range nameFeatures(n) {
			counts[f]++
			total++
		}
	}
	return counts, total
}

// readNameShape reads a table written by WriteNameShape; a damaged one is
// an error that says which line.
func readNameShape(r io.Reader) (*nameShape, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	m := &nameShape{logOdds: map[string]float64{}}
	sc := bufio.NewScanner(zr)
	line := 0
	for sc.Scan() {
		line++
		k, v, ok := strings.Cut(sc.Text(), "\t")
		x, err := strconv.ParseFloat(v, 64)
		// Log-odds of counts are tens at most; the bound keeps a sum finite.
		if !ok || err != nil || !(math.Abs(x) <= maxLogOdds) {
			return nil, fmt.Errorf("line %d: want feature<TAB>number within ±%d", line, maxLogOdds)
		}
		if line == 1 {
			if k != "unseen" {
				return nil, fmt.Errorf("line 1: want the unseen value first, got %q", k)
			}
			m.unseen = x
			continue
		}
		m.logOdds[k] = x
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return nil, fmt.Errorf("empty table")
	}
	return m, nil
}

// albumTrackItems are the music item words that say whether a request
// names an album or a track. "music", "sound", "playlist" do not ("play
// some music by X"): with the whole musicItems list as the test, 5-fold
// album F1 was 0.567 against 0.582 with this one (docs/request.md).
var albumTrackItems = set("album", "albums", "song", "songs", "track", "tracks", "tune", "tunes", "ep",
	"record", "records", "single", "singles", "soundtrack")

// unmarked reports whether a request says nothing of whether it names an
// album or a track: none of albumTrackItems anywhere.
func unmarked(tokens []string) bool {
	for _, tok := range tokens {
		if albumTrackItems[strings.ToLower(tok)] {
			return false
		}
	}
	return true
}

// relabelUnmarked sets the slot of every album or track span of an
// unmarked request from its name's shape: album from t.albumFrom up. It
// moves no span boundary. On such requests the weights called 31% of the
// albums and 20% of the tracks album, about a weighted coin
// (docs/request.md).
func (t *tagger) relabelUnmarked(tokens, slots []string, begin []bool) {
	if !t.relabel || !unmarked(tokens) {
		return
	}
	// learnDefault fails when the table does not load, and train does not
	// learn a threshold then, so m is loaded here.
	m, err := defaultNameShape()
	if err != nil {
		return
	}
	for _, sp := range spansOf(tokens, slots, begin) {
		if sp.Slot != SlotAlbum && sp.Slot != SlotTrack {
			continue
		}
		slot := SlotTrack
		if m.score(NormalizeName(sp.Text)) >= t.albumFrom {
			slot = SlotAlbum
		}
		for i := sp.Start; i < sp.End; i++ {
			slots[i] = slot
		}
	}
}

// albumThreshold is the name shape score from which an unmarked name is
// taken for an album: the one that maximises album F1 on the training
// requests' own unmarked album and track names (the marked albums counted
// as found). Only the examples given are used, so cross-validation learns
// it on the training folds alone.
// ok is false when the examples have no unmarked album or track name: the
// weights' labels then stand.
func albumThreshold(examples []Example) (from float64, ok bool) {
	m, err := defaultNameShape()
	if err != nil {
		return 0, false
	}
	var albums, tracks []float64
	marked := 0
	for _, ex := range examples {
		um := unmarked(ex.Tokens)
		for _, sp := range ex.Spans() {
			switch {
			case sp.Slot != SlotAlbum && sp.Slot != SlotTrack:
			case !um:
				if sp.Slot == SlotAlbum {
					marked++
				}
			case sp.Slot == SlotAlbum:
				albums = append(albums, m.score(NormalizeName(sp.Text)))
			default:
				tracks = append(tracks, m.score(NormalizeName(sp.Text)))
			}
		}
	}
	slices.Sort(albums)
	slices.Sort(tracks)
	if len(albums) == 0 || len(tracks) == 0 {
		return 0, false
	}
	best := -1.0
	for _, th := range append(slices.Clone(albums), tracks...) {
		hit := len(albums) - atLeast(albums, th)
		miss := len(tracks) - atLeast(tracks, th)
		f1 := 2 * float64(marked+hit) / float64(marked+len(albums)+marked+hit+miss)
		if f1 > best || (f1 == best && th < from) {
			best, from = f1, th
		}
	}
	return from, true
}

// atLeast is the number of sorted scores below th (the index of the first
// one at or above it).
func atLeast(sorted []float64, th float64) int {
	i, _ := slices.BinarySearch(sorted, th)
	return i
}
