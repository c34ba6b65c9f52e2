package monitor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// settleConfig is a service checked every 10 s from two agent locations
// (the server probes nothing), for a tenant whose contract closes 30
// minutes after each month.
const settleConfig = `collector: {location: "off"}
backup: {dir: "off"}
locations: [us-east, eu-west]
tenants: [{id: acme, timezone: UTC}]
services: [{id: web}]
checks:
  - {id: web, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 10s, timeout: 5s}
contracts:
  - {id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}, close_grace: 30m}
detection: {settle: 5m}
`

// agentAt is one location's agent as the server's handlers see it.
type agentAt struct {
	t             *testing.T
	a             *testMonitor
	token, id     string
	failing       func(at time.Time) bool
	next          time.Time // the first run not shipped yet
	lastDelivered int       // results accepted by the last call
}

func newAgentAt(t *testing.T, a *testMonitor, loc string, from time.Time, failing func(time.Time) bool) *agentAt {
	t.Helper()
	tok, _, err := a.db.CreateToken(context.Background(), db.NewToken{Name: loc, Role: access.Agent, Location: loc}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return &agentAt{t: t, a: a, token: tok, id: loc + "-1", failing: failing, next: from}
}

// ship sends the agent's runs started before until, every 10 s, in one
// batch (none when until is not after next: a heartbeat), and fails the
// test unless it is stored.
func (g *agentAt) ship(until time.Time) {
	g.t.Helper()
	if code, body := g.send(until); code != http.StatusOK {
		g.t.Fatalf("%s's batch: %d %s", g.id, code, body)
	}
}

// send sends the agent's runs started before until and returns the
// answer; the runs count as shipped only when they were stored.
func (g *agentAt) send(until time.Time) (int, string) {
	g.t.Helper()
	rs := []wire.Result{}
	next := g.next
	for ; next.Before(until); next = next.Add(10 * time.Second) {
		r := wire.Result{Check: "web", AtMS: next.UnixMilli(), OK: !g.failing(next), LatencyUS: 900}
		if !r.OK {
			r.Class, r.Detail = string(sla.ClassStatus), "503"
		}
		rs = append(rs, r)
	}
	body, _ := json.Marshal(wire.Batch{Results: rs})
	req := httptest.NewRequest(http.MethodPost, wire.ResultsPath, strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+g.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(wire.HeaderAgent, g.id)
	req.Header.Set(wire.HeaderOffset, "0")
	req.Header.Set(wire.HeaderRoundTrip, "2")
	w := httptest.NewRecorder()
	g.a.web.Handler().ServeHTTP(w, req)
	if w.Code == http.StatusOK {
		g.next = next
	}
	return w.Code, w.Body.String()
}

// settleApp is a monitor on settleConfig whose clock reads t0 until set.
func settleApp(t *testing.T, t0 time.Time) (*testMonitor, *testkit.Clock) {
	t.Helper()
	clock := &testkit.Clock{}
	clock.Set(t0)
	return testApp(t, loadConfig(t, settleConfig), Options{Now: clock.Now}), clock
}

// TestStandbyTakesOverWhenTheLeaseLapses: a second agent of us-east is
// refused while the first calls within the 30 s lease, takes the
// location once the first has been silent that long, and the first is
// then the one refused — by the store's lease, with a fake clock.
func TestStandbyTakesOverWhenTheLeaseLapses(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a, clock := settleApp(t, t0)
	ok := func(time.Time) bool { return false }
	first := newAgentAt(t, a, "us-east", t0.Add(-time.Minute), ok)
	standby := *first
	standby.id = "us-east-2"
	steps := []struct {
		name  string
		at    time.Duration
		agent *agentAt
		want  int
	}{
		{"the first agent holds us-east", 0, first, http.StatusOK},
		{"the standby, 10 s later", 10 * time.Second, &standby, http.StatusConflict},
		{"the first again, renewing", 20 * time.Second, first, http.StatusOK},
		{"the standby, 29 s after the first's last call", 49 * time.Second, &standby, http.StatusConflict},
		{"the standby, once the first has been silent 30 s", 50 * time.Second, &standby, http.StatusOK},
		{"the first, which lost the location", 55 * time.Second, first, http.StatusConflict},
	}
	for _, s := range steps {
		clock.Set(t0.Add(s.at))
		if code, body := s.agent.send(t0.Add(s.at)); code != s.want {
			t.Errorf("%s: %d %s; want %d", s.name, code, body, s.want)
		}
	}
	states, err := a.db.LocationStates(context.Background())
	if err != nil || len(states) != 1 || states[0].Agent != "us-east-2" {
		t.Errorf("stored lease: %+v, %v; want us-east held by us-east-2", states, err)
	}
}

// TestDetectionWaitsForLiveLocations follows how far detection judges
// (the service's stored progress) while us-east's agent keeps up and
// eu-west's lags, with a settle of 5 minutes: a lagging live location
// holds detection back to the minute its evidence covers; once it catches
// up detection goes as far as the evidence's own timing allows; a live
// location stuck behind holds it back no longer than the settle; and a
// location whose agent went silent (its lease lapsed) holds nothing back.
func TestDetectionWaitsForLiveLocations(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a, clock := settleApp(t, t0)
	ok := func(time.Time) bool { return false }
	east, west := newAgentAt(t, a, "us-east", t0.Add(-2*time.Minute), ok), newAgentAt(t, a, "eu-west", t0.Add(-2*time.Minute), ok)
	ctx := context.Background()
	judged := func(at time.Time) time.Time {
		t.Helper()
		clock.Set(at)
		if err := a.Detect(ctx, at); err != nil {
			t.Fatal(err)
		}
		p, err := a.db.Detection(ctx)
		if err != nil || len(p) != 1 {
			t.Fatalf("stored progress %+v, %v", p, err)
		}
		return p[0].Judged
	}
	east.ship(t0)
	west.ship(t0)
	judged(t0) // the first look judges nothing before now

	// The check settles 7 s after a minute (5 s timeout, 2 s of writing).
	steps := []struct {
		name       string
		at         time.Time
		east, west time.Time // ship the runs started before these; zero: no call
		want       time.Time
	}{
		{"eu-west lags: its evidence is in through 10:02:20", t0.Add(5*time.Minute + 30*time.Second),
			t0.Add(5*time.Minute + 30*time.Second), t0.Add(2*time.Minute + 30*time.Second), t0.Add(time.Minute)},
		{"eu-west caught up: the evidence's own timing", t0.Add(5*time.Minute + 30*time.Second),
			t0.Add(5*time.Minute + 30*time.Second), t0.Add(5*time.Minute + 30*time.Second), t0.Add(4 * time.Minute)},
		{"eu-west live (a heartbeat) but stuck: the settle bounds the wait", t0.Add(12*time.Minute + 30*time.Second),
			t0.Add(12*time.Minute + 30*time.Second), t0.Add(5*time.Minute + 30*time.Second), t0.Add(6 * time.Minute)},
		{"eu-west silent past its lease: not waited for", t0.Add(13*time.Minute + 30*time.Second),
			t0.Add(13*time.Minute + 30*time.Second), time.Time{}, t0.Add(12 * time.Minute)},
	}
	for _, s := range steps {
		clock.Set(s.at)
		east.ship(s.east)
		if !s.west.IsZero() {
			west.ship(s.west)
		}
		if got := judged(s.at); !got.Equal(s.want) {
			t.Errorf("%s: judged through %s, want %s", s.name, got.Format("15:04"), s.want.Format("15:04"))
		}
	}
}

// TestLateBatchRebuildsItsMinute: at 23:45 on the last day of November
// the target fails for us-east, and for eu-west too, but eu-west's agent
// is cut off after its 23:45:00 run (a pass) and sends nothing until
// after the month closed. Detection judges the minute without it: us-east
// down, eu-west up, so degraded — and the close records November. When
// eu-west's backlog arrives, long after the settle, the minute is rebuilt
// from it and is down; the next close of the period records exactly one
// adjustment, and closing again adds none.
func TestLateBatchRebuildsItsMinute(t *testing.T) {
	start := time.Date(2026, 11, 30, 23, 40, 0, 0, time.UTC)
	outage := sla.Interval{Start: start.Add(5*time.Minute + 10*time.Second), End: start.Add(6 * time.Minute)}
	minute := start.Add(5 * time.Minute)
	failing := func(at time.Time) bool { return !at.Before(outage.Start) && at.Before(outage.End) }
	a, clock := settleApp(t, start)
	ctx := context.Background()
	east, west := newAgentAt(t, a, "us-east", start, failing), newAgentAt(t, a, "eu-west", start, failing)
	detect := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		if err := a.Detect(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	state := func() sla.State {
		t.Helper()
		w, err := credit.JudgeWindow(ctx, a.db, credit.Check{ID: "web", Locations: []string{"us-east", "eu-west"}}, minute, 1, detectLookback, 2)
		if err != nil {
			t.Fatal(err)
		}
		return w.States[0]
	}
	detect(start)
	clock.Set(start.Add(10 * time.Minute))
	east.ship(start.Add(10 * time.Minute))
	west.ship(minute.Add(5 * time.Second)) // then cut off
	clock.Set(start.Add(18 * time.Minute))
	east.ship(start.Add(18 * time.Minute))
	detect(start.Add(18 * time.Minute))
	if p := a.detector.Progress("web"); p.Judged.Before(minute) {
		t.Fatalf("judged through %s; the test needs 23:45 judged before the late batch", p.Judged.Format("15:04"))
	}
	if s := state(); s != sla.StateDegraded {
		t.Fatalf("minute 23:45 before eu-west's backlog: %s, want degraded", s)
	}
	closeAt := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		if err := a.CloseDue(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	closeAt(time.Date(2026, 12, 1, 0, 31, 0, 0, time.UTC))
	clock.Set(time.Date(2026, 12, 1, 0, 31, 10, 0, time.UTC))
	west.ship(clock.Now()) // the backlog, 46 minutes of it
	if s := state(); s != sla.StateDown {
		t.Errorf("minute 23:45 after eu-west's backlog: %s, want down", s)
	}
	closeAt(time.Date(2026, 12, 1, 0, 45, 0, 0, time.UTC))
	closeAt(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	cs, err := a.db.Credits(ctx, db.CreditFilter{Contract: "acme-web"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range cs {
		kinds = append(kinds, c.Kind+" "+c.Period)
	}
	if len(cs) != 2 || kinds[0] != "credit 2026-11" || kinds[1] != "adjustment 2026-11" || cs[1].Adjusts != cs[0].ID {
		t.Errorf("ledger of acme-web: %v; want November's credit and exactly one adjustment of it", kinds)
	}
}
