package vehicle_test

import (
	"math"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/vehicle"
)

func v(x any) dbus.Variant { return dbus.MakeVariant(x) }

func TestDecode(t *testing.T) {
	cases := []struct {
		name string
		in   map[string]dbus.Variant
		want vehicle.Update
		err  string // "" = accepted
	}{
		{"empty", map[string]dbus.Variant{}, vehicle.Update{}, ""},
		{"every kind", map[string]dbus.Variant{
			"Vehicle.Speed": v(120.0), "Vehicle.IsMoving": v(true), "Continuo.Traffic": v("jam"),
			"Continuo.MinutesToDestination": v(25.0), "Vehicle.Driver.FatigueLevel": v(0.0),
		}, vehicle.Update{vehicle.Speed: 120.0, vehicle.IsMoving: true, vehicle.Traffic: "jam", vehicle.MinutesToDest: 25.0, vehicle.FatigueLevel: 0.0}, ""},
		{"cold outside", map[string]dbus.Variant{"Vehicle.Exterior.AirTemperature": v(-12.5)}, vehicle.Update{vehicle.AirTemperature: -12.5}, ""},
		{"unknown key", map[string]dbus.Variant{"Vehicle.Speed": v(50.0), "Vehicle.Colour": v("red")}, nil, `unknown context key "Vehicle.Colour"`},
		{"speed as int", map[string]dbus.Variant{"Vehicle.Speed": v(int32(50))}, nil, "Vehicle.Speed must be a double (d), got an int32 (i)"},
		{"speed as string", map[string]dbus.Variant{"Vehicle.Speed": v("50")}, nil, "Vehicle.Speed must be a double (d), got a string (s)"},
		{"negative speed", map[string]dbus.Variant{"Vehicle.Speed": v(-1.0)}, nil, "Vehicle.Speed must be 0..400 km/h, got -1"},
		{"NaN speed", map[string]dbus.Variant{"Vehicle.Speed": v(math.NaN())}, nil, "Vehicle.Speed must be 0..400"},
		{"fatigue over 100", map[string]dbus.Variant{"Vehicle.Driver.FatigueLevel": v(101.0)}, nil, "must be 0..100 percent"},
		{"moving as string", map[string]dbus.Variant{"Vehicle.IsMoving": v("yes")}, nil, "Vehicle.IsMoving must be a boolean (b)"},
		{"unknown traffic", map[string]dbus.Variant{"Continuo.Traffic": v("chaos")}, nil, `Continuo.Traffic must be one of free, dense, jam, got "chaos"`},
		{"upper-case road", map[string]dbus.Variant{"Continuo.Road": v("Highway")}, nil, "Continuo.Road must be one of city, highway, winding"},
		{"eta of two days", map[string]dbus.Variant{"Continuo.MinutesToDestination": v(2880.0)}, nil, "0..1440 minutes"},
		{"nested variant", map[string]dbus.Variant{"Continuo.ChildrenPresent": v(v(true))}, nil, "must be a boolean (b), got \"v\""},
		{"bad UTF-8 key", map[string]dbus.Variant{"Vehicle.\xff": v(1.0)}, nil, "not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vehicle.Decode(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Equal(t, music.KindInvalid, music.KindOf(err))
				assert.Contains(t, err.Error(), tc.err)
				assert.Nil(t, got, "nothing of a refused update is kept")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDecodeNamesTheSameKeyWhateverTheOrder(t *testing.T) {
	in := map[string]dbus.Variant{"Zeta": v(1.0), "Alpha": v(1.0), "Vehicle.Speed": v(-5.0)}
	for range 20 {
		_, err := vehicle.Decode(in)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"Alpha"`)
	}
}

func TestStoreExpiry(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := vehicle.NewStore(5 * time.Minute)
	s.Apply(vehicle.Update{vehicle.Traffic: "jam", vehicle.Speed: 8.0, vehicle.MinutesToDest: 20.0}, t0)

	cx := s.Context(t0.Add(4 * time.Minute))
	assert.Equal(t, map[vehicle.Key]any{vehicle.Traffic: "jam", vehicle.Speed: 8.0, vehicle.MinutesToDest: 20.0}, cx.Values())
	left, ok := cx.MinutesLeft()
	require.True(t, ok)
	assert.InDelta(t, 16, left, 1e-9, "the time to the destination counts down")

	assert.Equal(t, t0.Add(5*time.Minute), s.NextExpiry())
	assert.False(t, s.Expire(t0.Add(5*time.Minute)), "a value holds for exactly expire_after")
	assert.True(t, s.Expire(t0.Add(6*time.Minute)))
	cx = s.Context(t0.Add(6 * time.Minute))
	assert.Equal(t, map[vehicle.Key]any{vehicle.MinutesToDest: 20.0}, cx.Values(), "the ETA holds until the arrival it announced")

	s.Apply(vehicle.Update{vehicle.Traffic: "free"}, t0.Add(7*time.Minute))
	assert.Equal(t, "free", s.Context(t0.Add(11 * time.Minute)).Values()[vehicle.Traffic], "a new value starts its own time")

	assert.True(t, s.Expire(t0.Add(26*time.Minute)))
	assert.True(t, s.Context(t0.Add(26*time.Minute)).Empty())
	assert.True(t, s.NextExpiry().IsZero())
}

func TestParkedFor(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := vehicle.NewStore(time.Hour)
	assert.Zero(t, s.Context(t0).ParkedFor(), "unknown is not parked")
	s.Apply(vehicle.Update{vehicle.IsMoving: false}, t0)
	s.Apply(vehicle.Update{vehicle.IsMoving: false}, t0.Add(time.Minute)) // a repeat keeps the stop's start
	assert.Equal(t, 3*time.Minute, s.Context(t0.Add(3*time.Minute)).ParkedFor())
	s.Apply(vehicle.Update{vehicle.IsMoving: true}, t0.Add(4*time.Minute))
	assert.Zero(t, s.Context(t0.Add(5*time.Minute)).ParkedFor())
}

func TestDict(t *testing.T) {
	s := vehicle.NewStore(0)
	t0 := time.Now()
	s.Apply(vehicle.Update{vehicle.Road: "highway", vehicle.ChildrenPresent: true}, t0)
	assert.Equal(t, map[string]dbus.Variant{"Continuo.Road": v("highway"), "Continuo.ChildrenPresent": v(true)}, s.Context(t0).Dict())
	assert.Len(t, vehicle.Describe(), len(vehicle.Known()))
}

// FuzzDecode: whatever arrives, Decode answers a checked update or an
// invalid-argument error, never panics, and what it accepts is in range.
func FuzzDecode(f *testing.F) {
	f.Add("Vehicle.Speed", byte('d'), 120.0, "", false)
	f.Add("Continuo.Traffic", byte('s'), 0.0, "jam", false)
	f.Add("Vehicle.IsMoving", byte('b'), 0.0, "", true)
	f.Add("Continuo.MinutesToDestination", byte('d'), -3.0, "", false)
	f.Add("Vehicle.Driver.FatigueLevel", byte('i'), 50.0, "x", false)
	f.Add("\xff", byte('s'), 0.0, "\xff", true)
	f.Fuzz(func(t *testing.T, key string, kind byte, d float64, s string, b bool) {
		var val dbus.Variant
		switch kind % 4 {
		case 0:
			val = v(d)
		case 1:
			val = v(s)
		case 2:
			val = v(b)
		default:
			val = v(int32(d))
		}
		up, err := vehicle.Decode(map[string]dbus.Variant{key: val})
		if err != nil {
			assert.Equal(t, music.KindInvalid, music.KindOf(err))
			assert.Nil(t, up)
			return
		}
		require.Len(t, up, 1)
		store := vehicle.NewStore(0)
		store.Apply(up, time.Unix(0, 0))
		if x, ok := up[vehicle.Key(key)].(float64); ok {
			assert.False(t, math.IsNaN(x))
		}
		assert.NotPanics(t, func() { _ = store.Context(time.Unix(60, 0)).Dict() })
	})
}
