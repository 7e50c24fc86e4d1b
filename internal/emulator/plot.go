package emulator

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/continuo/continuo/internal/music"
)

// WritePlot draws a drive's mood trajectory to path (.svg or .png): x is
// the track index, y the valence (circles) and energy (triangles) of each
// track on their 0..1 scale, joined by lines; point colours are genre
// families. Dashed vertical markers show the driver's actions (ask, skip,
// like, dislike, mood change) at the track they happened in, and the key
// tracks (asked for, skipped, liked, disliked) are labelled with their
// titles. A drive with vehicle context shows it in bands under the
// trajectory (tinted by the traffic), and its arrival as a solid line. The legend sits right of the plot, outside the data, and shows
// each symbol in the colour it has in the plot. Tracks without a value are
// left out.
func WritePlot(path string, res *Result) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "Mood trajectory: " + filepath.Base(res.Script)
	p.X.Label.Text = "track"
	p.Y.Label.Text = "valence / energy (0..1)"
	p.X.Min, p.X.Max = 0, float64(max(len(res.Tracks), 1)+1)
	p.Y.Min, p.Y.Max = 0, 1.12 // headroom for the marker labels
	p.X.Tick.Marker = trackTicks{}
	p.Add(plotter.NewGrid())
	if len(res.Context) > 0 {
		// The vehicle context runs in bands under the trajectory.
		p.Y.Min = bandLo
		p.Y.Label.Text = "valence / energy (0..1); vehicle context below"
		if err := addContextBands(p, res); err != nil {
			return err
		}
	}

	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	if err := addSeries(p, &leg, res.Tracks); err != nil {
		return err
	}
	if err := addMarkers(p, &leg, res); err != nil {
		return err
	}
	if err := addKeyTitles(p, res); err != nil {
		return err
	}
	return savePlot(p, leg, path)
}

// series are the two plotted features.
var series = []struct {
	name  string
	value func(Entry) float64
	shape draw.GlyphDrawer
	dash  []vg.Length
}{
	{"valence", func(e Entry) float64 { return e.Valence }, draw.CircleGlyph{}, nil},
	{"energy", func(e Entry) float64 { return e.Energy }, draw.PyramidGlyph{}, []vg.Length{vg.Points(4), vg.Points(3)}},
}

// addSeries plots valence and energy, coloured by family, and their legend
// entries: a series' symbol in its points' colour when one family played,
// black when several did (each family then has its own square).
func addSeries(p *plot.Plot, leg *plot.Legend, tracks []Entry) error {
	families := familyOrder(tracks)
	symbol := color.Color(color.Black)
	if len(families) == 1 {
		symbol = plotutil.Color(0)
	}
	plotted := map[string]bool{}
	for _, s := range series {
		var all plotter.XYs
		byFamily := make(map[string]plotter.XYs, len(families))
		for _, e := range tracks {
			v := s.value(e)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			pt := plotter.XY{X: float64(e.Index), Y: v}
			all = append(all, pt)
			byFamily[familyName(e)] = append(byFamily[familyName(e)], pt)
		}
		if len(all) == 0 {
			continue
		}
		line, err := plotter.NewLine(all)
		if err != nil {
			return fmt.Errorf("plot %s: %w", s.name, err)
		}
		line.Color = color.Gray{Y: 110}
		line.Dashes = s.dash
		p.Add(line)
		leg.Add(s.name, &legendGlyph{line: line, shape: s.shape, color: symbol})
		for i, fam := range families {
			pts := byFamily[fam]
			if len(pts) == 0 {
				continue
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return fmt.Errorf("plot %s: %w", s.name, err)
			}
			sc.Shape = s.shape
			sc.Color = plotutil.Color(i)
			sc.Radius = vg.Points(4)
			p.Add(sc)
			plotted[fam] = true
		}
	}
	for i, fam := range families {
		if plotted[fam] {
			leg.Add(fam, swatch{plotutil.Color(i)})
		}
	}
	return nil
}

// markerKinds are the actions marked on the plot, and their colours.
var markerKinds = []struct {
	op    Op
	color color.Color
}{
	{OpAsk, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}},
	{OpSkip, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}},
	{OpLike, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}},
	{OpDislike, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}},
	{OpMood, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}},
}

// markerX is where an action is drawn: on the track it acted on, or half
// a track before the first when none was playing yet.
func markerX(st StepEvent) float64 { return math.Max(float64(st.Track), 0.5) }

