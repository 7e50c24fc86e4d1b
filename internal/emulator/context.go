package emulator

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// ContextSetting is one NAME=VALUE of a context step: the script's short
// name, the daemon's key, and the value as written and as sent.
type ContextSetting struct {
	Name  string
	Key   string
	Text  string
	Value any // float64, bool or string
}

// contextNames are the short names a script uses for the daemon's context
// keys (docs/vehicle.md). The emulator checks only the form of a value
// (a number, on/off, a word); the daemon checks the rest, as it would a
// real bridge's.
var contextNames = map[string]struct {
	key  string
	kind byte // d, b or s
}{
	"speed":       {"Vehicle.Speed", 'd'},
	"moving":      {"Vehicle.IsMoving", 'b'},
	"fatigue":     {"Vehicle.Driver.FatigueLevel", 'd'},
	"temperature": {"Vehicle.Exterior.AirTemperature", 'd'},
	"traffic":     {"Continuo.Traffic", 's'},
	"road":        {"Continuo.Road", 's'},
	"weather":     {"Continuo.Weather", 's'},
	"style":       {"Continuo.DrivingStyle", 's'},
	"children":    {"Continuo.ChildrenPresent", 'b'},
}

// MinutesKey is the context key `arrive in` sets.
const MinutesKey = "Continuo.MinutesToDestination"

func contextNameList() string {
	names := make([]string, 0, len(contextNames))
	for n := range contextNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// contextSettings parses "speed=120 road=highway traffic=free".
func contextSettings(args []word) ([]ContextSetting, error) {
	if len(args) == 0 {
		return nil, errors.New(`want NAME=VALUE..., e.g. "context speed=120 road=highway traffic=free"`)
	}
	var out []ContextSetting
	for _, a := range args {
		name, text, ok := strings.Cut(a.s, "=")
		if a.quoted || !ok || text == "" {
			return nil, fmt.Errorf("want NAME=VALUE, got %q", a.s)
		}
		spec, known := contextNames[name]
		if !known {
			return nil, fmt.Errorf("unknown context name %q (want one of %s)", name, contextNameList())
		}
		if slices.ContainsFunc(out, func(c ContextSetting) bool { return c.Name == name }) {
			return nil, fmt.Errorf("%s given twice", name)
		}
		v, err := contextValue(spec.kind, text)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, ContextSetting{Name: name, Key: spec.key, Text: text, Value: v})
	}
	return out, nil
}

func contextValue(kind byte, text string) (any, error) {
	switch kind {
	case 'd':
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("want a number, got %q", text)
		}
		return f, nil
	case 'b':
		switch text {
		case "on", "yes", "true":
			return true, nil
		case "off", "no", "false":
			return false, nil
		}
		return nil, fmt.Errorf("want on or off, got %q", text)
	}
	if len(text) > maxTextLen {
		return nil, fmt.Errorf("longer than %d bytes", maxTextLen)
	}
	return text, nil
}

// contextDict is what SetContext gets for a step.
func contextDict(st Step) map[string]dbus.Variant {
	m := map[string]dbus.Variant{}
	for _, c := range st.Context {
		m[c.Key] = dbus.MakeVariant(c.Value)
	}
	if st.Op == OpArrive {
		m[MinutesKey] = dbus.MakeVariant(st.D.Minutes())
	}
	return m
}
