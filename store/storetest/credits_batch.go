package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

func testRecordClosesIsolatesRefusals(t *testing.T, s suite) {
	d := s.openWith(t, Options{})
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(tenant, currency string, amount int64, hash byte) store.Closing {
		return store.Closing{Credit: store.Credit{
			Tenant: tenant, Contract: tenant + "-c", Period: "2026-03", PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0),
			UptimeExact: "999/10", UptimePercent: "99.9000", BreachMinutes: "44.64", CreditPercent: "10", CoveragePercent: "100.0000",
			AmountMinor: amount, Currency: currency, EvidenceHash: fmt.Sprintf("%064x", hash),
		}}
	}
	first := []store.Closing{mk("a", "EUR", 100, 1), mk("b", "EUR", 200, 2), mk("", "EUR", 1, 3)}
	first[1].AutoIssue = true
	errs, err := d.RecordCloses(ctx, first, "close")
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Fatalf("errors %v: want only the close without a tenant refused", errs)
	}
	// Again, with b's currency changed: b is refused alone, a is unchanged
	// and c records.
	second := []store.Closing{mk("a", "EUR", 100, 1), mk("b", "USD", 200, 2), mk("c", "EUR", 300, 4)}
	if errs, err = d.RecordCloses(ctx, second, "close"); err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v: want only b's changed currency refused", errs)
	}
	cs, err := d.Credits(ctx, store.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[1].Tenant != "b" || cs[1].State != store.CreditIssued || cs[1].Currency != "EUR" || cs[2].Tenant != "c" {
		t.Fatalf("ledger %+v", cs)
	}
	if n, err := d.VerifyAudit(ctx); err != nil || n != 4 { // a, b recorded + issued, c
		t.Errorf("audit: %d entries, %v; want 4, intact", n, err)
	}
}
