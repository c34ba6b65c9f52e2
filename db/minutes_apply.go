package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/slatehq/slate/sla"
)

// apply adds the newly stored run (check, loc, at, ok) to the minute
// history. It returns the key of the day record if this made it dirty for
// the first time in the transaction, else the zero key (check ids start at
// 1, so no day record has it).
//
// Runs of one (check, location) normally arrive in time order and are
// added to their minute with LocationMinute.Add, which needs that order. A
// run earlier than one already applied (a late remote agent, a retry after
// newer runs) would corrupt Lead, Trail and MaxRun that way, so its minute
// is rebuilt instead from the raw results of that minute, which already
// include the run. That is only possible while raw results of the minute
// are kept; beyond raw retention the run is added out of order, keeping
// the counts exact and the streak fields approximate.
func (w *writer) apply(ctx context.Context, tx *sql.Tx, check, loc, at int64, ok bool) (dayKey, error) {
	day, minute := dayOf(at)
	key := dayKey{check, day}
	rec, err := w.day(ctx, tx, key)
	if err != nil {
		return dayKey{}, err
	}
	l := rec.location(loc)
	mins := l.minutes(&w.pool)
	l.runs = nil // mins changes below
	minStart := day*msPerDay + int64(minute)*msPerMinute
	rawKept := minStart >= w.d.opts.Now().Add(-w.d.opts.RawRetention).UnixMilli()
	switch {
	case at > l.last:
		mins[minute].Add(ok)
		l.last = at
	case !rawKept:
		mins[minute].Add(ok)
	default:
		m, err := recompute(ctx, tx, check, loc, minStart)
		if err != nil {
			return dayKey{}, err
		}
		mins[minute] = m
	}
	if rec.dirty {
		return dayKey{}, nil
	}
	rec.dirty = true
	return key, nil
}

// day returns the cached record of key, loading it from the minutes table
// (or starting an empty one) on a miss.
func (w *writer) day(ctx context.Context, tx *sql.Tx, key dayKey) (*dayRecord, error) {
	if c, ok := w.days[key]; ok {
		c.used = w.gen
		return c.rec, nil
	}
	var data []byte
	err := tx.QueryRowContext(ctx, selectDay, key.check, key.day).Scan(&data)
	var rec *dayRecord
	switch {
	case errors.Is(err, sql.ErrNoRows):
		rec = &dayRecord{}
	case err != nil:
		return nil, fmt.Errorf("load day %d: %w", key.day, err)
	default:
		if rec, err = decodeDay(data, key.day); err != nil {
			return nil, fmt.Errorf("load day %d: %w", key.day, err)
		}
	}
	w.days[key] = &cachedDay{rec: rec, used: w.gen}
	return rec, nil
}

// recompute folds the raw results of one (check, location, minute) in time
// order.
func recompute(ctx context.Context, tx *sql.Tx, check, loc, minStart int64) (sla.LocationMinute, error) {
	var m sla.LocationMinute
	rows, err := tx.QueryContext(ctx, selectMinute, check, minStart, minStart+msPerMinute, loc)
	if err != nil {
		return m, fmt.Errorf("recompute minute %d: %w", minStart, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ok bool
		if err := rows.Scan(&ok); err != nil {
			return m, fmt.Errorf("recompute minute %d: %w", minStart, err)
		}
		m.Add(ok)
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("recompute minute %d: %w", minStart, err)
	}
	return m, nil
}

// evict drops cached days before today (by Options.Now) that the last
// commit did not touch, so memory holds about one day per active check.
func (w *writer) evict() {
	today, _ := dayOf(w.d.opts.Now().UnixMilli())
	for k, c := range w.days {
		if k.day < today && c.used != w.gen {
			delete(w.days, k)
		}
	}
}
