package monitor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// TestAppJobs runs the periodic jobs the way cron does, by calling them: the
// SLA gauges appear on /metrics and retention runs.
func TestAppJobs(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, "tenants: [{id: acme}]\ncontracts:\n  - {id: acme-web, tenant: acme, services: [web], fee: {amount: \"1\", currency: USD}, policy: {target: \"99.9\"}}\n", "web")
	a := testApp(t, cfg, Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(l); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(context.Background())
	testkit.Eventually(t, "a stored result", 5*time.Second, func() bool {
		rs, _ := a.db.LatestResults(context.Background(), "web", 1)
		return len(rs) == 1
	})
	if err := a.UpdateSLA(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, body := testkit.Get(t, testkit.ServeMetrics(t, a)+"/metrics")
	for _, want := range []string{`slate_sla_uptime_ratio{contract="acme-web",tenant="acme"}`, `slate_sla_error_budget_remaining_ratio{contract="acme-web",tenant="acme"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := a.prune(context.Background(), time.Now()); err != nil {
		t.Errorf("retention job: %v", err)
	}
}

// TestHeartbeatOnlyWhileHealthy: the dead-man's switch beats while slate
// probes and stops when the scheduler has not run since the last beat.
func TestHeartbeatOnlyWhileHealthy(t *testing.T) {
	var beats atomic.Int32
	var body string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		beats.Add(1)
	}))
	defer receiver.Close()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, fmt.Sprintf("heartbeat: {url: %q, interval: 1m}\n", receiver.URL), "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	if err := a.heartbeat(ctx, time.Now()); err == nil {
		t.Fatal("a slate that has not started sent a heartbeat")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(l); err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	testkit.Eventually(t, "a probe run", 5*time.Second, func() bool { return metric.CounterValue(a.reg, "slate_scheduler_runs_total") > 0 })
	if err := a.heartbeat(ctx, time.Now()); err != nil || beats.Load() != 1 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthy heartbeat: %v, %d beats, body %q", err, beats.Load(), body)
	}
	// The scheduler stalls (here: stops); no probe runs any more, so the
	// next beat is withheld and an outside monitor notices.
	if err := a.sched.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.heartbeat(ctx, time.Now()); err == nil || beats.Load() != 1 {
		t.Errorf("a beat without probe progress: %v, %d beats", err, beats.Load())
	}
}

// TestDetectOpensAndResolvesIncidents drives detection minute by minute over
// stored evidence: an outage opens an incident, recovery resolves it, and a
// failure inside announced maintenance opens none.
func TestDetectOpensAndResolvesIncidents(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "maintenance: [{id: upgrade, services: [web], start: \"2026-03-10T11:00:00Z\", end: \"2026-03-10T11:30:00Z\", announced: \"2026-03-01T00:00:00Z\"}]\n", "web")
	logs := &testkit.SyncBuffer{}
	a := testApp(t, cfg, Options{Log: slog.New(slog.NewTextHandler(logs, nil))})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 6 * 90 { // 90 minutes at 10 s: down 10:05-10:10 and 11:05-11:10 (in maintenance)
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(t0) / time.Minute)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: !(m >= 5 && m < 10 || m >= 65 && m < 70)})
	}
	if err := a.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for m := 1; m <= 90; m++ {
		if err := a.Detect(ctx, t0.Add(time.Duration(m)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	out := logs.String()
	if strings.Count(out, "event=opened") != 1 || strings.Count(out, "event=resolved") != 1 ||
		!strings.Contains(out, "started=2026-03-10T10:05:00.000Z") {
		t.Errorf("want one incident opened at 10:05 and resolved, none in maintenance; log:\n%s", out)
	}
	if a.detector.Open("web") != nil {
		t.Error("an incident is still open")
	}
}

// TestBackupsDueFromTheDirectory: which backups are due comes from the
// backup directory, not from when the process started: the first look
// takes one of each level, later looks in the same hour take none, a
// restart in the same hour takes none either, and the next hour's first
// look, after another restart, takes the hourly one only.
func TestBackupsDueFromTheDirectory(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "", "web")
	clock := &testkit.Clock{}
	clock.Set(time.Date(2026, 3, 11, 10, 55, 0, 0, time.UTC)) // a Wednesday
	a := testApp(t, cfg, Options{Now: clock.Now})
	ctx := context.Background()
	count := func() map[string]int {
		t.Helper()
		bs, err := backup.List(cfg.Backup.Dir)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, b := range bs {
			if b.Good {
				out[b.Level]++
			}
		}
		return out
	}
	step := func(at time.Time, want map[string]int) {
		t.Helper()
		clock.Set(at)
		if err := a.backupsDue(ctx, at); err != nil {
			t.Fatal(err)
		}
		if got := count(); !maps.Equal(got, want) {
			t.Fatalf("at %s: backups %v, want %v", at.Format("15:04"), got, want)
		}
	}
	one := map[string]int{backup.Hourly: 1, backup.Daily: 1, backup.Weekly: 1}
	step(clock.Now(), one)
	step(clock.Now().Add(3*time.Minute), one)
	a = reopen(t, a, Options{Now: clock.Now})
	step(time.Date(2026, 3, 11, 10, 59, 0, 0, time.UTC), one)
	a = reopen(t, a, Options{Now: clock.Now})
	step(time.Date(2026, 3, 11, 11, 0, 30, 0, time.UTC), map[string]int{backup.Hourly: 2, backup.Daily: 1, backup.Weekly: 1})
}

// TestRetentionPrunesSessions: the retention job, run as the scheduler
// runs it (the leader's job), deletes console sessions past their
// absolute expiry and leaves a live one; which are due comes from the
// sessions in the store, not from when the process started.
func TestRetentionPrunesSessions(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	now := time.Now()
	_, old, err := a.db.CreateSession(ctx, store.NewSession{Subject: "old", Role: "oncall", Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, live, err := a.db.CreateSession(ctx, store.NewSession{Subject: "live", Role: "oncall", Expires: now.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.TouchSession(ctx, live.ID, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.leaderJob(a.pruneDue)(ctx, now.Add(2*time.Hour+time.Minute)); err != nil {
		t.Fatal(err)
	}
	left, err := a.db.ActiveSessions(ctx, now)
	if err != nil || len(left) != 1 || left[0].ID != live.ID {
		t.Errorf("sessions after retention: %+v, %v; want %d alone (not %d)", left, err, live.ID, old.ID)
	}
}
