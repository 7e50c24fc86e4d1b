package recommend

import (
	"hash/fnv"
	"slices"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/hashindex"
)

// Work identity. A classical catalog holds many recordings of one piece
// ("Tchaikovsky: Swan Lake, Op. 20, Act II: No. 10, Scene. Moderato" by
// Previn and "Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)" by another
// orchestra) and many pieces of one work (the numbers of a ballet, the
// movements of a symphony). Playing another recording of what was just heard,
// or ten numbers of one ballet, is what a listener calls repetition, so the
// engine compares tracks by two normalised keys of their titles:
//
//   - the piece: the whole title;
//   - the work: the part before the first ':', ',', " - " or " / " ("swan
//     lake", "symphony 9", "piano concerto 18").
//
// Both are taken after folding accents and case (catalog.NormalizeName),
// dropping a leading "Composer:" that repeats one of the track's artists,
// dropping parenthesised and bracketed parts ("(Moderato)", "(Suite)",
// "[Live]"), turning roman numerals into arabic ones ("Act II" = "Act 2"),
// reading a key ("in B-flat major") as one word, and dropping words that name
// no work: catalogue markers ("Op.", "No.", "K."), tempo markings
// ("Moderato", "Allegro ma non troppo"), articles and the artists' own
// names. The remaining words are compared as sets (order-free), and two
// tracks are the same piece or work only when their primary artists are the
// same too.

// workKey is a work as a set of words: a 64-bit signature (each word sets
// two bits) and the number of words. Two works match when their words are
// the same set, or when one set of at least two words is contained in the
// other ("swan lake" in "swan lake piano variation"). The signature makes
// the containment test one AND; a false match needs the same primary artist
// and all of the smaller set's bits set by chance, which is rare enough for
// a diversity rule.
type workKey struct {
	sig   uint64
	words uint8
}

func (a workKey) matches(b workKey) bool {
	if a.sig == b.sig && a.words == b.words {
		return true
	}
	if min(a.words, b.words) < 2 {
		return false
	}
	and := a.sig & b.sig
	return and == a.sig || and == b.sig
}

// workKeys returns the work and piece keys of a title by artists.
func workKeys(title string, artists []string) (work workKey, piece uint64) {
	t := dropBracketed(title)
	if i := strings.IndexByte(t, ':'); i > 0 && isArtistPrefix(t[:i], artists) {
		t = t[i+1:]
	}
	cut := len(t)
	for _, sep := range []string{":", ",", " - ", " – ", " — ", " / "} {
		if i := strings.Index(t, sep); i > 0 && i < cut {
			cut = i
		}
	}
	names := artistWords(artists)
	workWords := titleWords(t[:cut], names)
	for _, w := range workWords {
		h := hashindex.String(w)
		work.sig |= 1<<(h&63) | 1<<((h>>6)&63)
	}
	work.words = uint8(min(len(workWords), 255))
	if len(workWords) == 0 {
		h := hashindex.String(catalog.NormalizeName(title))
		work = workKey{sig: 1<<(h&63) | 1<<((h>>6)&63), words: 1}
	}
	return work, wordsHash(titleWords(t, names), title)
}

// artistWords are the words of the track's artists, which a title may
// repeat ("Tchaikovsky Swan Lake Piano Variation") without naming a work.
func artistWords(artists []string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, a := range artists {
		for _, w := range strings.Fields(catalog.NormalizeName(a)) {
			m[w] = struct{}{}
		}
	}
	return m
}

