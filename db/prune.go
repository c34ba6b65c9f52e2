package db

import (
	"context"
	"fmt"
	"time"
)

// Prune deletes raw results that started before now - RawRetention and the
// minute history of UTC days that ended before now - HistoryRetention (the
// day holding that instant is kept whole). now is an argument so that tests
// and the scheduler decide the time. The work runs on the writer, one
// transaction per check, so writes wait at most for one check's delete.
func (d *DB) Prune(ctx context.Context, now time.Time) (Pruned, error) {
	rawCut := now.Add(-d.opts.RawRetention).UnixMilli()
	dayCut, _ := dayOf(now.Add(-d.opts.HistoryRetention).UnixMilli())

	if d.closed() {
		return Pruned{}, fmt.Errorf("prune: %w", ErrClosed)
	}
	rows, err := d.rdb.QueryContext(ctx, `SELECT id FROM checks ORDER BY id`)
	if err != nil {
		return Pruned{}, fmt.Errorf("prune: list checks: %w", err)
	}
	var checks []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return Pruned{}, fmt.Errorf("prune: list checks: %w", err)
		}
		checks = append(checks, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Pruned{}, fmt.Errorf("prune: list checks: %w", err)
	}

	var p Pruned
	for _, check := range checks {
		var nr, nd int64 // written by the job, read only after it reported back
		job := func(ctx context.Context) error {
			tx, err := d.wconn.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			// result_details rows go with their results: ON DELETE CASCADE.
			res, err := tx.ExecContext(ctx, `DELETE FROM results WHERE check_id = ? AND at_ms < ?`, check, rawCut)
			if err != nil {
				return fmt.Errorf("delete results: %w", err)
			}
			nr, _ = res.RowsAffected()
			res, err = tx.ExecContext(ctx, `DELETE FROM minutes WHERE check_id = ? AND day < ?`, check, dayCut)
			if err != nil {
				return fmt.Errorf("delete minutes: %w", err)
			}
			nd, _ = res.RowsAffected()
			if err := tx.Commit(); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
			// Days deleted from the table must not be written back from
			// the cache.
			for k := range d.w.days {
				if k.check == check && k.day < dayCut {
					d.w.forget(k)
				}
			}
			return nil
		}
		if err := d.w.do(ctx, &request{job: job, done: make(chan error, 1)}); err != nil {
			return p, fmt.Errorf("prune check %d: %w", check, err)
		}
		p.Results += nr
		p.Days += nd
	}
	return p, nil
}
