package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// createIncoming is the per-connection table a batch is COPYed into before
// it is inserted with ON CONFLICT DO NOTHING: COPY itself cannot skip the
// rows a retried batch already stored.
const createIncoming = `CREATE TEMP TABLE IF NOT EXISTS incoming (
	seq         integer  NOT NULL, -- position in the batch: the first of two duplicates wins
	at_ms       bigint   NOT NULL,
	check_id    integer  NOT NULL,
	latency_us  integer  NOT NULL,
	location_id smallint NOT NULL,
	class_id    smallint NOT NULL,
	ok          boolean  NOT NULL,
	detail      text
) ON COMMIT DELETE ROWS`

var incomingCols = []string{"seq", "at_ms", "check_id", "latency_us", "location_id", "class_id", "ok", "detail"}

// newRun is a result the batch stored for the first time: what the minute
// history needs of it.
type newRun struct {
	check, loc, at int64
	ok             bool
}

// WriteResults stores rs (see store.Evidence) in one transaction: the
// batch is COPYed into a temporary table, inserted into the partitioned
// results with ON CONFLICT DO NOTHING (so a retried batch, or a duplicate
// inside one, stores nothing twice), and the runs that were new are added
// to the minute rows of their check, location and day, locked in key order.
// It returns once the transaction has committed: that is the
// acknowledgement. Concurrent calls, from this process or others, run in
// transactions of their own.
func (s *Store) WriteResults(ctx context.Context, rs []sla.Result) error {
	if len(rs) == 0 {
		return nil
	}
	if err := store.CheckResults(rs); err != nil {
		return err
	}
	if s.closed.Load() {
		return fmt.Errorf("write results for %s: %w", rs[0].CheckID, store.ErrClosed)
	}
	start := time.Now() // a duration for the metric, not a domain time
	written, err := s.writeResults(ctx, rs, true)
	s.lastWrite.Store(&writeOutcome{err: err})
	if err != nil {
		s.m.WriteErrors.Inc()
		return fmt.Errorf("write results for %s: %w", rs[0].CheckID, s.errClosedOr(err))
	}
	s.m.BatchSize.Observe(float64(len(rs)))
	s.m.CommitSeconds.Observe(time.Since(start).Seconds())
	s.m.Written.Add(float64(written))
	return nil
}

// writeResults stores rs and, with history, adds the new runs to the
// minute history (a copy brings its history along instead).
func (s *Store) writeResults(ctx context.Context, rs []sla.Result, history bool) (int, error) {
	checkNames := make([]string, 0, len(rs))
	locNames := make([]string, 0, 4)
	var classNames []string
	days := map[int64]bool{}
	for _, r := range rs {
		checkNames = append(checkNames, r.CheckID)
		locNames = append(locNames, r.Location)
		if r.Class != sla.ClassNone {
			classNames = append(classNames, string(r.Class))
		}
		day, _ := minutes.DayOf(r.At.UnixMilli())
		days[day] = true
	}
	checks, err := s.ensureIDs(ctx, "checks", checkNames)
	if err != nil {
		return 0, err
	}
	locs, err := s.ensureIDs(ctx, "locations", locNames)
	if err != nil {
		return 0, err
	}
	classes, err := s.ensureIDs(ctx, "classes", classNames)
	if err != nil {
		return 0, err
	}
	rows := make([][]any, len(rs))
	for i, r := range rs {
		var class int64
		if r.Class != sla.ClassNone {
			class = classes[string(r.Class)]
		}
		var detail any // NULL when empty
		if r.Detail != "" {
			detail = r.Detail
		}
		lat := min(r.Latency.Microseconds(), math.MaxInt32)
		rows[i] = []any{int32(i), r.At.UnixMilli(), int32(checks[r.CheckID]), int32(lat), int16(locs[r.Location]), int16(class), r.OK, detail}
	}
	var written int
	for attempt := 0; ; attempt++ {
		if err := s.ensurePartitions(ctx, days); err != nil {
			return 0, err
		}
		err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
			var err error
			written, err = s.insertBatch(ctx, tx, rows, history)
			return err
		})
		// A partition this process believed in was dropped by another
		// (retention, late results): forget what it knew and try again.
		var pe *pgconn.PgError
		if attempt == 0 && errors.As(err, &pe) && pe.Code == "23514" {
			s.parts.forget()
			continue
		}
		return written, err
	}
}

