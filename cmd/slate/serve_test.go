package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

func TestMain(m *testing.M) {
	if os.Getenv(benchTargetEnv) == "1" { // the bench target child process
		os.Exit(runBenchTarget(os.Stdin, os.Stdout))
	}
	if os.Getenv(benchLoadEnv) == "1" { // the load generator of bench status
		os.Exit(runBenchLoad(os.Stdin, os.Stdout))
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// syncBuffer is a log sink the test reads while serve writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeConfig(t *testing.T, path, dbPath, target string, checks ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\"}\nservices: [{id: web}]\nchecks:\n", dbPath)
	for _, id := range checks {
		fmt.Fprintf(&b, "  - {id: %s, service: web, kind: http, target: %q, interval: 1s, timeout: 900ms}\n", id, target)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// appConfig writes, into a temporary directory, a configuration of checks
// against target with extra YAML appended, and loads it.
func appConfig(t *testing.T, target, extra string, checks ...string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	writeConfig(t, cfgPath, filepath.Join(dir, "slate.db"), target, checks...)
	if extra != "" {
		f, err := os.OpenFile(cfgPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(f, extra)
		f.Close()
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cfgPath
}

// testApp builds an app for cfg, stopped when the test ends.
func testApp(t *testing.T, cfg *config.Config, opts appOptions) *app {
	t.Helper()
	a, err := newApp(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.stop(context.Background()) })
	return a
}

// startTestApp starts a on a loopback port and returns its base URL.
func startTestApp(t *testing.T, a *app) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.start(l); err != nil {
		t.Fatal(err)
	}
	return "http://" + l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeProbesReloadsAndDrains runs the serve loop with a real store and
// a real target: it probes, exports metrics, reloads on SIGHUP and, on
// SIGTERM, writes every result before returning.
func TestServeProbesReloadsAndDrains(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer target.Close()
	dir := t.TempDir()
	cfgPath, dbPath := filepath.Join(dir, "slate.yaml"), filepath.Join(dir, "slate.db")
	writeConfig(t, cfgPath, dbPath, target.URL, "web")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	logs := &syncBuffer{}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(cfg, cfgPath, 10*time.Second, slog.New(slog.NewTextHandler(logs, nil)), sigs) }()

	var base string
	addr := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	eventually(t, "serving", 5*time.Second, func() bool {
		m := addr.FindStringSubmatch(logs.String())
		if m != nil {
			base = "http://" + m[1]
		}
		return m != nil
	})
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	success := func(check string) bool {
		_, body := get(t, base+"/metrics")
		return strings.Contains(body, `probe_success{check="`+check+`",location="local",service="web",tenant=""} 1`)
	}
	eventually(t, "probe_success for web", 5*time.Second, func() bool { return success("web") })

	writeConfig(t, cfgPath, dbPath, target.URL, "web", "web2")
	sigs <- syscall.SIGHUP
	eventually(t, "probe_success for web2 after SIGHUP", 5*time.Second, func() bool { return success("web2") })

	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d\n%s", code, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not drain within 15s")
	}
	store, err := db.Open(dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, id := range []string{"web", "web2"} {
		rs, err := store.LatestResults(context.Background(), id, 10)
		if err != nil || len(rs) == 0 {
			t.Errorf("results of %s after drain: %d, %v", id, len(rs), err)
		}
		for _, r := range rs {
			if !r.OK {
				t.Errorf("%s: failed run %+v", id, r)
			}
		}
	}
}

func TestServeRefusesBadReload(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	writeConfig(t, cfgPath, filepath.Join(dir, "slate.db"), target.URL, "web")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(cfg, cfgPath, 10*time.Second, slog.New(slog.NewTextHandler(logs, nil)), sigs) }()
	eventually(t, "serving", 5*time.Second, func() bool { return strings.Contains(logs.String(), "serving") })
	if err := os.WriteFile(cfgPath, []byte("checks: [{id: Bad}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGHUP
	eventually(t, "reload refused", 5*time.Second, func() bool { return strings.Contains(logs.String(), "reload refused") })
	sigs <- syscall.SIGTERM
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d after a refused reload\n%s", code, logs.String())
	}
}

// TestAppJobs runs the periodic jobs the way cron does, by calling them: the
// SLA gauges appear on /metrics and retention runs.
func TestAppJobs(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfg, _ := appConfig(t, target.URL, "tenants: [{id: acme}]\ncontracts:\n  - {id: acme-web, tenant: acme, services: [web], fee: {amount: \"1\", currency: USD}, policy: {target: \"99.9\"}}\n", "web")
	a := testApp(t, cfg, appOptions{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.start(l); err != nil {
		t.Fatal(err)
	}
	defer a.stop(context.Background())
	base := "http://" + l.Addr().String()
	eventually(t, "a stored result", 5*time.Second, func() bool {
		rs, _ := a.store.LatestResults(context.Background(), "web", 1)
		return len(rs) == 1
	})
	if err := a.updateSLAMetrics(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, base+"/metrics")
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
	cfg, _ := appConfig(t, target.URL, fmt.Sprintf("heartbeat: {url: %q, interval: 1m}\n", receiver.URL), "web")
	a := testApp(t, cfg, appOptions{})
	ctx := context.Background()
	if err := a.heartbeat(ctx, time.Now()); err == nil {
		t.Fatal("a slate that has not started sent a heartbeat")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.start(l); err != nil {
		t.Fatal(err)
	}
	defer a.stop(ctx)
	eventually(t, "a probe run", 5*time.Second, func() bool { return counterValue(a.reg, "slate_scheduler_runs_total") > 0 })
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

// TestDetectOpensAndResolvesIncidents drives the minutely detection job over
// stored evidence: an outage opens an incident, recovery resolves it, and a
// failure inside announced maintenance opens none.
func TestDetectOpensAndResolvesIncidents(t *testing.T) {
	cfg, _ := appConfig(t, "http://127.0.0.1:1/", "maintenance: [{id: upgrade, services: [web], start: \"2026-03-10T11:00:00Z\", end: \"2026-03-10T11:30:00Z\", announced: \"2026-03-01T00:00:00Z\"}]\n", "web")
	logs := &syncBuffer{}
	a := testApp(t, cfg, appOptions{Log: slog.New(slog.NewTextHandler(logs, nil))})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 6 * 90 { // 90 minutes at 10 s: down 10:05-10:10 and 11:05-11:10 (in maintenance)
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(t0) / time.Minute)
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: at, OK: !(m >= 5 && m < 10 || m >= 65 && m < 70)})
	}
	if err := a.store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for m := 1; m <= 90; m++ {
		if err := a.detect(ctx, t0.Add(time.Duration(m)*time.Minute)); err != nil {
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
