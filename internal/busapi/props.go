package busapi

import (
	"context"
	"reflect"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// propertiesIntrospection describes org.freedesktop.DBus.Properties.
const propertiesIntrospection = prop.IntrospectDataString

// properties implements org.freedesktop.DBus.Properties by hand rather than
// with godbus/prop: the values live in the drive core (one source of truth),
// Set needs the caller's name for the privilege check, which prop's
// callbacks do not get, and prop answers with non-standard, empty errors
// (org.freedesktop.DBus.Properties.Error.*). Types and access come from the
// contract XML.
type properties struct{ s *Server }

// propValues are the properties that follow the drive's state; StateChanged
// announces the ones that changed.
func propValues(st drive.State) map[string]dbus.Variant {
	return map[string]dbus.Variant{
		"ActivePlayer":    dbus.MakeVariant(st.ActivePlayer),
		"ActiveProfile":   dbus.MakeVariant(st.ActiveProfile),
		"QueueDepth":      dbus.MakeVariant(uint32(st.QueueDepth)),
		"ExplicitAllowed": dbus.MakeVariant(st.ExplicitAllowed),
		"Mood":            dbus.MakeVariant(st.Mood),
		"QueueMechanism":  dbus.MakeVariant(st.Mechanism),
		"Queue":           dbus.MakeVariant(trackDicts(st.Queue)),
		"Context":         dbus.MakeVariant(st.Vehicle.Dict()),
	}
}

// changedProps returns the properties whose values differ between two states.
func changedProps(old, now drive.State) map[string]dbus.Variant {
	before := propValues(old)
	changed := map[string]dbus.Variant{}
	for name, v := range propValues(now) {
		if !reflect.DeepEqual(before[name].Value(), v.Value()) {
			changed[name] = v
		}
	}
	return changed
}

func (p properties) all() map[string]dbus.Variant {
	m := propValues(p.s.core.State())
	m["Version"] = dbus.MakeVariant(p.s.opts.Version)
	m["CatalogSize"] = dbus.MakeVariant(uint32(p.s.core.CatalogSize()))
	m["HistoryRecovered"] = dbus.MakeVariant(p.s.core.HistoryRecovered() != "")
	return m
}

// checkIface accepts our interface, and "" for it as the D-Bus
// specification allows.
func checkIface(iface string) *dbus.Error {
	if iface != Interface && iface != "" {
		return standardError(nameUnknownInterface, "%s has no interface %s (its properties are on %s)", Path, music.Echo(iface), Interface)
	}
	return nil
}

// lookupProp finds a property of the contract.
func lookupProp(iface, name string) (propSpec, *dbus.Error) {
	if err := checkIface(iface); err != nil {
		return propSpec{}, err
	}
	spec, ok := contractProps[name]
	if !ok {
		return propSpec{}, standardError(nameUnknownProperty, "%s has no property %s", Interface, music.Echo(name))
	}
	return spec, nil
}

func (p properties) Get(msg dbus.Message, _, _ dbus.Variant) (dbus.Variant, *dbus.Error) {
	var iface, name string
	if err := decode(msg, &iface, &name); err != nil {
		return dbus.Variant{}, err
	}
	if _, err := lookupProp(iface, name); err != nil {
		return dbus.Variant{}, err
	}
	return p.all()[name], nil
}

func (p properties) GetAll(msg dbus.Message, _ dbus.Variant) (map[string]dbus.Variant, *dbus.Error) {
	var iface string
	if err := decode(msg, &iface); err != nil {
		return nil, err
	}
	if err := checkIface(iface); err != nil {
		return nil, err
	}
	return p.all(), nil
}

// Set checks, in this order: the call's signature, that the property exists
// and is writable, the caller's privilege, the value's type, its value.
// So an unprivileged caller learns nothing about valid values.
func (p properties) Set(msg dbus.Message, sender dbus.Sender, _, _, _ dbus.Variant) *dbus.Error {
	var iface, name string
	var v dbus.Variant
	if err := decode(msg, &iface, &name, &v); err != nil {
		return err
	}
	spec, derr := lookupProp(iface, name)
	if derr != nil {
		return derr
	}
	if spec.access != "readwrite" {
		return standardError(namePropertyReadOnly, "property %s is read-only", name)
	}
	ctx, cancel := p.s.call()
	defer cancel()
	if err := p.s.authorize(ctx, sender); err != nil {
		return p.s.toDBus("Set "+name, err)
	}
	if got := v.Signature().String(); got != spec.typ {
		return invalidArgs("property %s is %s, got a variant of %s", name, typeName(spec.typ), typeName(got))
	}
	set, derr := p.setter(name, v.Value())
	if derr != nil {
		return derr
	}
	return p.s.toDBus("Set "+name, set(ctx))
}

// setter checks the new value (its type is the contract's) and returns the
// core call.
func (p properties) setter(name string, v any) (func(ctx context.Context) error, *dbus.Error) {
	core := p.s.core
	switch name {
	case "ActiveProfile":
		s, _ := v.(string)
		if err := checkText("ActiveProfile", s, 64); err != nil {
			return nil, err
		}
		if err := drive.CheckProfile(s); err != nil {
			return nil, invalid("ActiveProfile: %s", music.MessageOf(err))
		}
		return func(ctx context.Context) error { return core.SetProfile(ctx, s) }, nil
	case "QueueDepth":
		n, _ := v.(uint32)
		if n < 1 || n > 20 {
			return nil, invalid("QueueDepth must be 1..20, got %d", n)
		}
		return func(ctx context.Context) error { return core.SetQueueDepth(ctx, int(n)) }, nil
	case "ExplicitAllowed":
		b, _ := v.(bool)
		return func(ctx context.Context) error { return core.SetExplicitAllowed(ctx, b) }, nil
	case "Mood":
		s, _ := v.(string)
		if err := drive.CheckMood(s); err != nil {
			return nil, invalid("Mood: %s", music.MessageOf(err))
		}
		return func(ctx context.Context) error { return core.SetMood(ctx, s) }, nil
	}
	// A readwrite property of the contract without a setter: a bug.
	return nil, dbus.NewError(nameInternal, []any{"internal error"})
}
