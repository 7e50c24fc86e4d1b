// Package remotecmd owns continuoctl's subcommands that talk to a running
// continuod over org.continuo.Recommender1: status, play, resolve,
// recommend, feedback, explain, history, profile, watch and web.
package remotecmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/busval"
	"github.com/continuo/continuo/internal/cli/command"
	"github.com/continuo/continuo/internal/cli/output"
	"github.com/continuo/continuo/internal/config"
	"github.com/continuo/continuo/internal/daemon"
)

const (
	busName = "org.continuo.Recommender1"
	iface   = "org.continuo.Recommender1"
	objPath = dbus.ObjectPath("/org/continuo/Recommender1")
)

// Globals are the flags every remote command takes (before or after its
// name).
type Globals struct {
	Address string // resolved D-Bus address
	JSON    bool
	Wide    bool // tables are not clipped to output.Width
	Timeout time.Duration
}

// Limits the daemon enforces, checked here first so that a bad value is a
// usage error (exit 2) without a round trip.
const (
	maxResults = 100  // Resolve and Recommend (recommend.MaxN, busapi maxLimit)
	maxHistory = 1000 // History
)

// GlobalFlags are continuoctl's global flags.
var GlobalFlags = []command.Flag{
	{Name: "bus", Default: "session", Value: "session|system|ADDRESS", Usage: "the D-Bus continuod is on", Check: checkBus, Suggest: []string{"session", "system"}},
	{Name: "json", Default: false, Usage: "print JSON (watch: one JSON object per line)"},
	{Name: "timeout", Default: 10 * time.Second, Usage: "deadline for each daemon call"},
	{Name: "wide", Default: false, Usage: "do not clip table columns to fit 120 characters"},
}

// Commands are the remote commands, for continuoctl's command table.
func Commands() []*command.Command {
	query := []command.Operand{{Name: "QUERY", Many: true}}
	return []*command.Command{
		{Name: "status", Summary: "show the daemon's properties", Run: remote((*runner).status)},
		{Name: "play", Summary: "play the best match for QUERY and queue its continuation", Operands: query, Run: remote((*runner).play)},
		{Name: "resolve", Summary: "find catalog tracks matching QUERY", Operands: query, Run: remote((*runner).resolve),
			Flags: []command.Flag{{Name: "n", Default: 10, Usage: "number of results", Min: command.Range(1), Max: command.Range(maxResults)}}},
		{Name: "recommend", Summary: "recommend tracks (continue the session, or from --seed)", Run: recommend,
			Flags: []command.Flag{
				{Name: "seed", Default: "", Value: "ID", Usage: "seed track id (default: continue the session)"},
				{Name: "n", Default: 10, Usage: "number of tracks", Min: command.Range(1), Max: command.Range(maxResults)},
				{Name: "mood", Default: "", Choices: moods, Usage: "mood steering"},
				{Name: "no-explicit", Default: false, Usage: "no explicit tracks"},
				{Name: "explore", Default: -1.0, Usage: "0..1: how far from the context it may wander (-1: the daemon's default)", Min: command.Range(-1), Max: command.Range(1)},
				{Name: "profile", Default: "", Value: "NAME", Usage: "use this profile's taste"},
				{Name: "offline", Default: false, Usage: "run the engine in this process on a catalog file, without a daemon"},
				{Name: "catalog", Default: "", Value: "FILE", File: true, Usage: "with --offline: catalog snapshot (default: the embedded catalog)"},
				{Name: "query", Default: "", Value: "TEXT", Usage: "with --offline: seed by free text"},
			}},
		{Name: "feedback", Summary: "tell the daemon the driver liked, disliked or skipped a track", Run: remote((*runner).feedback),
			Operands: []command.Operand{{Name: "ID"}, {Name: "VERDICT", Choices: []string{"like", "dislike", "skip"}}}},
		{Name: "explain", Summary: "say why a track was picked", Operands: []command.Operand{{Name: "ID"}}, Run: remote((*runner).explain)},
		{Name: "history", Summary: "list recent plays of a profile", Run: remote((*runner).history),
			Flags: []command.Flag{
				{Name: "profile", Default: "", Value: "NAME", Usage: "profile (default: the active one)"},
				{Name: "n", Default: 20, Usage: "number of events", Min: command.Range(1), Max: command.Range(maxHistory)},
				{Name: "before", Default: 0, Value: "EVENT", Usage: "only events older than this EVENT id (the next page)", Min: command.Range(0)},
			}},
		{Name: "profile", Summary: "switch to a driver profile, or forget one (privileged)", Run: remote((*runner).profile),
			Operands: []command.Operand{{Name: "ACTION", Choices: []string{"use", "forget"}}, {Name: "NAME"}}},
		{Name: "watch", Summary: "follow the queue, plays and property changes live until interrupted", Run: remote((*runner).watch),
			Detail: "Prints one line per event: queue (QueueUpdated), played (Played) and\nproperty (PropertiesChanged); with --json one JSON object per line.\nStops cleanly on SIGINT or SIGTERM (exit 0)."},
		webCommand(),
	}
}