// insertBatch stores one batch inside tx and returns how many rows were new.
func (s *Store) insertBatch(ctx context.Context, tx pgx.Tx, rows [][]any, history bool) (int, error) {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incoming"}, incomingCols, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("copy batch: %w", err)
	}
	res, err := tx.Query(ctx, `INSERT INTO results (at_ms, check_id, latency_us, location_id, class_id, ok, detail)
SELECT at_ms, check_id, latency_us, location_id, class_id, ok, detail FROM incoming ORDER BY seq
ON CONFLICT DO NOTHING RETURNING check_id, location_id, at_ms, ok`)
	if err != nil {
		return 0, fmt.Errorf("insert results: %w", err)
	}
	runs, err := pgx.CollectRows(res, func(r pgx.CollectableRow) (newRun, error) {
		var n newRun
		var check int32
		var loc int16
		err := r.Scan(&check, &loc, &n.at, &n.ok)
		n.check, n.loc = int64(check), int64(loc)
		return n, err
	})
	if err != nil {
		return 0, fmt.Errorf("insert results: %w", err)
	}
	if !history {
		return len(runs), nil
	}
	if err := s.applyMinutes(ctx, tx, runs); err != nil {
		return 0, fmt.Errorf("update minutes: %w", err)
	}
	return len(runs), nil
}

// minuteKey is one row of the minutes table.
type minuteKey struct{ check, day, loc int64 }

