package emulator

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// bandY is where the context bands sit, under the 0..1 mood axis.
const bandLo, bandHi = -0.30, -0.04

// trafficColors tint a band by the traffic in force (the most telling
// key for the music); no traffic reported is grey.
var trafficColors = map[string]color.Color{
	"free":  color.RGBA{R: 0xc7, G: 0xe9, B: 0xc0, A: 0xff},
	"dense": color.RGBA{R: 0xfd, G: 0xd0, B: 0xa2, A: 0xff},
	"jam":   color.RGBA{R: 0xfc, G: 0xae, B: 0x91, A: 0xff},
	"":      color.RGBA{R: 0xe0, G: 0xe0, B: 0xe0, A: 0xff},
}

// contextBand is the context in force over a span of tracks.
type contextBand struct {
	from, to float64 // x: from the track it was set on to the next change
	label    string
	traffic  string
}

// contextBands turns the drive's context steps into bands: each carries
// everything in force (a step changes only the names it gives).
func contextBands(res *Result) []contextBand {
	var bands []contextBand
	inForce := map[string]string{}
	var order []string
	end := float64(max(len(res.Tracks), 1)) + 0.5
	for _, c := range res.Context {
		if len(c.Settings) == 0 {
			continue // arrive: drawn as the arrival line
		}
		for _, s := range c.Settings {
			if _, ok := inForce[s.Name]; !ok {
				order = append(order, s.Name)
			}
			inForce[s.Name] = s.Text
		}
		parts := make([]string, 0, len(order))
		for _, n := range order {
			parts = append(parts, n+"="+inForce[n])
		}
		x := math.Max(float64(c.Track), 1) - 0.5
		if n := len(bands); n > 0 {
			if bands[n-1].from == x {
				bands = bands[:n-1] // replaced on the same track
			} else {
				bands[n-1].to = x
			}
		}
		bands = append(bands, contextBand{from: x, to: end, label: strings.Join(parts, " "), traffic: inForce["traffic"]})
	}
	return bands
}

// addContextBands draws the context under the trajectory, and the arrival.
func addContextBands(p *plot.Plot, res *Result) error {
	bands := contextBands(res)
	for _, b := range bands {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: b.from, Y: bandLo}, {X: b.to, Y: bandLo}, {X: b.to, Y: bandHi}, {X: b.from, Y: bandHi}})
		if err != nil {
			return fmt.Errorf("plot context band: %w", err)
		}
		poly.Color = trafficColors[b.traffic]
		if poly.Color == nil {
			poly.Color = trafficColors[""]
		}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	// Labels after every band, so no band covers its neighbour's label;
	// alternate rows so neighbouring labels do not overlap.
	for i, b := range bands {
		y := bandHi - 0.07 - 0.1*float64(i%2)
		lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: b.from + 0.05, Y: y}}, Labels: []string{clip(b.label, 60)}})
		if err != nil {
			return fmt.Errorf("plot context label: %w", err)
		}
		for j := range lbl.TextStyle {
			lbl.TextStyle[j].Font.Size = vg.Points(7)
		}
		p.Add(lbl)
	}
	return addArrival(p, res)
}

func addArrival(p *plot.Plot, res *Result) error {
	a := res.Arrival
	if a == nil {
		return nil
	}
	x := math.Max(float64(a.Track), 0.5)
	line, err := plotter.NewLine(plotter.XYs{{X: x, Y: bandLo}, {X: x, Y: 1}})
	if err != nil {
		return fmt.Errorf("plot arrival: %w", err)
	}
	line.Color, line.Width = color.Black, vg.Points(1.5)
	p.Add(line)
	text := fmt.Sprintf("arrival (%s left)", a.Left.Round(1e9))
	if a.Cut {
		text = fmt.Sprintf("arrival: cut, %s left", a.Left.Round(1e9))
	}
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: 1.02}}, Labels: []string{text}})
	if err != nil {
		return fmt.Errorf("plot arrival label: %w", err)
	}
	lbl.TextStyle[0].Font.Size = vg.Points(8)
	lbl.TextStyle[0].XAlign = -1
	p.Add(lbl)
	return nil
}
