package daemon_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/busapi"
	"github.com/continuo/continuo/internal/catalog"
	"github.com/continuo/continuo/internal/daemon"
	"github.com/continuo/continuo/internal/drive"
	"github.com/continuo/continuo/internal/emulator"
	"github.com/continuo/continuo/internal/history"
	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/player"
	"github.com/continuo/continuo/internal/recommend"
	"github.com/continuo/continuo/internal/resolve"
	"github.com/continuo/continuo/internal/testenv"
)

// The helpers in this file build what the real-player tests share: a music
// library of generated audio files for a subset of the default catalog, and
// continuod started on a given bus with that library as its catalog.

// seedQuery finds the seed of the classical tests, Tchaikovsky's "Scène"
// from Swan Lake.
const seedQuery = "scene swan lake"

// library is a directory of audio files, one per catalog track, named
// <id>.ogg, and the model whose URIs point at them.
type library struct {
	dir     string
	model   drive.Model
	seconds float64                   // length of every file...
	lengths map[music.TrackID]float64 // ...but these
}

// path is the file of a catalog track.
func (l *library) path(id music.TrackID) string {
	return filepath.Join(l.dir, string(id)+".ogg")
}

// family is the genre family of a track of the library.
func (l *library) family(id music.TrackID) string {
	c := l.model.Catalog
	row, ok := c.Lookup(id)
	if !ok {
		return ""
	}
	return c.Families[c.Family[row]]
}

// fileID maps a player's file (absolute path, relative MPD path or file://
// URI) back to the catalog id.
func fileID(file string) music.TrackID {
	return music.TrackID(strings.TrimSuffix(filepath.Base(file), ".ogg"))
}

// safeID: catalog ids become file names, so only plain ones are used.
var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// defaultCatalog is the embedded catalog shared by all tests.
func defaultCatalog(tb testing.TB) *catalog.Catalog {
	tb.Helper()
	c, err := catalog.Default()
	require.NoError(tb, err)
	return c
}

// familyIndex is the index of a family name in c.Families.
func familyIndex(tb testing.TB, c *catalog.Catalog, name string) uint8 {
	tb.Helper()
	for i, f := range c.Families {
		if f == name {
			return uint8(i)
		}
	}
	tb.Fatalf("catalog has no family %q", name)
	return 0
}

// seedRow is the default catalog's row of the Swan Lake seed.
func seedRow(tb testing.TB) int {
	tb.Helper()
	m := testModel(tb) // the default catalog with its search index
	found := m.Index.Search(seedQuery, 1)
	require.NotEmpty(tb, found, "the default catalog has a Swan Lake Scène")
	return found[0].Row
}

// mixedRows picks n rows of the default catalog, classicalShare of them
// classical and the rest spread evenly over the other families, always
// including the Swan Lake seed. The choice is deterministic: evenly spaced
// rows, so every run plays the same library.
func mixedRows(tb testing.TB, n int, classicalShare float64) []int {
	tb.Helper()
	c := defaultCatalog(tb)
	classical := familyIndex(tb, c, "classical")
	var cl, other []int
	for i := range c.Len() {
		if !safeID.MatchString(string(c.ID(i))) {
			continue
		}
		if c.Family[i] == classical {
			cl = append(cl, i)
		} else {
			other = append(other, i)
		}
	}
	nc := int(float64(n)*classicalShare + 0.5)
	rows := []int{seedRow(tb)}
	rows = append(rows, spread(cl, nc-1)...)
	rows = append(rows, spread(other, n-nc)...)
	return rows
}

// spread returns k evenly spaced elements of s.
func spread(s []int, k int) []int {
	if k <= 0 || len(s) == 0 {
		return nil
	}
	k = min(k, len(s))
	out := make([]int, 0, k)
	for i := range k {
		out = append(out, s[i*len(s)/k])
	}
	return out
}

// newLibrary writes one audio file per row of the default catalog into a
// new directory and builds the model of those rows with file:// URIs.
//
// Untagged libraries are cheap: one tone of the given length, hard-linked
// under every track's name (the daemon knows tracks by URI). Tagged ones get
// a file of their own with Vorbis comments (ARTIST, TITLE, ALBUM, a GENRE per
// genre label), which MPD reads and mpd-sima's Genre plugin needs.
func newLibrary(tb testing.TB, rows []int, seconds float64, tagged bool) *library {
	tb.Helper()
	full := defaultCatalog(tb)
	sub := full.Subset(rows)
	dir := tb.TempDir()
	require.NoError(tb, catalog.ApplyURITemplate(sub, "file://"+dir+"/{id}.ogg"))
	l := &library{dir: dir, seconds: seconds, lengths: map[music.TrackID]float64{}, model: drive.Model{
		Catalog: sub,
		Engine:  recommend.New(sub, recommend.Options{}),
		Index:   resolve.NewIndex(sub.AllTracks()),
	}}
	if tagged {
		writeTagged(tb, l, seconds)
		return l
	}
	tone := filepath.Join(tb.TempDir(), "tone.ogg") // outside the music directory
	testenv.Tone(tb, tone, seconds)
	for i := range sub.Len() {
		require.NoError(tb, os.Link(tone, l.path(sub.ID(i))))
	}
	return l
}

// setLength gives one track a tone file of its own with another length
// (before a player scans the library).
func (l *library) setLength(tb testing.TB, id music.TrackID, seconds float64) {
	tb.Helper()
	require.NoError(tb, os.Remove(l.path(id)))
	testenv.Tone(tb, l.path(id), seconds)
	l.lengths[id] = seconds
}