// applyMinutes adds new runs to their minute rows inside tx. The rows are
// made if missing, then locked, both in key order, so that concurrent
// batches touching the same rows wait for each other instead of
// deadlocking, and each reads the other's committed change.
func (s *Store) applyMinutes(ctx context.Context, tx pgx.Tx, runs []newRun) error {
	if len(runs) == 0 {
		return nil
	}
	keys, cs, ds, ls := minuteKeys(runs)
	type state struct {
		last int64
		day  *minutes.Day
	}
	cur := make(map[minuteKey]*state, len(keys))
	lock := func(cs, ds []int32, ls []int16) error {
		// One index probe per key, in the keys' (sorted) order: a join
		// the planner may choose would read the whole table, which holds
		// every day of history, to find a batch's few hundred rows.
		rows, err := tx.Query(ctx, `SELECT m.check_id, m.day, m.location_id, m.last_ms, m.runs
FROM unnest($1::integer[], $2::integer[], $3::smallint[]) WITH ORDINALITY AS u (c, d, l, i)
CROSS JOIN LATERAL (SELECT * FROM minutes WHERE check_id = u.c AND day = u.d AND location_id = u.l FOR UPDATE) AS m
ORDER BY u.i`, cs, ds, ls)
		if err != nil {
			return fmt.Errorf("lock rows: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c, d int32
			var l int16
			var code []byte
			st := &state{day: new(minutes.Day)}
			if err := rows.Scan(&c, &d, &l, &st.last, &code); err != nil {
				return err
			}
			if len(code) > 0 {
				if _, err := minutes.RunsLen(code); err != nil {
					return fmt.Errorf("check %d day %d location %d: %w", c, d, l, err)
				}
			}
			minutes.Expand(code, st.day)
			cur[minuteKey{int64(c), int64(d), int64(l)}] = st
		}
		return rows.Err()
	}
	// Through the day the rows exist: one statement finds and locks them.
	// The first run of a (check, location) on a day makes its row first;
	// ON CONFLICT DO NOTHING waits for a concurrent maker and then leaves
	// its row, which the second lock reads once that maker has committed.
	if err := lock(cs, ds, ls); err != nil {
		return err
	}
	if len(cur) < len(keys) {
		var mc, md []int32
		var ml []int16
		for _, k := range keys {
			if cur[k] == nil {
				mc, md, ml = append(mc, int32(k.check)), append(md, int32(k.day)), append(ml, int16(k.loc))
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO minutes (last_ms, check_id, day, location_id, runs)
SELECT -9223372036854775808, c, d, l, '\x'::bytea FROM unnest($1::integer[], $2::integer[], $3::smallint[]) AS u (c, d, l)
ORDER BY c, d, l ON CONFLICT DO NOTHING`, mc, md, ml); err != nil {
			return fmt.Errorf("make rows: %w", err)
		}
		if err := lock(mc, md, ml); err != nil {
			return err
		}
	}
	rawCut := s.opts.Now().Add(-s.opts.RawRetention).UnixMilli()
	for _, r := range runs {
		day, minute := minutes.DayOf(r.at)
		st := cur[minuteKey{r.check, day, r.loc}]
		minStart := day*minutes.MsPerDay + int64(minute)*minutes.MsPerMinute
		switch {
		case r.at > st.last:
			st.day[minute].Add(r.ok)
			st.last = r.at
		case minStart < rawCut:
			// The raw results of the minute may be gone: count the run,
			// exact in its counts, approximate in its streaks.
			st.day[minute].Add(r.ok)
		default:
			// A late run: rebuild its minute from the raw results, which
			// already hold it, in time order.
			m, err := recompute(ctx, tx, r.check, r.loc, minStart)
			if err != nil {
				return err
			}
			st.day[minute] = m
		}
	}
	lasts, codes := make([]int64, len(keys)), make([][]byte, len(keys))
	for i, k := range keys {
		st := cur[k]
		lasts[i], codes[i] = st.last, minutes.AppendRuns(nil, st.day)
	}
	// The rows are found by their key, one index probe each, as above: a
	// hash join would scan the whole table. The settings end with the
	// transaction.
	if _, err := tx.Exec(ctx, `SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`); err != nil {
		return fmt.Errorf("plan row updates: %w", err)
	}
	_, err := tx.Exec(ctx, `UPDATE minutes SET last_ms = u.last, runs = u.runs
FROM unnest($1::integer[], $2::integer[], $3::smallint[], $4::bigint[], $5::bytea[]) AS u (c, d, l, last, runs)
WHERE minutes.check_id = u.c AND minutes.day = u.d AND minutes.location_id = u.l`, cs, ds, ls, lasts, codes)
	if err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return nil
}

// minuteKeys sorts runs by check, location and time, and gives the
// distinct (check, day, location) rows they touch in key order — the
// order every writer locks them in, so two writers never deadlock — with
// the same keys as columns for unnest.
func minuteKeys(runs []newRun) ([]minuteKey, []int32, []int32, []int16) {
	slices.SortFunc(runs, func(a, b newRun) int {
		return cmp.Or(cmp.Compare(a.check, b.check), cmp.Compare(a.loc, b.loc), cmp.Compare(a.at, b.at))
	})
	var keys []minuteKey
	for _, r := range runs {
		day, _ := minutes.DayOf(r.at)
		keys = append(keys, minuteKey{r.check, day, r.loc})
	}
	slices.SortFunc(keys, func(a, b minuteKey) int {
		return cmp.Or(cmp.Compare(a.check, b.check), cmp.Compare(a.day, b.day), cmp.Compare(a.loc, b.loc))
	})
	keys = slices.Compact(keys)
	cs, ds, ls := make([]int32, len(keys)), make([]int32, len(keys)), make([]int16, len(keys))
	for i, k := range keys {
		cs[i], ds[i], ls[i] = int32(k.check), int32(k.day), int16(k.loc)
	}
	return keys, cs, ds, ls
}

// recompute folds the raw results of one (check, location, minute) in time
// order.
func recompute(ctx context.Context, tx pgx.Tx, check, loc, minStart int64) (sla.LocationMinute, error) {
	var m sla.LocationMinute
	rows, err := tx.Query(ctx, `SELECT ok FROM results WHERE check_id = $1 AND location_id = $2 AND at_ms >= $3 AND at_ms < $4
ORDER BY at_ms`, check, loc, minStart, minStart+minutes.MsPerMinute)
	if err != nil {
		return m, fmt.Errorf("recompute minute %d: %w", minStart, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ok bool
		if err := rows.Scan(&ok); err != nil {
			return m, err
		}
		m.Add(ok)
	}
	return m, rows.Err()
}

const selectResults = `SELECT r.at_ms, l.name, r.ok, r.latency_us, coalesce(c.name, ''), coalesce(r.detail, '')
FROM results r
JOIN locations l ON l.id = r.location_id
LEFT JOIN classes c ON c.id = r.class_id
WHERE r.check_id = $1 `

// Results returns the raw results of a check that started in [from, to),
// in time order (results of one instant in location-id order).
func (s *Store) Results(ctx context.Context, checkID string, from, to time.Time) ([]sla.Result, error) {
	id, err := s.checkID(ctx, checkID)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectResults+`AND r.at_ms >= $2 AND r.at_ms < $3 ORDER BY r.at_ms, r.location_id`,
		id, from.UnixMilli(), to.UnixMilli())
	return s.scanResults(rows, err, checkID)
}

// LatestResults returns the n most recent raw results of a check, newest
// first: the primary key read backwards, partition by partition.
func (s *Store) LatestResults(ctx context.Context, checkID string, n int) ([]sla.Result, error) {
	if n < 0 {
		return nil, fmt.Errorf("latest results for %s: negative count %d", checkID, n)
	}
	id, err := s.checkID(ctx, checkID)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectResults+`ORDER BY r.at_ms DESC, r.location_id DESC LIMIT $2`, id, n)
	return s.scanResults(rows, err, checkID)
}

func (s *Store) scanResults(rows pgx.Rows, err error, checkID string) ([]sla.Result, error) {
	if err != nil {
		return nil, fmt.Errorf("query results for %s: %w", checkID, s.mapErr(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (sla.Result, error) {
		var r sla.Result
		var at int64
		var latency int32
		var class string
		if err := row.Scan(&at, &r.Location, &r.OK, &latency, &class, &r.Detail); err != nil {
			return r, err
		}
		r.CheckID, r.At = checkID, msTime(at)
		r.Latency = time.Duration(latency) * time.Microsecond
		r.Class = sla.FailureClass(class)
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan results for %s: %w", checkID, s.mapErr(err))
	}
	if out == nil {
		out = []sla.Result{}
	}
	return out, nil
}
