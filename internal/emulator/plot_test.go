package emulator

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
)

func plotResult() *Result {
	nan := math.NaN()
	return &Result{Script: "testdata/drives/swan-lake.drive", Tracks: []Entry{
		{Index: 1, Title: "Scene", Family: "classical", Valence: 0.2, Energy: 0.3, Outcome: music.OutcomeCompleted},
		{Index: 2, Title: "Waltz", Family: "classical", Valence: 0.5, Energy: 0.4, Outcome: music.OutcomeSkipped},
		{Index: 3, Title: "Rap", Family: "hip hop", Valence: 0.6, Energy: 0.9, Outcome: music.OutcomeCompleted},
		{Index: 4, Title: "Unknown", Valence: nan, Energy: nan, Outcome: music.OutcomePlaying},
	}}
}

func TestWritePlotSVG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drive.svg")
	require.NoError(t, WritePlot(path, plotResult()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var root struct {
		XMLName xml.Name
	}
	require.NoError(t, xml.NewDecoder(bytes.NewReader(data)).Decode(&root))
	assert.Equal(t, "svg", root.XMLName.Local)
	assert.Contains(t, string(data), "Mood trajectory: swan-lake.drive")
	assert.Contains(t, string(data), "hip hop", "the legend names the families")
}

func TestWritePlotPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drive.PNG")
	require.NoError(t, WritePlot(path, plotResult()))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	require.NoError(t, err)
	assert.Positive(t, cfg.Width)
	assert.Greater(t, cfg.Width, cfg.Height, "landscape, 8x5 in")
}

func TestWritePlotEmptyAndBad(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WritePlot(filepath.Join(dir, "empty.svg"), &Result{Script: "x"}))
	err := WritePlot(filepath.Join(dir, "x.pdf"), plotResult())
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
	err = WritePlot(filepath.Join(dir, "missing", "x.svg"), plotResult())
	assert.Error(t, err)
}

func TestWritePlotMarkersAndTitles(t *testing.T) {
	res := plotResult()
	res.Steps = []StepEvent{
		{Op: OpAsk, Step: `ask "scene"`, Track: 1},
		{Op: OpSkip, Step: "skip after 12s", Track: 2},
		{Op: OpLike, Step: "like", Track: 3},
		{Op: OpMood, Step: "mood calm", Track: 3},
		{Op: OpDislike, Step: "dislike", Track: 3, Err: "no current track"},
	}
	path := filepath.Join(t.TempDir(), "drive.svg")
	require.NoError(t, WritePlot(path, res))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(data)
	for _, want := range []string{">ask<", ">skip<", ">like<", ">calm<", "mood change", ">Scene<", ">Waltz<", ">Rap<"} {
		assert.Contains(t, svg, want)
	}
	assert.NotContains(t, svg, ">dislike<", "a failed step is not marked")
	assert.NotContains(t, svg, ">Unknown<", "only key tracks are titled")
}

func TestContextBands(t *testing.T) {
	set := func(pairs ...string) []ContextSetting {
		var out []ContextSetting
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, ContextSetting{Name: pairs[i], Text: pairs[i+1]})
		}
		return out
	}
	res := plotResult()
	res.Context = []ContextChange{
		{Track: 0, Settings: set("road", "city", "traffic", "dense")},
		{Track: 0, Arrive: 20 * 60e9},
		{Track: 2, Settings: set("traffic", "free", "speed", "120")},
		{Track: 3, Settings: set("traffic", "jam")},
		{Track: 3, Settings: set("speed", "10")}, // same track: replaces the band
	}
	assert.Equal(t, []contextBand{
		{from: 0.5, to: 1.5, label: "road=city traffic=dense", traffic: "dense"},
		{from: 1.5, to: 2.5, label: "road=city traffic=free speed=120", traffic: "free"},
		{from: 2.5, to: 4.5, label: "road=city traffic=jam speed=10", traffic: "jam"},
	}, contextBands(res))

	res.Arrival = &Arrival{Track: 4, Title: "Unknown", Left: 90e9, Cut: true}
	path := filepath.Join(t.TempDir(), "drive.svg")
	require.NoError(t, WritePlot(path, res))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), "road=city traffic=jam speed=10")
	assert.Contains(t, string(data), "arrival: cut, 1m30s left")
}

func TestTranscriptArrival(t *testing.T) {
	a := Arrival{At: 27 * 60e9, Track: 8, Title: "Scream & Shout", Left: 15e9}
	var human, lines bytes.Buffer
	NewTranscript(&human, "commute.drive", false).Arrival(a)
	assert.Contains(t, human.String(), `arrival at 27m0s: track 8 "Scream & Shout" ends with the drive (15s left)`)
	a.Cut, a.Left = true, 90e9
	NewTranscript(&lines, "commute.drive", true).Arrival(a)
	assert.JSONEq(t, `{"event":"arrival","at_s":1620,"track":8,"title":"Scream & Shout","left_s":90,"cut":true}`, lines.String())
}
