package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"

	"github.com/continuo/continuo/internal/music"
)

// request is one write for the writer goroutine. Exactly one of apply and
// alone is set: apply runs inside a shared batch transaction, alone runs outside any transaction, between batches (Forget,
// which must checkpoint, and test hooks).
type request struct {
	ctx   context.Context
	apply func(tx *wtx) (int64, error)
	alone func(w *writer) (int64, error)
	reply chan result // buffered: the writer never blocks on a caller
}

type result struct {
	id  int64
	err error
}

// submit hands r to the writer and waits for its result. If ctx ends after
// the request was handed over, the write may still commit.
func (s *Store) submit(ctx context.Context, r *request) (int64, error) {
	r.ctx = ctx
	r.reply = make(chan result, 1)
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return 0, music.WrapKind(music.KindUnavailable, ErrClosed, "history")
	}
	select {
	case s.reqs <- r:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return 0, ctx.Err()
	}
	select {
	case res := <-r.reply:
		return res.id, res.err
	case <-ctx.Done():
		return 0, fmt.Errorf("history: waiting for the write (it may still be stored): %w", ctx.Err())
	}
}

// writer is the state of the single writer goroutine; only it touches wdb.
type writer struct {
	s        *Store
	ctx      context.Context // the writer's own: pending writes finish on Close
	profiles map[string]int64
	commits  int
}

func newWriter(s *Store) *writer {
	return &writer{s: s, ctx: context.Background(), profiles: map[string]int64{}}
}

// run drains requests in batches until reqs is closed and empty.
func (w *writer) run() {
	defer close(w.s.done)
	batch := make([]*request, 0, maxBatch)
	for r := range w.s.reqs {
		batch = append(batch[:0], r)
	fill:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.s.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.handle(batch)
		if w.commits >= pruneEvery {
			w.commits = 0
			if err := w.prune(); err != nil {
				w.s.log.Warn().Err(err).Msg("pruning failed; will retry")
			}
		}
	}
}

// handle commits runs of batchable requests together and runs the others
// alone, keeping the order in which they arrived.
func (w *writer) handle(batch []*request) {
	start := 0
	for i, r := range batch {
		if r.alone == nil {
			continue
		}
		w.commitBatch(batch[start:i])
		start = i + 1
		if err := r.ctx.Err(); err != nil {
			r.reply <- result{err: err}
			continue
		}
		id, err := r.alone(w)
		r.reply <- result{id: id, err: err}
	}
	w.commitBatch(batch[start:])
}

// wtx is a batch transaction with the writer's prepared statements bound to it.
type wtx struct {
	w     *writer
	tx    *sql.Tx
	bound map[*sql.Stmt]*sql.Stmt
	// profiles created or looked up in this transaction; they reach the
	// writer's cache only on commit, so a rollback cannot leave a stale id.
	profiles map[string]int64
}

func (t *wtx) stmt(s *sql.Stmt) *sql.Stmt {
	if b, ok := t.bound[s]; ok {
		return b
	}
	// wdb has one connection, on which s is already prepared; StmtContext
	// reuses it rather than preparing again.
	b := t.tx.StmtContext(t.w.ctx, s)
	t.bound[s] = b
	return b
}

func (t *wtx) exec(s *sql.Stmt, args ...any) (sql.Result, error) {
	return t.stmt(s).ExecContext(t.w.ctx, args...)
}

func (t *wtx) queryRow(s *sql.Stmt, args ...any) *sql.Row {
	return t.stmt(s).QueryRowContext(t.w.ctx, args...)
}

// commitBatch runs the requests in one transaction, commits, and only
// then replies. A request that fails on its own (bad input, unknown
// session) is answered with its error and the batch is run again without
// it: that is rare, so the common path pays for no savepoints. An error
// that concerns the database (disk full, I/O) fails the whole batch.
func (w *writer) commitBatch(batch []*request) {
	if len(batch) == 0 {
		return
	}
	results := make([]result, len(batch))
	done := make([]bool, len(batch)) // answered without being committed
	fail := func(err error) {
		for i, r := range batch {
			if done[i] {
				r.reply <- results[i]
			} else {
				r.reply <- result{err: err}
			}
		}
	}
	for {
		t, bad, err := w.runBatch(batch, results, done)
		if err != nil {
			if t != nil {
				_ = t.tx.Rollback()
			}
			w.logWriteError(err, len(batch))
			fail(err)
			return
		}
		if bad >= 0 {
			_ = t.tx.Rollback()
			done[bad] = true
			continue
		}
		if err := t.tx.Commit(); err != nil {
			err = classify(err, "commit")
			w.logWriteError(err, len(batch))
			fail(err)
			return
		}
		for name, id := range t.profiles {
			w.profiles[name] = id
		}
		w.commits++
		w.s.batches.Add(1)
		w.s.batched.Add(int64(len(batch)))
		for i, r := range batch {
			r.reply <- results[i]
		}
		return
	}
}

// runBatch applies the requests not yet done in a new transaction. It stops
// at the first request that fails on its own and returns its index (its
// result set, the transaction to be rolled back); err is a failure of the
// whole batch.
func (w *writer) runBatch(batch []*request, results []result, done []bool) (t *wtx, bad int, err error) {
	tx, err := w.s.wdb.BeginTx(w.ctx, nil)
	if err != nil {
		return nil, -1, classify(err, "begin write")
	}
	t = &wtx{w: w, tx: tx, bound: map[*sql.Stmt]*sql.Stmt{}, profiles: map[string]int64{}}
	for i, r := range batch {
		if done[i] {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			results[i], done[i] = result{err: err}, true
			continue
		}
		id, err := r.apply(t)
		if err != nil {
			if requestOnly(err) {
				results[i] = result{err: classify(err, "write")}
				return t, i, nil
			}
			return t, -1, classify(err, "write")
		}
		results[i] = result{id: id}
	}
	return t, -1, nil
}

// requestOnly reports whether err concerns one request only (bad input, a
// constraint), as opposed to the database or the disk.
func requestOnly(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrConstraint
	}
	// Errors built by apply functions (music.Error) are about the request.
	var me *music.Error
	return errors.As(err, &me)
}

func (w *writer) logWriteError(err error, n int) {
	w.s.log.Error().Err(err).Int("requests", n).Msg("history write failed")
}

// profileID returns the id of the named profile, creating it at ms.
func (t *wtx) profileID(name string, ms int64) (int64, error) {
	if id, ok := t.w.profiles[name]; ok {
		return id, nil
	}
	if id, ok := t.profiles[name]; ok {
		return id, nil
	}
	var id int64
	err := t.queryRow(t.w.s.st.profileGet, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		res, ierr := t.exec(t.w.s.st.profileIns, name, ms)
		if ierr != nil {
			return 0, ierr
		}
		id, err = res.LastInsertId()
	}
	if err != nil {
		return 0, err
	}
	t.profiles[name] = id
	return id, nil
}

// onWriter runs fn on the writer goroutine, between batches. For Forget and
// for tests that must reach the writer's connection (per-connection pragmas).
func (s *Store) onWriter(ctx context.Context, fn func(w *writer) (int64, error)) (int64, error) {
	return s.submit(ctx, &request{alone: fn})
}
