// Package request owns the reading of a spoken music request into slots
// (artist, track, album, genre, year, sort, music item, service, playlist)
// before anything is looked up in the catalog: "play Femme Fatale by Bonobo
// on Spotify" is track "Femme Fatale", artist "Bonobo", service "Spotify".
//
// It is its own package, not part of resolve, because it knows nothing of
// the catalog: it reads the sentence's structure with a tagger learned from
// the SNIPS PlayMusic requests (CC0, embedded), and it is measured on that
// benchmark on its own (Evaluate, `continuoctl eval --requests`). resolve
// uses its slots; the CLI and the bus use it directly.
package request

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Example is one labelled request: its tokens and one slot name per token
// ("" outside any slot). Adjacent tokens with the same slot belong to the
// same span only if Begin marks no new span between them.
type Example struct {
	Text   string // the request as written
	Tokens []string
	Slots  []string
	Begin  []bool // a span of Slots[i] starts at token i
}

// Span is one slot value: tokens [Start, End) of a request.
type Span struct {
	Slot  string `json:"slot"`
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Spans lists the labelled spans of an example.
func (e Example) Spans() []Span {
	return spansOf(e.Tokens, e.Slots, e.Begin)
}

func spansOf(tokens, slots []string, begin []bool) []Span {
	var out []Span
	for i := 0; i < len(tokens); i++ {
		if slots[i] == "" {
			continue
		}
		j := i + 1
		for j < len(tokens) && slots[j] == slots[i] && !begin[j] {
			j++
		}
		out = append(out, Span{Slot: slots[i], Text: strings.Join(tokens[i:j], " "), Start: i, End: j})
		i = j - 1
	}
	return out
}

// snipsFile is the SNIPS NLU benchmark format: {"Intent": [{"data": [runs]}]}.
type snipsFile map[string][]struct {
	Data []struct {
		Text   string `json:"text"`
		Entity string `json:"entity"`
	} `json:"data"`
}

// ReadSNIPS reads requests in the SNIPS benchmark format, every intent in
// the file. Each run of text is tokenised alone, so a labelled span is
// always whole tokens.
func ReadSNIPS(r io.Reader) ([]Example, error) {
	var f snipsFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("read SNIPS requests: %w", err)
	}
	var out []Example
	for intent, reqs := range f {
		for n, q := range reqs {
			var ex Example
			for _, run := range q.Data {
				if !utf8.ValidString(run.Text) {
					return nil, fmt.Errorf("read SNIPS requests: %s request %d: text is not UTF-8", intent, n)
				}
				ex.Text += run.Text
				for k, tok := range Tokenize(run.Text) {
					ex.Tokens = append(ex.Tokens, tok)
					ex.Slots = append(ex.Slots, run.Entity)
					ex.Begin = append(ex.Begin, run.Entity != "" && k == 0)
				}
			}
			if len(ex.Tokens) > 0 {
				out = append(out, ex)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read SNIPS requests: no requests in the file")
	}
	return out, nil
}

// Tokenize splits text at spaces and sets apart the punctuation at either
// end of a word and a possessive "'s" ("Lewis's" is "Lewis" "'s").
func Tokenize(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		lead := strings.IndexFunc(f, notPunct)
		if lead < 0 {
			out = append(out, f)
			continue
		}
		for _, r := range f[:lead] {
			out = append(out, string(r))
		}
		f = f[lead:]
		end := strings.LastIndexFunc(f, notPunct)
		_, size := utf8.DecodeRuneInString(f[end:])
		word, trail := f[:end+size], f[end+size:]
		var poss string
		for _, s := range []string{"'s", "’s", "'S"} {
			if len(word) > len(s) && strings.HasSuffix(word, s) {
				word, poss = word[:len(word)-len(s)], s
				break
			}
		}
		out = append(out, word)
		if poss != "" {
			out = append(out, poss)
		}
		for _, r := range trail {
			out = append(out, string(r))
		}
	}
	return out
}

func notPunct(r rune) bool {
	return !unicode.IsPunct(r) || r == '&' || r == '\''
}
