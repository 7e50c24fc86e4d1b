package eval

import (
	"slices"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/music"
)

// The long-drive evaluation judges repeats, holiday music and resolve hits
// with its own keys, written independently of the engine's (work.go in
// package recommend) so the engine is not graded by its own definitions.

// PieceKey is the identity of a piece across recordings, credits, covers and
// compilations: the title folded (catalog.NormalizeName), without bracketed
// parts ("(feat. X)", "[Live]", "(Moderato)"), without a leading
// "Composer:" that repeats a credited artist, without a " - …" suffix that
// names a version ("- Remastered 2011", "- Radio Edit", "- Live"), without
// "feat." credits, with roman numerals as arabic ones and without tempo
// markings and catalogue marker words (their numbers are kept: Op. 20 and
// Op. 71 stay apart). The words are compared as a sorted set. The artist is
// not part of it: a cover of "Take Five" is the same piece. The key is
// conservative for classical titles whose editions number differently
// ("TH 12"), so repeats it counts are surely repeats.
func PieceKey(title string, artists []string) string {
	t := dropBracketed(title)
	if i := strings.IndexByte(t, ':'); i > 0 && isArtistPrefix(t[:i], artists) {
		t = t[i+1:]
	}
	for _, sep := range []string{" - ", " – ", " — "} {
		if i := strings.Index(t, sep); i > 0 && namesVersion(t[i+len(sep):]) {
			t = t[:i]
		}
	}
	lower := strings.ToLower(t)
	for _, ft := range []string{" feat. ", " feat ", " ft. ", " featuring "} {
		if i := strings.Index(lower, ft); i > 0 {
			t, lower = t[:i], lower[:i]
		}
	}
	var words []string
	for _, w := range strings.Fields(catalog.NormalizeName(t)) {
		if n, ok := romanNumerals[w]; ok {
			w = n
		}
		if !pieceStopWords[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return catalog.NormalizeName(title)
	}
	slices.Sort(words)
	return strings.Join(slices.Compact(words), " ")
}

// AlbumKey is an album title folded, without bracketed parts: "Out Of Time
// (25th Anniversary Edition)" is "out of time".
func AlbumKey(album string) string {
	return catalog.NormalizeName(dropBracketed(album))
}

// CleanTitle is a title as a driver would say it: without bracketed parts
// and version suffixes, spaces trimmed.
func CleanTitle(title string) string {
	t := dropBracketed(title)
	for _, sep := range []string{" - ", " – ", " — "} {
		if i := strings.Index(t, sep); i > 0 && namesVersion(t[i+len(sep):]) {
			t = t[:i]
		}
	}
	return strings.Join(strings.Fields(t), " ")
}

// namesVersion reports whether a title suffix names a version of the same
// piece rather than a part of it.
func namesVersion(s string) bool {
	for _, w := range strings.Fields(catalog.NormalizeName(s)) {
		if versionWords[w] {
			return true
		}
	}
	return false
}

var versionWords = wordSet(`remaster remastered remasterizado version versión live edit remix mix mono stereo
	acoustic demo instrumental bonus from feat featuring radio single original extended session take
	recorded anniversary deluxe edition`)

var pieceStopWords = wordSet(`op opus no nr num number bwv kv hob rv woo
	the a an and of
	allegro allegretto andante andantino adagio adagietto largo larghetto lento
	moderato presto prestissimo vivace vivo grave maestoso sostenuto cantabile
	assai molto poco piu meno non troppo ma con brio moto tempo giusto mosso`)

var romanNumerals = func() map[string]string {
	m := map[string]string{}
	for i, n := range strings.Fields("ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx") {
		m[n] = strings.Fields("2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20")[i]
	}
	return m
}()

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
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
		switch {
		case r == '(' || r == '[' || r == '{':
			depth++
			b.WriteByte(' ')
		case r == ')' || r == ']' || r == '}':
			depth = max(depth-1, 0)
		case depth == 0:
			b.WriteRune(r)
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
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(name, " "+w+" ") }) {
			return true
		}
	}
	return false
}

// IsHoliday reports whether a track is holiday music: a seasonal, christmas
// or holiday genre label or artist tag, or a title naming the season or one
// of its standards. Album titles do not count: a "Classical Christmas"
// compilation holds Mozart too.
func IsHoliday(t *music.Track) bool {
	for _, g := range slices.Concat(t.Genres, t.Tags) {
		k := catalog.NormalizeTag(g)
		if k == "seasonal" || strings.Contains(k, "christmas") || strings.Contains(k, "holiday") {
			return true
		}
	}
	title := " " + catalog.NormalizeName(t.Title) + " "
	return slices.ContainsFunc(holidayPhrases, func(p string) bool { return strings.Contains(title, " "+p+" ") })
}

var holidayPhrases = []string{
	"christmas", "xmas", "navidad", "noel", "weihnacht", "weihnachten", "natale", "hanukkah",
	"jingle bell", "jingle bells", "santa claus", "sleigh ride", "frosty the snowman", "rudolph",
	"silent night", "let it snow", "winter wonderland", "deck the halls", "o holy night",
	"little drummer boy", "feliz navidad", "mistletoe", "holly jolly", "o tannenbaum",
}
