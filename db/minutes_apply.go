package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/slatehq/slate/sla"
)

// apply adds the newly stored run (check, loc, at, ok) to the minute
// history of the open transaction, marking its day record dirty.
//
// Runs of one (check, location) normally arrive in time order and are
// added to their minute with LocationMinute.Add, which needs that order. A
// run earlier than one already applied (a late remote agent, a retry after
// newer runs) would corrupt Lead, Trail and MaxRun that way, so its minute
// is rebuilt instead from the raw results of that minute, which already
// include the run. That is only possible while raw results of the minute
// are kept; beyond raw retention the run is added out of order, keeping
// the counts exact and the streak fields approximate.
func (w *writer) apply(ctx context.Context, tx *sql.Tx, check, loc, at int64, ok bool) error {
	day, minute := dayOf(at)
	key := dayKey{check, day}
	rec, err := w.day(ctx, tx, key)
	if err != nil {
		return err
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
			return err
		}
		mins[minute] = m
	}
	rec.dirty = true
	return nil
}

// day returns the record of key for the open transaction: the one it
// already touched, or the cached one, or the one in the minutes table, or
// an empty one.
func (w *writer) day(ctx context.Context, tx *sql.Tx, key dayKey) (*dayRecord, error) {
	if rec, ok := w.open[key]; ok {
		return rec, nil
	}
	var rec *dayRecord
	if c, ok := w.days[key]; ok {
		var err error
		if rec, err = decodeDay(c.data, key.day); err != nil {
			return nil, fmt.Errorf("cached day %d: %w", key.day, err)
		}
	} else {
		var data []byte
		err := tx.QueryRowContext(ctx, selectDay, key.check, key.day).Scan(&data)
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
	}
	w.open[key] = rec
	return rec, nil
}

// closeDays ends the open transaction's use of the records it touched:
// when it committed, their new encodings replace the cached ones;
// otherwise the cache is dropped, lest it hold what the transaction wrote
// in part. The expanded days go back to the pool either way.
func (w *writer) closeDays(committed bool) {
	if !committed {
		clear(w.days)
		w.dayBytes = 0
	}
	for key, rec := range w.open {
		for _, l := range rec.locs {
			l.release(&w.pool)
		}
		if committed && rec.plain != nil {
			w.forget(key)
			w.days[key] = cachedDay{data: rec.plain, used: w.gen}
			w.dayBytes += cachedBytes(rec.plain)
		}
	}
	clear(w.open)
}

// forget drops key from the cache.
func (w *writer) forget(key dayKey) {
	if c, ok := w.days[key]; ok {
		w.dayBytes -= cachedBytes(c.data)
		delete(w.days, key)
	}
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
// commit did not touch, so the cache holds about one day per active check;
// and, when it holds more than Options.HistoryCache bytes, the least
// recently used days down to three quarters of that, so that a hundred
// thousand checks written once a minute stay cached while a million
// cost queries rather than memory.
func (w *writer) evict() {
	today, _ := dayOf(w.d.opts.Now().UnixMilli())
	for k, c := range w.days {
		if k.day < today && c.used != w.gen {
			w.forget(k)
		}
	}
	if w.dayBytes <= w.d.opts.HistoryCache {
		return
	}
	// The cut: the oldest generation to keep, found by counting bytes per
	// generation from the newest down.
	perGen := map[uint64]int{}
	for _, c := range w.days {
		perGen[c.used] += cachedBytes(c.data)
	}
	gens := slices.Collect(maps.Keys(perGen))
	slices.Sort(gens)
	target, kept, cut := w.d.opts.HistoryCache*3/4, 0, w.gen
	for i := len(gens) - 1; i >= 0; i-- {
		if kept += perGen[gens[i]]; kept > target && gens[i] != w.gen {
			break
		}
		cut = gens[i]
	}
	for k, c := range w.days {
		if c.used < cut {
			w.forget(k)
		}
	}
}
