package web

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/busval"
)

// Track is a track as the page shows it: from an API track dictionary, or
// from the player's MPRIS Metadata enriched with what the daemon said of it.
type Track struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Artists    []string `json:"artists"`
	Album      string   `json:"album,omitempty"`
	Family     string   `json:"family,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	URL        string   `json:"url,omitempty"`
	LengthUS   int64    `json:"length_us,omitempty"`
	Valence    *float64 `json:"valence,omitempty"`
	Energy     *float64 `json:"energy,omitempty"`
	Match      string   `json:"match,omitempty"`      // Resolve readings only
	Confidence *float64 `json:"confidence,omitempty"` // Resolve readings only
}

// Daemon is what the page shows of org.continuo.Recommender1's properties.
type Daemon struct {
	Up              bool   `json:"up"`
	Version         string `json:"version,omitempty"`
	CatalogSize     uint32 `json:"catalog_size,omitempty"`
	ActiveProfile   string `json:"active_profile"`
	ActivePlayer    string `json:"active_player"`
	Mood            string `json:"mood"`
	ExplicitAllowed bool   `json:"explicit_allowed"`
	QueueMechanism  string `json:"queue_mechanism,omitempty"`
}

// Player is the followed MPRIS player.
type Player struct {
	Name     string  `json:"name"`
	Identity string  `json:"identity,omitempty"`
	Status   string  `json:"status,omitempty"`
	Rate     float64 `json:"rate"`
	MinRate  float64 `json:"min_rate"`
	MaxRate  float64 `json:"max_rate"`
	Emulator bool    `json:"emulator"`
}

// Now is the playing track and where it is: the page moves the position on
// by itself from PositionUS read at AtMS (wall clock, Unix ms) at Rate,
// because MPRIS never signals Position.
type Now struct {
	Track
	PositionUS int64  `json:"position_us"`
	AtMS       int64  `json:"at_ms"`
	Verdict    string `json:"verdict,omitempty"` // like or dislike, as the daemon recorded it
}

// Entry is one line of the vehicle context.
type Entry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Context is the daemon's Context property; Available is false when the
// daemon has none (a version before issue 14).
type Context struct {
	Available bool    `json:"available"`
	Entries   []Entry `json:"entries"`
}

// Point is one played track on the valence/energy chart.
type Point struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Valence *float64 `json:"valence,omitempty"`
	Energy  *float64 `json:"energy,omitempty"`
}

// Marker is an event on the chart: at the point X (an index into Points;
// len(Points) for "before the next track"), of Kind ask, skip, like,
// dislike, mood, explicit or context.
type Marker struct {
	X     int    `json:"x"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
}

// Snapshot is everything the page shows, sent whole on every change: it is
// small (a queue of at most 20 tracks, a bounded chart), and a client that
// missed events is right again with the next one.
type Snapshot struct {
	Seq     uint64   `json:"seq"`
	Bus     string   `json:"bus"` // "" when connected, else why not
	Daemon  Daemon   `json:"daemon"`
	Player  *Player  `json:"player"`
	Now     *Now     `json:"now"`
	Queue   []Track  `json:"queue"`
	Context Context  `json:"context"`
	Points  []Point  `json:"points"`
	Markers []Marker `json:"markers"`
}

// maxPoints bounds the chart (and the snapshot): a long drive shows its
// last maxPoints tracks.
const maxPoints = 120

// hub holds the snapshot and wakes its subscribers on change. Wake-ups
// coalesce (one pending per subscriber), so a slow page never blocks the
// bus goroutine and gets the newest state when it catches up.
type hub struct {
	mu    sync.Mutex
	snap  Snapshot
	known map[string]Track // by URL and by id: what the daemon said of a track
	subs  map[chan struct{}]struct{}
}

func newHub() *hub {
	return &hub{snap: Snapshot{Bus: "connecting", Queue: []Track{}, Points: []Point{}, Markers: []Marker{}, Context: Context{Entries: []Entry{}}},
		known: map[string]Track{}, subs: map[chan struct{}]struct{}{}}
}

// update changes the snapshot under the lock and wakes the subscribers.
func (h *hub) update(f func(s *Snapshot)) {
	h.mu.Lock()
	f(&h.snap)
	h.snap.Seq++
	for c := range h.subs {
		select {
		case c <- struct{}{}:
		default: // already pending
		}
	}
	h.mu.Unlock()
}

