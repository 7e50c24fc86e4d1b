package history

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"syscall"
)

// Flash wear. With synchronous=FULL every commit appends one WAL frame per
// B-tree page it touched, whole pages, and fsyncs; a play touches five
// pages (the events row and its two indexes, taste_tracks, taste_artists;
// migrations 0002 and 0003 took an index and a counter row off the play
// path) and keeps ~200 bytes. Bytes written per play are therefore about
// pages touched × page size, and the page size is the lever that keeps
// "acknowledged means durable": 4 KiB pages wrote ~30 KB per play, 1 KiB
// pages with the rest ~10 KB (docs/footprint.md, BenchmarkFlashPerTrack).
// The rows are small (~200 B; URLs are cut at maxURLLen and longer rows
// spill to overflow pages, still correct), so 1 KiB pages hold several rows
// and the trees stay shallow.
const pageSize = 1024

// walAutocheckpoint is the WAL size, in frames, at which the writer copies
// the WAL back into the database file. A checkpoint rewrites every page the
// WAL holds, and a drive touches the same few hot pages (the right edge of
// the events table and its indexes) over and over: the fewer checkpoints, the
// fewer copies. 4000 frames of 1 KiB (+24 B header each) is a WAL of
// 4,192,032 bytes, just under journalSizeLimit, so the file SQLite reuses
// from the start after a checkpoint never has to be cut back; it also
// bounds the replay at open after a power cut to 4 MiB. The file system
// sees at most MaxBytes + 4 MiB. Pruning and incremental_vacuum run in
// their own transactions and are unaffected; Forget still checkpoints
// with TRUNCATE so the WAL keeps no copy of a forgotten profile.
const (
	walAutocheckpoint = 4000
	journalSizeLimit  = 4 << 20
)

// formatNew sets the properties of a new, empty file on the writer's only
// connection, before anything writes its first page: the page size and
// auto_vacuum are fixed then (auto_vacuum=INCREMENTAL lets pruning give
// pages back to the file system), and journal_mode=WAL is the first write.
func formatNew(ctx context.Context, db *sql.DB) error {
	for _, p := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", pageSize),
		"PRAGMA auto_vacuum = INCREMENTAL",
	} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := setJournalMode(ctx, db, "wal"); err != nil {
		return err
	}
	// Checked here, not left to shrinkPages: a new file written with the
	// wrong page size would be VACUUMed at every first start.
	var got int
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&got); err != nil {
		return fmt.Errorf("PRAGMA page_size: %w", err)
	}
	if got != pageSize {
		return fmt.Errorf("page size %d after formatting, want %d (journal_mode=WAL set too early?)", got, pageSize)
	}
	return nil
}

// setJournalMode changes the journal mode and checks that it took: SQLite
// answers with the mode in force rather than an error when it cannot change
// it (another connection has the file open).
func setJournalMode(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, mode string) error {
	var got string
	if err := q.QueryRowContext(ctx, "PRAGMA journal_mode = "+mode).Scan(&got); err != nil {
		return fmt.Errorf("PRAGMA journal_mode = %s: %w", mode, err)
	}
	if got != mode {
		return fmt.Errorf("PRAGMA journal_mode = %s: still %s (file in use by another connection?)", mode, got)
	}
	return nil
}

// shrinkPages moves a database created with another page size (4 KiB
// before issue 12) to pageSize, once, at Open, before the read pool
// exists. The page size of a WAL database cannot change, so this leaves WAL
// for a rollback journal, sets the page size and VACUUMs (one transaction:
// a power cut rolls it back from the journal at the next open, which then
// tries again), then returns to WAL. Every step keeps synchronous=FULL.
//
// It is an optimisation, never a reason not to start: if it cannot run
// (too little free space for the journal, the file busy) the store keeps
// its old page size, logs a warning and tries again at the next Open. The
// VACUUM builds its copy in memory (temp_store=MEMORY, as large as the
// database: ~2 MB per year of driving, at most MaxBytes) rather than in a
// temporary file outside the private state directory.
func (s *Store) shrinkPages(ctx context.Context, db *sql.DB) {
	var size int64
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil || size == pageSize {
		return
	}
	log := s.log.With().Int64("from_page_size", size).Int("to_page_size", pageSize).Logger()
	if err := roomToVacuum(s.opts.Path); err != nil {
		log.Warn().Err(err).Msg("history keeps its page size (more flash written per play)")
		return
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Warn().Err(err).Msg("history keeps its page size (more flash written per play)")
		return
	}
	defer conn.Close()
	if err := vacuumToPageSize(ctx, conn); err != nil {
		log.Warn().Err(err).Msg("history keeps its page size (more flash written per play)")
		if err := setJournalMode(ctx, conn, "wal"); err != nil {
			// Still durable (rollback journal, synchronous=FULL); the next
			// Open's DSN asks for WAL again.
			log.Warn().Err(err).Msg("history left in rollback-journal mode until the next start")
		}
		return
	}
	log.Info().Msg("history moved to smaller pages (less flash written per play)")
}

func vacuumToPageSize(ctx context.Context, conn *sql.Conn) error {
	if err := setJournalMode(ctx, conn, "delete"); err != nil {
		return err
	}
	for _, p := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", pageSize),
		"PRAGMA temp_store = MEMORY",
		"VACUUM",
		"PRAGMA temp_store = DEFAULT",
	} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return setJournalMode(ctx, conn, "wal")
}

// roomToVacuum wants free space for the rollback journal (at most the whole
// file) and the rewritten file beside the old one, with a margin, so that a
// nearly full disk is not filled by an optimisation.
func roomToVacuum(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", path, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	need := 2*fi.Size() + 1<<20
	if free < need {
		return fmt.Errorf("%d bytes free next to %s, %d needed to rewrite it", free, path, need)
	}
	return nil
}
