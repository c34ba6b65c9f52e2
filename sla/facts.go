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
// to the facts ("downtime[3]").
func (f Facts) validate(p Policy) error {
	for i, o := range f.Downtime {
		field := fmt.Sprintf("downtime[%d]", i)
		if err := checkInterval(field, o.Interval); err != nil {
			return err
		}
		if o.Affected == nil {
			continue
		}
		if o.Affected.Sign() < 0 || o.Affected.Cmp(one()) > 0 {
			return fieldErr(field+".affected", fmt.Sprintf("%s is not a share between 0 and 1", FormatExact(o.Affected, 6)))
		}
		if p.Measure != MeasureWeightedTime && o.Affected.Cmp(one()) != 0 {
			return fieldErr(field+".affected", fmt.Sprintf("a share of %s only counts with measure weighted_time (measure is %s)", FormatExact(o.Affected, 6), p.Measure))
		}
	}
	var sum uint64
	for i, s := range f.Samples {
		field := fmt.Sprintf("samples[%d]", i)
		if err := checkInterval(field, s.Interval); err != nil {
			return err
		}
		switch {
		case s.Total < 0:
			return fieldErr(field+".total", fmt.Sprintf("%d is negative", s.Total))
		case s.Errors < 0:
			return fieldErr(field+".errors", fmt.Sprintf("%d is negative", s.Errors))
		case s.Errors > s.Total:
			return fieldErr(field+".errors", fmt.Sprintf("%d is greater than total %d", s.Errors, s.Total))
		}
		// Counts that add up past int64 could not be summed exactly per slice.
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(s.Total), 0)
		if carry != 0 || sum > 1<<63-1 {
			return fieldErr(field+".total", "the totals of all samples add up past 9223372036854775807")
		}
	}
	for i, iv := range f.Maintenance {
		if err := checkInterval(fmt.Sprintf("maintenance[%d]", i), iv); err != nil {
			return err
		}
	}
	for i, e := range f.Exclusions {
		if err := checkInterval(fmt.Sprintf("exclusions[%d]", i), e.Interval); err != nil {
			return err
		}
	}
	for i, iv := range f.Active {
		if err := checkInterval(fmt.Sprintf("active[%d]", i), iv); err != nil {
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

func checkInterval(field string, iv Interval) error {
	if iv.End.Before(iv.Start) {
		return fieldErr(field, fmt.Sprintf("end %s is before start %s", iv.End.UTC().Format(time.RFC3339Nano), iv.Start.UTC().Format(time.RFC3339Nano)))
	}
	if err := checkInstant(iv.Start); err != nil {
		return fieldErr(field+".start", err.Error())
	}
	if err := checkInstant(iv.End); err != nil {
		return fieldErr(field+".end", err.Error())
	}
	return nil
}

// checkInstant refuses instants that Unix nanoseconds, the engine's unit,
// cannot hold: before 1678 or after 2262.
func checkInstant(t time.Time) error {
	if t.Before(time.Unix(0, -1<<63+1)) || t.After(time.Unix(0, 1<<63-1)) {
		return fmt.Errorf("%s is outside the years 1678 to 2262", t.UTC().Format(time.RFC3339))
	}
	return nil
}

// one and hundred are fresh constants; the engine never keeps a *big.Rat in
// package state, where a stray Set would change every later answer.
func one() *big.Rat     { return big.NewRat(1, 1) }
func hundred() *big.Rat { return big.NewRat(100, 1) }
