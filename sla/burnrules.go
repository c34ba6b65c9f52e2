package sla

import (
	"fmt"
	"math/big"
	"strings"
	"time"
)

// BurnRule is one of the SRE workbook's multi-window, multi-burn-rate
// alerts: Share of a period's error budget spent within Long, confirmed
// over Short.
type BurnRule struct {
	Name        string
	Share       *big.Rat
	Long, Short time.Duration
	Severity    string // "page" or "ticket"
}

// BurnRules are the workbook's three rules: page when 2% of the budget
// burns in 1 h (and also over 5 m) or 5% in 6 h (and also over 30 m);
// ticket when 10% burns in 3 d (and also over 6 h). Both slate's own
// alerts and the Prometheus rules slate prints apply them.
func BurnRules() []BurnRule {
	return []BurnRule{
		{"SLOBudgetBurnFast", big.NewRat(2, 100), time.Hour, 5 * time.Minute, "page"},
		{"SLOBudgetBurnMedium", big.NewRat(5, 100), 6 * time.Hour, 30 * time.Minute, "page"},
		{"SLOBudgetBurnSlow", big.NewRat(10, 100), 72 * time.Hour, 6 * time.Hour, "ticket"},
	}
}

// BurnPeriod is the nominal length of a contract's period for the burn
// rules: a month is taken as 30 days, a quarter as 91, so that a rule's
// threshold does not change with the month's length.
func BurnPeriod(quarterly bool) time.Duration {
	if quarterly {
		return 91 * 24 * time.Hour
	}
	return 30 * 24 * time.Hour
}

// Threshold is the burn rate at which the rule's share of a period's
// budget is spent within its long window: share * period / long. For 2% in
// an hour of a 30-day month it is 14.4.
func (r BurnRule) Threshold(period time.Duration) *big.Rat {
	return new(big.Rat).Mul(r.Share, big.NewRat(int64(period), int64(r.Long)))
}

// Firing reports whether the rule fires on burn rates by window: both its
// windows burn faster than the threshold for period.
func (r BurnRule) Firing(rates map[time.Duration]*big.Rat, period time.Duration) bool {
	th := r.Threshold(period)
	above := func(x *big.Rat) bool { return x != nil && x.Cmp(th) > 0 }
	return above(rates[r.Long]) && above(rates[r.Short])
}

// WindowName writes a window as Prometheus does: 5m, 30m, 1h, 6h, 1d, 3d.
func WindowName(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// Percent writes the rule's share as a percentage: "2%".
func (r BurnRule) Percent() string {
	return strings.TrimSuffix(FormatTrim(new(big.Rat).Mul(r.Share, big.NewRat(100, 1)), 2), ".") + "%"
}