var moods = []string{"calm", "steady", "lively"}

// checkBus accepts what continuod's bus.address accepts.
func checkBus(s string) error {
	if !config.ValidBus(s) {
		return errors.New(config.BusHint)
	}
	return nil
}

// recommend runs the remote command, or the offline engine with --offline.
func recommend(ctx context.Context, fs *flag.FlagSet, o command.IO) int {
	if command.Get[bool](fs, "offline") {
		args := []string{"recommend"}
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "bus" && f.Name != "timeout" && f.Name != "wide" {
				args = append(args, "--"+f.Name+"="+f.Value.String())
			}
		})
		return offline(ctx, args, o.Stdout, o.Stderr)
	}
	for _, name := range []string{"catalog", "query"} {
		if fs.Lookup(name).Value.String() != "" {
			fmt.Fprintf(o.Stderr, "continuoctl recommend: --%s needs --offline\n", name)
			return output.ExitUsage
		}
	}
	return remote((*runner).recommend)(ctx, fs, o)
}

// offline runs `recommend --offline`; set by continuoctl's main to
// offlinecmd.Run (this package does not import the engine).
var offline = func(ctx context.Context, args []string, stdout, stderr io.Writer) int { return output.ExitError }

// SetOffline installs the offline recommend runner.
func SetOffline(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	offline = run
}

// remote adapts a runner method to a command: it resolves the bus from the
// parsed global flags and maps the method's error to an exit code.
func remote(method func(*runner, context.Context, *flag.FlagSet) error) func(context.Context, *flag.FlagSet, command.IO) int {
	return func(ctx context.Context, fs *flag.FlagSet, o command.IO) int {
		r := &runner{stdout: o.Stdout, stderr: o.Stderr, g: Globals{
			JSON: command.Get[bool](fs, "json"), Wide: command.Get[bool](fs, "wide"), Timeout: command.Get[time.Duration](fs, "timeout")}}
		addr, err := daemon.BusAddress(command.Get[string](fs, "bus"))
		if err != nil {
			return r.exit(unreachable{err})
		}
		r.g.Address = addr
		return r.exit(method(r, ctx, fs))
	}
}

type runner struct {
	g      Globals
	stdout io.Writer
	stderr io.Writer
	conn   *dbus.Conn
}

// usageError is a bad command line (exit 2).
type usageError string

func (e usageError) Error() string { return string(e) }

// unreachable means no daemon answered (exit 3).
type unreachable struct{ err error }

func (e unreachable) Error() string { return e.err.Error() }

