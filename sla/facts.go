package sla

import (
	"fmt"
	"math/big"
	"math/bits"
	"time"
)

// Outage is an interval during which the service was down for a share of its
// users. Affected nil means the whole service (a share of 1).
type Outage struct {
	Interval
	Affected *big.Rat // share in [0, 1]; weighted_time only
}

// SampleRun says that every slice overlapping [Start, End) saw Total requests
// (or probe runs), Errors of which failed. Runs that overlap add up. Monitoring
// emits one run per minute of evidence.
type SampleRun struct {
	Interval
	Total, Errors int64
}

// Exclusion is time the contract excludes (customer-caused, force majeure,
// announced maintenance recorded by hand), with the reason on record.
type Exclusion struct {
	Interval
	Reason string
}

// Requests are the counts behind a requests-measured SLA.
type Requests struct {
	Total, Failed int64
}

// Facts are what was observed in a period. All intervals are half-open and may
// extend beyond the period; the engine clips them.
type Facts struct {
	Downtime    []Outage
	Samples     []SampleRun
	Maintenance []Interval
	Exclusions  []Exclusion
	Active      []Interval // only this time counts; empty means the whole period
	Requests    *Requests  // measure requests only
}

// validate checks the facts against the (defaulted) policy; paths are relative
// to the facts ("downtime[3]"). Field names are built only for a refusal: a
// month of per-minute evidence holds tens of thousands of facts.
func (f Facts) validate(p Policy) error {
	for i, o := range f.Downtime {
		if err := checkInterval("downtime", i, o.Interval); err != nil {
			return err
		}
		if o.Affected == nil {
			continue
		}
		field := func() string { return fmt.Sprintf("downtime[%d].affected", i) }
		if o.Affected.Sign() < 0 || o.Affected.Num().Cmp(o.Affected.Denom()) > 0 {
			return fieldErr(field(), fmt.Sprintf("%s is not a share between 0 and 1", FormatExact(o.Affected, 6)))
		}
	}
	var sum uint64
	for i, s := range f.Samples {
		if err := checkInterval("samples", i, s.Interval); err != nil {
			return err
		}
		field := func(name string) string { return fmt.Sprintf("samples[%d].%s", i, name) }
		switch {
		case s.Total < 0:
			return fieldErr(field("total"), fmt.Sprintf("%d is negative", s.Total))
		case s.Errors < 0:
			return fieldErr(field("errors"), fmt.Sprintf("%d is negative", s.Errors))
		case s.Errors > s.Total:
			return fieldErr(field("errors"), fmt.Sprintf("%d is greater than total %d", s.Errors, s.Total))
		}
		// Counts that add up past int64 could not be summed exactly per slice.
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(s.Total), 0)
		if carry != 0 || sum > 1<<63-1 {
			return fieldErr(field("total"), "the totals of all samples add up past 9223372036854775807")
		}
	}
	for i, iv := range f.Maintenance {
		if err := checkInterval("maintenance", i, iv); err != nil {
			return err
		}
	}
	for i, e := range f.Exclusions {
		if err := checkInterval("exclusions", i, e.Interval); err != nil {
			return err
		}
	}
	for i, iv := range f.Active {
		if err := checkInterval("active", i, iv); err != nil {
			return err
		}
	}
	if r := f.Requests; r != nil {
		switch {
		case r.Total < 0:
			return fieldErr("requests.total", fmt.Sprintf("%d is negative", r.Total))
		case r.Failed < 0:
			return fieldErr("requests.failed", fmt.Sprintf("%d is negative", r.Failed))
		case r.Failed > r.Total:
			return fieldErr("requests.failed", fmt.Sprintf("%d is greater than total %d", r.Failed, r.Total))
		}
	}
	return f.validateUse(p)
}

// validateUse refuses facts that the policy's measure would ignore: a case
// whose facts do not count is a mistake, and answering it would be a guess.
func (f Facts) validateUse(p Policy) error {
	usesDowntime := p.Measure == MeasureTime || p.Measure == MeasureWeightedTime ||
		p.Measure == MeasureSlices && p.SliceValue == SliceWhole && p.BadSlice != BadSliceErrorRate
	usesSamples := p.Measure == MeasureSlices && !usesDowntime
	switch {
	case len(f.Downtime) > 0 && !usesDowntime:
		return fieldErr("downtime", "is not used by "+p.describeMeasure()+"; give "+p.usedFacts())
	case len(f.Samples) > 0 && !usesSamples:
		return fieldErr("samples", "are not used by "+p.describeMeasure()+"; give "+p.usedFacts())
	case f.Requests != nil && p.Measure != MeasureRequests:
		return fieldErr("requests", "are not used by "+p.describeMeasure()+"; give "+p.usedFacts())
	case f.Requests == nil && p.Measure == MeasureRequests:
		return fieldErr("requests", "are required by measure requests")
	}
	return nil
}

func (p Policy) describeMeasure() string {
	switch {
	case p.Measure == MeasureSlices && p.SliceValue == SliceRatio:
		return "measure slices with slice_value ratio"
	case p.Measure == MeasureSlices:
		return "measure slices with bad_slice " + string(p.BadSlice)
	}
	return "measure " + string(p.Measure)
}

func (p Policy) usedFacts() string {
	switch {
	case p.Measure == MeasureRequests:
		return "facts.requests"
	case p.Measure == MeasureSlices && (p.SliceValue == SliceRatio || p.BadSlice == BadSliceErrorRate):
		return "facts.samples"
	}
	return "facts.downtime"
}

// checkInterval checks the i-th interval of the list named list.
func checkInterval(list string, i int, iv Interval) error {
	field := func() string { return fmt.Sprintf("%s[%d]", list, i) }
	if iv.End.Before(iv.Start) {
		return fieldErr(field(), fmt.Sprintf("end %s is before start %s", iv.End.UTC().Format(time.RFC3339Nano), iv.Start.UTC().Format(time.RFC3339Nano)))
	}
	if err := CheckInstant(iv.Start); err != nil {
		return fieldErr(field()+".start", err.Error())
	}
	if err := CheckInstant(iv.End); err != nil {
		return fieldErr(field()+".end", err.Error())
	}
	return nil
}

// CheckInstant refuses instants that Unix nanoseconds, the engine's unit,
// cannot hold: before 1678 or after 2262. Whatever takes a time that will
// reach the engine (a maintenance window, an exclusion) checks it with
// this at its edge, so that a time the engine would refuse is refused
// when it is entered, not at every computation after.
func CheckInstant(t time.Time) error {
	if s := t.Unix(); s > -9_223_372_036 && s < 9_223_372_036 {
		return nil // well inside: the common case, without building bounds
	}
	if t.Before(time.Unix(0, -1<<63+1)) || t.After(time.Unix(0, 1<<63-1)) {
		return fmt.Errorf("%s is outside the years 1678 to 2262", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// isOne reports whether r is 1, without allocating.
func isOne(r *big.Rat) bool { return r.IsInt() && r.Num().IsInt64() && r.Num().Int64() == 1 }

// one and hundred are fresh constants; the engine never keeps a *big.Rat in
// package state, where a stray Set would change every later answer.
func one() *big.Rat     { return big.NewRat(1, 1) }
func hundred() *big.Rat { return big.NewRat(100, 1) }
