package credit

import (
	"fmt"
	"math/big"

	"github.com/slatehq/slate/sla"
)

// Exposure is what one incident means for a contract's period: the breach
// minutes its span accounts for and the credit it moves, both found by
// evaluating the statement's case again without the evidence inside span.
// Both are exact; amount is in the fee's currency.
func Exposure(st Statement, span sla.Interval) (breachMinutes, amount *big.Rat, err error) {
	without := st.Case
	f := without.Facts
	cut := sla.NewSet(span)
	f.Downtime = nil
	for _, o := range st.Case.Facts.Downtime {
		for _, piece := range sla.NewSet(o.Interval).Subtract(cut).Intervals() {
			f.Downtime = append(f.Downtime, sla.Outage{Interval: piece, Affected: o.Affected})
		}
	}
	f.Samples = nil
	for _, r := range st.Case.Facts.Samples {
		if r.Start.Before(span.End) && span.Start.Before(r.End) {
			continue // evidence from inside the incident
		}
		f.Samples = append(f.Samples, r)
	}
	without.Facts = f
	base, err := sla.Evaluate(without)
	if err != nil {
		return nil, nil, fmt.Errorf("exposure of %s: %w", st.Contract.ID, err)
	}
	with := st.Outcome
	breach := new(big.Rat)
	if with.Downtime != nil && base.Downtime != nil {
		breach.Sub(with.Downtime, base.Downtime)
	}
	return sla.Minutes(breach), new(big.Rat).Sub(with.Amount, base.Amount), nil
}
