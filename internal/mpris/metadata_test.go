package mpris

import (
	"math"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
)

func v(x any) dbus.Variant { return dbus.MakeVariant(x) }

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]dbus.Variant
		want TrackMeta
	}{
		{"nil", nil, TrackMeta{}},
		{"spec types", map[string]dbus.Variant{
			"mpris:trackid": v(dbus.ObjectPath("/org/continuo/track/1")),
			"xesam:url":     v("file:///m/a.ogg"),
			"xesam:title":   v("Scène"),
			"xesam:album":   v("Swan Lake"),
			"xesam:artist":  v([]string{"Pyotr Ilyich Tchaikovsky"}),
			"xesam:genre":   v([]string{"classical", "romantic"}),
			"mpris:length":  v(int64(180_000_000)),
		}, TrackMeta{TrackID: "/org/continuo/track/1", URL: "file:///m/a.ogg", Title: "Scène", Album: "Swan Lake",
			Artists: []string{"Pyotr Ilyich Tchaikovsky"}, Genres: []string{"classical", "romantic"}, Length: 3 * time.Minute}},
		{"mpv: string genre, position trackid", map[string]dbus.Variant{
			"mpris:trackid": v(dbus.ObjectPath("/0")),
			"xesam:genre":   v("Classical"),
			"xesam:artist":  v("Solo"),
			"mpris:length":  v(int64(2_000_000)),
		}, TrackMeta{TrackID: "/0", Genres: []string{"Classical"}, Artists: []string{"Solo"}, Length: 2 * time.Second}},
		{"string trackid", map[string]dbus.Variant{"mpris:trackid": v("/x/1")}, TrackMeta{TrackID: "/x/1"}},
		{"NoTrack", map[string]dbus.Variant{
			"mpris:trackid": v(dbus.ObjectPath(NoTrack)), "xesam:title": v("stale"),
		}, TrackMeta{}},
		{"mpv idle", map[string]dbus.Variant{"mpris:trackid": v(dbus.ObjectPath("/noplaylist"))}, TrackMeta{}},
		{"length uint64", map[string]dbus.Variant{"mpris:length": v(uint64(5_000_000))}, TrackMeta{Length: 5 * time.Second}},
		{"length int32", map[string]dbus.Variant{"mpris:length": v(int32(1_000_000))}, TrackMeta{Length: time.Second}},
		{"length uint32", map[string]dbus.Variant{"mpris:length": v(uint32(1_000_000))}, TrackMeta{Length: time.Second}},
		{"length double", map[string]dbus.Variant{"mpris:length": v(1.5e6)}, TrackMeta{Length: 1500 * time.Millisecond}},
		{"length negative", map[string]dbus.Variant{"mpris:length": v(int64(-5))}, TrackMeta{}},
		{"length NaN", map[string]dbus.Variant{"mpris:length": v(math.NaN())}, TrackMeta{}},
		{"length huge", map[string]dbus.Variant{"mpris:length": v(uint64(math.MaxUint64))}, TrackMeta{}},
		{"length overflowing Duration", map[string]dbus.Variant{"mpris:length": v(int64(math.MaxInt64))}, TrackMeta{}},
		{"length wrong type", map[string]dbus.Variant{"mpris:length": v("180")}, TrackMeta{}},
		{"artist as av", map[string]dbus.Variant{"xesam:artist": v([]dbus.Variant{v("A"), v(int32(3)), v("B")})},
			TrackMeta{Artists: []string{"A", "B"}}},
		{"nested variant", map[string]dbus.Variant{"xesam:title": v(v("T"))}, TrackMeta{Title: "T"}},
		{"empty artist entries dropped", map[string]dbus.Variant{"xesam:artist": v([]string{"", " ", "X"})},
			TrackMeta{Artists: []string{"X"}}},
		{"wrong types ignored", map[string]dbus.Variant{
			"xesam:title": v(int32(1)), "xesam:genre": v(int64(2)), "mpris:trackid": v(true),
		}, TrackMeta{}},
		{"zero variant", map[string]dbus.Variant{"xesam:title": {}}, TrackMeta{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseMetadata(tt.in))
		})
	}
}

