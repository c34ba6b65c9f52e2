package adminapi

import (
	"math/big"
	"net/http"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// CreditDetail is everything behind a ledger entry's amount, as
// GET /api/admin/credits/{id} serves it and slate credits show prints it
// (credit.Explain).
type CreditDetail struct {
	Credit            Credit           `json:"credit"`
	TimeZone          string           `json:"time_zone"`
	PeriodLocal       sla.ReportPeriod `json:"period_local"` // the period in the tenant's zone
	EvidenceHashNow   string           `json:"evidence_hash_now"`
	EvidenceUnchanged bool             `json:"evidence_unchanged"`
	AmountNow         string           `json:"amount_now"`    // what the evidence stored now gives
	LedgerAmount      string           `json:"ledger_amount"` // the period's entries, voided left out
	Downtime          []Span           `json:"downtime"`
	Maintenance       []Span           `json:"maintenance"`
	Exclusions        []Span           `json:"exclusions"`
	Coverage          []LocationShare  `json:"coverage"`
	Incidents         []IncidentShare  `json:"incidents"`
	Unattributed      string           `json:"unattributed"` // the part no incident accounts for
	Entries           []Credit         `json:"entries"`
	Audit             []AuditEntry     `json:"audit"`
}

// Span is an interval of the evidence, in minutes.
type Span struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Minutes string `json:"minutes"`
	Reason  string `json:"reason,omitempty"`
}

// LocationShare is one location's coverage of the period.
type LocationShare struct {
	Location string `json:"location"`
	Percent  string `json:"coverage_percent"`
}

// IncidentShare is one incident's part of the period's credit.
type IncidentShare struct {
	ID            int64  `json:"id"`
	Service       string `json:"service"`
	Status        string `json:"status"`
	Started       any    `json:"started"`
	Ended         any    `json:"ended"`
	BreachMinutes string `json:"breach_minutes"`
	Share         string `json:"share"`
}

// AuditEntry is an audit log entry as the API serves it.
type AuditEntry struct {
	ID      int64  `json:"id"`
	At      any    `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Subject string `json:"subject"`
	Detail  string `json:"detail"`
	Hash    string `json:"hash"`
}

// AuditOf is e as the API serves it.
func AuditOf(e db.AuditEntry) AuditEntry {
	return AuditEntry{ID: e.ID, At: rfc3339(e.At), Actor: e.Actor, Action: e.Action, Subject: e.Subject, Detail: e.Detail, Hash: e.Hash}
}

func span(iv sla.Interval, reason string) Span {
	m := new(big.Rat).SetFrac64(int64(iv.End.Sub(iv.Start)), int64(time.Minute))
	return Span{Start: iv.Start.UTC().Format(time.RFC3339), End: iv.End.UTC().Format(time.RFC3339), Minutes: sla.FormatTrim(m, 2), Reason: reason}
}

// DetailOf is ex as the API serves it.
func DetailOf(ex credit.Explanation) CreditDetail {
	cur := ex.Credit.Currency
	loc := ex.Period.Location
	d := CreditDetail{Credit: CreditOf(ex.Credit), TimeZone: loc.String(),
		PeriodLocal:     sla.ReportPeriod{Start: ex.Period.Start.In(loc).Format(time.RFC3339), End: ex.Period.End.In(loc).Format(time.RFC3339)},
		EvidenceHashNow: ex.EvidenceHash, EvidenceUnchanged: ex.EvidenceHash == ex.Credit.EvidenceHash,
		AmountNow:    sla.FormatMinor(ex.Statement.Outcome.AmountMinor().Int64(), cur),
		LedgerAmount: sla.FormatMinor(ex.LedgerMinor, cur), Unattributed: sla.FormatMinor(ex.Unattributed.AmountMinor, cur),
		Downtime: []Span{}, Maintenance: []Span{}, Exclusions: []Span{}, Coverage: []LocationShare{}, Incidents: []IncidentShare{}}
	f := ex.Statement.Case.Facts
	for _, o := range f.Downtime {
		d.Downtime = append(d.Downtime, span(o.Interval, ""))
	}
	for _, m := range f.Maintenance {
		d.Maintenance = append(d.Maintenance, span(m, ""))
	}
	for _, e := range f.Exclusions {
		d.Exclusions = append(d.Exclusions, span(e.Interval, e.Reason))
	}
	for _, l := range ex.Statement.Locations {
		d.Coverage = append(d.Coverage, LocationShare{Location: l.Location, Percent: sla.FormatFixed(l.Percent(), 2)})
	}
	for _, is := range ex.Incidents {
		d.Incidents = append(d.Incidents, IncidentShare{ID: is.Incident.ID, Service: is.Incident.Service, Status: string(is.Incident.Status),
			Started: rfc3339(is.Incident.Started), Ended: rfc3339(is.Incident.Ended),
			BreachMinutes: sla.FormatTrim(is.BreachMinutes, 2), Share: sla.FormatMinor(is.AmountMinor, cur)})
	}
	for _, e := range ex.Entries {
		d.Entries = append(d.Entries, CreditOf(e))
	}
	for _, e := range ex.Audit {
		d.Audit = append(d.Audit, AuditOf(e))
	}
	return d
}

func (a *API) apiCredit(r *dashboard.AdminRequest) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c, err := a.Store.Credit(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	ex, err := credit.Explain(r.Context(), a.Store, a.Catalog(), c, a.Now())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, DetailOf(ex), nil
}
