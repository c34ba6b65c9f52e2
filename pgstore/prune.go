package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/store"
)

// Prune applies retention at now. Raw results go by whole daily
// partitions: a day's partition is dropped once the whole day started
// before now - RawRetention, so a result is kept at least RawRetention and
// at most a day longer, and retention deletes no rows one by one. History
// days that ended before now - HistoryRetention are deleted (the day
// holding that instant is kept whole). Prune also creates the partitions
// of today and the next two days, so that ingest seldom creates one.
func (s *Store) Prune(ctx context.Context, now time.Time) (store.Pruned, error) {
	var p store.Pruned
	if err := s.check("prune"); err != nil {
		return p, err
	}
	rawCut := now.Add(-s.opts.RawRetention).UnixMilli()
	dayCut, _ := minutes.DayOf(now.Add(-s.opts.HistoryRetention).UnixMilli())
	today, _ := minutes.DayOf(now.UnixMilli())
	if err := s.ensurePartitions(ctx, map[int64]bool{today: true, today + 1: true, today + 2: true}); err != nil {
		return p, fmt.Errorf("prune: %w", err)
	}
	days, err := s.partitions(ctx, s.pool)
	if err != nil {
		return p, fmt.Errorf("prune: list partitions: %w", s.mapErr(err))
	}
	for _, d := range days {
		if (d+1)*minutes.MsPerDay > rawCut {
			break // sorted: every later day is kept too
		}
		// Dropping a partition takes a short exclusive lock on results;
		// lock_timeout keeps it from queueing behind a long reader (and
		// blocking ingest behind itself) for long.
		var n int64
		err := s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockPartitions); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
				return err
			}
			name := partitionName(d)
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil || !exists {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+name).Scan(&n); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DROP TABLE `+name)
			return err
		})
		if err != nil {
			return p, fmt.Errorf("prune: drop partition of day %d: %w", d, err)
		}
		p.Results += n
	}
	s.parts.forget()
	err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `WITH gone AS (DELETE FROM minutes WHERE day < $1 RETURNING check_id, day)
SELECT count(*) FROM (SELECT DISTINCT check_id, day FROM gone) AS d`, dayCut).Scan(&p.Days)
	})
	if err != nil {
		return p, fmt.Errorf("prune: delete history: %w", err)
	}
	return p, nil
}
