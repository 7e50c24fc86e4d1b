package recommend

import "github.com/continuo/continuo/internal/incar"

// Steer is the vehicle context's pull on the ranking: the active driving
// conditions and the learned model of their effects. The zero value (no
// conditions or no model) steers nothing: rankings are exactly those without
// it.
type Steer struct {
	Conditions []incar.Condition // active conditions, mapped by internal/vehicle
	Model      *incar.Model
}

// active reports whether the steer can change anything.
func (st *Steer) active() bool { return st.Model != nil && len(st.Conditions) > 0 }
