package catalog

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeTag folds a genre string to the key used by the tag space:
// lowercase, accents removed, punctuation (except '&') turned into spaces,
// whitespace collapsed, apostrophes dropped. "Hip-Hop", "hip hop" and "HIP_HOP" share one key;
// "r&b" keeps its ampersand because "r b" would be meaningless.
func NormalizeTag(s string) string {
	return foldString(s, true)
}

// NormalizeName folds an artist or title for matching across sources: the
// same folding as NormalizeTag, and '&' is treated like other punctuation.
func NormalizeName(s string) string {
	return foldString(s, false)
}

func foldString(s string, keepAmp bool) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // combining accent left by NFKD
		case r == '\'' || r == '’' || r == 'ʼ':
			// Dropped, not spaced: "children's music" and the damaged
			// "childrens music" of the artist file share one key.
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (keepAmp && r == '&'):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// tokens splits a normalised tag into words, dropping words that say nothing
// about style.
func tokens(key string) []string {
	f := strings.Fields(key)
	out := f[:0]
	for _, w := range f {
		if stopTokens[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

var stopTokens = map[string]bool{
	"music": true, "musik": true, "musique": true, "musica": true, "the": true,
	"and": true, "of": true, "de": true, "la": true, "el": true, "y": true, "und": true,
	"songs": true, "song": true, "genre": true, "style": true, "other": true, "misc": true,
}

// tagAliases maps common non-English or abbreviated genre strings (as music
// players report them in xesam:genre) to a known tag. Keys are normalised.
var tagAliases = map[string]string{
	"klassik":           "classical",
	"klassisch":         "classical",
	"klassisk":          "classical",
	"klasik":            "classical",
	"klasyczna":         "classical",
	"clasica":           "classical",
	"classica":          "classical",
	"classique":         "classical",
	"klassieke":         "classical",
	"oper":              "opera",
	"opern":             "opera",
	"romantik":          "romantic era",
	"romantic":          "romantic era",
	"romanticism":       "romantic era",
	"barock":            "baroque",
	"barroco":           "baroque",
	"hiphop":            "hip hop",
	"rnb":               "r&b",
	"r n b":             "r&b",
	"randb":             "r&b",
	"rhythm & blues":    "r&b",
	"rhythm and blues":  "r&b",
	"schlager":          "schlager",
	"volksmusik":        "folk",
	"soundtracks":       "soundtrack",
	"filmmusik":         "soundtrack",
	"score":             "soundtrack",
	"electronica dance": "edm",
	"elektronisch":      "electronic",
	"elektro":           "electro",
	"rap hip hop":       "hip hop",
	"hip hop rap":       "hip hop",
	"country western":   "country",
	"kinder":            "children",
	"kindermusik":       "children",
	"weihnachten":       "christmas",
}
