package busapi

import (
	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/vehicle"
)

// SetContext takes the vehicle context from the integrator's bridge. It is
// privileged like Properties.Set: Continuo.ChildrenPresent keeps explicit
// tracks out and FatigueLevel and Traffic change what plays, so an app on
// the bus must not be able to say "no children aboard". The caller is
// checked before any value, then the whole dictionary (vehicle.Decode),
// and only a dictionary with no problem reaches the core.
func (m methods) SetContext(msg dbus.Message, sender dbus.Sender, _ dbus.Variant) *dbus.Error {
	var in map[string]dbus.Variant
	if err := decode(msg, &in); err != nil {
		return err
	}
	ctx, cancel := m.s.call()
	defer cancel()
	if err := m.s.authorize(ctx, sender); err != nil {
		return m.s.toDBus("SetContext", err)
	}
	up, err := vehicle.Decode(in)
	if err != nil {
		return m.s.toDBus("SetContext", err)
	}
	return m.s.toDBus("SetContext", m.s.core.SetContext(ctx, up))
}
