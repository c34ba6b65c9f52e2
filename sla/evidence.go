package sla

import (
	"errors"
	"fmt"
	"time"
)

// CheckEvidence is what monitoring knows of one check over a span of
// minutes: its state in each minute from Start, and the runs behind them.
type CheckEvidence struct {
	CheckID string
	Start   time.Time // the first minute, on a minute boundary
	States  []State   // one per minute
	// Runs and Failed count, per minute, the runs of all locations and the
	// failed ones among them; used by the sample-based measures. Either nil
	// or as long as States.
	Runs, Failed []int
}

// Coverage says how much of a period the evidence covers.
type Coverage struct {
	Minutes int // minutes of the period inside the evidence span
	Covered int // of those, minutes in which every check had data
}

// Ratio is Covered / Minutes, exactly; 1 for an empty period.
func (c Coverage) Ratio() (num, den int) {
	if c.Minutes == 0 {
		return 1, 1
	}
	return c.Covered, c.Minutes
}

// FactsFromEvidence turns the minute evidence of every check that a contract
// covers into the facts of an SLA case for period:
//
//   - a minute is down when any check is down in it: a customer whose mail
//     cannot be fetched has no mail service, whatever the web page says;
//   - for the sample-based measures, each minute becomes a sample run with
//     the runs and failures of all checks;
//   - a minute in which some check has no data (and none is down) is not
//     covered. Missing data is never counted as up or down: it lowers
//     Coverage, and the caller flags a period whose coverage is below the
//     contract's threshold.
//
// Maintenance windows and exclusions are facts of their own, added by the
// caller. Measure requests cannot be served by probes and is refused.
func FactsFromEvidence(p Policy, period Period, checks []CheckEvidence) (Facts, Coverage, error) {
	p = p.WithDefaults()
	var f Facts
	var cov Coverage
	if p.Measure == MeasureRequests {
		return f, cov, fieldErr("policy.measure", "requests needs request counts, which probes do not produce")
	}
	samples := p.Measure == MeasureSlices && (p.SliceValue == SliceRatio || p.BadSlice == BadSliceErrorRate)
	first := period.Start.Truncate(time.Minute)
	n := int(period.End.Sub(first) / time.Minute)
	if period.End.Sub(first)%time.Minute != 0 {
		n++
	}
	aligned := make([][]State, len(checks))
	runs := make([]int64, n)
	failed := make([]int64, n)
	for ci, c := range checks {
		if samples && (len(c.Runs) != len(c.States) || len(c.Failed) != len(c.States)) {
			return f, cov, fieldErr(fmt.Sprintf("checks[%d]", ci), "sample-based measures need run counts for every minute")
		}
		if c.Start.Sub(first)%time.Minute != 0 {
			return f, cov, fieldErr(fmt.Sprintf("checks[%d].start", ci), "is not on a minute boundary of the period")
		}
		off := int(c.Start.Sub(first) / time.Minute)
		aligned[ci] = make([]State, n) // unknown outside the check's evidence
		for m := range n {
			i := m - off
			if i < 0 || i >= len(c.States) {
				continue
			}
			aligned[ci][m] = c.States[i]
			if samples {
				runs[m] += int64(c.Runs[i])
				failed[m] += int64(c.Failed[i])
			}
		}
	}
	states := Combine(aligned, n)
	cov.Minutes = n
	for _, s := range states {
		if s != StateUnknown {
			cov.Covered++
		}
	}
	minute := func(m int) Interval {
		s := first.Add(time.Duration(m) * time.Minute)
		return Interval{Start: s, End: s.Add(time.Minute)}
	}
	if samples {
		for m := range n {
			if runs[m] > 0 {
				f.Samples = append(f.Samples, SampleRun{Interval: minute(m), Total: runs[m], Errors: failed[m]})
			}
		}
		return f, cov, nil
	}
	for m := 0; m < n; {
		if states[m] != StateDown {
			m++
			continue
		}
		k := m
		for k < n && states[k] == StateDown {
			k++
		}
		f.Downtime = append(f.Downtime, Outage{Interval: Interval{Start: minute(m).Start, End: minute(k - 1).End}})
		m = k
	}
	return f, cov, nil
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
