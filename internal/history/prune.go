package history

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// prune applies retention (age, events per profile, taste entries per
// profile), returns the freed pages to the file system, and if the file is
// still above MaxBytes drops the oldest events of all profiles. It runs
// on the writer goroutine, at Open and every pruneEvery commits.
func (w *writer) prune() error {
	ctx := w.ctx
	db := w.s.wdb
	o := w.s.opts
	now := w.s.now()
	cutoff := now.Add(-o.MaxAge).UnixMilli()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "prune: begin")
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []string{
		`DELETE FROM events WHERE started_at < ?1`,
		`DELETE FROM feedback WHERE at < ?1`,
		pruneSessionsSQL,
	} {
		if _, err := tx.ExecContext(ctx, q, cutoff); err != nil {
			return classify(err, "prune by age")
		}
	}
	ids, err := profileIDs(ctx, tx)
	if err != nil {
		return classify(err, "prune: list profiles")
	}
	for _, pid := range ids {
		for _, q := range []string{
			`DELETE FROM events WHERE id IN (SELECT id FROM events WHERE profile_id = ?1
				ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET ?2)`,
			`DELETE FROM feedback WHERE id IN (SELECT id FROM feedback WHERE profile_id = ?1
				ORDER BY at DESC, id DESC LIMIT -1 OFFSET ?2)`,
		} {
			if _, err := tx.ExecContext(ctx, q, pid, o.MaxEventsPerProfile); err != nil {
				return classify(err, "prune by count")
			}
		}
		for _, t := range []struct{ table, key string }{{"taste_tracks", "track_id"}, {"taste_artists", "artist"}} {
			if err := trimTaste(ctx, tx, t.table, t.key, pid, now.UnixMilli(), o.MaxTasteEntries); err != nil {
				return classify(err, "prune taste")
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return classify(err, "prune: commit")
	}
	if err := incrementalVacuum(ctx, db); err != nil {
		return classify(err, "prune: incremental_vacuum")
	}
	return w.shrinkTo(o.MaxBytes)
}

// pruneSessionsSQL deletes the sessions older than ?1 that no event refers
// to, with one scan of events for all of them (events.session_id has no
// index, see migration 0002), not one per session as NOT EXISTS would.
const pruneSessionsSQL = `DELETE FROM sessions WHERE coalesce(ended_at, started_at) < ?1
	AND id NOT IN (SELECT session_id FROM events WHERE session_id IS NOT NULL)`

func profileIDs(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM profiles`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, closeRows(rows)
}

// trimTaste keeps the n entries of largest decayed magnitude above the
// noise floor and deletes the rest. Between prunes a profile can briefly
// hold more; readers only ever return n.
func trimTaste(ctx context.Context, tx *sql.Tx, table, key string, pid, now int64, n int) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+key+`, weight, updated_at FROM `+table+` WHERE profile_id = ?`, pid)
	if err != nil {
		return err
	}
	var all []weighted
	for rows.Next() {
		var k string
		var w float64
		var at int64
		if err := rows.Scan(&k, &w, &at); err != nil {
			rows.Close()
			return err
		}
		all = append(all, weighted{k, decay(w, at, now)})
	}
	if err := closeRows(rows); err != nil {
		return err
	}
	sortByMagnitude(all)
	var drop []string
	for i, e := range all {
		if i >= n || math.Abs(e.w) < tasteFloor {
			drop = append(drop, e.key)
		}
	}
	if len(drop) == 0 {
		return nil
	}
	del, err := tx.PrepareContext(ctx, `DELETE FROM `+table+` WHERE profile_id = ? AND `+key+` = ?`)
	if err != nil {
		return err
	}
	defer del.Close()
	for _, k := range drop {
		if _, err := del.ExecContext(ctx, pid, k); err != nil {
			return err
		}
	}
	return nil
}

// shrinkTo deletes the oldest events of all profiles until the database
// (pages in use) fits in maxBytes, in at most a few rounds per prune.
func (w *writer) shrinkTo(maxBytes int64) error {
	ctx := w.ctx
	db := w.s.wdb
	for round := 0; round < 8; round++ {
		used, err := usedBytes(ctx, db)
		if err != nil {
			return classify(err, "prune: size")
		}
		if used <= maxBytes {
			return nil
		}
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
			return classify(err, "prune: count")
		}
		if n == 0 {
			w.s.log.Warn().Int64("bytes", used).Int64("max_bytes", maxBytes).Msg("history above its size limit with no events left to drop")
			return nil
		}
		// Drop the share of events the excess suggests, plus a tenth for
		// the pages events do not own (taste, indexes, schema).
		frac := min(1, 1-0.9*float64(maxBytes)/float64(used))
		drop := max(int64(float64(n)*frac), 1)
		w.s.log.Warn().Int64("bytes", used).Int64("max_bytes", maxBytes).Int64("dropping_events", drop).
			Msg("history above its size limit: dropping the oldest events")
		if _, err := db.ExecContext(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY started_at, id LIMIT ?)`, drop); err != nil {
			return classify(err, "prune by size")
		}
		if err := incrementalVacuum(ctx, db); err != nil {
			return classify(err, "prune: incremental_vacuum")
		}
	}
	return nil
}

// usedBytes is the size of the database's pages in use (what the file
// shrinks to after a checkpoint).
func usedBytes(ctx context.Context, db *sql.DB) (int64, error) {
	var pages, free, size int64
	for q, dst := range map[string]*int64{
		"PRAGMA page_count": &pages, "PRAGMA freelist_count": &free, "PRAGMA page_size": &size,
	} {
		if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	return (pages - free) * size, nil
}

// incrementalVacuum gives all free pages back to the file system. The
// pragma frees one page per step, and Exec steps once, so it must be run
// as a query and drained.
func incrementalVacuum(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA incremental_vacuum")
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return closeRows(rows)
}
