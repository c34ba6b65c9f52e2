package monitor

import (
	"context"
	"fmt"
	"io"

	"github.com/slatehq/slate/backup"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// TestFreshInstallPagesNobody installs slate in the middle of a month
// against a healthy target, with a tenant's contract, a webhook route for
// everything and backups on, and runs its first hour on a fake clock: the check
// probes the real target every 10 s, detection judges every result, and
// every minute the jobs run as cron runs them (SLA figures and burn
// rules, the coverage alert, the watchdog, repeats, the period close,
// backups, retention). Nobody is paged: the outbox stays empty — the
// contract's coverage this month is low only because slate was not there,
// which is its warm-up, not an alarm.
func TestFreshInstallPagesNobody(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, fmt.Sprintf(`tenants: [{id: acme}]
contracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}]
alerting:
  receivers: [{name: hook, kind: webhook, url: %q, secret: %q}]
  routes: [{receiver: hook}]
`, "http://127.0.0.1:1/", hookSecret), "web")
	cfg.Probes[0].Interval = 10 * time.Second
	clock := &testkit.Clock{}
	t0 := time.Date(2026, 3, 17, 14, 23, 17, 0, time.UTC)
	clock.Set(t0)
	a := testApp(t, cfg, Options{Now: clock.Now})
	startTestApp(t, a)
	ctx := context.Background()
	jobs := []struct {
		name string
		run  func(context.Context, time.Time) error
	}{
		{"sla metrics", a.UpdateSLA}, {"watchdog", a.watchdog}, {"repeat notifications", a.repeatAlerts},
		{"period close", a.closeOwed}, {"backups", a.backupsDue}, {"retention", a.pruneDue}, {"status page", a.RefreshStatus},
	}
	for s := 10 * time.Second; s <= time.Hour; s += 10 * time.Second {
		clock.Set(t0.Add(s))
		if _, err := a.sched.RunOnce(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if err := a.Detect(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if s%time.Minute != 0 {
			continue
		}
		for _, j := range jobs {
			if err := j.run(ctx, clock.Now()); err != nil {
				t.Fatalf("%s at %v: %v", j.name, clock.Now(), err)
			}
		}
	}
	// Every notification ever queued, delivered or not (the receiver would
	// refuse signatures stamped with the fake clock).
	dump, err := a.db.Dump(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, al := range dump.Alerts {
		t.Errorf("a healthy first hour queued %s %s: %s", al.Kind, al.DedupKey, al.Payload)
	}
	if countIncidents(t, a.db) != 0 {
		t.Errorf("incidents opened on a healthy target")
	}
	if bs, err := backupList(a); err != nil || bs < 3 {
		t.Errorf("%d backups, %v; want the first hour's hourly, daily and weekly ones taken", bs, err)
	}
	a.statusMu.Lock()
	cur := a.current["acme-web"]
	a.statusMu.Unlock()
	if !cur.Statement.Flagged {
		t.Errorf("the month's coverage is not flagged: the test does not show the warm-up")
	}
}

// backupList counts the good backups in a's backup directory.
func backupList(a *testMonitor) (int, error) {
	bs, err := backup.List(a.Config().Backup.Dir)
	n := 0
	for _, b := range bs {
		if b.Good {
			n++
		}
	}
	return n, err
}

// TestTenantFiguresFromTheStart: the moment slate serves after a start, a
// tenant's page shows its contract's figures for the period so far — the
// start computes them before it serves, as /metrics has them — instead of
// saying they are being computed.
func TestTenantFiguresFromTheStart(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, `tenants: [{id: acme}]
contracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}]
`, "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	now := time.Now()
	var rs []sla.Result
	for i := range 60 {
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: now.Add(-time.Duration(i) * 10 * time.Second), OK: true})
	}
	if err := a.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	link, _, err := TenantLink(ctx, a.db, cfg, "acme", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	base := startTestApp(t, a)
	_, q, _ := strings.Cut(link, "?")
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(base + "/status/acme?" + q) // the link is swapped for a cookie
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code, page := resp.StatusCode, string(body)
	if code != http.StatusOK || strings.Contains(page, "being computed") || !strings.Contains(page, "target met") {
		t.Errorf("the tenant's page right after the start: %d\n%.600s", code, page)
	}
}
