package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

const reportConfig = `
storage: {path: %q}
tenants:
  - {id: acme, timezone: Europe/Berlin}
  - {id: globex, timezone: America/Los_Angeles}
services: [{id: mail}]
checks:
  - {id: mail-acme, service: mail, tenant: acme, kind: http, target: "http://127.0.0.1:1/", interval: 10s}
  - {id: mail-globex, service: mail, tenant: globex, kind: http, target: "http://127.0.0.1:1/", interval: 10s}
contracts:
  - id: acme-mail
    tenant: acme
    services: [mail]
    fee: {amount: "1000.00", currency: EUR}
    policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}
  - id: globex-mail
    tenant: globex
    services: [mail]
    period: quarter
    fee: {amount: "3000.00", currency: USD}
    policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}
`

// reportFixture writes reportConfig with a store in a temporary directory
// and loads it; it returns the configuration and the store's path.
func reportFixture(t *testing.T) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "slate.db")
	cfgPath := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(reportConfig, dbPath)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, dbPath
}

// TestReportFromEvidence stores two hours of results for two tenants in
// different zones, one of them down for six minutes, and reports the current
// period as of two hours into it.
func TestReportFromEvidence(t *testing.T) {
	cfg, dbPath := reportFixture(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, berlin) // acme's March starts here
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var rs []sla.Result
	for i := range 720 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		down := at.Sub(start) >= 30*time.Minute && at.Sub(start) < 36*time.Minute
		rs = append(rs, sla.Result{CheckID: "mail-acme", Location: "local", At: at, OK: !down})
		rs = append(rs, sla.Result{CheckID: "mail-globex", Location: "local", At: at, OK: true})
	}
	if err := store.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	now := start.Add(2 * time.Hour)
	rows, err := buildReport(context.Background(), store, &cfg.Catalog, "", "current", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(rows))
	}
	acme := rows[0]
	if acme.PeriodName != "2026-03" || acme.Period.Start != "2026-02-28T23:00:00Z" || *acme.DowntimeMinutes != "6" ||
		acme.EligibleMinutes != "120" || acme.UptimePercent != "95.0000" || acme.CreditAmount != "100.00" ||
		acme.CoveragePercent != "100.0000" || acme.CoverageFlagged || acme.BudgetSpentRatio != "50.0000" {
		t.Errorf("acme: %+v", acme)
	}
	// Globex's quarter in Los Angeles began on 1 January; its evidence
	// covers only the last two hours, so the period is flagged.
	globex := rows[1]
	if globex.PeriodName != "2026-Q1" || globex.Period.Start != "2026-01-01T08:00:00Z" || !globex.CoverageFlagged ||
		*globex.DowntimeMinutes != "0" || globex.CreditAmount != "0.00" {
		t.Errorf("globex: %+v", globex)
	}

	// Without declared locations every check runs from the collector's,
	// "local"; globex's quarter has its evidence from it for two hours.
	if l := acme.CoverageByLocation; len(l) != 1 || l[0] != (locationCoverage{Location: "local", Name: "local", CoveragePercent: "100.0000",
		ReportedMinutes: "120", Minutes: "120"}) {
		t.Errorf("acme by location: %+v", l)
	}
	if l := globex.CoverageByLocation; len(l) != 1 || l[0].ReportedMinutes != "120" || !l[0].BelowThreshold {
		t.Errorf("globex by location: %+v", l)
	}

	only, err := buildReport(context.Background(), store, &cfg.Catalog, "globex", "2026-02", now)
	if err != nil || len(only) != 1 || only[0].PeriodName != "2026-Q1" {
		t.Fatalf("--tenant globex --period 2026-02: %+v, %v", only, err)
	}

	var js bytes.Buffer
	if err := writeReport(&js, "json", rows); err != nil {
		t.Fatal(err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"period", "period_minutes", "eligible_minutes", "downtime_minutes", "excluded_minutes", "uptime_percent",
		"uptime_exact", "target_met", "credit_percent", "credit_days", "credit_amount", "currency", "coverage_percent", "tenant", "contract",
		"coverage_by_location"} {
		if _, ok := decoded[0][k]; !ok {
			t.Errorf("json lacks %q, a field of slate calc's output or of the report", k)
		}
	}
	var cs bytes.Buffer
	if err := writeReport(&cs, "csv", rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "acme" || recs[1][10] != "100.00" || recs[1][12] != "local=100.0000" {
		t.Errorf("csv: %v, %v", recs, err)
	}
	var tb bytes.Buffer
	if err := writeReport(&tb, "table", rows); err != nil || !strings.Contains(tb.String(), "coverage below threshold") ||
		!strings.Contains(tb.String(), "local=100.00 ") {
		t.Errorf("table:\n%s", tb.String())
	}
}

func TestReportRefusesBadArguments(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no config", []string{"report"}, "give --config FILE"},
		{"bad format", []string{"report", "--config", "../../examples/slate.yaml", "--format", "xml"}, `--format: "xml" is not one of table, json, csv`},
		{"unknown tenant", []string{"report", "--config", "../../examples/slate.yaml", "--tenant", "initech"}, `--tenant: unknown tenant "initech"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runSlate(t, "", tc.args...)
			if code != exitUsage || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, exitUsage, tc.want)
			}
		})
	}
	monthly := catalog.Contract{Period: catalog.PeriodMonth}
	for _, arg := range []string{"2026-13", "26-10", "2026-Q5", "someday"} {
		if _, err := monthly.PeriodNamed(arg, time.UTC, time.Now()); err == nil {
			t.Errorf("period %q accepted", arg)
		}
	}
	if _, err := monthly.PeriodNamed("2026-Q3", time.UTC, time.Now()); err == nil {
		t.Error("a quarter accepted for a monthly contract")
	}
}

// TestMaintenanceNoticeDecidesExclusion: of two maintenance windows with an
// outage in each, only the one announced at least the contract's notice
// ahead is excluded.
func TestMaintenanceNoticeDecidesExclusion(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "slate.db")
	cfgPath := filepath.Join(dir, "slate.yaml")
	conf := fmt.Sprintf(`
storage: {path: %q}
tenants: [{id: acme}]
services: [{id: mail}]
checks: [{id: mail-acme, service: mail, tenant: acme, kind: http, target: "http://127.0.0.1:1/", interval: 10s}]
maintenance:
  - {id: planned, services: [mail], title: "Disk upgrade", start: "2026-03-01T00:30:00Z", end: "2026-03-01T00:40:00Z", announced: "2026-02-20T09:00:00Z"}
  - {id: hasty, services: [mail], title: "Hot fix", start: "2026-03-01T01:00:00Z", end: "2026-03-01T01:10:00Z", announced: "2026-03-01T00:00:00Z"}
contracts:
  - {id: acme-mail, tenant: acme, services: [mail], fee: {amount: "100", currency: EUR}, maintenance_notice: 72h,
     policy: {target: "99.9"}}
`, dbPath)
	if err := os.WriteFile(cfgPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 720 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		d := at.Sub(start)
		down := d >= 30*time.Minute && d < 40*time.Minute || d >= 60*time.Minute && d < 70*time.Minute
		rs = append(rs, sla.Result{CheckID: "mail-acme", Location: "local", At: at, OK: !down})
	}
	if err := store.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	rows, err := buildReport(context.Background(), store, &cfg.Catalog, "", "current", start.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0]; *got.DowntimeMinutes != "10" || got.ExcludedMinutes != "10" {
		t.Errorf("downtime %s, excluded %s; want 10 and 10 (only the window announced in time is excluded)", *got.DowntimeMinutes, got.ExcludedMinutes)
	}
}

// TestReportGoesOnPastAFailingContract: globex's evidence cannot be read
// (its minute history is garbage, written behind the store's back); the
// report still gives acme's figures and names globex's contract as the
// one it could not compute.
func TestReportGoesOnPastAFailingContract(t *testing.T) {
	cfg, dbPath := reportFixture(t)
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var rs []sla.Result
	for i := range 60 {
		at := start.Add(time.Duration(i) * time.Minute)
		rs = append(rs, sla.Result{CheckID: "mail-acme", Location: "local", At: at, OK: true},
			sla.Result{CheckID: "mail-globex", Location: "local", At: at, OK: true})
	}
	ctx := context.Background()
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	err = store.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		_, err := tx.ExecContext(ctx, `UPDATE minutes SET data = x'ffffffff' WHERE check_id = (SELECT id FROM checks WHERE name = 'mail-globex')`)
		return nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := buildReport(ctx, store, &cfg.Catalog, "", "current", start.Add(2*time.Hour))
	if len(rows) != 1 || rows[0].Contract != "acme-mail" {
		t.Errorf("rows: %+v, want acme-mail's alone", rows)
	}
	if err == nil || !strings.Contains(err.Error(), "globex-mail") {
		t.Errorf("error %v, want one naming globex-mail", err)
	}
}
