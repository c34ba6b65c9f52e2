package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

// experimentConfig is one collector, at eu-west, and two checks of the
// same target: one listing three locations, one listing eu-west alone.
// The first %s is where the locations are declared, or not.
const experimentConfig = `storage: {path: %q}
server: {listen: "127.0.0.1:0"}
collector: {location: eu-west}
%s
tenants: [{id: acme}]
services:
  - {id: web, name: Web}
  - {id: web-alone, name: Web from one place}
checks:
  - {id: web-three, service: web, kind: http, target: %q, interval: 20s, locations: [eu-west, us-east, ap-south]}
  - {id: web-one, service: web-alone, kind: http, target: %q, interval: 20s, locations: [eu-west]}
contracts:
  - {id: acme-web, tenant: acme, services: [web], fee: {amount: "1000.00", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
  - {id: acme-web-alone, tenant: acme, services: [web-alone], fee: {amount: "1000.00", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/"}]
  routes: [{receiver: oncall}]
`

// TestDeclaredLocationsExperiment is the experiment that showed a check
// listing three locations, probed from one, never going down: a target
// answers 503 for two and a half minutes. slate check refuses the check
// until its other two locations are declared; declared but silent, they
// leave the outage's minutes unknown and the period flagged — never up,
// never a partial outage on the public page — while the same target
// checked from eu-west alone is down for three minutes. The other two
// locations' silence raises an alert.
func TestDeclaredLocationsExperiment(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // acme's March, in UTC, starts here
	clock := &testkit.Clock{}
	clock.Set(t0)
	outage := []sla.Interval{{Start: t0.Add(10 * time.Minute), End: t0.Add(12*time.Minute + 30*time.Second)}}
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if clock.In(outage) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(target.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	write := func(locations string) {
		src := fmt.Sprintf(experimentConfig, filepath.Join(dir, "slate.db"), locations, target.URL, target.URL)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	write("")
	code, _, errs := runSlate(t, "", "check", path)
	for _, loc := range []string{"us-east", "ap-south"} {
		re := regexp.MustCompile(regexp.QuoteMeta(path) + `:\d+:\d+: checks\[0\]\.locations\[\d\]: unknown location "` + loc + `"`)
		if code != exitUsage || !re.MatchString(errs) {
			t.Errorf("slate check with %s undeclared: exit %d, stderr:\n%s", loc, code, errs)
		}
	}
	write("locations: [eu-west, us-east, ap-south]   # us-east and ap-south: no agent reports from them")
	if code, out, errs := runSlate(t, "", "check", path); code != exitOK {
		t.Fatalf("slate check with the locations declared: exit %d\n%s%s", code, out, errs)
	}

	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	app := testApp(t, cfg, monitor.Options{Now: clock.Now})
	base := startTestApp(t, app)
	ctx := context.Background()
	for at := t0; at.Before(t0.Add(20 * time.Minute)); at = at.Add(20 * time.Second) {
		clock.Set(at)
		if at.Second() == 0 && at.After(t0) {
			if err := app.Detect(ctx, at); err != nil { // judges the minute that just ended
				t.Fatal(err)
			}
		}
		if at.Equal(t0.Add(12 * time.Minute)) { // 00:11 judged: mid-outage
			experimentPublicPage(t, base)
		}
		for _, id := range []string{"web-three", "web-one"} {
			if _, err := app.Scheduler().RunOnce(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := t0.Add(20 * time.Minute)
	clock.Set(now)

	experimentReport(t, path, now)
	incs, err := app.store.Incidents(ctx, db.IncidentFilter{})
	if err != nil || len(incs) != 1 || incs[0].Service != "web-alone" {
		t.Errorf("incidents: %+v, %v; want one, on web-alone (the unknown minutes of web open none)", incs, err)
	}
	if err := app.LocationSilence(ctx, now); err != nil {
		t.Fatal(err)
	}
	for loc, want := range map[string]int{"us-east": 1, "ap-south": 1, "eu-west": 0} {
		as, err := app.store.AlertsByKey(ctx, "location/"+loc)
		if err != nil || len(as) != want || want == 1 && as[0].Kind != alert.KindTrigger {
			t.Errorf("silence alerts of %s: %+v, %v; want %d trigger", loc, as, err, want)
		}
	}
}

// experimentPublicPage: in the outage's third minute the public page shows
// the three-location service as not measured, and the one-location one as
// down; the Statuspage API calls neither a partial outage.
func experimentPublicPage(t *testing.T, base string) {
	t.Helper()
	code, body := testkit.Get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d", code)
	}
	status := func(name string) string {
		m := regexp.MustCompile(`<span class="name">` + regexp.QuoteMeta(name) + `</span>\s*<span class="status status-\w+">([^<]*)</span>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no service %q on the public page", name)
		}
		return m[1]
	}
	if got := status("Web"); got != "No data" {
		t.Errorf("the three-location service mid-outage shows %q, want \"No data\"", got)
	}
	if got := status("Web from one place"); got != "Major outage" {
		t.Errorf("the one-location service mid-outage shows %q, want \"Major outage\"", got)
	}
	_, api := testkit.Get(t, base+"/api/v2/components.json")
	if strings.Contains(api, "partial_outage") {
		t.Errorf("components.json calls something a partial outage:\n%s", api)
	}
}

// experimentReport: slate report --format json, 20 minutes into March.
func experimentReport(t *testing.T, path string, now time.Time) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := runReport([]string{"--config", path, "--format", "json"}, &out, &errb, func() time.Time { return now }); code != exitOK {
		t.Fatalf("slate report: exit %d\n%s", code, errb.String())
	}
	var rows []reportRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	byContract := map[string]reportRow{}
	for _, r := range rows {
		byContract[r.Contract] = r
	}
	three, one := byContract["acme-web"], byContract["acme-web-alone"]
	if one.DowntimeMinutes == nil || *one.DowntimeMinutes != "3" || one.CoverageFlagged || one.CoveragePercent != "100.0000" {
		t.Errorf("from eu-west alone: %+v; want 3 down minutes, fully covered", one)
	}
	// Every minute of the three-location check had one report of the two
	// its quorum needs: unknown, the outage's included.
	if three.DowntimeMinutes == nil || *three.DowntimeMinutes != "0" || !three.CoverageFlagged || three.CoveragePercent != "0.0000" {
		t.Errorf("from three locations, one reporting: %+v; want no downtime, no coverage, flagged", three)
	}
	var locs []string
	for _, l := range three.CoverageByLocation {
		locs = append(locs, l.Location+"="+l.CoveragePercent)
	}
	if want := []string{"eu-west=100.0000", "us-east=0.0000", "ap-south=0.0000"}; !slices.Equal(locs, want) {
		t.Errorf("coverage by location: %v, want %v", locs, want)
	}
}

// TestClosedPeriodsUnderDeclaredLocations: a March recorded and closed
// before locations were declared (one collector, "local", 30 minutes down)
// closes to the same entry when the configuration declares that location,
// and changes only through an adjustment — the original entry untouched —
// when it declares a second location that never reported, whose silence
// leaves every minute unknown.
func TestClosedPeriodsUnderDeclaredLocations(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "slate.db")
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for at := start; at.Before(start.AddDate(0, 1, 0)); at = at.Add(time.Minute) {
		down := !at.Before(start.Add(100*time.Hour)) && at.Before(start.Add(100*time.Hour+30*time.Minute))
		rs = append(rs, sla.Result{CheckID: "mail", Location: "local", At: at, OK: !down})
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	const base = `storage: {path: %q}
%s
tenants: [{id: acme}]
services: [{id: mail}]
checks: [{id: mail, service: mail, kind: http, target: "http://127.0.0.1:1/"}]
contracts:
  - {id: acme-mail, tenant: acme, services: [mail], fee: {amount: "1000.00", currency: EUR},
     policy: {target: "99.99", tiers: [{uptime: "[0, 99.99)", credit: "10"}]}}
`
	now := time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)
	closeWith := func(locations string) []db.Credit {
		t.Helper()
		cfg, err := config.Parse("slate.yaml", strings.NewReader(fmt.Sprintf(base, dbPath, locations)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := monitor.CloseDue(ctx, store, &cfg.Catalog, "test", now); err != nil {
			t.Fatal(err)
		}
		cs, err := store.Credits(ctx, db.CreditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	first := closeWith("") // no locations: the collector's, local
	if len(first) != 1 || first[0].BreachMinutes != "30" || first[0].AmountMinor != 10000 || first[0].Flagged {
		t.Fatalf("closed without declared locations: %+v", first)
	}
	if again := closeWith("locations: [local]"); len(again) != 1 || again[0] != first[0] {
		t.Errorf("declaring the one location changed the ledger: %+v", again)
	}
	after := closeWith("locations: [local, us-east]")
	if len(after) != 2 {
		t.Fatalf("ledger after declaring a silent second location: %+v", after)
	}
	orig, adj := after[0], after[1]
	if orig.Kind == db.KindAdjustment {
		orig, adj = adj, orig
	}
	if orig != first[0] {
		t.Errorf("the closed entry was rewritten: %+v, was %+v", orig, first[0])
	}
	if adj.Kind != db.KindAdjustment || adj.Adjusts != orig.ID || adj.BreachMinutes != "0" || !adj.Flagged ||
		adj.CoveragePercent != "0.0000" || adj.AmountMinor != -10000 {
		t.Errorf("adjustment: %+v; want the credit taken back, flagged for no coverage", adj)
	}
}
