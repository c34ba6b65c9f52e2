package sla

import (
	"math/big"
	"time"
)

// Report is an Outcome formatted as the SLA-case output: exact decimals as
// strings, rounded half-up only here. Field order and names are the
// format's; nil pointers encode as JSON null.
type Report struct {
	Period          ReportPeriod `json:"period"`
	PeriodMinutes   string       `json:"period_minutes"`
	EligibleMinutes string       `json:"eligible_minutes"`
	DowntimeMinutes *string      `json:"downtime_minutes"`
	ExcludedMinutes string       `json:"excluded_minutes"`
	UptimePercent   string       `json:"uptime_percent"`
	UptimeExact     string       `json:"uptime_exact"`
	TargetMet       bool         `json:"target_met"`
	CreditPercent   string       `json:"credit_percent"`
	CreditDays      *string      `json:"credit_days"`
	CreditAmount    string       `json:"credit_amount"`
	Currency        string       `json:"currency"`
}

// ReportPeriod gives the period's bounds in UTC, RFC 3339.
type ReportPeriod struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Decimal places of the output format.
const (
	minutePlaces  = 6 // minute figures that do not terminate
	percentPlaces = 4 // uptime_percent (fixed) and credit_percent
)

// Report formats the outcome.
func (o Outcome) Report() Report {
	r := Report{
		Period: ReportPeriod{
			Start: o.Period.Start.UTC().Format(time.RFC3339Nano),
			End:   o.Period.End.UTC().Format(time.RFC3339Nano),
		},
		PeriodMinutes:   formatMinutes(big.NewRat(int64(o.PeriodTime), 1)),
		EligibleMinutes: formatMinutes(big.NewRat(int64(o.EligibleTime), 1)),
		ExcludedMinutes: formatMinutes(big.NewRat(int64(o.ExcludedTime), 1)),
		UptimePercent:   FormatFixed(o.Uptime, percentPlaces),
		UptimeExact:     FractionString(o.Uptime),
		TargetMet:       o.TargetMet,
		CreditPercent:   FormatTrim(o.Credit.Percent, percentPlaces),
		CreditAmount:    FormatFixed(o.Amount, MinorUnits(o.Currency)),
		Currency:        o.Currency,
	}
	if o.Downtime != nil {
		s := formatMinutes(o.Downtime)
		r.DowntimeMinutes = &s
	}
	if o.Credit.Days != nil {
		s := FormatExact(o.Credit.Days, minutePlaces)
		r.CreditDays = &s
	}
	return r
}

// AmountMinor is the credit amount rounded half-up to the currency's minor
// unit, in minor units (cents for USD): what a ledger records.
func (o Outcome) AmountMinor() *big.Int { return RoundHalfUp(o.Amount, MinorUnits(o.Currency)) }

// Minutes converts nanoseconds to minutes, exactly.
func Minutes(ns *big.Rat) *big.Rat { return new(big.Rat).Quo(ns, big.NewRat(int64(time.Minute), 1)) }

func formatMinutes(ns *big.Rat) string { return FormatExact(Minutes(ns), minutePlaces) }
