package busapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/resolve"
)

// PlaySearch takes a request already split by the head unit's own language
// understanding, as Android Automotive's onPlayFromSearch(query, extras)
// passes it. The extras are read under their short names or their Android
// names (android.intent.extra.focus, .artist, .album, .title, .genre);
// other keys are ignored, since head units add their own.
var searchKeys = map[string]string{
	"focus": "focus", "android.intent.extra.focus": "focus",
	"artist": "artist", "android.intent.extra.artist": "artist",
	"album": "album", "android.intent.extra.album": "album",
	"title": "title", "android.intent.extra.title": "title",
	"genre": "genre", "android.intent.extra.genre": "genre",
	"year": "year",
}

// searchFocus maps a focus, short or as Android's MIME type, to its kind.
var searchFocus = map[string]string{
	"artist": "artist", "vnd.android.cursor.item/artist": "artist",
	"album": "album", "vnd.android.cursor.item/album": "album",
	"title": "title", "vnd.android.cursor.item/audio": "title",
	"genre": "genre", "vnd.android.cursor.item/genre": "genre",
	"playlist": "playlist", "vnd.android.cursor.item/playlist": "playlist",
	"unstructured": "unstructured", "vnd.android.cursor.item/*": "unstructured",
}

const maxExtraText = 200

// search is a checked PlaySearch request.
type search struct {
	query                                    string
	focus, artist, album, title, genre, year string
}

// parseSearch checks the extras: every known key a string (year also an
// integer), valid UTF-8, at most 200 bytes; the focus one of the known ones.
func parseSearch(query string, extras map[string]dbus.Variant) (search, *dbus.Error) {
	s := search{query: query}
	fields := map[string]*string{"focus": &s.focus, "artist": &s.artist, "album": &s.album,
		"title": &s.title, "genre": &s.genre, "year": &s.year}
	for key, v := range extras {
		name, ok := searchKeys[key]
		if !ok {
			continue
		}
		var text string
		switch x := v.Value().(type) {
		case string:
			text = x
		case int32, uint32, int64, uint16, int16:
			if name != "year" {
				return s, invalid("extras[%s] must be a string, got %s", key, v.Signature())
			}
			text = fmt.Sprint(x)
		default:
			return s, invalid("extras[%s] must be a string, got %s", key, v.Signature())
		}
		if err := checkText("extras["+key+"]", text, maxExtraText); err != nil {
			return s, err
		}
		*fields[name] = strings.TrimSpace(text)
	}
	if s.focus != "" {
		f, ok := searchFocus[s.focus]
		if !ok {
			return s, invalid("extras[focus] %q: want artist, album, title, genre, playlist or unstructured (or Android's vnd.android.cursor.item/… types)", s.focus)
		}
		s.focus = f
	}
	if s.year != "" && !validYear(s.year) {
		return s, invalid("extras[year] %q: want a year (1900..2100) or a decade such as 1970s or seventies", s.year)
	}
	return s, nil
}

func validYear(y string) bool {
	var n int
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.ToLower(y), "s"), "%d", &n); err == nil {
		return n >= 1900 && n <= 2100
	}
	switch strings.ToLower(y) {
	case "twenties", "thirties", "forties", "fourties", "fifties", "sixties", "seventies", "eighties", "nineties":
		return true
	}
	return false
}

// reading is one way to read a structured request: what it asks, and the
// name the reply gives it (continuo:interpretation).
type searchReading struct{ name, query string }

