package history

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// Reads go through the read pool: WAL readers see the last committed
// snapshot and neither block nor wait for the writer.

// readStmts are the hot read queries, prepared once on the read pool
// (database/sql prepares each on a pooled connection the first time it
// runs there and reuses it after).
type readStmts struct {
	all                                                  []*sql.Stmt
	recent, profile, tasteTracks, tasteArtists, profiles *sql.Stmt
}

func prepareReads(ctx context.Context, db *sql.DB) (*readStmts, error) {
	rd := &readStmts{}
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&rd.recent, `SELECT ` + eventColumns + ` FROM events e JOIN profiles p ON p.id = e.profile_id
			WHERE p.name = ? ORDER BY e.started_at DESC, e.id DESC LIMIT ?`},
		// plays counts the deleted events; the stored ones are counted
		// here (migration 0003), from the events_profile_started index.
		{&rd.profile, `SELECT id, plays + (SELECT count(*) FROM events WHERE profile_id = profiles.id)
			FROM profiles WHERE name = ?`},
		{&rd.tasteTracks, `SELECT track_id, weight, updated_at FROM taste_tracks WHERE profile_id = ?`},
		{&rd.tasteArtists, `SELECT artist, weight, updated_at FROM taste_artists WHERE profile_id = ?`},
		{&rd.profiles, `SELECT name FROM profiles ORDER BY name`},
	} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			_ = rd.close()
			return nil, err
		}
		*p.dst = st
		rd.all = append(rd.all, st)
	}
	return rd, nil
}

func (rd *readStmts) close() error {
	var errs []error
	for _, st := range rd.all {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

const eventColumns = `e.id, p.name, coalesce(e.session_id, 0), e.track_id, e.title, e.artist, e.genres, e.url,
	e.player, e.started_at, e.position_ms, e.duration_ms, e.outcome, e.queued`

func scanEvent(rows *sql.Rows) (music.PlayEvent, error) {
	var ev music.PlayEvent
	var track, genres, outcome string
	var started int64
	err := rows.Scan(&ev.ID, &ev.Profile, &ev.Session, &track, &ev.Title, &ev.Artist, &genres, &ev.URL,
		&ev.Player, &started, &ev.PositionMS, &ev.DurationMS, &outcome, &ev.Queued)
	if err != nil {
		return ev, err
	}
	ev.TrackID = music.TrackID(track)
	ev.Outcome = music.Outcome(outcome)
	ev.StartedAt = time.UnixMilli(started)
	if genres != "" {
		if err := json.Unmarshal([]byte(genres), &ev.Genres); err != nil {
			return ev, fmt.Errorf("event %d: genres: %w", ev.ID, err)
		}
	}
	return ev, nil
}

// Recent returns up to limit of the profile's latest events, newest first.
// An unknown profile has no events (empty result, no error).
func (s *Store) Recent(ctx context.Context, profile string, limit int) ([]music.PlayEvent, error) {
	if err := checkProfile(profile); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, music.Errorf(music.KindInvalid, "history: recent: limit %d, want > 0", limit)
	}
	rows, err := s.rd.recent.QueryContext(ctx, profile, limit)
	if err != nil {
		return nil, classify(err, "recent")
	}
	defer rows.Close()
	out := []music.PlayEvent{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, classify(err, "recent")
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, "recent")
	}
	return out, nil
}

// Taste returns the profile's taste decayed to now (Options.Now): at most
// Options.MaxTasteEntries tracks and artists, the largest by magnitude. An
// unknown profile has an empty taste.
func (s *Store) Taste(ctx context.Context, profile string) (music.Taste, error) {
	taste := music.Taste{Tracks: map[music.TrackID]float64{}, SkippedArtists: map[string]float64{}}
	if err := checkProfile(profile); err != nil {
		return taste, err
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return taste, classify(err, "taste")
	}
	defer func() { _ = tx.Rollback() }()
	var pid int64
	err = tx.StmtContext(ctx, s.rd.profile).QueryRowContext(ctx, profile).Scan(&pid, &taste.Plays)
	if errors.Is(err, sql.ErrNoRows) {
		return taste, nil
	}
	if err != nil {
		return taste, classify(err, "taste")
	}
	now := s.now().UnixMilli()
	for _, q := range []struct {
		stmt *sql.Stmt
		put  func(k string, w float64)
	}{
		{s.rd.tasteTracks, func(k string, w float64) { taste.Tracks[music.TrackID(k)] = w }},
		{s.rd.tasteArtists, func(k string, w float64) { taste.SkippedArtists[k] = w }},
	} {
		rows, err := tx.StmtContext(ctx, q.stmt).QueryContext(ctx, pid)
		if err != nil {
			return taste, classify(err, "taste")
		}
		top, err := topWeights(rows, now, s.opts.MaxTasteEntries)
		if err != nil {
			return taste, classify(err, "taste")
		}
		for _, e := range top {
			q.put(e.key, e.w)
		}
	}
	return taste, nil
}

// sortByMagnitude orders by |w| descending, then key, so trimming is
// deterministic.
func sortByMagnitude(ws []weighted) {
	slices.SortFunc(ws, func(a, b weighted) int {
		if c := cmp.Compare(math.Abs(b.w), math.Abs(a.w)); c != 0 {
			return c
		}
		return cmp.Compare(a.key, b.key)
	})
}

// Profiles lists the stored profile names, sorted.
func (s *Store) Profiles(ctx context.Context) ([]string, error) {
	rows, err := s.rd.profiles.QueryContext(ctx)
	if err != nil {
		return nil, classify(err, "profiles")
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, classify(err, "profiles")
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, "profiles")
	}
	return out, nil
}

