package main

import (
	"context"
	"math/big"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// ledger records the period close in the store's credit ledger: it only
// translates the close's statement into a ledger entry.
type ledger struct {
	store *db.DB
	actor string
}

var _ credit.Recorder = ledger{}

func (l ledger) RecordCloses(ctx context.Context, cs []credit.Closing) ([]error, error) {
	entries := make([]db.Closing, len(cs))
	for i, c := range cs {
		r := c.Outcome.Report()
		entries[i] = db.Closing{AutoIssue: c.AutoIssue, Credit: db.Credit{
			Tenant:          c.Contract.Tenant,
			Contract:        c.Contract.ID,
			Period:          c.Period.String(),
			PeriodStart:     c.Period.Start,
			PeriodEnd:       c.Period.End,
			UptimeExact:     r.UptimeExact,
			UptimePercent:   r.UptimePercent,
			BreachMinutes:   deref(r.DowntimeMinutes),
			CreditPercent:   r.CreditPercent,
			CoveragePercent: sla.FormatFixed(c.CoveragePercent(), 4),
			Flagged:         c.Flagged,
			AmountMinor:     c.Outcome.AmountMinor().Int64(),
			Currency:        c.Outcome.Currency,
			EvidenceHash:    c.EvidenceHash,
		}}
	}
	return l.store.RecordCloses(ctx, entries, l.actor)
}

// formatMinor writes an amount in minor units as a decimal in its currency:
// 9677 USD is "96.77".
func formatMinor(minor int64, currency string) string {
	places := sla.MinorUnits(currency)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	return sla.FormatFixed(new(big.Rat).SetFrac(big.NewInt(minor), scale), places)
}
