package sla

import "math/big"

// Credit is what a policy owes for one uptime figure.
type Credit struct {
	Tier    int      // index of the tier that holds the uptime; -1 when none does (or proportional)
	Percent *big.Rat // credit as a percentage of the period's fee, after the cap
	Days    *big.Rat // days of service, after the cap; nil unless CreditDays
}

// CreditFor is the credit p owes at uptime (a percentage) in a period of
// periodDays calendar days. The result is exact; the cap applies in the
// policy's credit unit, and a days credit becomes a percentage as
// days / periodDays * 100.
func CreditFor(p Policy, uptime *big.Rat, periodDays int) Credit {
	p = p.WithDefaults()
	c := Credit{Tier: -1, Percent: new(big.Rat)}
	var raw *big.Rat
	switch p.CreditUnit {
	case CreditProportional:
		raw = new(big.Rat).Sub(hundred(), uptime)
		raw.Mul(raw, p.Multiplier)
		if raw.Sign() < 0 {
			raw.SetInt64(0)
		}
	default:
		raw = new(big.Rat)
		for i, t := range p.Tiers {
			if t.Uptime.Contains(uptime) {
				c.Tier = i
				raw.Set(t.Credit)
				break
			}
		}
	}
	if p.Cap != nil && raw.Cmp(p.Cap) > 0 {
		raw.Set(p.Cap)
	}
	if p.CreditUnit != CreditDays {
		c.Percent = raw
		return c
	}
	c.Days = raw
	if periodDays > 0 {
		c.Percent.Quo(raw, big.NewRat(int64(periodDays), 100))
	}
	return c
}

// Met reports whether uptime (a percentage) meets the policy's target.
func Met(p Policy, uptime *big.Rat) bool { return uptime.Cmp(p.Target) >= 0 }

// Amount is fee * percent / 100, exact.
func Amount(fee *big.Rat, percent *big.Rat) *big.Rat {
	a := new(big.Rat).Mul(fee, percent)
	return a.Quo(a, hundred())
}