// writeTagged runs sox for every track, two at a time (the machine has two
// cores).
func writeTagged(tb testing.TB, l *library, seconds float64) {
	tb.Helper()
	testenv.NeedBinaries(tb, "sox")
	tracks := l.model.Catalog.AllTracks()
	jobs := make(chan int)
	errs := make(chan error, len(tracks))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				errs <- soxTagged(l.path(tracks[i].ID), &tracks[i], seconds)
			}
		}()
	}
	for i := range tracks {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(tb, err)
	}
}

func soxTagged(path string, t *music.Track, seconds float64) error {
	// Control characters (a newline) would end a comment early: blank them.
	clean := func(s string) string { return strings.Map(func(r rune) rune { return max(r, ' ') }, s) }
	args := []string{"-n", "-r", "8000", "-c", "1", "--comment", "ARTIST=" + clean(t.PrimaryArtist())}
	args = append(args, "--add-comment", "TITLE="+clean(t.Title))
	if t.Album != "" {
		args = append(args, "--add-comment", "ALBUM="+clean(t.Album))
	}
	for _, g := range t.Genres {
		args = append(args, "--add-comment", "GENRE="+clean(g))
	}
	args = append(args, path, "synth", fmt.Sprintf("%.3f", seconds), "sine", "440")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "sox", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("sox %s: %w: %s", path, err, out)
	}
	return nil
}

// daemonConfig is what differs between the real-player tests' daemons.
type daemonConfig struct {
	bus       *testenv.Bus
	model     drive.Model
	players   player.Config
	preferred []string
	depth     int
	history   string // database path; "" = a new one in a temp dir
	version   string // the Version property; "" = "test"
}

// startDaemonOn runs continuod in-process on an existing bus (the players'
// side channels are known only once they run), as startDaemon does.
func startDaemonOn(tb testing.TB, cfg daemonConfig) *env {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if cfg.history == "" {
		cfg.history = filepath.Join(tb.TempDir(), "history.db")
	}
	log := testLogger(tb)
	hist, err := history.Open(ctx, history.Options{Path: cfg.history, Logger: log})
	require.NoError(tb, err)
	core := drive.New(drive.Options{Model: cfg.model, History: hist, QueueDepth: cfg.depth, SkipSeconds: 30, SkipShare: 0.5,
		PreferredPlayer: cfg.preferred, Players: cfg.players, Logger: log})
	core.Start(ctx)
	e := &env{bus: cfg.bus, core: core, hist: hist, ready: make(chan struct{}, 16), model: cfg.model}
	done := make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{
			Address: cfg.bus.Address, Core: core, Logger: log, CallTimeout: 5 * time.Second,
			API:        busapi.Options{Version: cmp.Or(cfg.version, "test"), Logger: log, Access: busapi.Access{AllowOwnUID: true}},
			Ready:      func() { e.ready <- struct{}{} },
			MaxBackoff: 200 * time.Millisecond,
		})
	}()
	tb.Cleanup(func() {
		cancel()
		require.NoError(tb, <-done)
		require.NoError(tb, core.Close())
		require.NoError(tb, hist.Close())
	})
	select {
	case <-e.ready:
	case <-time.After(deadline):
		tb.Fatal("continuod did not acquire its name")
	}
	e.client = cfg.bus.Conn(tb)
	e.obj = e.client.Object(busapi.BusName, busapi.Path)
	return e
}

// testLogger logs to the test's output with CONTINUO_TEST_LOG=1 (debugging
// a player test), and nowhere otherwise.
func testLogger(tb testing.TB) zerolog.Logger {
	if os.Getenv("CONTINUO_TEST_LOG") == "" {
		return zerolog.Nop()
	}
	return zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.DebugLevel).With().Timestamp().Logger()
}

// played returns the recorded play of id, newest first, if any.
func (e *env) played(tb testing.TB, id music.TrackID) (music.PlayEvent, bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	evs, err := e.hist.Recent(ctx, "default", 100)
	require.NoError(tb, err)
	for _, ev := range evs {
		if ev.TrackID == id {
			return ev, true
		}
	}
	return music.PlayEvent{}, false
}

// waitPlayed waits until the play of id is recorded and returns it.
func (e *env) waitPlayed(tb testing.TB, id music.TrackID) music.PlayEvent {
	tb.Helper()
	var ev music.PlayEvent
	testenv.WaitFor(tb, deadline, func() bool {
		var ok bool
		ev, ok = e.played(tb, id)
		return ok
	}, "the play of %s is recorded", id)
	return ev
}

// queueIDs is the daemon's view of what it queued ahead.
func (e *env) queueIDs() []music.TrackID {
	var ids []music.TrackID
	for _, v := range e.core.State().Queue {
		ids = append(ids, v.ID)
	}
	return ids
}

// seedID is the catalog id of the Swan Lake seed.
func seedID(tb testing.TB) music.TrackID {
	tb.Helper()
	return defaultCatalog(tb).ID(seedRow(tb))
}

// emuLibrary lets the emulator play the library's file:// URIs with the
// lengths of the generated files (the seed's is seedSeconds).
func (l *library) emuLibrary() emulator.Library {
	cat := l.model.Catalog
	return func(uri string) (emulator.Meta, bool) {
		row, ok := cat.LookupURI(uri)
		if !ok {
			return emulator.Meta{}, false
		}
		t := cat.Track(row)
		length := time.Duration(l.seconds * float64(time.Second))
		if s, ok := l.lengths[t.ID]; ok {
			length = time.Duration(s * float64(time.Second))
		}
		return emulator.Meta{ID: string(t.ID), Title: t.Title, Artists: t.Artists, Genres: t.Genres, Length: length}, true
	}
}