func (r *runner) exit(err error) int {
	if r.conn != nil {
		_ = r.conn.Close()
	}
	if err == nil {
		return output.ExitOK
	}
	var ue usageError
	var un unreachable
	var de dbus.Error
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(r.stderr, "continuoctl: %s\n", ue)
		return output.ExitUsage
	case errors.As(err, &un):
		fmt.Fprintf(r.stderr, "continuoctl: continuod is not reachable: %v\nhint: is continuod running on this bus? (systemctl status continuod; --bus session|system|ADDRESS)\n", un.err)
		return output.ExitUnreachable
	case errors.As(err, &de):
		msg := de.Name
		if len(de.Body) > 0 {
			if s, ok := de.Body[0].(string); ok {
				msg = s
			}
		}
		fmt.Fprintf(r.stderr, "continuoctl: %s (%s)\n", msg, strings.TrimPrefix(de.Name, "org.continuo.Error."))
		return output.ExitError
	}
	fmt.Fprintf(r.stderr, "continuoctl: %v\n", err)
	return output.ExitError
}

// call invokes a method, telling "no daemon" apart from a daemon's error.
func (r *runner) call(ctx context.Context, method string, args ...any) (*dbus.Call, error) {
	if r.conn == nil {
		conn, err := dbus.Connect(r.g.Address, dbus.WithContext(ctx))
		if err != nil {
			return nil, unreachable{err}
		}
		r.conn = conn
	}
	ctx, cancel := context.WithTimeout(ctx, r.g.Timeout)
	defer cancel()
	c := r.conn.Object(busName, objPath).CallWithContext(ctx, method, 0, args...)
	if c.Err != nil {
		var de dbus.Error
		if errors.As(c.Err, &de) && (de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
			return nil, unreachable{c.Err}
		}
		if errors.Is(c.Err, context.DeadlineExceeded) {
			return nil, unreachable{c.Err}
		}
		return nil, c.Err
	}
	return c, nil
}

func (r *runner) oneArg(fs *flag.FlagSet, what string) (string, error) {
	if fs.NArg() == 0 {
		return "", usageError(fmt.Sprintf("%s: missing %s", fs.Name(), what))
	}
	return strings.Join(fs.Args(), " "), nil
}

// clip fits a table cell to n runes unless --wide.
func (r *runner) clip(s string, n int) string {
	if r.g.Wide {
		return s
	}
	return output.Clip(s, n)
}

func (r *runner) printTracks(ts []output.Track) error {
	if r.g.JSON {
		return output.JSON(r.stdout, output.Recommendation{Tracks: ts})
	}
	if r.g.Wide {
		return output.TracksWide(r.stdout, ts)
	}
	return output.Tracks(r.stdout, ts)
}

func (r *runner) status(ctx context.Context, fs *flag.FlagSet) error {
	c, err := r.call(ctx, "org.freedesktop.DBus.Properties.GetAll", iface)
	if err != nil {
		return err
	}
	var props map[string]dbus.Variant
	if err := c.Store(&props); err != nil {
		return err
	}
	// The queue is a list of tracks, not one value: shown as tracks.
	queueDicts, _ := props["Queue"].Value().([]map[string]dbus.Variant)
	queue := make([]output.Track, len(queueDicts))
	for i, d := range queueDicts {
		queue[i] = TrackFromDict(d)
	}
	st := map[string]any{}
	for k, v := range props {
		st[k] = v.Value()
	}
	st["Queue"] = queue
	if r.g.JSON {
		return output.JSON(r.stdout, st)
	}
	delete(st, "Queue")
	keys := make([]string, 0, len(st))
	for k := range st {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][]string, len(keys))
	for i, k := range keys {
		rows[i] = []string{k, fmt.Sprint(st[k])}
	}
	if err := output.Table(r.stdout, []string{"PROPERTY", "VALUE"}, rows); err != nil {
		return err
	}
	if recovered, _ := st["HistoryRecovered"].(bool); recovered {
		fmt.Fprintln(r.stdout, "\nwarning: the history database was found corrupt at start and a new one begun (the old file is kept; see the daemon's log for where)")
	}
	if len(queue) == 0 {
		_, err := fmt.Fprintln(r.stdout, "\nQueue: empty")
		return err
	}
	fmt.Fprintln(r.stdout, "\nQueue:")
	return output.Tracks(r.stdout, queue)
}

