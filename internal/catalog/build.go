package catalog

import (
	"bufio"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/embed"
	"github.com/continuo/continuo/internal/music"
)

// BuildOptions says what to build a catalog from.
type BuildOptions struct {
	// Sources are files or directories (every *.csv and *.jsonl inside,
	// sorted). Each file's kind is detected from its header; see
	// docs/catalog.md for the kinds and the native format.
	Sources []string
	// Strict fails on the first invalid row with "file:line: field: reason";
	// otherwise invalid rows are skipped and counted in the Report.
	Strict bool
	// Dims of the learned genre space; 0 means DefaultDims.
	Dims int
	// Space, when set, is used instead of learning a genre space from the
	// sources (an OEM catalog without artist tags placed in the default
	// catalog's space).
	Space *TagSpace
	// NoPlaylistLabels leaves out the labels a track gets from the playlist
	// it was found in (playlist_genre, playlist_subgenre). Every track of a
	// playlist shares them, so they leak playlist membership into the genre
	// space; evaluation on held-out playlist tracks uses this to measure
	// without that help.
	NoPlaylistLabels bool
	// Progress, when set, is told what Build is doing: each source file
	// read (done of total files, the file) and then the learning stage
	// ("learn", 0, 0). It runs on Build's goroutine.
	Progress func(stage string, done, total int, file string)
	// MaxLineBytes and MaxFieldBytes cap input sizes; 0 means 64 KiB and 4 KiB.
	MaxLineBytes, MaxFieldBytes int
	Logger                      zerolog.Logger
}

// Build reads the sources, validates and merges their rows, learns the genre
// space and computes the genre, mood and family of every track.
func Build(opts BuildOptions) (*Catalog, *Report, error) {
	start := time.Now()
	log := opts.Logger.With().Str("component", "catalog").Logger()
	rep := newReport()
	if len(opts.Sources) == 0 {
		return nil, rep, music.Errorf(music.KindInvalid, "no sources")
	}
	in := newInputs(opts.Strict, limits{maxLine: opts.MaxLineBytes, maxField: opts.MaxFieldBytes}, rep)
	in.noPlaylistLabels = opts.NoPlaylistLabels
	files, err := expandSources(opts.Sources)
	if err != nil {
		return nil, rep, err
	}
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int, string) {}
	}
	for i, f := range files {
		progress("read", i, len(files), f)
		sr, err := parseFile(in, f)
		rep.Sources = append(rep.Sources, sr)
		// Row and file errors already say "file:line: field: reason".
		if err != nil {
			return nil, rep, err
		}
		if rep.strictErr != nil {
			return nil, rep, rep.strictErr
		}
		log.Debug().Str("file", f).Str("kind", sr.Kind).Int("rows", sr.Rows).Int("kept", sr.Kept).Msg("source read")
	}
	if len(in.tracks) == 0 {
		return nil, rep, music.Errorf(music.KindInvalid, "the sources hold no tracks")
	}
	progress("learn", len(files), len(files), "")
	c, err := assemble(in, opts)
	if err != nil {
		return nil, rep, fmt.Errorf("learn the catalog's spaces: %w", err)
	}
	rep.Tracks, rep.Artists, rep.Tags = c.Len(), len(c.Artists), c.Tags.Len()
	rep.Labels = len(c.LabelCounts())
	for i := 0; i < c.Len(); i++ {
		if embed.Dot(c.Genre.Row(i), c.Genre.Row(i)) == 0 {
			rep.NoGenre++
		}
	}
	rep.FilledMood = in.filledMood
	rep.Elapsed = time.Since(start)
	log.Info().Int("tracks", rep.Tracks).Int("skipped", rep.SkippedTotal()).Dur("elapsed_ms", rep.Elapsed).Msg("catalog built")
	return c, rep, nil
}

// emptyPlaceholder is the size up to which a file in a source directory is
// taken to hold nothing (a blank line, `""`).
const emptyPlaceholder = 4