// get returns a deep enough copy for encoding outside the lock: the
// slices are replaced, never appended to in place, by the writers.
func (h *hub) get() Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.snap
	s.Points = append([]Point(nil), s.Points...)
	s.Markers = append([]Marker(nil), s.Markers...)
	return s
}

func (h *hub) subscribe() (chan struct{}, func()) {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}
}

// remember records what the daemon said of tracks, so that the player's
// plain Metadata can be shown with the family, reason and mood.
func (h *hub) remember(ts ...Track) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.known) > 4096 { // a bound, not a cache policy: a drive never comes near
		clear(h.known)
	}
	for _, t := range ts {
		if t.URL != "" {
			h.known["url:"+t.URL] = t
		}
		if t.ID != "" {
			h.known["id:"+t.ID] = t
		}
	}
}

// enrich fills in from the daemon's word on the track what MPRIS lacks.
func (h *hub) enrich(t Track) Track {
	h.mu.Lock()
	k, ok := h.known["url:"+t.URL]
	if !ok && t.ID != "" {
		k, ok = h.known["id:"+t.ID]
	}
	h.mu.Unlock()
	if !ok {
		return t
	}
	k.Title, k.Artists, k.LengthUS = first(t.Title, k.Title), t.Artists, max(t.LengthUS, k.LengthUS)
	if len(k.Artists) == 0 {
		k.Artists = []string{}
	}
	return k
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// addMarker puts an event on the current track.
func (s *Snapshot) addMarker(kind, label string) {
	x := max(len(s.Points)-1, 0)
	s.Markers = append(append([]Marker(nil), s.Markers...), Marker{X: x, Kind: kind, Label: label})
}

// markAsk puts one ask marker on the track at x, or gives the one already
// there the label, when label is not empty: the page's own ask and the
// track change it causes may arrive in either order.
func (s *Snapshot) markAsk(x int, label string) {
	for i, m := range s.Markers {
		if m.Kind == "ask" && m.X == x {
			if label != "" {
				ms := append([]Marker(nil), s.Markers...)
				ms[i].Label = label
				s.Markers = ms
			}
			return
		}
	}
	s.Markers = append(append([]Marker(nil), s.Markers...), Marker{X: x, Kind: "ask", Label: first(label, "a new request")})
}

// markAt puts an event on the last chart point of track id (the current
// one when id is not on the chart).
func (s *Snapshot) markAt(id, kind, label string) {
	x := max(len(s.Points)-1, 0)
	for i := len(s.Points) - 1; i >= 0; i-- {
		if s.Points[i].ID == id {
			x = i
			break
		}
	}
	s.Markers = append(append([]Marker(nil), s.Markers...), Marker{X: x, Kind: kind, Label: label})
}

// inQueue reports whether id is one of the queued tracks.
func (s *Snapshot) inQueue(id string) bool {
	for _, t := range s.Queue {
		if t.ID == id {
			return true
		}
	}
	return false
}

// learn completes the playing track and its chart point with what the
// daemon said of it, when that came after the player announced it (Play's
// reply arrives after the player's Metadata).
func (s *Snapshot) learn(t Track) {
	if s.Now == nil || s.Now.ID != t.ID || t.ID == "" {
		return
	}
	n := *s.Now
	n.Family, n.Reason, n.Valence, n.Energy = t.Family, t.Reason, t.Valence, t.Energy
	s.Now = &n
	if last := len(s.Points) - 1; last >= 0 && s.Points[last].ID == t.ID {
		pts := append([]Point(nil), s.Points...)
		pts[last].Valence, pts[last].Energy = t.Valence, t.Energy
		s.Points = pts
	}
}

// startTrack appends the new playing track to the chart, dropping the
// oldest beyond maxPoints and moving the markers with it.
func (s *Snapshot) startTrack(t Track) {
	pts := append(append([]Point(nil), s.Points...), Point{ID: t.ID, Title: t.Title, Valence: t.Valence, Energy: t.Energy})
	marks := s.Markers
	if drop := len(pts) - maxPoints; drop > 0 {
		pts = pts[drop:]
		kept := make([]Marker, 0, len(marks))
		for _, m := range marks {
			if m.X -= drop; m.X >= 0 {
				kept = append(kept, m)
			}
		}
		marks = kept
	}
	s.Points, s.Markers = pts, marks
}

// trackFromDict reads an API track dictionary with checked extraction:
// nothing from the bus is trusted, missing keys are zero.
func trackFromDict(d map[string]dbus.Variant) Track {
	t := Track{
		ID: busval.Get[string](d, "continuo:id"), Title: busval.Get[string](d, "xesam:title"), Artists: busval.Strings(d, "xesam:artist"),
		Album: busval.Get[string](d, "xesam:album"), Family: busval.Get[string](d, "continuo:family"), Reason: busval.Get[string](d, "continuo:reason"),
		URL: busval.Get[string](d, "xesam:url"), LengthUS: busval.Get[int64](d, "mpris:length"), Match: busval.Get[string](d, "continuo:match"),
		Valence: unit(d, "continuo:valence"), Energy: unit(d, "continuo:energy"), Confidence: unit(d, "continuo:confidence"),
	}
	return t
}

// trackFromMetadata reads MPRIS Metadata; an emu:/// URL names the catalog id.
func trackFromMetadata(d map[string]dbus.Variant) Track {
	t := Track{Title: busval.Get[string](d, "xesam:title"), Artists: busval.Strings(d, "xesam:artist"), Album: busval.Get[string](d, "xesam:album"),
		URL: busval.Get[string](d, "xesam:url"), LengthUS: busval.Get[int64](d, "mpris:length")}
	if id, ok := strings.CutPrefix(t.URL, "emu:///"); ok {
		t.ID = id
	}
	return t
}

func tracksFromDicts(ds []map[string]dbus.Variant) []Track {
	ts := make([]Track, len(ds))
	for i, d := range ds {
		ts[i] = trackFromDict(d)
	}
	return ts
}

// unit reads a 0..1 value; anything else (NaN, out of range) is unknown.
func unit(d map[string]dbus.Variant, k string) *float64 {
	v, ok := d[k].Value().(float64)
	if !ok || math.IsNaN(v) || v < 0 || v > 1 {
		return nil
	}
	return &v
}

// contextKeys names the vehicle context's keys (COVESA VSS and Continuo.*,
// as SetContext takes them) for people, with their units; a key not listed
// is shown as it comes.
var contextKeys = map[string]struct{ label, unit string }{
	"Vehicle.Speed":                   {"speed", " km/h"},
	"Vehicle.IsMoving":                {"moving", ""},
	"Vehicle.Driver.FatigueLevel":     {"fatigue", " %"},
	"Vehicle.Exterior.AirTemperature": {"outside", " °C"},
	"Continuo.Traffic":                {"traffic", ""},
	"Continuo.Road":                   {"road", ""},
	"Continuo.Weather":                {"weather", ""},
	"Continuo.DrivingStyle":           {"driving", ""},
	"Continuo.MinutesToDestination":   {"to destination", " min"},
	"Continuo.ChildrenPresent":        {"children aboard", ""},
}

// contextEntries shows a Context property (a{sv}) as sorted lines; any
// other type is shown whole rather than dropped.
func contextEntries(v dbus.Variant) []Entry {
	m, ok := v.Value().(map[string]dbus.Variant)
	if !ok {
		return []Entry{{Key: "context", Value: formatValue(v.Value())}}
	}
	es := make([]Entry, 0, len(m))
	for k, x := range m {
		e := Entry{Key: k, Value: formatValue(x.Value())}
		if name, ok := contextKeys[k]; ok {
			e.Key, e.Value = name.label, e.Value+name.unit
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Key < es[j].Key })
	return es
}

// contextChange says what changed between two contexts, for a marker:
// "traffic jam, speed 20 km/h".
func contextChange(old, now []Entry) string {
	was := make(map[string]string, len(old))
	for _, e := range old {
		was[e.Key] = e.Value
	}
	var parts []string
	for _, e := range now {
		if was[e.Key] != e.Value {
			parts = append(parts, e.Key+" "+e.Value)
		}
		delete(was, e.Key)
	}
	expired := make([]string, 0, len(was))
	for k := range was {
		expired = append(expired, k+" expired")
	}
	sort.Strings(expired)
	parts = append(parts, expired...)
	if len(parts) == 0 {
		return "context set again"
	}
	return "context: " + strings.Join(parts, ", ")
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case bool:
		return map[bool]string{true: "yes", false: "no"}[x]
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case dbus.Variant:
		return formatValue(x.Value())
	}
	return dbus.MakeVariant(v).String()
}

// nowMS is the wall clock the page extrapolates positions from.
func nowMS() int64 { return time.Now().UnixMilli() }