// addMarkers draws a dashed vertical line per action, labelled at the top
// (labels of actions on the same track stack downwards).
func addMarkers(p *plot.Plot, leg *plot.Legend, res *Result) error {
	stacked := map[float64]int{}
	for _, k := range markerKinds {
		var thumb *plotter.Line
		for _, st := range res.Steps {
			if st.Op != k.op || st.Err != "" {
				continue
			}
			x := markerX(st)
			line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: 1}})
			if err != nil {
				return fmt.Errorf("plot marker: %w", err)
			}
			line.Color, line.Dashes, line.Width = k.color, []vg.Length{vg.Points(2), vg.Points(2)}, vg.Points(1)
			p.Add(line)
			text := k.op.String()
			if k.op == OpMood {
				text = strings.TrimPrefix(st.Step, "mood ")
			}
			lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: 1.1 - 0.045*float64(stacked[x])}}, Labels: []string{text}})
			if err != nil {
				return fmt.Errorf("plot marker label: %w", err)
			}
			stacked[x]++
			for i := range lbl.TextStyle {
				lbl.TextStyle[i].Color = k.color
				lbl.TextStyle[i].XAlign = -0.5
				lbl.TextStyle[i].Font.Size = vg.Points(8)
			}
			p.Add(lbl)
			thumb = line
		}
		if thumb != nil {
			name := k.op.String()
			if k.op == OpMood {
				name = "mood change"
			}
			leg.Add(name, thumb)
		}
	}
	return nil
}

// addKeyTitles labels the tracks the driver acted on: the one asked for,
// and those skipped, liked or disliked.
func addKeyTitles(p *plot.Plot, res *Result) error {
	key := map[int]bool{}
	for _, st := range res.Steps {
		switch {
		case st.Err != "":
		case st.Op == OpAsk, st.Op == OpSkip, st.Op == OpLike, st.Op == OpDislike:
			key[st.Track] = true
		}
	}
	var xys plotter.XYs
	var labels []string
	for _, e := range res.Tracks {
		if !key[e.Index] || e.Title == "" {
			continue
		}
		y := e.Valence
		if math.IsNaN(y) || math.IsInf(y, 0) {
			if y = e.Energy; math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
		}
		xys = append(xys, plotter.XY{X: float64(e.Index), Y: y})
		labels = append(labels, clip(e.Title, 24))
	}
	if len(xys) == 0 {
		return nil
	}
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return fmt.Errorf("plot titles: %w", err)
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].Font.Size = vg.Points(7)
		lbl.TextStyle[i].XAlign = -0.5
		lbl.TextStyle[i].YAlign = 0.6 // above the point
		lbl.TextStyle[i].Color = color.Gray{Y: 40}
	}
	p.Add(lbl)
	return nil
}

// savePlot draws the plot on the left and the legend in a column to its
// right, outside the data, then writes the file.
func savePlot(p *plot.Plot, leg plot.Legend, path string) error {
	const w, h = 10 * vg.Inch, 5 * vg.Inch
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	dc := draw.New(c)
	legW := leg.Rectangle(dc).Size().X + vg.Points(16)
	p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
	leg.Draw(draw.Crop(dc, w-legW+vg.Points(8), 0, 0, -vg.Points(30)))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("save plot: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("save plot %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save plot %s: %w", path, err)
	}
	return nil
}

// CheckPlotPath refuses, before a drive, a plot file WritePlot could not
// write: a format other than .svg or .png, or a directory that does not
// exist.
func CheckPlotPath(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".svg" && ext != ".png" {
		return music.Errorf(music.KindInvalid, "plot %s: unsupported format %q: want a .svg or .png file", path, ext)
	}
	if dir := filepath.Dir(path); dir != "." {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return music.Errorf(music.KindInvalid, "plot %s: directory %s does not exist", path, dir)
		}
	}
	return nil
}

func familyName(e Entry) string {
	if e.Family == "" {
		return "unknown"
	}
	return e.Family
}

// familyOrder lists the families in order of first appearance, so colours
// follow the drive.
func familyOrder(entries []Entry) []string {
	var order []string
	seen := map[string]bool{}
	for _, e := range entries {
		if f := familyName(e); !seen[f] {
			seen[f] = true
			order = append(order, f)
		}
	}
	return order
}

// legendGlyph shows a series in the legend as its line plus its point
// shape, in the colour of its points.
type legendGlyph struct {
	line  *plotter.Line
	shape draw.GlyphDrawer
	color color.Color
}

func (g *legendGlyph) Thumbnail(c *draw.Canvas) {
	g.line.Thumbnail(c)
	center := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: g.color, Radius: vg.Points(4), Shape: g.shape}, center)
}

// swatch shows a family in the legend as a filled square of its colour.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	center := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: s.color, Radius: vg.Points(4), Shape: draw.BoxGlyph{}}, center)
}

// trackTicks labels the x axis with whole track numbers, at most about a
// dozen labels however long the drive.
type trackTicks struct{}

func (trackTicks) Ticks(lo, hi float64) []plot.Tick {
	step := max(1, int(math.Ceil((hi-lo)/12)))
	var ticks []plot.Tick
	for i := int(math.Ceil(lo)); float64(i) <= hi; i++ {
		t := plot.Tick{Value: float64(i)}
		if i%step == 0 && i > 0 {
			t.Label = strconv.Itoa(i)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
