package sla

import (
	"fmt"
	"math/big"
	"time"
)

// Measure is how downtime is measured.
type Measure string

// Measures.
const (
	MeasureTime         Measure = "time"          // the union of downtime intervals
	MeasureWeightedTime Measure = "weighted_time" // downtime weighted by the share affected
	MeasureSlices       Measure = "slices"        // fixed slices judged good or bad
	MeasureRequests     Measure = "requests"      // successful requests over all requests
)

// BadSlice is when a slice counts as bad under SliceWhole.
type BadSlice string

// Bad-slice rules.
const (
	BadSliceAny       BadSlice = "any"        // any downtime touches the slice
	BadSliceFull      BadSlice = "full"       // downtime covers all of the slice's counted time
	BadSliceErrorRate BadSlice = "error_rate" // errors/total above ErrorRateAbove percent
)

// SliceValue is how much a slice contributes to downtime.
type SliceValue string

// Slice values.
const (
	SliceWhole SliceValue = "whole" // a bad slice counts whole, a good one not at all
	SliceRatio SliceValue = "ratio" // every slice counts errors/total of its length
)

// MaintenanceRule is whether announced maintenance is excluded time.
type MaintenanceRule string

// Maintenance rules.
const (
	MaintenanceExcluded MaintenanceRule = "excluded"
	MaintenanceCounted  MaintenanceRule = "counted"
)

// ExcludedTime is what excluded time does to the denominator.
type ExcludedTime string

// Excluded-time rules.
const (
	ExcludedAvailable ExcludedTime = "available" // stays in the denominator, as available time
	ExcludedRemoved   ExcludedTime = "removed"   // leaves the denominator
)

// CreditUnit is the unit of tier credits and of the cap.
type CreditUnit string

// Credit units.
const (
	CreditPercent      CreditUnit = "percent"      // percent of the period's fee
	CreditDays         CreditUnit = "days"         // days of service
	CreditProportional CreditUnit = "proportional" // (100 - uptime) * Multiplier percent
)

// Policy is what a contract promises: the target, how downtime is measured
// and what is owed when the target is missed. Empty enum fields take their
// defaults (see WithDefaults); a nil *big.Rat means "not set".
type Policy struct {
	Target         *big.Rat        // percent; met when uptime >= Target. Required.
	Measure        Measure         // default MeasureTime
	Slice          time.Duration   // slices only: slice length, aligned to the period start
	BadSlice       BadSlice        // slices with SliceWhole: default BadSliceAny
	ErrorRateAbove *big.Rat        // percent; BadSliceErrorRate only
	SliceValue     SliceValue      // slices only: default SliceWhole
	MinOutage      time.Duration   // runs of downtime shorter than this do not count; 0 keeps all
	Maintenance    MaintenanceRule // default MaintenanceExcluded
	ExcludedTime   ExcludedTime    // default ExcludedAvailable
	CreditUnit     CreditUnit      // default CreditPercent
	Tiers          []Tier          // percent and days: the first tier holding the uptime wins
	Multiplier     *big.Rat        // proportional only; default 1
	Cap            *big.Rat        // most credit, in days for CreditDays, else percent; nil: none
}

// WithDefaults returns p with every unset enum and the multiplier filled in.
func (p Policy) WithDefaults() Policy {
	if p.Measure == "" {
		p.Measure = MeasureTime
	}
	if p.Measure == MeasureSlices {
		if p.SliceValue == "" {
			p.SliceValue = SliceWhole
		}
		if p.SliceValue == SliceWhole && p.BadSlice == "" {
			p.BadSlice = BadSliceAny
		}
	}
	if p.Maintenance == "" {
		p.Maintenance = MaintenanceExcluded
	}
	if p.ExcludedTime == "" {
		p.ExcludedTime = ExcludedAvailable
	}
	if p.CreditUnit == "" {
		p.CreditUnit = CreditPercent
	}
	if p.CreditUnit == CreditProportional && p.Multiplier == nil {
		p.Multiplier = big.NewRat(1, 1)
	}
	return p
}

// maxTiers bounds a credit schedule; real ones have three or four steps.
const maxTiers = 100

