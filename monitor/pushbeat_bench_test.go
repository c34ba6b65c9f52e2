package monitor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
)

// benchBeatClients is how many callers send heartbeats at once, each for
// a push check of its own.
const benchBeatClients = 8

// BenchmarkPushBeats sends b.N heartbeats through /push/{token} of a
// running slate, from benchBeatClients keep-alive callers at once, with
// the per-token budget lifted: each answer waits for the store's commit.
// It reports heartbeats/s and the latency's p50 and p99, on SQLite and on
// PostgreSQL, and as a baseline with the heartbeats kept in memory (what
// a bare collector does): the cost of the store is the ratio. Bound the
// count: -benchtime=2000x.
func BenchmarkPushBeats(b *testing.B) {
	sqlite := func(b *testing.B) *Monitor {
		cfg := benchBeatConfig(b, "storage: {path: "+fmt.Sprintf("%q", filepath.Join(b.TempDir(), "slate.db"))+"}")
		m, _, err := OpenSQLite(cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	b.Run("memory", func(b *testing.B) {
		m := sqlite(b)
		m.sched.Heartbeats.Store = nil
		benchBeats(b, m)
	})
	b.Run("sqlite", func(b *testing.B) { benchBeats(b, sqlite(b)) })
	b.Run("postgres", func(b *testing.B) {
		url := pgtest.NewDatabase(b)
		cfg := benchBeatConfig(b, fmt.Sprintf("storage: {url: %q}", url))
		st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		m, err := New(cfg, st, newRegistry(), Options{})
		if err != nil {
			st.Close()
			b.Fatal(err)
		}
		benchBeats(b, m)
	})
}

// benchBeatConfig is a configuration with benchBeatClients push checks on
// the storage line given.
func benchBeatConfig(b *testing.B, storage string) *config.Config {
	var y strings.Builder
	fmt.Fprintf(&y, "%s\nbackup: {dir: \"off\"}\nserver: {listen: \"127.0.0.1:0\", metrics_listen: \"off\"}\nservices: [{id: jobs, name: Jobs}]\nchecks:\n", storage)
	for i := range benchBeatClients {
		fmt.Fprintf(&y, "  - {id: job-%d, service: jobs, kind: push, interval: 1h, push: {token: bench-push-token-%04d}}\n", i, i)
	}
	path := filepath.Join(b.TempDir(), "slate.yaml")
	if err := os.WriteFile(path, []byte(y.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

func benchBeats(b *testing.B, m *Monitor) {
	defer m.Stop(context.Background())
	m.web.PushRateLimit = rate.Inf
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if err := m.Start(l); err != nil {
		b.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchBeatClients}, Timeout: 10 * time.Second}
	var next, failed atomic.Int64
	lat := make([][]time.Duration, benchBeatClients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range benchBeatClients {
		wg.Go(func() {
			url := fmt.Sprintf("%s/push/bench-push-token-%04d", base, c)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				resp, err := client.Post(url, "text/plain", nil)
				if err != nil {
					failed.Add(1)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d heartbeats not acknowledged", n, b.N)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "beats/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
}
