package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/internal/storemetrics"
	"github.com/slatehq/slate/store"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxBatch    = 4096
	DefaultBusyTimeout = 5 * time.Second
	DefaultReadConns   = 4
	// DefaultHistoryCache holds the writer's minute history of some
	// 300,000 checks written recently (about a hundred bytes each).
	DefaultHistoryCache = 32 << 20
)

// Options are the settings of a DB. The zero value of every field selects
// its documented default, so Options{} is a working configuration.
type Options struct {
	// Registerer receives the store's metrics. nil registers them nowhere
	// (they are still counted); the global registry is never used implicitly.
	Registerer prometheus.Registerer

	// Now is the clock, used for migration timestamps and to decide whether a
	// late result is still covered by raw retention. nil means time.Now.
	Now func() time.Time

	// RawRetention is how long Prune keeps raw results. 0 means 14 days.
	RawRetention time.Duration

	// HistoryRetention is how long Prune keeps per-minute history, the
	// evidence for service credits. 0 means 400 days; a shorter value is an
	// error, because a year of evidence plus a dispute window must survive.
	HistoryRetention time.Duration

	// MaxBatch is the most results the writer puts into one transaction
	// when it groups concurrent WriteResults calls; a single call larger than
	// this still commits in one transaction. 0 means 4096.
	MaxBatch int

	// BusyTimeout is how long a connection waits for a lock held by another
	// process (a backup, the sqlite3 shell) before giving up. 0 means 5s.
	BusyTimeout time.Duration

	// ReadConns is the size of the read-only connection pool. 0 means 4.
	ReadConns int

	// HistoryCache bounds, in bytes, the minute history the writer keeps
	// between transactions so that a result does not query its day's
	// record; beyond it, the least recently written days are dropped and
	// their next result reads them back. 0 means DefaultHistoryCache.
	HistoryCache int
}

