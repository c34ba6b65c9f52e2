package agent_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/internal/netproxy"
)

// runAgentIn runs an agent in the test process on spool, reaching server
// at base, with its wall clock now; it stops when the test ends (or when
// the returned function is called).
func runAgentIn(t *testing.T, base, token, spool string, now func() time.Time) (*prometheus.Registry, func()) {
	t.Helper()
	reg := prometheus.NewRegistry()
	a, err := agent.New(spool, 0, reg)
	if err != nil {
		t.Fatal(err)
	}
	a.Servers, a.Token, a.Now = []string{base}, token, now
	a.BackoffMin, a.BackoffMax, a.ShipEvery, a.FetchEvery = 50*time.Millisecond, 200*time.Millisecond, 100*time.Millisecond, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var stopped atomic.Bool
	stop := func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return reg, stop
}

// TestResultsBeforeTheFirstClockMeasurement restarts an agent on a spool
// holding its check list while the server is out of reach, so that it
// probes before it could measure its clock, and lets it reach the server
// after a few seconds. Its results are held until the first measurement,
// then shipped if the clock was right when they were probed and
// discarded if it was not: a clock 30 s ahead all along stores nothing; a
// clock 30 s behind that is stepped right while the server is out of
// reach stores only what was probed after the step (a step the server
// cannot see: its first measurement finds the clock right; the results
// written just after the step are discarded too, as they may have been
// probed before it); a right clock stores what it probed while out of
// reach.
func TestResultsBeforeTheFirstClockMeasurement(t *testing.T) {
	tests := []struct {
		name       string
		skew       time.Duration // the clock's error from the start
		stepRight  bool          // the clock is set right midway through the outage
		stored     bool          // results probed while out of reach are stored
		discarding bool          // results are discarded
	}{
		{"right clock", 0, false, true, false},
		{"clock ahead", 30 * time.Second, false, false, true},
		{"clock behind, stepped right while out of reach", -30 * time.Second, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := target(t, func(string) bool { return false })
			s := startServer(t, strings.ReplaceAll(spoolConfig, "TARGET", url))
			token, spool := s.agentToken(t, "east"), t.TempDir()
			p, err := netproxy.Start(strings.TrimPrefix(s.base, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			// A first run with a right clock fetches and keeps the check list.
			reg, stop := runAgentIn(t, "http://"+p.Addr(), token, spool, time.Now)
			waitFor(t, 10*time.Second, "the first run's results shipped", func() bool {
				return metric.CounterValue(reg, "slate_agent_shipped_total") > 0
			})
			stop()
			p.Cut()
			var skew atomic.Int64
			skew.Store(int64(tt.skew))
			reg, _ = runAgentIn(t, "http://"+p.Addr(), token, spool, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
			cut := time.Now()
			time.Sleep(2 * time.Second)
			stepped := time.Now()
			if tt.stepRight {
				skew.Store(0)
			}
			// The results written within the step's hold (the checks'
			// timeout and 2 s) are discarded: probed on either side of it.
			time.Sleep(4 * time.Second)
			if n, _ := metric.GaugeValue(reg, "slate_agent_spool_results", nil); n == 0 {
				t.Fatal("nothing spooled while the server was out of reach")
			}
			if d := metric.CounterValue(reg, "slate_agent_results_discarded_total"); d != 0 && !tt.stepRight {
				t.Fatalf("%v results discarded before the clock was measured; want them held", d)
			}
			healed := time.Now()
			p.Heal()
			waitFor(t, 20*time.Second, "the spool settled and drained", func() bool {
				n, _ := metric.GaugeValue(reg, "slate_agent_spool_results", nil)
				return n < 10 && metric.CounterValue(reg, "slate_agent_shipped_total")+metric.CounterValue(reg, "slate_agent_results_discarded_total") > 0
			})
			var before, after, misplaced int
			for _, check := range []string{"a", "b"} {
				for k := range storedKeys(t, s, check, "east") {
					at := atOfKey(t, k)
					switch {
					case at.After(time.Now().Add(time.Second)),
						!at.Before(cut.Add(tt.skew-time.Second)) && at.Before(stepped.Add(tt.skew+time.Second)) && tt.skew < 0:
						misplaced++
					case !at.Before(cut.Add(500*time.Millisecond)) && at.Before(stepped):
						before++
					case at.After(stepped.Add(500*time.Millisecond)) && at.Before(healed):
						after++
					}
				}
			}
			if misplaced > 0 {
				t.Errorf("%d results stored with the skewed clock's times", misplaced)
			}
			wantBefore := tt.stored && !tt.stepRight
			if (before > 0) != wantBefore || (after > 0) != tt.stored {
				t.Errorf("stored %d results probed before the step and %d after, while out of reach; want some before: %v, some after: %v",
					before, after, wantBefore, tt.stored)
			}
			if d := metric.CounterValue(reg, "slate_agent_results_discarded_total"); (d > 0) != tt.discarding {
				t.Errorf("%v results discarded; want some: %v", d, tt.discarding)
			}
		})
	}
}

// atOfKey is the time of a storedKeys key.
func atOfKey(t *testing.T, k string) time.Time {
	t.Helper()
	_, ms, ok := strings.Cut(k, "@")
	var n int64
	for _, c := range ms {
		n = n*10 + int64(c-'0')
	}
	if !ok || n == 0 {
		t.Fatalf("bad key %q", k)
	}
	return time.UnixMilli(n)
}
