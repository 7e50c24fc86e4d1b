// Package history owns Continuo's listening history: driver profiles, drives
// (sessions), play events, explicit feedback and the long-term taste derived
// from them, in one SQLite file (github.com/mattn/go-sqlite3).
//
// # Durability
//
// "Acknowledged" means durable: Record, Feedback, StartSession, EndSession and
// Forget return nil only after the transaction holding the change has
// committed with synchronous=FULL. In WAL mode synchronous=NORMAL would skip
// the fsync of the WAL on each commit and only sync at checkpoints: the
// database stays consistent, but a power cut can lose the last committed
// transactions, i.e. plays we already told the caller were stored. FULL
// fsyncs the WAL on every commit. That costs one fsync per commit (about
// 0.1–10 ms depending on the flash), which is why writes are batched: one
// writer goroutine drains up to maxBatch pending requests into ONE
// transaction, commits (one fsync), and only then acknowledges each request.
// One bad request (say an unknown session id) fails alone: the batch is
// rolled back and run again without it, so it does not take its
// batch-mates down and the common path needs no savepoints.
//
// Pragmas go through mattn's DSN keys (_journal_mode, _synchronous,
// _busy_timeout, _foreign_keys, _txlock, _secure_delete, _query_only) so every pooled connection gets them, not just the first.
// There are two pools: the writer's single connection (BEGIN IMMEDIATE) and a
// read pool (query_only, deferred transactions). In WAL mode readers see the
// last committed snapshot and never block the writer.
//
// # Bounds
//
// The file is bounded by retention, applied by the writer every pruneEvery
// commits (and at Open), not on every write: events and feedback older than
// Options.MaxAge go, each profile keeps at most Options.MaxEventsPerProfile
// events, and the derived taste keeps at most Options.MaxTasteEntries tracks
// and artists per profile. auto_vacuum=INCREMENTAL (set on a new file
// before the first table exists) and PRAGMA
// incremental_vacuum after pruning give the freed pages back to the file
// system. The WAL is checkpointed every walAutocheckpoint frames (4 MiB)
// and cut back to journalSizeLimit; pages are 1 KiB to write less flash
// per play (pagesize.go). If the file is still above Options.MaxBytes the
// oldest events of all profiles go. Taste outlives pruned events on purpose: it is their
// summary, and it decays with a half-life of TasteHalfLife (see taste.go).
//
// # Privacy
//
// The database, -wal and -shm files are created 0600 by the daemon's user
// before SQLite opens them (files.go); a file or directory another user owns
// or could write to is refused with an error naming it.
//
// Forget deletes every row of a profile. secure_delete=ON makes SQLite
// overwrite deleted content with zeros, and Forget then runs
// incremental_vacuum and wal_checkpoint(TRUNCATE) so neither the free pages
// of the database nor old frames of the WAL keep a copy. Titles, URLs and
// profile names are never logged above Debug. A corrupt file that was moved
// aside (below) is not covered by Forget; it stays in the state directory
// for diagnosis until an operator removes it.
//
// # Failures
//
// A full disk (SQLITE_FULL), a read-only file system (SQLITE_READONLY) or an
// I/O error fail the writes of that batch with a music.KindUnavailable error
// saying which; the store stays open and writes succeed again once the cause
// is gone. A database on a full disk still opens (reads work, writes are
// refused until space returns). The tests fill a real tmpfs (as root; CI
// runs them) and produce the conditions with SQLite itself as well:
// PRAGMA max_page_count for a full database, PRAGMA query_only for a
// read-only file.
// A file that is not a database, or fails PRAGMA quick_check at Open, is
// renamed to "<path>.corrupt-<UTC timestamp>" (its WAL next to it), logged at
// Error level, and a fresh database is created: losing history is better
// than a daemon that does not start in the car. A database written by a
// newer Continuo (schema version above ours) is refused with ErrNewerSchema,
// never touched.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"

	"github.com/continuo/continuo/internal/music"
)

// Defaults for zero Options fields.
const (
	DefaultMaxAge              = 365 * 24 * time.Hour
	DefaultMaxEventsPerProfile = 20000
	DefaultMaxBytes            = 64 << 20
	DefaultMaxTasteEntries     = 2000
	defaultReadConns           = 4
)

// Writer tuning. maxBatch bounds the latency one batch adds to the others;
// pruneEvery spreads the retention work so a write never pays for it.
const (
	maxBatch   = 512
	pruneEvery = 256 // commits
)

