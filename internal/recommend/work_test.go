package recommend

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWorkKeys(t *testing.T) {
	tchaik := []string{"Pyotr Ilyich Tchaikovsky"}
	previn := []string{"Pyotr Ilyich Tchaikovsky", "André Previn", "London Symphony Orchestra"}
	beethoven := []string{"Ludwig van Beethoven"}
	tests := []struct {
		name        string
		a, b        string
		artA, artB  []string
		work, piece bool
	}{
		{"two recordings of the Scène", "Tchaikovsky: Swan Lake, Op. 20, Act II: No. 10, Scene. Moderato",
			"Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)", previn, tchaik, true, true},
		{"another number of the ballet", "Tchaikovsky: Swan Lake, Op. 20, Act II: No. 10, Scene. Moderato",
			"Swan Lake, Op. 20, Act 1: No. 2, Valse", previn, tchaik, true, false},
		{"the suite", "Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)",
			"Swan Lake (Suite), Op. 20a, TH. 219: I. Scene - Swan Theme", tchaik, tchaik, true, false},
		{"composer named in the title", "Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)",
			"Tchaikovsky Swan Lake Piano Variation (From Swan Lake, Op. 20a)", tchaik, tchaik, true, false},
		{"another ballet", "Swan Lake, Op. 20, Act 2: No. 10, Scène (Moderato)",
			"The Sleeping Beauty, Op. 66: No. 3 Scène dansante", tchaik, tchaik, false, false},
		{"movements of one symphony", "Symphony No. 9 in D Minor, Op. 125 \"Choral\": IVa-b. Presto – Allegro assai",
			"Symphony No. 9 in D minor, Op. 125: II. Molto vivace", beethoven, beethoven, true, false},
		{"another symphony", "Symphony No. 9 in D Minor, Op. 125: II. Molto vivace",
			"Symphony No. 7 in A Major, Op. 92: II. Allegretto", beethoven, beethoven, false, false},
		{"nocturnes in different keys", "Nocturne in E-Flat Major, Op. 9 No. 2", "Nocturne in C-Sharp Minor, B. 49, Op. Posth",
			[]string{"Frédéric Chopin"}, []string{"Frédéric Chopin"}, false, false},
		{"with and without the key", "Symphony No. 9 in D Minor, Op. 125: IV. Finale", "Symphony No. 9: II. Molto vivace",
			beethoven, beethoven, true, false},
		{"a nickname instead of the key (a known miss)", "Symphony No. 9 in D Minor, Op. 125: IV. Finale",
			"Symphony No. 9 \"Choral\": II. Molto vivace", beethoven, beethoven, false, false},
		{"remaster of a song", "Hey Jude - Remastered 2015", "Hey Jude", []string{"The Beatles"}, []string{"The Beatles"}, true, false},
		{"one-word titles are compared whole", "Yesterday", "Yesterday Once More", []string{"X"}, []string{"X"}, false, false},
		{"empty titles", "", "", []string{"X"}, []string{"X"}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wa, pa := workKeys(tc.a, tc.artA)
			wb, pb := workKeys(tc.b, tc.artB)
			assert.Equal(t, tc.work, wa.matches(wb), "work %+v vs %+v", wa, wb)
			assert.Equal(t, tc.work, wb.matches(wa), "symmetric")
			assert.Equal(t, tc.piece, pa == pb, "piece")
		})
	}
}

func TestDropBracketed(t *testing.T) {
	tests := map[string]string{
		"Swan Lake (Suite) [Live]": "Swan Lake",
		"a (b (c) d) e":            "a e",
		"unclosed (rest":           "unclosed",
		"no brackets":              "no brackets",
		"a (b) stray ) closer":     "a stray closer",
	}
	for in, want := range tests {
		assert.Equal(t, want, strings.Join(strings.Fields(dropBracketed(in)), " "), in)
	}
}

func FuzzWorkKeys(f *testing.F) {
	for _, s := range []string{"Tchaikovsky: Swan Lake, Op. 20 (Suite)", "((", "::", "IV. Allegro", "é: ü"} {
		f.Add(s, "Pyotr Ilyich Tchaikovsky")
	}
	f.Fuzz(func(t *testing.T, title, artist string) {
		w, p := workKeys(title, []string{artist})
		w2, p2 := workKeys(title, []string{artist})
		assert.Equal(t, w, w2)
		assert.Equal(t, p, p2)
		assert.True(t, w.matches(w), "a work matches itself")
	})
}
