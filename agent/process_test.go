package agent_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
)

// The tests here run agents as real processes (this test binary run again
// as TestAgentChild or, under the crash harness, TestAgentCrashChild)
// against a slate server in the test process, on 127.0.0.1.

// Environment of an agent child.
const (
	childEnv  = "SLATE_AGENT_CHILD" // "1" in a child run by startAgent
	serverEnv = "SLATE_AGENT_SERVER"
	tokenEnv  = "SLATE_AGENT_TOKEN"
	spoolEnv  = "SLATE_AGENT_SPOOL"
	skewEnv   = "SLATE_AGENT_SKEW" // a duration added to the child's clock
)

// runChild runs an agent from the environment until SIGTERM (or SIGKILL).
func runChild(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := agent.New(os.Getenv(spoolEnv), 0, reg)
	if err != nil {
		t.Fatal(err)
	}
	a.Servers, a.Token = strings.Split(os.Getenv(serverEnv), ","), os.Getenv(tokenEnv)
	a.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	a.BackoffMin, a.BackoffMax, a.ShipEvery, a.FetchEvery = 50*time.Millisecond, time.Second, 100*time.Millisecond, time.Second
	if s := os.Getenv(skewEnv); s != "" {
		skew, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		a.Now = func() time.Time { return time.Now().Add(skew) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	fmt.Println("agent running") // the crash harness counts from here
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestAgentChild is an agent process of startAgent; run directly, it skips.
func TestAgentChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("an agent process of the tests here; runs only as their child")
	}
	runChild(t)
}

// startAgent runs an agent process for server with token, spooling in
// spool; it is stopped (SIGTERM, then SIGKILL) when the test ends.
func startAgent(t *testing.T, server, token, spool string, env ...string) *exec.Cmd {
	t.Helper()
	return startAgentVia(t, nil, server, token, spool, env...)
}

// startAgentVia is startAgent, the command run through via (such as ip
// netns exec NS) when not nil.
func startAgentVia(t *testing.T, via []string, server, token, spool string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := command(via, os.Args[0], "-test.run=^TestAgentChild$")
	cmd.Env = append(os.Environ(), childEnv+"=1", serverEnv+"="+server, tokenEnv+"="+token, spoolEnv+"="+spool)
	cmd.Env = append(cmd.Env, env...)
	logf, err := os.Create(filepath.Join(t.TempDir(), "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("agent log:\n%s", b)
		}
	})
	return cmd
}

// command is name with args, run through via when not nil.
func command(via []string, name string, args ...string) *exec.Cmd {
	if len(via) == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command(via[0], append(append(via[1:len(via):len(via)], name), args...)...)
}

// server is a slate server of the test process on a loopback port.
type server struct {
	m    *monitor.Monitor
	db   *db.DB
	cfg  *config.Config
	base string
}

// startServer loads the configuration src (with the store's path for
// %q) and starts slate on it.
func startServer(t *testing.T, src string) *server {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, src, filepath.Join(dir, "slate.db")), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return openServer(t, cfg, "127.0.0.1:0")
}

func openServer(t *testing.T, cfg *config.Config, addr string) *server {
	t.Helper()
	m, store, err := monitor.OpenSQLite(cfg, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		m.Stop(context.Background())
		t.Fatal(err)
	}
	if err := m.Start(l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Stop(context.Background()) })
	return &server{m: m, db: store, cfg: cfg, base: "http://" + l.Addr().String()}
}

func (s *server) agentToken(t *testing.T, location string) string {
	t.Helper()
	tok, _, err := s.db.CreateToken(context.Background(), db.NewToken{Name: "agent " + location, Role: access.Agent, Location: location}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// target answers 200, except 503 to the agents whose location's name its
// fail function reports.
func target(t *testing.T, fail func(ua string) bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail(r.UserAgent()) {
			http.Error(w, "blocked here", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// spoolKeys are the (check, time) of the results in the spool in dir,
// read with the agent stopped.
func spoolKeys(t *testing.T, dir string) []string {
	t.Helper()
	d, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "spool.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query(`SELECT c.id, s.at_ms FROM spooled s JOIN checks c ON c.no = s.check_no`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil // killed before it made its table
		}
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		var at int64
		if err := rows.Scan(&c, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s@%d", c, at))
	}
	return out
}

// storedKeys are the (check, time) of the results the server stored from
// location, and how many rows they are.
func storedKeys(t *testing.T, s *server, check, location string) map[string]int {
	t.Helper()
	rs, err := s.db.Results(context.Background(), check, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if errors.Is(err, db.ErrNotFound) {
		return map[string]int{} // no result of the check yet
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rs {
		if r.Location == location {
			out[fmt.Sprintf("%s@%d", r.CheckID, r.At.UnixMilli())]++
		}
	}
	return out
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
	}
}
