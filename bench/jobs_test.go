package bench

import (
	"context"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
)

// BenchmarkMinuteJobs times the work slate does once a minute whatever
// the probes do — judging the last minute of every check for detection,
// then rebuilding the status snapshot — over SLATE_BENCH_CHECKS checks
// (default 10,000) of the status benchmark's configuration (100 services
// in 10 groups) with a day of imported history, and reports it per check:
// with the probing figures of slate bench probes, the CPU a deployment
// spends per check and minute.
//
//	SLATE_BENCH_CHECKS=100000 go test -run '^$' -bench MinuteJobs -benchtime 3x ./bench
func BenchmarkMinuteJobs(b *testing.B) {
	checks := testkit.BenchChecks(b, 100)
	o := StatusOptions{Services: 100, Groups: 10, Checks: checks, Days: 1, Interval: time.Minute}
	cfg, err := statusBenchConfig(b.TempDir(), "http://127.0.0.1:1", o)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := importStatusHistory(ctx, cfg, o); err != nil {
		b.Fatal(err)
	}
	// Noon of the imported day: detection reads its last half hour.
	now := time.Now().UTC().Truncate(24 * time.Hour).Add(-12 * time.Hour)
	a, err := monitor.Open(cfg, monitor.Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Stop(ctx)
	for _, job := range []struct {
		name string
		run  func(context.Context, time.Time) error
	}{
		{"detect-and-refresh", a.Detect},
		{"refresh-status", a.RefreshStatus},
	} {
		b.Run(job.name, func(b *testing.B) {
			for b.Loop() {
				if err := job.run(ctx, now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(checks), "µs/check")
		})
	}
}
