// Package remotecmd owns continuoctl's subcommands that talk to a running
// continuod over org.continuo.Recommender1: status, play, resolve,
// recommend, feedback, explain, history and profile.
package remotecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/continuo/continuo/internal/cli/output"
)

const (
	busName = "org.continuo.Recommender1"
	iface   = "org.continuo.Recommender1"
	objPath = dbus.ObjectPath("/org/continuo/Recommender1")
)

// Globals are the flags before the subcommand.
type Globals struct {
	Address string // resolved D-Bus address
	JSON    bool
	Timeout time.Duration
}

// Commands lists the subcommands this package runs.
var Commands = []string{"status", "play", "resolve", "recommend", "feedback", "explain", "history", "profile"}

// Run runs one subcommand; args[0] is its name. It returns the exit code.
func Run(ctx context.Context, g Globals, args []string, stdout, stderr io.Writer) int {
	r := &runner{g: g, stdout: stdout, stderr: stderr}
	name, rest := args[0], args[1:]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&r.g.JSON, "json", g.JSON, "print JSON")
	var run func(context.Context, *flag.FlagSet) error
	switch name {
	case "status":
		run = r.status
	case "play":
		run = r.play
	case "resolve":
		n := fs.Int("n", 10, "number of results")
		run = func(ctx context.Context, fs *flag.FlagSet) error { return r.resolve(ctx, fs, *n) }
	case "recommend":
		var o recOpts
		fs.StringVar(&o.seed, "seed", "", "seed track id (default: continue the session)")
		fs.IntVar(&o.n, "n", 10, "number of tracks")
		fs.StringVar(&o.mood, "mood", "", "calm, steady or lively")
		fs.BoolVar(&o.noExplicit, "no-explicit", false, "no explicit tracks")
		fs.Float64Var(&o.explore, "explore", -1, "0..1: how far from the context it may wander")
		fs.StringVar(&o.profile, "profile", "", "use this profile's taste")
		run = func(ctx context.Context, fs *flag.FlagSet) error { return r.recommend(ctx, o) }
	case "feedback":
		run = r.feedback
	case "explain":
		run = r.explain
	case "history":
		profile := fs.String("profile", "", "profile (default: the active one)")
		n := fs.Int("n", 20, "number of events")
		before := fs.Int64("before", 0, "only events older than this EVENT id (the next page)")
		run = func(ctx context.Context, fs *flag.FlagSet) error { return r.history(ctx, *profile, *n, *before) }
	case "profile":
		run = r.profile
	default:
		fmt.Fprintf(stderr, "continuoctl: unknown command %q\n", name)
		return output.ExitUsage
	}
	if err := fs.Parse(rest); err != nil {
		return output.ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	return r.exit(run(ctx, fs))
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
		conn, err := dbus.Connect(r.g.Address)
		if err != nil {
			return nil, unreachable{err}
		}
		r.conn = conn
	}
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

func (r *runner) printTracks(ts []output.Track) error {
	if r.g.JSON {
		return output.JSON(r.stdout, output.Recommendation{Tracks: ts})
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

func (r *runner) resolve(ctx context.Context, fs *flag.FlagSet, n int) error {
	q, err := r.oneArg(fs, "QUERY")
	if err != nil {
		return err
	}
	if n < 1 {
		return usageError("resolve: -n must be at least 1")
	}
	return r.tracksCall(ctx, iface+".Resolve", q, uint32(n))
}

type recOpts struct {
	seed, mood, profile string
	n                   int
	noExplicit          bool
	explore             float64
}

func (r *runner) recommend(ctx context.Context, o recOpts) error {
	if o.n < 1 {
		return usageError("recommend: -n must be at least 1")
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
	if fs.NArg() != 2 {
		return usageError("feedback: want ID like|dislike|skip")
	}
	_, err := r.call(ctx, iface+".Feedback", fs.Arg(0), fs.Arg(1))
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

func (r *runner) history(ctx context.Context, profile string, n int, before int64) error {
	if n < 1 || n > 1000 {
		return usageError("history: -n must be 1..1000")
	}
	if before < 0 {
		return usageError("history: --before must be an EVENT id from a previous page")
	}
	c, err := r.call(ctx, iface+".HistoryPage", profile, uint32(n), before)
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
			Event: i64(d, "continuo:event"), ID: str(d, "continuo:id"), Title: str(d, "xesam:title"), Artists: strs(d, "xesam:artist"),
			Player: str(d, "continuo:player"), Started: time.UnixMicro(i64(d, "continuo:started")).UTC().Format(time.RFC3339),
			PositionMS: i64(d, "continuo:position") / 1000, DurationMS: i64(d, "mpris:length") / 1000,
			Outcome: str(d, "continuo:outcome"), Queued: boolean(d, "continuo:queued"),
		}
		evs[i] = e
		rows[i] = []string{fmt.Sprint(e.Event), e.Started, output.Clip(e.Title, 40), output.Clip(strings.Join(e.Artists, ", "), 28), e.Outcome,
			fmt.Sprintf("%d/%ds", e.PositionMS/1000, e.DurationMS/1000), e.Player}
	}
	if r.g.JSON {
		return output.JSON(r.stdout, evs)
	}
	return output.Table(r.stdout, []string{"EVENT", "STARTED", "TITLE", "ARTISTS", "OUTCOME", "REACHED", "PLAYER"}, rows)
}

func (r *runner) profile(ctx context.Context, fs *flag.FlagSet) error {
	if fs.NArg() != 2 || (fs.Arg(0) != "use" && fs.Arg(0) != "forget") {
		return usageError("profile: want use NAME or forget NAME")
	}
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
		ID: str(d, "continuo:id"), Title: str(d, "xesam:title"), Artists: strs(d, "xesam:artist"),
		Album: str(d, "xesam:album"), Genres: strs(d, "xesam:genre"), DurationMS: i64(d, "mpris:length") / 1000,
		Score: f64(d, "continuo:score"), Reason: str(d, "continuo:reason"), Family: str(d, "continuo:family"),
	}
	if v, ok := d["continuo:valence"].Value().(float64); ok && !math.IsNaN(v) {
		t.Valence = &v
	}
	if v, ok := d["continuo:energy"].Value().(float64); ok && !math.IsNaN(v) {
		t.Energy = &v
	}
	return t
}

func str(d map[string]dbus.Variant, k string) string {
	s, _ := d[k].Value().(string)
	return s
}

func strs(d map[string]dbus.Variant, k string) []string {
	switch v := d[k].Value().(type) {
	case []string:
		return v
	case string:
		return []string{v}
	}
	return []string{}
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
