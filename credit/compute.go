package credit

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// History reads the evidence; db.DB satisfies it. MinuteRuns gives a
// check's minutes in run-length form (an error wrapping sla.ErrNoEvidence
// for a check that never reported); ExclusionsInForce the manual exclusions
// of a contract that overlap a range.
type History interface {
	MinuteRuns(ctx context.Context, checkID string, from, to time.Time) (sla.RunHistory, error)
	ExclusionsInForce(ctx context.Context, contract string, from, to time.Time) ([]sla.Exclusion, error)
}

// Check is a probe whose evidence counts for a contract.
type Check struct {
	ID string
	// Service is the service the check measures: its down minutes are
	// that service's (Statement.ServiceDown). Empty for checks built by
	// hand that no incident is matched against.
	Service string
	// Locations are the locations the check runs from (the catalogue's
	// CheckLocations): a minute is judged against all of them, so one that
	// stays silent is counted as silent. Empty takes whichever locations
	// reported, for checks built by hand without a catalogue.
	Locations    []string
	Confirmation sla.Confirmation
}

// Contract is what a tenant was promised, in plain values.
type Contract struct {
	ID, Tenant        string
	Policy            sla.Policy
	Fee               sla.Money
	Checks            []Check
	CoverageThreshold *big.Rat // percent; coverage below it flags the period
	Maintenance       []sla.Interval
	Exclusions        []sla.Exclusion
}

// coverageThreshold is the contract's coverage threshold, in percent: 99
// when it sets none.
func (c Contract) coverageThreshold() *big.Rat {
	if c.CoverageThreshold == nil {
		return big.NewRat(99, 1)
	}
	return c.CoverageThreshold
}

// Statement is a contract's outcome for one period.
type Statement struct {
	Contract Contract
	Period   sla.Period
	Outcome  sla.Outcome
	Coverage sla.Coverage
	// Flagged is true when coverage is below the contract's threshold: the
	// figures rest on too little evidence to issue money on.
	Flagged bool
	// Locations is the coverage of each location of the contract's
	// checks, in the order the checks name them: where the evidence is
	// thin.
	Locations []LocationCoverage
	Budget    sla.Budget
	// ServiceDown is, per service of the contract's checks, the minutes
	// one of its checks was judged down: the evidence an incident on that
	// service accounts for (Attribute).
	ServiceDown map[string][]sla.Interval
	// Case is what was evaluated, kept so that an incident's share of it
	// can be worked out (Exposure) without reading the evidence again.
	Case sla.Case
}

// CoveragePercent is the covered share of the period, exactly.
func (s Statement) CoveragePercent() *big.Rat {
	n, d := s.Coverage.Ratio()
	r := big.NewRat(int64(n)*100, int64(d))
	return r
}

// Compute builds and evaluates the contract's case for period from the
// evidence. Only time before until counts (the period so far, for a period
// that has not ended; pass period.End or later for a closed one).
func Compute(ctx context.Context, h History, c Contract, period sla.Period, until time.Time) (Statement, error) {
	st := Statement{Contract: c, Period: period}
	end := period.End
	if until.Before(end) {
		end = until.Truncate(time.Minute)
	}
	n := int(end.Sub(period.Start.Truncate(time.Minute)) / time.Minute)
	if end.Sub(period.Start.Truncate(time.Minute))%time.Minute != 0 {
		n++
	}
	j, err := contractRuns(ctx, h, c, period.Start, n)
	if err != nil {
		return st, err
	}
	st.Locations = j.locations
	st.ServiceDown = j.down
	facts, cov, err := sla.FactsFromRuns(c.Policy, sla.Period{Start: period.Start, End: end, Location: period.Location}, j.states, j.counts)
	if err != nil {
		return st, fmt.Errorf("contract %s: %w", c.ID, err)
	}
	manual, err := h.ExclusionsInForce(ctx, c.ID, period.Start, period.End)
	if err != nil {
		return st, fmt.Errorf("contract %s: %w", c.ID, err)
	}
	facts.Maintenance = clipIntervals(c.Maintenance, period)
	facts.Exclusions = clipExclusions(append(append([]sla.Exclusion(nil), c.Exclusions...), manual...), period)
	if end.Before(period.End) {
		facts.Active = []sla.Interval{{Start: period.Start, End: end}}
	}
	st.Case = sla.Case{Policy: c.Policy, Period: period, Fee: c.Fee, Facts: facts}
	out, err := sla.Evaluate(st.Case)
	if err != nil {
		return st, fmt.Errorf("contract %s: %w", c.ID, err)
	}
	st.Outcome, st.Coverage = out, cov
	st.Flagged = st.CoveragePercent().Cmp(c.coverageThreshold()) < 0
	down := out.Downtime
	if down == nil {
		down = new(big.Rat)
	}
	st.Budget = sla.ErrorBudget(c.Policy.Target, out.EligibleTime, down)
	return st, nil
}

// judged is what contractRuns makes of a contract's evidence.
type judged struct {
	states    []sla.StateRun            // the contract's minutes: its checks' combined
	counts    []sla.CountRun            // probe runs and failures per minute, over all checks and locations
	locations []LocationCoverage        // per location of its checks, the minutes it reported
	down      map[string][]sla.Interval // per service, the minutes one of its checks was down
}