// Input limits: the store bounds what a misbehaving player can make it
// store. Longer free text is cut at a rune boundary.
const (
	MaxProfileLen = 128
	maxTextLen    = 1024
	maxURLLen     = 4096
	maxGenres     = 32
)

// ErrNewerSchema is returned (wrapped, with music.KindUnavailable) when the
// database was written by a newer version of Continuo.
var ErrNewerSchema = errors.New("history database has a newer schema than this build supports")

// ErrClosed is returned (wrapped, with music.KindUnavailable) by writes
// after Close.
var ErrClosed = errors.New("history store is closed")

// Options configure a Store. Zero values take the Default* constants.
type Options struct {
	Path                string // database file; its directory is created (0700) if missing
	MaxAge              time.Duration
	MaxEventsPerProfile int
	// MaxBytes is the target size of the database file after pruning. The
	// WAL comes on top: it is cut back to 4 MiB (journal_size_limit) after
	// each checkpoint and emptied by Forget.
	MaxBytes int64
	Logger   zerolog.Logger
	Now      func() time.Time // clock for retention and taste decay; time.Now if nil

	MaxTasteEntries int // tracks (and artists) kept per profile in the taste tables
	ReadConns       int // size of the read pool
}

// Store is the listening history. It is safe for concurrent use.
type Store struct {
	opts Options
	log  zerolog.Logger
	wdb  *sql.DB    // exactly one connection, used only by the writer goroutine
	rdb  *sql.DB    // read pool
	st   *stmts     // writer's prepared statements
	rd   *readStmts // read pool's prepared statements

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	reqs   chan *request
	done   chan struct{}

	batches, batched atomic.Int64 // committed batches and their requests, for benchmarks

	recoveredTo string // where Open moved a corrupt file ("" = none); see Recovered
}

// Open opens (creating or upgrading) the database at opts.Path and starts the
// writer goroutine; Close stops it.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, music.Errorf(music.KindInvalid, "history: no database path")
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.MaxEventsPerProfile <= 0 {
		opts.MaxEventsPerProfile = DefaultMaxEventsPerProfile
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxTasteEntries <= 0 {
		opts.MaxTasteEntries = DefaultMaxTasteEntries
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = defaultReadConns
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{opts: opts, log: opts.Logger.With().Str("component", "history").Logger()}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
		return nil, music.WrapKind(music.KindUnavailable, err, "history: create directory for %s", opts.Path)
	}

	wdb, err := s.openWriter(ctx)
	if err != nil {
		return nil, err
	}
	s.wdb = wdb
	rdb, err := sql.Open(driverName, dsn(opts.Path, true, false))
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("history: open read pool: %w", err)
	}
	rdb.SetMaxOpenConns(opts.ReadConns)
	rdb.SetMaxIdleConns(opts.ReadConns)
	s.rdb = rdb
	if s.st, err = prepare(ctx, wdb); err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, classify(err, "prepare statements")
	}
	if s.rd, err = prepareReads(ctx, rdb); err != nil {
		_ = s.closeDBs()
		return nil, classify(err, "prepare read statements")
	}
	// Checkpoint policy, per connection; only the writer connection ever
	// checkpoints. See walAutocheckpoint.
	for _, p := range []string{
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walAutocheckpoint),
		fmt.Sprintf("PRAGMA journal_size_limit = %d", journalSizeLimit),
	} {
		if _, err := wdb.ExecContext(ctx, p); err != nil {
			_ = s.closeDBs()
			return nil, classify(err, p)
		}
	}

	s.reqs = make(chan *request, maxBatch)
	s.done = make(chan struct{})
	w := newWriter(s)
	if err := w.prune(); err != nil {
		// Not fatal: the store works, it is just bigger than wanted.
		s.log.Warn().Err(err).Msg("initial pruning failed")
	}
	go w.run()
	return s, nil
}

// openWriter opens the writer pool, checks the file and migrates it. A file
// that is not a database or fails quick_check is moved aside once and a new
// one created.
func (s *Store) openWriter(ctx context.Context) (*sql.DB, error) {
	for attempt := 0; ; attempt++ {
		db, err := s.tryOpenWriter(ctx)
		if err == nil {
			return db, nil
		}
		if !isCorrupt(err) || attempt > 0 {
			return nil, classify(err, "open "+s.opts.Path)
		}
		aside, merr := moveAside(s.opts.Path, time.Now())
		if merr != nil {
			return nil, music.WrapKind(music.KindUnavailable, merr, "history: %s is corrupt and could not be moved aside", s.opts.Path)
		}
		s.recoveredTo = aside
		s.log.Error().Err(err).Str("path", s.opts.Path).Str("moved_to", aside).
			Msg("HISTORY DATABASE CORRUPT: moved aside, starting with an empty history")
	}
}

