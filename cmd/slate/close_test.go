package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

const closeConfig = `
storage: {path: %q}
provider: {name: Nordlicht Hosting GmbH, code: NORDLICHT, address: [Hafenstraße 1, 20457 Hamburg], email: billing@nordlicht.example}
tenants:
  - {id: acme, name: Acme GmbH, billing_ref: CUST-0042, timezone: Europe/Berlin}        # March loses an hour to DST
  - {id: globex, timezone: America/New_York}
  - {id: initech, timezone: Asia/Tokyo}
services: [{id: mail}]
checks:
  - {id: mail-acme, service: mail, tenant: acme, kind: http, target: "%s/acme", interval: 1m}
  - {id: mail-globex, service: mail, tenant: globex, kind: http, target: "%s/globex", interval: 1m}
  - {id: mail-initech, service: mail, tenant: initech, kind: http, target: "%s/initech", interval: 1m}
contracts:
  - {id: acme-mail, tenant: acme, services: [mail], fee: {amount: "1200.00", currency: EUR}, close_grace: 1h,
     policy: {target: "99.9", tiers: [{uptime: "[99, 99.9)", credit: "10"}, {uptime: "[0, 99)", credit: "25"}]}}
  - {id: globex-mail, tenant: globex, services: [mail], fee: {amount: "500.00", currency: USD}, auto_issue: true, close_grace: 1h,
     policy: {target: "99.95", credit_unit: days, tiers: [{uptime: "[0, 99.95)", credit: "3"}]}}
  - {id: initech-mail, tenant: initech, services: [mail], fee: {amount: "90000", currency: JPY}, close_grace: 1h,
     policy: {target: "99.9", credit_unit: proportional, multiplier: "10", cap: "50"}}
`

// closeFixture is a configured app whose evidence for March 2026 (in each
// tenant's zone) came from real probe runs against a target scripted to
// fail in set windows, under a test clock.
type closeFixture struct {
	cfgPath string
	app     *testMonitor
	cfg     *config.Config
	clock   *testkit.Clock
	windows map[string][]sla.Interval // tenant -> scripted failures
}

func newCloseFixture(t *testing.T) *closeFixture {
	t.Helper()
	f := &closeFixture{clock: &testkit.Clock{}, windows: map[string][]sla.Interval{}}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f.windows["acme"] = []sla.Interval{{Start: at("2026-03-29T00:30:00Z"), End: at("2026-03-29T01:30:00Z")}}    // across the DST change
	f.windows["globex"] = []sla.Interval{{Start: at("2026-03-10T14:00:00Z"), End: at("2026-03-10T14:40:00Z")}}  // 40 min
	f.windows["initech"] = []sla.Interval{{Start: at("2026-03-15T03:00:00Z"), End: at("2026-03-15T05:00:00Z")}, // 2 h
		{Start: at("2026-03-20T10:00:00Z"), End: at("2026-03-20T10:05:00Z")}}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.clock.In(f.windows[r.URL.Path[1:]]) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(target.Close)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, closeConfig, filepath.Join(dir, "slate.db"), target.URL, target.URL, target.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg, f.cfgPath = cfg, cfgPath
	f.app = testApp(t, cfg, monitor.Options{Now: f.clock.Now})

	// Evidence: every minute of March (widest zone span) passes, written in
	// bulk; around each scripted window the real probe runs every minute
	// under the test clock and its results replace the bulk ones.
	ctx := context.Background()
	from, to := at("2026-02-28T14:00:00Z"), at("2026-04-01T05:00:00Z")
	probed := map[string]map[int64]bool{}
	for _, tn := range []string{"acme", "globex", "initech"} {
		probed[tn] = map[int64]bool{}
		for _, w := range f.windows[tn] {
			for m := w.Start.Add(-5 * time.Minute); m.Before(w.End.Add(5 * time.Minute)); m = m.Add(time.Minute) {
				probed[tn][m.Unix()] = true
			}
		}
	}
	var bulk []sla.Result
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		for _, tn := range []string{"acme", "globex", "initech"} {
			if !probed[tn][m.Unix()] {
				bulk = append(bulk, sla.Result{CheckID: "mail-" + tn, Location: "local", At: m, OK: true})
			}
		}
	}
	if err := f.app.store.WriteResults(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	for tn, minutes := range probed {
		for sec := range minutes {
			f.clock.Set(time.Unix(sec, 0))
			r, err := f.app.Scheduler().RunOnce(ctx, "mail-"+tn)
			if err != nil {
				t.Fatal(err)
			}
			if want := !f.clock.In(f.windows[tn]); r.OK != want {
				t.Fatalf("%s at %s: probe OK %v, want %v", tn, f.clock.Now(), r.OK, want)
			}
		}
	}
	f.clock.Set(at("2026-04-01T16:00:00Z")) // March has ended everywhere, grace included
	return f
}

