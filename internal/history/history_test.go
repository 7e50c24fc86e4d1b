package history

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// clock is a settable Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time)  { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func newClock(t time.Time) *clock { return &clock{now: t} }

func openStore(tb testing.TB, opts Options) *Store {
	tb.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(tb.TempDir(), "history.db")
	}
	if opts.Now == nil {
		opts.Now = newClock(t0.Add(24 * time.Hour)).Now
	}
	s, err := Open(context.Background(), opts)
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, s.Close()) })
	return s
}

func event(profile string, i int, outcome music.Outcome) music.PlayEvent {
	return music.PlayEvent{
		Profile:    profile,
		TrackID:    music.TrackID(fmt.Sprintf("track-%03d", i)),
		Title:      fmt.Sprintf("Title %d", i),
		Artist:     fmt.Sprintf("Artist %d", i%5),
		Genres:     []string{"classical", "romantic era"},
		URL:        fmt.Sprintf("file:///m/%d.ogg", i),
		Player:     "mpv",
		StartedAt:  t0.Add(time.Duration(i) * time.Minute),
		PositionMS: 180000,
		DurationMS: 200000,
		Outcome:    outcome,
		Queued:     i%2 == 0,
	}
}

func TestRecordAndRecent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	sid, err := s.StartSession(ctx, "anna", t0)
	require.NoError(t, err)

	var want []music.PlayEvent
	for i := range 5 {
		ev := event("anna", i, music.OutcomeCompleted)
		ev.Session = sid
		id, err := s.Record(ctx, ev)
		require.NoError(t, err)
		ev.ID = id
		want = append(want, ev)
	}
	notInCatalog := music.PlayEvent{Profile: "anna", Title: "Radio jingle", Artist: "Station", URL: "http://radio/x",
		Player: "vlc", StartedAt: t0.Add(time.Hour), PositionMS: 5000, Outcome: music.OutcomeStopped}
	id, err := s.Record(ctx, notInCatalog)
	require.NoError(t, err)
	notInCatalog.ID = id
	notInCatalog.Genres = []string{}
	require.NoError(t, s.EndSession(ctx, sid, t0.Add(2*time.Hour)))

	got, err := s.Recent(ctx, "anna", 3)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assertEvent(t, notInCatalog, got[0])
	assertEvent(t, want[4], got[1])
	assertEvent(t, want[3], got[2])

	other, err := s.Recent(ctx, "ben", 10)
	require.NoError(t, err)
	assert.Empty(t, other)

	profiles, err := s.Profiles(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"anna"}, profiles)
}

func assertEvent(t *testing.T, want, got music.PlayEvent) {
	t.Helper()
	assert.True(t, want.StartedAt.Equal(got.StartedAt), "started %v, got %v", want.StartedAt, got.StartedAt)
	if len(want.Genres) == 0 {
		assert.Empty(t, got.Genres)
	}
	want.StartedAt, got.StartedAt = time.Time{}, time.Time{}
	want.Genres, got.Genres = nil, nil
	assert.Equal(t, want, got)
}

func TestRecordValidation(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	ok := event("anna", 1, music.OutcomeCompleted)
	for _, tc := range []struct {
		name   string
		modify func(*music.PlayEvent)
		kind   music.Kind
	}{
		{"empty profile", func(e *music.PlayEvent) { e.Profile = "" }, music.KindInvalid},
		{"long profile", func(e *music.PlayEvent) { e.Profile = strings.Repeat("p", MaxProfileLen+1) }, music.KindInvalid},
		{"invalid utf8 profile", func(e *music.PlayEvent) { e.Profile = "a\xffb" }, music.KindInvalid},
		{"still playing", func(e *music.PlayEvent) { e.Outcome = music.OutcomePlaying }, music.KindInvalid},
		{"unknown outcome", func(e *music.PlayEvent) { e.Outcome = "exploded" }, music.KindInvalid},
		{"zero time", func(e *music.PlayEvent) { e.StartedAt = time.Time{} }, music.KindInvalid},
		{"negative position", func(e *music.PlayEvent) { e.PositionMS = -1 }, music.KindInvalid},
		{"nothing identifies the track", func(e *music.PlayEvent) { e.TrackID, e.Title, e.URL = "", "", "" }, music.KindInvalid},
		{"unknown session", func(e *music.PlayEvent) { e.Session = 999 }, music.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := ok
			tc.modify(&ev)
			_, err := s.Record(ctx, ev)
			require.Error(t, err)
			assert.Equal(t, tc.kind, music.KindOf(err), "%v", err)
		})
	}
	// The failures left nothing behind, and the store still works.
	got, err := s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = s.Record(ctx, ok)
	require.NoError(t, err)
}

