package busapi

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSearchRefusesBadText(t *testing.T) {
	_, err := parseSearch("", map[string]dbus.Variant{"title": dbus.MakeVariant("\xff")})
	require.NotNil(t, err)
	assert.Contains(t, err.Error(), "UTF-8")
}

func TestSearchReadings(t *testing.T) {
	v := dbus.MakeVariant
	cases := []struct {
		name   string
		query  string
		extras map[string]dbus.Variant
		want   []searchReading
	}{
		{"title with artist", "", map[string]dbus.Variant{"focus": v("title"), "title": v("Femme Fatale"), "artist": v("Bonobo")},
			[]searchReading{{"title+artist", "Femme Fatale by Bonobo"}, {"title", "Femme Fatale"}, {"artist", "Bonobo"}}},
		{"android names", "femme fatale bonobo", map[string]dbus.Variant{
			"android.intent.extra.focus": v("vnd.android.cursor.item/audio"), "android.intent.extra.title": v("Femme Fatale"),
			"android.intent.extra.artist": v("Bonobo"), "android.media.extra.unknown": v(int32(3))},
			[]searchReading{{"title+artist", "Femme Fatale by Bonobo"}, {"title", "Femme Fatale"}, {"artist", "Bonobo"}, {"query", "femme fatale bonobo"}}},
		{"album", "", map[string]dbus.Variant{"focus": v("vnd.android.cursor.item/album"), "album": v("Kind of Blue")},
			[]searchReading{{"album", "Kind of Blue"}}},
		{"genre with year", "", map[string]dbus.Variant{"focus": v("genre"), "genre": v("jazz"), "year": v(int32(1975))},
			[]searchReading{{"genre", "jazz"}}},
		{"unstructured leads with the query", "some jazz", map[string]dbus.Variant{"focus": v("unstructured"), "artist": v("Miles Davis")},
			[]searchReading{{"artist", "Miles Davis"}, {"query", "some jazz"}}},
		{"no focus: most specific field", "", map[string]dbus.Variant{"artist": v("Bonobo"), "title": v("Kiara")},
			[]searchReading{{"title+artist", "Kiara by Bonobo"}, {"title", "Kiara"}, {"artist", "Bonobo"}}},
		{"nothing: continue", "", nil, []searchReading{{"continue", ""}}},
	}
	for _, c := range cases {
		s, err := parseSearch(c.query, c.extras)
		require.Nil(t, err, c.name)
		assert.Equal(t, c.want, s.readings(), c.name)
	}
}

// TestPlaySearchOverTheBus: the checks answer InvalidArgument naming the
// field; a found reading reaches the player (none runs here: NoPlayer); a
// request nothing answers is NotFound.
func TestPlaySearchOverTheBus(t *testing.T) {
	e := startServer(t, serverConfig{})
	v := dbus.MakeVariant
	cases := []struct {
		name    string
		query   string
		extras  map[string]dbus.Variant
		errName string
		msg     string
	}{
		{"unknown focus", "", map[string]dbus.Variant{"focus": v("podcast")}, "org.continuo.Error.InvalidArgument", "focus"},
		{"artist not a string", "", map[string]dbus.Variant{"artist": v(int32(3))}, "org.continuo.Error.InvalidArgument", "extras[artist] must be a string"},
		{"bad year", "", map[string]dbus.Variant{"year": v("soon")}, "org.continuo.Error.InvalidArgument", "year"},
		{"year out of range", "", map[string]dbus.Variant{"year": v(int32(3000))}, "org.continuo.Error.InvalidArgument", "year"},
		{"title too long", "", map[string]dbus.Variant{"title": v(strings.Repeat("a", 201))}, "org.continuo.Error.InvalidArgument", "extras[title] is longer than 200"},
		{"artist found", "", map[string]dbus.Variant{"focus": v("artist"), "artist": v("Metallica")}, "org.continuo.Error.NoPlayer", ""},
		{"title by artist found", "", map[string]dbus.Variant{"focus": v("title"), "title": v("Enter Sandman"), "artist": v("Metallica"), "year": v("1990s")}, "org.continuo.Error.NoPlayer", ""},
		{"nothing found", "", map[string]dbus.Variant{"focus": v("title"), "title": v("xqzvw wvutq")}, "org.continuo.Error.NotFound", ""},
		{"nothing named: continue", "", map[string]dbus.Variant{"com.example.hint": v("x")}, "org.continuo.Error.NoPlayer", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name, msg := errorOf(e.call(Interface, "PlaySearch", c.query, c.extras))
			assert.Equal(t, c.errName, name, msg)
			assert.Contains(t, msg, c.msg)
		})
	}
}

