package agent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
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

// rowOverhead is what a spooled result costs beside its detail, about:
// its row (time, check number, outcome, latency) and SQLite's cell
// around it. Results are keyed by time and check, in a table without row
// IDs, so that the key is the table and a result costs no index entry;
// checks are numbered in a table of their own rather than named in every
// row.
const rowOverhead = 24

// classCodes number the failure classes in the spool's outcome column: 0
// is a result that passed; a class not listed (none today) is stored as
// its text, which SQLite's columns allow.
var classCodes = map[sla.FailureClass]int64{sla.ClassDNS: 1, sla.ClassConnect: 2, sla.ClassTLS: 3, sla.ClassTimeout: 4,
	sla.ClassStatus: 5, sla.ClassBody: 6, sla.ClassExpectation: 7}

// Spool is the durable queue of results not yet acknowledged by the
// server. Safe for concurrent use.
type Spool struct {
	db  *sql.DB
	max int64

	mu      sync.Mutex // serialises writes and guards bytes and checks
	bytes   int64      // approximate size of the rows
	checks  map[string]int64
	classes map[int64]sla.FailureClass
	dropped func(n int)
}

// spooled is a result in the spool, with its check's number.
type spooled struct {
	check int64
	sla.Result
}

// spoolSchema is the spool's tables. spooled.clock_step_ms is NULL once
// the result's time is known to be right (the agent had measured its
// clock); until then it holds how far the wall clock had stepped, against
// the monotonic clock, when the result was written, so that the first
// measurement can tell what the clock's offset was then.
const spoolSchema = `CREATE TABLE IF NOT EXISTS checks (no INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS spooled (
	at_ms         INTEGER NOT NULL, -- start, Unix milliseconds
	check_no      INTEGER NOT NULL, -- checks.no
	outcome       NOT NULL,         -- 0 passed, else classCodes (or the class's text)
	latency_us    INTEGER NOT NULL,
	detail        TEXT,             -- NULL when empty
	clock_step_ms INTEGER,          -- NULL: the time is checked
	PRIMARY KEY (at_ms, check_no)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL);`

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
	s := &Spool{db: db, max: max, dropped: dropped, checks: map[string]int64{}, classes: map[int64]sla.FailureClass{}}
	for c, n := range classCodes {
		s.classes[n] = c
	}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open spool %s: %w", dir, err)
	}
	return s, nil
}

// init makes the tables, moves the results of a spool of the first
// format (one row per result with its check's name, a row ID and an
// index) into them, and reads the checks' numbers and the spool's size.
func (s *Spool) init() error {
	if _, err := s.db.Exec(spoolSchema); err != nil {
		return err
	}
	var old int
	if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'results'`).Scan(&old); err != nil {
		return err
	}
	if old > 0 {
		if _, err := s.db.Exec(`BEGIN;
INSERT OR IGNORE INTO checks (id) SELECT DISTINCT check_id FROM results;
INSERT OR IGNORE INTO spooled (at_ms, check_no, outcome, latency_us, detail)
	SELECT r.at_ms, c.no, CASE WHEN r.ok THEN 0 ELSE CASE r.class WHEN 'dns' THEN 1 WHEN 'connect' THEN 2 WHEN 'tls' THEN 3
		WHEN 'timeout' THEN 4 WHEN 'status' THEN 5 WHEN 'body' THEN 6 WHEN 'expectation' THEN 7 ELSE r.class END END,
		r.latency_us, nullif(r.detail, '')
	FROM results r JOIN checks c ON c.id = r.check_id;
DROP TABLE results;
COMMIT;`); err != nil {
			s.db.Exec(`ROLLBACK`)
			return fmt.Errorf("move results of the first format: %w", err)
		}
	}
	rows, err := s.db.Query(`SELECT no, id FROM checks`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var no int64
		var id string
		if err := rows.Scan(&no, &id); err != nil {
			return err
		}
		s.checks[id] = no
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return s.db.QueryRow(`SELECT count(*) * ? + coalesce(sum(length(detail)), 0) FROM spooled`, rowOverhead).Scan(&s.bytes)
}

// Close closes the spool.
func (s *Spool) Close() error { return s.db.Close() }

func resultSize(r sla.Result) int64 { return int64(len(r.Detail)) + rowOverhead }

// checkNo is the number of check id, made on first use in tx (and kept
// in fresh until tx commits).
func (s *Spool) checkNo(ctx context.Context, tx *sql.Tx, id string, fresh map[string]int64) (int64, error) {
	if no, ok := s.checks[id]; ok {
		return no, nil
	}
	if no, ok := fresh[id]; ok {
		return no, nil
	}
	var no int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO checks (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING no`, id).Scan(&no); err != nil {
		return 0, fmt.Errorf("number check %s: %w", id, err)
	}
	return no, nil
}

func outcome(r sla.Result) any {
	if r.OK {
		return int64(0)
	}
	if n, ok := classCodes[r.Class]; ok {
		return n
	}
	return string(r.Class)
}

// WriteResults spools rs as checked results and returns once they are
// committed durably: the collector's store. A result already spooled
// (same check and time) is skipped. When the spool is over its bound, the
// oldest results are dropped.
func (s *Spool) WriteResults(ctx context.Context, rs []sla.Result) error {
	return s.write(ctx, rs, nil)
}

