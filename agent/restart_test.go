package agent_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/monitor"
)

const (
	serverChildEnv = "SLATE_SERVER_CHILD" // the configuration file of a server child
	listenEnv      = "SLATE_SERVER_LISTEN"
)

// TestServerChild is a slate server process of TestServerKilledWhileShipping;
// run directly, it skips. It serves until killed.
func TestServerChild(t *testing.T) {
	path := os.Getenv(serverChildEnv)
	if path == "" {
		t.Skip("a server process of the tests here; runs only as their child")
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := monitor.Open(cfg, monitor.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", os.Getenv(listenEnv))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(l); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ready\n")
	select {}
}

// startServerProcess runs a server child on addr and waits until it
// listens.
func startServerProcess(t *testing.T, cfgPath, addr string) *exec.Cmd {
	t.Helper()
	return startServerVia(t, nil, cfgPath, addr)
}

// startServerVia is startServerProcess, the command run through via (such
// as ip netns exec NS) when not nil.
func startServerVia(t *testing.T, via []string, cfgPath, addr string) *exec.Cmd {
	t.Helper()
	cmd := command(via, os.Args[0], "-test.run=^TestServerChild$")
	cmd.Env = append(os.Environ(), serverChildEnv+"="+cfgPath, listenEnv+"="+addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatal("the server process ended before it was ready")
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("the server process was not ready in 30s")
	}
	return cmd
}

// TestServerKilledWhileShipping kills the server with SIGKILL five times
// while an agent process probes (10 runs a second) and ships, restarting
// it on the same address each time. At the end the agent stops, a last
// agent drains its spool, and the server has stored exactly one result
// for every request the target received from the agent: nothing lost,
// nothing doubled.
func TestServerKilledWhileShipping(t *testing.T) {
	if testing.Short() {
		t.Skip("runs processes for half a minute; skipped with -short")
	}
	t.Parallel()
	var mu sync.Mutex
	hits := 0
	tgt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.UserAgent(), "location east") {
			mu.Lock()
			hits++
			mu.Unlock()
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(tgt.Close)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	src := strings.ReplaceAll(spoolConfig, "TARGET", tgt.URL)
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(src, "%q", `"`+filepath.Join(dir, "slate.db")+`"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := store.CreateToken(context.Background(), db.NewToken{Name: "east", Role: "agent", Location: "east"}, "test")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := startServerProcess(t, cfgPath, addr)
	spool := t.TempDir()
	ag := startAgent(t, "http://"+addr, token, spool)
	for range 5 {
		time.Sleep(2 * time.Second)
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
		time.Sleep(500 * time.Millisecond) // the agent spools meanwhile
		srv = startServerProcess(t, cfgPath, addr)
	}
	time.Sleep(2 * time.Second)
	ag.Process.Signal(syscall.SIGTERM) // its runs in flight reach the spool
	ag.Wait()
	stopped := time.Now()
	mu.Lock()
	want := hits
	mu.Unlock()
	left := spoolKeys(t, spool)
	// A last agent drains the spool into the last server.
	a, err := agent.New(spool, 0, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	a.Servers, a.Token, a.ShipEvery = []string{"http://" + addr}, token, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, 30*time.Second, "the spool drained of the first agent's results", func() bool {
		now := map[string]bool{}
		for _, k := range spoolKeys(t, spool) {
			now[k] = true
		}
		for _, k := range left {
			if now[k] {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	store, err = db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// The last agent probes too while it drains, from after the first
	// stopped: count the first agent's results alone.
	got := 0
	for _, check := range []string{"a", "b"} {
		rs, err := store.Results(context.Background(), check, stopped.Add(-time.Hour), stopped)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, r := range rs {
			if seen[r.At.UnixMilli()] {
				t.Errorf("result %s at %s stored twice", check, r.At)
			}
			seen[r.At.UnixMilli()] = true
		}
		got += len(rs)
	}
	if got != want {
		t.Errorf("the target served the agent %d probes, the server stored %d of its results; want them equal", want, got)
	}
	t.Logf("5 server kills: %d probes by the agent, %d results stored, %d were left in its spool when it stopped", want, got, len(left))
}
