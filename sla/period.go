package sla

import (
	"fmt"
	"time"
)

// Period is the measurement period of an SLA: [Start, End) in Location. The
// location decides the calendar: where months begin, how many calendar days
// the period holds, and so what a "day of service" credit is worth.
type Period struct {
	Start, End time.Time
	Location   *time.Location
}

// Month is the calendar month that starts on the first of month in year at
// local midnight in loc. Its length is whatever the clock says: a March in
// America/Los_Angeles lasts 743 hours, not 744.
func Month(year int, month time.Month, loc *time.Location) Period {
	return Period{
		Start:    time.Date(year, month, 1, 0, 0, 0, 0, loc),
		End:      time.Date(year, month+1, 1, 0, 0, 0, 0, loc),
		Location: loc,
	}
}

// Quarter is the calendar quarter q (1 to 4) of year in loc.
func Quarter(year, q int, loc *time.Location) Period {
	first := time.Month(3*(q-1) + 1)
	return Period{
		Start:    time.Date(year, first, 1, 0, 0, 0, 0, loc),
		End:      time.Date(year, first+3, 1, 0, 0, 0, 0, loc),
		Location: loc,
	}
}

// MonthContaining is the calendar month in loc that holds t.
func MonthContaining(t time.Time, loc *time.Location) Period {
	lt := t.In(loc)
	return Month(lt.Year(), lt.Month(), loc)
}

// QuarterContaining is the calendar quarter in loc that holds t.
func QuarterContaining(t time.Time, loc *time.Location) Period {
	lt := t.In(loc)
	return Quarter(lt.Year(), (int(lt.Month())-1)/3+1, loc)
}

// Interval is the period's span.
func (p Period) Interval() Interval { return Interval{p.Start, p.End} }

// Duration is the exact elapsed time of the period.
func (p Period) Duration() time.Duration { return p.End.Sub(p.Start) }

// Days is the number of calendar days in the period's location that the
// period touches: 31 for any March, 365 for a common year.
func (p Period) Days() int {
	if !p.End.After(p.Start) {
		return 0
	}
	loc := p.loc()
	first := civilDay(p.Start.In(loc))
	last := civilDay(p.End.Add(-time.Nanosecond).In(loc))
	return last - first + 1
}

// civilDay numbers the calendar date of t: days since 1970-01-01 in t's own
// calendar, ignoring the clock time.
func civilDay(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func (p Period) loc() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

// Next is the period of the same kind that follows p: the next month for a
// month, the next quarter for a quarter, and otherwise a period of the same
// length starting at p.End.
func (p Period) Next() Period {
	loc := p.loc()
	s, e := p.Start.In(loc), p.End.In(loc)
	if s.Day() == 1 && isMidnight(s) && e.Day() == 1 && isMidnight(e) {
		months := (e.Year()-s.Year())*12 + int(e.Month()-s.Month())
		return Period{Start: p.End, End: time.Date(e.Year(), e.Month()+time.Month(months), 1, 0, 0, 0, 0, loc), Location: loc}
	}
	return Period{Start: p.End, End: p.End.Add(p.Duration()), Location: loc}
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// String names the period: "2024-03", "2020-Q3", or its bounds.
func (p Period) String() string {
	loc := p.loc()
	s, e := p.Start.In(loc), p.End.In(loc)
	if s.Day() == 1 && isMidnight(s) && e.Day() == 1 && isMidnight(e) {
		months := (e.Year()-s.Year())*12 + int(e.Month()-s.Month())
		switch {
		case months == 1:
			return fmt.Sprintf("%04d-%02d", s.Year(), int(s.Month()))
		case months == 3 && (s.Month()-1)%3 == 0:
			return fmt.Sprintf("%04d-Q%d", s.Year(), (int(s.Month())-1)/3+1)
		}
	}
	return p.Start.UTC().Format(time.RFC3339Nano) + "/" + p.End.UTC().Format(time.RFC3339Nano)
}