// A bad request in a batch fails alone: its batch-mates commit.
func TestBatchIsolatesBadRequests(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ev := event("anna", i, music.OutcomeCompleted)
			if i%10 == 0 {
				ev.Session = 424242 // no such session: FK violation inside the batch
			}
			_, errs[i] = s.Record(ctx, ev)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%10 == 0 {
			assert.Equal(t, music.KindInvalid, music.KindOf(err), "event %d: %v", i, err)
		} else {
			assert.NoError(t, err, "event %d", i)
		}
	}
	got, err := s.Recent(ctx, "anna", 1000)
	require.NoError(t, err)
	assert.Len(t, got, n-n/10)
	taste, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Equal(t, n-n/10, taste.Plays)
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	id, err := s.StartSession(ctx, "anna", t0)
	require.NoError(t, err)
	require.NoError(t, s.EndSession(ctx, id, t0.Add(time.Hour)))
	err = s.EndSession(ctx, id+100, t0)
	assert.Equal(t, music.KindNotFound, music.KindOf(err), "%v", err)
	_, err = s.StartSession(ctx, "", t0)
	assert.Equal(t, music.KindInvalid, music.KindOf(err))
}

// The pragmas are in the DSN, so every connection has them: read them back
// from a second connection of each pool.
func TestPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	want := map[string]string{
		"journal_mode": "wal", "synchronous": "2", "busy_timeout": "5000", "foreign_keys": "1",
		"auto_vacuum": "2", "secure_delete": "1",
	}
	read := func(conn *sql.Conn) map[string]string {
		got := map[string]string{}
		for name := range want {
			var v string
			require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v))
			got[name] = v
		}
		var qo string
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo))
		got["query_only"] = qo
		return got
	}
	// Two read connections held at once: the second is a fresh one.
	c1, err := s.rdb.Conn(ctx)
	require.NoError(t, err)
	defer c1.Close()
	c2, err := s.rdb.Conn(ctx)
	require.NoError(t, err)
	defer c2.Close()
	for _, c := range []*sql.Conn{c1, c2} {
		got := read(c)
		assert.Equal(t, "1", got["query_only"])
		delete(got, "query_only")
		assert.Equal(t, want, got)
	}
	// And the writer's connection, from its own goroutine.
	_, err = s.onWriter(ctx, func(w *writer) (int64, error) {
		c, err := w.s.wdb.Conn(ctx)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		got := read(c)
		assert.Equal(t, "0", got["query_only"])
		delete(got, "query_only")
		assert.Equal(t, want, got)
		return 0, nil
	})
	require.NoError(t, err)
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, Options{Path: path})
	require.NoError(t, err)
	id, err := s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err = s.Record(ctx, event("anna", 2, music.OutcomeCompleted))
	assert.ErrorIs(t, err, ErrClosed)
	assert.Equal(t, music.KindUnavailable, music.KindOf(err))

	s = openStore(t, Options{Path: path})
	got, err := s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, id, got[0].ID)
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		version int // user_version written before Open; -1 = no file
		wantErr bool
	}{
		{"new file", -1, false},
		{"empty file at version 0", 0, false},
		{"current version", SchemaVersion(), false},
		{"newer version refused", SchemaVersion() + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			if tc.version >= 0 {
				db, err := sql.Open("sqlite3", path)
				require.NoError(t, err)
				if tc.version == SchemaVersion() {
					require.NoError(t, migrate(ctx, db))
				}
				_, err = db.Exec(fmt.Sprintf("PRAGMA user_version = %d", tc.version))
				require.NoError(t, err)
				require.NoError(t, db.Close())
			}
			s, err := Open(ctx, Options{Path: path})
			if tc.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrNewerSchema)
				assert.Equal(t, music.KindUnavailable, music.KindOf(err))
				// Refused, not moved aside or rewritten.
				_, statErr := os.Stat(path)
				assert.NoError(t, statErr)
				matches, _ := filepath.Glob(path + ".corrupt-*")
				assert.Empty(t, matches)
				return
			}
			require.NoError(t, err)
			defer s.Close()
			var v int
			require.NoError(t, s.rdb.QueryRow("PRAGMA user_version").Scan(&v))
			assert.Equal(t, SchemaVersion(), v)
			_, err = s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
			assert.NoError(t, err)
		})
	}
}

