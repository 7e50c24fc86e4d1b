package eval

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/request"
	"github.com/continuo/continuo/internal/resolve"
)

// RequestReport is `eval --requests`: how well spoken requests are read
// (per-slot span scores, cross-validated) and, for those that name music
// the catalog has, how often Understand starts the right artist.
type RequestReport struct {
	Requests int `json:"requests"`
	// Folds is 0 when the file was held out: scored with the embedded
	// tagger, not cross-validated on itself.
	Folds   int                   `json:"folds"`
	Slots   []request.SlotScore   `json:"slots"`
	Snips   map[string]float64    `json:"published_snips_f1"`
	Alexa   map[string]float64    `json:"published_alexa_f1"`
	Catalog *CatalogRequestScores `json:"catalog,omitempty"`
}

// CatalogRequestScores counts the requests whose labelled artist (or,
// without one, track) the catalog holds, and how often the first
// candidate of Understand is by that artist (or has that title).
type CatalogRequestScores struct {
	CatalogTracks int `json:"catalog_tracks"`
	ArtistKnown   int `json:"artist_in_catalog"`
	ArtistRight   int `json:"artist_started"`
	TrackKnown    int `json:"track_in_catalog"`
	TrackRight    int `json:"track_started"`
	// Artists the catalog has no tracks of but the built-in artist table
	// knows, and how often Understand's first reading plays their genres
	// in their name (resolve: beyond the catalog).
	ArtistElsewhere int `json:"artist_in_artist_table_only"`
	GenresStarted   int `json:"their_genres_started"`
}

// RunRequests scores the labelled requests with k-fold cross-validation
// and, when cat is not nil, measures Understand on those the catalog knows.
// With folds 0 the file is held out: the embedded tagger scores it as it is.
func RunRequests(ctx context.Context, examples []request.Example, folds int, cat *catalog.Catalog) (*RequestReport, error) {
	rep := &RequestReport{Requests: len(examples), Snips: request.PublishedSnips, Alexa: request.PublishedAlexa}
	if folds == 0 {
		var err error
		if rep.Slots, err = request.ScoreDefault(examples); err != nil {
			return nil, err
		}
	} else {
		rep.Folds = max(folds, 2)
		rep.Slots = request.CrossValidate(examples, folds)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cat != nil {
		rep.Catalog = catalogRequests(examples, cat)
	}
	return rep, nil
}

func catalogRequests(examples []request.Example, cat *catalog.Catalog) *CatalogRequestScores {
	artists, titles := map[string]bool{}, map[string]bool{}
	for i := range cat.Len() {
		titles[resolve.Normalize(cat.Title(i))] = true
		for _, a := range cat.TrackArtists(i) {
			artists[resolve.Normalize(a)] = true
		}
	}
	ix := resolve.NewIndex(cat.AllTracks())
	table, err := resolve.DefaultArtistTags()
	if err != nil {
		table = nil // a nil table knows no one: the count stays 0
	}
	s := &CatalogRequestScores{CatalogTracks: cat.Len()}
	for _, ex := range examples {
		var artist, track string
		for _, sp := range ex.Spans() {
			switch {
			case sp.Slot == request.SlotArtist && artist == "":
				artist = resolve.Normalize(sp.Text)
			case sp.Slot == request.SlotTrack && track == "":
				track = resolve.Normalize(sp.Text)
			}
		}
		switch {
		case artist != "" && artists[artist]:
			s.ArtistKnown++
			if top := first(ix, ex.Text); top >= 0 && hasArtist(cat, top, artist) {
				s.ArtistRight++
			}
		case artist != "":
			if _, _, ok := table.Lookup(artist); ok {
				s.ArtistElsewhere++
				if cs := ix.Understand(ex.Text, 1); len(cs) > 0 && cs[0].Confidence >= resolve.PlayConfidence && resolve.Normalize(cs[0].Like) == artist {
					s.GenresStarted++
				}
			}
		case track != "" && titles[track]:
			s.TrackKnown++
			if top := first(ix, ex.Text); top >= 0 && resolve.Normalize(cat.Title(top)) == track {
				s.TrackRight++
			}
		}
	}
	return s
}

// first is the row Understand would start for text, or -1.
func first(ix *resolve.Index, text string) int {
	cs := ix.Understand(text, 1)
	if len(cs) == 0 || cs[0].Confidence < resolve.PlayConfidence {
		return -1
	}
	if cs[0].Row >= 0 {
		return cs[0].Row
	}
	if len(cs[0].Rows) > 0 {
		return cs[0].Rows[0]
	}
	return -1
}

func hasArtist(cat *catalog.Catalog, row int, artist string) bool {
	for _, a := range cat.TrackArtists(row) {
		if resolve.Normalize(a) == artist {
			return true
		}
	}
	return false
}

// WriteTable prints the per-slot table beside the published figures.
func (r *RequestReport) WriteTable(w io.Writer) error {
	if r.Folds == 0 {
		fmt.Fprintf(w, "%d held-out requests, the embedded tagger (trained on the 2,000 SNIPS requests), token-exact spans\n\n", r.Requests)
	} else {
		fmt.Fprintf(w, "%d requests, %d-fold cross-validation, token-exact spans\n\n", r.Requests, r.Folds)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "slot\tgold\tprecision\trecall\tF1\tSnips F1\tAlexa F1\t\n")
	for _, s := range r.Slots {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%s\t%s\t\n", s.Slot, s.Gold, s.Precision, s.Recall, s.F1,
			published(r.Snips, s.Slot), published(r.Alexa, s.Slot))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c := r.Catalog; c != nil {
		fmt.Fprintf(w, "\ncatalog of %d tracks: Understand started the right artist for %d of %d requests naming a catalog artist (%s)\n",
			c.CatalogTracks, c.ArtistRight, c.ArtistKnown, pct(c.ArtistRight, c.ArtistKnown))
		fmt.Fprintf(w, "and the right title for %d of %d naming only a catalog title (%s)\n", c.TrackRight, c.TrackKnown, pct(c.TrackRight, c.TrackKnown))
		fmt.Fprintf(w, "and music of their genres for %d of %d naming an artist only the artist table knows (%s)\n", c.GenresStarted, c.ArtistElsewhere, pct(c.GenresStarted, c.ArtistElsewhere))
	}
	return nil
}

func published(m map[string]float64, slot string) string {
	if v, ok := m[slot]; ok {
		return fmt.Sprintf("%.2f", v)
	}
	return "-"
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}