// dropBracketed removes (…), […] and {…} parts, nesting included; an
// unclosed bracket drops the rest of the title.
func dropBracketed(s string) string {
	if !strings.ContainsAny(s, "([{") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			depth++
			b.WriteByte(' ')
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// isArtistPrefix reports whether every word of prefix is a word of one of
// the artists ("Tchaikovsky" of "Pyotr Ilyich Tchaikovsky").
func isArtistPrefix(prefix string, artists []string) bool {
	words := strings.Fields(catalog.NormalizeName(prefix))
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for _, a := range artists {
		name := " " + catalog.NormalizeName(a) + " "
		all := true
		for _, w := range words {
			if !strings.Contains(name, " "+w+" ") {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// titleWords returns the sorted set of words of s that name a work: folded,
// roman numerals as arabic, a key ("in E-flat major") as one word so two
// nocturnes in different keys stay apart, without catalogue markers, tempo
// markings, articles, single letters and the artists' names.
func titleWords(s string, names map[string]struct{}) []string {
	var words []string
	in := strings.Fields(catalog.NormalizeName(s))
	for i := 0; i < len(in); i++ {
		w := in[i]
		if k, n := keyWord(in[i:]); n > 0 {
			words = append(words, k)
			i += n - 1
			continue
		}
		if n, ok := romans[w]; ok {
			w = n
		}
		if _, drop := noWorkWords[w]; drop || (len(w) == 1 && w[0] >= 'a' && w[0] <= 'z') {
			continue
		}
		if _, name := names[w]; name {
			continue
		}
		words = append(words, w)
	}
	slices.Sort(words)
	return slices.Compact(words)
}

// keyWord recognises a key at the start of words ("in", a note letter,
// optionally flat/sharp, optionally major/minor) and returns it as one word
// ("key:e-flat-major") and the number of words it used, or 0.
func keyWord(words []string) (string, int) {
	if len(words) < 2 || words[0] != "in" || len(words[1]) != 1 || words[1][0] < 'a' || words[1][0] > 'g' {
		return "", 0
	}
	k, n := "key:"+words[1], 2
	if n < len(words) && (words[n] == "flat" || words[n] == "sharp") {
		k += "-" + words[n]
		n++
	}
	if n < len(words) && (words[n] == "major" || words[n] == "minor" || words[n] == "dur" || words[n] == "moll") {
		k += "-" + words[n]
		n++
	}
	return k, n
}

// wordsHash hashes a word set; an empty set hashes the folded fallback, so
// a title like "No. 5" still has a key.
func wordsHash(words []string, fallback string) uint64 {
	if len(words) == 0 {
		return hashindex.String(catalog.NormalizeName(fallback))
	}
	h := fnv.New64a()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// romans are the roman numerals that number movements, acts and parts
// (1–20); "i" alone is included because "I. Allegro" is movement one.
var romans = func() map[string]string {
	names := []string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
		"xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"}
	m := make(map[string]string, len(names))
	for i, n := range names {
		m[n] = itoa(i + 1)
	}
	return m
}()

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// noWorkWords name no particular work: catalogue markers, keys, tempo
// markings, articles.
var noWorkWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`
		op opus no nr nos num number bwv kv hob rv th woo
		in major minor flat sharp dur moll
		the a an and of
		allegro allegretto andante andantino adagio adagietto largo larghetto lento
		moderato presto prestissimo vivace vivo grave maestoso sostenuto cantabile
		assai molto poco piu meno non troppo ma con brio moto tempo giusto mosso
		scherzando spiritoso agitato espressivo animato tranquillo quasi sempre
		remastered remaster version mono stereo`) {
		m[w] = struct{}{}
	}
	return m
}()

// The song across artists and versions. Another performer's recording, a
// remaster, a live take, a radio edit, a "feat." credit or a "Various
// Artists" compilation of one song is still that song to a listener ("Take
// Five" after "Take Five", "Losing My Religion" by Various Artists then by
// R.E.M.). songKey hashes the title's word set (titleWords: catalogue
// numbers such as Op. 20 No. 10, BWV 248, K. 466 are kept as numbers, so two
// numbers of one opus stay apart) after dropping bracketed parts, a leading
// "Composer:", a " - …" suffix that names a version, and a "feat." credit.
// It ignores who performs, so two different songs with one title ("Home")
// count as one: in one drive, skipping the second is a small loss next to
// hearing a song twice.
func songKey(title string, artists []string) (key uint64, sig workKey) {
	t := dropBracketed(title)
	if i := strings.IndexByte(t, ':'); i > 0 && isArtistPrefix(t[:i], artists) {
		t = t[i+1:]
	}
	t = dropVersionSuffix(t)
	words := titleWords(t, artistWords(artists))
	for _, w := range words {
		h := hashindex.String(w)
		sig.sig |= 1<<(h&63) | 1<<((h>>6)&63)
	}
	sig.words = uint8(min(len(words), 255))
	return wordsHash(titleWords(t, nil), title), sig
}

// versionWords mark a " - …" suffix or a trailing credit as a version of
// the song rather than part of its name.
var versionWords = map[string]struct{}{}

func init() {
	for _, w := range strings.Fields(`remaster remastered live edit version mix remix mono stereo acoustic demo
		single recorded re-recorded feat ft featuring from bonus instrumental take session extended radio
		original explicit clean unplugged rework reprise cover deluxe anniversary soundtrack`) {
		versionWords[w] = struct{}{}
	}
}

// dropVersionSuffix cuts " - <suffix>" when the suffix holds a version word
// ("Jolene - 2001 Remaster", "Respect - Live"), and " feat. …" / " ft. …".
func dropVersionSuffix(t string) string {
	for _, sep := range []string{" - ", " – ", " — "} {
		if i := strings.LastIndex(t, sep); i > 0 {
			for _, w := range strings.Fields(catalog.NormalizeName(t[i+len(sep):])) {
				if _, ok := versionWords[w]; ok {
					t = t[:i]
					break
				}
			}
		}
	}
	low := strings.ToLower(t)
	for _, f := range []string{" feat. ", " feat ", " ft. ", " featuring "} {
		if i := strings.Index(low, f); i > 0 {
			t, low = t[:i], low[:i]
		}
	}
	return t
}

// creditSig is a 64-bit signature of the credited artists (one bit each), so
// "do these tracks share a credited artist" — a composer credited on two
// recordings of a work — is one AND. "Various Artists" sets no bit: a
// compilation shares nobody.
func creditSig(artists []string) uint64 {
	var sig uint64
	for _, a := range artists {
		n := catalog.NormalizeName(a)
		if n == "" || n == "various artists" || n == "various" {
			continue
		}
		sig |= 1 << (hashindex.String(n) & 63)
	}
	return sig
}