func FuzzParseSearch(f *testing.F) {
	f.Add("", "title", "Femme Fatale", "1975")
	f.Add("some jazz", "vnd.android.cursor.item/*", "\xff", "seventies")
	f.Fuzz(func(t *testing.T, query, focus, text, year string) {
		s, err := parseSearch(query, map[string]dbus.Variant{"focus": dbus.MakeVariant(focus),
			"title": dbus.MakeVariant(text), "artist": dbus.MakeVariant(text), "year": dbus.MakeVariant(year)})
		if err != nil {
			return
		}
		rs := s.readings()
		require.NotEmpty(t, rs)
		for _, r := range rs {
			assert.NotEmpty(t, r.name)
		}
	})
}

// TestResolveSearchOverTheBus: ResolveSearch checks what PlaySearch checks,
// plus the limit, and returns the readings of the first interpretation the
// catalog answers, each naming it; it never plays and never answers
// NotFound.
func TestResolveSearchOverTheBus(t *testing.T) {
	e := startServer(t, serverConfig{})
	v := dbus.MakeVariant
	refused := []struct {
		name   string
		query  string
		extras map[string]dbus.Variant
		limit  uint32
		msg    string
	}{
		{"unknown focus", "", map[string]dbus.Variant{"focus": v("podcast")}, 3, "focus"},
		{"artist not a string", "", map[string]dbus.Variant{"artist": v(int32(3))}, 3, "extras[artist] must be a string"},
		{"bad year", "jazz", map[string]dbus.Variant{"year": v("soon")}, 3, "year"},
		{"limit zero", "jazz", nil, 0, "limit must be 1..100"},
		{"limit too big", "jazz", nil, 101, "limit must be 1..100"},
		{"query too long", strings.Repeat("a", 501), nil, 3, "query is longer than 500"},
		{"nothing named", " ", map[string]dbus.Variant{"com.example.hint": v("x")}, 3, "nothing to resolve"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			name, msg := errorOf(e.call(Interface, "ResolveSearch", c.query, c.extras, c.limit))
			assert.Equal(t, "org.continuo.Error.InvalidArgument", name, msg)
			assert.Contains(t, msg, c.msg)
		})
	}

	found := []struct {
		name           string
		query          string
		extras         map[string]dbus.Variant
		interpretation string
		match          string
		artist         string
		reason         string // a part of the first reading's reason, "" for any
	}{
		{"artist", "", map[string]dbus.Variant{"focus": v("artist"), "artist": v("Metallica")}, "artist", "artist", "Metallica", ""},
		{"title by artist, Android names", "", map[string]dbus.Variant{
			"android.intent.extra.focus": v("vnd.android.cursor.item/audio"), "android.intent.extra.title": v("Enter Sandman"),
			"android.intent.extra.artist": v("Metallica"), "year": v(int32(1991))}, "title+artist", "track", "Metallica", ""},
		// "title by artist" already reads as the artist when the catalog lacks the title.
		{"a title the catalog lacks: the artist", "", map[string]dbus.Variant{"focus": v("title"), "title": v("xqzvw wvutq"), "artist": v("Metallica")}, "title+artist", "artist", "Metallica", ""},
		{"an album the catalog lacks, no artist: the query", "metallica", map[string]dbus.Variant{"focus": v("album"), "album": v("xqzvw wvutq")}, "query", "artist", "Metallica", ""},
		{"genre", "", map[string]dbus.Variant{"focus": v("genre"), "genre": v("jazz")}, "genre", "genre", "", ""},
		{"unstructured query", "play some jazz", map[string]dbus.Variant{"focus": v("unstructured")}, "query", "genre", "", ""},
		// An artist beyond the catalog: music of their genres (the reason says so).
		{"artist beyond the catalog", "", map[string]dbus.Variant{"focus": v("artist"), "artist": v("Skinny Puppy")}, "artist", "genre", "", "no Skinny Puppy here; playing "},
	}
	for _, c := range found {
		t.Run(c.name, func(t *testing.T) {
			var got []map[string]dbus.Variant
			require.NoError(t, e.call(Interface, "ResolveSearch", c.query, c.extras, uint32(3)).Store(&got))
			require.NotEmpty(t, got)
			assert.LessOrEqual(t, len(got), 3)
			for _, d := range got {
				assert.Equal(t, c.interpretation, d["continuo:interpretation"].Value())
			}
			assert.Equal(t, c.match, got[0]["continuo:match"].Value())
			assert.GreaterOrEqual(t, got[0]["continuo:confidence"].Value().(float64), 0.5)
			if c.artist != "" {
				assert.Equal(t, c.artist, got[0]["xesam:artist"].Value().([]string)[0])
			}
			assert.Contains(t, got[0]["continuo:reason"].Value(), c.reason)
		})
	}

	var none []map[string]dbus.Variant
	require.NoError(t, e.call(Interface, "ResolveSearch", "", map[string]dbus.Variant{"focus": v("title"), "title": v("xqzvw wvutq")}, uint32(3)).Store(&none))
	for _, d := range none {
		assert.Less(t, d["continuo:confidence"].Value().(float64), 0.5, "nothing sure is claimed")
	}
}
