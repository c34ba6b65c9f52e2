package db_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
)

// evidence is the hex SHA-256 of s, standing in for the hash of a period's
// evidence.
func evidence(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// closing is the outcome of closing period (bounds of October 2026,
// whatever its name) for tenant acme under contract mail-gold: amount minor
// units computed from evidence ev.
func closing(period string, amount int64, ev string) db.Credit {
	return db.Credit{
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
		EvidenceHash:    evidence(ev),
	}
}

func TestRecordClose(t *testing.T) {
	type step struct {
		ev       string
		amount   int64
		auto     bool
		flagged  bool
		voidPrev bool // void the entry the previous step returned first
	}
	type entry struct {
		kind   string
		state  db.CreditState
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
			want:  []entry{{"credit", db.CreditComputed, 1000}},
		},
		{
			name:  "first close with auto-issue is issued",
			steps: []step{{ev: "a", amount: 1000, auto: true}},
			wrote: []bool{true},
			want:  []entry{{"credit", db.CreditIssued, 1000}},
		},
		{
			name:  "flagged close is not auto-issued",
			steps: []step{{ev: "a", amount: 1000, auto: true, flagged: true}},
			wrote: []bool{true},
			want:  []entry{{"credit", db.CreditComputed, 1000}},
		},
		{
			name:  "same evidence again writes nothing",
			steps: []step{{ev: "a", amount: 1000}, {ev: "a", amount: 1000}, {ev: "a", amount: 1000, auto: true}},
			wrote: []bool{true, false, false},
			want:  []entry{{"credit", db.CreditComputed, 1000}},
		},
		{
			name:  "new evidence adds an adjustment of the difference",
			steps: []step{{ev: "a", amount: 1000, auto: true}, {ev: "b", amount: 1500, auto: true}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", db.CreditIssued, 1000}, {"adjustment", db.CreditComputed, 500}},
		},
		{
			name:  "evidence of the latest adjustment again writes nothing",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500}, {ev: "b", amount: 1500}},
			wrote: []bool{true, true, false},
			want:  []entry{{"credit", db.CreditComputed, 1000}, {"adjustment", db.CreditComputed, 500}},
		},
		{
			name:  "back to the first evidence adjusts back",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500}, {ev: "a", amount: 1000}},
			wrote: []bool{true, true, true},
			want: []entry{
				{"credit", db.CreditComputed, 1000},
				{"adjustment", db.CreditComputed, 500},
				{"adjustment", db.CreditComputed, -500},
			},
		},
		{
			name:  "voided entries are left out of the sum",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 1500, voidPrev: true}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", db.CreditVoided, 1000}, {"adjustment", db.CreditComputed, 1500}},
		},
		{
			name:  "evidence lowering the credit to zero",
			steps: []step{{ev: "a", amount: 1000}, {ev: "b", amount: 0}},
			wrote: []bool{true, true},
			want:  []entry{{"credit", db.CreditComputed, 1000}, {"adjustment", db.CreditComputed, -1000}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openDB(t)
			ctx := context.Background()
			var prev, first db.Credit
			for i, s := range tc.steps {
				if s.voidPrev {
					if _, err := d.VoidCredit(ctx, prev.ID, "am@example.com", "wrong contract"); err != nil {
						t.Fatalf("step %d: void: %v", i, err)
					}
				}
				c := closing("2026-10", s.amount, s.ev)
				c.Flagged = s.flagged
				got, wrote, err := d.RecordClose(ctx, c, s.auto, "slate")
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if wrote != tc.wrote[i] {
					t.Errorf("step %d: got wrote %v, want %v", i, wrote, tc.wrote[i])
				}
				if got.EvidenceHash != c.EvidenceHash {
					t.Errorf("step %d: got entry %d with evidence %.8s, want the entry carrying %.8s", i, got.ID, got.EvidenceHash, c.EvidenceHash)
				}
				if i == 0 {
					first = got
				}
				prev = got
			}
			all, err := d.Credits(ctx, db.CreditFilter{})
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

func TestRecordCloseStoresFigures(t *testing.T) {
	d := openDB(t)
	ctx := context.Background()
	c := closing("2026-10", 1234, "a")
	c.Flagged = true
	got, _, err := d.RecordClose(ctx, c, false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	read, err := d.Credit(ctx, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.ID, want.Kind, want.State = got.ID, "credit", db.CreditComputed
	want.CreatedAt, want.UpdatedAt = fixedNow(), fixedNow()
	for name, g := range map[string]db.Credit{"returned": got, "read": read} {
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
			t.Errorf("%s: got %+v, want %+v", name, g, want)
		}
	}
}

func TestRecordCloseRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *db.Credit)
		actor string
		want  string
	}{
		{"empty tenant", func(c *db.Credit) { c.Tenant = "" }, "slate", "empty tenant"},
		{"empty contract", func(c *db.Credit) { c.Contract = "" }, "slate", "empty contract"},
		{"empty period", func(c *db.Credit) { c.Period = "" }, "slate", "empty period"},
		{"period ends before it starts", func(c *db.Credit) { c.PeriodEnd = c.PeriodStart.Add(-time.Hour) }, "slate", "start must be before end"},
		{"no currency", func(c *db.Credit) { c.Currency = "" }, "slate", "empty currency"},
		{"negative amount", func(c *db.Credit) { c.AmountMinor = -1 }, "slate", "must not be negative"},
		{"evidence not a hash", func(c *db.Credit) { c.EvidenceHash = "abc" }, "slate", "64 lowercase hex"},
		{"evidence in upper case", func(c *db.Credit) { c.EvidenceHash = strings.ToUpper(c.EvidenceHash) }, "slate", "64 lowercase hex"},
		{"no actor", func(c *db.Credit) {}, " ", "empty actor"},
		{"currency differs from the recorded one", func(c *db.Credit) { c.Currency = "USD"; c.EvidenceHash = evidence("b") }, "slate", "currency USD differs"},
		{"period bounds differ from the recorded ones", func(c *db.Credit) { c.PeriodEnd = c.PeriodEnd.Add(time.Hour); c.EvidenceHash = evidence("b") }, "slate", "differs from the recorded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openDB(t)
			ctx := context.Background()
			if _, _, err := d.RecordClose(ctx, closing("2026-10", 100, "a"), false, "slate"); err != nil {
				t.Fatal(err)
			}
			c := closing("2026-10", 100, "a")
			tc.edit(&c)
			_, wrote, err := d.RecordClose(ctx, c, false, tc.actor)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
			if wrote {
				t.Errorf("got wrote true, want false")
			}
			if all, _ := d.Credits(ctx, db.CreditFilter{}); len(all) != 1 {
				t.Errorf("got %d entries, want the 1 recorded before", len(all))
			}
		})
	}
}

