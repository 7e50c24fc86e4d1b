// Package offlinecmd owns continuoctl's offline commands, which run the
// recommendation engine in-process on a catalog file, without a daemon:
//
//	recommend --offline [--catalog FILE] (--seed ID | --query TEXT) [-n N] [--mood M] [--no-explicit] [--json]
//	eval [--catalog FILE] [--playlists FILE] [--seeds N] [--json]
//	eval --context [--data DIR] [--new-driver] [--boot 2000] [--rand-seed 1] [--json]
//	eval --drives [--catalog FILE] [--n-drives N] [--length 60] [--split test|tune|all] [--json]
//	eval --requests FILE [--catalog FILE] [--folds 5 | --heldout] [--json]
//	parse [--json] TEXT
//
// Without --catalog both use the catalog embedded in the binary.
package offlinecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/eval"
	"github.com/continuo/continuo/internal/incar"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
)

// Run runs one offline command; args start with the command name
// ("recommend" or "eval"). It returns an exit code of package output.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "offline: want recommend, eval or parse")
		return output.ExitUsage
	}
	var err error
	switch args[0] {
	case "recommend":
		err = runRecommend(ctx, args[1:], stdout, stderr)
	case "eval":
		err = runEval(ctx, args[1:], stdout, stderr)
	case "parse":
		err = runParse(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "offline: unknown command %q: want recommend, eval or parse\n", args[0])
		return output.ExitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return output.ExitOK
	case errors.Is(err, flag.ErrHelp):
		return output.ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %v\n", args[0], err)
		return output.ExitUsage
	default:
		fmt.Fprintf(stderr, "%s: %v\n", args[0], err)
		return output.ExitError
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func loadCatalog(path string) (*catalog.Catalog, error) {
	if path == "" {
		c, err := catalog.Default()
		if err != nil {
			return nil, fmt.Errorf("load default catalog: %w", err)
		}
		return c, nil
	}
	c, err := catalog.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	return c, nil
}

func runRecommend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("offline", true, "run the engine in-process (required here)")
	catPath := fs.String("catalog", "", "catalog snapshot (default: the embedded catalog)")
	seedID := fs.String("seed", "", "seed track id")
	query := fs.String("query", "", "seed by free text, e.g. \"scene swan lake tchaikovsky\"")
	n := fs.Int("n", 10, "number of tracks (1..100)")
	mood := fs.String("mood", "", "calm, steady or lively")
	noExplicit := fs.Bool("no-explicit", false, "leave out explicit tracks")
	explore := fs.Float64("explore", 0, "0..1: wider genre kernel, more diversity")
	jsonOut := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if (*seedID == "") == (*query == "") {
		return usagef("give exactly one of --seed ID or --query TEXT")
	}
	if *n < 1 || *n > recommend.MaxN {
		return usagef("-n %d: want 1..%d", *n, recommend.MaxN)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cat, err := loadCatalog(*catPath)
	if err != nil {
		return err
	}
	var seed int
	if *seedID != "" {
		r, ok := cat.Lookup(music.TrackID(*seedID))
		if !ok {
			return music.Errorf(music.KindNotFound, "no track with id %q in the catalog", *seedID)
		}
		seed = r
	} else {
		ms := resolve.NewIndex(cat.AllTracks()).Search(*query, 1)
		if len(ms) == 0 {
			return music.Errorf(music.KindNotFound, "no track matches %q", *query)
		}
		seed = ms[0].Row
	}
	e := recommend.New(cat, recommend.Options{})
	picks, err := e.Recommend(recommend.Request{
		Seeds: []int{seed}, N: *n, Mood: *mood, Explicit: !*noExplicit, Explore: *explore,
	})
	if err != nil {
		return err
	}
	doc := output.Recommendation{Seed: trackJSON(cat, seed, 0, ""), Tracks: make([]output.Track, 0, len(picks))}
	for _, p := range picks {
		doc.Tracks = append(doc.Tracks, *trackJSON(cat, p.Row, p.Score, p.Reason))
	}
	if *jsonOut {
		return output.JSON(stdout, doc)
	}
	s := doc.Seed
	fmt.Fprintf(stdout, "seed: %s — %s (%s) [%s]\n\n", s.Title, strings.Join(s.Artists, ", "), s.Family, s.ID)
	return output.Tracks(stdout, doc.Tracks)
}

// trackJSON is the output form of a catalog row.
func trackJSON(c *catalog.Catalog, row int, score float64, reason string) *output.Track {
	t := c.Track(row)
	v := recommend.RawMood(c, row, catalog.MoodValence)
	en := recommend.RawMood(c, row, catalog.MoodEnergy)
	return &output.Track{
		ID: string(t.ID), Title: t.Title, Artists: t.Artists, Album: t.Album, Genres: t.Genres,
		DurationMS: t.DurationMS, Score: score, Reason: reason,
		Family: c.Families[c.Family[row]], Valence: &v, Energy: &en,
	}
}

// evalDoc is the JSON document of `eval`.
type evalDoc struct {
	*eval.Report
	SwanLake *output.Recommendation `json:"swan_lake,omitempty"`
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	catPath := fs.String("catalog", "", "catalog snapshot (default: the embedded catalog)")
	plPath := fs.String("playlists", "", "playlists CSV for the continuation metrics (playlist_id, playlist_name, track_id columns)")
	seeds := fs.Int("seeds", 500, "stratified seed tracks for coherence, mood and diversity")
	n := fs.Int("n", 10, "list length")
	randSeed := fs.Uint64("rand-seed", 1, "seed of the sample and the random baselines")
	jsonOut := fs.Bool("json", false, "print JSON")
	ctxEval := fs.Bool("context", false, "evaluate the in-car steering table on held-out InCarMusic drivers instead")
	dataDir := fs.String("data", defaultDataDir(), "with --context: the shared data directory (incarmusic/, tracks_multigenre.csv)")
	boot := fs.Int("boot", 2000, "with --context: bootstrap resamples of users")
	newDriver := fs.Bool("new-driver", false, "with --context: score from the item's mean rating by the other users, not the driver's own")
	drives := fs.Bool("drives", false, "simulate whole drives from a stratified set of requests instead")
	var dopts eval.DriveOptions
	fs.IntVar(&dopts.Drives, "n-drives", 300, "with --drives: requests in the whole set, both halves")
	fs.IntVar(&dopts.Length, "length", 60, "with --drives: tracks per drive (8..1000)")
	fs.StringVar(&dopts.Split, "split", eval.SplitTest, "with --drives: which half of the requests to run: test, tune or all")
	reqPath := fs.String("requests", "", "score the request parser on spoken requests in the SNIPS format instead")
	folds := fs.Int("folds", 5, "with --requests: cross-validation folds (2..20)")
	heldout := fs.Bool("heldout", false, "with --requests: score the embedded tagger on the file (one it was not trained on, e.g. the benchmark's validate_PlayMusic.json) instead of cross-validating on it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *reqPath != "" {
		return runRequests(ctx, *reqPath, *catPath, *folds, *heldout, *jsonOut, stdout)
	}
	if *drives {
		dopts.RandSeed = *randSeed
		return runDrives(ctx, *catPath, dopts, *jsonOut, stdout)
	}
	if *ctxEval {
		return runContextEval(ctx, *dataDir, incar.EvalOptions{Boot: *boot, Seed: *randSeed, NewDriver: *newDriver}, *jsonOut, stdout)
	}
	if *seeds < 1 || *n < 1 || *n > recommend.MaxN {
		return usagef("--seeds wants ≥ 1 and -n 1..%d", recommend.MaxN)
	}
	cat, err := loadCatalog(*catPath)
	if err != nil {
		return err
	}
	var lists []eval.Playlist
	var pls []catalog.Playlist
	switch {
	case *plPath != "":
		pls, err = catalog.ReadPlaylists(*plPath)
	case *catPath == "":
		// The embedded catalog comes with the playlists sampled into it.
		pls, err = catalog.DefaultPlaylists()
	}
	if err != nil {
		return err
	}
	for _, p := range pls {
		if pl := eval.PlaylistFromIDs(cat, p.Name, p.Tracks); len(pl.Rows) > 5 {
			lists = append(lists, pl)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e := recommend.New(cat, recommend.Options{})
	methods := append([]eval.Method{eval.Engine(e), eval.EngineNoFamilyBonus(cat)}, eval.Baselines(cat)...)
	rep, err := eval.Run(cat, methods, eval.Options{Seeds: *seeds, N: *n, RandSeed: *randSeed, Playlists: lists})
	if err != nil {
		return err
	}
	doc := evalDoc{Report: rep}
	if seed, ok := eval.FindSwanLake(cat); ok {
		doc.SwanLake = &output.Recommendation{Seed: trackJSON(cat, seed, 0, "")}
		picks, err := e.Recommend(recommend.Request{Seeds: []int{seed}, N: *n, Explicit: true})
		if err != nil {
			return err
		}
		for _, p := range picks {
			doc.SwanLake.Tracks = append(doc.SwanLake.Tracks, *trackJSON(cat, p.Row, p.Score, p.Reason))
		}
	}
	if *jsonOut {
		return output.JSON(stdout, doc)
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if len(pls) == 0 {
		fmt.Fprintln(stdout, "(no --playlists: playlist metrics not measured)")
	}
	if sl := doc.SwanLake; sl != nil {
		fmt.Fprintf(stdout, "\nSwan Lake: %s — %s\n", sl.Seed.Title, strings.Join(sl.Seed.Artists, ", "))
		rows := make([][]string, len(sl.Tracks))
		for i, t := range sl.Tracks {
			rows[i] = []string{fmt.Sprint(i + 1), output.Clip(t.Title, 50), output.Clip(strings.Join(t.Artists, ", "), 30), t.Family}
		}
		return output.Table(stdout, []string{"#", "TITLE", "ARTISTS", "FAMILY"}, rows)
	}
	fmt.Fprintln(stdout, "\nSwan Lake: no Tchaikovsky Swan Lake track in this catalog")
	return nil
}

// runDrives is `eval --drives`: the long-drive simulation.
func runDrives(ctx context.Context, catPath string, opts eval.DriveOptions, jsonOut bool, stdout io.Writer) error {
	switch {
	case opts.Drives < 1:
		return usagef("--n-drives %d: want ≥ 1", opts.Drives)
	case opts.Length < 8 || opts.Length > 1000:
		return usagef("--length %d: want 8..1000", opts.Length)
	case opts.Split != eval.SplitTest && opts.Split != eval.SplitTune && opts.Split != eval.SplitAll:
		return usagef("--split %q: want test, tune or all", opts.Split)
	}
	cat, err := loadCatalog(catPath)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep, err := eval.RunDrives(ctx, cat, eval.NewDriveSystem(cat), eval.DriveMethods(cat), opts)
	if err != nil {
		return err
	}
	if jsonOut {
		return output.JSON(stdout, rep)
	}
	return rep.WriteTable(stdout)
}
