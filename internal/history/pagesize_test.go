package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
	"github.com/continuo/continuo/internal/testenv"
)

// fileProps are the properties of a database file that decide how much it
// writes per play, read from the file by a plain connection after Close.
type fileProps struct {
	PageSize, AutoVacuum, UserVersion int
	JournalMode                       string
	Indexes                           []string // of the events table
}

func readFileProps(t *testing.T, path string) fileProps {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	require.NoError(t, err)
	defer db.Close()
	var p fileProps
	for q, dst := range map[string]any{
		"PRAGMA page_size": &p.PageSize, "PRAGMA auto_vacuum": &p.AutoVacuum,
		"PRAGMA user_version": &p.UserVersion, "PRAGMA journal_mode": &p.JournalMode,
	} {
		require.NoError(t, db.QueryRow(q).Scan(dst), q)
	}
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		p.Indexes = append(p.Indexes, name)
	}
	require.NoError(t, rows.Err())
	return p
}

var wantProps = fileProps{
	PageSize: pageSize, AutoVacuum: 2 /* incremental */, UserVersion: SchemaVersion(), JournalMode: "wal",
	Indexes: []string{"events_profile_started", "events_profile_track"},
}

// A new file gets 1 KiB pages although WAL mode is set on it: the page
// size must be set before journal_mode=WAL writes the first page, so this
// fails if formatNew runs late or the DSN sets WAL first.
func TestNewFileSmallPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	s := openStore(t, Options{Path: path})
	var ckpt int
	require.NoError(t, s.wdb.QueryRow("PRAGMA wal_autocheckpoint").Scan(&ckpt))
	assert.Equal(t, walAutocheckpoint, ckpt)
	_, err := s.Record(context.Background(), event("anna", 1, music.OutcomeCompleted))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, wantProps, readFileProps(t, path))
}

// A database written by a build before issue 12 (4 KiB pages, schema 1
// with events_session, in WAL mode with frames not yet checkpointed) is
// moved to 1 KiB pages and the current schema at Open, keeping every row,
// id and the play count;
// the journal it used on the way is gone and the files stay private.
func TestOldFileMovedToSmallPages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "h.db")
	ids := writeOldFile(t, path, 50)
	wal, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	require.Positive(t, wal.Size(), "the old file's last plays are in its WAL")

	s := openStore(t, Options{Path: path})
	got, err := s.Recent(ctx, "anna", 100)
	require.NoError(t, err)
	var gotIDs []int64
	for _, ev := range got {
		gotIDs = append(gotIDs, ev.ID)
	}
	assert.ElementsMatch(t, ids, gotIDs)
	for _, ev := range got {
		assert.Equal(t, int64(1), ev.Session, "event %d keeps its drive", ev.ID)
	}
	_, err = s.Record(ctx, event("anna", 99, music.OutcomeSkipped))
	require.NoError(t, err)
	taste, err := s.Taste(ctx, "anna")
	require.NoError(t, err)
	assert.Equal(t, len(ids)+1, taste.Plays, "plays counted across migration 0003")
	require.NoError(t, s.Close())

	assert.Equal(t, wantProps, readFileProps(t, path))
	for name, mode := range listDir(t, dir) {
		assert.NotContains(t, name, "-journal")
		assert.Equal(t, os.FileMode(fileMode), mode.Perm(), name)
	}
}

