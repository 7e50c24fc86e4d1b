package busval

import (
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
)

func TestReads(t *testing.T) {
	d := map[string]dbus.Variant{
		"s":  dbus.MakeVariant("x"),
		"as": dbus.MakeVariant([]string{"a", "b"}),
		"u":  dbus.MakeVariant(uint32(7)),
	}
	for _, tc := range []struct {
		key  string
		str  string
		strs []string
		u    uint32
	}{
		{"s", "x", []string{"x"}, 0},
		{"as", "", []string{"a", "b"}, 0},
		{"u", "", []string{}, 7},
		{"missing", "", []string{}, 0},
	} {
		assert.Equal(t, tc.str, Get[string](d, tc.key), tc.key)
		assert.Equal(t, tc.strs, Strings(d, tc.key), tc.key)
		assert.Equal(t, tc.u, Get[uint32](d, tc.key), tc.key)
	}
	sig := &dbus.Signal{Body: []any{"a", uint32(2)}}
	s, ok := Arg[string](sig, 0)
	assert.True(t, ok)
	assert.Equal(t, "a", s)
	_, ok = Arg[string](sig, 1)
	assert.False(t, ok, "wrong type")
	_, ok = Arg[string](sig, 2)
	assert.False(t, ok, "missing")
}
