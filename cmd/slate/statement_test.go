package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/billing"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/golden"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/statement"
)

// pdfToText extracts a PDF's text with pdftotext, skipping (or failing
// under CI) when poppler-utils is missing.
func pdfToText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (Debian package poppler-utils); .ci/run installs it")
		}
		t.Skip("pdftotext is not installed (Debian package poppler-utils)")
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return regexp.MustCompile(`\s+`).ReplaceAllString(string(out), " ")
}

// TestStatementPDFMatchesLedger: for a contract of every kind — percent,
// days, proportional — and for an adjustment, the PDF that slate credits
// statement writes says what the ledger holds: the amount, the uptime and
// the credit as the contract states it, with the statement number and the
// application date.
func TestStatementPDFMatchesLedger(t *testing.T) {
	f := newCloseFixture(t)
	ctx := context.Background()
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Late agreement: part of acme's outage is excluded, so the next close
	// records an adjustment of acme's credit.
	if _, err := f.app.store.AddExclusion(ctx, db.Exclusion{Contract: "acme-mail", Start: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC),
		End: time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), Reason: "Customer's own DNS change"}, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	entries := f.credits(t)
	byKind := map[string]db.Credit{}
	for _, c := range entries {
		byKind[c.Tenant+"/"+c.Kind] = c
	}
	adj, ok := byKind["acme/adjustment"]
	if !ok {
		t.Fatalf("no adjustment recorded: %+v", entries)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, tenant string
		entry        db.Credit
		want         []string
	}{
		{"percent", "acme", byKind["acme/credit"], []string{"NORDLICHT-ACME-2026-03-R2", "Acme GmbH", "CUST-0042",
			"10% of the monthly fee of 1,200.00 EUR", "1 March 2026 to 31 March 2026 (Europe/Berlin)"}},
		{"adjustment", "acme", adj, []string{"statement NORDLICHT-ACME-2026-03", "Customer's own DNS change"}},
		{"days", "globex", byKind["globex/credit"], []string{"NORDLICHT-GLOBEX-2026-03", "3 days of service (3/31 of the monthly fee of 500.00 USD)"}},
		{"proportional", "initech", byKind["initech/credit"], []string{"NORDLICHT-INITECH-2026-03", "of the monthly fee of 90,000 JPY: (100% − " + byKind["initech/credit"].UptimePercent + "%) × 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.entry.ID == 0 {
				t.Fatalf("no %s entry in %+v", tc.name, entries)
			}
			out := filepath.Join(dir, tc.name+".pdf")
			code, stdout, errs := runSlate(t, "", "credits", "statement", "--tenant", tc.tenant, "--period", "2026-03", "--format", "pdf",
				"--out", out, "--config", f.cfgPath)
			if code != exitOK {
				t.Fatalf("statement: exit %d %s %s", code, stdout, errs)
			}
			text := pdfToText(t, out)
			amount := statement.FormatMoney(statement.Money{Minor: tc.entry.AmountMinor, Currency: tc.entry.Currency})
			want := append([]string{amount, tc.entry.UptimePercent + "%"}, tc.want...)
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, tc.tenant+"-mail") {
				t.Errorf("the PDF shows the contract's internal id %s-mail", tc.tenant)
			}
		})
	}
	// Every format refuses an unknown period with a clear error.
	if code, _, errs := runSlate(t, "", "credits", "statement", "--tenant", "acme", "--period", "2025-01", "--config", f.cfgPath); code != exitUsage ||
		!strings.Contains(errs, billing.ErrNoStatement.Error()) {
		t.Errorf("unknown period: exit %d %q", code, errs)
	}
}