func (o Options) withDefaults() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var err error
	if o.RawRetention, o.HistoryRetention, err = store.Retention(o.RawRetention, o.HistoryRetention); err != nil {
		return o, err
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxBatch < 0 {
		return o, fmt.Errorf("max batch: must be positive (got %d)", o.MaxBatch)
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	if o.ReadConns == 0 {
		o.ReadConns = DefaultReadConns
	}
	if o.ReadConns < 0 {
		return o, fmt.Errorf("read conns: must be positive (got %d)", o.ReadConns)
	}
	if o.HistoryCache == 0 {
		o.HistoryCache = DefaultHistoryCache
	}
	if o.HistoryCache < 0 {
		return o, fmt.Errorf("history cache: must be positive (got %d)", o.HistoryCache)
	}
	return o, nil
}

// DB is the evidence store: one SQLite file, one writer goroutine that owns
// the only read-write connection, and a pool of read-only connections for
// queries. WAL mode lets the readers run while the writer commits. All
// methods are safe for concurrent use.
type DB struct {
	path string
	opts Options

	wdb   *sql.DB   // read-write handle, one connection, used by the writer goroutine only
	wconn *sql.Conn // that connection
	rdb   *sql.DB   // read-only pool

	m       *storemetrics.Ingest
	w       *writer
	lookups lookups // read-path cache of check ids and location names

	lastWrite atomic.Pointer[writeOutcome] // the latest result commit; nil before the first

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed, with PrivateFileMode) the SQLite
// database at path, checks its pragmas, applies pending migrations and
// starts the writer. Close releases it. A store that others than its owner
// may read is refused (CheckPrivate).
func Open(path string, opts Options) (*DB, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	m, err := storemetrics.New(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d := &DB{path: path, opts: o, m: m}
	if err := CheckPrivate(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := d.open(); err != nil {
		d.closeConns()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	d.w = newWriter(d)
	go d.w.run()
	return d, nil
}

// dsn builds a go-sqlite3 URI. The path is escaped so that '?', '#' and '%'
// in a file name are not read as URI syntax.
func dsn(path string, params url.Values) string {
	u := url.URL{Path: path}
	return "file:" + u.EscapedPath() + "?" + params.Encode()
}

// writeOutcome is how the latest result commit ended.
type writeOutcome struct{ err error }

// WriteHealth is nil when the latest commit of results succeeded (or none
// was tried yet), and its error otherwise: a full disk, a read-only file. It
// clears by itself with the next successful commit, which is what readiness
// checks want.
func (d *DB) WriteHealth() error {
	if o := d.lastWrite.Load(); o != nil && o.err != nil {
		return fmt.Errorf("store writes failing: %w", o.err)
	}
	return nil
}

// stmtCacheSize is how many prepared statements each connection keeps.
const stmtCacheSize = "32"

func (d *DB) open() error {
	ctx := context.Background()
	busy := fmt.Sprint(d.opts.BusyTimeout.Milliseconds())

	// The writer: WAL so readers never block it and it never blocks them;
	// synchronous=FULL so that a committed transaction is on disk before
	// WriteResults acknowledges it, which is the promise that an
	// acknowledged result survives kill -9 and power loss; foreign keys so a
	// result cannot name a check that does not exist; BEGIN IMMEDIATE so a
	// transaction takes the write lock at its start, not halfway through.
	// A statement cache spares re-preparing the ledger's and the history's
	// few queries on every call (preparing costs more than running them).
	wparams := url.Values{
		"_journal_mode":    {"WAL"},
		"_synchronous":     {"FULL"},
		"_foreign_keys":    {"on"},
		"_busy_timeout":    {busy},
		"_txlock":          {"immediate"},
		"_stmt_cache_size": {stmtCacheSize},
	}
	wdb, err := sql.Open("sqlite3", dsn(d.path, wparams))
	if err != nil {
		return err
	}
	d.wdb = wdb
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	conn, err := wdb.Conn(ctx)
	if err != nil {
		return err
	}
	d.wconn = conn

	// go-sqlite3 applies the DSN pragmas silently; read them back, because
	// a file system without shared memory, for one, leaves the database in
	// a rollback journal, and the durability promise would not hold.
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	var sync, fk int
	if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if sync != 2 { // 2 is FULL
		return fmt.Errorf("synchronous is %d, want 2 (full)", sync)
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return fmt.Errorf("foreign_keys is %d, want 1", fk)
	}

	if _, err := migrate(ctx, conn, d.opts.Now().UnixMilli()); err != nil {
		return err
	}

	// Readers: read-only at the SQLite level (mode=ro) and query_only as a
	// second lock, so no query path can write behind the writer's back.
	rparams := url.Values{
		"mode":             {"ro"},
		"_query_only":      {"true"},
		"_busy_timeout":    {busy},
		"_stmt_cache_size": {stmtCacheSize},
	}
	rdb, err := sql.Open("sqlite3", dsn(d.path, rparams))
	if err != nil {
		return err
	}
	d.rdb = rdb
	rdb.SetMaxOpenConns(d.opts.ReadConns)
	rdb.SetMaxIdleConns(d.opts.ReadConns)
	if err := rdb.PingContext(ctx); err != nil {
		return fmt.Errorf("open read pool: %w", err)
	}
	return nil
}

// Close stops accepting writes, commits what is already queued, stops the
// writer and closes every connection. Calls after the first return the
// first call's result.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		if d.w != nil {
			d.w.stop()
		}
		d.closeErr = d.closeConns()
	})
	return d.closeErr
}

func (d *DB) closeConns() error {
	var errs []error
	if d.rdb != nil {
		errs = append(errs, d.rdb.Close())
	}
	if d.wconn != nil {
		errs = append(errs, d.wconn.Close())
	}
	if d.wdb != nil {
		errs = append(errs, d.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", d.path, err)
	}
	return nil
}

// closed reports whether Close has been called.
func (d *DB) closed() bool {
	select {
	case <-d.w.quit:
		return true
	default:
		return false
	}
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check on a read-only
// connection and returns nil only when it reports ok.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	if d.closed() {
		return fmt.Errorf("integrity check: %w", ErrClosed)
	}
	rows, err := d.rdb.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// notFound maps database/sql's "no rows" to ErrNotFound, so that callers
// never import database/sql.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
