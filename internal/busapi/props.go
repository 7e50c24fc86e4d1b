package busapi

import (
	"context"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
)

// propertiesIntrospection describes org.freedesktop.DBus.Properties.
const propertiesIntrospection = prop.IntrospectDataString

// properties implements org.freedesktop.DBus.Properties by hand rather than
// with godbus/prop: the values live in the drive core (one source of truth),
// and Set needs the caller's name for the privilege check, which prop's
// callbacks do not get.
type properties struct{ s *Server }

// propValues is the property table. catalogSize and version are passed in
// by Get/GetAll; StateChanged passes zero values since they never change.
func propValues(st drive.State, catalogSize uint32, version string) map[string]dbus.Variant {
	m := map[string]dbus.Variant{
		"ActivePlayer":    dbus.MakeVariant(st.ActivePlayer),
		"ActiveProfile":   dbus.MakeVariant(st.ActiveProfile),
		"QueueDepth":      dbus.MakeVariant(uint32(st.QueueDepth)),
		"ExplicitAllowed": dbus.MakeVariant(st.ExplicitAllowed),
		"Mood":            dbus.MakeVariant(st.Mood),
		"QueueMechanism":  dbus.MakeVariant(st.Mechanism),
	}
	if version != "" {
		m["Version"] = dbus.MakeVariant(version)
		m["CatalogSize"] = dbus.MakeVariant(catalogSize)
	}
	return m
}

func (p properties) all() map[string]dbus.Variant {
	return propValues(p.s.core.State(), uint32(p.s.core.CatalogSize()), p.s.opts.Version)
}

func (p properties) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	if iface != Interface {
		return dbus.Variant{}, prop.ErrIfaceNotFound
	}
	v, ok := p.all()[name]
	if !ok {
		return dbus.Variant{}, prop.ErrPropNotFound
	}
	return v, nil
}

func (p properties) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	if iface != Interface {
		return nil, prop.ErrIfaceNotFound
	}
	return p.all(), nil
}

func (p properties) Set(iface, name string, v dbus.Variant, sender dbus.Sender) *dbus.Error {
	if iface != Interface {
		return prop.ErrIfaceNotFound
	}
	if _, ok := p.all()[name]; !ok {
		return prop.ErrPropNotFound
	}
	ctx, cancel := p.s.call()
	defer cancel()
	set, derr := p.setter(name, v)
	if derr != nil {
		return derr
	}
	if err := p.s.authorize(ctx, sender); err != nil {
		return p.s.toDBus("Set "+name, err)
	}
	return p.s.toDBus("Set "+name, set(ctx))
}

// setter checks the new value's type and range and returns the core call.
func (p properties) setter(name string, v dbus.Variant) (func(ctx context.Context) error, *dbus.Error) {
	core := p.s.core
	switch name {
	case "ActiveProfile":
		s, ok := v.Value().(string)
		if !ok {
			return nil, invalid("ActiveProfile must be a string (s), got %s", v.Signature())
		}
		if err := checkText("ActiveProfile", s, 64); err != nil {
			return nil, err
		}
		if err := drive.CheckProfile(s); err != nil {
			return nil, invalid("ActiveProfile: %s", music.MessageOf(err))
		}
		return func(ctx context.Context) error { return core.SetProfile(ctx, s) }, nil
	case "QueueDepth":
		n, ok := v.Value().(uint32)
		if !ok {
			return nil, invalid("QueueDepth must be uint32 (u), got %s", v.Signature())
		}
		if n < 1 || n > 20 {
			return nil, invalid("QueueDepth must be 1..20, got %d", n)
		}
		return func(ctx context.Context) error { return core.SetQueueDepth(ctx, int(n)) }, nil
	case "ExplicitAllowed":
		b, ok := v.Value().(bool)
		if !ok {
			return nil, invalid("ExplicitAllowed must be a boolean (b), got %s", v.Signature())
		}
		return func(ctx context.Context) error { return core.SetExplicitAllowed(ctx, b) }, nil
	case "Mood":
		s, ok := v.Value().(string)
		if !ok {
			return nil, invalid("Mood must be a string (s), got %s", v.Signature())
		}
		if err := drive.CheckMood(s); err != nil {
			return nil, invalid("Mood: %s", music.MessageOf(err))
		}
		return func(ctx context.Context) error { return core.SetMood(ctx, s) }, nil
	}
	return nil, prop.ErrReadOnly
}
