package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	if code, ok := runReplicaChild(); ok {
		os.Exit(code)
	}
	os.Exit(pgtest.Main(m))
}

// testMonitor is a monitor and its store as *db.DB, whose every method
// tests may call to set up what they check.
type testMonitor struct {
	*monitor.Monitor
	store *db.DB
}

// testApp builds a monitor for cfg as slate serve wires it, stopped when
// the test ends.
func testApp(t *testing.T, cfg *config.Config, opts monitor.Options) *testMonitor {
	t.Helper()
	m, store, err := monitor.OpenSQLite(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	return &testMonitor{Monitor: m, store: store}
}

// startTestApp starts a on a loopback port and returns its base URL.
func startTestApp(t *testing.T, a *testMonitor) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(l); err != nil {
		t.Fatal(err)
	}
	return "http://" + l.Addr().String()
}

// TestServeProbesReloadsAndDrains runs the serve loop with a real store and
// a real target: it probes, exports metrics, reloads on SIGHUP and, on
// SIGTERM, writes every result before returning.
func TestServeProbesReloadsAndDrains(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer target.Close()
	dir := t.TempDir()
	cfgPath, dbPath := filepath.Join(dir, "slate.yaml"), filepath.Join(dir, "slate.db")
	testkit.WriteConfig(t, cfgPath, dbPath, target.URL, "web")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	logs := &testkit.SyncBuffer{}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(cfg, cfgPath, 10*time.Second, slog.New(slog.NewTextHandler(logs, nil)), sigs) }()

	var base, metrics string
	addr := regexp.MustCompile(`msg=serving addr=(127\.0\.0\.1:\d+)`)
	metricsAddr := regexp.MustCompile(`msg="serving metrics" addr=(127\.0\.0\.1:\d+)`)
	testkit.Eventually(t, "serving", 5*time.Second, func() bool {
		m, mm := addr.FindStringSubmatch(logs.String()), metricsAddr.FindStringSubmatch(logs.String())
		if m != nil && mm != nil {
			base, metrics = "http://"+m[1], "http://"+mm[1]
		}
		return m != nil && mm != nil
	})
	if code, _ := testkit.Get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := testkit.Get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	success := func(check string) bool {
		_, body := testkit.Get(t, metrics+"/metrics")
		return strings.Contains(body, `probe_success{check="`+check+`",location="local",service="web",tenant=""} 1`)
	}
	testkit.Eventually(t, "probe_success for web", 5*time.Second, func() bool { return success("web") })

	testkit.WriteConfig(t, cfgPath, dbPath, target.URL, "web", "web2")
	sigs <- syscall.SIGHUP
	testkit.Eventually(t, "probe_success for web2 after SIGHUP", 5*time.Second, func() bool { return success("web2") })
	if strings.Contains(logs.String(), "after a restart") {
		t.Errorf("a reload that changed only checks warned of a restart:\n%s", logs.String())
	}
	// A reload that moves the store applies the rest and says the store
	// needs a restart.
	testkit.WriteConfig(t, cfgPath, filepath.Join(dir, "elsewhere.db"), target.URL, "web", "web2")
	sigs <- syscall.SIGHUP
	testkit.Eventually(t, "the restart warning", 5*time.Second, func() bool {
		return strings.Contains(logs.String(), `msg="changed settings apply only after a restart; slate runs with the old ones until then" settings=storage.path`)
	})

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
	testkit.WriteConfig(t, cfgPath, filepath.Join(dir, "slate.db"), target.URL, "web")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	sigs := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(cfg, cfgPath, 10*time.Second, slog.New(slog.NewTextHandler(logs, nil)), sigs) }()
	testkit.Eventually(t, "serving", 5*time.Second, func() bool { return strings.Contains(logs.String(), "serving") })
	if err := os.WriteFile(cfgPath, []byte("checks: [{id: Bad}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGHUP
	testkit.Eventually(t, "reload refused", 5*time.Second, func() bool { return strings.Contains(logs.String(), "reload refused") })
	sigs <- syscall.SIGTERM
	if code := <-done; code != exitOK {
		t.Fatalf("serve exited %d after a refused reload\n%s", code, logs.String())
	}
}
