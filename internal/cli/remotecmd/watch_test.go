package remotecmd

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestToWatchEvents(t *testing.T) {
	queue := []map[string]dbus.Variant{{"continuo:id": dbus.MakeVariant("a"), "xesam:title": dbus.MakeVariant("A")}}
	cases := []struct {
		name string
		sig  *dbus.Signal
		want []string // event kinds
	}{
		{"queue", &dbus.Signal{Name: iface + ".QueueUpdated", Body: []any{queue}}, []string{"queue"}},
		{"played", &dbus.Signal{Name: iface + ".Played", Body: []any{"a", "skipped"}}, []string{"played"}},
		{"properties, one per line", &dbus.Signal{Name: "org.freedesktop.DBus.Properties.PropertiesChanged",
			Body: []any{iface, map[string]dbus.Variant{"Mood": dbus.MakeVariant("calm"), "QueueDepth": dbus.MakeVariant(uint32(4))}, []string{}}}, []string{"property", "property"}},
		{"daemon left", &dbus.Signal{Name: "org.freedesktop.DBus.NameOwnerChanged", Body: []any{busName, ":1.4", ""}}, []string{"daemon"}},
		{"queue of the wrong type", &dbus.Signal{Name: iface + ".QueueUpdated", Body: []any{"x"}}, nil},
		{"played without outcome", &dbus.Signal{Name: iface + ".Played", Body: []any{"a"}}, nil},
		{"unknown signal", &dbus.Signal{Name: "org.example.Other"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs := toWatchEvents(tc.sig)
			var kinds []string
			for _, ev := range evs {
				kinds = append(kinds, ev.Event)
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, ev.Time)
			}
			assert.Equal(t, tc.want, kinds)
		})
	}
}

// FuzzToWatchEvents: whatever a sender puts in a signal body, decoding
// drops it or decodes it, and never panics.
func FuzzToWatchEvents(f *testing.F) {
	f.Add(0, "a", "skipped", uint8(0))
	f.Add(2, "Mood", "calm", uint8(1))
	f.Add(3, busName, "", uint8(2))
	names := []string{iface + ".QueueUpdated", iface + ".Played", "org.freedesktop.DBus.Properties.PropertiesChanged", "org.freedesktop.DBus.NameOwnerChanged"}
	f.Fuzz(func(t *testing.T, which int, a, b string, shape uint8) {
		bodies := [][]any{
			{a, b}, {a}, nil, {a, map[string]dbus.Variant{b: dbus.MakeVariant(a)}},
			{[]map[string]dbus.Variant{{a: dbus.MakeVariant(b)}}}, {a, b, a}, {int32(len(a)), []string{b}},
		}
		sig := &dbus.Signal{Name: names[(which%len(names)+len(names))%len(names)], Body: bodies[int(shape)%len(bodies)]}
		r := &runner{stdout: discard{}, g: Globals{JSON: shape%2 == 0}}
		for _, ev := range toWatchEvents(sig) {
			require.NoError(t, r.printWatch(ev))
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
