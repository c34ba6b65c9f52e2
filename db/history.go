package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/sla"
)

// History is the per-minute history of one check over a range of whole
// minutes; the type is the domain's, so that readers of evidence need not
// import db.
type History = sla.MinuteHistory

// MaxHistoryMinutes bounds the range of one MinuteHistory call: 400 days,
// the retention of the history, so one call can read all of it.
const MaxHistoryMinutes = 400 * minutesPerDay

// MinuteHistory returns the per-minute history of a check for the minutes
// that overlap [from, to): from is truncated to the minute, to rounded up
// to it. It returns ErrNotFound for an unknown check.
func (d *DB) MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (History, error) {
	start := from.UnixMilli()
	start -= start % msPerMinute
	if from.UnixMilli()%msPerMinute < 0 {
		start -= msPerMinute
	}
	end := to.UnixMilli()
	if end <= start {
		return History{}, fmt.Errorf("minute history for %s: empty range [%v, %v)", checkID, from, to)
	}
	count := int((end - start + msPerMinute - 1) / msPerMinute)
	if count > MaxHistoryMinutes {
		return History{}, fmt.Errorf("minute history for %s: %d minutes, want at most %d", checkID, count, MaxHistoryMinutes)
	}
	id, err := d.checkID(ctx, checkID)
	if errors.Is(err, ErrNotFound) {
		// Both sentinels: store callers test ErrNotFound, evidence readers
		// outside db test sla.ErrNoEvidence.
		return History{}, fmt.Errorf("minute history for %s: %w (%w)", checkID, ErrNotFound, sla.ErrNoEvidence)
	}
	if err != nil {
		return History{}, err
	}
	firstDay, _ := dayOf(start)
	lastDay, _ := dayOf(start + int64(count-1)*msPerMinute)

	rows, err := d.rdb.QueryContext(ctx, `SELECT day, data FROM minutes WHERE check_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		id, firstDay, lastDay)
	if err != nil {
		return History{}, fmt.Errorf("query minute history for %s: %w", checkID, err)
	}
	type loaded struct {
		day int64
		rec *dayRecord
	}
	var days []loaded
	locIDs := map[int64]bool{}
	for rows.Next() {
		var day int64
		var data []byte
		if err := rows.Scan(&day, &data); err != nil {
			rows.Close()
			return History{}, fmt.Errorf("scan minute history for %s: %w", checkID, err)
		}
		rec, err := decodeDay(data, day)
		if err != nil {
			rows.Close()
			return History{}, fmt.Errorf("decode minute history for %s day %d: %w", checkID, day, err)
		}
		days = append(days, loaded{day, rec})
		for _, l := range rec.locs {
			locIDs[l.loc] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return History{}, fmt.Errorf("scan minute history for %s: %w", checkID, err)
	}

	names, err := d.locationNames(ctx, locIDs)
	if err != nil {
		return History{}, fmt.Errorf("minute history for %s: %w", checkID, err)
	}
	h := History{Start: time.UnixMilli(start).UTC(), Minutes: make([][]sla.LocationMinute, count)}
	col := map[int64]int{}
	for id := range locIDs {
		h.Locations = append(h.Locations, names[id])
	}
	slices.Sort(h.Locations)
	for id, name := range names {
		col[id], _ = slices.BinarySearch(h.Locations, name)
	}
	cells := make([]sla.LocationMinute, count*len(h.Locations)) // one allocation for the grid
	for i := range h.Minutes {
		h.Minutes[i] = cells[i*len(h.Locations) : (i+1)*len(h.Locations) : (i+1)*len(h.Locations)]
	}
	var pool arrayPool
	for _, dd := range days {
		dayStart := dd.day * msPerDay
		// The minutes of this day inside [start, start+count).
		lo := max(0, (start-dayStart)/msPerMinute)
		hi := min(int64(minutesPerDay), (start+int64(count)*msPerMinute-dayStart)/msPerMinute)
		for _, l := range dd.rec.locs {
			j := col[l.loc]
			mins := l.minutes(&pool)
			for m := lo; m < hi; m++ {
				h.Minutes[(dayStart+m*msPerMinute-start)/msPerMinute][j] = mins[m]
			}
			pool.put(mins)
			l.min = nil
		}
	}
	return h, nil
}

// locationNames returns the names of the location ids in ids.
func (d *DB) locationNames(ctx context.Context, ids map[int64]bool) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for id := range ids {
		var name string
		if err := d.rdb.QueryRowContext(ctx, `SELECT name FROM locations WHERE id = ?`, id).Scan(&name); err != nil {
			return nil, fmt.Errorf("look up location %d: %w", id, notFound(err))
		}
		out[id] = name
	}
	return out, nil
}
