package pgstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// benchDay is the UTC day the benchmarks write into.
func benchDay() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }

func openBench(b *testing.B, o pgstore.Options) *pgstore.Store {
	b.Helper()
	s, err := pgstore.Open(context.Background(), pgtest.NewDatabase(b), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// Ingest fleet: 10,000 checks probed every 10 s from 3 locations, 1% of
// runs failing with a detail; one batch is 500 results of one location, as
// the collector and the agents send them.
const (
	fleetChecks    = 10_000
	fleetLocations = 3
	fleetBatch     = 500
	fleetWriters   = 6 // two per location: agents and replicas in flight at once

	// firstTick is the number of batches of the fleet's first tick, which
	// make the lookup rows and the day's minute rows: after it, ingest
	// updates rows that exist, as it does all day.
	firstTick = fleetChecks * fleetLocations / fleetBatch
)

func fleetResult(seq int64) sla.Result {
	c, l, tick := seq%fleetChecks, seq/fleetChecks%fleetLocations, seq/(fleetChecks*fleetLocations)
	r := sla.Result{
		CheckID: fmt.Sprintf("check-%05d", c), Location: fmt.Sprintf("loc-%d", l),
		At: benchDay().Add(time.Duration(tick)*10*time.Second + time.Duration(c)*900*time.Microsecond),
		OK: seq%100 != 7, Latency: time.Duration(20000+seq%180000) * time.Microsecond,
	}
	if !r.OK {
		r.Class, r.Detail = sla.ClassStatus, "status 503 Service Unavailable"
	}
	return r
}

// BenchmarkIngest writes b.N batches of 500 results with 6 concurrent
// writers and reports the sustained rate, the commit latency of one
// WriteResults call (p50, p99) and the bytes each raw result takes on disk
// (heap, primary key, TOAST and free-space maps of every partition). Run
// it for a sustained figure with -benchtime=600x (300,000 results, ten
// 10-second ticks of the fleet).
func BenchmarkIngest(b *testing.B) { benchIngest(b, 0) }

// BenchmarkIngestPaced offers the same load at a fixed 5,000 results a
// second (ten batches a second, spread over the writers), the rate the
// store must sustain, and reports the commit latency at that rate. Run it
// with -benchtime=600x for a minute of load.
func BenchmarkIngestPaced(b *testing.B) { benchIngest(b, 5000) }

// benchIngest runs the ingest benchmark; rate is the results a second to
// offer, 0 for as fast as the writers go.
func benchIngest(b *testing.B, rate int) {
	ctx := context.Background()
	s := openBench(b, pgstore.Options{Now: func() time.Time { return benchDay().Add(12 * time.Hour) }, MaxConns: fleetWriters + 2})
	var next atomic.Int64
	var mu sync.Mutex
	var lat, warm []time.Duration // every call; calls after the fleet's first tick
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range fleetWriters {
		wg.Go(func() {
			rs := make([]sla.Result, fleetBatch)
			for {
				n := next.Add(1) - 1
				if n >= int64(b.N) {
					return
				}
				if rate > 0 { // batch n is due at n*500/rate seconds
					time.Sleep(time.Until(start.Add(time.Duration(n) * fleetBatch * time.Second / time.Duration(rate))))
				}
				for i := range rs {
					rs[i] = fleetResult(n*fleetBatch + int64(i))
				}
				t0 := time.Now()
				if err := s.WriteResults(ctx, rs); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if n >= firstTick {
					warm = append(warm, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	total := float64(b.N * fleetBatch)
	b.ReportMetric(total/b.Elapsed().Seconds(), "results/s")
	for _, l := range []struct {
		ds   []time.Duration
		unit string
	}{{lat, "p99-ms"}, {warm, "warm-p99-ms"}} {
		if len(l.ds) > 0 {
			slices.Sort(l.ds)
			b.ReportMetric(float64(l.ds[len(l.ds)*99/100].Microseconds())/1000, l.unit)
		}
	}
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	}
	var bytes, rows int64
	if err := s.Pool().QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'results'::regclass`).Scan(&bytes); err != nil {
		b.Fatal(err)
	}
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM results`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(bytes)/float64(rows), "bytes/result")
}

// BenchmarkCheckDay writes about b.N full check-days (3 locations, one run
// a minute, a 20-minute outage seen from every location and scattered
// single failures, as db's BenchmarkCheckDay) as b.N/4 checks over 4 days,
// with a VACUUM after each day as autovacuum would run, so that each day's
// rows reuse the space the previous day's updates freed: the steady state
// of a table kept for years. It reports the bytes of the minutes table
// (rows, primary key, free space) per check-day, the same after VACUUM FULL
// (the rows alone), and the run-length codes' bytes.
func BenchmarkCheckDay(b *testing.B) {
	ctx := context.Background()
	const days = 4
	checks := max(1, b.N/days)
	first := benchDay()
	var now atomic.Pointer[time.Time]
	now.Store(&first)
	s := openBench(b, pgstore.Options{Now: func() time.Time { return *now.Load() }})
	b.ResetTimer()
	rs := make([]sla.Result, 0, 3*60)
	for d := range days {
		day := first.Add(time.Duration(d) * 24 * time.Hour)
		end := day.Add(23 * time.Hour)
		now.Store(&end)
		for c := range checks {
			check := fmt.Sprintf("check-%04d", c)
			outage := 300 + (c+d)*7%1000
			for hour := range 24 {
				rs = rs[:0]
				for m := hour * 60; m < hour*60+60; m++ {
					for l := range 3 {
						rs = append(rs, sla.Result{CheckID: check, Location: fmt.Sprintf("loc-%d", l),
							At: day.Add(time.Duration(m)*time.Minute + time.Duration(l*7)*time.Second),
							OK: !(m >= outage && m < outage+20) && (m*3+l+c+d)%211 != 0, Latency: time.Duration(30+m%50) * time.Millisecond})
					}
				}
				if err := s.WriteResults(ctx, rs); err != nil {
					b.Fatal(err)
				}
			}
		}
		if _, err := s.Pool().Exec(ctx, "VACUUM minutes"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	checkDays := float64(checks * days)
	size := func() float64 {
		var n int64
		if err := s.Pool().QueryRow(ctx, `SELECT pg_total_relation_size('minutes')`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return float64(n) / checkDays
	}
	var code int64
	if err := s.Pool().QueryRow(ctx, `SELECT sum(length(runs)) FROM minutes`).Scan(&code); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(size(), "bytes/check-day")
	if _, err := s.Pool().Exec(ctx, "VACUUM FULL minutes"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(size(), "packed-bytes/check-day")
	b.ReportMetric(float64(code)/checkDays, "code-bytes/check-day")
}

// BenchmarkCloseRead times the period close's read path over
// SLATE_BENCH_SERIES series (default 10,000), the same data as db's
// BenchmarkCloseRead.
func BenchmarkCloseRead(b *testing.B) {
	s := openBench(b, pgstore.Options{})
	storetest.BenchCloseRead(b, s, storetest.ImportCloseSeries(b, s, storetest.BenchSeries(b)))
}
