package sla

import (
	"fmt"
	"math/big"
	"time"
)

// Money is an exact amount in a currency (ISO 4217 code).
type Money struct {
	Amount   *big.Rat
	Currency string
}

// MinorUnits is the number of decimals of currency's minor unit: 2 for USD
// and EUR, 0 for JPY, 3 for KWD (ISO 4217).
func MinorUnits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
		"UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}

// validCurrency reports whether c looks like an ISO 4217 code.
func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// Case is one policy, one measurement period and the facts observed in it:
// everything the engine needs to say what is owed.
type Case struct {
	Title  string
	Policy Policy
	Period Period
	Fee    Money
	Facts  Facts
}

// maxSlices bounds the slices of one period (a year of one-minute slices is
// 525,600), so that a typo such as "1ns" is refused instead of exhausting
// memory.
const maxSlices = 5_000_000

// Validate checks the whole case; the error is a *FieldError with a path in
// the SLA-case layout ("policy.tiers[1].uptime", "facts.downtime[3]").
func (c Case) Validate() error {
	if err := c.Policy.Validate(); err != nil {
		return WithPrefix("policy", err)
	}
	p := c.Policy.WithDefaults()
	if err := c.validatePeriod(p); err != nil {
		return err
	}
	switch {
	case c.Fee.Amount == nil:
		return fieldErr("fee.amount", "is required")
	case c.Fee.Amount.Sign() < 0:
		return fieldErr("fee.amount", fmt.Sprintf("%s is negative", FormatExact(c.Fee.Amount, 6)))
	case c.Fee.Currency == "":
		return fieldErr("fee.currency", "is required (an ISO 4217 code such as \"USD\")")
	case !validCurrency(c.Fee.Currency):
		return fieldErr("fee.currency", fmt.Sprintf("%q is not an ISO 4217 code such as \"USD\"", c.Fee.Currency))
	}
	return WithPrefix("facts", c.Facts.validate(p))
}

func (c Case) validatePeriod(p Policy) error {
	per := c.Period
	if err := CheckInstant(per.Start); err != nil {
		return fieldErr("period.start", err.Error())
	}
	if err := CheckInstant(per.End); err != nil {
		return fieldErr("period.end", err.Error())
	}
	if !per.End.After(per.Start) {
		return fieldErr("period.end", fmt.Sprintf("%s is not after start %s", per.End.UTC().Format(time.RFC3339Nano), per.Start.UTC().Format(time.RFC3339Nano)))
	}
	if p.Measure == MeasureSlices {
		// Ceiling division; Slice > 0 was checked with the policy.
		d := int64(per.Duration())
		n := d / int64(p.Slice)
		if d%int64(p.Slice) != 0 {
			n++
		}
		if n > maxSlices {
			return fieldErr("policy.slice", fmt.Sprintf("%s cuts the period into %d slices; at most %d", p.Slice, n, maxSlices))
		}
	}
	return nil
}