// A file that is not a usable database is moved aside, loudly, and a fresh
// one takes its place.
func TestCorruptFileMovedAside(t *testing.T) {
	ctx := context.Background()
	// A real database to damage.
	goodPath := filepath.Join(t.TempDir(), "good.db")
	g, err := Open(ctx, Options{Path: goodPath})
	require.NoError(t, err)
	for i := range 300 {
		_, err := g.Record(ctx, event("anna", i, music.OutcomeCompleted))
		require.NoError(t, err)
	}
	require.NoError(t, g.Close())
	good, err := os.ReadFile(goodPath)
	require.NoError(t, err)
	require.Greater(t, len(good), 8*4096)
	// Overwrite the middle of the file (b-tree pages), keep the header.
	damaged := bytes.Clone(good)
	for i := 2 * 4096; i < len(damaged)-4096; i++ {
		damaged[i] = byte(i * 7)
	}

	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"garbage", bytes.Repeat([]byte("not a database at all "), 500)},
		{"text header", []byte("SQLite format 2\x00 but not really")},
		{"truncated", good[:len(good)/3]},
		{"damaged pages", damaged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "h.db")
			require.NoError(t, os.WriteFile(path, tc.content, 0o600))
			var logBuf bytes.Buffer
			s, err := Open(ctx, Options{Path: path, Logger: zerolog.New(&logBuf)})
			require.NoError(t, err)
			defer s.Close()

			matches, err := filepath.Glob(path + ".corrupt-*")
			require.NoError(t, err)
			require.Len(t, matches, 1)
			aside, err := os.ReadFile(matches[0])
			require.NoError(t, err)
			// Kept for diagnosis (SQLite may have touched the header).
			assert.Len(t, aside, len(tc.content), "the damaged file is kept")
			assert.Contains(t, logBuf.String(), `"level":"error"`)
			assert.Contains(t, logBuf.String(), "CORRUPT")

			got, err := s.Recent(ctx, "anna", 10)
			require.NoError(t, err)
			assert.Empty(t, got, "fresh database")
			_, err = s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
			require.NoError(t, err)
		})
	}
}

func TestTaste(t *testing.T) {
	ctx := context.Background()
	clk := newClock(t0)
	s := openStore(t, Options{Now: clk.Now})
	rec := func(ev music.PlayEvent) {
		t.Helper()
		_, err := s.Record(ctx, ev)
		require.NoError(t, err)
	}
	a := event("anna", 1, music.OutcomeCompleted)
	a.Artist = "Tchaikovsky"
	a.StartedAt = t0
	rec(a)
	rec(a) // twice: weight 2
	b := event("anna", 2, music.OutcomeSkipped)
	b.Artist = "Rapper"
	b.StartedAt = t0
	rec(b)
	c := event("anna", 3, music.OutcomeStopped) // heard 180 of 200 s
	c.StartedAt = t0
	rec(c)
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: b.TrackID, Kind: music.Dislike, At: t0}))
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: "track-999", Kind: music.Like, At: t0}))

	tt, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Equal(t, 4, tt.Plays)
	assert.InDelta(t, 2.0, tt.Tracks[a.TrackID], 1e-9)
	assert.InDelta(t, wSkipped+wDislike, tt.Tracks[b.TrackID], 1e-9)
	assert.InDelta(t, wStoppedMax*0.9, tt.Tracks[c.TrackID], 1e-9)
	assert.InDelta(t, wLike, tt.Tracks["track-999"], 1e-9)
	assert.InDelta(t, 2.0, tt.SkippedArtists["Rapper"], 1e-9, "skip + dislike of its track")
	assert.NotContains(t, tt.SkippedArtists, "Tchaikovsky")

	// One half-life later everything counts half.
	clk.Set(t0.Add(TasteHalfLife))
	tt, err = s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.InDelta(t, 1.0, tt.Tracks[a.TrackID], 1e-9)
	assert.InDelta(t, 1.0, tt.SkippedArtists["Rapper"], 1e-9)

	// A play arriving late (older than the stored weight) is decayed to the
	// row's time: order of arrival does not matter.
	late := a
	late.StartedAt = t0.Add(-TasteHalfLife)
	rec(late)
	clk.Set(t0)
	tt, err = s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.InDelta(t, 2.5, tt.Tracks[a.TrackID], 1e-9)

	empty, err := s.Taste(ctx, "nobody")
	require.NoError(t, err)
	assert.Empty(t, empty.Tracks)
	assert.Zero(t, empty.Plays)
}

