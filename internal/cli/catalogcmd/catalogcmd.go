// Package catalogcmd implements `continuoctl catalog`: building a catalog
// snapshot from source files (the public datasets or an OEM's native
// export) and inspecting a snapshot.
package catalogcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/embed"
)

// Commands are `catalog build` and `catalog inspect`, for continuoctl's
// command table.
func Commands() []*command.Command {
	return []*command.Command{
		{Name: "build", Summary: "build a catalog snapshot from source files (public datasets or an OEM export)",
			Operands: []command.Operand{{Name: "SOURCE", Many: true, File: true}},
			Flags: []command.Flag{
				{Name: "out", Default: "", Value: "FILE", File: true, Required: true, Usage: "snapshot file to write"},
				{Name: "strict", Default: false, Usage: "fail on the first invalid row"},
				{Name: "no-playlist-labels", Default: false, Usage: "leave out the genre labels tracks get from their playlist (for leak-free playlist evaluation)"},
				{Name: "genre-space", Default: genreSpaceAuto, Choices: []string{genreSpaceAuto, genreSpaceLearn, genreSpaceDefault},
					Usage: "learn the genre space from the sources, use the embedded catalog's, or auto: learn, and borrow the embedded one when the sources have too few tags"},
			},
			Detail: `SOURCE is a CSV or JSONL file, or a directory of them; the kind of each
file is detected from its header (docs/catalog.md). Lenient by default:
invalid rows are skipped and counted; --strict stops at the first one.

A small catalog (an OEM's 50 tracks with one genre each) has too few genre
tags to learn a genre space from; with --genre-space auto (the default) or
default its tracks are placed in the embedded catalog's genre space, whose
tags cover the common genre names.`,
			Run: build},
		{Name: "inspect", Summary: "summarise a catalog snapshot", Operands: []command.Operand{{Name: "FILE", File: true}}, Run: inspect},
	}
}

// --genre-space values.
const (
	genreSpaceAuto    = "auto"
	genreSpaceLearn   = "learn"
	genreSpaceDefault = "default"
)

// buildCatalog builds with the genre space mode asks for; space says which
// one the catalog got ("learned" or "embedded default").
func buildCatalog(opts catalog.BuildOptions, mode string) (c *catalog.Catalog, rep *catalog.Report, space string, err error) {
	borrow := func() error {
		def, err := catalog.Default()
		if err != nil {
			return fmt.Errorf("embedded catalog: %w", err)
		}
		opts.Space = def.Tags
		return nil
	}
	if mode == genreSpaceDefault {
		if err := borrow(); err != nil {
			return nil, nil, "", err
		}
		c, rep, err = catalog.Build(opts)
		return c, rep, "embedded default", err
	}
	c, rep, err = catalog.Build(opts)
	if err == nil || mode != genreSpaceAuto || !errors.Is(err, catalog.ErrTooFewTags) {
		if errors.Is(err, catalog.ErrTooFewTags) {
			err = fmt.Errorf("%w (--genre-space default borrows the embedded catalog's)", err)
		}
		return c, rep, "learned", err
	}
	if err := borrow(); err != nil {
		return nil, rep, "", err
	}
	c, rep, err = catalog.Build(opts)
	return c, rep, "embedded default (the sources have too few tags)", err
}

// Run executes a catalog subcommand (args start with build or inspect)
// and returns the process exit code; continuoctl reaches the same commands
// through its table.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := &command.Program{Name: "continuoctl catalog", Commands: Commands(),
		Globals: []command.Flag{{Name: "json", Default: false, Usage: "print JSON"}}}
	return p.Run(ctx, args, command.IO{Stdout: stdout, Stderr: stderr})
}

// BuildResult is the JSON document of `catalog build --json`.
type BuildResult struct {
	Out        string                 `json:"out"`
	GenreSpace string                 `json:"genre_space"`
	Tracks     int                    `json:"tracks"`
	Artists    int                    `json:"artists"`
	Labels     int                    `json:"labels"`
	Tags       int                    `json:"tags"`
	Dims       int                    `json:"dims"`
	Skipped    map[string]int         `json:"skipped"`
	Merged     int                    `json:"merged"`
	Problems   []string               `json:"problems"`
	Sources    []catalog.SourceReport `json:"sources"`
	BuildMS    int64                  `json:"build_ms"`
	SizeBytes  int64                  `json:"size_bytes"`
}

