package agent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the spool's engine

	"github.com/slatehq/slate/sla"
)

// The spool keeps results from the moment the probe ends until the server
// acknowledges them. Its size is bounded: when it is full, the oldest
// results are dropped (and counted), since the newest evidence is the one
// still worth sending.

// DefaultSpoolMax is the spool's bound in bytes unless told otherwise.
const DefaultSpoolMax = 1 << 30

// rowOverhead is what a spooled result costs beside its check ID and
// detail: its row, its key and the unique index, approximately.
const rowOverhead = 48

// Spool is the durable queue of results not yet acknowledged by the
// server. Safe for concurrent use.
type Spool struct {
	db  *sql.DB
	max int64

	mu      sync.Mutex // serialises writes and guards bytes
	bytes   int64      // approximate size of the rows
	dropped func(n int)
}

// spooled is a result in the spool, with its row ID.
type spooled struct {
	id int64
	sla.Result
}

// OpenSpool opens (or creates) the spool in dir, bounded by max bytes (0
// means DefaultSpoolMax). dropped is told how many results each overflow
// dropped; nil ignores it.
func OpenSpool(dir string, max int64, dropped func(n int)) (*Spool, error) {
	if max <= 0 {
		max = DefaultSpoolMax
	}
	if dropped == nil {
		dropped = func(int) {}
	}
	q := url.Values{"_journal_mode": {"WAL"}, "_synchronous": {"FULL"}, "_busy_timeout": {"5000"}, "_txlock": {"immediate"}}
	u := url.URL{Path: filepath.Join(dir, "spool.db")}
	db, err := sql.Open("sqlite3", "file:"+u.EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	db.SetMaxOpenConns(1) // one writer; reads are rare and small
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS results (
	id         INTEGER PRIMARY KEY,
	check_id   TEXT NOT NULL,
	at_ms      INTEGER NOT NULL,
	ok         INTEGER NOT NULL,
	latency_us INTEGER NOT NULL,
	class      TEXT NOT NULL,
	detail     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	UNIQUE (check_id, at_ms)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL);`); err != nil {
		db.Close()
		return nil, fmt.Errorf("open spool %s: %w", dir, err)
	}
	s := &Spool{db: db, max: max, dropped: dropped}
	if err := db.QueryRow(`SELECT coalesce(sum(size), 0) FROM results`).Scan(&s.bytes); err != nil {
		db.Close()
		return nil, fmt.Errorf("open spool %s: %w", dir, err)
	}
	return s, nil
}

// Close closes the spool.
func (s *Spool) Close() error { return s.db.Close() }

func resultSize(r sla.Result) int64 {
	return int64(len(r.CheckID)+len(r.Detail)+len(r.Class)) + rowOverhead
}

// WriteResults spools rs and returns once they are committed durably:
// the collector's store. A result already spooled (same check and time)
// is skipped. When the spool is over its bound, the oldest results are
// dropped.
func (s *Spool) WriteResults(ctx context.Context, rs []sla.Result) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	defer tx.Rollback()
	var added int64
	for _, r := range rs {
		size := resultSize(r)
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO results (check_id, at_ms, ok, latency_us, class, detail, size) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.CheckID, r.At.UnixMilli(), r.OK, r.Latency.Microseconds(), string(r.Class), r.Detail, size)
		if err != nil {
			return fmt.Errorf("spool %s at %s: %w", r.CheckID, r.At.Format(time.RFC3339Nano), err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added += size
		}
	}
	total := s.bytes + added
	var dropped int
	var freed int64
	for total-freed > s.max {
		// Drop the oldest in chunks until under the bound.
		var n int
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM (SELECT size FROM results ORDER BY id LIMIT 256)`).Scan(&n, &size); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM results WHERE id IN (SELECT id FROM results ORDER BY id LIMIT 256)`); err != nil {
			return err
		}
		dropped, freed = dropped+n, freed+size
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	s.bytes = total - freed
	if dropped > 0 {
		s.dropped(dropped)
	}
	return nil
}

// oldest returns up to n of the oldest spooled results.
func (s *Spool) oldest(ctx context.Context, n int) ([]spooled, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, check_id, at_ms, ok, latency_us, class, detail FROM results ORDER BY id LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("read spool: %w", err)
	}
	defer rows.Close()
	var out []spooled
	for rows.Next() {
		var r spooled
		var at, lat int64
		var class string
		if err := rows.Scan(&r.id, &r.CheckID, &at, &r.OK, &lat, &class, &r.Detail); err != nil {
			return nil, err
		}
		r.At, r.Latency, r.Class = time.UnixMilli(at).UTC(), time.Duration(lat)*time.Microsecond, sla.FailureClass(class)
		out = append(out, r)
	}
	return out, rows.Err()
}

// remove deletes the results the server acknowledged.
func (s *Spool) remove(ctx context.Context, rs []spooled) error {
	if len(rs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var freed int64
	for _, r := range rs {
		var size int64
		err := tx.QueryRowContext(ctx, `DELETE FROM results WHERE id = ? RETURNING size`, r.id).Scan(&size)
		if err != nil && !errors.Is(err, sql.ErrNoRows) { // dropped meanwhile
			return fmt.Errorf("remove shipped results: %w", err)
		}
		freed += size
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove shipped results: %w", err)
	}
	s.bytes -= freed
	return nil
}

// depth is how many results wait and when the oldest started.
func (s *Spool) depth(ctx context.Context) (n int, oldest time.Time, err error) {
	var at sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), min(at_ms) FROM results`).Scan(&n, &at); err != nil {
		return 0, time.Time{}, err
	}
	if at.Valid {
		oldest = time.UnixMilli(at.Int64).UTC()
	}
	return n, oldest, nil
}

// Bytes is the spool's approximate size.
func (s *Spool) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

// saveState keeps value under key (the check list).
func (s *Spool) saveState(ctx context.Context, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// loadState is what saveState kept under key; nil when nothing.
func (s *Spool) loadState(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.db.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

// Footprint is the spool's file on disk once its write-ahead log is
// checkpointed into it: its size in bytes (the pages in use, free pages
// not counted) and the results it holds.
type Footprint struct {
	Results int   `json:"results"`
	Bytes   int64 `json:"bytes"`
}

// Footprint checkpoints the spool's log and measures its file.
func (s *Spool) Footprint(ctx context.Context) (Footprint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var f Footprint
	var busy, logged, moved, pages, free, size int64
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return f, fmt.Errorf("spool footprint: %w", err)
	}
	for q, v := range map[string]*int64{`PRAGMA page_count`: &pages, `PRAGMA freelist_count`: &free, `PRAGMA page_size`: &size} {
		if err := s.db.QueryRowContext(ctx, q).Scan(v); err != nil {
			return f, fmt.Errorf("spool footprint: %w", err)
		}
	}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM results`).Scan(&f.Results); err != nil {
		return f, fmt.Errorf("spool footprint: %w", err)
	}
	f.Bytes = (pages - free) * size
	return f, nil
}
