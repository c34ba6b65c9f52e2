package credit

import (
	"fmt"
	"math/big"

	"github.com/slatehq/slate/sla"
)

// Exposure is what the evidence inside span alone means for a contract's
// period: the breach minutes it accounts for and the credit it moves, found
// by evaluating the statement's case again without that evidence. Both are
// exact; amount is in the fee's currency. Exposures of overlapping spans
// overlap, so they do not add up: Attribute splits a period's credit into
// parts that do.
func Exposure(st Statement, span sla.Interval) (breachMinutes, amount *big.Rat, err error) {
	base, err := evaluateWithout(st, []sla.Interval{span})
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
