package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// signedHook is a webhook receiver on 127.0.0.1 that checks signatures and
// keeps the events it accepted, in arrival order.
type signedHook struct {
	*httptest.Server
	mu  sync.Mutex
	got []alert.Event
}

const hookSecret = "a-long-shared-secret-for-tests"

func newSignedHook(t *testing.T) *signedHook {
	h := &signedHook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := alert.VerifySignature([]byte(hookSecret), r.Header.Get(alert.SignatureHeader), r.Header.Get(alert.TimestampHeader), body, time.Now(), time.Hour); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var e alert.Event
		json.Unmarshal(body, &e)
		h.mu.Lock()
		h.got = append(h.got, e)
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

// events are the events received so far.
func (h *signedHook) events() []alert.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// outageConfig is a contract acme-web on service web (checked every 10 s
// from local, failures: 1), and alerts to hook.
func outageConfig(t *testing.T, hook string) *testMonitor {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", fmt.Sprintf(`tenants: [{id: acme}]
contracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: "1", currency: USD}, policy: {target: "99.9"}}]
alerting:
  receivers: [{name: hook, kind: webhook, url: %q, secret: %q}]
  routes: [{receiver: hook}]
`, hook, hookSecret), "web")
	cfg.Server.PublicURL = "https://status.example.com/"
	return testApp(t, cfg, Options{})
}

// writeOutage stores an hour of results of web every 10 s from t0, failing
// in minutes [from, to).
func writeOutage(t *testing.T, a *testMonitor, t0 time.Time, from, to int) {
	t.Helper()
	var rs []sla.Result
	for i := range 6 * 60 {
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(t0) / time.Minute)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: m < from || m >= to})
	}
	if err := a.db.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// TestOneOutagePagesOnce: a ten-minute outage against a contract with the
// workbook's burn-rate rules opens one incident, and the receiver gets
// exactly one page for it — the incident's trigger, titled with the
// service's name and linking its page — and then its resolve. The burn
// rules that fire during the outage are not sent: each says why in the
// incident's timeline, as a note staff see and the status page does not.
func TestOneOutagePagesOnce(t *testing.T) {
	hook := newSignedHook(t)
	a := outageConfig(t, hook.URL)
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Minute).Add(-60 * time.Minute)
	writeOutage(t, a, t0, 30, 40)
	for m := 1; m <= 60; m++ {
		now := t0.Add(time.Duration(m) * time.Minute)
		if err := a.Detect(ctx, now); err != nil {
			t.Fatal(err)
		}
		if err := a.UpdateSLA(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	incs, err := a.db.Incidents(ctx, db.IncidentFilter{})
	if err != nil || len(incs) != 1 || incs[0].Open() || !incs[0].Started.Equal(t0.Add(30*time.Minute)) || !incs[0].Ended.Equal(t0.Add(40*time.Minute)) ||
		len(incs[0].Tenants) != 1 || incs[0].Tenants[0] != "acme" {
		t.Fatalf("stored incidents: %+v, %v; want one from minute 30 to 40 affecting acme", incs, err)
	}
	if _, err := a.sender.DeliverDue(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	var pages, kinds []string
	for _, e := range hook.events() {
		kinds = append(kinds, e.DedupKey+" "+e.Kind)
		if e.Kind == alert.KindTrigger {
			pages = append(pages, e.Title)
		}
	}
	key := incidentKey(t, a, incs[0].ID)
	if want := []string{key + " trigger", key + " resolve"}; !slices.Equal(kinds, want) {
		t.Fatalf("notifications %v, want %v", kinds, want)
	}
	trigger := hook.events()[0]
	if trigger.Title != "web: critical outage, investigating" || trigger.URL != "https://status.example.com/incidents/"+strings.TrimPrefix(key, "incident/") {
		t.Errorf("trigger titled %q linking %q", trigger.Title, trigger.URL)
	}
	if resolve := hook.events()[1]; !strings.Contains(resolve.Title, "web recovered") || !strings.Contains(resolve.Title, "after 10m") {
		t.Errorf("resolve titled %q, want what recovered and after how long", resolve.Title)
	}
	var notes []string
	for _, e := range incs[0].Timeline {
		if e.Kind == incident.KindNote {
			notes = append(notes, e.Body)
		}
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "SLOBudgetBurnFast not sent") {
		t.Errorf("notes %q, want the fast burn's reason for staying silent", notes)
	}
	for _, rule := range sla.BurnRules() {
		if as, _ := a.db.AlertsByKey(ctx, "burn/acme-web/"+rule.Name); len(as) != 0 {
			t.Errorf("%s enqueued %d notifications during an incident", rule.Name, len(as))
		}
	}
	w := httptest.NewRecorder()
	a.web.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/incidents.json", nil))
	if strings.Contains(w.Body.String(), "acme-web") || strings.Contains(w.Body.String(), "Burn-rate") {
		t.Errorf("the public incident shows a note for staff: %s", w.Body.String())
	}
}

// TestBurnWithoutIncidentPages: a contract burning its budget with no
// incident of its services pages on its own, once, and its resolve names
// the rule that stopped firing.
func TestBurnWithoutIncidentPages(t *testing.T) {
	hook := newSignedHook(t)
	a := outageConfig(t, hook.URL)
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Minute).Add(-60 * time.Minute)
	writeOutage(t, a, t0, 30, 40) // detection does not run: no incident
	for _, m := range []int{40, 41} {
		if err := a.UpdateSLA(ctx, t0.Add(time.Duration(m)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	as, _ := a.db.AlertsByKey(ctx, "burn/acme-web/SLOBudgetBurnFast")
	if len(as) != 1 || as[0].Kind != alert.KindTrigger {
		t.Fatalf("fast burn notifications %+v, want one trigger", as)
	}
	// A restart does not page it again: the outbox says it was sent.
	b := reopen(t, a)
	if err := b.UpdateSLA(ctx, t0.Add(42*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if as, _ := b.db.AlertsByKey(ctx, "burn/acme-web/SLOBudgetBurnFast"); len(as) != 1 {
		t.Fatalf("after a restart: %d notifications, want still 1", len(as))
	}
	if err := b.UpdateSLA(ctx, t0.Add(3*time.Hour)); err != nil { // an hour and more without failures
		t.Fatal(err)
	}
	as, _ = b.db.AlertsByKey(ctx, "burn/acme-web/SLOBudgetBurnFast")
	if len(as) != 2 || as[1].Kind != alert.KindResolve {
		t.Fatalf("after the burn stopped: %+v, want a resolve", as)
	}
	var e alert.Event
	json.Unmarshal(as[1].Payload, &e)
	if !strings.Contains(e.Title, "SLOBudgetBurnFast resolved") {
		t.Errorf("resolve titled %q, want the rule that resolved", e.Title)
	}
}

// TestSelfAlertsTriggerAndResolveOnce: a failing job raises one trigger, a
// recovered one one resolve, whatever the number of runs.
func TestSelfAlertsTriggerAndResolveOnce(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "alerting:\n  receivers: [{name: chat, kind: slack, url: \"http://127.0.0.1:1/\"}]\n  routes: [{receiver: chat}]\n", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	fail := fmt.Errorf("disk full")
	for _, err := range []error{fail, fail, nil, nil, fail} {
		a.selfAlert(ctx, "backup/daily", "no verified daily backup", err, time.Now())
	}
	as, err := a.db.AlertsByKey(ctx, "backup/daily")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range as {
		kinds = append(kinds, x.Kind)
	}
	if want := []string{alert.KindTrigger, alert.KindResolve, alert.KindTrigger}; !slices.Equal(kinds, want) {
		t.Errorf("outbox for backup/daily: %v, want %v", kinds, want)
	}
}

// TestWatchdogAndRepeats: a scheduler that runs nothing raises one alert;
// an open incident is re-notified only after its route's repeat interval.
func TestWatchdogAndRepeats(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "alerting:\n  receivers: [{name: chat, kind: slack, url: \"http://127.0.0.1:1/\"}]\n  routes: [{receiver: chat, repeat: 30m}]\n", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	now := time.Now()
	for range 3 { // never started: no probe runs
		a.watchdog(ctx, now)
	}
	if as, _ := a.db.AlertsByKey(ctx, "slate/scheduler"); len(as) != 1 || as[0].Kind != alert.KindTrigger {
		t.Errorf("stalled scheduler alerts: %+v", as)
	}

	inc := db.Incident{}
	inc.Service, inc.Status, inc.Severity, inc.Started = "web", "investigating", "major", now.Add(-time.Hour)
	inc.Timeline = append(inc.Timeline, incidentEntry(now.Add(-time.Hour)))
	id, err := a.db.SaveIncident(ctx, &inc, "test")
	if err != nil {
		t.Fatal(err)
	}
	key := incidentKey(t, a, id)
	count := func() int { as, _ := a.db.AlertsByKey(ctx, key); return len(as) }
	a.repeatAlerts(ctx, now) // never sent to chat: sent now
	a.repeatAlerts(ctx, now.Add(10*time.Minute))
	if n := count(); n != 1 {
		t.Fatalf("after 10 minutes: %d notifications, want 1", n)
	}
	// The store stamps alerts with its own clock; a repeat falls due once
	// 30 minutes have passed since then.
	a.repeatAlerts(ctx, time.Now().Add(31*time.Minute))
	if n := count(); n != 2 {
		t.Errorf("after the repeat interval: %d notifications, want 2", n)
	}
}

func incidentEntry(at time.Time) incident.Entry {
	return incident.Entry{At: at, Kind: incident.KindDetected, Status: incident.Investigating, Body: "web is down"}
}

// TestStatusPageFollowsDetection: the Statuspage API serves what detection
// saw — the service's state and its incident.
func TestStatusPageFollowsDetection(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Minute).Add(-20 * time.Minute)
	var rs []sla.Result
	for i := range 6 * 20 { // down from minute 10 on
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: at.Sub(t0) < 10*time.Minute})
	}
	a.db.WriteResults(ctx, rs)
	for m := 1; m <= 20; m++ {
		if err := a.Detect(ctx, t0.Add(time.Duration(m)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	w := httptest.NewRecorder()
	a.web.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/summary.json", nil))
	var sum struct {
		Status     struct{ Indicator string }
		Components []struct{ ID, Status string }
		Incidents  []struct{ Status, Impact string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, w.Body.String())
	}
	if len(sum.Components) != 1 || sum.Components[0].Status != "major_outage" || sum.Status.Indicator != "critical" ||
		len(sum.Incidents) != 1 || sum.Incidents[0].Status != "investigating" {
		t.Errorf("summary after an outage: %s", w.Body.String())
	}
	// The HTML page shows the outage in today's bar.
	if err := a.refreshBars(ctx, t0.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	a.web.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if page := w.Body.String(); w.Code != 200 || !strings.Contains(page, "daily uptime") || !strings.Contains(page, "10 min major outage") {
		t.Errorf("status page: %d\n%s", w.Code, page)
	}
}

// TestDetectorJoinsIncidentPeopleOpened checks that an outage confirmed
// after a person opened an incident for the service continues that
// incident instead of opening a second one, and that its recovery
// resolves it.
func TestDetectorJoinsIncidentPeopleOpened(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	opened := t0.Add(3 * time.Minute)
	manual := db.Incident{Incident: incident.Incident{Service: "web", Status: incident.Identified, Severity: incident.Critical, SeverityOverride: true,
		Started: opened, Timeline: []incident.Entry{{At: opened, Kind: incident.KindUpdate, Status: incident.Identified, Body: "Customers report errors.", Author: "token:slt_12345678"}}}}
	id, err := a.db.SaveIncident(ctx, &manual, "token:slt_12345678")
	if err != nil {
		t.Fatal(err)
	}
	var rs []sla.Result
	for i := range 6 * 30 { // 30 minutes at 10 s: down 10:05-10:10
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(t0) / time.Minute)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: m < 5 || m >= 10})
	}
	if err := a.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for m := 1; m <= 30; m++ {
		if err := a.Detect(ctx, t0.Add(time.Duration(m)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	incs, err := a.db.Incidents(ctx, db.IncidentFilter{Service: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 || incs[0].ID != id {
		t.Fatalf("%d incidents for web (want the one people opened, %d): %+v", len(incs), id, incs)
	}
	inc := incs[0]
	if !inc.Started.Equal(opened) || inc.Status != incident.Resolved || inc.Severity != incident.Critical {
		t.Errorf("incident started %v, %s, %s; want the person's start, resolved by recovery, their severity", inc.Started, inc.Status, inc.Severity)
	}
	kinds := map[incident.Kind]bool{}
	for _, e := range inc.Timeline {
		kinds[e.Kind] = true
	}
	if !kinds[incident.KindUpdate] || !kinds[incident.KindDetected] || !kinds[incident.KindRecovered] {
		t.Errorf("timeline lacks the person's update, the detection or the recovery: %+v", inc.Timeline)
	}
}
