package credit

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// History reads evidence; db.DB satisfies it. A check that never reported
// gives an error wrapping sla.ErrNoEvidence.
type History interface {
	MinuteHistory(ctx context.Context, checkID string, from, to time.Time) (sla.MinuteHistory, error)
}

// Check is a probe whose evidence counts for a contract.
type Check struct {
	ID           string
	Locations    []string // configured locations; empty: whichever reported
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

// Statement is a contract's outcome for one period.
type Statement struct {
	Contract Contract
	Period   sla.Period
	Outcome  sla.Outcome
	Coverage sla.Coverage
	// Flagged is true when coverage is below the contract's threshold: the
	// figures rest on too little evidence to issue money on.
	Flagged bool
	Budget  sla.Budget
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
	var evidence []sla.CheckEvidence
	if end.After(period.Start) {
		for _, ch := range c.Checks {
			ev, err := checkEvidence(ctx, h, ch, period.Start, end)
			if err != nil {
				return st, fmt.Errorf("contract %s: %w", c.ID, err)
			}
			evidence = append(evidence, ev)
		}
	}
	facts, cov, err := sla.FactsFromEvidence(c.Policy, sla.Period{Start: period.Start, End: end, Location: period.Location}, evidence)
	if err != nil {
		return st, fmt.Errorf("contract %s: %w", c.ID, err)
	}
	facts.Maintenance = c.Maintenance
	facts.Exclusions = c.Exclusions
	if end.Before(period.End) {
		facts.Active = []sla.Interval{{Start: period.Start, End: end}}
	}
	out, err := sla.Evaluate(sla.Case{Policy: c.Policy, Period: period, Fee: c.Fee, Facts: facts})
	if err != nil {
		return st, fmt.Errorf("contract %s: %w", c.ID, err)
	}
	st.Outcome, st.Coverage = out, cov
	threshold := c.CoverageThreshold
	if threshold == nil {
		threshold = big.NewRat(99, 1)
	}
	st.Flagged = st.CoveragePercent().Cmp(threshold) < 0
	down := out.Downtime
	if down == nil {
		down = new(big.Rat)
	}
	st.Budget = sla.ErrorBudget(c.Policy.Target, out.EligibleTime, down)
	return st, nil
}

// checkEvidence judges every minute of one check in [from, to).
func checkEvidence(ctx context.Context, h History, ch Check, from, to time.Time) (sla.CheckEvidence, error) {
	n := int(to.Sub(from) / time.Minute)
	ev := sla.CheckEvidence{CheckID: ch.ID, Start: from, Runs: make([]int, n), Failed: make([]int, n)}
	mh, err := h.MinuteHistory(ctx, ch.ID, from, to)
	switch {
	case errors.Is(err, sla.ErrNoEvidence):
		ev.States = make([]sla.State, n) // all unknown
		return ev, nil
	case err != nil:
		return ev, fmt.Errorf("history of %s: %w", ch.ID, err)
	}
	// One row per configured location (a silent one still counts against
	// the quorum), or per reporting location when none are configured.
	names := ch.Locations
	if len(names) == 0 {
		names = mh.Locations
	}
	if len(names) == 0 {
		names = []string{""}
	}
	col := make(map[string]int, len(mh.Locations))
	for j, l := range mh.Locations {
		col[l] = j
	}
	off := int(mh.Start.Sub(from) / time.Minute)
	locs := make([][]sla.LocationMinute, len(names))
	for i, name := range names {
		locs[i] = make([]sla.LocationMinute, n)
		j, ok := col[name]
		if !ok {
			continue
		}
		for m := range n {
			k := m - off
			if k < 0 || k >= len(mh.Minutes) {
				continue
			}
			lm := mh.Minutes[k][j]
			locs[i][m] = lm
			ev.Runs[m] += lm.Runs()
			ev.Failed[m] += int(lm.Fail)
		}
	}
	ev.States = sla.MinuteStates(locs, ch.Confirmation)
	return ev, nil
}
