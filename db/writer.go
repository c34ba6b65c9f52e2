package db

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/internal/storemetrics"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// request is one unit of work for the writer goroutine: results to store,
// or a job that runs alone on the writer connection.
type request struct {
	results []sla.Result
	job     func(ctx context.Context) error
	done    chan error // buffered; receives exactly one value
}

// writer is the single goroutine that writes. Owning the only read-write
// connection, it never waits for a lock held by itself, and it can batch
// concurrent WriteResults calls into one transaction and one fsync (group
// commit). The names, days and codec fields are touched by that goroutine
// only.
type writer struct {
	d       *DB
	reqs    chan *request
	quit    chan struct{} // closed by stop: no new requests
	stopped chan struct{} // closed when run returns

	checks, locations, classes *names

	// days caches, between transactions, the minute history the writer is
	// appending to, as the minutes table holds it: today's record of the
	// checks written recently, and any older day touched by the latest
	// commit. A hit spares a query, not a decoding: a record is a few dozen
	// bytes in this form and a few hundred decoded, so the cache holds
	// every active check in little memory. It holds committed records only
	// (each is written to the minutes table in the same transaction as the
	// results that changed it), so it can be dropped at any time; it is
	// bounded by Options.HistoryCache, least recently used first.
	days     map[dayKey]cachedDay
	dayBytes int // what days holds, counted as cachedBytes
	// open are the records the open transaction touched, decoded; they
	// replace their cached form once it commits.
	open  map[dayKey]*dayRecord
	gen   uint64 // number of the current transaction, for eviction
	codec dayCodec
	pool  arrayPool // expanded days, recycled between transactions
}

type dayKey struct{ check, day int64 }

type cachedDay struct {
	data []byte // the record's plain encoding (see dayCodec)
	used uint64 // gen of the last transaction that touched it
}

// cachedBytes is what an entry of the day cache costs: its encoding and
// the map's slot for it.
func cachedBytes(data []byte) int { return len(data) + dayCacheOverhead }

// dayCacheOverhead bounds a cache entry's fixed cost: key, value and the
// map's share of control bytes and free slots.
const dayCacheOverhead = 64

// queueLen bounds how many calls can wait for the writer; more block in
// WriteResults, which is the back-pressure the scheduler should see.
const queueLen = 1024

func newWriter(d *DB) *writer {
	return &writer{
		d:         d,
		reqs:      make(chan *request, queueLen),
		quit:      make(chan struct{}),
		stopped:   make(chan struct{}),
		checks:    newNames("checks"),
		locations: newNames("locations"),
		classes:   newNames("classes"),
		days:      map[dayKey]cachedDay{},
		open:      map[dayKey]*dayRecord{},
	}
}

// stop makes new requests fail with ErrClosed, lets the writer finish the
// queued ones and waits for it.
func (w *writer) stop() {
	close(w.quit)
	<-w.stopped
}

// do queues req and waits for its outcome. If ctx ends first, do returns
// ctx.Err() and the request may still be written: not acknowledged does not
// mean not stored, which is why writes are idempotent.
func (w *writer) do(ctx context.Context, req *request) error {
	select {
	case <-w.quit:
		return ErrClosed
	default:
	}
	select {
	case w.reqs <- req:
	case <-w.quit:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-w.stopped:
		select {
		case err := <-req.done:
			return err
		default:
			return ErrClosed // queued after the writer's last look
		}
	}
}

func (w *writer) run() {
	defer close(w.stopped)
	for {
		select {
		case req := <-w.reqs:
			w.serve(req)
		case <-w.quit:
			for {
				select {
				case req := <-w.reqs:
					w.serve(req)
				default:
					return
				}
			}
		}
	}
}

// serve handles first and, when it is a write, every write queued behind
// it, up to MaxBatch results, in one transaction.
func (w *writer) serve(first *request) {
	ctx := context.Background() // callers' contexts only bound their wait
	if first.job != nil {
		first.done <- first.job(ctx)
		return
	}
	batch := []*request{first}
	n := len(first.results)
	var held *request // a job found while batching, served after the batch
collect:
	for n < w.d.opts.MaxBatch {
		select {
		case r := <-w.reqs:
			if r.job != nil {
				held = r
				break collect
			}
			batch = append(batch, r)
			n += len(r.results)
		default:
			break collect
		}
	}
	err := w.commit(ctx, batch, n)
	for _, r := range batch {
		r.done <- err
	}
	if held != nil {
		w.serve(held)
	}
}

