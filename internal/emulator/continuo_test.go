package emulator

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
)

func TestParseTrackDict(t *testing.T) {
	full := ParseTrackDict(map[string]dbus.Variant{
		"continuo:id":      dbus.MakeVariant("abc"),
		"xesam:title":      dbus.MakeVariant("Scene"),
		"xesam:artist":     dbus.MakeVariant([]string{"Tchaikovsky"}),
		"xesam:album":      dbus.MakeVariant("Swan Lake"),
		"xesam:genre":      dbus.MakeVariant([]string{"classical"}),
		"mpris:length":     dbus.MakeVariant(int64(180_000_000)),
		"xesam:url":        dbus.MakeVariant("emu:///abc"),
		"continuo:score":   dbus.MakeVariant(0.9),
		"continuo:reason":  dbus.MakeVariant("you asked for it"),
		"continuo:family":  dbus.MakeVariant("classical"),
		"continuo:valence": dbus.MakeVariant(0.2),
		"continuo:energy":  dbus.MakeVariant(0.3),
	})
	assert.Equal(t, TrackInfo{ID: "abc", Title: "Scene", Artists: []string{"Tchaikovsky"}, Album: "Swan Lake",
		Genres: []string{"classical"}, Length: 3 * time.Minute, URL: "emu:///abc", Score: 0.9,
		Reason: "you asked for it", Family: "classical", Valence: 0.2, Energy: 0.3}, full)

	// Wrong types are dropped, near misses accepted, nothing panics.
	odd := ParseTrackDict(map[string]dbus.Variant{
		"continuo:id":      dbus.MakeVariant(42),
		"xesam:artist":     dbus.MakeVariant("One Artist"),
		"xesam:genre":      dbus.MakeVariant([]int32{1}),
		"mpris:length":     dbus.MakeVariant(uint32(1_000_000)),
		"continuo:valence": dbus.MakeVariant("high"),
		"continuo:energy":  dbus.MakeVariant(math.Inf(1)),
		"continuo:score":   dbus.MakeVariant(int64(1)),
	})
	assert.Empty(t, odd.ID)
	assert.Equal(t, []string{"One Artist"}, odd.Artists)
	assert.Nil(t, odd.Genres)
	assert.Equal(t, time.Second, odd.Length)
	assert.True(t, math.IsNaN(odd.Valence))
	assert.True(t, math.IsNaN(odd.Energy))
	assert.True(t, math.IsNaN(odd.Score))

	assert.Zero(t, ParseTrackDict(map[string]dbus.Variant{"mpris:length": dbus.MakeVariant(int64(math.MaxInt64))}).Length)
	assert.Empty(t, ParseTrackDict(nil).Title)
}

// FuzzParseTrackDict feeds every key of a track dict values of every type
// a sender could put in a variant.
func FuzzParseTrackDict(f *testing.F) {
	f.Add(uint8(0), "abc", int64(180_000_000), 0.5)
	f.Add(uint8(3), "", int64(math.MinInt64), math.NaN())
	f.Add(uint8(5), "x\x00y", int64(math.MaxInt64), math.Inf(-1))
	keys := []string{"continuo:id", "xesam:title", "xesam:artist", "xesam:album", "xesam:genre", "mpris:length",
		"xesam:url", "continuo:score", "continuo:reason", "continuo:family", "continuo:valence", "continuo:energy"}
	f.Fuzz(func(t *testing.T, kind uint8, s string, i int64, fl float64) {
		var v dbus.Variant
		switch kind % 8 {
		case 0:
			v = dbus.MakeVariant(s)
		case 1:
			v = dbus.MakeVariant(i)
		case 2:
			v = dbus.MakeVariant(fl)
		case 3:
			v = dbus.MakeVariant(strings.Fields(s))
		case 4:
			v = dbus.MakeVariant(uint64(i))
		case 5:
			v = dbus.MakeVariant(dbus.ObjectPath(s))
		case 6:
			v = dbus.MakeVariant(map[string]dbus.Variant{s: dbus.MakeVariant(i)})
		default:
			v = dbus.MakeVariant([]any{s, i})
		}
		m := map[string]dbus.Variant{}
		for _, k := range keys {
			m[k] = v
		}
		info := ParseTrackDict(m)
		if info.Length < 0 {
			t.Fatalf("negative length %v", info.Length)
		}
		for _, x := range []float64{info.Valence, info.Energy, info.Score} {
			if math.IsInf(x, 0) {
				t.Fatalf("infinite feature")
			}
		}
	})
}

// BenchmarkParseScript measures parsing drives of 10 and 1000 lines.
func BenchmarkParseScript(b *testing.B) {
	for _, lines := range []int{10, 1000} {
		b.Run("lines="+strconv.Itoa(lines), func(b *testing.B) {
			script := strings.Repeat("ask \"scene swan lake\" # seed\nlisten 4\nskip after 12s\nlike\nexpect family classical\n", lines/5)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseScript("bench.drive", strings.NewReader(script)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
