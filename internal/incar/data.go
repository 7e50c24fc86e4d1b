package incar

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Rating is one row of contextual_ratings.csv. Cond is the row's one
// driving condition besides weather, or the zero Condition for a row that
// carries only the weather value (the no-context rating and the weather
// ratings, which this copy of the data cannot tell apart; see the package
// doc).
type Rating struct {
	User, Item int
	Rating     float64
	Cond       Condition
	Weather    string
}

// Item is one row of music.csv, with its Continuo genre family and, when it
// joins tracks_multigenre.csv, its audio features.
type Item struct {
	ID            int
	Artist, Title string
	Category      int    // InCarMusic category_id, 1..10
	Family        string // Continuo family name (catalog.FamilyNames)
	HasFeatures   bool
	Features      [NumFeatures]float64 // raw: energy, valence, acousticness 0..1; tempo log(BPM)
}

// Data is the InCarMusic data set as the learner reads it.
type Data struct {
	Ratings []Rating
	Items   map[int]*Item
	Joined  int // items with audio features
}

// categoryFamily maps InCarMusic's ten categories to Continuo's genre
// families (internal/catalog/family.go). Disco goes to "r&b & soul", where
// the catalog files the disco label; country to "country & folk".
var categoryFamily = map[int]string{
	1: "blues", 2: "classical", 3: "country & folk", 4: "r&b & soul", 5: "hip hop",
	6: "jazz", 7: "metal", 8: "pop", 9: "reggae", 10: "rock",
}

// ratingColumns is the header of contextual_ratings.csv; the condition
// columns follow the three ids in this order.
var ratingColumns = []string{"userid", "itemid", "rating", "drivingstyle", "landscape", "mood",
	"naturalphenomena", "roadtype", "sleepiness", "trafficconditions", "weather"}

// csvReader wraps encoding/csv so every error names file:line.
type csvReader struct {
	r    *csv.Reader
	name string
}

func newCSV(r io.Reader, name string) *csvReader {
	c := csv.NewReader(r)
	c.ReuseRecord = true
	return &csvReader{r: c, name: name}
}

// next returns the next record, io.EOF at the end, or an error naming
// file:line.
func (c *csvReader) next() ([]string, int, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.Line, fmt.Errorf("%s:%d: %w", c.name, pe.Line, pe.Err)
		}
		return nil, 0, fmt.Errorf("%s: %w", c.name, err)
	}
	line, _ := c.r.FieldPos(0) // only valid after a successful Read
	return rec, line, nil
}

func (c *csvReader) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", c.name, line, fmt.Sprintf(format, args...))
}

// header reads the header and checks it names want, in order (case-insensitive).
func (c *csvReader) header(want []string) error {
	rec, line, err := c.next()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty file", c.name)
	}
	if err != nil {
		return err
	}
	if len(rec) != len(want) {
		return c.errorf(line, "header has %d columns, want %d (%s)", len(rec), len(want), strings.Join(want, ","))
	}
	for i, w := range want {
		if strings.ToLower(strings.TrimSpace(rec[i])) != w {
			return c.errorf(line, "column %d is %q, want %q", i+1, rec[i], w)
		}
	}
	return nil
}

// ReadRatings parses contextual_ratings.csv. A malformed row is an error
// naming name:line: a bad id or rating, a rating outside 0..5, an unknown
// level, or more than one condition besides weather.
func ReadRatings(r io.Reader, name string) ([]Rating, error) {
	c := newCSV(r, name)
	c.r.FieldsPerRecord = len(ratingColumns)
	if err := c.header(ratingColumns); err != nil {
		return nil, err
	}
	var out []Rating
	for {
		rec, line, err := c.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		rt, err := parseRating(rec)
		if err != nil {
			return nil, c.errorf(line, "%v", err)
		}
		out = append(out, rt)
	}
}

func parseRating(rec []string) (Rating, error) {
	var rt Rating
	var err error
	if rt.User, err = strconv.Atoi(rec[0]); err != nil {
		return rt, fmt.Errorf("UserID %q is not an integer", rec[0])
	}
	if rt.Item, err = strconv.Atoi(rec[1]); err != nil {
		return rt, fmt.Errorf("ItemID %q is not an integer", rec[1])
	}
	if rt.Rating, err = strconv.ParseFloat(rec[2], 64); err != nil || !(rt.Rating >= 0 && rt.Rating <= 5) {
		return rt, fmt.Errorf("Rating %q is not a number in 0..5", rec[2])
	}
	for i, v := range rec[3:] {
		if v == "NA" || v == "" {
			continue
		}
		cond := Condition{Factor: ratingColumns[3+i], Level: strings.ToLower(strings.TrimSpace(v))}
		if !cond.Valid() {
			return rt, fmt.Errorf("%s %q is not one of %s", cond.Factor, v, strings.Join(levels[cond.Factor], ", "))
		}
		if cond.Factor == FactorWeather {
			rt.Weather = cond.Level
			continue
		}
		if rt.Cond != (Condition{}) {
			return rt, fmt.Errorf("two conditions on one rating (%s and %s)", rt.Cond, cond)
		}
		rt.Cond = cond
	}
	return rt, nil
}

var itemColumns = []string{"itemid", "album", "artist", "title", "mp3url", "description", "imageurl", "category_id"}

// ReadItems parses music.csv; a malformed row is an error naming name:line.
func ReadItems(r io.Reader, name string) (map[int]*Item, error) {
	c := newCSV(r, name)
	c.r.FieldsPerRecord = len(itemColumns)
	if err := c.header(itemColumns); err != nil {
		return nil, err
	}
	out := map[int]*Item{}
	for {
		rec, line, err := c.next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		id, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, c.errorf(line, "ItemID %q is not an integer", rec[0])
		}
		cat, err := strconv.Atoi(rec[7])
		if err != nil || categoryFamily[cat] == "" {
			return nil, c.errorf(line, "category_id %q is not 1..10", rec[7])
		}
		if _, dup := out[id]; dup {
			return nil, c.errorf(line, "ItemID %d repeated", id)
		}
		out[id] = &Item{ID: id, Artist: rec[2], Title: rec[3], Category: cat, Family: categoryFamily[cat]}
	}
}

// Load reads the InCarMusic files from dir/incarmusic and joins the items
// to dir/tracks_multigenre.csv for their audio features (dir is the shared
// data directory). Ratings of unknown items are an error.
func Load(dir string) (*Data, error) {
	d := &Data{}
	var err error
	if d.Items, err = readFile(filepath.Join(dir, "incarmusic", "music.csv"), ReadItems); err != nil {
		return nil, err
	}
	ratingsPath := filepath.Join(dir, "incarmusic", "contextual_ratings.csv")
	if d.Ratings, err = readFile(ratingsPath, ReadRatings); err != nil {
		return nil, err
	}
	for _, r := range d.Ratings {
		if d.Items[r.Item] == nil {
			return nil, fmt.Errorf("%s: item %d is not in music.csv", ratingsPath, r.Item)
		}
	}
	if d.Joined, err = readFile(filepath.Join(dir, "tracks_multigenre.csv"), func(r io.Reader, name string) (int, error) {
		return JoinFeatures(d.Items, r, name)
	}); err != nil {
		return nil, err
	}
	return d, nil
}

func readFile[T any](path string, read func(io.Reader, string) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("incar: %w", err)
	}
	defer f.Close()
	return read(f, path)
}
