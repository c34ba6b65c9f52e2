package credit

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// CoverageUnreachable reports whether the statement of a period so far can
// no longer reach the contract's coverage threshold by the period's end,
// even with evidence for every minute left: the period will be flagged
// whatever happens now. Early in a period a few uncovered minutes flag it,
// yet most of it is still to come; this is when missing evidence has
// cost the period for good.
func (s Statement) CoverageUnreachable() bool {
	total := int64(s.Period.End.Sub(s.Period.Start) / time.Minute)
	if total <= 0 {
		return false
	}
	left := total - int64(s.Coverage.Minutes)
	best := new(big.Rat).SetFrac64((int64(s.Coverage.Covered)+max(left, 0))*100, total)
	return best.Cmp(s.Contract.coverageThreshold()) < 0
}

// ReportedBefore reports whether every one of checks has evidence in
// [from, to): a contract whose checks had none before its period began is
// in its first period, the warm-up in which its coverage cannot be judged.
func ReportedBefore(ctx context.Context, h History, checks []Check, from, to time.Time) (bool, error) {
	for _, ch := range checks {
		rh, err := h.MinuteRuns(ctx, ch.ID, from, to)
		switch {
		case errors.Is(err, sla.ErrNoEvidence):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("evidence of %s: %w", ch.ID, err)
		}
		if !hasRuns(rh) {
			return false, nil
		}
	}
	return true, nil
}

// hasRuns reports whether any location of rh has a minute with runs.
func hasRuns(rh sla.RunHistory) bool {
	for _, runs := range rh.Runs {
		for _, r := range runs {
			if r.Count > 0 && r.Minute.Runs() > 0 {
				return true
			}
		}
	}
	return false
}
