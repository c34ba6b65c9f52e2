package db

import (
	"context"
	"fmt"

	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
)

// ImportHistory writes minute history that was recorded elsewhere — evidence
// backfilled from another monitor, or a replayed archive — for whole UTC
// days: h.Start must be a UTC midnight and h.Minutes a multiple of 1,440.
// Days of which the check already has history are refused whole
// (ErrHistoryExists) and nothing is written. All days commit in one
// transaction on the writer. A result written later for a minute of an
// imported day rebuilds that minute from the raw results alone, as for any
// late result.
func (d *DB) ImportHistory(ctx context.Context, checkID string, h sla.RunHistory) error {
	what := fmt.Sprintf("import history of %s", checkID)
	firstDay, perDay, err := minutes.ImportDays(what, h)
	if err != nil {
		return err
	}
	days := h.Minutes / minutesPerDay
	w := d.w
	job := func(wctx context.Context) (err error) {
		if err := ctx.Err(); err != nil {
			return err
		}
		tx, err := d.wconn.BeginTx(wctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer func() {
			if err != nil {
				tx.Rollback()
				w.checks.rollback()
				w.locations.rollback()
			}
		}()
		check, err := w.checks.id(wctx, tx, checkID)
		if err != nil {
			return err
		}
		locs := make([]int64, len(h.Locations))
		for j, name := range h.Locations {
			if locs[j], err = w.locations.id(wctx, tx, name); err != nil {
				return err
			}
		}
		for k := range days {
			day := firstDay + int64(k)
			rec := &dayRecord{}
			for j := range h.Locations {
				if perDay[j][k] != nil {
					// The latest run is unknown; the end of the day makes any
					// later result of that day a late one, recomputed from raw.
					rec.locs = append(rec.locs, &locDay{loc: locs[j], last: (day+1)*msPerDay - 1, runs: perDay[j][k]})
				}
			}
			if len(rec.locs) == 0 {
				continue
			}
			var exists int
			if err := tx.QueryRowContext(wctx, `SELECT count(*) FROM minutes WHERE check_id = ? AND day = ?`, check, day).Scan(&exists); err != nil {
				return fmt.Errorf("look up day %d: %w", day, err)
			}
			if exists > 0 {
				return fmt.Errorf("day %d: %w", day, ErrHistoryExists)
			}
			data, err := w.codec.encode(rec, day)
			if err != nil {
				return fmt.Errorf("encode day %d: %w", day, err)
			}
			if _, err := tx.ExecContext(wctx, `INSERT INTO minutes (check_id, day, data) VALUES (?, ?, ?)`, check, day, data); err != nil {
				return fmt.Errorf("insert day %d: %w", day, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		w.checks.commit()
		w.locations.commit()
		return nil
	}
	if err := w.do(ctx, &request{job: job, done: make(chan error, 1)}); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
