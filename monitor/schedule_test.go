package monitor

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
)

// TestJobSkipsItsTickWhileRunning: a cron tick that finds the job's
// previous run still going is skipped, never run beside it. The SLA job is
// held inside its lock, two ticks arrive, one returns at once (skipped)
// while the other still waits; no sleep decides it.
func TestJobSkipsItsTickWhileRunning(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "", "web")
	logs := &testkit.SyncBuffer{}
	a := testApp(t, cfg, Options{Log: slog.New(slog.NewTextHandler(logs, nil))})
	id, ok := a.jobs["sla metrics"]
	if !ok {
		t.Fatalf("no SLA job among %v", a.jobs)
	}
	tick := a.cron.Entry(id).WrappedJob
	a.slaMu.Lock() // the run in progress
	done := make(chan int, 2)
	for i := range 2 {
		go func() { tick.Run(); done <- i }()
	}
	<-done // one tick came back while detection is still held: skipped
	select {
	case <-done:
		t.Fatal("both ticks returned while the first run was still going: one ran beside it")
	default:
	}
	a.slaMu.Unlock()
	<-done
	if n := strings.Count(logs.String(), "tick skipped"); n != 1 {
		t.Errorf("%d skipped ticks logged, want 1:\n%s", n, logs.String())
	}
	// Every job is scheduled, and each behind the same guard.
	for _, name := range []string{"sla metrics", "status page", "watchdog", "location silence", "status bars", "repeat notifications", "token usage",
		"retention", "period close", "period re-close", "credit.issued events", "backups"} {
		if _, ok := a.jobs[name]; !ok {
			t.Errorf("job %q not scheduled", name)
		}
	}
}

// TestJobsShareNoUnguardedState runs the jobs that compare the scheduler's
// progress (watchdog, heartbeat) and the alerting jobs from many goroutines
// at once; under -race a shared field without a lock fails it.
func TestJobsShareNoUnguardedState(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "heartbeat: {url: \"http://127.0.0.1:1/\", interval: 1m}\n", "web")
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { a.watchdog(ctx, now) })
		wg.Go(func() { a.heartbeat(ctx, now) })
		wg.Go(func() { a.UpdateSLA(ctx, now) })
		wg.Go(func() { a.repeatAlerts(ctx, now) })
		wg.Go(func() { a.LocationSilence(ctx, now) })
	}
	wg.Wait()
	if as, _ := a.db.AlertsByKey(ctx, "slate/scheduler"); len(as) > 1 {
		t.Errorf("%d stalled-scheduler alerts from concurrent watchdogs, want at most 1", len(as))
	}
}
