package db

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// benchDay is the UTC day the benchmarks write into.
func benchDay() time.Time { return time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC) }

// benchResult is result seq of a fleet of 1,000 checks probed once a minute
// from 3 locations, 1% of runs failing with a detail.
func benchResult(seq int64) sla.Result {
	const checks, locations = 1000, 3
	c := seq % checks
	l := seq / checks % locations
	minute := seq / (checks * locations)
	r := sla.Result{
		CheckID:  fmt.Sprintf("check-%04d", c),
		Location: fmt.Sprintf("loc-%d", l),
		At:       benchDay().Add(time.Duration(minute)*time.Minute + time.Duration(c*37)*time.Millisecond),
		OK:       seq%100 != 7,
		Latency:  time.Duration(20000+seq%180000) * time.Microsecond,
	}
	if !r.OK {
		r.Class = sla.ClassStatus
		r.Detail = "status 503 Service Unavailable"
	}
	return r
}

// fileSize is the size of the database with its WAL, in bytes.
func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err == nil {
			n += fi.Size()
		} else if !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
	return n
}

// BenchmarkWriteResults measures the write path with concurrent callers of
// 10 results each (a scheduler tick), b.N results in all, and reports the
// database size per result after Close. For the footprint of a realistic
// volume run it with -benchtime=1000000x.
func BenchmarkWriteResults(b *testing.B) {
	const perCall = 10
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.db")
			d, err := Open(path, Options{Now: func() time.Time { return benchDay().Add(23 * time.Hour) }})
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rs := make([]sla.Result, 0, perCall)
					for {
						s := next.Add(perCall) - perCall
						if s >= int64(b.N) {
							return
						}
						rs = rs[:0]
						for seq := s; seq < min(s+perCall, int64(b.N)); seq++ {
							rs = append(rs, benchResult(seq))
						}
						if err := d.WriteResults(context.Background(), rs); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "results/s")
			b.ReportMetric(float64(fileSize(b, path))/float64(b.N), "bytes/result")
		})
	}
}

// BenchmarkCheckDay writes b.N full check-days (3 locations, one run a
// minute, a 20-minute outage seen from every location and scattered
// single failures), prunes the raw results, vacuums, and reports the
// database size per check-day: the cost of keeping the evidence.
func BenchmarkCheckDay(b *testing.B) {
	path := filepath.Join(b.TempDir(), "days.db")
	day := benchDay()
	d, err := Open(path, Options{Now: func() time.Time { return day.Add(23 * time.Hour) }})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	rs := make([]sla.Result, 0, 3*60)
	for c := range b.N {
		check := fmt.Sprintf("check-%04d", c)
		outage := 300 + c*7%1000 // minute the outage starts
		for hour := range 24 {
			rs = rs[:0]
			for m := hour * 60; m < hour*60+60; m++ {
				for l := range 3 {
					ok := !(m >= outage && m < outage+20) && (m*3+l+c)%211 != 0
					rs = append(rs, sla.Result{
						CheckID:  check,
						Location: fmt.Sprintf("loc-%d", l),
						At:       day.Add(time.Duration(m)*time.Minute + time.Duration(l*7)*time.Second),
						OK:       ok,
						Latency:  time.Duration(30+m%50) * time.Millisecond,
					})
				}
			}
			if err := d.WriteResults(context.Background(), rs); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if _, err := d.Prune(context.Background(), day.Add(30*24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	var blobBytes int64
	if err := d.rdb.QueryRow(`SELECT coalesce(sum(length(data)), 0) FROM minutes`).Scan(&blobBytes); err != nil {
		b.Fatal(err)
	}
	err = d.w.do(context.Background(), &request{
		job: func(ctx context.Context) error {
			_, err := d.wconn.ExecContext(ctx, `VACUUM`)
			return err
		},
		done: make(chan error, 1),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fileSize(b, path))/float64(b.N), "bytes/check-day")
	b.ReportMetric(float64(blobBytes)/float64(b.N), "blob-bytes/check-day")
}

// BenchmarkCloseRead times the period close's read path over
// SLATE_BENCH_SERIES series (default 10,000), for comparison with
// pgstore's BenchmarkCloseRead on the same data.
func BenchmarkCloseRead(b *testing.B) {
	d, err := Open(filepath.Join(b.TempDir(), "close.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	storetest.BenchCloseRead(b, d, storetest.ImportCloseSeries(b, d, storetest.BenchSeries(b)))
}
