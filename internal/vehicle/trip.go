package vehicle

import "github.com/continuo/continuo/internal/recommend"

// Thresholds of the mapping. FatigueLevel is a percentage in VSS with no
// levels defined; 60 % is where driver-monitoring systems commonly start to
// suggest a break, 30 % and below is alert.
const (
	FatigueHigh = 60.0
	FatigueLow  = 30.0
)

// Energy-step bounds between consecutive tracks (0..1 energy; tempo in
// proportion, see recommend.Trip). A jam or a tired driver gets the
// tightest: no jolt. recommend's typical consecutive step without a bound
// is 0.1-0.3.
const (
	StepJam     = 0.12
	StepDense   = 0.20
	StepFatigue = 0.12
)

// TripOf maps a context onto the ranking's trip constraints: the minutes
// to the destination as they are now (the caller subtracts what plays
// before the next pick), and the step bound with its cause. No context is
// the zero Trip.
func TripOf(cx Context) recommend.Trip {
	var t recommend.Trip
	if left, ok := cx.MinutesLeft(); ok {
		t.MinutesLeft = left
	}
	bound := func(step float64, why string) {
		if t.MaxEnergyStep == 0 || step < t.MaxEnergyStep {
			t.MaxEnergyStep, t.Why = step, why
		}
	}
	switch traffic, _ := cx.String(Traffic); traffic {
	case TrafficJam:
		bound(StepJam, "the traffic jam")
	case TrafficDense:
		bound(StepDense, "the dense traffic")
	}
	if f, ok := cx.Float(FatigueLevel); ok && f >= FatigueHigh && t.Why == "" {
		bound(StepFatigue, "a tired driver")
	}
	return t
}

// ChildrenAboard reports whether the context says children are in the car
// (then explicit tracks are never picked, whatever ExplicitAllowed says).
func ChildrenAboard(cx Context) bool {
	b, _ := cx.Bool(ChildrenPresent)
	return b
}
