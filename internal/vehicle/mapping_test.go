package vehicle_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/continuo/continuo/internal/incar"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/vehicle"
)

func contextAt(at time.Time, up vehicle.Update) vehicle.Context {
	s := vehicle.NewStore(time.Hour)
	s.Apply(up, at)
	return s.Context(at)
}

func TestConditionsAndTrip(t *testing.T) {
	morning := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)
	cond := func(f, l string) incar.Condition { return incar.Condition{Factor: f, Level: l} }
	cases := []struct {
		name  string
		at    time.Time
		up    vehicle.Update
		conds []incar.Condition
		trip  recommend.Trip
	}{
		{"no context: nothing, not even the hour", morning, nil, nil, recommend.Trip{}},
		{"jam in the city", morning, vehicle.Update{vehicle.Traffic: "jam", vehicle.Road: "city"},
			[]incar.Condition{cond("trafficconditions", "traffic jam"), cond("roadtype", "city"), cond("naturalphenomena", "morning")},
			recommend.Trip{MaxEnergyStep: vehicle.StepJam, Why: "the traffic jam"}},
		{"fast with no road: highway", time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), vehicle.Update{vehicle.Speed: 130.0, vehicle.Traffic: "free"},
			[]incar.Condition{cond("trafficconditions", "free road"), cond("roadtype", "highway"), cond("naturalphenomena", "day time")}, recommend.Trip{}},
		{"winding road, rain, sport", time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC), vehicle.Update{vehicle.Road: "winding", vehicle.Weather: "rainy", vehicle.DrivingStyle: "sport", vehicle.Speed: 130.0},
			[]incar.Condition{cond("roadtype", "serpentine"), cond("weather", "rainy"), cond("drivingstyle", "sport driving"), cond("naturalphenomena", "afternoon")}, recommend.Trip{}},
		{"tired at night", time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), vehicle.Update{vehicle.FatigueLevel: 75.0},
			[]incar.Condition{cond("sleepiness", "sleepy"), cond("naturalphenomena", "night")},
			recommend.Trip{MaxEnergyStep: vehicle.StepFatigue, Why: "a tired driver"}},
		{"awake, dense, 25 minutes out", morning, vehicle.Update{vehicle.FatigueLevel: 10.0, vehicle.Traffic: "dense", vehicle.MinutesToDest: 25.0},
			[]incar.Condition{cond("trafficconditions", "lots of cars"), cond("sleepiness", "awake"), cond("naturalphenomena", "morning")},
			recommend.Trip{MinutesLeft: 25, MaxEnergyStep: vehicle.StepDense, Why: "the dense traffic"}},
		{"tired in a jam: the jam names it", morning, vehicle.Update{vehicle.FatigueLevel: 90.0, vehicle.Traffic: "jam"},
			[]incar.Condition{cond("trafficconditions", "traffic jam"), cond("sleepiness", "sleepy"), cond("naturalphenomena", "morning")},
			recommend.Trip{MaxEnergyStep: vehicle.StepJam, Why: "the traffic jam"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cx := contextAt(tc.at, tc.up)
			got := vehicle.Conditions(cx)
			assert.Equal(t, tc.conds, got)
			for _, c := range got {
				assert.True(t, c.Valid(), "%v is a condition the model knows", c)
			}
			assert.Equal(t, tc.trip, vehicle.TripOf(cx))
		})
	}
}

func TestDaytimeOf(t *testing.T) {
	for h, want := range map[int]string{0: "night", 4: "night", 5: "morning", 10: "morning", 11: "day time", 13: "day time", 14: "afternoon", 17: "afternoon", 18: "night"} {
		assert.Equal(t, want, vehicle.DaytimeOf(time.Date(2026, 1, 1, h, 30, 0, 0, time.UTC)), "%d h", h)
	}
}
