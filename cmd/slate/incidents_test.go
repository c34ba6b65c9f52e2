package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

// TestIncidentsCommands: a person reads the detected incident with its
// impact, moves it on, and writes, publishes and renders its post-mortem;
// a hostile post-mortem renders inert.
func TestIncidentsCommands(t *testing.T) {
	cfg, cfgPath := testkit.Config(t, "http://127.0.0.1:1/", "tenants: [{id: acme}]\ncontracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: \"1000.00\", currency: USD},\n  policy: {target: \"99.9\", tiers: [{uptime: \"[0, 100)\", credit: \"10\"}]}}]\n", "web")
	a := testApp(t, cfg, monitor.Options{})
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Minute).Add(-60 * time.Minute)
	var rs []sla.Result
	for i := range 6 * 60 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(t0) / time.Minute)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: m < 30 || m >= 40})
	}
	if err := a.store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for m := 1; m <= 60; m++ {
		a.Detect(ctx, t0.Add(time.Duration(m)*time.Minute))
	}
	a.Stop(ctx)

	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSlate(t, "", append(args, "--config", cfgPath, "--actor", "dana")...)
	}
	if code, out, errs := run("incidents", "list"); code != exitOK || !strings.Contains(out, "web") || !strings.Contains(out, "resolved") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := run("incidents", "show", "1")
	if code != exitOK || !strings.Contains(out, "acme: 10 breach minutes, 100.00 USD credit exposure") || !strings.Contains(out, "detected") {
		t.Errorf("show: exit %d\n%s%s", code, out, errs)
	}
	// Every reader of the incident (the public too) reads an update as
	// written: one naming acme is refused, naming the flag, and stored
	// nowhere; so is a window announced on web naming acme.
	if code, _, errs := run("incidents", "update", "1", "--status", "postmortem", "--body", "Acme lost ten minutes."); code != exitUsage || !strings.Contains(errs, "--body: names tenant acme") {
		t.Errorf("an update naming acme: exit %d %s", code, errs)
	}
	if _, again, _ := run("incidents", "show", "1"); again != out {
		t.Errorf("a refused update changed the incident:\n%s\n%s", out, again)
	}
	if code, _, errs := run("maintenance", "add", "--services", "web", "--title", "Acme disk swap", "--start", t0.Add(48*time.Hour).Format(time.RFC3339),
		"--end", t0.Add(49*time.Hour).Format(time.RFC3339)); code != exitUsage || !strings.Contains(errs, "--title: names tenant acme") {
		t.Errorf("a window naming acme: exit %d %s", code, errs)
	}
	if code, out, _ := run("maintenance", "list"); code != exitOK || strings.Contains(out, "Acme") {
		t.Errorf("a refused window stored: exit %d %s", code, out)
	}
	if code, out, _ := run("incidents", "update", "1", "--status", "postmortem", "--body", "Write-up below."); code != exitOK || !strings.Contains(out, "postmortem") {
		t.Errorf("update: exit %d %s", code, out)
	}
	if code, _, errs := run("incidents", "update", "1", "--status", "investigating", "--body", "again"); code != exitUsage || !strings.Contains(errs, "not allowed") {
		t.Errorf("a resolved incident reopened: exit %d %s", code, errs)
	}
	code, out, _ = run("incidents", "postmortem", "1", "--template")
	if code != exitOK || !strings.Contains(out, "1 customer, 10 breach minutes") || !strings.Contains(out, "## Timeline") || strings.Contains(out, "acme") {
		t.Errorf("template (a total, no tenant named):\n%s", out)
	}
	named := filepath.Join(t.TempDir(), "named.md")
	os.WriteFile(named, []byte("# Post-mortem\n\nacme lost 10 minutes.\n"), 0o600)
	if code, _, errs := run("incidents", "postmortem", "1", "--edit", named); code != exitOK {
		t.Fatalf("edit: exit %d %s", code, errs)
	}
	md := filepath.Join(t.TempDir(), "pm.md")
	os.WriteFile(md, []byte("# Post-mortem\n\nThe disk filled. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n"), 0o600)
	if code, out, errs := run("incidents", "postmortem", "1", "--edit", md); code != exitOK || !strings.Contains(out, "version 2") {
		t.Fatalf("edit: exit %d %s %s", code, out, errs)
	}
	if code, _, errs := run("incidents", "postmortem", "1", "--publish", "1"); code != exitUsage || !strings.Contains(errs, "names tenant acme") {
		t.Errorf("publish a text naming acme on a public incident: exit %d %s, want a refusal", code, errs)
	}
	if code, _, errs := run("incidents", "postmortem", "1", "--publish", "2"); code != exitOK {
		t.Fatalf("publish: exit %d %s", code, errs)
	}
	code, out, _ = run("incidents", "postmortem", "1", "--render")
	if code != exitOK || !strings.Contains(out, "The disk filled.") || strings.Contains(out, "<script") ||
		strings.Contains(out, "javascript:") || strings.Contains(out, "onerror") {
		t.Errorf("render is not inert:\n%s", out)
	}
}

