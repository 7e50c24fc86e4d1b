package web

import (
	"fmt"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChartKeepsTheLastTracks(t *testing.T) {
	var s Snapshot
	for i := range maxPoints + 5 {
		s.startTrack(Track{ID: fmt.Sprint(i)})
		if i == 2 || i == maxPoints+3 {
			s.addMarker("skip", fmt.Sprint("skip ", i))
		}
	}
	require.Len(t, s.Points, maxPoints)
	assert.Equal(t, "5", s.Points[0].ID, "the oldest went first")
	// The early marker left with its track; the late one moved with its.
	assert.Equal(t, []Marker{{X: maxPoints - 2, Kind: "skip", Label: fmt.Sprint("skip ", maxPoints+3)}}, s.Markers)
}

// The page's ask and the track change it causes may come in either order:
// one ask marker, with the page's words, on the asked track.
func TestAskMarkerEitherOrder(t *testing.T) {
	for _, replyFirst := range []bool{true, false} {
		var s Snapshot
		s.startTrack(Track{ID: "before"})
		asked := Track{ID: "swan", Family: "classical"}
		reply := func() { s.markAsk(len(s.Points), "asked “swan lake”") }
		change := func() {
			s.startTrack(asked)
			s.markAsk(len(s.Points)-1, "")
		}
		if replyFirst {
			reply()
			change()
		} else {
			change()
			s.markAsk(len(s.Points)-1, "asked “swan lake”") // the handler sees the track playing
		}
		assert.Equal(t, []Marker{{X: 1, Kind: "ask", Label: "asked “swan lake”"}}, s.Markers, "reply first: %v", replyFirst)
	}
}

func TestLearnCompletesThePlayingTrack(t *testing.T) {
	v, e := 0.2, 0.3
	s := Snapshot{Now: &Now{Track: Track{ID: "a", Title: "A"}}}
	s.startTrack(s.Now.Track)
	s.learn(Track{ID: "b", Family: "jazz"})
	assert.Empty(t, s.Now.Family, "another track teaches nothing")
	s.learn(Track{ID: "a", Family: "classical", Reason: "you asked for it", Valence: &v, Energy: &e})
	assert.Equal(t, "classical", s.Now.Family)
	assert.Equal(t, &v, s.Points[0].Valence)
}

func TestTrackFromDictIsChecked(t *testing.T) {
	bad := map[string]dbus.Variant{
		"continuo:id": dbus.MakeVariant(7), "xesam:title": dbus.MakeVariant([]string{"x"}),
		"xesam:artist": dbus.MakeVariant("Solo"), "continuo:valence": dbus.MakeVariant(1.5),
		"continuo:energy": dbus.MakeVariant("high"), "mpris:length": dbus.MakeVariant(uint32(3)),
	}
	got := trackFromDict(bad)
	assert.Equal(t, Track{Artists: []string{"Solo"}}, got, "wrong types and out-of-range values are dropped")
	meta := trackFromMetadata(map[string]dbus.Variant{"xesam:url": dbus.MakeVariant("emu:///x:12"), "xesam:title": dbus.MakeVariant("T")})
	assert.Equal(t, "x:12", meta.ID)
	assert.Equal(t, []string{}, meta.Artists)
}