func TestSameTrack(t *testing.T) {
	tests := []struct {
		name string
		a, b TrackMeta
		same bool
	}{
		{"identical", TrackMeta{TrackID: "/0", URL: "file:///a"}, TrackMeta{TrackID: "/0", URL: "file:///a", Title: "late tags"}, true},
		{"mpv reuses /0 for another file", TrackMeta{TrackID: "/0", URL: "file:///a"}, TrackMeta{TrackID: "/0", URL: "file:///b"}, false},
		{"new trackid same url", TrackMeta{TrackID: "/1", URL: "file:///a"}, TrackMeta{TrackID: "/2", URL: "file:///a"}, false},
		{"to no track", TrackMeta{TrackID: "/1"}, TrackMeta{}, false},
		{"both empty", TrackMeta{}, TrackMeta{}, true},
		{"title only", TrackMeta{Title: "a"}, TrackMeta{Title: "b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.same, tt.a.SameTrack(tt.b))
		})
	}
}

// FuzzParseMetadata feeds arbitrary values of the types a D-Bus message can
// carry into every key ParseMetadata reads.
func FuzzParseMetadata(f *testing.F) {
	f.Add("/0", "file:///a.ogg", "genre", int64(1_000_000), uint8(0), 0.0)
	f.Add(NoTrack, "", "", int64(-1), uint8(1), math.Inf(1))
	f.Add("not a path", "rel/path.ogg", "a\x00b", int64(math.MaxInt64), uint8(2), math.NaN())
	f.Add("", "", "", int64(0), uint8(3), -1.0)
	f.Fuzz(func(t *testing.T, id, url, genre string, length int64, shape uint8, d float64) {
		m := map[string]dbus.Variant{}
		switch shape % 6 {
		case 0:
			m["mpris:trackid"] = v(dbus.ObjectPath(id))
			m["xesam:genre"] = v([]string{genre, id})
			m["mpris:length"] = v(length)
		case 1:
			m["mpris:trackid"] = v(id)
			m["xesam:genre"] = v(genre)
			m["mpris:length"] = v(uint64(length))
		case 2:
			m["mpris:trackid"] = v(v(id))
			m["xesam:artist"] = v([]dbus.Variant{v(genre), v(length), v(d)})
			m["mpris:length"] = v(d)
		case 3:
			m["xesam:genre"] = v([]any{genre, length, nil, v(url)})
			m["mpris:length"] = v(int32(length))
		case 4:
			m["xesam:title"] = v(length)
			m["xesam:url"] = v(dbus.ObjectPath(url))
			m["mpris:length"] = v(uint32(length))
		case 5:
			m["xesam:artist"] = dbus.Variant{}
			m["mpris:trackid"] = dbus.Variant{}
		}
		m["xesam:url"] = v(url)
		got := ParseMetadata(m)
		if got.Length < 0 {
			t.Fatalf("negative length %v", got.Length)
		}
		if got.TrackID == NoTrack {
			t.Fatalf("NoTrack leaked through")
		}
	})
}

// FuzzApplyProps: PropertiesChanged and GetAll values come from any process
// on the bus; applying them must never panic whatever their types.
func FuzzApplyProps(f *testing.F) {
	f.Add("PlaybackStatus", "Playing", int64(0), 1.0, true, uint8(0))
	f.Add("Metadata", "/0", int64(-1), math.NaN(), false, uint8(1))
	f.Add("Position", "", int64(math.MinInt64), math.Inf(-1), true, uint8(2))
	f.Add("Position", "", int64(math.MaxInt64), math.MaxFloat64, true, uint8(2))
	f.Add("Rate", "", int64(1), math.MaxFloat64, true, uint8(3))
	f.Fuzz(func(t *testing.T, key, s string, n int64, d float64, b bool, shape uint8) {
		var val dbus.Variant
		switch shape % 6 {
		case 0:
			val = v(s)
		case 1:
			val = v(map[string]dbus.Variant{"mpris:trackid": v(s), "mpris:length": v(n)})
		case 2:
			val = v(n)
		case 3:
			val = v(d)
		case 4:
			val = v(b)
		case 5:
			val = dbus.Variant{}
		}
		for _, iface := range []string{ifaceRoot, ifacePlayer, ifaceTrackList, s} {
			p := PlayerState{}
			applyProps(&p, iface, map[string]dbus.Variant{key: val, "Position": val, "Metadata": val}, time.Now())
			if p.Position < 0 {
				t.Fatalf("negative position %v", p.Position)
			}
			p.Status, p.PositionAt = StatusPlaying, time.Now().Add(-time.Hour)
			if got := p.PositionNow(time.Now()); got < 0 {
				t.Fatalf("negative extrapolated position %v (rate %v)", got, p.Rate)
			}
		}
	})
}