// TestMaintenanceAnnouncedAtRunTime: a window announced with slate
// maintenance is audited, silences detection for its service, and can be
// cancelled.
func TestMaintenanceAnnouncedAtRunTime(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	testkit.WriteConfig(t, cfgPath, filepath.Join(dir, "slate.db"), "http://127.0.0.1:1/", "web")
	t0 := time.Now().Truncate(time.Minute).Add(-30 * time.Minute)
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runSlate(t, "", append(args, "--config", cfgPath, "--actor", "erin")...)
	}
	if code, _, errs := run("maintenance", "add", "--services", "web", "--title", "Disk swap", "--description", strings.Repeat("x", catalog.MaxMaintenanceText+1),
		"--start", t0.Format(time.RFC3339), "--end", t0.Add(time.Hour).Format(time.RFC3339)); code != exitUsage || !strings.Contains(errs, "--description") {
		t.Errorf("a description too long: exit %d %q, want a refusal naming --description", code, errs)
	}
	code, out, errs := run("maintenance", "add", "--services", "web", "--title", "Disk swap", "--description", "Pages may load slowly.",
		"--start", t0.Format(time.RFC3339), "--end", t0.Add(time.Hour).Format(time.RFC3339))
	if code != exitOK || !strings.Contains(out, "maintenance 1: web") {
		t.Fatalf("add: exit %d %q %q", code, out, errs)
	}
	if code, _, errs := run("maintenance", "add", "--services", "chat", "--title", "x", "--start", t0.Format(time.RFC3339), "--end", t0.Add(time.Hour).Format(time.RFC3339)); code != exitUsage || !strings.Contains(errs, "unknown service") {
		t.Errorf("unknown service: exit %d %q", code, errs)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a := testApp(t, cfg, monitor.Options{})
	ctx := context.Background()
	if ms, err := a.store.ListMaintenance(ctx); err != nil || len(ms) != 1 || ms[0].Description != "Pages may load slowly." {
		t.Errorf("stored windows: %+v, %v; want the one added with its description", ms, err)
	}
	var rs []sla.Result
	for i := range 6 * 20 { // down for 20 minutes, inside the window
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: t0.Add(time.Duration(i) * 10 * time.Second), OK: false})
	}
	a.store.WriteResults(ctx, rs)
	for m := 1; m <= 20; m++ {
		a.Detect(ctx, t0.Add(time.Duration(m)*time.Minute))
	}
	if incs, _ := a.store.Incidents(ctx, db.IncidentFilter{}); len(incs) != 0 {
		t.Errorf("an outage inside announced maintenance opened %d incidents", len(incs))
	}
	if entries, err := a.store.AuditOf(ctx, "maintenance/1"); err != nil || len(entries) != 1 || entries[0].Actor != "erin" {
		t.Errorf("audit of the window: %+v, %v", entries, err)
	}
	a.Stop(ctx)
	// The window is in progress: cancelling ends it now; once ended it
	// stays. A planned window is cancelled.
	if code, out, _ := run("maintenance", "cancel", "1"); code != exitOK || !strings.Contains(out, "ended now") {
		t.Errorf("cancel the window in progress: exit %d %q", code, out)
	}
	if code, _, errs := run("maintenance", "cancel", "1"); code != exitUsage || !strings.Contains(errs, "ended at") {
		t.Errorf("cancel the ended window: exit %d %q, want a refusal", code, errs)
	}
	later := time.Now().Add(time.Hour)
	if code, _, errs := run("maintenance", "add", "--services", "web", "--title", "Next", "--start", later.Format(time.RFC3339),
		"--end", later.Add(8*24*time.Hour).Format(time.RFC3339)); code != exitUsage || !strings.Contains(errs, "--end: a window may last at most") {
		t.Errorf("a window of 8 days: exit %d %q, want a refusal naming --end", code, errs)
	}
	if code, _, errs := run("maintenance", "add", "--services", "web", "--title", "Next", "--start", later.Format(time.RFC3339),
		"--end", later.Add(time.Hour).Format(time.RFC3339)); code != exitOK {
		t.Fatalf("add a planned window: exit %d %q", code, errs)
	}
	if code, out, _ := run("maintenance", "cancel", "2"); code != exitOK || !strings.Contains(out, "cancelled") {
		t.Errorf("cancel the planned window: exit %d %q", code, out)
	}
	if code, out, _ := run("maintenance", "list"); code != exitOK || !strings.Contains(out, "cancelled by erin") || !strings.Contains(out, "ended") {
		t.Errorf("list:\n%s", out)
	}
}