// readings are the interpretations of a search, tried in this order until
// one is found: the focus's own fields first (title with its artist, then
// the title alone, then the artist; album likewise), then the artist, then
// the free-text query. With no focus the most specific field leads. The
// year narrows nothing: the catalog has no release dates.
func (s search) readings() []searchReading {
	by := func(what string) string {
		if s.artist == "" || what == "" {
			return ""
		}
		return what + " by " + s.artist
	}
	focus := s.focus
	if focus == "" || focus == "unstructured" || focus == "playlist" {
		switch {
		case s.query != "":
			focus = "query"
		case s.title != "":
			focus = "title"
		case s.album != "":
			focus = "album"
		case s.artist != "":
			focus = "artist"
		case s.genre != "":
			focus = "genre"
		}
	}
	var rs []searchReading
	switch focus {
	case "title":
		rs = []searchReading{{"title+artist", by(s.title)}, {"title", s.title}}
	case "album":
		rs = []searchReading{{"album+artist", by(s.album)}, {"album", s.album}}
	case "genre":
		rs = []searchReading{{"genre", s.genre}}
	}
	rs = append(rs, searchReading{"artist", s.artist}, searchReading{"query", s.query})
	out := rs[:0]
	seen := map[string]bool{}
	for _, r := range rs {
		if r.query != "" && !seen[r.query] {
			seen[r.query] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		// Nothing named: continue the drive, as Play("") does.
		out = append(out, searchReading{"continue", ""})
	}
	return out
}

// PlaySearch plays the first reading of a structured request that the
// catalog answers; the reply names it in continuo:interpretation.
func (m methods) PlaySearch(msg dbus.Message, _, _ dbus.Variant) (map[string]dbus.Variant, *dbus.Error) {
	var query string
	var extras map[string]dbus.Variant
	if err := decode(msg, &query, &extras); err != nil {
		return nil, err
	}
	s, derr := checkedSearch(query, extras)
	if derr != nil {
		return nil, derr
	}
	ctx, cancel := m.s.call()
	defer cancel()
	t, r, err := m.s.playFirst(ctx, s.readings())
	if err != nil {
		return nil, m.s.toDBus("PlaySearch", err)
	}
	return searchDict(t, r), nil
}

// checkedSearch checks PlaySearch's and ResolveSearch's query and reads
// their extras into one structured request.
func checkedSearch(query string, extras map[string]dbus.Variant) (search, *dbus.Error) {
	if err := checkText("query", query, 500); err != nil {
		return search{}, err
	}
	return parseSearch(strings.TrimSpace(query), extras)
}

// searchDict is a track answering a structured request: requestDict plus
// the interpretation that answered it.
func searchDict(t drive.TrackView, r searchReading) map[string]dbus.Variant {
	d := requestDict(t)
	d["continuo:interpretation"] = dbus.MakeVariant(r.name)
	return d
}

// playFirst plays the first reading the catalog answers; a reading that
// is not found falls through to the next, any other error stops.
func (s *Server) playFirst(ctx context.Context, rs []searchReading) (drive.TrackView, searchReading, error) {
	var err error
	for _, r := range rs {
		var t drive.TrackView
		t, err = s.core.Play(ctx, r.query)
		if err == nil {
			return t, r, nil
		}
		if music.KindOf(err) != music.KindNotFound {
			break
		}
	}
	return drive.TrackView{}, searchReading{}, err
}

// ResolveSearch reads a structured request as PlaySearch does, without
// playing: the readings of the first interpretation whose best reading is
// sure enough to play, else those of the first interpretation that has any,
// each with continuo:interpretation. Like Resolve it never answers
// NotFound: an empty list means nothing matched.
func (m methods) ResolveSearch(msg dbus.Message, _, _, _ dbus.Variant) ([]map[string]dbus.Variant, *dbus.Error) {
	var query string
	var extras map[string]dbus.Variant
	var limit uint32
	if err := decode(msg, &query, &extras, &limit); err != nil {
		return nil, err
	}
	s, derr := checkedSearch(query, extras)
	if derr != nil {
		return nil, derr
	}
	if limit == 0 || limit > maxLimit {
		return nil, invalid("limit must be 1..%d, got %d", maxLimit, limit)
	}
	rs := s.readings()
	if rs[0].name == "continue" {
		return nil, invalid("nothing to resolve: query and the extras artist, album, title and genre are all empty")
	}
	ctx, cancel := m.s.call()
	defer cancel()
	ts, r, err := m.s.resolveFirst(ctx, rs, int(limit))
	if err != nil {
		return nil, m.s.toDBus("ResolveSearch", err)
	}
	return dicts(ts, func(t drive.TrackView) map[string]dbus.Variant { return searchDict(t, r) }), nil
}

// resolveFirst resolves the readings in order and keeps the first whose
// best reading Play would start; failing that, the first with any reading.
func (s *Server) resolveFirst(ctx context.Context, rs []searchReading, limit int) ([]drive.TrackView, searchReading, error) {
	var fallback []drive.TrackView
	var fallbackR searchReading
	for _, r := range rs {
		ts, err := s.core.Resolve(ctx, r.query, limit)
		if err != nil {
			return nil, r, err
		}
		if len(ts) > 0 && ts[0].Confidence >= resolve.PlayConfidence {
			return ts, r, nil
		}
		if fallback == nil && len(ts) > 0 {
			fallback, fallbackR = ts, r
		}
	}
	return fallback, fallbackR, nil
}
