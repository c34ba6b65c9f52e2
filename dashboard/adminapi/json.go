package adminapi

import (
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// Every JSON slate prints or serves uses snake_case keys and one name for
// one field: a credit here has the names slate report and slate calc give
// the same figures (period_name, period {start, end}, downtime_minutes,
// coverage_flagged, credit_amount), and slate credits list --format json
// prints this very shape.

// Credit is a ledger entry as the admin API serves it and the command line
// prints it.
type Credit struct {
	ID              int64            `json:"id"`
	Tenant          string           `json:"tenant"`
	Contract        string           `json:"contract"`
	PeriodName      string           `json:"period_name"`
	Period          sla.ReportPeriod `json:"period"`
	Kind            string           `json:"kind"`
	Adjusts         *int64           `json:"adjusts"` // the entry an adjustment corrects; null for a credit
	State           string           `json:"state"`
	UptimePercent   string           `json:"uptime_percent"`
	DowntimeMinutes string           `json:"downtime_minutes"`
	CreditPercent   string           `json:"credit_percent"`
	CoveragePercent string           `json:"coverage_percent"`
	CoverageFlagged bool             `json:"coverage_flagged"`
	CreditAmount    string           `json:"credit_amount"` // in the currency's minor unit's places: "96.77"
	Currency        string           `json:"currency"`
	EvidenceHash    string           `json:"evidence_hash"`
	Reason          any              `json:"reason"` // why it was voided; null otherwise
	CreatedAt       any              `json:"created_at"`
	UpdatedAt       any              `json:"updated_at"`
}

// CreditOf is c as the API serves it.
func CreditOf(c db.Credit) Credit {
	var adj *int64
	if c.Adjusts != 0 {
		adj = &c.Adjusts
	}
	return Credit{ID: c.ID, Tenant: c.Tenant, Contract: c.Contract, PeriodName: c.Period,
		Period: sla.ReportPeriod{Start: c.PeriodStart.UTC().Format(time.RFC3339Nano), End: c.PeriodEnd.UTC().Format(time.RFC3339Nano)},
		Kind:   c.Kind, Adjusts: adj, State: string(c.State), UptimePercent: c.UptimePercent, DowntimeMinutes: c.BreachMinutes,
		CreditPercent: c.CreditPercent, CoveragePercent: c.CoveragePercent, CoverageFlagged: c.Flagged,
		CreditAmount: sla.FormatMinor(c.AmountMinor, c.Currency), Currency: c.Currency, EvidenceHash: c.EvidenceHash,
		Reason: nullable(c.Reason), CreatedAt: rfc3339(c.CreatedAt), UpdatedAt: rfc3339(c.UpdatedAt)}
}
