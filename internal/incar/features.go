package incar

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
)

// Audio-feature directions the model learns a slope for.
const (
	FeatureEnergy = iota
	FeatureValence
	FeatureAcousticness
	FeatureTempo // log(BPM), as the catalog's mood space
	NumFeatures
)

// FeatureNames are the feature directions' names, in index order.
var FeatureNames = [NumFeatures]string{"energy", "valence", "acousticness", "tempo"}

// featureColumns are tracks_multigenre.csv's columns for each feature.
var featureColumns = [NumFeatures]string{"energy", "valence", "acousticness", "tempo"}

// versionSuffixes are dropped from titles before matching: the shop sells
// "Fireflies (Album Version)", Spotify lists "Fireflies".
var versionSuffixes = []string{" album version", " radio version", " radio edit", " single version", " main version"}

func matchTitle(title string) string {
	t := catalog.NormalizeName(title)
	for _, s := range versionSuffixes {
		t = strings.TrimSuffix(t, s)
	}
	return t
}

// titleMatches: equal, or one is the other followed by more words
// ("giant steps" and "giant steps 2020 remaster").
func titleMatches(a, b string) bool {
	return a == b || strings.HasPrefix(a, b+" ") || strings.HasPrefix(b, a+" ")
}

// candidate is one multigenre row that may stand for an item.
type candidate struct {
	title string
	feat  [NumFeatures]float64
}

// JoinFeatures reads tracks_multigenre.csv (name is for errors) and gives
// every item whose artist (any of the row's ';'-separated artists, names
// normalised as the catalog does) and title match a row that row's audio
// features: the exactly equal title if there is one, else the shortest
// matching title (the original rather than a remaster or a live take),
// averaged over the rows that repeat it under other genres. It returns how
// many items joined. Malformed feature values on a matching row are an
// error naming name:line.
func JoinFeatures(items map[int]*Item, r io.Reader, name string) (int, error) {
	byArtist := map[string][]*Item{}
	for _, it := range items {
		a := catalog.NormalizeName(it.Artist)
		byArtist[a] = append(byArtist[a], it)
	}
	c := newCSV(r, name)
	rec, line, err := c.next()
	if err != nil {
		return 0, fmt.Errorf("%s: header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range rec {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	need := append([]string{"artist", "title"}, featureColumns[:]...)
	for _, h := range need {
		if _, ok := col[h]; !ok {
			return 0, c.errorf(line, "no %q column", h)
		}
	}
	cands := map[*Item][]candidate{}
	for {
		rec, line, err = c.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		if err := addCandidates(rec, col, byArtist, cands); err != nil {
			return 0, c.errorf(line, "%v", err)
		}
	}
	joined := 0
	for it, cs := range cands {
		it.Features, it.HasFeatures = bestCandidate(matchTitle(it.Title), cs), true
		joined++
	}
	return joined, nil
}

func addCandidates(rec []string, col map[string]int, byArtist map[string][]*Item, cands map[*Item][]candidate) error {
	if len(rec) <= max(col["artist"], col["title"]) {
		return fmt.Errorf("%d columns, too few", len(rec))
	}
	title := catalog.NormalizeName(rec[col["title"]])
	for _, a := range strings.Split(rec[col["artist"]], ";") {
		for _, it := range byArtist[catalog.NormalizeName(a)] {
			if !titleMatches(matchTitle(it.Title), title) {
				continue
			}
			f, err := parseFeatures(rec, col)
			if errors.Is(err, errNoTempo) {
				continue // Spotify's 0 BPM: no beat detected, not a usable row
			}
			if err != nil {
				return err
			}
			cands[it] = append(cands[it], candidate{title: title, feat: f})
		}
	}
	return nil
}

var errNoTempo = errors.New("no tempo")

func parseFeatures(rec []string, col map[string]int) ([NumFeatures]float64, error) {
	var f [NumFeatures]float64
	for d, h := range featureColumns {
		i := col[h]
		if i >= len(rec) {
			return f, fmt.Errorf("no %s value", h)
		}
		v, err := strconv.ParseFloat(rec[i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return f, fmt.Errorf("%s %q is not a number", h, rec[i])
		}
		f[d] = v
	}
	if f[FeatureTempo] <= 0 {
		return f, errNoTempo
	}
	f[FeatureTempo] = math.Log(f[FeatureTempo])
	return f, nil
}

// betterTitle reports whether a stands for the item's title better than b:
// the exact title first, then the shorter, then the first in byte order (so
// the choice does not depend on file order).
func betterTitle(a, b, title string) bool {
	switch {
	case a == b:
		return false
	case a == title || b == title:
		return a == title
	case len(a) != len(b):
		return len(a) < len(b)
	}
	return a < b
}

// bestCandidate averages the candidates with the best title: the exact
// title, else the shortest.
func bestCandidate(title string, cs []candidate) [NumFeatures]float64 {
	best := cs[0].title
	for _, c := range cs[1:] {
		if betterTitle(c.title, best, title) {
			best = c.title
		}
	}
	var sum [NumFeatures]float64
	n := 0
	for _, c := range cs {
		if c.title != best {
			continue
		}
		for d := range sum {
			sum[d] += c.feat[d]
		}
		n++
	}
	for d := range sum {
		sum[d] /= float64(n)
	}
	return sum
}
