package sla

import (
	"math/big"
	"time"
)

// Budget is a period's error budget, as the SRE workbook defines it: the
// downtime the target allows over the eligible time, and how much of it is
// spent. All figures are exact.
type Budget struct {
	Allowed *big.Rat // downtime the target allows, nanoseconds: eligible * (1 - target/100)
	Spent   *big.Rat // downtime so far, nanoseconds
}

// ErrorBudget is the budget of a period whose eligible time is eligible
// under target (percent), with downtime spent so far.
func ErrorBudget(target *big.Rat, eligible time.Duration, downtime *big.Rat) Budget {
	allowed := new(big.Rat).Sub(hundred(), target)
	allowed.Mul(allowed, big.NewRat(int64(eligible), 100))
	return Budget{Allowed: allowed, Spent: new(big.Rat).Set(downtime)}
}

// SpentRatio is the share of the budget spent: 0 untouched, 1 exhausted,
// above 1 overspent. A zero budget (a 100% target) is exhausted by any
// downtime and untouched without.
func (b Budget) SpentRatio() *big.Rat {
	if b.Allowed.Sign() == 0 {
		if b.Spent.Sign() > 0 {
			return one()
		}
		return new(big.Rat)
	}
	return new(big.Rat).Quo(b.Spent, b.Allowed)
}

// RemainingRatio is 1 - SpentRatio: negative once the budget is overspent.
func (b Budget) RemainingRatio() *big.Rat {
	return new(big.Rat).Sub(one(), b.SpentRatio())
}

// BurnRate is how fast a window spends the budget: the share of the window
// that was bad, divided by the share the target allows (1 - target/100). A
// rate of 1 spends exactly the budget over a period; 14.4 spends 2% of a
// 30-day budget in one hour. ok is false when the rate is undefined: an
// empty window, or a 100% target, which allows no bad time at all.
func BurnRate(target *big.Rat, bad, window time.Duration) (rate *big.Rat, ok bool) {
	allowed := new(big.Rat).Sub(hundred(), target)
	if window <= 0 || allowed.Sign() <= 0 {
		return nil, false
	}
	r := big.NewRat(int64(bad), int64(window))
	r.Mul(r, hundred())
	return r.Quo(r, allowed), true
}

// Window counts the minutes of states that are evidence for a burn rate: down
// minutes are bad; unknown and maintenance minutes are not evidence either
// way and leave the window.
func Window(states []State) (bad, counted time.Duration) {
	for _, s := range states {
		switch s {
		case StateDown:
			bad += time.Minute
			counted += time.Minute
		case StateUp, StateDegraded:
			counted += time.Minute
		}
	}
	return bad, counted
}

// BurnWindows are the windows of the SRE workbook's multi-window,
// multi-burn-rate alerts, shortest first.
func BurnWindows() []time.Duration {
	return []time.Duration{5 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour, 72 * time.Hour}
}
