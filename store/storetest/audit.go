package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/slatehq/slate/store"
)

// LedgerHistory runs a realistic sequence of ledger operations and returns
// the audit actions it should have produced, in order.
func LedgerHistory(t *testing.T, d store.Store) []string {
	t.Helper()
	ctx := context.Background()
	c, _, err := d.RecordClose(ctx, ClosingOf("2026-09", 1000, "sep"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApproveCredit(ctx, c.ID, "am@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.IssueCredit(ctx, c.ID, "billing"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.RecordClose(ctx, ClosingOf("2026-10", 500, "oct"), true, "slate"); err != nil {
		t.Fatal(err)
	}
	adj, _, err := d.RecordClose(ctx, ClosingOf("2026-09", 1200, "sep, late agent"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.VoidCredit(ctx, adj.ID, "am@example.com", "late results were a test probe"); err != nil {
		t.Fatal(err)
	}
	if err := d.AppendAudit(ctx, "oncall@example.com", "exclusion.added", "check/mail-imap",
		map[string]any{"from_ms": 1, "to_ms": 2, "why": "provider maintenance"}); err != nil {
		t.Fatal(err)
	}
	return []string{
		"credit.recorded", "credit.approved", "credit.issued",
		"credit.recorded", "credit.issued",
		"credit.adjusted", "credit.voided",
		"exclusion.added",
	}
}

func testLedgerAuditChainVerifies(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	want := LedgerHistory(t, d)
	entries, err := d.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, e := range entries {
		got = append(got, e.Action)
		if e.ID != int64(i+1) {
			t.Errorf("entry %d: got ID %d, want %d", i, e.ID, i+1)
		}
		if !e.At.Equal(FixedNow()) {
			t.Errorf("entry %d: got at %v, want the clock's %v", e.ID, e.At, FixedNow())
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got actions %v, want %v", got, want)
	}
	n, err := d.VerifyAudit(ctx)
	if err != nil || n != len(want) {
		t.Errorf("got %d checked, error %v; want %d, nil", n, err, len(want))
	}

	// What one entry records.
	void := entries[6]
	if void.Actor != "am@example.com" || void.Subject != "credit/3" ||
		void.Detail != `{"from":"computed","reason":"late results were a test probe","state":"voided"}` {
		t.Errorf("got void entry %+v, want actor am@example.com, subject credit/3 and the state change as detail", void)
	}
	if entries[0].PrevHash != strings.Repeat("0", 64) {
		t.Errorf("got first prev_hash %s, want 64 zeros", entries[0].PrevHash)
	}
	adjusted := entries[5].Detail
	for _, field := range []string{`"adjusts":1`, `"amount_minor":200`, `"kind":"adjustment"`, `"state":"computed"`} {
		if !strings.Contains(adjusted, field) {
			t.Errorf("got adjustment detail %s, want it to hold %s", adjusted, field)
		}
	}
	of, err := d.AuditOf(ctx, "credit/1")
	if err != nil {
		t.Fatal(err)
	}
	if len(of) != 3 || of[2].Action != "credit.issued" {
		t.Errorf("got %d entries about credit/1, want recorded, approved, issued", len(of))
	}
}

func testAppendAuditRejects(t *testing.T, s suite) {
	tests := []struct {
		name                   string
		actor, action, subject string
		detail                 any
		want                   string
	}{
		{"no actor", "", "x.y", "s/1", nil, "empty actor"},
		{"no action", "a", " ", "s/1", nil, "empty action"},
		{"no subject", "a", "x.y", "", nil, "empty subject"},
		{"detail not JSON", "a", "x.y", "s/1", func() {}, "encode detail"},
	}
	d := s.open(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.AppendAudit(context.Background(), tc.actor, tc.action, tc.subject, tc.detail)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if n, _ := d.VerifyAudit(context.Background()); n != 0 {
		t.Errorf("got %d entries, want none", n)
	}
}

func testAuditEntriesPages(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	for i := range 5 {
		if err := d.AppendAudit(ctx, "a", "x.y", fmt.Sprintf("s/%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		afterID int64
		limit   int
		want    []int64
	}{
		{"all", 0, 0, []int64{1, 2, 3, 4, 5}},
		{"first page", 0, 2, []int64{1, 2}},
		{"next page", 2, 2, []int64{3, 4}},
		{"last page", 4, 2, []int64{5}},
		{"past the end", 5, 2, nil},
		{"negative limit is no limit", 3, -1, []int64{4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es, err := d.AuditEntries(ctx, tc.afterID, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range es {
				got = append(got, e.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got IDs %v, want %v", got, tc.want)
			}
		})
	}
}