// expandSources turns directories into their *.csv and *.jsonl files.
func expandSources(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("catalog source: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var inDir []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".csv") || strings.HasSuffix(path, ".jsonl")) {
				// A placeholder in a directory of per-genre files (three of
				// source C's hold only `""`) holds no rows: skip it there; a
				// file named on its own is still an error.
				if info, err := d.Info(); err == nil && info.Size() <= emptyPlaceholder {
					return nil
				}
				inDir = append(inDir, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("catalog source %s: %w", p, err)
		}
		sort.Strings(inDir)
		out = append(out, inDir...)
	}
	return out, nil
}

func parseFile(in *inputs, path string) (SourceReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return SourceReport{Path: path}, fmt.Errorf("open source: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, err := br.Peek(4096)
	if err != nil && len(head) == 0 {
		return SourceReport{Path: path}, music.Errorf(music.KindInvalid, "%s: empty file", path)
	}
	kind, err := detectKind(head)
	if err != nil {
		return SourceReport{Path: path}, fmt.Errorf("%s: %w", path, err)
	}
	return in.parse(br, path, kind)
}

// Track genre vectors weigh the track's own labels against its artists'
// tags: labels come from search results and are noisy (README "Known
// flaws"), artist tags are curated per artist, so tags get 0.6 of the
// weight when both are present. Mood/activity/region labels ("sad",
// "study", "british") count 0.3 of a genre label.
const (
	labelShare    = 0.4
	nonGenreLabel = 0.3
)

// trackVector sets dst to the unit genre vector of a track; false if none
// of its labels or tags could be placed.
func trackVector(s *TagSpace, genres, tags []string, dst []float32, scratch []float32) bool {
	clear(dst)
	lab := scratch[:len(dst)]
	clear(lab)
	var lw float32
	for _, g := range genres {
		key := NormalizeTag(g)
		v := s.lookup(key)
		if v == nil {
			continue
		}
		w := float32(1)
		if nonGenre[key] {
			w = nonGenreLabel
		}
		embed.AddScaled(lab, w, v)
		lw += w
	}
	tg := scratch[len(dst) : 2*len(dst)]
	clear(tg)
	var tn float32
	for _, t := range tags {
		if v := s.lookup(NormalizeTag(t)); v != nil {
			embed.AddScaled(tg, 1, v)
			tn++
		}
	}
	switch {
	case lw > 0 && tn > 0:
		embed.AddScaled(dst, labelShare/lw, lab)
		embed.AddScaled(dst, (1-labelShare)/tn, tg)
	case lw > 0:
		embed.AddScaled(dst, 1/lw, lab)
	case tn > 0:
		embed.AddScaled(dst, 1/tn, tg)
	default:
		return false
	}
	return embed.Normalize(dst) > 0
}

// assemble turns merged rows into a Catalog.
func assemble(in *inputs, opts BuildOptions) (*Catalog, error) {
	c := NewCatalog(make([]music.Track, len(in.tracks)))
	for i, t := range in.tracks {
		tr := t.Track
		if a, ok := in.albums[tr.ID]; ok {
			if tr.Album == "" {
				tr.Album = a.album
			}
			if tr.Explicit == music.ExplicitUnknown {
				tr.Explicit = a.explicit
			}
		}
		var tags []string
		for _, a := range tr.Artists {
			tags = appendUnique(tags, in.artistTags[NormalizeName(a)]...)
		}
		tr.Tags = tags
		c.tracks[i] = tr
	}

	space := opts.Space
	if space == nil {
		dims := opts.Dims
		if dims <= 0 {
			dims = DefaultDims
		}
		co := newCooccurrence()
		var scratch []int32
		for _, a := range in.artistOrder {
			scratch = co.addGroup(in.artistTags[a], 1, scratch)
		}
		group := make([]string, 0, 16)
		for i := range c.tracks {
			group = append(group[:0], c.tracks[i].Genres...)
			group = append(group, c.tracks[i].Tags...)
			// Many tracks per artist repeat the same tags; a small weight
			// keeps tracks from drowning the artist file's structure while
			// still linking the labels to the tags.
			scratch = co.addGroup(group, 0.2, scratch)
		}
		if n := len(co.names); n <= dims {
			dims = max(2, n-1)
		}
		names, vecs, err := co.learn(dims)
		if err != nil {
			return nil, err
		}
		space = newTagSpace(names, vecs, nil)
		space.deriveFamilies()
	}
	c.Tags = space

	n := len(c.tracks)
	c.Genre = embed.NewMatrix(n, space.Dims())
	scratch := make([]float32, 2*space.Dims())
	for i := range c.tracks {
		trackVector(space, c.tracks[i].Genres, c.tracks[i].Tags, c.Genre.Row(i), scratch)
	}

	c.Families = FamilyNames()
	c.Family = make([]uint8, n)
	for i := range c.tracks {
		c.Family[i] = uint8(trackFamily(space, &c.tracks[i], c.Genre.Row(i)))
	}

	in.filledMood = computeMood(c, in.genreMeans)

	artistIdx := map[string]int32{}
	c.Artist = make([]int32, n)
	for i := range c.tracks {
		key := NormalizeName(c.tracks[i].PrimaryArtist())
		a, ok := artistIdx[key]
		if !ok {
			a = int32(len(c.Artists))
			artistIdx[key] = a
			c.Artists = append(c.Artists, key)
		}
		c.Artist[i] = a
	}
	c.Derived = Derive(c)
	c.reindex()
	if err := c.Genre.Check(); err != nil {
		return nil, fmt.Errorf("genre matrix: %w", err)
	}
	if err := c.Mood.Check(); err != nil {
		return nil, fmt.Errorf("mood matrix: %w", err)
	}
	return c, nil
}

// ambiguousLabels are genre labels of the sources that name two styles:
// the per-genre file "hardcore" holds hardcore punk (Black Flag, Minor
// Threat) and hardcore hip hop (DMX, Wu-Tang Clan, Xzibit) alike. They do
// not vote on a track's family when its artists have tags.
var ambiguousLabels = map[string]bool{"hardcore": true}

// trackFamily: the majority family of the track's genre labels (mood,
// activity and region labels do not vote), ties broken by its artists'
// tags; with no genre label, the artists' tags decide; failing that, the
// family of the nearest tag to its genre vector; else FamilyOther.
func trackFamily(s *TagSpace, t *music.Track, vec []float32) int {
	var labelVotes, tagVotes [32]int
	for _, g := range t.Genres {
		if ambiguousLabels[NormalizeTag(g)] && len(t.Tags) > 0 {
			continue // the artist's tags say which one is meant
		}
		if f := tagFamily(g, s); f >= 0 {
			labelVotes[f]++
		}
	}
	for _, g := range t.Tags {
		if f := tagFamily(g, s); f >= 0 {
			tagVotes[f]++
		}
	}
	best := -1
	for f := range labelVotes {
		if labelVotes[f] == 0 {
			continue
		}
		if best < 0 || labelVotes[f] > labelVotes[best] ||
			(labelVotes[f] == labelVotes[best] && tagVotes[f] > tagVotes[best]) {
			best = f
		}
	}
	if best >= 0 {
		return best
	}
	if f := familyByVote(t.Tags, s); f >= 0 {
		return f
	}
	if f := s.familyOfVector(vec, -1); f >= 0 {
		return f
	}
	return FamilyOther
}

// reindex rebuilds the id and URI lookups.
func (c *Catalog) reindex() {
	c.ids, c.uris = buildHashIndexes(c)
}

// LabelCounts returns the number of tracks under each genre label.
func (c *Catalog) LabelCounts() map[string]int {
	out := map[string]int{}
	for i := range c.Len() {
		for g := range c.EachGenre(i) {
			out[g]++
		}
	}
	return out
}

// moodRaw reads the raw mood coordinates of a feature set (NaN = missing).
func moodRaw(f music.Features) [MoodDims]float64 {
	var m [MoodDims]float64
	m[MoodValence] = float64(f.Valence)
	m[MoodEnergy] = float64(f.Energy)
	m[MoodDanceability] = float64(f.Danceability)
	m[MoodAcousticness] = float64(f.Acousticness)
	m[MoodInstrumentalness] = float64(f.Instrumentalness)
	m[MoodSpeechiness] = float64(f.Speechiness)
	m[MoodLoudness] = float64(f.Loudness)
	m[MoodTempo] = math.NaN()
	if music.IsKnown(f.Tempo) && f.Tempo > 0 {
		m[MoodTempo] = math.Log(float64(f.Tempo))
	}
	m[MoodMode] = math.NaN()
	if f.Mode >= 0 {
		m[MoodMode] = float64(f.Mode)
	}
	return m
}

// computeMood fills c.Mood, MoodMean and MoodStd of a catalog built in
// memory. A missing feature is taken
// from the mean of the track's tags in the genre audio-features file, else
// from the mean of its labels over the catalog, else the catalog mean.
// It returns the number of tracks with at least one filled feature.
func computeMood(c *Catalog, genreMeans map[string]music.Features) int {
	n := len(c.tracks)
	raw := make([][MoodDims]float64, n)
	type acc struct{ sum, cnt [MoodDims]float64 }
	labels := map[string]*acc{}
	var global acc
	for i := range c.tracks {
		raw[i] = moodRaw(c.tracks[i].Features)
		for d, v := range raw[i] {
			if math.IsNaN(v) {
				continue
			}
			global.sum[d] += v
			global.cnt[d]++
			for _, g := range c.tracks[i].Genres {
				k := NormalizeTag(g)
				a := labels[k]
				if a == nil {
					a = &acc{}
					labels[k] = a
				}
				a.sum[d] += v
				a.cnt[d]++
			}
		}
	}
	filled := 0
	for i := range c.tracks {
		missing := false
		for _, v := range raw[i] {
			missing = missing || math.IsNaN(v)
		}
		if !missing {
			continue
		}
		filled++
		var fromTags acc
		for _, list := range [][]string{c.tracks[i].Tags, c.tracks[i].Genres} {
			for _, t := range list {
				if f, ok := genreMeans[NormalizeTag(t)]; ok {
					for d, v := range moodRaw(f) {
						if !math.IsNaN(v) {
							fromTags.sum[d] += v
							fromTags.cnt[d]++
						}
					}
				}
			}
		}
		var fromLabels acc
		for _, g := range c.tracks[i].Genres {
			if a := labels[NormalizeTag(g)]; a != nil {
				for d := range a.sum {
					if a.cnt[d] > 0 {
						fromLabels.sum[d] += a.sum[d] / a.cnt[d]
						fromLabels.cnt[d]++
					}
				}
			}
		}
		for d, v := range raw[i] {
			if !math.IsNaN(v) {
				continue
			}
			switch {
			case fromTags.cnt[d] > 0:
				raw[i][d] = fromTags.sum[d] / fromTags.cnt[d]
			case fromLabels.cnt[d] > 0:
				raw[i][d] = fromLabels.sum[d] / fromLabels.cnt[d]
			case global.cnt[d] > 0:
				raw[i][d] = global.sum[d] / global.cnt[d]
			default:
				raw[i][d] = 0
			}
		}
	}
	var mean, sq [MoodDims]float64
	for i := range raw {
		for d, v := range raw[i] {
			mean[d] += v
		}
	}
	for d := range mean {
		mean[d] /= float64(max(n, 1))
	}
	for i := range raw {
		for d, v := range raw[i] {
			sq[d] += (v - mean[d]) * (v - mean[d])
		}
	}
	c.Mood = embed.NewMatrix(n, MoodDims)
	for d := range mean {
		std := math.Sqrt(sq[d] / float64(max(n, 1)))
		if std < 1e-9 {
			std = 1
		}
		c.MoodMean[d], c.MoodStd[d] = float32(mean[d]), float32(std)
		for i := range raw {
			c.Mood.Data[i*MoodDims+d] = float32((raw[i][d] - mean[d]) / std)
		}
	}
	return filled
}
