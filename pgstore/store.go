package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/internal/storemetrics"
	"github.com/slatehq/slate/store"
)

// Options are the settings of a Store. The zero value of every field
// selects its documented default.
type Options struct {
	// Registerer receives the store's metrics; nil registers them nowhere.
	Registerer prometheus.Registerer
	// Now is the clock of audit times, enqueue times and raw retention
	// decisions. nil means time.Now. Leases never use it: they are timed
	// by the database's clock.
	Now func() time.Time
	// RawRetention is how long raw results are kept. 0 means 14 days.
	RawRetention time.Duration
	// HistoryRetention is how long per-minute history is kept. 0 means
	// 400 days; less is an error.
	HistoryRetention time.Duration
	// MaxConns bounds the connection pool. 0 means pgxpool's default (the
	// larger of 4 and the number of CPUs), or pool_max_conns in the URL.
	MaxConns int32
}

func (o Options) withDefaults() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var err error
	if o.RawRetention, o.HistoryRetention, err = store.Retention(o.RawRetention, o.HistoryRetention); err != nil {
		return o, err
	}
	if o.MaxConns < 0 {
		return o, fmt.Errorf("max conns: must be positive (got %d)", o.MaxConns)
	}
	return o, nil
}

// Store is slate's store on a PostgreSQL database, shared by any number of
// processes. All methods are safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	opts Options
	m    *storemetrics.Ingest

	ids   idCache // names of checks, locations and classes to their ids
	parts partitionCache

	lastWrite atomic.Pointer[writeOutcome]
	closed    atomic.Bool
	closeOnce sync.Once
}

type writeOutcome struct{ err error }

// The contract, checked at compile time.
var _ store.Store = (*Store)(nil)

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value string, as pgx takes them), applies pending migrations and
// returns the store. Close releases it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	// Each connection keeps a temporary table that ingest COPYs batches
	// into; ON COMMIT DELETE ROWS empties it at the end of every
	// transaction, so nothing is left for the next user of the connection.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, createIncoming)
		return err
	}
	m, err := storemetrics.New(o.Registerer)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &Store{pool: pool, opts: o, m: m}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return s, nil
}

// Close closes the pool: calls after it fail with store.ErrClosed; it waits
// for the calls in progress, whose commits are what was acknowledged.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.pool.Close()
	})
	return nil
}

// Pool is the store's connection pool, for operations of this package's
// callers that need the database itself (health checks, backups).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// WriteHealth is nil when the latest commit of results succeeded (or none
// was tried yet), and its error otherwise.
func (s *Store) WriteHealth() error {
	if o := s.lastWrite.Load(); o != nil && o.err != nil {
		return fmt.Errorf("store writes failing: %w", o.err)
	}
	return nil
}

// Lock keys of pg_advisory_xact_lock. Both are transaction-level: they end
// with the transaction, so a pooler that hands connections out per
// transaction does not break them, and a crashed holder loses them at once.
const (
	// lockMigrate serialises migrations of replicas that start at once.
	lockMigrate int64 = 0x736c6174_65000001
	// lockLedger serialises every transaction that appends to the audit
	// log (the ledger, incidents, exclusions, tokens, maintenance), so the
	// chain never forks and its ids have no gaps, and credits are issued
	// once.
	lockLedger int64 = 0x736c6174_65000002
	// lockPartitions serialises the creation and removal of partitions.
	lockPartitions int64 = 0x736c6174_65000003
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies each pending migration in a transaction of its own that
// first takes the migration lock: of several replicas starting at once, one
// applies it and the others, waiting on the lock, then find it recorded.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, file := range names {
		name := path.Base(file)
		body, err := migrations.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       text PRIMARY KEY, -- file name under migrations/
	applied_at bigint NOT NULL   -- UTC Unix milliseconds
)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`, name, s.opts.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", name, err)
		}
	}
	return nil
}

// check returns ErrClosed once the store is closed.
func (s *Store) check(what string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", what, store.ErrClosed)
	}
	return nil
}

// mapErr turns the driver's errors into the contract's: no rows is
// ErrNotFound, a closed pool ErrClosed.
func (s *Store) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case s.closed.Load() && !errors.Is(err, store.ErrClosed):
		return fmt.Errorf("%w: %v", store.ErrClosed, err)
	}
	return err
}

// retryable is a transaction that lost a race it may win when run again:
// a serialization failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// update runs fn in a read-write transaction and commits it; with ledger,
// the transaction first takes the ledger lock. A transaction that loses a
// deadlock or a serialization race is run again, a few times. The commit
// is what acknowledges: synchronous_commit is the server's (on by default),
// so a nil return means the change is durable.
func (s *Store) update(ctx context.Context, ledger bool, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if ledger {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockLedger); err != nil {
					return err
				}
			}
			return fn(ctx, tx)
		})
		if !retryable(err) {
			break
		}
	}
	return s.mapErr(err)
}

// read runs fn in a read-only transaction with one snapshot (REPEATABLE
// READ), so what it reads in several statements agrees.
func (s *Store) read(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error { return fn(ctx, tx) })
	return s.mapErr(err)
}

// ms is t in UTC Unix milliseconds; msTime the reverse.
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// optMS is a nullable instant column: 0 for NULL.
func optMS(ms *int64) time.Time {
	if ms == nil || *ms == 0 {
		return time.Time{}
	}
	return msTime(*ms)
}

// Ping reports whether the database answers now: a round trip on a
// connection of the pool.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
