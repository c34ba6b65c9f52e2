package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// Evidence is the hex SHA-256 of s, standing in for the hash of a period's
// Evidence.
func Evidence(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// ClosingOf is the outcome of closing period (bounds of October 2026,
// whatever its name) for tenant acme under contract mail-gold: amount minor
// units computed from Evidence ev.
func ClosingOf(period string, amount int64, ev string) store.Credit {
	return store.Credit{
		Tenant:          "acme",
		Contract:        "mail-gold",
		Period:          period,
		PeriodStart:     time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		PeriodEnd:       time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		UptimeExact:     "2672123/26748",
		UptimePercent:   "99.899",
		BreachMinutes:   "45",
		CreditPercent:   "10",
		CoveragePercent: "99.98",
		AmountMinor:     amount,
		Currency:        "EUR",
		EvidenceHash:    Evidence(ev),
	}
}

func testRecordClose(t *testing.T, s suite) {
	type step struct {
		ev       string
		amount   int64
		auto     bool
		flagged  bool
		voidPrev bool // void the entry the previous step returned first
	}
	type entry struct {
		kind   string
		state  store.CreditState
		amount int64
	}
	tests := []struct {
		name  string
		steps []step
		wrote []bool  // per step
		want  []entry // the ledger afterwards, in ID order
	}{
		{
			name:  "first close is computed",
			steps: []step{{ev: "a", amount: 1000}},
			wrote: []bool{true},
			want:  []entry{{"credit", store.CreditComputed, 1000}},
		},
		{
			name:  "first close with auto-issue is issued",
			steps: []step{{ev: "a", amount: 1000, auto: true}},
			wrote: []bool{true},
			want:  []entry{{"credit", store.CreditIssued, 1000}},
		},
		{
			name:  "flagged close is not auto-issued",
			steps: []step{{ev: "a", amount: 1000, auto: true, flagged: true}},
			wrote: []bool{true},
			want:  []entry{{"credit", store.CreditComputed, 1000}},
		},
		{
			name:  "same Evidence again writes nothing",
			steps: []step{{ev: "a", amount: 1000}, {ev: "a", amount: 1000}, {ev: "a", amount: 1000, auto: true}},
			wrote: []bool{true, false, false},
			want:  []entry{{"credit", store.CreditComputed, 1000}},
		},
		{
			name:  "new Evidence adds an adjustment of the difference",
			steps: []step{{ev: "a", amount: 1000, auto: true}, {ev: "b", amount: 1500, auto: true}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", store.CreditIssued, 1000}, {"adjustment", store.CreditComputed, 500}},
		},
		{
			name:  "Evidence of the latest adjustment again writes nothing",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500}, {ev: "b", amount: 1500}},
			wrote: []bool{true, true, false},
			want:  []entry{{"credit", store.CreditComputed, 1000}, {"adjustment", store.CreditComputed, 500}},
		},
		{
			name:  "back to the first Evidence adjusts back",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500}, {ev: "a", amount: 1000}},
			wrote: []bool{true, true, true},
			want: []entry{
				{"credit", store.CreditComputed, 1000},
				{"adjustment", store.CreditComputed, 500},
				{"adjustment", store.CreditComputed, -500},
			},
		},
		{
			name:  "voided entries are left out of the sum",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500, voidPrev: true}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", store.CreditVoided, 1000}, {"adjustment", store.CreditComputed, 1500}},
		},
		{
			name:  "Evidence lowering the credit to zero",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 0}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", store.CreditComputed, 1000}, {"adjustment", store.CreditComputed, -1000}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := s.open(t)
			ctx := context.Background()
			var prev, first store.Credit
			for i, s := range tc.steps {
				if s.voidPrev {
					if _, err := d.VoidCredit(ctx, prev.ID, "am@example.com", "wrong contract"); err != nil {
						t.Fatalf("step %d: void: %v", i, err)
					}
				}
				c := ClosingOf("2026-10", s.amount, s.ev)
				c.Flagged = s.flagged
				got, wrote, err := d.RecordClose(ctx, c, s.auto, "slate")
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if wrote != tc.wrote[i] {
					t.Errorf("step %d: got wrote %v, want %v", i, wrote, tc.wrote[i])
				}
				if got.EvidenceHash != c.EvidenceHash {
					t.Errorf("step %d: got entry %d with Evidence %.8s, want the entry carrying %.8s", i, got.ID, got.EvidenceHash, c.EvidenceHash)
				}
				if i == 0 {
					first = got
				}
				prev = got
			}
			all, err := d.Credits(ctx, store.CreditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []entry
			for _, c := range all {
				got = append(got, entry{c.Kind, c.State, c.AmountMinor})
				if c.Kind == "adjustment" && c.Adjusts != first.ID {
					t.Errorf("entry %d: got adjusts %d, want %d", c.ID, c.Adjusts, first.ID)
				}
				if c.Kind == "credit" && c.Adjusts != 0 {
					t.Errorf("entry %d: got adjusts %d for a credit, want 0", c.ID, c.Adjusts)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got ledger %v, want %v", got, tc.want)
			}
			if n, err := d.VerifyAudit(ctx); err != nil {
				t.Errorf("verify audit after %d entries: %v", n, err)
			}
		})
	}
}

