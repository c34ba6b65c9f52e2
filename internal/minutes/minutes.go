package minutes

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/sla"
)

// Units. Days are UTC days counted from the Unix epoch, so a day number is
// floor(Unix milliseconds / MsPerDay).
const (
	MsPerMinute = 60_000
	MsPerDay    = 86_400_000
	PerDay      = 1440
)

// MaxMinutes bounds the range of one read: 400 days.
const MaxMinutes = 400 * PerDay

// DayOf splits an instant in UTC Unix milliseconds into its UTC day and the
// minute of that day (0..1439).
func DayOf(atMs int64) (day int64, minute int) {
	day = atMs / MsPerDay
	if atMs%MsPerDay < 0 {
		day-- // floor, for instants before 1970
	}
	return day, int((atMs - day*MsPerDay) / MsPerMinute)
}

// Day is one location's day, minute by minute.
type Day [PerDay]sla.LocationMinute

// A run-length code is, for each run of equal minutes covering exactly the
// 1,440 minutes of the day, uvarint count (1..1440) then the repeated
// record: OK, Fail, Lead, Trail, MaxRun (one byte each). A location that
// passes every run of a day at a fixed rate is one run: about ten bytes.
const recordLen = 5

// ErrBadRuns is a run-length code that does not cover the day exactly.
var ErrBadRuns = errors.New("bad run-length code")

// AppendRuns appends the run-length code of d to buf.
func AppendRuns(buf []byte, d *Day) []byte {
	for i := 0; i < PerDay; {
		m := d[i]
		j := i + 1
		for j < PerDay && d[j] == m {
			j++
		}
		buf = AppendRun(buf, j-i, m)
		i = j
	}
	return buf
}

// AppendRun appends one run of n minutes equal to m.
func AppendRun(buf []byte, n int, m sla.LocationMinute) []byte {
	buf = binary.AppendUvarint(buf, uint64(n))
	return append(buf, m.OK, m.Fail, m.Lead, m.Trail, m.MaxRun)
}

// RunsLen checks that b starts with a well-formed code of one day and
// returns its length in bytes.
func RunsLen(b []byte) (int, error) {
	off := 0
	for i := 0; i < PerDay; {
		count, n := binary.Uvarint(b[off:])
		if n <= 0 || count == 0 || count > uint64(PerDay-i) {
			return 0, fmt.Errorf("%w: run at minute %d", ErrBadRuns, i)
		}
		off += n
		if len(b)-off < recordLen {
			return 0, fmt.Errorf("%w: record at minute %d", ErrBadRuns, i)
		}
		off += recordLen
		i += int(count)
	}
	return off, nil
}

// ForRuns calls fn for each run of a well-formed code (checked by RunsLen,
// or made by AppendRuns): its first minute of the day, its length and its
// record.
func ForRuns(runs []byte, fn func(first, n int, m sla.LocationMinute)) {
	for i := 0; i < PerDay; {
		count, n := binary.Uvarint(runs)
		r := runs[n : n+recordLen]
		fn(i, int(count), sla.LocationMinute{OK: r[0], Fail: r[1], Lead: r[2], Trail: r[3], MaxRun: r[4]})
		i += int(count)
		runs = runs[n+recordLen:]
	}
}

// Expand fills d from a well-formed code; an empty code is a day without
// data.
func Expand(runs []byte, d *Day) {
	if len(runs) == 0 {
		*d = Day{}
		return
	}
	ForRuns(runs, func(first, n int, m sla.LocationMinute) {
		for k := range n {
			d[first+k] = m
		}
	})
}

// Span is the range of a read in whole minutes.
type Span struct {
	Start int64 // first minute, UTC Unix ms
	Count int   // minutes in the range
}

// NewSpan is the span of the minutes that overlap [from, to): from
// truncated to the minute, to rounded up to it; what names the read in
// errors.
func NewSpan(what string, from, to time.Time) (Span, error) {
	start := from.UnixMilli()
	start -= start % MsPerMinute
	if from.UnixMilli()%MsPerMinute < 0 {
		start -= MsPerMinute
	}
	end := to.UnixMilli()
	if end <= start {
		return Span{}, fmt.Errorf("%s: empty range [%v, %v)", what, from, to)
	}
	count := int((end - start + MsPerMinute - 1) / MsPerMinute)
	if count > MaxMinutes {
		return Span{}, fmt.Errorf("%s: %d minutes, want at most %d", what, count, MaxMinutes)
	}
	return Span{Start: start, Count: count}, nil
}

// Days is the first and last UTC day the span touches.
func (sp Span) Days() (first, last int64) {
	first, _ = DayOf(sp.Start)
	last, _ = DayOf(sp.Start + int64(sp.Count-1)*MsPerMinute)
	return first, last
}