func TestCreditTransitions(t *testing.T) {
	type op struct {
		verb   string // approve, issue, void
		reason string
		want   db.CreditState // state afterwards
		err    string         // "" for success
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"approve then issue", []op{
			{verb: "approve", want: db.CreditApproved},
			{verb: "issue", want: db.CreditIssued},
		}},
		{"issue twice", []op{
			{verb: "approve", want: db.CreditApproved},
			{verb: "issue", want: db.CreditIssued},
			{verb: "issue", want: db.CreditIssued, err: "credit state: is issued, want approved"},
		}},
		{"issue unapproved", []op{
			{verb: "issue", want: db.CreditComputed, err: "credit state: is computed, want approved"},
		}},
		{"approve twice", []op{
			{verb: "approve", want: db.CreditApproved},
			{verb: "approve", want: db.CreditApproved, err: "credit state: is approved, want computed"},
		}},
		{"void computed", []op{
			{verb: "void", reason: "duplicate contract", want: db.CreditVoided},
		}},
		{"void approved", []op{
			{verb: "approve", want: db.CreditApproved},
			{verb: "void", reason: "customer left", want: db.CreditVoided},
		}},
		{"void issued", []op{
			{verb: "approve", want: db.CreditApproved},
			{verb: "issue", want: db.CreditIssued},
			{verb: "void", reason: "too late", want: db.CreditIssued, err: "credit state: is issued, want computed or approved"},
		}},
		{"void without reason", []op{
			{verb: "void", reason: "  ", want: db.CreditComputed, err: "empty reason"},
		}},
		{"approve voided", []op{
			{verb: "void", reason: "wrong", want: db.CreditVoided},
			{verb: "approve", want: db.CreditVoided, err: "credit state: is voided, want computed"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openDB(t)
			ctx := context.Background()
			c, _, err := d.RecordClose(ctx, closing("2026-10", 1000, "a"), false, "slate")
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
					if strings.HasPrefix(o.err, "credit state") && !errors.Is(err, db.ErrCreditState) {
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

func TestCreditTransitionsOfMissingEntry(t *testing.T) {
	d := openDB(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"credit":  func() error { _, err := d.Credit(ctx, 42); return err },
		"approve": func() error { _, err := d.ApproveCredit(ctx, 42, "am"); return err },
		"issue":   func() error { _, err := d.IssueCredit(ctx, 42, "am"); return err },
		"void":    func() error { _, err := d.VoidCredit(ctx, 42, "am", "no such credit"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}
	if n, _ := d.VerifyAudit(ctx); n != 0 {
		t.Errorf("got %d audit entries, want none for failed calls", n)
	}
}

func TestCreditsFilter(t *testing.T) {
	d := openDB(t)
	ctx := context.Background()
	record := func(tenant, contract, period, ev string) db.Credit {
		c := closing(period, 100, ev)
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
		filter db.CreditFilter
		want   []int64
	}{
		{"all", db.CreditFilter{}, []int64{a.ID, b.ID, c.ID, e.ID, f.ID}},
		{"tenant", db.CreditFilter{Tenant: "acme"}, []int64{a.ID, b.ID, c.ID, f.ID}},
		{"tenant and contract", db.CreditFilter{Tenant: "acme", Contract: "mail"}, []int64{a.ID, b.ID, f.ID}},
		{"period", db.CreditFilter{Period: "2026-10"}, []int64{a.ID, c.ID, e.ID, f.ID}},
		{"state", db.CreditFilter{State: db.CreditApproved}, []int64{b.ID}},
		{"everything", db.CreditFilter{Tenant: "acme", Contract: "mail", Period: "2026-10", State: db.CreditComputed}, []int64{a.ID, f.ID}},
		{"nothing", db.CreditFilter{Tenant: "nobody"}, nil},
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
func TestIssueCreditRacingIssuesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slate.db")
	d1 := openAt(t, path)
	d2 := openAt(t, path)
	ctx := context.Background()
	c, _, err := d1.RecordClose(ctx, closing("2026-10", 1000, "a"), false, "slate")
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
		case !errors.Is(err, db.ErrCreditState):
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

// TestRecordCloseTwoProcesses closes the same periods from two handles on
// one file at the same time: each period must end with one credit entry,
// plus one adjustment when the two saw different evidence.
func TestRecordCloseTwoProcesses(t *testing.T) {
	tests := []struct {
		name        string
		ev1, ev2    string
		wantEntries int
		wantWrites  int
	}{
		{"same evidence", "a", "a", 1, 1},
		{"different evidence", "a", "b", 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slate.db")
			d1 := openAt(t, path)
			d2 := openAt(t, path)
			ctx := context.Background()
			const periods = 8
			var wg sync.WaitGroup
			wrote := make([][2]bool, periods)
			for p := range periods {
				period := fmt.Sprintf("2026-%02d", p+1)
				for i, h := range []struct {
					d  *db.DB
					ev string
				}{{d1, tc.ev1}, {d2, tc.ev2}} {
					wg.Go(func() {
						var err error
						_, wrote[p][i], err = h.d.RecordClose(ctx, closing(period, 100*int64(len(h.ev)), h.ev), false, fmt.Sprintf("slate-%d", i))
						if err != nil {
							t.Errorf("period %s, handle %d: %v", period, i, err)
						}
					})
				}
			}
			wg.Wait()
			for p := range periods {
				period := fmt.Sprintf("2026-%02d", p+1)
				cs, err := d1.Credits(ctx, db.CreditFilter{Period: period})
				if err != nil {
					t.Fatal(err)
				}
				credits := 0
				for _, c := range cs {
					if c.Kind == "credit" {
						credits++
					}
				}
				if credits != 1 || len(cs) != tc.wantEntries {
					t.Errorf("period %s: got %d entries, %d of them credits, want %d entries, 1 credit", period, len(cs), credits, tc.wantEntries)
				}
				writes := 0
				for _, w := range wrote[p] {
					if w {
						writes++
					}
				}
				if writes != tc.wantWrites {
					t.Errorf("period %s: got %d calls that wrote, want %d", period, writes, tc.wantWrites)
				}
			}
			if _, err := d2.VerifyAudit(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCreditUniquePerPeriod inserts a second credit entry for a period
// behind the store's back: the schema itself must refuse it.
func TestCreditUniquePerPeriod(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slate.db")
	d := openAt(t, path)
	ctx := context.Background()
	if _, _, err := d.RecordClose(ctx, closing("2026-10", 100, "a"), false, "slate"); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	// A copy of entry 1 with kind and adjusts replaced.
	const copyAs = `INSERT INTO credits (tenant, contract, period, period_start_ms, period_end_ms, kind, adjusts, state,
	uptime_exact, uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged, amount_minor,
	currency, evidence_hash, created_ms, updated_ms)
SELECT tenant, contract, period, period_start_ms, period_end_ms, ?, ?, state, uptime_exact,
	uptime_percent, breach_minutes, credit_percent, coverage_percent, flagged, amount_minor, currency,
	evidence_hash, created_ms, updated_ms FROM credits WHERE id = 1`
	_, err := raw.Exec(copyAs, "credit", nil)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Errorf("second credit: got %v, want a UNIQUE constraint error", err)
	}
	// Adjustments of the same period are allowed.
	if _, err := raw.Exec(copyAs, "adjustment", 1); err != nil {
		t.Errorf("adjustment: got %v, want nil", err)
	}
}

// openAt opens the database at path with the test clock and closes it when
// the test ends.
func openAt(t *testing.T, path string) *db.DB {
	t.Helper()
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// rawDB opens path with database/sql directly, bypassing the store, as an
// operator with the sqlite3 shell would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
