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
// families, named in the legend. Tracks without a value are left out.
func WritePlot(path string, res *Result) error {
	if err := CheckPlotPath(path); err != nil {
		return err
	}
	p := plot.New()
	p.Title.Text = "Mood trajectory: " + filepath.Base(res.Script)
	p.X.Label.Text = "track"
	p.Y.Label.Text = "valence / energy (0..1)"
	p.X.Min, p.X.Max = 0, float64(max(len(res.Tracks), 1)+1)
	p.Y.Min, p.Y.Max = 0, 1
	p.X.Tick.Marker = trackTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true

	series := []struct {
		name  string
		value func(Entry) float64
		shape draw.GlyphDrawer
		dash  []vg.Length
	}{
		{"valence", func(e Entry) float64 { return e.Valence }, draw.CircleGlyph{}, nil},
		{"energy", func(e Entry) float64 { return e.Energy }, draw.PyramidGlyph{}, []vg.Length{vg.Points(4), vg.Points(3)}},
	}
	families := familyOrder(res.Tracks)
	plotted := map[string]bool{}
	for _, s := range series {
		var all plotter.XYs
		byFamily := make(map[string]plotter.XYs, len(families))
		for _, e := range res.Tracks {
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
		p.Legend.Add(s.name, &legendGlyph{line: line, shape: s.shape})
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
	// One legend entry per family, shown as a filled square of its colour.
	for i, fam := range families {
		if !plotted[fam] {
			continue
		}
		sc, err := plotter.NewScatter(plotter.XYs{{X: -1, Y: -1}})
		if err != nil {
			return fmt.Errorf("plot legend: %w", err)
		}
		sc.Shape = draw.BoxGlyph{}
		sc.Color = plotutil.Color(i)
		p.Legend.Add(fam, sc)
	}
	if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
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

// legendGlyph shows a series in the legend as its line plus its point shape.
type legendGlyph struct {
	line  *plotter.Line
	shape draw.GlyphDrawer
}

func (g *legendGlyph) Thumbnail(c *draw.Canvas) {
	g.line.Thumbnail(c)
	center := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: color.Gray{Y: 60}, Radius: vg.Points(3), Shape: g.shape}, center)
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
