package history

import (
	"database/sql"
	"math"
	"time"

	"github.com/continuo/continuo/internal/music"
)

// TasteHalfLife is how fast the derived taste forgets: a play counts half as
// much after 30 days, a quarter after 60. A month is long enough that a
// weekly commute's favourites stay on top, short enough that last season's
// obsession fades within a few months.
const TasteHalfLife = 30 * 24 * time.Hour

// Weights each outcome or judgement adds to a track's taste weight and, for
// the negative ones, to the skip weight of its primary artist. Explicit
// feedback counts double an implicit play: the driver said it.
const (
	wCompleted     = 1.0
	wStoppedMax    = 0.5 // scaled by the fraction heard: the drive ended, not a judgement
	wSkipped       = -1.0
	wLike          = 2.0
	wDislike       = -2.0
	wFeedbackSkip  = -1.0
	artistSkipUnit = 1.0
	// tasteFloor: decayed weights below this (about 7 half-lives of a single
	// play) are noise and are dropped when the taste is trimmed.
	tasteFloor = 0.01
)

// decay returns w, valid at from (ms), as seen at to (ms). Weights never
// grow: a clock behind the row's time leaves them as they are.
func decay(w float64, from, to int64) float64 {
	if to <= from {
		return w
	}
	return w * math.Exp2(-float64(to-from)/float64(TasteHalfLife.Milliseconds()))
}

// playDeltas returns what one play adds to its track's weight and to its
// artist's skip weight.
func playDeltas(ev *music.PlayEvent) (track, artistSkip float64) {
	switch ev.Outcome {
	case music.OutcomeCompleted:
		return wCompleted, 0
	case music.OutcomeSkipped:
		return wSkipped, artistSkipUnit
	case music.OutcomeStopped:
		if ev.DurationMS <= 0 {
			return 0, 0
		}
		frac := math.Min(1, float64(ev.PositionMS)/float64(ev.DurationMS))
		return wStoppedMax * frac, 0
	}
	return 0, 0
}

// feedbackDeltas returns what one judgement adds. A Skip feedback counts
// like a skipped play; a skip reported both ways counts twice, so callers
// record one or the other.
func feedbackDeltas(k music.FeedbackKind) (track, artistSkip float64) {
	switch k {
	case music.Like:
		return wLike, 0
	case music.Dislike:
		return wDislike, artistSkipUnit
	case music.Skip:
		return wFeedbackSkip, artistSkipUnit
	}
	return 0, 0
}

// tasteUpsert adds ?3, valid at time ?4, to one taste row in one
// statement. Rows keep the weight at their updated_at; when the new delta
// is newer the row is decayed to it, when it is older (events can arrive
// late) the delta is decayed to the row's time instead, so the order of
// arrival does not matter. continuo_decay is decay, registered on every
// connection (see driver.go).
func tasteUpsert(table, key string) string {
	return `INSERT INTO ` + table + `(profile_id, ` + key + `, weight, updated_at) VALUES(?1, ?2, ?3, ?4)
		ON CONFLICT(profile_id, ` + key + `) DO UPDATE SET
		weight = CASE WHEN excluded.updated_at >= updated_at
			THEN continuo_decay(weight, updated_at, excluded.updated_at) + excluded.weight
			ELSE weight + continuo_decay(excluded.weight, excluded.updated_at, updated_at) END,
		updated_at = max(updated_at, excluded.updated_at)`
}

// addTaste adds delta, valid at ms, to the row key of a taste table.
func (t *wtx) addTaste(upsert *sql.Stmt, profileID int64, key string, delta float64, ms int64) error {
	if delta == 0 || key == "" {
		return nil
	}
	_, err := t.exec(upsert, profileID, key, delta, ms)
	return err
}

type weighted struct {
	key string
	w   float64 // decayed to now
}

// topWeights reads rows (key, weight, updated_at), decays them to now and
// keeps the n largest by magnitude above the floor.
func topWeights(rows *sql.Rows, now int64, n int) ([]weighted, error) {
	defer rows.Close()
	var all []weighted
	for rows.Next() {
		var k string
		var w float64
		var at int64
		if err := rows.Scan(&k, &w, &at); err != nil {
			return nil, err
		}
		all = append(all, weighted{k, decay(w, at, now)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, e := range all {
		if math.Abs(e.w) >= tasteFloor {
			kept = append(kept, e)
		}
	}
	if len(kept) > n {
		sortByMagnitude(kept)
		kept = kept[:n]
	}
	return kept, nil
}
