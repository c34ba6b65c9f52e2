package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// MinuteHistory returns the per-minute history of a check for the minutes
// that overlap [from, to); see store.Evidence.
func (s *Store) MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (store.History, error) {
	sp, days, err := s.historyDays(ctx, checkID, from, to)
	if err != nil {
		return store.History{}, err
	}
	return sp.History(days), nil
}

// MinuteRuns is MinuteHistory in run-length form, read from the stored
// codes without expanding them.
func (s *Store) MinuteRuns(ctx context.Context, checkID string, from, to time.Time) (sla.RunHistory, error) {
	sp, days, err := s.historyDays(ctx, checkID, from, to)
	if err != nil {
		return sla.RunHistory{}, err
	}
	return sp.Runs(days), nil
}

func (s *Store) historyDays(ctx context.Context, checkID string, from, to time.Time) (minutes.Span, []minutes.LocDay, error) {
	what := "minute history for " + checkID
	sp, err := minutes.NewSpan(what, from, to)
	if err != nil {
		return sp, nil, err
	}
	id, err := s.checkID(ctx, checkID)
	if errors.Is(err, store.ErrNotFound) {
		return sp, nil, fmt.Errorf("%s: %w (%w)", what, store.ErrNotFound, sla.ErrNoEvidence)
	}
	if err != nil {
		return sp, nil, err
	}
	first, last := sp.Days()
	rows, err := s.pool.Query(ctx, `SELECT m.day, l.name, m.runs FROM minutes m JOIN locations l ON l.id = m.location_id
WHERE m.check_id = $1 AND m.day >= $2 AND m.day <= $3`, id, first, last)
	if err != nil {
		return sp, nil, fmt.Errorf("query %s: %w", what, s.mapErr(err))
	}
	days, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (minutes.LocDay, error) {
		var d minutes.LocDay
		var day int32
		if err := r.Scan(&day, &d.Location, &d.Runs); err != nil {
			return d, err
		}
		d.Day = int64(day)
		if len(d.Runs) > 0 {
			if _, err := minutes.RunsLen(d.Runs); err != nil {
				return d, fmt.Errorf("day %d location %s: %w", day, d.Location, err)
			}
		}
		return d, nil
	})
	if err != nil {
		return sp, nil, fmt.Errorf("scan %s: %w", what, s.mapErr(err))
	}
	return sp, days, nil
}

// ImportHistory writes whole UTC days of history recorded elsewhere; see
// store.Evidence. A location's day becomes one row, its latest run set to
// the end of the day, so that a later result of that day is rebuilt from
// the raw results as a late one.
func (s *Store) ImportHistory(ctx context.Context, checkID string, h sla.RunHistory) error {
	what := fmt.Sprintf("import history of %s", checkID)
	firstDay, codes, err := minutes.ImportDays(what, h)
	if err != nil {
		return err
	}
	if err := s.check(what); err != nil {
		return err
	}
	checks, err := s.ensureIDs(ctx, "checks", []string{checkID})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	locs, err := s.ensureIDs(ctx, "locations", h.Locations)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	check := checks[checkID]
	var lasts []int64
	var days []int32
	var ls []int16
	var runs [][]byte
	for k := range h.Minutes / minutes.PerDay {
		day := firstDay + int64(k)
		for j, loc := range h.Locations {
			if codes[j][k] != nil {
				lasts, days = append(lasts, (day+1)*minutes.MsPerDay-1), append(days, int32(day))
				ls, runs = append(ls, int16(locs[loc])), append(runs, codes[j][k])
			}
		}
	}
	err = s.update(ctx, false, func(ctx context.Context, tx pgx.Tx) error {
		var clash int32
		err := tx.QueryRow(ctx, `SELECT day FROM minutes WHERE check_id = $1 AND day = ANY($2) LIMIT 1`, check, days).Scan(&clash)
		if err == nil {
			return fmt.Errorf("day %d: %w", clash, store.ErrHistoryExists)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO minutes (last_ms, check_id, day, location_id, runs)
SELECT u.last, $1, u.day, u.loc, u.runs FROM unnest($2::bigint[], $3::integer[], $4::smallint[], $5::bytea[]) AS u (last, day, loc, runs)`,
			check, lasts, days, ls, runs)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
