package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// TestLocationSilenceAlert: three declared locations run a check every
// 30 s. eu-west reports throughout; us-east stops for five minutes and
// comes back; ap-south never reports. A location is silent once it has
// reported nothing for three intervals (90 s) while the check was being
// probed: us-east raises one trigger and, reporting again, one resolve;
// ap-south one trigger; eu-west nothing. The alerts go through the
// configured routes: not to a route kept to one tenant.
func TestLocationSilenceAlert(t *testing.T) {
	cfg := loadConfig(t, `collector: {location: eu-west}
locations: [eu-west, {id: us-east, name: Virginia}, ap-south]
tenants: [{id: acme}]
services: [{id: web}]
checks: [{id: slow, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 30s}]
alerting:
  receivers:
    - {name: oncall, kind: slack, url: "http://127.0.0.1:1/oncall"}
    - {name: acme-hook, kind: slack, url: "http://127.0.0.1:1/acme"}
  routes: [{receiver: oncall}, {receiver: acme-hook, tenants: [acme]}]
`)
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	writeSilenceStory(t, a, t0)
	// Before any evidence, and in the first minute of it, nothing is
	// expected of anyone.
	for _, now := range []time.Time{t0.Add(-time.Hour), t0.Add(30 * time.Second)} {
		if err := a.LocationSilence(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	for s := 60; s <= 11*60; s += 30 {
		if err := a.LocationSilence(ctx, t0.Add(time.Duration(s)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	kinds := func(key string) (out []string, receivers []string, events []alert.Event) {
		as, err := a.db.AlertsByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range as {
			out = append(out, x.Kind)
			receivers = append(receivers, x.Receiver)
			var e alert.Event
			if err := json.Unmarshal(x.Payload, &e); err != nil {
				t.Fatal(err)
			}
			events = append(events, e)
		}
		return out, receivers, events
	}
	got, receivers, events := kinds("location/us-east")
	if want := []string{alert.KindTrigger, alert.KindResolve}; !slices.Equal(got, want) {
		t.Fatalf("us-east: %v, want %v", got, want)
	}
	if slices.Contains(receivers, "acme-hook") {
		t.Errorf("a provider's location reached a tenant's route: %v", receivers)
	}
	// us-east last reported in the minute ending 10:03: silent once more
	// than 90 s have passed since (the job's tick at 10:05), and reporting
	// again from 10:08.
	if trig := events[0]; !trig.Time.Equal(t0.Add(5*time.Minute)) || trig.Title != "slate: location us-east (Virginia) silent" ||
		!strings.Contains(trig.Body, "since 2026-03-02T10:03:00Z") || !strings.Contains(trig.Body, "(slow)") {
		t.Errorf("us-east trigger: %+v", trig)
	}
	if res := events[1]; !res.Time.Equal(t0.Add(8 * time.Minute)) {
		t.Errorf("us-east resolved at %s, want 10:08", res.Time.Format(time.TimeOnly))
	}
	got, _, events = kinds("location/ap-south")
	if !slices.Equal(got, []string{alert.KindTrigger}) || !strings.Contains(events[0].Body, "none of its checks in the last 24h") {
		t.Errorf("ap-south: %v %+v, want one trigger, never reported", got, events)
	}
	if got, _, _ := kinds("location/eu-west"); len(got) != 0 {
		t.Errorf("eu-west, reporting throughout: %v", got)
	}
	// A reload that drops ap-south resolves its alert: nothing is
	// expected of it any more.
	reloaded := loadConfig(t, `collector: {location: eu-west}
locations: [eu-west, {id: us-east, name: Virginia}]
services: [{id: web}]
checks: [{id: slow, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 30s}]
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/oncall"}]
  routes: [{receiver: oncall}]
`)
	if err := a.Reload(reloaded); err != nil {
		t.Fatal(err)
	}
	if err := a.LocationSilence(ctx, t0.Add(11*time.Minute+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, _, events = kinds("location/ap-south")
	if !slices.Equal(got, []string{alert.KindTrigger, alert.KindResolve}) || events[1].Title != "slate: location ap-south no longer runs checks" {
		t.Errorf("ap-south after the reload: %v %+v", got, events)
	}
}

// loadConfig writes src, with a store in a temporary directory, and
// loads it.
func loadConfig(t *testing.T, src string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	src = fmt.Sprintf("storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\"}\n", filepath.Join(dir, "slate.db")) + src
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestCollectorOffProbesNothing: with collector.location off the server
// runs no probe, and its watchdog does not call that a stalled scheduler.
func TestCollectorOffProbesNothing(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", `collector: {location: "off"}
locations: [us-east, ap-south]
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/"}]
  routes: [{receiver: oncall}]
`, "web")
	a := testApp(t, cfg, Options{})
	if _, ok := a.Scheduler().NextRun("web"); ok {
		t.Error("the server schedules a probe with its collector off")
	}
	ctx := context.Background()
	for range 3 {
		if err := a.watchdog(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if as, err := a.db.AlertsByKey(ctx, "slate/scheduler"); err != nil || len(as) != 0 {
		t.Errorf("stalled-scheduler alerts with the collector off: %d, %v", len(as), err)
	}
}

// TestLocationSilenceCountsTheFastestCheck: a location that runs a check
// every 30 s and one every hour is silent once it misses three runs of the
// fast one, not three hours later.
func TestLocationSilenceCountsTheFastestCheck(t *testing.T) {
	cfg := loadConfig(t, `collector: {location: eu-west}
locations: [eu-west, us-east]
services: [{id: web}]
checks:
  - {id: fast, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 30s}
  - {id: slow, service: web, kind: tls, target: "127.0.0.1:1", interval: 1h}
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/"}]
  routes: [{receiver: oncall}]
`)
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	rs := []sla.Result{
		{CheckID: "slow", Location: "eu-west", At: t0, OK: true},
		{CheckID: "slow", Location: "us-east", At: t0, OK: true},
	}
	for at := t0; at.Before(t0.Add(10 * time.Minute)); at = at.Add(30 * time.Second) {
		rs = append(rs, sla.Result{CheckID: "fast", Location: "eu-west", At: at, OK: true})
		if at.Before(t0.Add(3 * time.Minute)) {
			rs = append(rs, sla.Result{CheckID: "fast", Location: "us-east", At: at, OK: true})
		}
	}
	if err := a.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{t0.Add(4*time.Minute + 30*time.Second), t0.Add(5 * time.Minute), t0.Add(9 * time.Minute)} {
		if err := a.LocationSilence(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	as, err := a.db.AlertsByKey(ctx, "location/us-east")
	if err != nil || len(as) != 1 || as[0].Kind != alert.KindTrigger {
		t.Fatalf("us-east: %+v, %v; want one trigger", as, err)
	}
	var e alert.Event
	if err := json.Unmarshal(as[0].Payload, &e); err != nil {
		t.Fatal(err)
	}
	if !e.Time.Equal(t0.Add(5*time.Minute)) || !strings.Contains(e.Body, "(1m30s)") || !strings.Contains(e.Body, "(fast, slow)") {
		t.Errorf("trigger: %+v; want it at 10:05, after three 30 s intervals", e)
	}
	if as, _ := a.db.AlertsByKey(ctx, "location/eu-west"); len(as) != 0 {
		t.Errorf("eu-west: %d alerts", len(as))
	}
}

// TestLocationSilenceAcrossLeaders: whether a location's silence alert
// fires is the outbox's, not one process's memory. us-east stops
// reporting at 10:03 and comes back at 10:08; one process raises the
// alert at 10:05, another (a restart, or the replica that took over the
// lead) raises nothing more at 10:06 and resolves it at 10:09, and a third
// sends nothing at 10:10: one trigger, one resolve.
func TestLocationSilenceAcrossLeaders(t *testing.T) {
	a, t0 := silenceStory(t)
	ctx := context.Background()
	for _, step := range []time.Duration{5 * time.Minute, 6 * time.Minute, 9 * time.Minute, 10 * time.Minute} {
		if err := a.LocationSilence(ctx, t0.Add(step)); err != nil {
			t.Fatal(err)
		}
		a = reopen(t, a) // the next step is another process's
	}
	wantOneTriggerOneResolve(t, a)
}

// silenceStoryConfig probes check slow from eu-west and us-east.
const silenceStoryConfig = `collector: {location: eu-west}
locations: [eu-west, us-east]
services: [{id: web}]
checks: [{id: slow, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 30s}]
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/oncall"}]
  routes: [{receiver: oncall}]
`

// silenceStory is a monitor on silenceStoryConfig whose store holds
// writeSilenceStory from t0, 10:00 UTC.
func silenceStory(t *testing.T) (*testMonitor, time.Time) {
	t.Helper()
	a := testApp(t, loadConfig(t, silenceStoryConfig), Options{})
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	writeSilenceStory(t, a, t0)
	return a, t0
}

// wantOneTriggerOneResolve: us-east's silence was raised once and
// resolved once.
func wantOneTriggerOneResolve(t *testing.T, a *testMonitor) {
	t.Helper()
	as, err := a.db.AlertsByKey(context.Background(), "location/us-east")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range as {
		kinds = append(kinds, x.Kind)
	}
	if want := []string{alert.KindTrigger, alert.KindResolve}; !slices.Equal(kinds, want) {
		t.Errorf("us-east's alerts: %v, want %v", kinds, want)
	}
}

// writeSilenceStory writes twelve minutes of check slow from t0, every
// 30 s: eu-west throughout, us-east but from 10:03 to 10:08.
func writeSilenceStory(t *testing.T, a *testMonitor, t0 time.Time) {
	t.Helper()
	var rs []sla.Result
	for at := t0; at.Before(t0.Add(12 * time.Minute)); at = at.Add(30 * time.Second) {
		rs = append(rs, sla.Result{CheckID: "slow", Location: "eu-west", At: at, OK: true})
		if at.Before(t0.Add(3*time.Minute)) || !at.Before(t0.Add(8*time.Minute)) {
			rs = append(rs, sla.Result{CheckID: "slow", Location: "us-east", At: at, OK: true})
		}
	}
	if err := a.db.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// TestLocationSilenceAfterLeadRegained: a leader that raised us-east's
// silence alert at 10:05, lost the lead to another that resolved it at
// 10:09, and leads again at 10:10 reads what fires from the outbox, not
// from its memory of 10:05: it sends no second resolve.
func TestLocationSilenceAfterLeadRegained(t *testing.T) {
	a, t0 := silenceStory(t)
	ctx := context.Background()
	if err := a.LocationSilence(ctx, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	other := testApp(t, a.Config(), Options{})
	if err := other.LocationSilence(ctx, t0.Add(9*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := a.regainDetection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.LocationSilence(ctx, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantOneTriggerOneResolve(t, a)
}
