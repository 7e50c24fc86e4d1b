// Package vehicle owns the vehicle context: what the car tells Continuo
// about the drive (speed, traffic, road, the driver's fatigue, the minutes
// to the destination...). It defines the keys SetContext accepts, named
// after COVESA VSS signals where one exists and Continuo.* where none does,
// checks every value that arrives over the bus (type, range, known key),
// keeps the values with the time they were set so stale ones expire, and
// maps a context onto the InCarMusic conditions the steering model knows
// and onto the trip constraints of the ranking (recommend.Trip).
//
// No context at all maps to no conditions and a zero Trip: exactly the
// behaviour of a daemon that never heard of the car.
package vehicle

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/music"
)

// Key is a context key as it travels in SetContext's a{sv}.
type Key string

// Keys with a COVESA VSS signal use its path, unit and type (VSS float
// travels as a D-Bus double). The Continuo.* keys have no VSS signal: a
// navigation or ADAS component of the integrator derives them.
const (
	Speed           Key = "Vehicle.Speed"                   // d, km/h, 0..400 (VSS)
	IsMoving        Key = "Vehicle.IsMoving"                // b (VSS)
	FatigueLevel    Key = "Vehicle.Driver.FatigueLevel"     // d, percent 0..100 (VSS)
	AirTemperature  Key = "Vehicle.Exterior.AirTemperature" // d, °C, -60..70 (VSS)
	Traffic         Key = "Continuo.Traffic"                // s: free, dense, jam
	Road            Key = "Continuo.Road"                   // s: city, highway, winding
	Weather         Key = "Continuo.Weather"                // s: sunny, cloudy, rainy, snowing
	DrivingStyle    Key = "Continuo.DrivingStyle"           // s: relaxed, sport
	MinutesToDest   Key = "Continuo.MinutesToDestination"   // d, minutes 0..1440 (navigation ETA)
	ChildrenPresent Key = "Continuo.ChildrenPresent"        // b
)

// Levels of the enumerated keys.
const (
	TrafficFree  = "free"
	TrafficDense = "dense"
	TrafficJam   = "jam"

	RoadCity    = "city"
	RoadHighway = "highway"
	RoadWinding = "winding"
)

// spec says what one key accepts.
type spec struct {
	sig      string   // D-Bus signature of the variant: d, b or s
	min, max float64  // for d
	unit     string   // for d, in error messages and docs
	levels   []string // for s
	doc      string
}

// specs is the one table of keys: decoding, the docs and the fuzz seeds
// read it.
var specs = map[Key]spec{
	Speed:           {sig: "d", min: 0, max: 400, unit: "km/h", doc: "vehicle speed (VSS Vehicle.Speed)"},
	IsMoving:        {sig: "b", doc: "the vehicle is moving (VSS Vehicle.IsMoving); false for long means parked"},
	FatigueLevel:    {sig: "d", min: 0, max: 100, unit: "percent", doc: "driver fatigue (VSS Vehicle.Driver.FatigueLevel)"},
	AirTemperature:  {sig: "d", min: -60, max: 70, unit: "°C", doc: "outside air temperature (VSS Vehicle.Exterior.AirTemperature)"},
	Traffic:         {sig: "s", levels: []string{TrafficFree, TrafficDense, TrafficJam}, doc: "traffic on the route ahead"},
	Road:            {sig: "s", levels: []string{RoadCity, RoadHighway, RoadWinding}, doc: "kind of road driven"},
	Weather:         {sig: "s", levels: []string{"sunny", "cloudy", "rainy", "snowing"}, doc: "weather outside"},
	DrivingStyle:    {sig: "s", levels: []string{"relaxed", "sport"}, doc: "how the car is driven (e.g. the drive mode)"},
	MinutesToDest:   {sig: "d", min: 0, max: 1440, unit: "minutes", doc: "navigation's time to the destination; counts down from when it was set"},
	ChildrenPresent: {sig: "b", doc: "children aboard (e.g. rear seat occupancy with child seats)"},
}

// Known returns the keys SetContext accepts, sorted.
func Known() []Key {
	keys := make([]Key, 0, len(specs))
	for k := range specs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Describe is one line per key, "Key sig: doc (range unit | levels)", for
// the API documentation.
func Describe() []string {
	var out []string
	for _, k := range Known() {
		s := specs[k]
		line := fmt.Sprintf("%s %s: %s", k, s.sig, s.doc)
		switch s.sig {
		case "d":
			line += fmt.Sprintf(" (%g..%g %s)", s.min, s.max, s.unit)
		case "s":
			line += " (" + strings.Join(s.levels, ", ") + ")"
		}
		out = append(out, line)
	}
	return out
}

// maxKeys bounds one update: every key once.
var maxKeys = len(specs)

// Update is a checked set of new values: float64, bool or string by key.
type Update map[Key]any

// Decode checks a SetContext dictionary: every key known, every variant of
// its key's type, every value in range. The first problem is returned as a
// KindInvalid error naming the key, and nothing of the update is kept: the
// caller applies all of it or none.
func Decode(in map[string]dbus.Variant) (Update, error) {
	if len(in) > maxKeys {
		return nil, music.Errorf(music.KindInvalid, "context has %d keys, at most %d are known", len(in), maxKeys)
	}
	// Sorted, so the error names the same key whatever the map order.
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	slices.Sort(names)
	up := make(Update, len(in))
	for _, name := range names {
		v, err := decodeOne(name, in[name])
		if err != nil {
			return nil, err
		}
		up[Key(name)] = v
	}
	return up, nil
}

func decodeOne(name string, v dbus.Variant) (any, error) {
	if !utf8.ValidString(name) {
		return nil, music.Errorf(music.KindInvalid, "a context key is not valid UTF-8")
	}
	s, ok := specs[Key(name)]
	if !ok {
		return nil, music.Errorf(music.KindInvalid, "unknown context key %s (known: %s)", music.Echo(name), knownList())
	}
	if got := v.Signature().String(); got != s.sig {
		return nil, music.Errorf(music.KindInvalid, "context key %s must be %s, got %s", name, sigName(s.sig), sigName(got))
	}
	switch x := v.Value().(type) {
	case float64:
		if math.IsNaN(x) || x < s.min || x > s.max {
			return nil, music.Errorf(music.KindInvalid, "context key %s must be %g..%g %s, got %g", name, s.min, s.max, s.unit, x)
		}
		return x, nil
	case bool:
		return x, nil
	case string:
		if !slices.Contains(s.levels, x) {
			return nil, music.Errorf(music.KindInvalid, "context key %s must be one of %s, got %s", name, strings.Join(s.levels, ", "), music.Echo(x))
		}
		return x, nil
	}
	// The signature matched one of d, b, s: unreachable, but never a panic.
	return nil, music.Errorf(music.KindInvalid, "context key %s has an unsupported value", name)
}

func knownList() string {
	var parts []string
	for _, k := range Known() {
		parts = append(parts, string(k))
	}
	return strings.Join(parts, ", ")
}

// sigNames say the D-Bus types a bridge is likely to send by mistake.
var sigNames = map[string]string{
	"d": "a double (d)", "b": "a boolean (b)", "s": "a string (s)", "i": "an int32 (i)", "u": "a uint32 (u)",
	"x": "an int64 (x)", "t": "a uint64 (t)", "y": "a byte (y)", "n": "an int16 (n)", "q": "a uint16 (q)",
}

func sigName(sig string) string {
	if n, ok := sigNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("%.32q", sig)
}
