package monitor

import (
	"context"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// LedgerStore is what the period close needs of the store: the evidence
// and the ledger, with the latest period it holds per contract.
type LedgerStore interface {
	credit.History
	RecordCloses(ctx context.Context, cs []db.Closing, actor string) ([]error, error)
	ClosedThrough(ctx context.Context) (map[string]time.Time, error)
}

// Ledger records the period close in the store's credit ledger, as Actor:
// it only translates the close's statement into a ledger entry.
type Ledger struct {
	Store LedgerStore
	Actor string
}

var _ credit.Recorder = Ledger{}

// RecordCloses implements credit.Recorder.
func (l Ledger) RecordCloses(ctx context.Context, cs []credit.Closing) ([]error, error) {
	entries := make([]db.Closing, len(cs))
	for i, c := range cs {
		r := c.Outcome.Report()
		entries[i] = db.Closing{AutoIssue: c.AutoIssue, Credit: db.Credit{
			Tenant:           c.Contract.Tenant,
			Contract:         c.Contract.ID,
			Period:           c.Period.String(),
			PeriodStart:      c.Period.Start,
			PeriodEnd:        c.Period.End,
			UptimeExact:      r.UptimeExact,
			UptimePercent:    r.UptimePercent,
			BreachMinutes:    deref(r.DowntimeMinutes),
			CreditPercent:    r.CreditPercent,
			CreditDays:       deref(r.CreditDays),
			CreditMultiplier: multiplier(c.Contract.Policy),
			CoveragePercent:  sla.FormatFixed(c.CoveragePercent(), 4),
			Flagged:          c.Flagged,
			AmountMinor:      c.Outcome.AmountMinor().Int64(),
			Currency:         c.Outcome.Currency,
			EvidenceHash:     c.EvidenceHash,
		}}
	}
	return l.Store.RecordCloses(ctx, entries, l.Actor)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// multiplier is a proportional policy's multiplier as a decimal ("1" by
// default); "" for other credit units.
func multiplier(p sla.Policy) string {
	p = p.WithDefaults()
	if p.CreditUnit != sla.CreditProportional {
		return ""
	}
	return sla.FormatTrim(p.Multiplier, 4)
}
