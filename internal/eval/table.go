package eval

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// WriteTable prints the report for people: one row per method, then the
// engine's mood distance as a share of the genre-random baseline's, its
// coherence per family, and a note on what the coherence columns measure.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "catalog %d tracks, %d stratified seeds, %d playlists, lists of %d\n\n", r.CatalogSize, r.Seeds, r.Playlists, r.N)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "method\tcoherence@%d\tgenre cos\tlabel match\tmood seed→pick\tmood step\tartists/%d\tmax/artist\thit@%d\trecall@%d\tR-prec\tplaylist genre\t\n", r.N, r.N, r.N, r.N)
	// Which way each column is better, so a reader need not guess.
	fmt.Fprintf(tw, "better\t↑\t↑\t↑\t↓\t↓\t↑\t↓\t↑\t↑\t↑\t↑\t\n")
	for _, m := range r.Methods {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", m.Method, m.Coherence, m.GenreCosine, m.LabelMatch,
			m.MoodFromSeed, m.MoodStep, m.DistinctArtists, m.MaxPerArtist, m.HitRate, m.Recall, m.RPrecision, m.PlaylistGenre)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	eng, base := r.method("engine"), r.method("genre-random")
	if eng != nil && base != nil && base.MoodFromSeed > 0 {
		fmt.Fprintf(w, "\nengine mood distance seed→pick = %.2f × genre-random's\n", eng.MoodFromSeed/base.MoodFromSeed)
	}
	if eng != nil && len(eng.ByFamily) > 0 {
		fams := make([]string, 0, len(eng.ByFamily))
		for f := range eng.ByFamily {
			fams = append(fams, f)
		}
		slices.Sort(fams)
		fmt.Fprintf(w, "engine coherence by seed family:")
		for _, f := range fams {
			fmt.Fprintf(w, " %s %.2f;", f, eng.ByFamily[f])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n↑ higher is better, ↓ lower.\ncoherence@%d counts picks in the seed's curated genre family, which the engine's family bonus rewards\n"+
		"(see the %q row); genre cos is the engine's own genre space, which it maximises;\n"+
		"label match (a raw genre label shared with the seed) uses neither, though genre-random matches by construction.\n", r.N, NoFamilyBonus)
	return nil
}

func (r *Report) method(name string) *Metrics {
	for i := range r.Methods {
		if r.Methods[i].Method == name {
			return &r.Methods[i]
		}
	}
	return nil
}
