// Package busval reads the values a D-Bus client receives from Continuo
// (reply dictionaries a{sv} and signal bodies) without trusting their
// types: a missing key or a value of another type reads as the zero value,
// never a panic. continuoctl and the web view share it.
package busval

import "github.com/godbus/dbus/v5"

// Get returns d[k] as a T, or T's zero value when the key is missing or
// holds another type.
func Get[T any](d map[string]dbus.Variant, k string) T {
	v, _ := d[k].Value().(T)
	return v
}

// Strings returns d[k] as a list: an "as" as it is, a lone "s" as a list
// of one (some players send a single artist as a string), anything else as
// an empty list.
func Strings(d map[string]dbus.Variant, k string) []string {
	switch v := d[k].Value().(type) {
	case []string:
		return v
	case string:
		return []string{v}
	}
	return []string{}
}

// Arg returns argument i of a signal as a T; ok is false when the signal
// has fewer arguments or argument i has another type.
func Arg[T any](sig *dbus.Signal, i int) (T, bool) {
	var zero T
	if len(sig.Body) <= i {
		return zero, false
	}
	v, ok := sig.Body[i].(T)
	return v, ok
}