func build(ctx context.Context, fs *flag.FlagSet, o command.IO) int {
	stdout, stderr := o.Stdout, o.Stderr
	out, strict := command.Get[string](fs, "out"), command.Get[bool](fs, "strict")
	jsonOut, noPL := command.Get[bool](fs, "json"), command.Get[bool](fs, "no-playlist-labels")
	sources := fs.Args()
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(stderr, "catalog build:", err)
		return output.ExitError
	}
	start := time.Now()
	bar := newProgress(stderr)
	c, rep, space, err := buildCatalog(catalog.BuildOptions{Sources: sources, Strict: strict, NoPlaylistLabels: noPL, Progress: bar.update},
		command.Get[string](fs, "genre-space"))
	bar.done()
	if err != nil {
		// One line naming file and line (the error says "file:line: ...").
		fmt.Fprintln(stderr, "catalog build:", oneLine(err))
		return output.ExitError
	}
	if err := drive.WriteSnapshot(out, c); err != nil {
		fmt.Fprintln(stderr, "catalog build:", oneLine(err))
		return output.ExitError
	}
	elapsed := time.Since(start)
	res := BuildResult{
		Out: out, GenreSpace: space, Tracks: rep.Tracks, Artists: rep.Artists, Labels: rep.Labels, Tags: rep.Tags,
		Dims: c.Tags.Dims(), Skipped: rep.Skipped, Merged: rep.Merged, Problems: rep.Problems,
		Sources: rep.Sources, BuildMS: elapsed.Milliseconds(), SizeBytes: fileSize(out),
	}
	if jsonOut {
		if err := output.JSON(stdout, res); err != nil {
			return output.ExitError
		}
		return output.ExitOK
	}
	fmt.Fprintf(stdout, "wrote %s: %d tracks, %d artists, %d labels, %d tags, %d dims, %d bytes in %s\n",
		out, res.Tracks, res.Artists, res.Labels, res.Tags, res.Dims, res.SizeBytes, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "genre space: %s\n", space)
	rows := [][]string{}
	for _, s := range rep.Sources {
		rows = append(rows, []string{s.Path, s.Kind, strconv.Itoa(s.Rows), strconv.Itoa(s.Kept)})
	}
	output.Table(stdout, []string{"SOURCE", "KIND", "ROWS", "KEPT"}, rows)
	if len(rep.Skipped) > 0 {
		fmt.Fprintln(stdout)
		rows = rows[:0]
		for _, r := range rep.Reasons() {
			rows = append(rows, []string{r, strconv.Itoa(rep.Skipped[r])})
		}
		output.Table(stdout, []string{"SKIPPED", "ROWS"}, rows)
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, "  "+p)
		}
	}
	return output.ExitOK
}

// Inspection is the JSON document of `catalog inspect --json`.
type Inspection struct {
	File     string         `json:"file"`
	Tracks   int            `json:"tracks"`
	Artists  int            `json:"artists"`
	Genres   map[string]int `json:"genres"`   // label -> tracks
	Families map[string]int `json:"families"` // family -> tracks
	Tags     int            `json:"tags"`
	Dims     int            `json:"dims"`
	MoodDims int            `json:"mood_dims"`
	WithURI  int            `json:"with_uri"`
	Problems []string       `json:"problems"` // e.g. rows without a genre vector
}

func inspect(ctx context.Context, fs *flag.FlagSet, o command.IO) int {
	stdout, stderr := o.Stdout, o.Stderr
	jsonOut := command.Get[bool](fs, "json")
	pos := fs.Args()
	c, err := catalog.Load(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "catalog inspect:", oneLine(err))
		return output.ExitError
	}
	in := Inspect(pos[0], c)
	if jsonOut {
		if err := output.JSON(stdout, in); err != nil {
			return output.ExitError
		}
		return output.ExitOK
	}
	fmt.Fprintf(stdout, "%s: %d tracks, %d artists, %d labels, %d tags, genre dims %d, mood dims %d, %d with URI\n\n",
		in.File, in.Tracks, in.Artists, len(in.Genres), in.Tags, in.Dims, in.MoodDims, in.WithURI)
	output.Table(stdout, []string{"FAMILY", "TRACKS"}, countRows(in.Families))
	fmt.Fprintln(stdout)
	output.Table(stdout, []string{"GENRE", "TRACKS"}, countRows(in.Genres))
	for _, p := range in.Problems {
		fmt.Fprintln(stdout, "problem:", p)
	}
	return output.ExitOK
}

// Inspect summarises a catalog.
func Inspect(file string, c *catalog.Catalog) Inspection {
	in := Inspection{
		File: file, Tracks: c.Len(), Artists: len(c.Artists), Genres: c.LabelCounts(),
		Families: map[string]int{}, Tags: c.Tags.Len(), Dims: c.Tags.Dims(), MoodDims: catalog.MoodDims,
		Problems: []string{},
	}
	noGenre := 0
	for i := range c.Len() {
		in.Families[c.Families[c.Family[i]]]++
		if c.URI(i) != "" {
			in.WithURI++
		}
		if g := c.Genre.Row(i); embed.Dot(g, g) == 0 {
			noGenre++
		}
	}
	if noGenre > 0 {
		in.Problems = append(in.Problems, fmt.Sprintf("%d tracks without a genre vector", noGenre))
	}
	if err := c.Genre.Check(); err != nil {
		in.Problems = append(in.Problems, err.Error())
	}
	if err := c.Mood.Check(); err != nil {
		in.Problems = append(in.Problems, err.Error())
	}
	return in
}

// countRows sorts a count map by count, descending, then by name.
func countRows(m map[string]int) [][]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if m[keys[a]] != m[keys[b]] {
			return m[keys[a]] > m[keys[b]]
		}
		return keys[a] < keys[b]
	})
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = []string{k, strconv.Itoa(m[k])}
	}
	return rows
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

// oneLine keeps an error message on one line for the terminal.
func oneLine(err error) string {
	msg := err.Error()
	for i := 0; i < len(msg); i++ {
		if msg[i] == '\n' {
			return msg[:i]
		}
	}
	return msg
}
