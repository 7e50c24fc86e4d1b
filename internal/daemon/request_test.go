package daemon_test

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/resolve"
	"github.com/continuo/continuo/internal/testenv"
)

// TestPlayRequests plays requests of every kind through the bus into the
// emulator: the reply says how the request was read, and the emulator plays
// the track the reply names.
func TestPlayRequests(t *testing.T) {
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 1)
	cases := []struct {
		query  string
		match  string
		artist string // expected primary artist, "" for any
	}{
		// The requests of issue 10, on the embedded catalog.
		{"mozart", "artist", "Wolfgang Amadeus Mozart"},
		{"metallica", "artist", "Metallica"},
		{"bob marley", "artist", "Bob Marley & The Wailers"},
		{"kendrick lamar", "artist", "Kendrick Lamar"},
		{"kind of blue", "album", "Miles Davis"},
		{"lullaby", "mood", ""},
		{"something calm", "mood", ""},
		{"kendrick lamar humble", "track", "Kendrick Lamar"},
		{"miles davis so what", "track", "Miles Davis"},
		{"jolene dolly parton", "track", "Dolly Parton"},
		{"take five", "track", "The Dave Brubeck Quartet"},
		{"post malone circles", "track", "Post Malone"},
		{"the nutcracker", "album", "Pyotr Ilyich Tchaikovsky"},
		{"some jazz", "genre", ""},
		{"", "continue", ""},
		{"play music", "continue", ""},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			var track map[string]dbus.Variant
			require.NoError(t, e.call("Play", tc.query).Store(&track))
			assert.Equal(t, tc.match, track["continuo:match"].Value())
			conf, _ := track["continuo:confidence"].Value().(float64)
			assert.GreaterOrEqual(t, conf, resolve.PlayConfidence)
			if tc.artist != "" {
				assert.Equal(t, tc.artist, track["xesam:artist"].Value().([]string)[0])
			}
			id, _ := track["continuo:id"].Value().(string)
			testenv.WaitFor(t, deadline, func() bool {
				cur, ok := emu.Current()
				return ok && cur.URI == "emu:///"+id
			}, "the emulator plays the track of the reply")
		})
	}
}

// TestPlayRefusesToGuess: a request that matches nothing well is refused
// with suggestions, and nothing starts.
func TestPlayRefusesToGuess(t *testing.T) {
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 1)
	cases := []struct {
		query string
		msg   []string
	}{
		{"zzyzx qqwwee", []string{"nothing in the catalog matches"}},
		{"zzyzx beatles", []string{"no confident match", "did you mean", "by The Beatles"}},
	}
	for _, tc := range cases {
		c := e.call("Play", tc.query)
		require.Error(t, c.Err, tc.query)
		assert.Equal(t, "org.continuo.Error.NotFound", errName(c.Err))
		for _, m := range tc.msg {
			assert.Contains(t, c.Err.Error(), m)
		}
	}
	_, playing := emu.Current()
	assert.False(t, playing, "nothing was started")
}

// TestResolveReadings: Resolve returns the reading first and alternatives
// after it, each with its kind and a confidence no higher than the first's.
func TestResolveReadings(t *testing.T) {
	e := startDaemon(t)
	var found []map[string]dbus.Variant
	require.NoError(t, e.call("Resolve", "metallica", uint32(4)).Store(&found))
	require.NotEmpty(t, found)
	assert.Equal(t, "artist", found[0]["continuo:match"].Value())
	assert.Equal(t, "Metallica", found[0]["xesam:artist"].Value().([]string)[0])
	first := found[0]["continuo:confidence"].Value().(float64)
	for _, f := range found[1:] {
		assert.LessOrEqual(t, f["continuo:confidence"].Value().(float64), first)
		assert.NotEmpty(t, f["continuo:match"].Value())
	}

	require.NoError(t, e.call("Resolve", "something calm", uint32(2)).Store(&found))
	require.NotEmpty(t, found)
	assert.Equal(t, "mood", found[0]["continuo:match"].Value())
	assert.True(t, strings.Contains(found[0]["continuo:reason"].Value().(string), "calm"))
}

// TestPlayBeyondCatalog: an artist the embedded catalog has no tracks of but
// the artist table knows with genres starts music of those genres, and the
// reply's reason says so; an artist known nowhere is refused with what was
// understood, and nothing starts.
func TestPlayBeyondCatalog(t *testing.T) {
	e := startDaemon(t)
	emu, _ := e.startEmu(t, 1)

	unknown := e.call("Play", "play songs by Zxqv Blorptone")
	require.Error(t, unknown.Err)
	assert.Equal(t, "org.continuo.Error.NotFound", errName(unknown.Err))
	assert.Contains(t, unknown.Err.Error(), `understood artist "Zxqv Blorptone" (not in the catalog, genres unknown)`)
	_, playing := emu.Current()
	assert.False(t, playing, "nothing was started for an artist known nowhere")

	cases := []struct{ query, reason string }{
		{"play something by Skinny Puppy", "no Skinny Puppy here; playing "},
		{"play the newest song by Skinny Puppy on Spotify", "no Skinny Puppy here; playing "},
	}
	for _, tc := range cases {
		var track map[string]dbus.Variant
		require.NoError(t, e.call("Play", tc.query).Store(&track), tc.query)
		assert.Equal(t, "genre", track["continuo:match"].Value(), tc.query)
		reason, _ := track["continuo:reason"].Value().(string)
		assert.Contains(t, reason, tc.reason, tc.query)
		assert.Contains(t, reason, " like theirs", tc.query)
		assert.NotEqual(t, "Skinny Puppy", track["xesam:artist"].Value().([]string)[0], "the catalog has none of theirs")
		id, _ := track["continuo:id"].Value().(string)
		testenv.WaitFor(t, deadline, func() bool {
			cur, ok := emu.Current()
			return ok && cur.URI == "emu:///"+id
		}, "the emulator plays the track of the reply")
	}

	var found []map[string]dbus.Variant
	require.NoError(t, e.call("Resolve", "play something by Skinny Puppy", uint32(3)).Store(&found))
	require.NotEmpty(t, found)
	assert.Equal(t, "genre", found[0]["continuo:match"].Value())
	assert.Contains(t, found[0]["continuo:reason"].Value().(string), "no Skinny Puppy here")
}