func (r *runner) play(ctx context.Context, fs *flag.FlagSet) error {
	q, err := r.oneArg(fs, "QUERY")
	if err != nil {
		return err
	}
	c, err := r.call(ctx, iface+".Play", q)
	if err != nil {
		return err
	}
	var d map[string]dbus.Variant
	if err := c.Store(&d); err != nil {
		return err
	}
	return r.printTracks([]output.Track{TrackFromDict(d)})
}

func (r *runner) resolve(ctx context.Context, fs *flag.FlagSet) error {
	q, err := r.oneArg(fs, "QUERY")
	if err != nil {
		return err
	}
	return r.tracksCall(ctx, iface+".Resolve", q, uint32(command.Get[int](fs, "n")))
}

type recOpts struct {
	seed, mood, profile string
	n                   int
	noExplicit          bool
	explore             float64
}

func (r *runner) recommend(ctx context.Context, fs *flag.FlagSet) error {
	o := recOpts{
		seed: command.Get[string](fs, "seed"), mood: command.Get[string](fs, "mood"), profile: command.Get[string](fs, "profile"),
		n: command.Get[int](fs, "n"), noExplicit: command.Get[bool](fs, "no-explicit"), explore: command.Get[float64](fs, "explore"),
	}
	opts := map[string]dbus.Variant{}
	if o.mood != "" {
		opts["mood"] = dbus.MakeVariant(o.mood)
	}
	if o.noExplicit {
		opts["explicit"] = dbus.MakeVariant(false)
	}
	if o.explore >= 0 {
		opts["explore"] = dbus.MakeVariant(o.explore)
	}
	if o.profile != "" {
		opts["profile"] = dbus.MakeVariant(o.profile)
	}
	return r.tracksCall(ctx, iface+".Recommend", o.seed, uint32(o.n), opts)
}

func (r *runner) tracksCall(ctx context.Context, method string, args ...any) error {
	c, err := r.call(ctx, method, args...)
	if err != nil {
		return err
	}
	var ds []map[string]dbus.Variant
	if err := c.Store(&ds); err != nil {
		return err
	}
	ts := make([]output.Track, len(ds))
	for i, d := range ds {
		ts[i] = TrackFromDict(d)
	}
	return r.printTracks(ts)
}

func (r *runner) feedback(ctx context.Context, fs *flag.FlagSet) error {
	id, verdict := fs.Arg(0), fs.Arg(1)
	if _, err := r.call(ctx, iface+".Feedback", id, verdict); err != nil {
		return err
	}
	if r.g.JSON {
		return output.JSON(r.stdout, map[string]string{"id": id, "feedback": verdict, "status": "recorded"})
	}
	_, err := fmt.Fprintf(r.stdout, "%s: %s recorded\n", id, verdict)
	return err
}

func (r *runner) explain(ctx context.Context, fs *flag.FlagSet) error {
	id, err := r.oneArg(fs, "ID")
	if err != nil {
		return err
	}
	c, err := r.call(ctx, iface+".Explain", id)
	if err != nil {
		return err
	}
	var reason string
	if err := c.Store(&reason); err != nil {
		return err
	}
	if r.g.JSON {
		return output.JSON(r.stdout, map[string]string{"id": id, "reason": reason})
	}
	_, err = fmt.Fprintln(r.stdout, reason)
	return err
}

