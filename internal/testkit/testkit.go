// Package testkit holds what the tests of the running slate (monitor,
// demo, cmd/slate) share: a settable clock, a log sink safe to read while
// written, polling for a condition, and a GET.
package testkit

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/sla"
)

// Clock is a time that tests set; safe for concurrent use. The zero value
// reads the Unix epoch.
type Clock struct{ ns atomic.Int64 }

// Now is the clock's time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// In reports whether the clock's time is inside one of the windows.
func (c *Clock) In(w []sla.Interval) bool {
	now := c.Now()
	for _, iv := range w {
		if !now.Before(iv.Start) && now.Before(iv.End) {
			return true
		}
	}
	return false
}

// SyncBuffer is a log sink a test reads while the code under test writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Eventually polls cond until it holds, failing the test when d passes
// first.
func Eventually(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Get fetches url and returns its status and body.
func Get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// WriteConfig writes to path a configuration with its store at dbPath, a
// service web and an HTTP check of web against target, every second, for
// each id in checks. Both listeners take a free loopback port.
func WriteConfig(t testing.TB, path, dbPath, target string, checks ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\", metrics_listen: \"127.0.0.1:0\"}\nservices: [{id: web}]\nchecks:\n", dbPath)
	for _, id := range checks {
		fmt.Fprintf(&b, "  - {id: %s, service: web, kind: http, target: %q, interval: 1s, timeout: 900ms}\n", id, target)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Config writes, into a temporary directory, WriteConfig's configuration
// with extra YAML appended, and loads it. It returns the configuration and
// its path.
func Config(t testing.TB, target, extra string, checks ...string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	WriteConfig(t, path, filepath.Join(dir, "slate.db"), target, checks...)
	if extra != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(f, extra)
		f.Close()
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, path
}

// ServeMetrics serves m's metrics listener on a free loopback port and
// returns its base URL.
func ServeMetrics(t testing.TB, m interface{ ServeMetrics(net.Listener) }) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.ServeMetrics(l)
	return "http://" + l.Addr().String()
}

// BenchChecks is the number of checks a memory or per-check benchmark
// runs: SLATE_BENCH_CHECKS, or 10,000; fewer than least is refused.
func BenchChecks(tb testing.TB, least int) int {
	v := os.Getenv("SLATE_BENCH_CHECKS")
	if v == "" {
		return 10_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		tb.Fatalf("SLATE_BENCH_CHECKS=%q: want a number of checks, at least %d", v, least)
	}
	return n
}
