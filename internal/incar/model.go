package incar

// Model is the learned, shrunk table of condition effects. The zero value
// and nil have no effects: every lookup answers "no effect".
type Model struct {
	effects map[Condition]*Effect
}

// Effect is what one condition does to ratings (filled by the learned table).
type Effect struct {
	Condition Condition
}

// Effect returns the learned effect of c, or nil when the model has none.
func (m *Model) Effect(c Condition) *Effect {
	if m == nil {
		return nil
	}
	return m.effects[c]
}

// Default returns the table written at build time and embedded in the
// binary.
func Default() *Model { return &Model{} }