// expected is what slate calc says for a tenant's contract and the scripted
// windows.
func (f *closeFixture) expected(t *testing.T, tenant string) sla.Outcome {
	t.Helper()
	for _, s := range credit.Schedules(&f.cfg.Catalog) {
		if s.Contract.Tenant != tenant {
			continue
		}
		var facts sla.Facts
		for _, w := range f.windows[tenant] {
			facts.Downtime = append(facts.Downtime, sla.Outage{Interval: w})
		}
		out, err := sla.Evaluate(sla.Case{Policy: s.Contract.Policy, Period: sla.Month(2026, time.March, s.Location), Fee: s.Contract.Fee, Facts: facts})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no contract for %s", tenant)
	return sla.Outcome{}
}

func (f *closeFixture) credits(t *testing.T) []db.Credit {
	t.Helper()
	cs, err := f.app.store.Credits(context.Background(), db.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCloseRecordsWhatCalcGives(t *testing.T) {
	f := newCloseFixture(t)
	ctx := context.Background()
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cs := f.credits(t)
	if len(cs) != 3 {
		t.Fatalf("ledger has %d entries, want 3", len(cs))
	}
	for _, c := range cs {
		want := f.expected(t, c.Tenant)
		r := want.Report()
		if c.Period != "2026-03" || c.UptimeExact != r.UptimeExact || c.CreditPercent != r.CreditPercent ||
			c.AmountMinor != want.AmountMinor().Int64() || c.BreachMinutes != *r.DowntimeMinutes || c.Flagged {
			t.Errorf("%s: ledger %+v\nwant calc's %+v (amount %d)", c.Tenant, c, r, want.AmountMinor().Int64())
		}
		wantState := db.CreditComputed
		if c.Tenant == "globex" {
			wantState = db.CreditIssued // auto_issue
		}
		if c.State != wantState {
			t.Errorf("%s: state %s, want %s", c.Tenant, c.State, wantState)
		}
	}
	// The numbers themselves, worked by hand: acme's March in Berlin is
	// 44,580 minutes; 60 of them down is 99.8654% (10% of 1,200 EUR).
	acme := f.expected(t, "acme").Report()
	if acme.PeriodMinutes != "44580" || acme.CreditAmount != "120.00" {
		t.Errorf("acme: %+v", acme)
	}

	// Closing again changes nothing; the audit chain holds.
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := len(f.credits(t)); n != 3 {
		t.Errorf("after a second close: %d entries, want 3", n)
	}
	if _, err := f.app.store.VerifyAudit(ctx); err != nil {
		t.Error(err)
	}

	// Late evidence: an eight-hour outage reported afterwards (a remote
	// agent catching up) moves acme into the 25% tier; it becomes an
	// adjustment of +180 EUR, and the credit already recorded is not
	// rewritten.
	var late []sla.Result
	for m := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC); m.Before(time.Date(2026, 3, 5, 18, 0, 0, 0, time.UTC)); m = m.Add(10 * time.Second) {
		late = append(late, sla.Result{CheckID: "mail-acme", Location: "local", At: m, OK: false})
	}
	if err := f.app.store.WriteResults(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	acmes, err := f.app.store.Credits(ctx, db.CreditFilter{Tenant: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(acmes) != 2 || acmes[0].Kind != db.KindCredit || acmes[0].AmountMinor != 12000 || acmes[1].Kind != db.KindAdjustment ||
		acmes[1].AmountMinor != 30000-12000 || acmes[1].BreachMinutes != "540" || acmes[1].CreditPercent != "25" {
		t.Errorf("after late evidence: %+v", acmes)
	}
}

// failingRecorder computes nothing wrong but dies before recording: a crash
// between compute and record.
type failingRecorder struct{}

func (failingRecorder) RecordCloses(context.Context, []credit.Closing) ([]error, error) {
	return nil, errors.New("killed before the ledger write")
}

func TestCloseAfterACrashAndRacingClosesRecordOnce(t *testing.T) {
	f := newCloseFixture(t)
	ctx := context.Background()
	if _, err := credit.CloseDue(ctx, f.app.store, failingRecorder{}, credit.Schedules(&f.cfg.Catalog), f.clock.Now()); err == nil {
		t.Fatal("the interrupted close reported no error")
	}
	if n := len(f.credits(t)); n != 0 {
		t.Fatalf("an interrupted close left %d entries", n)
	}
	// Two closes at once, one through a second handle on the same file,
	// as two slate processes would.
	other, err := db.Open(f.cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := f.app.store
			if i%2 == 1 {
				store = other
			}
			_, errs[i] = credit.CloseDue(ctx, store, monitor.Ledger{Store: store, Actor: "race"}, credit.Schedules(&f.cfg.Catalog), f.clock.Now())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("close %d: %v", i, err)
		}
	}
	cs := f.credits(t)
	if len(cs) != 3 {
		t.Fatalf("after racing closes: %d entries, want one per contract (3)", len(cs))
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.Contract] {
			t.Errorf("two entries for %s", c.Contract)
		}
		seen[c.Contract] = true
	}
	if n, err := f.app.store.VerifyAudit(ctx); err != nil || n == 0 {
		t.Errorf("audit after racing closes: %d entries, %v", n, err)
	}
}

func TestCreditsAndAuditCommands(t *testing.T) {
	f := newCloseFixture(t)
	if err := f.app.CloseDue(context.Background(), f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSlate(t, "", append(args, "--config", f.cfgPath)...)
	}
	code, out, errs := run("credits", "list", "--format", "csv")
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(rows) != 4 || !strings.Contains(out, "credit,acme,CUST-0042,acme-mail,mail SLA,2026-03,2026-02-28T23:00:00.000Z,2026-03-31T22:00:00.000Z,99.8654,60,100.0000,false,10,,120.00,EUR,computed,") {
		t.Fatalf("list csv: exit %d %s\n%s", code, errs, out)
	}
	// Entries are recorded in the order the close computed them.
	ids := map[string]string{}
	for _, c := range f.credits(t) {
		ids[c.Tenant] = fmt.Sprint(c.ID)
	}
	acme, initech := ids["acme"], ids["initech"]
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"credits", "approve", acme, "--actor", "alice"}, exitOK, "credit " + acme + " (acme acme-mail 2026-03): approved"},
		{[]string{"credits", "issue", acme}, exitOK, "credit " + acme + " (acme acme-mail 2026-03): issued"},
		{[]string{"credits", "issue", acme}, exitUsage, "credit state"},
		{[]string{"credits", "void", acme, "--reason", "mistake"}, exitUsage, "credit state"},
		{[]string{"credits", "void", initech}, exitUsage, "give --reason"},
		{[]string{"credits", "void", initech, "--reason", "settled by phone"}, exitOK, "voided"},
		{[]string{"credits", "approve", "99"}, exitUsage, "not found"},
		{[]string{"credits", "approve", "x"}, exitUsage, `"x" is not a credit ID`},
		{[]string{"audit", "verify"}, exitOK, "chain intact"},
		{[]string{"credits", "list", "--state", "owed"}, exitUsage, `state: "owed" is not one of computed, approved, issued, voided`},
		{[]string{"credits", "list", "--tenant", "nobody"}, exitUsage, `tenant: no tenant "nobody" in the configuration`},
		{[]string{"credits", "list", "--period", "March"}, exitUsage, `period: "March" is not a period`},
		{[]string{"credits", "show", acme}, exitOK, "credit " + acme + ": acme acme-mail 2026-03 (credit), issued"},
		{[]string{"credits", "show", acme}, exitOK, "unchanged since recorded"},
		{[]string{"credits", "show", acme}, exitOK, "Europe/Berlin"},
		{[]string{"credits", "show", "99"}, exitUsage, "not found"},
		{[]string{"audit", "list", "--subject", "credit/" + acme}, exitOK, "alice"},
		{[]string{"audit", "list", "--subject", "credit/" + acme}, exitOK, "credit.issued"},
		{[]string{"audit", "list", "--subject", "credit9"}, exitUsage, "is not a subject"},
	}
	for _, s := range steps {
		code, out, errs := run(s.args...)
		if code != s.code || !strings.Contains(out+errs, s.want) {
			t.Errorf("%v: exit %d, output %q %q; want %d and %q", s.args, code, out, errs, s.code, s.want)
		}
	}
	// A manual exclusion, entered and withdrawn, is audited both times.
	code, out, errs = run("exclusions", "add", "--contract", "globex-mail", "--start", "2026-03-10T14:00:00Z",
		"--end", "2026-03-10T14:20:00Z", "--reason", "customer's own DNS change", "--actor", "alice")
	if code != exitOK || !strings.Contains(out, "exclusion 1: globex-mail") {
		t.Errorf("exclusions add: exit %d %q %q", code, out, errs)
	}
	if code, _, errs := run("exclusions", "add", "--contract", "nope", "--start", "x"); code != exitUsage || !strings.Contains(errs, "unknown contract") {
		t.Errorf("exclusions add for an unknown contract: exit %d %q", code, errs)
	}
	if code, out, errs := run("exclusions", "cancel", "1", "--reason", "not theirs after all"); code != exitOK || !strings.Contains(out, "cancelled") {
		t.Errorf("exclusions cancel: exit %d %q %q", code, out, errs)
	}
	if code, out, _ := run("exclusions", "list"); code != exitOK || !strings.Contains(out, "cancelled by") {
		t.Errorf("exclusions list: exit %d\n%s", code, out)
	}
	if entries, err := f.app.store.AuditOf(context.Background(), "exclusion/1"); err != nil || len(entries) != 2 || entries[0].Actor != "alice" {
		t.Errorf("audit of the exclusion: %+v, %v", entries, err)
	}

	code, out, _ = run("credits", "statement", "--tenant", "acme")
	for _, want := range []string{"NORDLICHT-ACME-2026-03", "Acme GmbH", "CUST-0042", "1 March 2026 to 31 March 2026 (Europe/Berlin)",
		"99.8654% (target 99.9%, missed)", "10% of the monthly fee of 1,200.00 EUR", "120.00 EUR"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("statement lacks %q:\n%s", want, out)
		}
	}

	// Someone edits the ledger's history behind slate's back.
	raw, err := sql.Open("sqlite3", f.cfg.Storage.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// The log refuses updates, so the editor drops its guard first.
	if _, err := raw.Exec(`UPDATE audit SET detail = '{"amount_minor":1}' WHERE id = 2`); err == nil {
		t.Fatal("the audit log accepted an update")
	}
	if _, err := raw.Exec(`DROP TRIGGER audit_no_update; UPDATE audit SET detail = '{"amount_minor":1}' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run("audit", "verify")
	if code != exitFail || !strings.Contains(errs, "audit entry 2: hash does not match its contents") {
		t.Errorf("tampered log: exit %d, %q", code, errs)
	}
}