func TestFeedbackValidation(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	ok := music.Feedback{Profile: "anna", TrackID: "t1", Kind: music.Like, At: t0}
	for _, tc := range []struct {
		name   string
		modify func(*music.Feedback)
	}{
		{"empty profile", func(f *music.Feedback) { f.Profile = "" }},
		{"unknown kind", func(f *music.Feedback) { f.Kind = "meh" }},
		{"no track", func(f *music.Feedback) { f.TrackID = "" }},
		{"zero time", func(f *music.Feedback) { f.At = time.Time{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := ok
			tc.modify(&fb)
			err := s.Feedback(ctx, fb)
			assert.Equal(t, music.KindInvalid, music.KindOf(err), "%v", err)
		})
	}
	require.NoError(t, s.Feedback(ctx, ok))
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name       string
		opts       Options
		events     int
		wantAtMost int
	}{
		{"by count", Options{MaxEventsPerProfile: 50}, 300, 50},
		{"by age", Options{MaxAge: 100 * time.Minute}, 300, 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock(t0.Add(300 * time.Minute))
			tc.opts.Now = clk.Now
			tc.opts.Path = filepath.Join(t.TempDir(), "h.db")
			s, err := Open(ctx, tc.opts)
			require.NoError(t, err)
			for i := range tc.events {
				_, err := s.Record(ctx, event("anna", i, music.OutcomeCompleted))
				require.NoError(t, err)
			}
			require.NoError(t, s.Close())
			// Pruning runs at Open (and every pruneEvery commits).
			s = openStore(t, tc.opts)
			got, err := s.Recent(ctx, "anna", 10000)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(got), tc.wantAtMost)
			assert.NotEmpty(t, got)
			assert.Equal(t, music.TrackID(fmt.Sprintf("track-%03d", tc.events-1)), got[0].TrackID, "newest kept")
			taste, err := s.Taste(ctx, "anna")
			require.NoError(t, err)
			assert.Equal(t, tc.events, taste.Plays, "taste summarises pruned events too")
		})
	}
}

func TestTasteBounded(t *testing.T) {
	ctx := context.Background()
	opts := Options{MaxTasteEntries: 20, Path: filepath.Join(t.TempDir(), "h.db"), Now: newClock(t0).Now}
	s, err := Open(ctx, opts)
	require.NoError(t, err)
	for i := range 100 {
		ev := event("anna", i, music.OutcomeCompleted)
		ev.Artist = fmt.Sprintf("A%d", i)
		ev.Outcome = music.OutcomeSkipped
		_, err := s.Record(ctx, ev)
		require.NoError(t, err)
	}
	tt, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Len(t, tt.Tracks, 20, "readers return at most MaxTasteEntries")
	assert.Len(t, tt.SkippedArtists, 20)
	require.NoError(t, s.Close())

	s = openStore(t, opts) // prunes
	var n int
	require.NoError(t, s.rdb.QueryRow("SELECT count(*) FROM taste_tracks").Scan(&n))
	assert.Equal(t, 20, n)
	require.NoError(t, s.rdb.QueryRow("SELECT count(*) FROM taste_artists").Scan(&n))
	assert.Equal(t, 20, n)
}