func (s *Store) tryOpenWriter(ctx context.Context) (*sql.DB, error) {
	if err := secureFiles(s.opts.Path); err != nil {
		return nil, err
	}
	fi, err := os.Stat(s.opts.Path)
	if err != nil {
		return nil, err
	}
	fresh := fi.Size() == 0
	db, err := sql.Open(driverName, dsn(s.opts.Path, false, fresh))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if fresh {
		if err := formatNew(ctx, db); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("format new database: %w", err)
		}
	}
	if err := checkAndMigrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.shrinkPages(ctx, db)
	return db, nil
}

func checkAndMigrate(ctx context.Context, db *sql.DB) error {
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return &corruptError{detail: res}
	}
	return migrate(ctx, db)
}

// corruptError is a failed quick_check.
type corruptError struct{ detail string }

func (e *corruptError) Error() string { return "quick_check: " + e.detail }

func isCorrupt(err error) bool {
	var ce *corruptError
	if errors.As(err, &ce) {
		return true
	}
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

// moveAside renames path (and its WAL, unless empty) to
// path.corrupt-<timestamp> and drops the shared-memory index, which belongs
// to the old file.
func moveAside(path string, now time.Time) (string, error) {
	aside := path + ".corrupt-" + now.UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil {
		return "", err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() == 0 {
		// The empty file secureFiles created: nothing to diagnose.
		if err := os.Remove(path + "-wal"); err != nil {
			return "", err
		}
	} else if err := os.Rename(path+"-wal", aside+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.Remove(path + "-shm"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return aside, nil
}

// dsn builds the mattn DSN. The pragmas are per connection, so they must be
// here and not in an Exec after Open. Key names are mattn v1's (see
// sqlite3.go in the module); the un-prefixed names in its wiki are for v2.
//
// The file's own properties (page size, auto_vacuum) are not here: they are
// fixed when the file is created, by formatNew (pagesize.go), which must set
// them before journal_mode=WAL writes the first page; so a new, empty file
// (fresh) gets no _journal_mode. WAL mode is persistent in the file, so its
// later connections need none either, but an existing file in rollback
// mode is moved to WAL by the key. On an existing file the file pragmas
// write: on a full disk the database could then not even be opened, and a
// daemon restarted on a disk its WAL had filled never came up again.
func dsn(path string, read, fresh bool) string {
	var q []string
	if !fresh {
		q = append(q, "_journal_mode=WAL")
	}
	q = append(q,
		"_synchronous=FULL", // see the package doc: acknowledged means durable
		"_busy_timeout=5000",
		"_foreign_keys=on",
		"_secure_delete=on",
	)
	if read {
		q = append(q, "_txlock=deferred", "_query_only=on")
	} else {
		q = append(q, "_txlock=immediate")
	}
	return fileURI(path) + "?" + strings.Join(q, "&")
}

// fileURI is path as a file: URI, so that '?' or '#' in the path cannot be
// taken for parameters; SQLite ignores the _-prefixed keys mattn consumed.
func fileURI(path string) string {
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
	return u.String()
}

// classify turns a SQLite error into an error for callers: kinds they can
// branch on and a message that says what happened.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var me *music.Error
	if errors.As(err, &me) {
		return fmt.Errorf("history: %s: %w", what, err)
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrFull:
			return music.WrapKind(music.KindUnavailable, err, "history: %s: disk full", what)
		case sqlite3.ErrReadonly:
			return music.WrapKind(music.KindUnavailable, err, "history: %s: database is read-only", what)
		case sqlite3.ErrIoErr, sqlite3.ErrCantOpen:
			return music.WrapKind(music.KindUnavailable, err, "history: %s: I/O error", what)
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return music.WrapKind(music.KindUnavailable, err, "history: %s: database busy", what)
		case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			return music.WrapKind(music.KindUnavailable, err, "history: %s: database corrupt", what)
		case sqlite3.ErrConstraint:
			return music.WrapKind(music.KindInvalid, err, "history: %s: constraint violated", what)
		}
	}
	return fmt.Errorf("history: %s: %w", what, err)
}

// Close stops the writer after it has finished the pending writes, and
// closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.reqs)
	s.mu.Unlock()
	<-s.done
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.st != nil {
		errs = append(errs, s.st.close())
	}
	if s.rd != nil {
		errs = append(errs, s.rd.close())
	}
	errs = append(errs, s.rdb.Close(), s.wdb.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("history: close: %w", err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.opts.Now() }
