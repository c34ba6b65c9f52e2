package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/sla"
)

// ProbesReport is what slate bench probes prints.
type ProbesReport struct {
	Checks          int     `json:"checks"`
	IntervalSeconds float64 `json:"interval_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	DemandPerSecond float64 `json:"demand_per_second"`
	ChecksPerSecond float64 `json:"checks_per_second"`
	OnTimeRatio     float64 `json:"on_time_ratio"`
	LatenessP99Ms   float64 `json:"lateness_p99_ms"`
	CPUMsPerCheck   float64 `json:"cpu_ms_per_check"`
	PeakRSSBytes    int64   `json:"peak_rss_bytes"`
	// BaselineRSSBytes is the peak before any check is loaded: the store
	// open and the scheduler started, empty. RSSBytesPerCheck is what the
	// checks added to the peak, per check.
	BaselineRSSBytes int64   `json:"baseline_rss_bytes"`
	RSSBytesPerCheck float64 `json:"rss_bytes_per_check"`
	// HeapLiveBytes is the Go heap reachable at the end of the steady
	// state (after a collection); HeapBytesPerCheck is its growth over the
	// empty baseline, per check: the state a check keeps, without the
	// garbage collector's headroom and the transients that RSS includes.
	HeapLiveBytes      int64   `json:"heap_live_bytes"`
	HeapBytesPerCheck  float64 `json:"heap_bytes_per_check"`
	DBBytesPerResult   float64 `json:"db_bytes_per_result"`
	DBBytesPerCheckDay float64 `json:"db_bytes_per_check_day"`
	Errors             int64   `json:"errors"`
	ResultsWritten     int64   `json:"results_written"`
	ResultsDropped     float64 `json:"results_dropped"`
	MissedRuns         float64 `json:"missed_runs"`
}

// countingStore counts what passes through to the real store.
type countingStore struct {
	*db.DB
	results, failed atomic.Int64
}

func (s *countingStore) WriteResults(ctx context.Context, rs []sla.Result) error {
	if err := s.DB.WriteResults(ctx, rs); err != nil {
		return err
	}
	var failed int64
	for _, r := range rs {
		if !r.OK {
			failed++
		}
	}
	s.results.Add(int64(len(rs)))
	s.failed.Add(failed)
	return nil
}

// ProbesOptions size slate bench probes.
type ProbesOptions struct {
	Checks             int
	Interval, Duration time.Duration
	Workers            int // probes run at once; 0 is the collector's default
	// CheckSeries exports per-check probe_* series up to this many checks;
	// 0 is the collector's default, negative per service only.
	CheckSeries int
	MemProfile  string // heap profile written at the end of the steady state; "" for none
	Spawn       Spawn  // starts the target process; nil: this executable's "bench target"
}

// Probes sizes a deployment: it runs o.Checks HTTP checks against a target
// in a separate process through the real scheduler, probes and store in a
// temporary directory, and measures throughput, lateness, CPU, memory and
// storage in the steady state, one interval after start-up.
func Probes(ctx context.Context, o ProbesOptions) (ProbesReport, error) {
	n, interval, duration, workers, memProfile := o.Checks, o.Interval, o.Duration, o.Workers, o.MemProfile
	if memProfile != "" {
		// Finer sampling than the default 512 KiB, so that components of a
		// few hundred kilobytes show in the profile.
		runtime.MemProfileRate = memProfileRate
	}
	rep := ProbesReport{Checks: n, IntervalSeconds: interval.Seconds(), DurationSeconds: duration.Seconds(),
		DemandPerSecond: float64(n) / interval.Seconds()}
	url, stopTarget, err := startTarget(o.Spawn)
	if err != nil {
		return rep, err
	}
	defer stopTarget()
	dir, err := os.MkdirTemp("", "slate-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)

	reg := prometheus.NewRegistry()
	store, err := db.Open(filepath.Join(dir, "bench.db"), db.Options{Registerer: reg})
	if err != nil {
		return rep, err
	}
	cs := &countingStore{DB: store}
	sched, err := collector.New(cs, reg)
	if err != nil {
		store.Close()
		return rep, err
	}
	sched.Location = "bench"
	sched.Workers = workers
	switch {
	case o.CheckSeries > 0:
		sched.CheckSeries = o.CheckSeries
	case o.CheckSeries < 0:
		sched.CheckSeries = 0
	}
	// The empty baseline: the store open and the scheduler running without
	// checks. The checks are made and loaded after it, as a reload would.
	if err := sched.Start(); err != nil {
		store.Close()
		return rep, err
	}
	runtime.GC()
	rep.BaselineRSSBytes = peakRSS()
	heap0 := heapLive()
	checks := make([]collector.Check, n)
	for i := range checks {
		checks[i] = collector.Check{
			ID: fmt.Sprintf("bench-%06d", i), Service: "bench", Kind: collector.KindHTTP,
			Target: fmt.Sprintf("%s/c/%d", url, i), Interval: interval, Timeout: min(interval, 5*time.Second),
		}
	}
	if err := sched.Reload(checks); err != nil {
		sched.Stop(ctx)
		store.Close()
		return rep, err
	}
	checks = nil // the scheduler keeps what it needs
	// Steady state: after every check has run once.
	time.Sleep(interval + time.Second)
	cpu0, res0, late0 := cpuTime(), cs.results.Load(), lateness(reg)
	t0 := time.Now()
	time.Sleep(duration - interval - time.Second)
	cpu1, res1, late1 := cpuTime(), cs.results.Load(), lateness(reg)
	elapsed := time.Since(t0)
	runtime.GC() // what the checks hold, not what the last scrape left
	rep.HeapLiveBytes = heapLive()
	rep.HeapBytesPerCheck = round3(float64(rep.HeapLiveBytes-heap0) / float64(n))
	if memProfile != "" {
		if err := writeHeapProfile(memProfile); err != nil {
			return rep, err
		}
	}

	stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	serr := sched.Stop(stopCtx)
	cancel()
	rep.PeakRSSBytes = peakRSS()
	rep.RSSBytesPerCheck = round3(float64(rep.PeakRSSBytes-rep.BaselineRSSBytes) / float64(n))
	runs := res1 - res0
	rep.ChecksPerSecond = round3(float64(runs) / elapsed.Seconds())
	if runs > 0 {
		rep.CPUMsPerCheck = round3(float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(runs))
	}
	rep.OnTimeRatio, rep.LatenessP99Ms = late1.sub(late0).summary()
	rep.Errors = cs.failed.Load()
	rep.ResultsWritten = cs.results.Load()
	rep.ResultsDropped = metric.CounterValue(reg, "slate_results_dropped_total")
	rep.MissedRuns = metric.CounterValue(reg, "slate_scheduler_missed_runs_total")

	space, err := store.Space(ctx)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rep, err
	}
	if serr != nil {
		return rep, fmt.Errorf("stop scheduler: %w", serr)
	}
	if space.Rows.Results > 0 {
		rep.DBBytesPerResult = round3(float64(space.Results) / float64(space.Rows.Results))
	}
	perDay, err := historyBytesPerCheckDay(ctx, dir, interval)
	if err != nil {
		return rep, err
	}
	rep.DBBytesPerCheckDay = round3(perDay)
	return rep, nil
}

// historyBytesPerCheckDay writes a full synthetic day of results at interval
// for enough checks to fill many pages — mostly passing, with a failure
// streak in one minute of a hundred — through a fresh store, and measures the
// per-minute history it keeps.
func historyBytesPerCheckDay(ctx context.Context, dir string, interval time.Duration) (float64, error) {
	perDay := int(24 * time.Hour / interval)
	checks := max(1, min(200, 400_000/perDay))
	store, err := db.Open(filepath.Join(dir, "day.db"), db.Options{})
	if err != nil {
		return 0, err
	}
	defer store.Close()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	batch := make([]sla.Result, 0, 5000)
	for c := range checks {
		id := fmt.Sprintf("day-%04d", c)
		for i := range perDay {
			at := day.Add(time.Duration(i) * interval)
			ok := r.IntN(100) != 0 || at.Minute()%7 != 0
			res := sla.Result{CheckID: id, Location: "bench", At: at, OK: ok, Latency: time.Duration(r.IntN(50_000)) * time.Microsecond}
			if !ok {
				res.Class, res.Detail = sla.ClassStatus, "status 503 not in [200-399]"
			}
			batch = append(batch, res)
			if len(batch) == cap(batch) {
				if err := store.WriteResults(ctx, batch); err != nil {
					return 0, err
				}
				batch = batch[:0]
			}
		}
	}
	if err := store.WriteResults(ctx, batch); err != nil {
		return 0, err
	}
	space, err := store.Space(ctx)
	if err != nil || space.Rows.Days == 0 {
		return 0, err
	}
	// Page-based figures need many pages; a sample of a few check-days fits
	// in one. Then count the encoded data plus historyRowOverhead per row.
	pages := float64(space.History) / float64(space.Rows.Days)
	data := float64(space.HistoryData+space.Rows.Days*historyRowOverhead) / float64(space.Rows.Days)
	return max(pages, data), nil
}

// historyRowOverhead bounds what SQLite adds to a history row's data: the
// record header, the check and day keys, the cell's length and its pointer.
const historyRowOverhead = 16

// memProfileRate is the heap profile's sampling interval in bytes when a
// profile is asked for.
const memProfileRate = 64 << 10

// heapLive is the heap the last garbage collection found reachable, in
// bytes.
func heapLive() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peakRSS() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss * 1024 // Linux reports kilobytes
}

// histogram is a snapshot of the lateness histogram's cumulative buckets.
type histogram struct {
	bounds []float64
	counts []uint64
	total  uint64
}

func lateness(g prometheus.Gatherer) histogram {
	return histogramOf(g, "slate_scheduler_lateness_seconds")
}

// histogramOf is a snapshot of histogram name in g (its first series).
func histogramOf(g prometheus.Gatherer, name string) histogram {
	var h histogram
	mfs, _ := g.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name || len(mf.Metric) == 0 {
			continue
		}
		hist := mf.Metric[0].GetHistogram()
		for _, b := range hist.GetBucket() {
			h.bounds = append(h.bounds, b.GetUpperBound())
			h.counts = append(h.counts, b.GetCumulativeCount())
		}
		h.total = hist.GetSampleCount()
	}
	return h
}

func (h histogram) sub(o histogram) histogram {
	out := histogram{bounds: h.bounds, counts: make([]uint64, len(h.counts)), total: h.total - o.total}
	for i := range h.counts {
		out.counts[i] = h.counts[i]
		if i < len(o.counts) {
			out.counts[i] -= o.counts[i]
		}
	}
	return out
}

// add is the sum of two snapshots of histograms with the same buckets
// (either may be empty).
func (h histogram) add(o histogram) histogram {
	if len(h.bounds) == 0 {
		return o
	}
	out := histogram{bounds: h.bounds, counts: make([]uint64, len(h.counts)), total: h.total + o.total}
	for i := range h.counts {
		out.counts[i] = h.counts[i]
		if i < len(o.counts) {
			out.counts[i] += o.counts[i]
		}
	}
	return out
}

func (h histogram) json() histJSON {
	return histJSON{Bounds: h.bounds, Counts: h.counts, Total: h.total}
}

// quantile is the q-quantile, interpolated linearly inside its bucket; past
// the last bucket, that bucket's bound (a lower bound); 0 when empty.
func (h histogram) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	rank := q * float64(h.total)
	lower, prev := 0.0, uint64(0)
	for i, b := range h.bounds {
		if float64(h.counts[i]) >= rank {
			in := float64(h.counts[i] - prev)
			frac := 1.0
			if in > 0 {
				frac = (rank - float64(prev)) / in
			}
			return lower + (b-lower)*frac
		}
		lower, prev = b, h.counts[i]
	}
	return lower
}

// summary gives the share of runs at most 1 s late and the 99th percentile of
// lateness in milliseconds, interpolated linearly inside its bucket. A 99th
// percentile past the last bucket is given as that bucket's bound: a lower
// bound (infinity has no JSON).
func (h histogram) summary() (onTime, p99ms float64) {
	if h.total == 0 {
		return 0, 0
	}
	for i, b := range h.bounds {
		if b == 1 {
			onTime = float64(h.counts[i]) / float64(h.total)
		}
	}
	return round3(onTime), round3(h.quantile(0.99) * 1000)
}

// Spawn makes the command of a child process of the benchmarks: role
// "target" (RunTarget), "load" (RunLoad) or "probes-child"
// (RunProbesChild). The benchmarks run the target and the load generator
// apart so that their CPU is not counted as slate's, and each size of a
// curve apart so that its peak memory is its own.
type Spawn func(role string) (*exec.Cmd, error)

// spawn is s, or this executable run as "slate bench ROLE".
func (s Spawn) spawn(role string) (*exec.Cmd, error) {
	if s != nil {
		return s(role)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, "bench", role), nil
}

// startTarget starts the bench target in a child process and returns its
// base URL and a function that stops it.
func startTarget(s Spawn) (string, func(), error) {
	cmd, err := s.spawn("target")
	if err != nil {
		return "", nil, fmt.Errorf("start target: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, fmt.Errorf("start target: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("start target: %w", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start target: %w", err)
	}
	stop := func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("start target: read address: %w", err)
	}
	return "http://" + strings.TrimSpace(line), stop, nil
}

// RunTarget is the bench target process: a minimal HTTP/1.1 responder
// on 127.0.0.1 that prints its address and serves until its standard input
// closes (so it dies with the benchmark). It answers every request with a
// fixed 200 and closes the connection, and it skips net/http's parsing, so
// that on a shared machine the target takes as little CPU from slate as a
// real, remote target would.
func RunTarget(stdin io.Reader, stdout io.Writer) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench target:", err)
		return 1
	}
	const response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 4096)
				n := 0
				for n < len(buf) {
					k, err := c.Read(buf[n:])
					n += k
					if bytes.Contains(buf[:n], []byte("\r\n\r\n")) || err != nil {
						break
					}
				}
				io.WriteString(c, response)
			}(c)
		}
	}()
	fmt.Fprintln(stdout, l.Addr().String())
	io.Copy(io.Discard, stdin)
	l.Close()
	return 0
}