func testRecordCloseStoresFigures(t *testing.T, s suite) {
	for _, tc := range []struct {
		name             string
		days, multiplier string
	}{
		{"percent", "", ""},
		{"days", "3", ""},
		{"proportional", "", "2.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := s.open(t)
			ctx := context.Background()
			c := ClosingOf("2026-10", 1234, "a")
			c.Flagged = true
			c.CreditDays, c.CreditMultiplier = tc.days, tc.multiplier
			got, _, err := d.RecordClose(ctx, c, false, "slate")
			if err != nil {
				t.Fatal(err)
			}
			// An adjustment keeps the corrected terms too.
			c2 := c
			c2.EvidenceHash, c2.AmountMinor = Evidence("b"), 2000
			adj, _, err := d.RecordClose(ctx, c2, false, "slate")
			if err != nil {
				t.Fatal(err)
			}
			read, err := d.Credit(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.ID, want.Kind, want.State = got.ID, "credit", store.CreditComputed
			want.CreatedAt, want.UpdatedAt = FixedNow(), FixedNow()
			for name, g := range map[string]store.Credit{"returned": got, "read": read} {
				if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
					t.Errorf("%s: got %+v, want %+v", name, g, want)
				}
			}
			if adj.Kind != store.KindAdjustment || adj.CreditDays != tc.days || adj.CreditMultiplier != tc.multiplier {
				t.Errorf("adjustment: kind %s, days %q, multiplier %q; want adjustment, %q, %q",
					adj.Kind, adj.CreditDays, adj.CreditMultiplier, tc.days, tc.multiplier)
			}
		})
	}
}

func testRecordCloseRejects(t *testing.T, s suite) {
	tests := []struct {
		name  string
		edit  func(c *store.Credit)
		actor string
		want  string
	}{
		{"empty tenant", func(c *store.Credit) { c.Tenant = "" }, "slate", "empty tenant"},
		{"empty contract", func(c *store.Credit) { c.Contract = "" }, "slate", "empty contract"},
		{"empty period", func(c *store.Credit) { c.Period = "" }, "slate", "empty period"},
		{"period ends before it starts", func(c *store.Credit) { c.PeriodEnd = c.PeriodStart.Add(-time.Hour) }, "slate", "start must be before end"},
		{"no currency", func(c *store.Credit) { c.Currency = "" }, "slate", "empty currency"},
		{"negative amount", func(c *store.Credit) { c.AmountMinor = -1 }, "slate", "must not be negative"},
		{"Evidence not a hash", func(c *store.Credit) { c.EvidenceHash = "abc" }, "slate", "64 lowercase hex"},
		{"Evidence in upper case", func(c *store.Credit) { c.EvidenceHash = strings.ToUpper(c.EvidenceHash) }, "slate", "64 lowercase hex"},
		{"no actor", func(c *store.Credit) {}, " ", "empty actor"},
		{"currency differs from the recorded one", func(c *store.Credit) { c.Currency = "USD"; c.EvidenceHash = Evidence("b") }, "slate", "currency USD differs"},
		{"period bounds differ from the recorded ones", func(c *store.Credit) { c.PeriodEnd = c.PeriodEnd.Add(time.Hour); c.EvidenceHash = Evidence("b") }, "slate", "differs from the recorded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := s.open(t)
			ctx := context.Background()
			if _, _, err := d.RecordClose(ctx, ClosingOf("2026-10", 100, "a"), false, "slate"); err != nil {
				t.Fatal(err)
			}
			c := ClosingOf("2026-10", 100, "a")
			tc.edit(&c)
			_, wrote, err := d.RecordClose(ctx, c, false, tc.actor)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
			if wrote {
				t.Errorf("got wrote true, want false")
			}
			if all, _ := d.Credits(ctx, store.CreditFilter{}); len(all) != 1 {
				t.Errorf("got %d entries, want the 1 recorded before", len(all))
			}
		})
	}
}