// update runs fn on the writer goroutine in a transaction of its own, begun
// IMMEDIATE (the DSN's _txlock), so fn holds the write lock from its first
// read and what it reads cannot go stale before it writes, even when
// another process shares the file. The transaction runs between result
// batches, never inside one, so result writes stay group-committed. It
// commits when fn returns nil and rolls back otherwise; update returns fn's
// error, or the commit's, once that is done. If ctx has ended by the time
// the writer reaches the request, fn does not run; once it runs, it runs to
// completion, and ctx bounds only the caller's wait, as for WriteResults.
func (d *DB) update(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	job := func(wctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		tx, err := d.wconn.BeginTx(wctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		if err := fn(wctx, tx); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	return d.w.do(ctx, &request{job: job, done: make(chan error, 1)})
}

// WriteResults stores rs and returns nil once the transaction holding them
// has committed durably: that is the acknowledgement. A result already
// stored (same check, location and At in milliseconds) is skipped, so a
// retried call stores nothing twice and counts nothing twice in the minute
// history. Concurrent calls share transactions. rs is not modified or
// retained. If ctx ends first, the error is ctx's and the results may or
// may not have been stored: retrying the call is safe.
func (d *DB) WriteResults(ctx context.Context, rs []sla.Result) error {
	if len(rs) == 0 {
		return nil
	}
	if err := store.CheckResults(rs); err != nil {
		return err
	}
	req := &request{results: slices.Clone(rs), done: make(chan error, 1)}
	if err := d.w.do(ctx, req); err != nil {
		return fmt.Errorf("write results for %s: %w", rs[0].CheckID, err)
	}
	return nil
}

// commit writes the results of batch in one transaction.
func (w *writer) commit(ctx context.Context, batch []*request, n int) (err error) {
	start := time.Now() // a duration for the metric, not a domain time
	rows := make([]*sla.Result, 0, n)
	for _, r := range batch {
		for i := range r.results {
			rows = append(rows, &r.results[i])
		}
	}
	// Check then time order: neighbouring rows in the results b-tree, and
	// the runs of each (check, location) in time order for the minute
	// history. A stable sort keeps retries of one key in arrival order.
	slices.SortStableFunc(rows, func(a, b *sla.Result) int {
		return cmp.Or(
			cmp.Compare(a.CheckID, b.CheckID),
			a.At.Compare(b.At),
			cmp.Compare(a.Location, b.Location),
		)
	})
	w.gen++
	written, err := w.writeTx(ctx, rows)
	w.d.lastWrite.Store(&writeOutcome{err: err})
	w.closeDays(err == nil)
	if err != nil {
		w.m().WriteErrors.Inc()
		// The ids may hold changes of the rolled-back transaction. Forget
		// them; they reload from the database.
		w.checks.rollback()
		w.locations.rollback()
		w.classes.rollback()
		return err
	}
	w.checks.commit()
	w.locations.commit()
	w.classes.commit()
	w.evict()
	w.m().BatchSize.Observe(float64(len(rows)))
	w.m().CommitSeconds.Observe(time.Since(start).Seconds())
	w.m().Written.Add(float64(written))
	return nil
}

func (w *writer) m() *storemetrics.Ingest { return w.d.m }

const (
	insertResult = `INSERT INTO results (check_id, at_ms, location_id, ok, latency_us, class_id)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	insertDetail = `INSERT INTO result_details (check_id, at_ms, location_id, detail)
VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`
	upsertDay = `INSERT INTO minutes (check_id, day, data) VALUES (?, ?, ?)
ON CONFLICT (check_id, day) DO UPDATE SET data = excluded.data`
	selectDay    = `SELECT data FROM minutes WHERE check_id = ? AND day = ?`
	selectMinute = `SELECT ok FROM results
WHERE check_id = ? AND at_ms >= ? AND at_ms < ? AND location_id = ? ORDER BY at_ms`
)

// writeTx inserts rows, updates the minute history and commits. It
// returns how many rows were new.
func (w *writer) writeTx(ctx context.Context, rows []*sla.Result) (int, error) {
	tx, err := w.d.wconn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, insertResult)
	if err != nil {
		return 0, fmt.Errorf("prepare insert: %w", err)
	}
	defer ins.Close()
	var insDetail *sql.Stmt // prepared on first use: most batches have no details
	days := dayFlusher{w: w, tx: tx}
	defer days.close()
	written := 0
	for _, r := range rows {
		check, err := w.checks.id(ctx, tx, r.CheckID)
		if err != nil {
			return 0, err
		}
		loc, err := w.locations.id(ctx, tx, r.Location)
		if err != nil {
			return 0, err
		}
		var class int64
		if r.Class != sla.ClassNone {
			if class, err = w.classes.id(ctx, tx, string(r.Class)); err != nil {
				return 0, err
			}
		}
		at := r.At.UnixMilli()
		res, err := ins.ExecContext(ctx, check, at, loc, r.OK, r.Latency.Microseconds(), class)
		if err != nil {
			return 0, fmt.Errorf("insert results for %s: %w", r.CheckID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, fmt.Errorf("insert results for %s: %w", r.CheckID, err)
		} else if n == 0 {
			continue // stored before: a retry
		}
		written++
		if r.Detail != "" {
			if insDetail == nil {
				if insDetail, err = tx.PrepareContext(ctx, insertDetail); err != nil {
					return 0, fmt.Errorf("prepare insert detail: %w", err)
				}
				defer insDetail.Close()
			}
			if _, err := insDetail.ExecContext(ctx, check, at, loc, r.Detail); err != nil {
				return 0, fmt.Errorf("insert detail for %s: %w", r.CheckID, err)
			}
		}
		day, _ := dayOf(at)
		if err := days.touch(ctx, dayKey{check, day}); err != nil {
			return 0, err
		}
		if err := w.apply(ctx, tx, check, loc, at, r.OK); err != nil {
			return 0, fmt.Errorf("update minutes for %s: %w", r.CheckID, err)
		}
	}
	if err := days.flush(ctx); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return written, nil
}

// dayFlusher writes the day records of a transaction as soon as its
// results for them are applied. Rows come sorted by check and time, so a
// row of another day means the previous day is done for this transaction:
// it is then encoded, written and its expanded minutes released. A
// transaction so holds one expanded day (7,200 bytes a location) at a
// time, rather than one for every check of its batch. A day touched again
// later in the same transaction is expanded and written again: the order
// makes that rare, not wrong.
type dayFlusher struct {
	w   *writer
	tx  *sql.Tx
	up  *sql.Stmt // prepared on first use
	cur dayKey    // the day being applied; zero for none (check ids start at 1)
}

// touch makes key the day being applied, writing the previous one.
func (f *dayFlusher) touch(ctx context.Context, key dayKey) error {
	if key == f.cur {
		return nil
	}
	err := f.flush(ctx)
	f.cur = key
	return err
}

// flush writes the day being applied, if it changed.
func (f *dayFlusher) flush(ctx context.Context) error {
	key := f.cur
	f.cur = dayKey{}
	rec := f.w.open[key]
	if rec == nil || !rec.dirty {
		return nil
	}
	if f.up == nil {
		up, err := f.tx.PrepareContext(ctx, upsertDay)
		if err != nil {
			return fmt.Errorf("prepare upsert minutes: %w", err)
		}
		f.up = up
	}
	data, err := f.w.codec.encode(rec, key.day)
	if err != nil {
		return fmt.Errorf("encode minutes of check %d day %d: %w", key.check, key.day, err)
	}
	if _, err := f.up.ExecContext(ctx, key.check, key.day, data); err != nil {
		return fmt.Errorf("upsert minutes of check %d day %d: %w", key.check, key.day, err)
	}
	rec.plain = bytes.Clone(f.w.codec.plainBytes()) // cached once the transaction commits
	rec.dirty = false
	for _, l := range rec.locs {
		l.release(&f.w.pool) // encoded: the run-length code is current
	}
	return nil
}

func (f *dayFlusher) close() {
	if f.up != nil {
		f.up.Close()
	}
}