// contractRuns judges the n minutes from the minute holding from, for each
// of the contract's checks, and combines them.
func contractRuns(ctx context.Context, h History, c Contract, from time.Time, n int) (judged, error) {
	if n <= 0 {
		return judged{}, nil
	}
	states := make([][]sla.StateRun, 0, len(c.Checks))
	counts := make([][]sla.CountRun, 0, len(c.Checks))
	var reports locationReports
	down := make(map[string]sla.Set)
	for _, ch := range c.Checks {
		s, k, err := checkRuns(ctx, h, ch, from, n, &reports)
		if err != nil {
			return judged{}, fmt.Errorf("contract %s: %w", c.ID, err)
		}
		states, counts = append(states, s), append(counts, k)
		down[ch.Service] = down[ch.Service].Union(downMinutes(s, from.Truncate(time.Minute)))
	}
	j := judged{states: sla.CombineRuns(states, n), counts: sla.SumCountRuns(counts), locations: reports.coverage(n),
		down: make(map[string][]sla.Interval, len(down))}
	for svc, set := range down {
		j.down[svc] = set.Intervals()
	}
	return j, nil
}

// downMinutes is the minutes of runs, the first starting at from, judged
// down.
func downMinutes(runs []sla.StateRun, from time.Time) sla.Set {
	var out []sla.Interval
	at := from
	for _, r := range runs {
		end := at.Add(time.Duration(r.Count) * time.Minute)
		if r.State == sla.StateDown {
			out = append(out, sla.Interval{Start: at, End: end})
		}
		at = end
	}
	return sla.NewSet(out...)
}

// checkRuns judges n minutes of one check from the minute holding from,
// adding what each of its locations reported to reports.
func checkRuns(ctx context.Context, h History, ch Check, from time.Time, n int, reports *locationReports) ([]sla.StateRun, []sla.CountRun, error) {
	from = from.Truncate(time.Minute)
	rh, err := h.MinuteRuns(ctx, ch.ID, from, from.Add(time.Duration(n)*time.Minute))
	switch {
	case errors.Is(err, sla.ErrNoEvidence):
		for _, l := range ch.Locations {
			reports.add(l, []sla.MinuteRun{{Count: n}})
		}
		return []sla.StateRun{{Count: n, State: sla.StateUnknown}}, []sla.CountRun{{Count: n}}, nil
	case err != nil:
		return nil, nil, fmt.Errorf("history of %s: %w", ch.ID, err)
	}
	locs, names := locationRuns(rh, ch, n)
	for i, l := range names {
		reports.add(l, locs[i])
	}
	return sla.MinuteStateRuns(locs, ch.Confirmation), sla.CountRuns(locs), nil
}

// locationRuns lays out a check's history as one run list per location: per
// configured location (a silent one is still one of the check's locations:
// it counts towards the default quorum, and its silence can leave a minute
// unknown), or per reporting location when none are configured. It returns
// the lists and the location names.
func locationRuns(rh sla.RunHistory, ch Check, n int) ([][]sla.MinuteRun, []string) {
	names := ch.Locations
	if len(names) == 0 {
		names = rh.Locations
	}
	if len(names) == 0 {
		names = []string{""}
	}
	col := make(map[string]int, len(rh.Locations))
	for j, l := range rh.Locations {
		col[l] = j
	}
	locs := make([][]sla.MinuteRun, len(names))
	for i, name := range names {
		if j, ok := col[name]; ok {
			locs[i] = rh.Runs[j]
		} else {
			locs[i] = []sla.MinuteRun{{Count: n}} // never reported: no data
		}
	}
	return locs, names
}

// clipIntervals is ivs cut to period, those outside it dropped. The
// engine would clip them too, but it first refuses any time outside the
// years it computes in: a window reaching to the year 9999 (stored before
// such times were refused at the door, or written behind the store's
// back) would stop every period of every contract it touches, when only
// its part inside the period matters.
func clipIntervals(ivs []sla.Interval, period sla.Period) []sla.Interval {
	var out []sla.Interval
	for _, iv := range ivs {
		if c, ok := clipTo(iv, period); ok {
			out = append(out, c)
		}
	}
	return out
}

// clipExclusions is clipIntervals for exclusions, which keep their reason.
func clipExclusions(es []sla.Exclusion, period sla.Period) []sla.Exclusion {
	var out []sla.Exclusion
	for _, e := range es {
		if c, ok := clipTo(e.Interval, period); ok {
			out = append(out, sla.Exclusion{Interval: c, Reason: e.Reason})
		}
	}
	return out
}

// clipTo is iv ∩ [period.Start, period.End), and whether it is not empty.
func clipTo(iv sla.Interval, period sla.Period) (sla.Interval, bool) {
	if iv.Start.Before(period.Start) {
		iv.Start = period.Start
	}
	if iv.End.After(period.End) {
		iv.End = period.End
	}
	return iv, iv.Start.Before(iv.End)
}