func (r *runner) history(ctx context.Context, fs *flag.FlagSet) error {
	c, err := r.call(ctx, iface+".HistoryPage", command.Get[string](fs, "profile"), uint32(command.Get[int](fs, "n")),
		int64(command.Get[int](fs, "before")))
	if err != nil {
		return err
	}
	var ds []map[string]dbus.Variant
	if err := c.Store(&ds); err != nil {
		return err
	}
	type event struct {
		Event      int64    `json:"event"`
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Artists    []string `json:"artists"`
		Player     string   `json:"player"`
		Started    string   `json:"started"`
		PositionMS int64    `json:"position_ms"`
		DurationMS int64    `json:"duration_ms"`
		Outcome    string   `json:"outcome"`
		Queued     bool     `json:"queued"`
	}
	evs := make([]event, len(ds))
	rows := make([][]string, len(ds))
	for i, d := range ds {
		e := event{
			Event: i64(d, "continuo:event"), ID: busval.Get[string](d, "continuo:id"), Title: busval.Get[string](d, "xesam:title"), Artists: busval.Strings(d, "xesam:artist"),
			Player: busval.Get[string](d, "continuo:player"), Started: time.UnixMicro(i64(d, "continuo:started")).UTC().Format(time.RFC3339),
			PositionMS: i64(d, "continuo:position") / 1000, DurationMS: i64(d, "mpris:length") / 1000,
			Outcome: busval.Get[string](d, "continuo:outcome"), Queued: boolean(d, "continuo:queued"),
		}
		evs[i] = e
		rows[i] = []string{e.Started, r.clip(e.Title, 30), r.clip(strings.Join(e.Artists, ", "), 20), e.Outcome,
			fmt.Sprintf("%d/%ds", e.PositionMS/1000, e.DurationMS/1000), r.clip(strings.TrimPrefix(e.Player, "org.mpris.MediaPlayer2."), 16)}
	}
	if r.g.JSON {
		return output.JSON(r.stdout, evs)
	}
	if len(evs) == 0 {
		_, err := fmt.Fprintln(r.stdout, "no plays recorded for this profile yet")
		return err
	}
	return output.Table(r.stdout, []string{"STARTED", "TITLE", "ARTISTS", "OUTCOME", "REACHED", "PLAYER"}, rows)
}

func (r *runner) profile(ctx context.Context, fs *flag.FlagSet) error {
	name := fs.Arg(1)
	if fs.Arg(0) == "forget" {
		_, err := r.call(ctx, iface+".ForgetProfile", name)
		return err
	}
	_, err := r.call(ctx, "org.freedesktop.DBus.Properties.Set", iface, "ActiveProfile", dbus.MakeVariant(name))
	return err
}

// TrackFromDict reads a track dictionary of the API, tolerating missing keys
// and odd types (checked extraction: nothing from the bus is trusted).
func TrackFromDict(d map[string]dbus.Variant) output.Track {
	t := output.Track{
		ID: busval.Get[string](d, "continuo:id"), Title: busval.Get[string](d, "xesam:title"), Artists: busval.Strings(d, "xesam:artist"),
		Album: busval.Get[string](d, "xesam:album"), Genres: busval.Strings(d, "xesam:genre"), DurationMS: i64(d, "mpris:length") / 1000,
		Score: f64(d, "continuo:score"), Reason: busval.Get[string](d, "continuo:reason"), Family: busval.Get[string](d, "continuo:family"),
	}
	if v, ok := d["continuo:valence"].Value().(float64); ok && !math.IsNaN(v) {
		t.Valence = &v
	}
	if v, ok := d["continuo:energy"].Value().(float64); ok && !math.IsNaN(v) {
		t.Energy = &v
	}
	return t
}

func i64(d map[string]dbus.Variant, k string) int64 {
	switch v := d[k].Value().(type) {
	case int64:
		return v
	case uint64:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return int64(v)
	}
	return 0
}

func f64(d map[string]dbus.Variant, k string) float64 {
	v, _ := d[k].Value().(float64)
	return v
}

func boolean(d map[string]dbus.Variant, k string) bool {
	b, _ := d[k].Value().(bool)
	return b
}

// watchEvent is one line of `watch --json`.
type watchEvent struct {
	Time     string         `json:"time"`
	Event    string         `json:"event"` // queue, played, property, daemon
	Tracks   []output.Track `json:"tracks,omitempty"`
	ID       string         `json:"id,omitempty"`
	Outcome  string         `json:"outcome,omitempty"`
	Property string         `json:"property,omitempty"`
	Value    any            `json:"value,omitempty"`
	Owner    *string        `json:"owner,omitempty"` // daemon: the new unique name, "" when it left
}

