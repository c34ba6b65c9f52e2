package credit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// ExplainSource is what Explain reads; db.DB satisfies it.
type ExplainSource interface {
	ImpactHistory
	Credits(ctx context.Context, f store.CreditFilter) ([]store.Credit, error)
	AuditOf(ctx context.Context, subject string) ([]store.AuditEntry, error)
}

// Explanation is everything behind a ledger entry's amount, as the
// console's credit page, the admin API and slate credits show give it.
type Explanation struct {
	Credit   store.Credit
	Tenant   catalog.Tenant
	Contract catalog.Contract
	// Period is the entry's period in the tenant's zone.
	Period sla.Period
	// Statement is the period computed again from the evidence stored
	// now; its Case is the SLA case (slacase.Encode) and EvidenceHash
	// its hash, equal to the entry's while the evidence is unchanged.
	Statement    Statement
	EvidenceHash string
	Timeline     []sla.StateRun // the contract's minutes from Period.Start
	Unattributed Share          // the part no incident accounts for
	Incidents    []IncidentShare
	// Entries are the period's ledger entries, the credit and its
	// adjustments, oldest first; LedgerMinor their amounts' sum
	// (voided ones left out).
	Entries     []store.Credit
	LedgerMinor int64
	Audit       []store.AuditEntry // of every entry of the period, oldest first
}

// Explain explains ledger entry c against the running catalogue cat, as of
// now.
func Explain(ctx context.Context, src ExplainSource, cat *catalog.Catalog, c store.Credit, now time.Time) (Explanation, error) {
	ex := Explanation{Credit: c}
	k, ok := cat.Contract(c.Contract)
	if !ok {
		return ex, fmt.Errorf("explain credit %d: contract %s is no longer in the configuration", c.ID, c.Contract)
	}
	ex.Contract = k
	ex.Tenant, _ = cat.Tenant(c.Tenant)
	ex.Period = sla.Period{Start: c.PeriodStart, End: c.PeriodEnd, Location: cat.Zone(c.Tenant)}
	st, un, incs, err := PeriodShares(ctx, src, cat, k, ex.Period, now)
	if err != nil {
		return ex, fmt.Errorf("explain credit %d: %w", c.ID, err)
	}
	ex.Statement, ex.Unattributed, ex.Incidents = st, un, incs
	if ex.EvidenceHash, err = EvidenceHash(st); err != nil {
		return ex, err
	}
	if ex.Timeline, err = Timeline(ctx, src, st.Contract, ex.Period, now); err != nil {
		return ex, fmt.Errorf("explain credit %d: %w", c.ID, err)
	}
	entries, err := src.Credits(ctx, store.CreditFilter{Tenant: c.Tenant, Contract: c.Contract, Period: c.Period})
	if err != nil {
		return ex, fmt.Errorf("explain credit %d: %w", c.ID, err)
	}
	for _, e := range entries { // by ID: the credit, then its adjustments
		ex.Entries = append(ex.Entries, e)
		if e.State != store.CreditVoided {
			ex.LedgerMinor += e.AmountMinor
		}
		trail, err := src.AuditOf(ctx, store.CreditSubject(e.ID))
		if err != nil {
			return ex, fmt.Errorf("explain credit %d: %w", c.ID, err)
		}
		ex.Audit = append(ex.Audit, trail...)
	}
	slices.SortFunc(ex.Audit, func(a, b store.AuditEntry) int { return cmp.Compare(a.ID, b.ID) })
	return ex, nil
}