// TestBillingExport: the export's columns are the documented ones, a
// voided entry carries its reason, --since keeps only what was issued
// after it, --credit-notes negates amounts, and every issued credit
// reaches the billing webhook once as a signed credit.issued event, even
// when the job runs twice.
func TestBillingExport(t *testing.T) {
	var got []alert.Event
	secret := "billing-secret-0123456789"
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := alert.VerifySignature([]byte(secret), r.Header.Get(alert.SignatureHeader), r.Header.Get(alert.TimestampHeader), body,
			time.Now(), 24*365*time.Hour); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		var e alert.Event
		if err := json.Unmarshal(body, &e); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		got = append(got, e)
	}))
	defer hook.Close()
	f := newCloseFixture(t)
	f.cfg.Alerting.Receivers = append(f.cfg.Alerting.Receivers, config.Receiver{Name: "billing", Kind: "webhook", URL: hook.URL, Secret: secret})
	f.cfg.Billing.Receivers = []string{"billing"}
	ctx := context.Background()
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ids := map[string]db.Credit{}
	for _, c := range f.credits(t) {
		ids[c.Tenant] = c
	}
	f.clock.Set(f.clock.Now().Add(time.Hour))
	cut := f.clock.Now()
	f.clock.Set(cut.Add(time.Minute))
	if _, err := f.app.store.ApproveCredit(ctx, ids["acme"].ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.store.IssueCredit(ctx, ids["acme"].ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.store.VoidCredit(ctx, ids["initech"].ID, "alice", "settled by phone"); err != nil {
		t.Fatal(err)
	}
	export := func(args ...string) [][]string {
		t.Helper()
		code, out, errs := runSlate(t, "", append([]string{"credits", "export", "--config", f.cfgPath}, args...)...)
		if code != exitOK {
			t.Fatalf("export %v: exit %d %s", args, code, errs)
		}
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != strings.Join(billing.Columns, ",") {
			t.Fatalf("columns %v, want %v", rows[0], billing.Columns)
		}
		return rows[1:]
	}
	col := func(row []string, name string) string {
		for i, c := range billing.Columns {
			if c == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	all := export()
	if len(all) != 3 {
		t.Fatalf("export: %d rows, want 3", len(all))
	}
	for _, r := range all {
		switch col(r, "tenant") {
		case "initech":
			if col(r, "state") != "voided" || col(r, "void_reason") != "settled by phone" {
				t.Errorf("voided row: %v", r)
			}
		case "acme":
			if col(r, "approved_by") != "alice" || col(r, "issued_by") != "bob" || col(r, "billing_ref") != "CUST-0042" ||
				col(r, "period_start") != "2026-02-28T23:00:00.000Z" || col(r, "credit_amount") != "120.00" {
				t.Errorf("acme row: %v", r)
			}
		case "globex":
			if col(r, "credit_days") != "3" || col(r, "issued_by") != "slate/close" {
				t.Errorf("globex row: %v", r)
			}
		}
	}
	since := export("--since", cut.UTC().Format(time.RFC3339), "--credit-notes")
	if len(since) != 1 || col(since[0], "tenant") != "acme" || col(since[0], "credit_amount") != "-120.00" {
		t.Errorf("--since %s --credit-notes: %v", cut, since)
	}
	if code, _, errs := runSlate(t, "", "credits", "export", "--since", "yesterday", "--config", f.cfgPath); code != exitUsage || !strings.Contains(errs, "--since") {
		t.Errorf("bad --since: exit %d %q", code, errs)
	}

	// The credit.issued events: twice the job, once each credit.
	for range 2 {
		if _, err := monitor.IssuedCredits(ctx, f.cfg, f.app.store, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	sender, err := alert.NewSender(f.app.store, monitor.Receivers(f.cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	sender.Now = f.clock.Now
	if _, err := sender.DeliverDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, e := range got {
		keys[e.DedupKey]++
		var row billing.Row
		if err := json.Unmarshal(e.Data, &row); err != nil || e.Kind != alert.KindCreditIssued || row.IssuedAt == "" {
			t.Errorf("event %+v: data %+v, %v", e, row, err)
		}
	}
	want := map[string]int{fmt.Sprintf("credit/%d/issued", ids["acme"].ID): 1, fmt.Sprintf("credit/%d/issued", ids["globex"].ID): 1}
	if !maps.Equal(keys, want) {
		t.Errorf("events by key: got %v, want %v", keys, want)
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestStatementPageAsServed: the tenant's statement page, as the running
// server sends it to the tenant's viewer token, matches its golden file;
// it links its stylesheet (served at /statement.css) and carries no
// inline style, so the page's Content-Security-Policy (style-src 'self')
// lets it render as designed.
func TestStatementPageAsServed(t *testing.T) {
	f := newCloseFixture(t)
	ctx := context.Background()
	if err := f.app.CloseDue(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	text, _, err := f.app.store.CreateToken(ctx, db.NewToken{Name: "acme viewer", Role: access.Viewer, Tenant: "acme"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	base := startTestApp(t, f.app)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+text)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, page := get("/status/acme/statement?period=2026-03")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src 'self'") {
		t.Fatalf("statement page: %d, CSP %q\n%s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), page)
	}
	if bytes.Contains(page, []byte("<style")) || bytes.Contains(page, []byte("style=")) || !bytes.Contains(page, []byte(`href="/statement.css"`)) {
		t.Errorf("the page has inline style or does not link /statement.css:\n%s", page)
	}
	golden.Check(t, "testdata/statement-page.golden.html", page, *updateGolden)
	if resp, css := get("/statement.css"); resp.StatusCode != http.StatusOK || !bytes.Equal(css, statement.CSS()) {
		t.Errorf("/statement.css: %d", resp.StatusCode)
	}
	resp, pdf := get("/status/acme/statement.pdf?period=2026-03")
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "NORDLICHT-ACME-2026-03.pdf") {
		t.Errorf("statement PDF: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := get("/status/acme/statement?period=2026-13"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a period that is no period: %d, want 404", resp.StatusCode)
	}
}
