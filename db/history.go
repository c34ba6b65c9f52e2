package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/internal/minutes"
	"github.com/slatehq/slate/sla"
)

// MinuteHistory returns the per-minute history of a check for the minutes
// that overlap [from, to): from is truncated to the minute, to rounded up
// to it. It returns ErrNotFound for an unknown check.
func (d *DB) MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (History, error) {
	sp, days, err := d.historyDays(ctx, checkID, from, to)
	if err != nil {
		return History{}, err
	}
	return sp.History(days), nil
}

// MinuteRuns is MinuteHistory in run-length form, read straight from the
// stored runs without expanding them: what the period close reads, where a
// month is tens of runs rather than 44,640 minutes. Every location's runs
// cover exactly the range's minutes; minutes without data are zero runs.
func (d *DB) MinuteRuns(ctx context.Context, checkID string, from, to time.Time) (sla.RunHistory, error) {
	sp, days, err := d.historyDays(ctx, checkID, from, to)
	if err != nil {
		return sla.RunHistory{}, err
	}
	return sp.Runs(days), nil
}

// historyDays is what MinuteHistory and MinuteRuns share: the range in
// whole minutes, and the stored days of each location it touches.
func (d *DB) historyDays(ctx context.Context, checkID string, from, to time.Time) (minutes.Span, []minutes.LocDay, error) {
	what := "minute history for " + checkID
	sp, err := minutes.NewSpan(what, from, to)
	if err != nil {
		return sp, nil, err
	}
	id, err := d.checkID(ctx, checkID)
	if errors.Is(err, ErrNotFound) {
		// Both sentinels: store callers test ErrNotFound, evidence readers
		// outside db test sla.ErrNoEvidence.
		return sp, nil, fmt.Errorf("%s: %w (%w)", what, ErrNotFound, sla.ErrNoEvidence)
	}
	if err != nil {
		return sp, nil, err
	}
	firstDay, lastDay := sp.Days()
	rows, err := d.rdb.QueryContext(ctx, `SELECT day, data FROM minutes WHERE check_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		id, firstDay, lastDay)
	if err != nil {
		return sp, nil, fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	type locRuns struct {
		day, loc int64
		runs     []byte
	}
	var stored []locRuns
	locIDs := map[int64]bool{}
	for rows.Next() {
		var day int64
		var data []byte
		if err := rows.Scan(&day, &data); err != nil {
			return sp, nil, fmt.Errorf("scan %s: %w", what, err)
		}
		rec, err := decodeDay(data, day)
		if err != nil {
			return sp, nil, fmt.Errorf("decode %s day %d: %w", what, day, err)
		}
		for _, l := range rec.locs {
			stored = append(stored, locRuns{day, l.loc, l.runs})
			locIDs[l.loc] = true
		}
	}
	if err := rows.Err(); err != nil {
		return sp, nil, fmt.Errorf("scan %s: %w", what, err)
	}
	names, err := d.locationNames(ctx, locIDs)
	if err != nil {
		return sp, nil, fmt.Errorf("%s: %w", what, err)
	}
	days := make([]minutes.LocDay, len(stored))
	for i, s := range stored {
		days[i] = minutes.LocDay{Day: s.day, Location: names[s.loc], Runs: s.runs}
	}
	return sp, days, nil
}

// locationNames returns the names of the location ids in ids.
func (d *DB) locationNames(ctx context.Context, ids map[int64]bool) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for id := range ids {
		if name, ok := d.lookups.location(id); ok {
			out[id] = name
			continue
		}
		var name string
		if err := d.rdb.QueryRowContext(ctx, `SELECT name FROM locations WHERE id = ?`, id).Scan(&name); err != nil {
			return nil, fmt.Errorf("look up location %d: %w", id, notFound(err))
		}
		out[id] = name
		d.lookups.setLocation(id, name)
	}
	return out, nil
}