// write spools rs; step, when not nil, marks them unchecked with the
// clock's step at the time they were written (see spoolSchema).
func (s *Spool) write(ctx context.Context, rs []sla.Result, step *int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO spooled (at_ms, check_no, outcome, latency_us, detail, clock_step_ms) VALUES (?, ?, ?, ?, nullif(?, ''), ?)`)
	if err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	defer ins.Close()
	var added int64
	fresh := map[string]int64{}
	for _, r := range rs {
		no, err := s.checkNo(ctx, tx, r.CheckID, fresh)
		if err != nil {
			return err
		}
		if _, known := s.checks[r.CheckID]; !known {
			fresh[r.CheckID] = no
		}
		res, err := ins.ExecContext(ctx, r.At.UnixMilli(), no, outcome(r), r.Latency.Microseconds(), r.Detail, step)
		if err != nil {
			return fmt.Errorf("spool %s at %s: %w", r.CheckID, r.At.Format(time.RFC3339Nano), err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			added += resultSize(r)
		}
	}
	dropped, freed, err := s.dropOver(ctx, tx, s.bytes+added)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("spool %d results: %w", len(rs), err)
	}
	maps.Copy(s.checks, fresh)
	s.bytes += added - freed
	if dropped > 0 {
		s.dropped(dropped)
	}
	return nil
}

// dropOver drops the oldest results, in chunks, until total bytes are
// within the bound, and says how many it dropped and what they freed.
func (s *Spool) dropOver(ctx context.Context, tx *sql.Tx, total int64) (dropped int, freed int64, err error) {
	const chunk = 256
	for total-freed > s.max {
		var n int
		var size int64
		if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) * ? + coalesce(sum(length(detail)), 0)
	FROM (SELECT detail FROM spooled ORDER BY at_ms, check_no LIMIT ?)`, rowOverhead, chunk).Scan(&n, &size); err != nil {
			return 0, 0, err
		}
		if n == 0 {
			break
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM spooled WHERE (at_ms, check_no) IN
	(SELECT at_ms, check_no FROM spooled ORDER BY at_ms, check_no LIMIT ?)`, chunk); err != nil {
			return 0, 0, err
		}
		dropped, freed = dropped+n, freed+size
	}
	return dropped, freed, nil
}

// oldest returns up to n of the oldest spooled results whose times are
// checked.
func (s *Spool) oldest(ctx context.Context, n int) ([]spooled, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.at_ms, s.check_no, c.id, s.outcome, s.latency_us, coalesce(s.detail, '')
	FROM spooled s JOIN checks c ON c.no = s.check_no
	WHERE s.clock_step_ms IS NULL ORDER BY s.at_ms, s.check_no LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("read spool: %w", err)
	}
	defer rows.Close()
	var out []spooled
	for rows.Next() {
		var r spooled
		var at, lat int64
		var oc any
		if err := rows.Scan(&at, &r.check, &r.CheckID, &oc, &lat, &r.Detail); err != nil {
			return nil, err
		}
		r.At, r.Latency = time.UnixMilli(at).UTC(), time.Duration(lat)*time.Microsecond
		switch v := oc.(type) {
		case int64:
			r.OK, r.Class = v == 0, s.classes[v]
		case string:
			r.Class = sla.FailureClass(v)
		case []byte:
			r.Class = sla.FailureClass(v)
		}
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
	del, err := tx.PrepareContext(ctx, `DELETE FROM spooled WHERE at_ms = ? AND check_no = ?`)
	if err != nil {
		return fmt.Errorf("remove shipped results: %w", err)
	}
	defer del.Close()
	var freed int64
	for _, r := range rs {
		res, err := del.ExecContext(ctx, r.At.UnixMilli(), r.check)
		if err != nil {
			return fmt.Errorf("remove shipped results: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 { // else dropped meanwhile
			freed += resultSize(r.Result)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove shipped results: %w", err)
	}
	s.bytes -= freed
	return nil
}

// restartUnchecked makes the unchecked results of an earlier run
// unchecked results of this one, written when it began (their clock steps
// were measured from another start), and says how many there are.
func (s *Spool) restartUnchecked(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.db.ExecContext(ctx, `UPDATE spooled SET clock_step_ms = 0 WHERE clock_step_ms IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("spool: unchecked results: %w", err)
	}
	return res.RowsAffected()
}

// settle checks the times of the unchecked results: base plus a result's
// clock step is its clock's offset when it was written; within bound it
// is kept (and will be shipped), beyond it the result is deleted.
func (s *Spool) settle(ctx context.Context, base, bound time.Duration) (kept, dropped int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	b, lim := base.Milliseconds(), bound.Milliseconds()
	res, err := tx.ExecContext(ctx, `UPDATE spooled SET clock_step_ms = NULL WHERE clock_step_ms IS NOT NULL AND abs(? + clock_step_ms) <= ?`, b, lim)
	if err != nil {
		return 0, 0, fmt.Errorf("spool: keep checked results: %w", err)
	}
	kept, _ = res.RowsAffected()
	var freed int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) * ? + coalesce(sum(length(detail)), 0) FROM spooled WHERE clock_step_ms IS NOT NULL`,
		rowOverhead).Scan(&dropped, &freed); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM spooled WHERE clock_step_ms IS NOT NULL`); err != nil {
		return 0, 0, fmt.Errorf("spool: discard misplaced results: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	s.bytes -= freed
	return kept, dropped, nil
}

// depth is how many results wait and when the oldest started.
func (s *Spool) depth(ctx context.Context) (n int, oldest time.Time, err error) {
	var at sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), min(at_ms) FROM spooled`).Scan(&n, &at); err != nil {
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
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM spooled`).Scan(&f.Results); err != nil {
		return f, fmt.Errorf("spool footprint: %w", err)
	}
	f.Bytes = (pages - free) * size
	return f, nil
}
