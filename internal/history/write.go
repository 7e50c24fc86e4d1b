package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/continuo/continuo/internal/music"
)

// stmts are the writer's prepared statements, prepared once on its single
// connection.
type stmts struct {
	all []*sql.Stmt

	profileGet, profileIns, profileDel   *sql.Stmt
	sessionIns, sessionEnd, sessionGet   *sql.Stmt
	eventIns, feedbackIns, artistOfTrack *sql.Stmt
	trackAdd, artistAdd                  *sql.Stmt
}

func prepare(ctx context.Context, db *sql.DB) (*stmts, error) {
	st := &stmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.profileGet, `SELECT id FROM profiles WHERE name = ?`},
		{&st.profileIns, `INSERT INTO profiles(name, created_at) VALUES(?, ?)`},
		{&st.profileDel, `DELETE FROM profiles WHERE id = ?`},
		{&st.sessionIns, `INSERT INTO sessions(profile_id, started_at) VALUES(?, ?)`},
		{&st.sessionEnd, `UPDATE sessions SET ended_at = ? WHERE id = ?`},
		{&st.sessionGet, `SELECT 1 FROM sessions WHERE id = ?`},
		{&st.eventIns, `INSERT INTO events(profile_id, session_id, track_id, title, artist, genres, url, player,
			started_at, position_ms, duration_ms, outcome, queued) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.feedbackIns, `INSERT INTO feedback(profile_id, track_id, kind, at) VALUES(?, ?, ?, ?)`},
		{&st.artistOfTrack, `SELECT artist FROM events WHERE profile_id = ? AND track_id = ? AND artist <> ''
			ORDER BY started_at DESC LIMIT 1`},
		{&st.trackAdd, tasteUpsert("taste_tracks", "track_id")},
		{&st.artistAdd, tasteUpsert("taste_artists", "artist")},
	} {
		s, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			_ = st.close()
			return nil, fmt.Errorf("prepare %q: %w", strings.Fields(p.sql)[0:3], err)
		}
		*p.dst = s
		st.all = append(st.all, s)
	}
	return st, nil
}

func (st *stmts) close() error {
	var errs []error
	for _, s := range st.all {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// clean makes free text from a player safe to store: valid UTF-8 (invalid
// bytes become U+FFFD) and at most max bytes, cut at a rune boundary.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func checkProfile(p string) error {
	switch {
	case p == "":
		return music.Errorf(music.KindInvalid, "history: empty profile name")
	case len(p) > MaxProfileLen:
		return music.Errorf(music.KindInvalid, "history: profile name longer than %d bytes", MaxProfileLen)
	case !utf8.ValidString(p):
		return music.Errorf(music.KindInvalid, "history: profile name is not valid UTF-8")
	}
	return nil
}

func checkTime(t time.Time, what string) error {
	if t.IsZero() {
		return music.Errorf(music.KindInvalid, "history: %s: zero time", what)
	}
	if y := t.Year(); y < 1970 || y > 9999 {
		return music.Errorf(music.KindInvalid, "history: %s: year %d out of range", what, y)
	}
	return nil
}

// normalizeEvent validates ev and returns the copy the store keeps.
func normalizeEvent(ev music.PlayEvent) (music.PlayEvent, error) {
	if err := checkProfile(ev.Profile); err != nil {
		return ev, err
	}
	switch ev.Outcome {
	case music.OutcomeCompleted, music.OutcomeSkipped, music.OutcomeStopped:
	case music.OutcomePlaying:
		return ev, music.Errorf(music.KindInvalid, "history: event outcome %q: the play has not ended", ev.Outcome)
	default:
		return ev, music.Errorf(music.KindInvalid, "history: event outcome %q: want completed, skipped or stopped", clean(string(ev.Outcome), 32))
	}
	if err := checkTime(ev.StartedAt, "event start"); err != nil {
		return ev, err
	}
	if ev.PositionMS < 0 || ev.DurationMS < 0 {
		return ev, music.Errorf(music.KindInvalid, "history: event position %d ms / duration %d ms: negative", ev.PositionMS, ev.DurationMS)
	}
	if ev.Session < 0 {
		return ev, music.Errorf(music.KindInvalid, "history: event session %d: negative", ev.Session)
	}
	ev.TrackID = music.TrackID(clean(string(ev.TrackID), maxTextLen))
	ev.Title = clean(ev.Title, maxTextLen)
	ev.Artist = clean(ev.Artist, maxTextLen)
	ev.URL = clean(ev.URL, maxURLLen)
	ev.Player = clean(ev.Player, maxTextLen)
	if ev.TrackID == "" && ev.Title == "" && ev.URL == "" {
		return ev, music.Errorf(music.KindInvalid, "history: event has neither track id, title nor URL")
	}
	if len(ev.Genres) > maxGenres {
		ev.Genres = ev.Genres[:maxGenres]
	}
	gs := make([]string, 0, len(ev.Genres))
	for _, g := range ev.Genres {
		if g = clean(g, maxTextLen); g != "" {
			gs = append(gs, g)
		}
	}
	ev.Genres = gs
	return ev, nil
}

// Record stores a finished play and updates the profile's taste in the same
// transaction. It returns the event id once the event is durable (see the
// package doc). Errors: KindInvalid for a bad event or unknown session,
// KindUnavailable when the disk is full or the file unwritable.
func (s *Store) Record(ctx context.Context, ev music.PlayEvent) (int64, error) {
	ev, genres, err := prepareEvent(ev)
	if err != nil {
		return 0, err
	}
	return s.submit(ctx, &request{apply: func(t *wtx) (int64, error) {
		return t.insertEvent(&ev, genres)
	}})
}

// Skip stores a play the driver skipped as ONE record: the event, with
// outcome skipped at the position it reached, and the driver's skip
// feedback commit in the same transaction, so after a crash there is
// either both or neither, and the taste counts the skip once (the play's
// deltas; a skip feedback alone adds the same). It returns the event id
// once both are durable. The event must name a catalog track.
func (s *Store) Skip(ctx context.Context, ev music.PlayEvent, at time.Time) (int64, error) {
	ev.Outcome = music.OutcomeSkipped
	ev, genres, err := prepareEvent(ev)
	if err != nil {
		return 0, err
	}
	if ev.TrackID == "" {
		return 0, music.Errorf(music.KindInvalid, "history: a skip without track id")
	}
	if err := checkTime(at, "skip time"); err != nil {
		return 0, err
	}
	return s.submit(ctx, &request{apply: func(t *wtx) (int64, error) {
		id, err := t.insertEvent(&ev, genres)
		if err != nil {
			return 0, err
		}
		pid, err := t.profileID(ev.Profile, at.UnixMilli())
		if err != nil {
			return 0, err
		}
		if _, err := t.exec(t.w.s.st.feedbackIns, pid, string(ev.TrackID), string(music.Skip), at.UnixMilli()); err != nil {
			return 0, err
		}
		return id, nil
	}})
}

// prepareEvent validates ev and encodes its genres for the events table.
func prepareEvent(ev music.PlayEvent) (music.PlayEvent, string, error) {
	ev, err := normalizeEvent(ev)
	if err != nil {
		return ev, "", err
	}
	if len(ev.Genres) == 0 {
		return ev, "", nil
	}
	b, err := json.Marshal(ev.Genres)
	if err != nil {
		return ev, "", fmt.Errorf("history: encode genres: %w", err)
	}
	return ev, string(b), nil
}

// insertEvent adds a prepared event and its taste deltas to the batch.
func (t *wtx) insertEvent(ev *music.PlayEvent, genres string) (int64, error) {
	st := t.w.s.st
	ms := ev.StartedAt.UnixMilli()
	pid, err := t.profileID(ev.Profile, ms)
	if err != nil {
		return 0, err
	}
	session, err := t.sessionRef(ev.Session)
	if err != nil {
		return 0, err
	}
	res, err := t.exec(st.eventIns, pid, session, string(ev.TrackID), ev.Title, ev.Artist, genres, ev.URL,
		ev.Player, ms, ev.PositionMS, ev.DurationMS, string(ev.Outcome), ev.Queued)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	dt, da := playDeltas(ev)
	if err := t.addTaste(st.trackAdd, pid, string(ev.TrackID), dt, ms); err != nil {
		return 0, err
	}
	if err := t.addTaste(st.artistAdd, pid, ev.Artist, da, ms); err != nil {
		return 0, err
	}
	return id, nil
}

// Feedback stores an explicit judgement and updates the taste in the same
// transaction; durable when it returns nil. The artist whose skip weight a
// dislike or skip raises is the one of the profile's latest play of the
// track, if any.
func (s *Store) Feedback(ctx context.Context, fb music.Feedback) error {
	if err := checkProfile(fb.Profile); err != nil {
		return err
	}
	switch fb.Kind {
	case music.Like, music.Dislike, music.Skip:
	default:
		return music.Errorf(music.KindInvalid, "history: feedback kind %q: want like, dislike or skip", clean(string(fb.Kind), 32))
	}
	if fb.TrackID == "" {
		return music.Errorf(music.KindInvalid, "history: feedback without track id")
	}
	if err := checkTime(fb.At, "feedback time"); err != nil {
		return err
	}
	track := clean(string(fb.TrackID), maxTextLen)
	ms := fb.At.UnixMilli()
	_, err := s.submit(ctx, &request{apply: func(t *wtx) (int64, error) {
		st := t.w.s.st
		pid, err := t.profileID(fb.Profile, ms)
		if err != nil {
			return 0, err
		}
		res, err := t.exec(st.feedbackIns, pid, track, string(fb.Kind), ms)
		if err != nil {
			return 0, err
		}
		dt, da := feedbackDeltas(fb.Kind)
		if err := t.addTaste(st.trackAdd, pid, track, dt, ms); err != nil {
			return 0, err
		}
		if da != 0 {
			var artist string
			err := t.queryRow(st.artistOfTrack, pid, track).Scan(&artist)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return 0, err
			}
			if err := t.addTaste(st.artistAdd, pid, artist, da, ms); err != nil {
				return 0, err
			}
		}
		return res.LastInsertId()
	}})
	return err
}

// StartSession records the start of a drive for profile (created if new)
// and returns its id for PlayEvent.Session.
func (s *Store) StartSession(ctx context.Context, profile string, at time.Time) (int64, error) {
	if err := checkProfile(profile); err != nil {
		return 0, err
	}
	if err := checkTime(at, "session start"); err != nil {
		return 0, err
	}
	ms := at.UnixMilli()
	return s.submit(ctx, &request{apply: func(t *wtx) (int64, error) {
		pid, err := t.profileID(profile, ms)
		if err != nil {
			return 0, err
		}
		res, err := t.exec(t.w.s.st.sessionIns, pid, ms)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}})
}

// EndSession records the end of drive id. KindNotFound if there is no such
// session (it may have been pruned or forgotten).
func (s *Store) EndSession(ctx context.Context, id int64, at time.Time) error {
	if err := checkTime(at, "session end"); err != nil {
		return err
	}
	ms := at.UnixMilli()
	_, err := s.submit(ctx, &request{apply: func(t *wtx) (int64, error) {
		res, err := t.exec(t.w.s.st.sessionEnd, ms, id)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, music.Errorf(music.KindNotFound, "history: no session %d", id)
		}
		return id, nil
	}})
	return err
}

// sessionRef is the events.session_id value for session id: NULL for none,
// and a session that does not exist is refused. The column has no foreign
// key (migration 0002: it would need an index every play writes to), so
// this read is the check.
func (t *wtx) sessionRef(id int64) (any, error) {
	if id == 0 {
		return nil, nil
	}
	var one int
	err := t.queryRow(t.w.s.st.sessionGet, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, music.Errorf(music.KindInvalid, "history: event session %d does not exist", id)
	}
	return id, err
}

// Forget deletes every row of profile (events, feedback, sessions, taste,
// the profile itself) and makes sure no copy stays readable in the file or
// its WAL: secure_delete zeroes the freed content, incremental_vacuum gives
// the free pages back, and a TRUNCATE checkpoint empties the WAL. Forgetting
// an unknown profile is not an error, so a failed Forget can be retried.
func (s *Store) Forget(ctx context.Context, profile string) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	_, err := s.onWriter(ctx, func(w *writer) (int64, error) {
		return 0, w.forget(profile)
	})
	return err
}

func (w *writer) forget(profile string) error {
	db := w.s.wdb
	tx, err := db.BeginTx(w.ctx, nil)
	if err != nil {
		return classify(err, "forget: begin")
	}
	defer func() { _ = tx.Rollback() }()
	var id int64
	err = tx.StmtContext(w.ctx, w.s.st.profileGet).QueryRowContext(w.ctx, profile).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return classify(err, "forget: find profile")
	}
	if err == nil {
		// ON DELETE CASCADE takes events, feedback, sessions and taste.
		if _, err := tx.StmtContext(w.ctx, w.s.st.profileDel).ExecContext(w.ctx, id); err != nil {
			return classify(err, "forget: delete")
		}
	}
	if err := tx.Commit(); err != nil {
		return classify(err, "forget: commit")
	}
	delete(w.profiles, profile)
	if err := w.scrub(); err != nil {
		return fmt.Errorf("history: forget: profile deleted, but old copies may remain until the next checkpoint: %w", err)
	}
	w.s.log.Info().Msg("profile forgotten")
	return nil
}

// scrub returns free pages to the file system and empties the WAL, so that
// deleted content is gone from both files.
func (w *writer) scrub() error {
	if err := incrementalVacuum(w.ctx, w.s.wdb); err != nil {
		return classify(err, "incremental_vacuum")
	}
	return w.checkpointTruncate()
}

// checkpointTruncate copies the WAL into the database and truncates it to
// zero bytes. It waits (busy_timeout) for readers on older snapshots; if
// they do not finish it reports busy.
func (w *writer) checkpointTruncate() error {
	var busy, logFrames, done int
	err := w.s.wdb.QueryRowContext(w.ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		return classify(err, "checkpoint")
	}
	if busy != 0 {
		return music.Errorf(music.KindUnavailable, "history: checkpoint: readers kept the WAL busy")
	}
	return nil
}
