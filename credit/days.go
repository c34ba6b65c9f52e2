package credit

import (
	"context"
	"time"

	"github.com/slatehq/slate/sla"
)

// Day is one calendar day of a service, as the status page's bars count it:
// minutes down (a major outage), minutes degraded (a partial outage) and
// minutes with evidence.
type Day struct {
	Date                  string // YYYY-MM-DD in the page's zone
	Major, Partial, Known int
}

// DailyBars judges a service's checks over the last days calendar days in
// loc, up to now, and counts each day's down, degraded and known minutes
// (the combination of the checks, as for a contract). Today is counted up to
// now.
func DailyBars(ctx context.Context, h History, checks []Check, days int, loc *time.Location, now time.Time) ([]Day, error) {
	lt := now.In(loc)
	first := time.Date(lt.Year(), lt.Month(), lt.Day()-(days-1), 0, 0, 0, 0, loc)
	end := now.Truncate(time.Minute)
	n := int(end.Sub(first) / time.Minute)
	j, err := contractRuns(ctx, h, Contract{ID: "status page", Checks: checks}, first, n)
	if err != nil {
		return nil, err
	}
	out := make([]Day, 0, days)
	dayStart := first
	dayEnd := time.Date(first.Year(), first.Month(), first.Day()+1, 0, 0, 0, 0, loc)
	cur := Day{Date: first.Format(time.DateOnly)}
	t := first
	for _, r := range j.states {
		left := r.Count
		for left > 0 {
			k := min(left, int(dayEnd.Sub(t)/time.Minute))
			switch r.State {
			case sla.StateDown:
				cur.Major += k
				cur.Known += k
			case sla.StateDegraded:
				cur.Partial += k
				cur.Known += k
			case sla.StateUp, sla.StateMaintenance:
				cur.Known += k
			}
			t = t.Add(time.Duration(k) * time.Minute)
			left -= k
			if !t.Before(dayEnd) {
				out = append(out, cur)
				dayStart = dayEnd
				dayEnd = time.Date(dayStart.Year(), dayStart.Month(), dayStart.Day()+1, 0, 0, 0, 0, loc)
				cur = Day{Date: dayStart.Format(time.DateOnly)}
			}
		}
	}
	for len(out) < days { // today, and any day the evidence did not reach
		out = append(out, cur)
		dayStart = dayEnd
		dayEnd = time.Date(dayStart.Year(), dayStart.Month(), dayStart.Day()+1, 0, 0, 0, 0, loc)
		cur = Day{Date: dayStart.Format(time.DateOnly)}
	}
	return out, nil
}
