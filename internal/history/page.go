package history

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// Paged reads for the D-Bus API: a driver's whole history, page by page,
// and the feedback read back. A cursor is the id of the last row of the
// previous page (0 = start at the newest); pages follow the order of Recent,
// so a client can go on from a Recent page with its last id.

// Page returns up to limit of the profile's events older than the event
// with id before (0 = from the newest), newest first, in Recent's order
// (started_at, then id). KindNotFound when before names no event of the
// profile (pruned or forgotten since the previous page).
func (s *Store) Page(ctx context.Context, profile string, limit int, before int64) ([]music.PlayEvent, error) {
	if err := checkPage(profile, limit, before); err != nil {
		return nil, err
	}
	if before == 0 {
		return s.Recent(ctx, profile, limit)
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, classify(err, "page")
	}
	defer func() { _ = tx.Rollback() }()
	var startedAt int64
	err = tx.QueryRowContext(ctx, `SELECT e.started_at FROM events e JOIN profiles p ON p.id = e.profile_id
		WHERE e.id = ? AND p.name = ?`, before, profile).Scan(&startedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, music.Errorf(music.KindNotFound, "history: page: event %d is not stored for this profile (pruned or forgotten?)", before)
	}
	if err != nil {
		return nil, classify(err, "page")
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e JOIN profiles p ON p.id = e.profile_id
		WHERE p.name = ? AND (e.started_at < ? OR (e.started_at = ? AND e.id < ?))
		ORDER BY e.started_at DESC, e.id DESC LIMIT ?`, profile, startedAt, startedAt, before, limit)
	if err != nil {
		return nil, classify(err, "page")
	}
	out := []music.PlayEvent{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return nil, classify(err, "page")
		}
		out = append(out, ev)
	}
	return out, classify(closeRows(rows), "page")
}

// FeedbackPage returns up to limit of the profile's feedback rows older
// than the row with id before (0 = from the newest), newest first. An
// unknown profile has none.
func (s *Store) FeedbackPage(ctx context.Context, profile string, limit int, before int64) ([]music.Feedback, error) {
	if err := checkPage(profile, limit, before); err != nil {
		return nil, err
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	// Ids follow the order rows were stored: a stable cursor even when two
	// rows carry the same At.
	rows, err := s.rdb.QueryContext(ctx, `SELECT f.id, f.track_id, f.kind, f.at FROM feedback f
		JOIN profiles p ON p.id = f.profile_id WHERE p.name = ? AND f.id < ? ORDER BY f.id DESC LIMIT ?`,
		profile, before, limit)
	if err != nil {
		return nil, classify(err, "feedback page")
	}
	out := []music.Feedback{}
	for rows.Next() {
		fb := music.Feedback{Profile: profile}
		var track, kind string
		var at int64
		if err := rows.Scan(&fb.ID, &track, &kind, &at); err != nil {
			rows.Close()
			return nil, classify(err, "feedback page")
		}
		fb.TrackID, fb.Kind, fb.At = music.TrackID(track), music.FeedbackKind(kind), time.UnixMilli(at)
		out = append(out, fb)
	}
	return out, classify(closeRows(rows), "feedback page")
}

func checkPage(profile string, limit int, before int64) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	if limit <= 0 {
		return music.Errorf(music.KindInvalid, "history: page: limit %d, want > 0", limit)
	}
	if before < 0 {
		return music.Errorf(music.KindInvalid, "history: page: cursor %d, want >= 0", before)
	}
	return nil
}

// ExportJSON is Export into a string (the D-Bus ExportProfile reply).
func (s *Store) ExportJSON(ctx context.Context, profile string) (string, error) {
	var b bytes.Buffer
	if err := s.Export(ctx, profile, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Recovered returns where a corrupt database found at Open was moved
// aside, or "" when the store opened its file as it was. The API reports
// it: a driver whose history vanished should be told why.
func (s *Store) Recovered() string { return s.recoveredTo }
