package sla

import (
	"math/big"
	"time"
)

// Outcome is what the engine concludes for one case. Every figure is exact;
// Report rounds them for output.
type Outcome struct {
	Period       Period
	PeriodTime   time.Duration // exact elapsed time of the period
	EligibleTime time.Duration // the denominator of uptime
	ExcludedTime time.Duration // exclusions (and maintenance, when excluded) inside active time
	Downtime     *big.Rat      // nanoseconds, possibly fractional (weighted, ratio); nil for measure requests
	Uptime       *big.Rat      // percent
	TargetMet    bool
	Credit       Credit
	Amount       *big.Rat // fee * credit percent / 100, before rounding to the currency's minor unit
	Currency     string
}

// Evaluate validates c and computes its outcome, following the SLA-case
// semantics step by step: period, active time, excluded time, downtime by
// measure, eligible time, uptime, credit. A case that cannot be computed
// honestly is refused with a *FieldError.
func Evaluate(c Case) (Outcome, error) {
	if err := c.Validate(); err != nil {
		return Outcome{}, err
	}
	p := c.Policy.WithDefaults()
	f := c.Facts
	per := toSpan(c.Period.Interval())

	// 2. Active time: the union of facts.active clipped to the period.
	active := []span{per}
	if len(f.Active) > 0 {
		active = intersect(normalize(spansOf(f.Active)), active)
	}

	// 3. Excluded time X, clipped to active time.
	xs := make([]span, 0, len(f.Exclusions)+len(f.Maintenance))
	for _, e := range f.Exclusions {
		xs = append(xs, toSpan(e.Interval))
	}
	if p.Maintenance == MaintenanceExcluded {
		for _, m := range f.Maintenance {
			xs = append(xs, toSpan(m))
		}
	}
	excluded := intersect(normalize(xs), active)
	// Where downtime can count: active time outside X.
	allowed := subtract(active, excluded)

	// 5. Eligible time.
	eligible := total(active)
	if p.ExcludedTime == ExcludedRemoved {
		eligible -= total(excluded)
	}

	o := Outcome{
		Period:       c.Period,
		PeriodTime:   time.Duration(per.len()),
		EligibleTime: time.Duration(eligible),
		ExcludedTime: time.Duration(total(excluded)),
		Currency:     c.Fee.Currency,
	}

	// 4 and 6. Downtime and uptime.
	if p.Measure == MeasureRequests {
		o.Uptime = requestUptime(*f.Requests)
	} else {
		o.Downtime = downtime(p, per, allowed, f)
		if o.Downtime.Cmp(new(big.Rat).SetInt64(eligible)) > 0 {
			// Whole slices can reach past the eligible time (a bad slice
			// that was only partly active); uptime never goes below zero.
			o.Downtime.SetInt64(eligible)
		}
		o.Uptime = timeUptime(eligible, o.Downtime)
	}

	// 7. Credit.
	o.TargetMet = Met(p, o.Uptime)
	o.Credit = CreditFor(p, o.Uptime, c.Period.Days())
	o.Amount = Amount(c.Fee.Amount, o.Credit.Percent)
	return o, nil
}

func spansOf(ivs []Interval) []span {
	ss := make([]span, len(ivs))
	for i, iv := range ivs {
		ss[i] = toSpan(iv)
	}
	return ss
}

// timeUptime is (eligible - down) / eligible * 100, and 100 when nothing is
// eligible.
func timeUptime(eligible int64, down *big.Rat) *big.Rat {
	if eligible <= 0 {
		return hundred()
	}
	e := new(big.Rat).SetInt64(eligible)
	u := new(big.Rat).Sub(e, down)
	u.Quo(u, e)
	return u.Mul(u, hundred())
}

// requestUptime is (total - failed) / total * 100, and 100 without requests.
func requestUptime(r Requests) *big.Rat {
	if r.Total == 0 {
		return hundred()
	}
	u := big.NewRat(r.Total-r.Failed, r.Total)
	return u.Mul(u, hundred())
}

// downtime is step 4 of the semantics for the time-based measures, in
// nanoseconds.
func downtime(p Policy, per span, allowed []span, f Facts) *big.Rat {
	switch p.Measure {
	case MeasureWeightedTime:
		if !allWhole(f.Downtime) {
			return weightedDowntime(f.Downtime, allowed, int64(p.MinOutage))
		}
		fallthrough // every share is 1: the same as measure time
	case MeasureTime:
		d := dropShort(intersect(outageSpans(f.Downtime), allowed), int64(p.MinOutage))
		return new(big.Rat).SetInt64(total(d))
	default: // MeasureSlices
		return sliceDowntime(p, per, allowed, f)
	}
}

// outageSpans is the union of the outages, regardless of their shares.
func outageSpans(os []Outage) []span {
	ss := make([]span, len(os))
	for i, o := range os {
		ss[i] = toSpan(o.Interval)
	}
	return normalize(ss)
}

func allWhole(os []Outage) bool {
	for _, o := range os {
		if o.Affected != nil && !isOne(o.Affected) {
			return false
		}
	}
	return true
}
