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

// testRecordClosesMatchesOneByOne: a batch records exactly what recording
// its closes one by one records — the same entries with the same ids and
// the same audit chain, hash for hash — whatever mix it holds: first
// closes (auto-issued, flagged, manual), a period closed twice in the
// batch, re-closes with the same and with changed evidence, refusals.
func testRecordClosesMatchesOneByOne(t *testing.T, s suite) {
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mk := func(tenant string, amount int64, hash byte, auto, flagged bool) store.Closing {
		return store.Closing{AutoIssue: auto, Credit: store.Credit{
			Tenant: tenant, Contract: tenant + "-c", Period: "2026-03", PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0),
			UptimeExact: "999/10", UptimePercent: "99.9000", BreachMinutes: "44.64", CreditPercent: "10", CoveragePercent: "100.0000",
			Flagged: flagged, AmountMinor: amount, Currency: "EUR", EvidenceHash: fmt.Sprintf("%064x", hash),
			CreditDays: "1", CreditMultiplier: "2",
		}}
	}
	earlier := []store.Closing{mk("old-same", 100, 1, false, false), mk("old-changed", 100, 2, true, false), mk("old-refused", 100, 3, false, false),
		mk("old-adjusted", 100, 5, false, false), mk("old-adjusted", 120, 6, false, false), // last recorded with 6
		mk("old-back", 100, 7, false, false), mk("old-back", 130, 8, false, false), // last recorded with 8
		mk("old-abc", 100, 20, false, false), mk("old-abc", 110, 21, false, false), mk("old-abc", 120, 22, false, false),
		mk("old-abc-same", 100, 23, false, false), mk("old-abc-same", 110, 24, false, false), mk("old-abc-same", 120, 25, false, false),
	}
	refusedCurrency := mk("old-refused", 100, 3, false, false)
	refusedCurrency.Credit.Currency = "USD"
	batch := []store.Closing{
		mk("new-auto", 500, 10, true, false),
		mk("new-flagged", 600, 11, true, true),
		mk("old-same", 100, 1, false, false),
		mk("new-manual", 700, 12, false, false),
		mk("twice", 800, 13, true, false),
		mk("old-changed", 150, 4, true, false),
		refusedCurrency,
		mk("", 1, 14, false, false),
		mk("twice", 900, 15, true, false),
		mk("new-last", 1000, 16, false, false),
		mk("old-adjusted", 120, 6, false, false),  // as last recorded: nothing to write
		mk("old-back", 100, 7, false, false),      // back to the first evidence: an adjustment
		mk("old-abc", 110, 21, false, false),      // the second evidence, not the latest: an adjustment
		mk("old-abc-same", 120, 25, false, false), // the latest of three: nothing to write
	}
	record := func(d store.Store, one bool) {
		t.Helper()
		for _, c := range earlier {
			if _, _, err := d.RecordClose(ctx, c.Credit, c.AutoIssue, "close"); err != nil {
				t.Fatal(err)
			}
		}
		if !one {
			errs, err := d.RecordCloses(ctx, batch, "close")
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range errs {
				if (e != nil) != (i == 6 || i == 7) {
					t.Errorf("batch close %d (%s): error %v; want one for the changed currency and the missing tenant only", i, batch[i].Credit.Tenant, e)
				}
			}
			return
		}
		for _, c := range batch {
			d.RecordClose(ctx, c.Credit, c.AutoIssue, "close") // refusals as in the batch
		}
	}
	batched, alone := s.open(t), s.open(t)
	record(batched, false)
	record(alone, true)

	got, err := batched.Credits(ctx, store.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := alone.Credits(ctx, store.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 22 { // 13 earlier, 5 first closes, 4 adjustments
		t.Fatalf("one by one recorded %d entries, want 22", len(want))
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("batch ledger differs from one by one:\n got %+v\nwant %+v", got, want)
	}
	ga, err := batched.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	wa, err := alone.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ga) != len(wa) {
		t.Fatalf("batch audited %d entries, one by one %d", len(ga), len(wa))
	}
	for i := range wa {
		if fmt.Sprintf("%+v", ga[i]) != fmt.Sprintf("%+v", wa[i]) {
			t.Errorf("audit entry %d:\n got %+v\nwant %+v", i, ga[i], wa[i])
		}
	}
	if n, err := batched.VerifyAudit(ctx); err != nil || n != len(wa) {
		t.Errorf("batch audit: %d entries, %v; want %d, intact", n, err, len(wa))
	}
}