func testCreditTransitions(t *testing.T, s suite) {
	type op struct {
		verb   string // approve, issue, void
		reason string
		want   store.CreditState // state afterwards
		err    string            // "" for success
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"approve then issue", []op{
			{verb: "approve", want: store.CreditApproved},
			{verb: "issue", want: store.CreditIssued},
		}},
		{"issue twice", []op{
			{verb: "approve", want: store.CreditApproved},
			{verb: "issue", want: store.CreditIssued},
			{verb: "issue", want: store.CreditIssued, err: "credit state: is issued, want approved"},
		}},
		{"issue unapproved", []op{
			{verb: "issue", want: store.CreditComputed, err: "credit state: is computed, want approved"},
		}},
		{"approve twice", []op{
			{verb: "approve", want: store.CreditApproved},
			{verb: "approve", want: store.CreditApproved, err: "credit state: is approved, want computed"},
		}},
		{"void computed", []op{
			{verb: "void", reason: "duplicate contract", want: store.CreditVoided},
		}},
		{"void approved", []op{
			{verb: "approve", want: store.CreditApproved},
			{verb: "void", reason: "customer left", want: store.CreditVoided},
		}},
		{"void issued", []op{
			{verb: "approve", want: store.CreditApproved},
			{verb: "issue", want: store.CreditIssued},
			{verb: "void", reason: "too late", want: store.CreditIssued, err: "credit state: is issued, want computed or approved"},
		}},
		{"void without reason", []op{
			{verb: "void", reason: "  ", want: store.CreditComputed, err: "empty reason"},
		}},
		{"approve voided", []op{
			{verb: "void", reason: "wrong", want: store.CreditVoided},
			{verb: "approve", want: store.CreditVoided, err: "credit state: is voided, want computed"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := s.open(t)
			ctx := context.Background()
			c, _, err := d.RecordClose(ctx, ClosingOf("2026-10", 1000, "a"), false, "slate")
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range tc.ops {
				var err error
				switch o.verb {
				case "approve":
					_, err = d.ApproveCredit(ctx, c.ID, "am@example.com")
				case "issue":
					_, err = d.IssueCredit(ctx, c.ID, "billing")
				case "void":
					_, err = d.VoidCredit(ctx, c.ID, "am@example.com", o.reason)
				}
				if o.err == "" && err != nil {
					t.Fatalf("op %d %s: got %v, want nil", i, o.verb, err)
				}
				if o.err != "" {
					if err == nil || !strings.Contains(err.Error(), o.err) {
						t.Fatalf("op %d %s: got %v, want an error containing %q", i, o.verb, err, o.err)
					}
					if strings.HasPrefix(o.err, "credit state") && !errors.Is(err, store.ErrCreditState) {
						t.Errorf("op %d %s: got %v, want ErrCreditState", i, o.verb, err)
					}
				}
				got, err := d.Credit(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != o.want {
					t.Errorf("op %d %s: got state %s, want %s", i, o.verb, got.State, o.want)
				}
				if o.verb == "void" && o.err == "" && got.Reason != o.reason {
					t.Errorf("op %d: got reason %q, want %q", i, got.Reason, o.reason)
				}
			}
			if _, err := d.VerifyAudit(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

func testCreditTransitionsOfMissingEntry(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"credit":  func() error { _, err := d.Credit(ctx, 42); return err },
		"approve": func() error { _, err := d.ApproveCredit(ctx, 42, "am"); return err },
		"issue":   func() error { _, err := d.IssueCredit(ctx, 42, "am"); return err },
		"void":    func() error { _, err := d.VoidCredit(ctx, 42, "am", "no such credit"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}
	if n, _ := d.VerifyAudit(ctx); n != 0 {
		t.Errorf("got %d audit entries, want none for failed calls", n)
	}
}

func testCreditsFilter(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	record := func(tenant, contract, period, ev string) store.Credit {
		c := ClosingOf(period, 100, ev)
		c.Tenant, c.Contract = tenant, contract
		got, _, err := d.RecordClose(ctx, c, false, "slate")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := record("acme", "mail", "2026-10", "1")
	b := record("acme", "mail", "2026-09", "2")
	c := record("acme", "chat", "2026-10", "3")
	e := record("bolt", "mail", "2026-10", "4")
	f := record("acme", "mail", "2026-10", "5") // adjustment of a
	if _, err := d.ApproveCredit(ctx, b.ID, "am"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter store.CreditFilter
		want   []int64
	}{
		{"all", store.CreditFilter{}, []int64{a.ID, b.ID, c.ID, e.ID, f.ID}},
		{"tenant", store.CreditFilter{Tenant: "acme"}, []int64{a.ID, b.ID, c.ID, f.ID}},
		{"tenant and contract", store.CreditFilter{Tenant: "acme", Contract: "mail"}, []int64{a.ID, b.ID, f.ID}},
		{"period", store.CreditFilter{Period: "2026-10"}, []int64{a.ID, c.ID, e.ID, f.ID}},
		{"state", store.CreditFilter{State: store.CreditApproved}, []int64{b.ID}},
		{"everything", store.CreditFilter{Tenant: "acme", Contract: "mail", Period: "2026-10", State: store.CreditComputed}, []int64{a.ID, f.ID}},
		{"nothing", store.CreditFilter{Tenant: "nobody"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := d.Credits(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range cs {
				got = append(got, c.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got IDs %v, want %v", got, tc.want)
			}
		})
	}
}

// TestIssueCreditRacingIssuesOnce issues one approved credit from many
// goroutines through two handles on the same file, as two processes would:
// exactly one call may succeed.
func testIssueCreditRacingIssuesOnce(t *testing.T, s suite) {
	reopen := s.fresh(t)
	d1 := reopen(t, Options{Now: FixedNow})
	d2 := reopen(t, Options{Now: FixedNow})
	ctx := context.Background()
	c, _, err := d1.RecordClose(ctx, ClosingOf("2026-10", 1000, "a"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d1.ApproveCredit(ctx, c.ID, "am"); err != nil {
		t.Fatal(err)
	}
	const callers = 16
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			d := d1
			if i%2 == 1 {
				d = d2
			}
			_, errs[i] = d.IssueCredit(ctx, c.ID, fmt.Sprintf("billing-%d", i))
		})
	}
	wg.Wait()
	issued := 0
	for i, err := range errs {
		switch {
		case err == nil:
			issued++
		case !errors.Is(err, store.ErrCreditState):
			t.Errorf("caller %d: got %v, want nil or ErrCreditState", i, err)
		}
	}
	if issued != 1 {
		t.Errorf("got %d successful issues, want 1", issued)
	}
	entries, err := d2.AuditOf(ctx, fmt.Sprintf("credit/%d", c.ID))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "credit.issued" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d credit.issued audit entries, want 1", n)
	}
	if _, err := d1.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}
}