// Export document (JSON). Field names are part of the format a driver gets
// when asking "what do you know about me"; keep them stable.
type exportDoc struct {
	Format     string           `json:"format"`
	Profile    string           `json:"profile"`
	ExportedAt time.Time        `json:"exported_at"`
	Sessions   []exportSession  `json:"sessions"`
	Events     []exportEvent    `json:"events"`
	Feedback   []exportFeedback `json:"feedback"`
	Taste      exportTaste      `json:"taste"`
}

type exportSession struct {
	ID        int64      `json:"id"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

type exportEvent struct {
	ID         int64     `json:"id"`
	Session    int64     `json:"session,omitempty"`
	TrackID    string    `json:"track_id,omitempty"`
	Title      string    `json:"title,omitempty"`
	Artist     string    `json:"artist,omitempty"`
	Genres     []string  `json:"genres,omitempty"`
	URL        string    `json:"url,omitempty"`
	Player     string    `json:"player,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	PositionMS int64     `json:"position_ms"`
	DurationMS int64     `json:"duration_ms"`
	Outcome    string    `json:"outcome"`
	Queued     bool      `json:"queued_by_continuo"`
}

type exportFeedback struct {
	TrackID string    `json:"track_id"`
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
}

type exportTaste struct {
	HalfLifeDays   float64            `json:"half_life_days"`
	Plays          int                `json:"plays"`
	Tracks         map[string]float64 `json:"tracks"`
	SkippedArtists map[string]float64 `json:"skipped_artists"`
}

// ExportFormat names the JSON layout Export writes.
const ExportFormat = "continuo-history-export/1"

// Export writes everything stored about profile as one JSON document, from
// one consistent snapshot. KindNotFound for an unknown profile.
func (s *Store) Export(ctx context.Context, profile string, w io.Writer) error {
	if err := checkProfile(profile); err != nil {
		return err
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify(err, "export")
	}
	defer func() { _ = tx.Rollback() }()
	var pid int64
	var plays int
	err = tx.StmtContext(ctx, s.rd.profile).QueryRowContext(ctx, profile).Scan(&pid, &plays)
	if errors.Is(err, sql.ErrNoRows) {
		return music.Errorf(music.KindNotFound, "history: export: no such profile")
	}
	if err != nil {
		return classify(err, "export")
	}
	doc := exportDoc{Format: ExportFormat, Profile: profile, ExportedAt: s.now().UTC(),
		Sessions: []exportSession{}, Events: []exportEvent{}, Feedback: []exportFeedback{}}
	if err := s.exportRows(ctx, tx, pid, &doc); err != nil {
		return classify(err, "export")
	}
	now := s.now().UnixMilli()
	doc.Taste = exportTaste{HalfLifeDays: TasteHalfLife.Hours() / 24, Plays: plays,
		Tracks: map[string]float64{}, SkippedArtists: map[string]float64{}}
	for stmt, m := range map[*sql.Stmt]map[string]float64{
		s.rd.tasteTracks:  doc.Taste.Tracks,
		s.rd.tasteArtists: doc.Taste.SkippedArtists,
	} {
		rows, err := tx.StmtContext(ctx, stmt).QueryContext(ctx, pid)
		if err != nil {
			return classify(err, "export")
		}
		top, err := topWeights(rows, now, s.opts.MaxTasteEntries)
		if err != nil {
			return classify(err, "export")
		}
		for _, e := range top {
			m[e.key] = e.w
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("history: export: write: %w", err)
	}
	return nil
}

func (s *Store) exportRows(ctx context.Context, tx *sql.Tx, pid int64, doc *exportDoc) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, started_at, ended_at FROM sessions WHERE profile_id = ? ORDER BY started_at, id`, pid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var es exportSession
		var start int64
		var end sql.NullInt64
		if err := rows.Scan(&es.ID, &start, &end); err != nil {
			rows.Close()
			return err
		}
		es.StartedAt = time.UnixMilli(start).UTC()
		if end.Valid {
			t := time.UnixMilli(end.Int64).UTC()
			es.EndedAt = &t
		}
		doc.Sessions = append(doc.Sessions, es)
	}
	if err := closeRows(rows); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e JOIN profiles p ON p.id = e.profile_id
		WHERE e.profile_id = ? ORDER BY e.started_at, e.id`, pid)
	if err != nil {
		return err
	}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return err
		}
		doc.Events = append(doc.Events, exportEvent{ID: ev.ID, Session: ev.Session, TrackID: string(ev.TrackID),
			Title: ev.Title, Artist: ev.Artist, Genres: ev.Genres, URL: ev.URL, Player: ev.Player,
			StartedAt: ev.StartedAt.UTC(), PositionMS: ev.PositionMS, DurationMS: ev.DurationMS,
			Outcome: string(ev.Outcome), Queued: ev.Queued})
	}
	if err := closeRows(rows); err != nil {
		return err
	}

	rows, err = tx.QueryContext(ctx, `SELECT track_id, kind, at FROM feedback WHERE profile_id = ? ORDER BY at, id`, pid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var f exportFeedback
		var at int64
		if err := rows.Scan(&f.TrackID, &f.Kind, &at); err != nil {
			rows.Close()
			return err
		}
		f.At = time.UnixMilli(at).UTC()
		doc.Feedback = append(doc.Feedback, f)
	}
	return closeRows(rows)
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}