// watch follows QueueUpdated, Played and PropertiesChanged until ctx ends
// (SIGINT/SIGTERM), one line per event.
func (r *runner) watch(ctx context.Context, fs *flag.FlagSet) error {
	ch := make(chan *dbus.Signal, 64)
	conn, err := dbus.Connect(r.g.Address, dbus.WithContext(ctx), dbus.WithSignalHandler(dbus.NewSequentialSignalHandler()))
	if err != nil {
		return unreachable{err}
	}
	r.conn = conn
	conn.Signal(ch)
	for _, m := range [][]dbus.MatchOption{
		{dbus.WithMatchObjectPath(objPath), dbus.WithMatchInterface(iface)},
		{dbus.WithMatchObjectPath(objPath), dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged"), dbus.WithMatchArg(0, iface)},
		{dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, busName)},
	} {
		if err := r.withTimeout(ctx, func(ctx context.Context) error { return conn.AddMatchSignalContext(ctx, m...) }); err != nil {
			return unreachable{err}
		}
	}
	// The daemon must be there at the start (exit 3 otherwise); later it
	// may restart, which is reported as a "daemon" event.
	if _, err := r.call(ctx, "org.freedesktop.DBus.Peer.Ping"); err != nil {
		return err
	}
	if !r.g.JSON {
		fmt.Fprintln(r.stdout, "watching continuod; Ctrl-C to stop")
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig, ok := <-ch:
			if !ok {
				return unreachable{errors.New("the bus connection closed")}
			}
			for _, ev := range toWatchEvents(sig) {
				if err := r.printWatch(ev); err != nil {
					return err
				}
			}
		}
	}
}

func (r *runner) withTimeout(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.g.Timeout)
	defer cancel()
	return f(ctx)
}

// toWatchEvents decodes a signal with checked extraction (one event per
// changed property); anything malformed is dropped.
func toWatchEvents(sig *dbus.Signal) []watchEvent {
	ev := watchEvent{Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	switch sig.Name {
	case iface + ".QueueUpdated":
		ds, ok := busval.Arg[[]map[string]dbus.Variant](sig, 0)
		if !ok {
			return nil
		}
		ev.Event, ev.Tracks = "queue", make([]output.Track, len(ds))
		for i, d := range ds {
			ev.Tracks[i] = TrackFromDict(d)
		}
	case iface + ".Played":
		id, ok1 := busval.Arg[string](sig, 0)
		outcome, ok2 := busval.Arg[string](sig, 1)
		if !ok1 || !ok2 {
			return nil
		}
		ev.Event, ev.ID, ev.Outcome = "played", id, outcome
	case "org.freedesktop.DBus.Properties.PropertiesChanged":
		changed, _ := busval.Arg[map[string]dbus.Variant](sig, 1)
		names := make([]string, 0, len(changed))
		for k := range changed {
			names = append(names, k)
		}
		sort.Strings(names)
		evs := make([]watchEvent, len(names))
		for i, k := range names {
			evs[i] = ev
			evs[i].Event, evs[i].Property, evs[i].Value = "property", k, changed[k].Value()
		}
		return evs
	case "org.freedesktop.DBus.NameOwnerChanged":
		owner, ok := busval.Arg[string](sig, 2)
		if !ok {
			return nil
		}
		ev.Event, ev.Owner = "daemon", &owner
	default:
		return nil
	}
	return []watchEvent{ev}
}

func (r *runner) printWatch(ev watchEvent) error {
	if r.g.JSON {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(r.stdout, "%s\n", b)
		return err
	}
	var what string
	switch ev.Event {
	case "queue":
		titles := make([]string, len(ev.Tracks))
		for i, t := range ev.Tracks {
			titles[i] = output.Clip(t.Title+" — "+strings.Join(t.Artists, ", "), 48)
		}
		what = fmt.Sprintf("%d queued: %s", len(ev.Tracks), strings.Join(titles, " | "))
	case "played":
		what = ev.ID + " " + ev.Outcome
	case "property":
		what = fmt.Sprintf("%s = %v", ev.Property, ev.Value)
	case "daemon":
		what = "continuod left the bus"
		if *ev.Owner != "" {
			what = "continuod is back (" + *ev.Owner + ")"
		}
	}
	_, err := fmt.Fprintf(r.stdout, "%s  %-8s %s\n", ev.Time[11:23], ev.Event, what)
	return err
}
