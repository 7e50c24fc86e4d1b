package incar

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
)

// Cell is one learned number with its evidence: the raw estimate from N
// ratings, its sampling variance s²/N, the empirical-Bayes shrink factor
// τ²/(τ²+s²/N) and the shrunk value Shift = Shrink·Raw that ranking uses.
type Cell struct {
	N      int     `json:"n"`
	Raw    float64 `json:"raw"`
	Var    float64 `json:"var"`
	Shrink float64 `json:"shrink"`
	Shift  float64 `json:"shift"`
}

// FamilyCell is how much more (or less) one genre family's ratings shift
// under a condition than the condition's overall shift.
type FamilyCell struct {
	Family string `json:"family"`
	Cell
}

// Effect is what one condition does to ratings, against the same user's
// no-context rating of the same item: the mean shift over all items, each
// Continuo genre family's deviation from it, and per audio feature the slope of the
// shift (rating points per raw unit of the feature: 0..1 for energy,
// valence and acousticness, log(BPM) for tempo).
type Effect struct {
	Condition Condition         `json:"condition"`
	Overall   Cell              `json:"overall"`
	Families  []FamilyCell      `json:"families"`
	Features  [NumFeatures]Cell `json:"features"`
}

// Family returns the family's cell, if the condition has ratings of it.
func (e *Effect) Family(name string) (Cell, bool) {
	for _, f := range e.Families {
		if f.Family == name {
			return f.Cell, true
		}
	}
	return Cell{}, false
}

// Model is the learned, shrunk table of condition effects. nil and the zero
// value have no effects. A Model is not changed after Learn or Decode.
type Model struct {
	Source      string               `json:"source"`
	Users       int                  `json:"users"`
	Ratings     int                  `json:"ratings"`
	Pairs       int                  `json:"pairs"`        // user-item pairs with a no-context baseline
	Shifts      int                  `json:"shifts"`       // contextual ratings with a baseline
	Joined      int                  `json:"joined"`       // items with audio features
	FeatureMean [NumFeatures]float64 `json:"feature_mean"` // over the joined items
	Tau2        map[string]float64   `json:"tau2"`         // between-cell variance per group of cells
	Effects     []Effect             `json:"effects"`

	index map[Condition]int
}

// Effect returns the learned effect of c, or nil when the model has none
// (weather, an unknown condition, a nil model).
func (m *Model) Effect(c Condition) *Effect {
	if m == nil {
		return nil
	}
	if i, ok := m.index[c]; ok {
		return &m.Effects[i]
	}
	return nil
}

// ItemShift is the learned rating shift of an item under c: the
// condition's shrunk overall shift, plus its family's shrunk deviation,
// plus, for an item with audio features, the shrunk feature slopes times
// the item's distance from the mean of the joined items.
func (m *Model) ItemShift(c Condition, family string, feat *[NumFeatures]float64) float64 {
	e := m.Effect(c)
	if e == nil {
		return 0
	}
	shift := e.Overall.Shift
	if f, ok := e.Family(family); ok {
		shift += f.Shift
	}
	if feat != nil {
		for d := range feat {
			shift += e.Features[d].Shift * (feat[d] - m.FeatureMean[d])
		}
	}
	return shift
}

func (m *Model) reindex() {
	m.index = make(map[Condition]int, len(m.Effects))
	for i, e := range m.Effects {
		m.index[e.Condition] = i
	}
}

// Encode writes the model as indented JSON, numbers rounded to 4 decimals
// so the generated file is stable across platforms and readable in a diff.
func (m *Model) Encode(w io.Writer) error {
	r := *m
	r.Effects = make([]Effect, len(m.Effects))
	for i, e := range m.Effects {
		e.Overall = e.Overall.rounded()
		e.Families = append([]FamilyCell(nil), e.Families...)
		for j := range e.Families {
			e.Families[j].Cell = e.Families[j].Cell.rounded()
		}
		for d := range e.Features {
			e.Features[d] = e.Features[d].rounded()
		}
		r.Effects[i] = e
	}
	for d := range r.FeatureMean {
		r.FeatureMean[d] = round4(r.FeatureMean[d])
	}
	r.Tau2 = map[string]float64{}
	for k, v := range m.Tau2 {
		r.Tau2[k] = round6(v)
	}
	b, err := json.MarshalIndent(&r, "", "  ")
	if err != nil {
		return fmt.Errorf("incar: encode model: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (c Cell) rounded() Cell {
	return Cell{N: c.N, Raw: round4(c.Raw), Var: round6(c.Var), Shrink: round4(c.Shrink), Shift: round4(c.Shift)}
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// Decode reads a model written by Encode, checking that every condition is
// valid and every number finite.
func Decode(r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("incar: decode model: %w", err)
	}
	for _, e := range m.Effects {
		if !e.Condition.Valid() {
			return nil, fmt.Errorf("incar: decode model: unknown condition %s", e.Condition)
		}
	}
	m.reindex()
	return &m, nil
}

//go:embed model.json
var embedded []byte

var defaultModel = sync.OnceValues(func() (*Model, error) { return Decode(bytes.NewReader(embedded)) })

// Default returns the table written at build time (make incar) and
// embedded in the binary. It panics only if the embedded file is corrupt,
// which the package's tests rule out.
func Default() *Model {
	m, err := defaultModel()
	if err != nil {
		panic(err)
	}
	return m
}
