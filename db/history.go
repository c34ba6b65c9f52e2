package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/sla"
)

// MinuteHistory returns the per-minute history of a check for the minutes
// that overlap [from, to): from is truncated to the minute, to rounded up
// to it. It returns ErrNotFound for an unknown check.
func (d *DB) MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (History, error) {
	sp, err := d.historySpan(ctx, checkID, from, to)
	if err != nil {
		return History{}, err
	}
	h := History{Start: time.UnixMilli(sp.start).UTC(), Locations: sp.locations, Minutes: make([][]sla.LocationMinute, sp.count)}
	cells := make([]sla.LocationMinute, sp.count*len(h.Locations)) // one allocation for the grid
	for i := range h.Minutes {
		h.Minutes[i] = cells[i*len(h.Locations) : (i+1)*len(h.Locations) : (i+1)*len(h.Locations)]
	}
	var pool arrayPool
	for _, dd := range sp.days {
		dayStart := dd.day * msPerDay
		lo, hi := sp.clip(dd.day)
		for _, l := range dd.rec.locs {
			j := sp.col[l.loc]
			mins := l.minutes(&pool)
			for m := lo; m < hi; m++ {
				h.Minutes[(dayStart+m*msPerMinute-sp.start)/msPerMinute][j] = mins[m]
			}
			pool.put(mins)
			l.min = nil
		}
	}
	return h, nil
}

// MinuteRuns is MinuteHistory in run-length form, read straight from the
// stored runs without expanding them: what the period close reads, where a
// month is tens of runs rather than 44,640 minutes. Every location's runs
// cover exactly the range's minutes; minutes without data are zero runs.
func (d *DB) MinuteRuns(ctx context.Context, checkID string, from, to time.Time) (sla.RunHistory, error) {
	sp, err := d.historySpan(ctx, checkID, from, to)
	if err != nil {
		return sla.RunHistory{}, err
	}
	h := sla.RunHistory{Start: time.UnixMilli(sp.start).UTC(), Minutes: sp.count, Locations: sp.locations,
		Runs: make([][]sla.MinuteRun, len(sp.locations))}
	covered := make([]int, len(sp.locations)) // minutes of the range appended so far, per location
	add := func(j, n int, m sla.LocationMinute) {
		if n <= 0 {
			return
		}
		rs := h.Runs[j]
		if k := len(rs); k > 0 && rs[k-1].Minute == m {
			rs[k-1].Count += n
		} else {
			rs = append(rs, sla.MinuteRun{Count: n, Minute: m})
		}
		h.Runs[j] = rs
		covered[j] += n
	}
	for _, dd := range sp.days {
		lo, hi := sp.clip(dd.day)
		offset := int((dd.day*msPerDay - sp.start) / msPerMinute) // the day's minute 0 in the range
		for _, l := range dd.rec.locs {
			j := sp.col[l.loc]
			add(j, offset+int(lo)-covered[j], sla.LocationMinute{}) // a gap before this day
			forRuns(l.runs, func(first, n int, m sla.LocationMinute) {
				a, b := max(first, int(lo)), min(first+n, int(hi))
				add(j, b-a, m)
			})
		}
	}
	for j := range h.Runs {
		add(j, sp.count-covered[j], sla.LocationMinute{})
	}
	return h, nil
}

// historySpan is what MinuteHistory and MinuteRuns share: the range in
// whole minutes, and the stored days and locations it touches.
type historySpan struct {
	start     int64 // first minute, UTC Unix ms
	count     int   // minutes in the range
	days      []loadedDay
	locations []string      // sorted names of the locations that reported
	col       map[int64]int // location id -> index in locations
}

type loadedDay struct {
	day int64
	rec *dayRecord
}

// clip is the part [lo, hi) of day's minutes inside the range.
func (sp historySpan) clip(day int64) (lo, hi int64) {
	dayStart := day * msPerDay
	lo = max(0, (sp.start-dayStart)/msPerMinute)
	hi = min(int64(minutesPerDay), (sp.start+int64(sp.count)*msPerMinute-dayStart)/msPerMinute)
	return lo, hi
}

func (d *DB) historySpan(ctx context.Context, checkID string, from, to time.Time) (historySpan, error) {
	var sp historySpan
	start := from.UnixMilli()
	start -= start % msPerMinute
	if from.UnixMilli()%msPerMinute < 0 {
		start -= msPerMinute
	}
	end := to.UnixMilli()
	if end <= start {
		return sp, fmt.Errorf("minute history for %s: empty range [%v, %v)", checkID, from, to)
	}
	count := int((end - start + msPerMinute - 1) / msPerMinute)
	if count > MaxHistoryMinutes {
		return sp, fmt.Errorf("minute history for %s: %d minutes, want at most %d", checkID, count, MaxHistoryMinutes)
	}
	sp.start, sp.count = start, count
	id, err := d.checkID(ctx, checkID)
	if errors.Is(err, ErrNotFound) {
		// Both sentinels: store callers test ErrNotFound, evidence readers
		// outside db test sla.ErrNoEvidence.
		return sp, fmt.Errorf("minute history for %s: %w (%w)", checkID, ErrNotFound, sla.ErrNoEvidence)
	}
	if err != nil {
		return sp, err
	}
	firstDay, _ := dayOf(start)
	lastDay, _ := dayOf(start + int64(count-1)*msPerMinute)

	rows, err := d.rdb.QueryContext(ctx, `SELECT day, data FROM minutes WHERE check_id = ? AND day >= ? AND day <= ? ORDER BY day`,
		id, firstDay, lastDay)
	if err != nil {
		return sp, fmt.Errorf("query minute history for %s: %w", checkID, err)
	}
	locIDs := map[int64]bool{}
	for rows.Next() {
		var day int64
		var data []byte
		if err := rows.Scan(&day, &data); err != nil {
			rows.Close()
			return sp, fmt.Errorf("scan minute history for %s: %w", checkID, err)
		}
		rec, err := decodeDay(data, day)
		if err != nil {
			rows.Close()
			return sp, fmt.Errorf("decode minute history for %s day %d: %w", checkID, day, err)
		}
		sp.days = append(sp.days, loadedDay{day, rec})
		for _, l := range rec.locs {
			locIDs[l.loc] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sp, fmt.Errorf("scan minute history for %s: %w", checkID, err)
	}
	names, err := d.locationNames(ctx, locIDs)
	if err != nil {
		return sp, fmt.Errorf("minute history for %s: %w", checkID, err)
	}
	for id := range locIDs {
		sp.locations = append(sp.locations, names[id])
	}
	slices.Sort(sp.locations)
	sp.col = make(map[int64]int, len(names))
	for id, name := range names {
		sp.col[id], _ = slices.BinarySearch(sp.locations, name)
	}
	return sp, nil
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
