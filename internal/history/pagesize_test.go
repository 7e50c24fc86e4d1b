package history

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/continuo/continuo/internal/music"
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
// moved to 1 KiB pages and schema 2 at Open, keeping every row and id;
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
	_, err = s.Record(ctx, event("anna", 99, music.OutcomeSkipped))
	require.NoError(t, err)
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