// writeOldFile builds a database the way the build before issue 12 did
// (default 4 KiB pages, auto_vacuum, WAL, migration 1) with n plays, as the
// process left it when it died: the database file and its WAL copied while
// the connection was open, so the last plays are in WAL frames that were
// never checkpointed. It returns the event ids.
func writeOldFile(t *testing.T, path string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	live := filepath.Join(t.TempDir(), "live.db")
	require.NoError(t, secureFiles(live))
	db, err := sql.Open(driverName, dsn(live, false, false)+"&_auto_vacuum=incremental")
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	defer db.Close()
	ms, err := loadMigrations()
	require.NoError(t, err)
	require.NoError(t, applyMigration(ctx, db, ms[0]))
	_, err = db.Exec(`INSERT INTO profiles(name, created_at) VALUES('anna', 0)`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO sessions(profile_id, started_at) VALUES(1, 0)`)
	require.NoError(t, err)
	var ids []int64
	for i := range n {
		ev := event("anna", i, music.OutcomeCompleted)
		res, err := db.Exec(`INSERT INTO events(profile_id, session_id, track_id, title, artist, url, started_at, position_ms, duration_ms, outcome, queued)
			VALUES(1, 1, ?, ?, ?, ?, ?, ?, ?, 'completed', 0)`,
			string(ev.TrackID), ev.Title, ev.Artist, ev.URL, ev.StartedAt.UnixMilli(), ev.PositionMS, ev.DurationMS)
		require.NoError(t, err)
		id, err := res.LastInsertId()
		require.NoError(t, err)
		ids = append(ids, id)
	}
	_, err = db.Exec(`UPDATE profiles SET plays = ?`, n) // the old writer counted every play
	require.NoError(t, err)
	var size int
	require.NoError(t, db.QueryRow("PRAGMA page_size").Scan(&size))
	require.Equal(t, 4096, size)
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(live + suffix)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path+suffix, b, fileMode))
	}
	return ids
}

// Sessions go when they are older than the retention and no event refers
// to them any more, found with one scan of events (events.session_id has
// neither index nor foreign key since migration 0002); a Forget takes a
// profile's sessions and events together; and the plan of the session
// pruning is not a scan of events per session.
func TestSessionsPrunedWithoutIndex(t *testing.T) {
	ctx := context.Background()
	day := 24 * time.Hour
	path := filepath.Join(t.TempDir(), "h.db")
	now := t0.Add(400 * day) // retention cutoff: t0 + 35 days
	s := openStore(t, Options{Path: path, Now: newClock(now).Now})
	start := func(profile string, at time.Time) int64 {
		id, err := s.StartSession(ctx, profile, at)
		require.NoError(t, err)
		return id
	}
	play := func(profile string, session int64, at time.Time) {
		ev := event(profile, 1, music.OutcomeCompleted)
		ev.Session, ev.StartedAt = session, at
		_, err := s.Record(ctx, ev)
		require.NoError(t, err)
	}
	old := start("anna", t0)                 // its play ages out: goes
	oldKept := start("anna", t0)             // never ended, a play after the cutoff: stays
	recent := start("anna", t0.Add(300*day)) // no play, recent: stays
	other := start("bruno", t0.Add(300*day)) // forgotten with bruno
	play("anna", old, t0.Add(time.Minute))
	play("anna", oldKept, t0.Add(50*day))
	play("bruno", other, t0.Add(300*day))
	require.NoError(t, s.Forget(ctx, "bruno"))
	require.NoError(t, s.Close())

	s = openStore(t, Options{Path: path, Now: newClock(now).Now}) // prunes at Open
	var kept []int64
	rows, err := s.rdb.Query(`SELECT id FROM sessions ORDER BY id`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		kept = append(kept, id)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []int64{oldKept, recent}, kept)

	plan, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+pruneSessionsSQL, 1)
	require.NoError(t, err)
	defer plan.Close()
	var steps []string
	for plan.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, plan.Scan(&id, &parent, &unused, &detail))
		steps = append(steps, detail)
	}
	require.NoError(t, plan.Err())
	assert.NotContains(t, strings.Join(steps, "\n"), "CORRELATED", "one scan of events, not one per session: %q", steps)
}

// Moving an old file to small pages never stops the store: with too little
// free space for the journal and the copy (a 1 MiB file system) the file
// keeps its 4 KiB pages, is migrated to the current schema, and works.
func TestOldFileKeptWhenNoRoom(t *testing.T) {
	fs := testenv.MountTmpfs(t, 1<<20)
	path := filepath.Join(fs.Dir, "h.db")
	ids := writeOldFile(t, path, 20)
	s := openStore(t, Options{Path: path})
	id, err := s.Record(context.Background(), event("anna", 99, music.OutcomeCompleted))
	require.NoError(t, err)
	require.NoError(t, s.Close())

	want := wantProps
	want.PageSize = 4096
	assert.Equal(t, want, readFileProps(t, path))
	assert.Greater(t, id, ids[len(ids)-1])
}