// clip is the part [lo, hi) of day's minutes inside the span.
func (sp Span) clip(day int64) (lo, hi int) {
	dayStart := day * MsPerDay
	lo = int(max(0, (sp.Start-dayStart)/MsPerMinute))
	hi = int(min(int64(PerDay), (sp.Start+int64(sp.Count)*MsPerMinute-dayStart)/MsPerMinute))
	return lo, hi
}

// LocDay is one stored day of one location: its run-length code.
type LocDay struct {
	Day      int64
	Location string
	Runs     []byte // well-formed; empty for a location without data that day
}

// locations is the sorted set of the days' locations and each one's column.
func locations(days []LocDay) ([]string, map[string]int) {
	var locs []string
	for _, d := range days {
		locs = append(locs, d.Location)
	}
	slices.Sort(locs)
	locs = slices.Compact(locs)
	col := make(map[string]int, len(locs))
	for j, l := range locs {
		col[l] = j
	}
	return locs, col
}

// History assembles days (any order) into the span's minute history.
func (sp Span) History(days []LocDay) sla.MinuteHistory {
	locs, col := locations(days)
	h := sla.MinuteHistory{Start: time.UnixMilli(sp.Start).UTC(), Locations: locs, Minutes: make([][]sla.LocationMinute, sp.Count)}
	cells := make([]sla.LocationMinute, sp.Count*len(locs)) // one allocation for the grid
	for i := range h.Minutes {
		h.Minutes[i] = cells[i*len(locs) : (i+1)*len(locs) : (i+1)*len(locs)]
	}
	for _, d := range days {
		if len(d.Runs) == 0 {
			continue
		}
		lo, hi := sp.clip(d.Day)
		j := col[d.Location]
		base := int((d.Day*MsPerDay - sp.Start) / MsPerMinute)
		ForRuns(d.Runs, func(first, n int, m sla.LocationMinute) {
			for k := max(first, lo); k < min(first+n, hi); k++ {
				h.Minutes[base+k][j] = m
			}
		})
	}
	return h
}

// Runs assembles days into the span's history in run-length form: every
// location's runs cover exactly the span's minutes; minutes without data
// are zero runs.
func (sp Span) Runs(days []LocDay) sla.RunHistory {
	locs, col := locations(days)
	days = slices.Clone(days)
	slices.SortFunc(days, func(a, b LocDay) int { return int(a.Day - b.Day) })
	h := sla.RunHistory{Start: time.UnixMilli(sp.Start).UTC(), Minutes: sp.Count, Locations: locs,
		Runs: make([][]sla.MinuteRun, len(locs))}
	covered := make([]int, len(locs)) // minutes of the span appended so far, per location
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
	for _, d := range days {
		if len(d.Runs) == 0 {
			continue
		}
		lo, hi := sp.clip(d.Day)
		offset := int((d.Day*MsPerDay - sp.Start) / MsPerMinute) // the day's minute 0 in the span
		j := col[d.Location]
		add(j, offset+lo-covered[j], sla.LocationMinute{}) // a gap before this day
		ForRuns(d.Runs, func(first, n int, m sla.LocationMinute) {
			a, b := max(first, lo), min(first+n, hi)
			add(j, b-a, m)
		})
	}
	for j := range h.Runs {
		add(j, sp.Count-covered[j], sla.LocationMinute{})
	}
	return h
}

// ImportDays splits h (whole UTC days from a UTC midnight) into the
// run-length code of each location's day: codes[j][k] is location j's day
// k, nil for a day without data.
func ImportDays(what string, h sla.RunHistory) (firstDay int64, codes [][][]byte, err error) {
	start := h.Start.UnixMilli()
	if start%MsPerDay != 0 || h.Minutes <= 0 || h.Minutes%PerDay != 0 {
		return 0, nil, fmt.Errorf("%s: want whole UTC days, got %d minutes from %v", what, h.Minutes, h.Start)
	}
	if len(h.Runs) != len(h.Locations) {
		return 0, nil, fmt.Errorf("%s: %d run lists for %d locations", what, len(h.Runs), len(h.Locations))
	}
	days := h.Minutes / PerDay
	codes = make([][][]byte, len(h.Runs))
	for j, runs := range h.Runs {
		codes[j] = make([][]byte, days)
		var cur []byte
		var hasData bool
		minute := 0
		for _, r := range runs {
			for left := r.Count; left > 0; {
				if minute >= h.Minutes {
					return 0, nil, fmt.Errorf("%s: location %q has runs past %d minutes", what, h.Locations[j], h.Minutes)
				}
				k := min(left, PerDay-minute%PerDay)
				cur = AppendRun(cur, k, r.Minute)
				hasData = hasData || r.Minute.Runs() > 0
				minute += k
				left -= k
				if minute%PerDay == 0 {
					if hasData {
						codes[j][minute/PerDay-1] = cur
					}
					cur, hasData = nil, false
				}
			}
		}
		if minute != h.Minutes {
			return 0, nil, fmt.Errorf("%s: location %q has runs for %d minutes, want %d", what, h.Locations[j], minute, h.Minutes)
		}
	}
	return start / MsPerDay, codes, nil
}
