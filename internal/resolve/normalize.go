package resolve

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds a title, artist or spoken query to the form the index
// compares: lowercase, accents removed ("Scène" → "scene"), compatibility
// forms unfolded ("ﬁ" → "fi", "²" → "2"), a few letters that Unicode does
// not decompose spelled out ("ß" → "ss", "Æ" → "ae", "ø" → "o"), every other
// non-letter, non-digit character turned into a word break, and runs of
// breaks collapsed to one space with none at either end.
//
// Apostrophes are dropped rather than turned into breaks, so "Don't" and a
// speech recogniser's "dont" are the same word. Invalid UTF-8 bytes are word
// breaks. Scripts without spaces between words (CJK) stay one token per run;
// that is a known limit of this index.
func Normalize(s string) string {
	return string(appendNormalized(nil, s))
}

// appendNormalized appends Normalize(s) to dst; Search uses it with a pooled
// buffer so a query costs no allocation for ASCII input.
func appendNormalized(dst []byte, s string) []byte {
	return appendFolded(dst, s, true)
}

// appendLowered is appendNormalized without removing accents (NFC instead
// of NFKD, marks kept, no letters spelled out): the form in which a query's
// "Scène" can be told from "Scene". Only non-ASCII words of it are used.
func appendLowered(dst []byte, s string) []byte {
	return appendFolded(dst, s, false)
}

func appendFolded(dst []byte, s string, fold bool) []byte {
	if !isASCII(s) {
		// Invalid bytes are word breaks; replacing them first also keeps
		// norm from leaving the rune after one undecomposed.
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, " ")
		}
		// NFKD splits "è" into "e" + U+0300 so the mark can be dropped,
		// and unfolds ligatures and width variants; NFC composes so that
		// "è" typed either way is one form.
		if fold {
			s = norm.NFKD.String(s)
		} else {
			s = norm.NFC.String(s)
		}
	}
	start := len(dst)
	brk := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\'' || c == '`':
				continue
			default:
				brk = true
				continue
			}
			if brk && len(dst) > start {
				dst = append(dst, ' ')
			}
			brk = false
			dst = append(dst, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError:
			brk = true
			continue
		case r == '\u2019' || r == '\u00b4' || r == '\u02bc' || fold && unicode.Is(unicode.Mn, r):
			// A dropped accent or an apostrophe: the word goes on.
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me):
		default:
			brk = true
			continue
		}
		if brk && len(dst) > start {
			dst = append(dst, ' ')
		}
		brk = false
		r = unicode.ToLower(r)
		if sp, ok := spelled[r]; ok && fold {
			dst = append(dst, sp...)
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// spelled holds lowercase letters that NFKD leaves alone but that people
// (and speech recognisers) write with plain ASCII letters.
var spelled = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d",
	'ł': "l", 'þ': "th", 'ı': "i", 'ħ': "h", 'ŧ': "t",
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