// Validate checks the policy; the error is a *FieldError whose path is
// relative to the policy ("tiers[1].uptime"). Settings that the measure or the
// credit unit would ignore are refused rather than silently dropped: a
// multiplier on a tiered policy is a mistake, not a preference.
func (p Policy) Validate() error {
	p = p.WithDefaults()
	if p.Target == nil {
		return fieldErr("target", "is required (a percentage such as \"99.9\")")
	}
	if err := percentInRange("target", p.Target); err != nil {
		return err
	}
	switch p.Measure {
	case MeasureTime, MeasureWeightedTime, MeasureSlices, MeasureRequests:
	default:
		return fieldErr("measure", fmt.Sprintf("%q is not one of time, weighted_time, slices, requests", p.Measure))
	}
	if err := p.validateSlices(); err != nil {
		return err
	}
	if p.MinOutage < 0 {
		return fieldErr("min_outage", fmt.Sprintf("%s is negative", p.MinOutage))
	}
	if p.MinOutage > 0 && (p.Measure == MeasureRequests || p.Measure == MeasureSlices && p.SliceValue == SliceRatio) {
		return fieldErr("min_outage", "has no runs of downtime to apply to with this measure")
	}
	switch p.Maintenance {
	case MaintenanceExcluded, MaintenanceCounted:
	default:
		return fieldErr("maintenance", fmt.Sprintf("%q is not one of excluded, counted", p.Maintenance))
	}
	switch p.ExcludedTime {
	case ExcludedAvailable, ExcludedRemoved:
	default:
		return fieldErr("excluded_time", fmt.Sprintf("%q is not one of available, removed", p.ExcludedTime))
	}
	return p.validateCredit()
}

func (p Policy) validateSlices() error {
	if p.Measure != MeasureSlices {
		switch {
		case p.Slice != 0:
			return fieldErr("slice", "applies only to measure slices")
		case p.BadSlice != "":
			return fieldErr("bad_slice", "applies only to measure slices")
		case p.SliceValue != "":
			return fieldErr("slice_value", "applies only to measure slices")
		case p.ErrorRateAbove != nil:
			return fieldErr("error_rate_above", "applies only to bad_slice error_rate")
		}
		return nil
	}
	if p.Slice <= 0 {
		return fieldErr("slice", fmt.Sprintf("must be a positive duration such as \"5m\" (got %s)", p.Slice))
	}
	switch p.SliceValue {
	case SliceWhole:
		switch p.BadSlice {
		case BadSliceAny, BadSliceFull, BadSliceErrorRate:
		default:
			return fieldErr("bad_slice", fmt.Sprintf("%q is not one of any, full, error_rate", p.BadSlice))
		}
	case SliceRatio:
		if p.BadSlice != "" {
			return fieldErr("bad_slice", "does not apply when slice_value is ratio (every slice counts errors/total)")
		}
	default:
		return fieldErr("slice_value", fmt.Sprintf("%q is not one of whole, ratio", p.SliceValue))
	}
	if p.BadSlice == BadSliceErrorRate {
		if p.ErrorRateAbove == nil {
			return fieldErr("error_rate_above", "is required when bad_slice is error_rate")
		}
		return percentInRange("error_rate_above", p.ErrorRateAbove)
	}
	if p.ErrorRateAbove != nil {
		return fieldErr("error_rate_above", "applies only to bad_slice error_rate")
	}
	return nil
}

func (p Policy) validateCredit() error {
	switch p.CreditUnit {
	case CreditPercent, CreditDays:
		if p.Multiplier != nil {
			return fieldErr("multiplier", "applies only to credit_unit proportional")
		}
	case CreditProportional:
		if len(p.Tiers) > 0 {
			return fieldErr("tiers", "do not apply to credit_unit proportional (the credit is (100 - uptime) * multiplier)")
		}
		if p.Multiplier.Sign() < 0 {
			return fieldErr("multiplier", fmt.Sprintf("%s is negative", FormatExact(p.Multiplier, 6)))
		}
	default:
		return fieldErr("credit_unit", fmt.Sprintf("%q is not one of percent, days, proportional", p.CreditUnit))
	}
	if len(p.Tiers) > maxTiers {
		return fieldErr("tiers", fmt.Sprintf("has %d tiers; at most %d", len(p.Tiers), maxTiers))
	}
	for i, t := range p.Tiers {
		f := fmt.Sprintf("tiers[%d]", i)
		if t.Uptime.Lo == nil || t.Uptime.Hi == nil {
			return fieldErr(f+".uptime", "is required (an interval such as \"[99, 99.9)\")")
		}
		if t.Credit == nil {
			return fieldErr(f+".credit", "is required")
		}
		if t.Credit.Sign() < 0 {
			return fieldErr(f+".credit", fmt.Sprintf("%s is negative", FormatExact(t.Credit, 6)))
		}
		for j := range i {
			if t.Uptime.Overlaps(p.Tiers[j].Uptime) {
				return fieldErr(f+".uptime", fmt.Sprintf("%s overlaps tiers[%d].uptime %s", t.Uptime, j, p.Tiers[j].Uptime))
			}
		}
	}
	if p.Cap != nil && p.Cap.Sign() < 0 {
		return fieldErr("cap", fmt.Sprintf("%s is negative", FormatExact(p.Cap, 6)))
	}
	return nil
}

func percentInRange(field string, r *big.Rat) error {
	if r.Sign() < 0 || r.Cmp(hundred()) > 0 {
		return fieldErr(field, fmt.Sprintf("%s is not a percentage between 0 and 100", FormatExact(r, 6)))
	}
	return nil
}
