package sla

import (
	"errors"
	"fmt"
	"time"
)

// Coverage says how much of a period the evidence covers.
type Coverage struct {
	Minutes int // minutes of the period
	Covered int // of those, minutes that were judged: no check unknown, or one down
}

// Ratio is Covered / Minutes, exactly; 1 for an empty period.
func (c Coverage) Ratio() (num, den int) {
	if c.Minutes == 0 {
		return 1, 1
	}
	return c.Covered, c.Minutes
}

// CountRun is Count consecutive minutes that each saw Total probe runs,
// Failed of which failed (over all locations and checks).
type CountRun struct {
	Count         int
	Total, Failed int64
}

// CountRuns sums per-minute run counts over locations whose runs cover the
// same minutes.
func CountRuns(locs [][]MinuteRun) []CountRun {
	lens := make([][]int, len(locs))
	for i, l := range locs {
		lens[i] = make([]int, len(l))
		for j, r := range l {
			lens[i][j] = r.Count
		}
	}
	var out []CountRun
	segments(lens, func(step int, idx []int) {
		var c CountRun
		for i, j := range idx {
			m := locs[i][j].Minute
			c.Total += int64(m.Runs())
			c.Failed += int64(m.Fail)
		}
		out = appendCount(out, step, c.Total, c.Failed)
	})
	return out
}

// SumCountRuns adds count runs that cover the same minutes.
func SumCountRuns(lists [][]CountRun) []CountRun {
	lens := make([][]int, len(lists))
	for i, l := range lists {
		lens[i] = make([]int, len(l))
		for j, r := range l {
			lens[i][j] = r.Count
		}
	}
	var out []CountRun
	segments(lens, func(step int, idx []int) {
		var t, f int64
		for i, j := range idx {
			t += lists[i][j].Total
			f += lists[i][j].Failed
		}
		out = appendCount(out, step, t, f)
	})
	return out
}

func appendCount(out []CountRun, n int, total, failed int64) []CountRun {
	if n <= 0 {
		return out
	}
	if k := len(out); k > 0 && out[k-1].Total == total && out[k-1].Failed == failed {
		out[k-1].Count += n
		return out
	}
	return append(out, CountRun{n, total, failed})
}

// FactsFromRuns turns a contract's combined minute states (CombineRuns over
// its checks), starting at the period's first minute, into the facts of an
// SLA case:
//
//   - a run of down minutes is an outage;
//   - for the sample-based measures, counts gives each minute's probe runs
//     and failures, which become sample runs, cut at slice boundaries and
//     scaled by their minutes so that every slice sums its own minutes;
//   - a minute that is unknown is not covered. Missing data is never counted
//     as up or down: it lowers Coverage, and the caller flags a period whose
//     coverage is below the contract's threshold.
//
// Maintenance windows and exclusions are facts of their own, added by the
// caller. Measure requests cannot be served by probes and is refused.
func FactsFromRuns(p Policy, period Period, states []StateRun, counts []CountRun) (Facts, Coverage, error) {
	p = p.WithDefaults()
	var f Facts
	var cov Coverage
	if p.Measure == MeasureRequests {
		return f, cov, fieldErr("policy.measure", "requests needs request counts, which probes do not produce")
	}
	first := period.Start.Truncate(time.Minute)
	at := func(m int) time.Time { return first.Add(time.Duration(m) * time.Minute) }
	m := 0
	for _, r := range states {
		cov.Minutes += r.Count
		if r.State != StateUnknown {
			cov.Covered += r.Count
		}
		if r.State == StateDown {
			f.Downtime = append(f.Downtime, Outage{Interval: Interval{Start: at(m), End: at(m + r.Count)}})
		}
		m += r.Count
	}
	if !(p.Measure == MeasureSlices && (p.SliceValue == SliceRatio || p.BadSlice == BadSliceErrorRate)) {
		return f, cov, nil
	}
	f.Downtime = nil
	if RunMinutesCount(counts) != cov.Minutes {
		return f, cov, fieldErr("counts", fmt.Sprintf("cover %d minutes, the states %d", RunMinutesCount(counts), cov.Minutes))
	}
	slice := int(p.Slice / time.Minute)
	if p.Slice%time.Minute != 0 || slice == 0 {
		return f, cov, fieldErr("policy.slice", fmt.Sprintf("%s is not a whole number of minutes, the resolution of probe evidence", p.Slice))
	}
	offset := int(period.Start.Sub(first) / time.Minute) // 0 unless the period starts mid-minute
	m = 0
	for _, r := range counts {
		for left := r.Count; left > 0; {
			// Cut at the next slice boundary (slices start at the period start).
			k := min(left, slice-(m+offset)%slice)
			if r.Total > 0 {
				f.Samples = append(f.Samples, SampleRun{
					Interval: Interval{Start: at(m), End: at(m + k)},
					Total:    r.Total * int64(k), Errors: r.Failed * int64(k),
				})
			}
			m += k
			left -= k
		}
	}
	return f, cov, nil
}

// RunMinutesCount is the number of minutes count runs cover.
func RunMinutesCount(runs []CountRun) int {
	n := 0
	for _, r := range runs {
		n += r.Count
	}
	return n
}

// WindowRuns is Window over the last k minutes of runs.
func WindowRuns(runs []StateRun, k int) (bad, counted time.Duration) {
	for i := len(runs) - 1; i >= 0 && k > 0; i-- {
		n := min(k, runs[i].Count)
		switch runs[i].State {
		case StateDown:
			bad += time.Duration(n) * time.Minute
			counted += time.Duration(n) * time.Minute
		case StateUp, StateDegraded:
			counted += time.Duration(n) * time.Minute
		}
		k -= n
	}
	return bad, counted
}

// MinuteHistory is what the evidence store keeps of one check over a range of
// whole minutes: Minutes[i][j] is what Locations[j] saw during the minute
// starting at Start + i minutes. A zero LocationMinute is a minute without
// runs from that location: no data, not uptime.
type MinuteHistory struct {
	Start     time.Time // the first minute, UTC
	Locations []string  // locations that reported in the range, sorted; "" is the local collector
	Minutes   [][]LocationMinute
}

// ErrNoEvidence marks a check for which nothing was ever stored.
var ErrNoEvidence = errors.New("no evidence")

// Combine judges minutes of a service (or a contract) from the states of the
// checks that measure it, each as long as n: down when any check is down —
// the customer lacks the service when any part of it fails — else unknown
// when any check has no data, else degraded when any is degraded, else up.
func Combine(checks [][]State, n int) []State {
	out := make([]State, n)
	for m := range out {
		down, unknown, degraded := false, len(checks) == 0, false
		for _, c := range checks {
			switch c[m] {
			case StateDown:
				down = true
			case StateUnknown:
				unknown = true
			case StateDegraded:
				degraded = true
			}
		}
		switch {
		case down:
			out[m] = StateDown
		case unknown:
			out[m] = StateUnknown
		case degraded:
			out[m] = StateDegraded
		default:
			out[m] = StateUp
		}
	}
	return out
}
