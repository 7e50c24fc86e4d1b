package busapi

import (
	"math"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi/apidoc"
	"github.com/continuo/continuo/internal/drive"
)

// documentedKeyTypes is the XML header's track-dictionary table: key → D-Bus
// type.
func documentedKeyTypes(t *testing.T) map[string]string {
	t.Helper()
	doc, err := apidoc.Parse(IntrospectXML)
	require.NoError(t, err)
	types := map[string]string{}
	for _, row := range doc.Keys.Rows {
		types[row[0]] = row[1]
	}
	return types
}

// assertDocumentedTypes checks that every key of d carries the type the
// contract documents for it.
func assertDocumentedTypes(t *testing.T, types map[string]string, d map[string]dbus.Variant) {
	t.Helper()
	for key, v := range d {
		want, ok := types[key]
		if assert.True(t, ok, "key %s is not documented", key) {
			assert.Equal(t, want, v.Signature().String(), "type of %s", key)
		}
	}
}

// The dictionaries' variants carry precomputed signatures: each must be
// the documented type of its key, and say what the track says.
func TestTrackDictTypesAndValues(t *testing.T) {
	types := documentedKeyTypes(t)
	full := drive.TrackView{ID: "t1", Title: "Scène", Artists: []string{"A", "B"}, Album: "Swan Lake",
		Genres: []string{"classical"}, DurationMS: 187_000, URI: "file:///x.flac", Score: 0.75, Reason: "more of it",
		Family: "classical", Valence: 0.25, Energy: 0.5, Match: "track", Confidence: 0.9}
	unknown := drive.TrackView{ID: "t2", Valence: math.NaN(), Energy: math.NaN()}
	tests := []struct {
		name   string
		dict   map[string]dbus.Variant
		want   map[string]any
		absent []string
	}{
		{"track", trackDict(full), map[string]any{
			"continuo:id": "t1", "xesam:title": "Scène", "xesam:artist": []string{"A", "B"}, "xesam:album": "Swan Lake",
			"xesam:genre": []string{"classical"}, "mpris:length": int64(187_000_000), "continuo:score": 0.75,
			"continuo:reason": "more of it", "continuo:family": "classical", "xesam:url": "file:///x.flac",
			"continuo:valence": 0.25, "continuo:energy": 0.5,
		}, []string{"continuo:match", "continuo:confidence"}},
		{"request", requestDict(full), map[string]any{"continuo:id": "t1", "continuo:match": "track", "continuo:confidence": 0.9}, nil},
		{"search", searchDict(full, searchReading{name: "title"}), map[string]any{"continuo:match": "track", "continuo:interpretation": "title"}, nil},
		{"unknown mood, not playable, no labels", trackDict(unknown), map[string]any{
			"continuo:id": "t2", "xesam:artist": []string{}, "xesam:genre": []string{}, "xesam:album": "",
		}, []string{"xesam:url", "continuo:valence", "continuo:energy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertDocumentedTypes(t, types, tc.dict)
			for key, want := range tc.want {
				assert.Equal(t, want, tc.dict[key].Value(), key)
			}
			for _, key := range tc.absent {
				assert.NotContains(t, tc.dict, key)
			}
		})
	}
}

// Over a real bus, a Recommend and a Resolve reply carry every key with its
// documented type, as a client decodes them.
func TestRepliesCarryDocumentedTypes(t *testing.T) {
	types := documentedKeyTypes(t)
	e := startServer(t, serverConfig{})
	tests := []struct {
		method string
		args   []any
	}{
		{"Recommend", []any{"", uint32(5), map[string]dbus.Variant{}}},
		{"Resolve", []any{"swan lake", uint32(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			var got []map[string]dbus.Variant
			require.NoError(t, e.call(Interface, tc.method, tc.args...).Store(&got))
			require.NotEmpty(t, got)
			for _, d := range got {
				assertDocumentedTypes(t, types, d)
				id, _ := d["continuo:id"].Value().(string)
				assert.NotEmpty(t, id)
			}
		})
	}
}