func TestMaxBytes(t *testing.T) {
	ctx := context.Background()
	opts := Options{MaxBytes: 256 << 10, Path: filepath.Join(t.TempDir(), "h.db")}
	s, err := Open(ctx, opts)
	require.NoError(t, err)
	long := strings.Repeat("x", 900)
	for i := range 2000 {
		ev := event("anna", i, music.OutcomeCompleted)
		ev.Title = long
		_, err := s.Record(ctx, ev)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	s = openStore(t, opts)
	require.NoError(t, s.Close())
	st, err := os.Stat(opts.Path)
	require.NoError(t, err)
	assert.LessOrEqual(t, st.Size(), opts.MaxBytes)
	s = openStore(t, opts)
	got, err := s.Recent(ctx, "anna", 5000)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.Less(t, len(got), 2000)
}

// Write failures of the medium: the store answers with KindUnavailable and
// a message saying what, stays usable, and writes resume once the cause is
// gone. Both are produced by SQLite itself, without root tricks (chmod does
// not stop root, and a tiny tmpfs needs mount rights): max_page_count makes
// SQLITE_FULL real, query_only makes SQLITE_READONLY real.
func TestWriteFailuresAndRecovery(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, fail, recover, want string
	}{
		// max_page_count clamps to the current page count: the file cannot grow.
		{"disk full", "PRAGMA max_page_count = 1", "PRAGMA max_page_count = 1073741823", "disk full"},
		{"read-only", "PRAGMA query_only = 1", "PRAGMA query_only = 0", "read-only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, Options{})
			_, err := s.Record(ctx, event("anna", 0, music.OutcomeCompleted))
			require.NoError(t, err)
			onWriterExec := func(q string) {
				_, err := s.onWriter(ctx, func(w *writer) (int64, error) {
					rows, err := w.s.wdb.Query(q)
					if err != nil {
						return 0, err
					}
					return 0, closeRows(rows)
				})
				require.NoError(t, err)
			}
			onWriterExec(tc.fail)
			var failErr error
			long := strings.Repeat("y", 1000)
			for i := 1; i < 10000 && failErr == nil; i++ {
				ev := event("anna", i, music.OutcomeCompleted)
				ev.Title = long
				_, failErr = s.Record(ctx, ev)
			}
			require.Error(t, failErr)
			assert.Equal(t, music.KindUnavailable, music.KindOf(failErr))
			assert.Contains(t, music.MessageOf(failErr), tc.want)
			// A small write may still fit in a free page; if it fails, it
			// fails the same way.
			if err := s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: "t", Kind: music.Like, At: t0}); err != nil {
				assert.Equal(t, music.KindUnavailable, music.KindOf(err), "%v", err)
			}

			// Still usable for reads, and writes resume when the cause is gone.
			_, err = s.Recent(ctx, "anna", 5)
			require.NoError(t, err)
			onWriterExec(tc.recover)
			id, err := s.Record(ctx, event("anna", 20000, music.OutcomeCompleted))
			require.NoError(t, err)
			got, err := s.Recent(ctx, "anna", 1)
			require.NoError(t, err)
			assert.Equal(t, id, got[0].ID)
		})
	}
}

func TestForgetLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s := openStore(t, Options{Path: path})
	const secret = "Zyxquorbl Secret Serenade 7f3a"
	const secretArtist = "Qwxzv Ensemble 9b1c"
	sid, err := s.StartSession(ctx, "anna", t0)
	require.NoError(t, err)
	for i := range 300 {
		ev := event("anna", i, music.OutcomeCompleted)
		ev.Session = sid
		if i%3 == 0 {
			ev.Title, ev.Artist, ev.Outcome = secret, secretArtist, music.OutcomeSkipped
		}
		_, err := s.Record(ctx, ev)
		require.NoError(t, err)
		_, err = s.Record(ctx, event("ben", i, music.OutcomeCompleted))
		require.NoError(t, err)
	}
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: "track-003", Kind: music.Like, At: t0}))
	require.True(t, fileContains(t, path, secret) || fileContains(t, path+"-wal", secret), "the secret is stored before Forget")

	// A reader is open on the side while forgetting: the checkpoint must
	// still get everything.
	_, err = s.Recent(ctx, "anna", 1)
	require.NoError(t, err)
	require.NoError(t, s.Forget(ctx, "anna"))

	for _, f := range []string{path, path + "-wal"} {
		assert.False(t, fileContains(t, f, secret), "%s still holds the title", filepath.Base(f))
		assert.False(t, fileContains(t, f, secretArtist), "%s still holds the artist", filepath.Base(f))
	}
	got, err := s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	tt, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Empty(t, tt.Tracks)
	profiles, err := s.Profiles(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"ben"}, profiles)
	var n int
	for _, table := range []string{"events", "sessions", "feedback", "taste_tracks", "taste_artists"} {
		require.NoError(t, s.rdb.QueryRow(`SELECT count(*) FROM `+table+` WHERE profile_id NOT IN (SELECT id FROM profiles)`).Scan(&n))
		assert.Zero(t, n, table)
	}
	ben, err := s.Recent(ctx, "ben", 1000)
	require.NoError(t, err)
	assert.Len(t, ben, 300, "other profiles untouched")

	require.NoError(t, s.Forget(ctx, "anna"), "forgetting again is fine")
	var out bytes.Buffer
	err = s.Export(ctx, "anna", &out)
	assert.Equal(t, music.KindNotFound, music.KindOf(err))
}

func fileContains(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	require.NoError(t, err)
	return bytes.Contains(b, []byte(s))
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	sid, err := s.StartSession(ctx, "anna", t0)
	require.NoError(t, err)
	ev := event("anna", 1, music.OutcomeSkipped)
	ev.Session = sid
	ev.Title = "Scène \xff bad byte"
	_, err = s.Record(ctx, ev)
	require.NoError(t, err)
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: "anna", TrackID: ev.TrackID, Kind: music.Dislike, At: t0}))
	_, err = s.Record(ctx, event("ben", 2, music.OutcomeCompleted))
	require.NoError(t, err)

	var out bytes.Buffer
	require.NoError(t, s.Export(ctx, "anna", &out))
	var doc exportDoc
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc))
	assert.Equal(t, ExportFormat, doc.Format)
	assert.Equal(t, "anna", doc.Profile)
	require.Len(t, doc.Sessions, 1)
	assert.Equal(t, sid, doc.Sessions[0].ID)
	require.Len(t, doc.Events, 1)
	assert.Equal(t, "Scène \uFFFD bad byte", doc.Events[0].Title, "invalid UTF-8 stored as U+FFFD")
	assert.Equal(t, sid, doc.Events[0].Session)
	assert.Equal(t, "skipped", doc.Events[0].Outcome)
	assert.Equal(t, []string{"classical", "romantic era"}, doc.Events[0].Genres)
	require.Len(t, doc.Feedback, 1)
	assert.Equal(t, "dislike", doc.Feedback[0].Kind)
	assert.Equal(t, 1, doc.Taste.Plays)
	assert.InDelta(t, 30, doc.Taste.HalfLifeDays, 1e-9)
	assert.Less(t, doc.Taste.Tracks[string(ev.TrackID)], 0.0)
	assert.NotContains(t, out.String(), "track-002", "nothing of another profile")
}

// Reads do not wait for the writer: a read completes while a write
// transaction is held open on the writer's goroutine; and writes do not wait
// for readers.
func TestReadsDoNotBlockOnWriter(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, Options{})
	_, err := s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
	require.NoError(t, err)
	inTx := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before the store's Close even if the test fails
	writerDone := make(chan error, 1)
	go func() {
		_, err := s.onWriter(ctx, func(w *writer) (int64, error) {
			tx, err := w.s.wdb.BeginTx(ctx, nil) // BEGIN IMMEDIATE: holds the write lock
			if err != nil {
				return 0, err
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`UPDATE profiles SET plays = plays + 100`); err != nil {
				return 0, err
			}
			close(inTx)
			<-release
			return 0, nil
		})
		writerDone <- err
	}()
	<-inTx
	got, err := s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	tt, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Equal(t, 1, tt.Plays, "readers see the last committed snapshot")
	unblock()
	require.NoError(t, <-writerDone)

	// And the other way round: a reader holding a snapshot open does not
	// stop the writer from committing.
	rtx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	defer rtx.Rollback()
	var n int
	require.NoError(t, rtx.QueryRow(`SELECT count(*) FROM events`).Scan(&n))
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = s.Record(wctx, event("anna", 2, music.OutcomeCompleted))
	require.NoError(t, err)
	require.NoError(t, rtx.QueryRow(`SELECT count(*) FROM events`).Scan(&n))
	assert.Equal(t, 1, n, "the open snapshot does not see the new event")
}

func TestCloseFinishesPendingWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, Options{Path: path})
	require.NoError(t, err)
	const n = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for i := range n {
		wg.Go(func() {
			if _, err := s.Record(ctx, event("anna", i, music.OutcomeCompleted)); err == nil {
				mu.Lock()
				acked++
				mu.Unlock()
			} else {
				assert.ErrorIs(t, err, ErrClosed)
			}
		})
	}
	require.NoError(t, s.Close())
	wg.Wait()
	s = openStore(t, Options{Path: path})
	got, err := s.Recent(ctx, "anna", 1000)
	require.NoError(t, err)
	assert.Len(t, got, acked, "every acknowledged write is stored, none other")
}

func TestContextCancelled(t *testing.T) {
	s := openStore(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Record(ctx, event("anna", 1, music.OutcomeCompleted))
	assert.ErrorIs(t, err, context.Canceled)
}

// Nothing a driver or a player said reaches the log above Debug: not the
// profile name, not a title, not a URL, whatever happens.
func TestLogsArePrivate(t *testing.T) {
	ctx := context.Background()
	var logBuf bytes.Buffer
	s := openStore(t, Options{Logger: zerolog.New(&logBuf).Level(zerolog.InfoLevel)})
	const profile, title, url = "Private Driver Name", "Private Title", "file:///private/url.ogg"
	ev := event(profile, 1, music.OutcomeSkipped)
	ev.Title, ev.URL = title, url
	_, err := s.Record(ctx, ev)
	require.NoError(t, err)
	ev.Session = 12345 // unknown: a failing write
	_, err = s.Record(ctx, ev)
	require.Error(t, err)
	require.NoError(t, s.Feedback(ctx, music.Feedback{Profile: profile, TrackID: ev.TrackID, Kind: music.Like, At: t0}))
	_, err = s.onWriter(ctx, func(w *writer) (int64, error) {
		var n int64
		return 0, w.s.wdb.QueryRow("PRAGMA max_page_count = 1").Scan(&n)
	})
	require.NoError(t, err)
	ev.Session = 0
	for i := 0; i < 1000 && err == nil; i++ {
		ev.Title = title + strings.Repeat("!", 1000)
		_, err = s.Record(ctx, ev)
	}
	require.Error(t, err, "disk full")
	_, err = s.onWriter(ctx, func(w *writer) (int64, error) {
		var n int64
		return 0, w.s.wdb.QueryRow("PRAGMA max_page_count = 1073741823").Scan(&n)
	})
	require.NoError(t, err)
	require.NoError(t, s.Forget(ctx, profile))

	require.NotEmpty(t, logBuf.String(), "the failures were logged")
	for _, secret := range []string{profile, title, url} {
		assert.NotContains(t, logBuf.String(), secret)
	}
}

// Close stops and waits for everything Open started: the writer goroutine
// and database/sql's helpers of both pools.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "h.db")})
	require.NoError(t, err)
	for i := range 50 {
		_, err := s.Record(ctx, event("anna", i, music.OutcomeCompleted))
		require.NoError(t, err)
	}
	_, err = s.Recent(ctx, "anna", 10)
	require.NoError(t, err)
	_, err = s.Taste(ctx, "anna")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	testenv.WaitFor(t, 10*time.Second, func() bool { return runtime.NumGoroutine() <= before },
		"goroutines back to %d (now %d)", before, runtime.NumGoroutine())
}
