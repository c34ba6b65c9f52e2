package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

// Targets of slate bench status.
const (
	summaryTargetRPS   = 5000
	summaryTargetP99Ms = 10
	indexTargetRPS     = 2000
	indexTargetP99Ms   = 20
	probeTargetRatio   = 0.95
)

// StatusOptions are slate bench status's flags.
type StatusOptions struct {
	Services, Groups, Checks, Days, Connections int
	Interval, Duration                          time.Duration
	CPUProfile                                  string // written over the phases; "" for none
	MemProfile                                  string // heap profile written after the phases; "" for none
	Baseline                                    bool   // first load /healthz, the smallest answer, as a control
	Paced                                       bool   // offer each phase its target rate instead of all it takes
	Spawn                                       Spawn  // starts the target and the load generator; nil: this executable's
}

// StatusReport is what slate bench status prints.
type StatusReport struct {
	Services        int           `json:"services"`
	Groups          int           `json:"groups"`
	Checks          int           `json:"checks"`
	IntervalSeconds float64       `json:"interval_seconds"`
	HistoryDays     int           `json:"history_days"`
	Connections     int           `json:"connections"`
	DurationSeconds float64       `json:"duration_seconds"`
	Setup           StatusSetup   `json:"setup"`
	Phases          []StatusPhase `json:"phases"`
	PeakRSSBytes    int64         `json:"peak_rss_bytes"`
	Pass            bool          `json:"pass"` // every target of every phase met
}

type StatusSetup struct {
	HistoryRows   int     `json:"history_rows"` // one per check per day
	ImportSeconds float64 `json:"import_seconds"`
	StartSeconds  float64 `json:"start_seconds"` // start until /api/v2/summary.json answers 200
	// FirstIndexMs is the first GET / of a snapshot, which renders the
	// page and its gzip copy; every new snapshot (each minute) pays it once.
	FirstIndexMs float64 `json:"first_index_ms"`
	// The process's peak RSS once the configuration is built and the
	// history imported (both the benchmark's own work, in this process),
	// and once slate has started and every check has run: what slate
	// serve needs beyond them is the difference.
	PeakRSSImportedBytes int64 `json:"peak_rss_imported_bytes"`
	PeakRSSStartedBytes  int64 `json:"peak_rss_started_bytes"`
}

type StatusPhase struct {
	Name              string  `json:"name"`
	Path              string  `json:"path"`
	Gzip              bool    `json:"gzip"`
	Seconds           float64 `json:"seconds"`
	OfferedRPS        float64 `json:"offered_requests_per_second,omitempty"` // paced; 0: as fast as the connections go
	Requests          int64   `json:"requests"`
	RequestsPerSecond float64 `json:"requests_per_second"`
	P50Ms             float64 `json:"p50_ms"`
	P99Ms             float64 `json:"p99_ms"`
	P999Ms            float64 `json:"p999_ms"`
	MaxMs             float64 `json:"max_ms"`
	Errors            int64   `json:"errors"`
	Non200            int64   `json:"non_200"`
	BytesPerResponse  float64 `json:"bytes_per_response"`
	GzipVerified      bool    `json:"gzip_verified,omitempty"`
	ProbeRateRatio    float64 `json:"probe_rate_ratio"`
	OnTimeRatio       float64 `json:"on_time_ratio"`
	SlateCPUCores     float64 `json:"slate_cpu_cores"` // slate's CPU seconds per second of the phase
	SlateCPUUsPerReq  float64 `json:"slate_cpu_us_per_request"`
	LoadCPUCores      float64 `json:"load_cpu_cores"` // the load generator's
	// OtherCPUCores is what the rest of the machine (the probe target
	// included) kept busy, from /proc/stat: a busy machine makes the
	// figures noisy. -1 where /proc/stat cannot be read.
	OtherCPUCores float64 `json:"other_cpu_cores"`
	// Targets: the least requests per second, the most p99 in ms and the
	// least probe rate ratio; errors and non-200 answers must be none.
	TargetRPS        float64         `json:"target_requests_per_second"`
	TargetP99Ms      float64         `json:"target_p99_ms"`
	TargetProbeRatio float64         `json:"target_probe_rate_ratio"`
	Pass             map[string]bool `json:"pass"`
}

// statusBenchConfig is the configuration slate bench status runs: the
// services spread evenly over the groups, the checks over the services, all
// against target, written as a file would be and parsed like one.
func statusBenchConfig(dir, target string, o StatusOptions) (*config.Config, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "storage: {path: %q}\nserver: {listen: \"127.0.0.1:0\"}\nbackup: {dir: \"off\"}\nservices:\n",
		filepath.Join(dir, "slate.db"))
	for s := range o.Services {
		fmt.Fprintf(&b, "  - {id: svc-%04d, name: \"Service %d\", group: \"Group %d\", public: true}\n", s, s, s*o.Groups/o.Services)
	}
	b.WriteString("checks:\n")
	timeout := min(o.Interval, 5*time.Second)
	for c := range o.Checks {
		fmt.Fprintf(&b, "  - {id: chk-%06d, service: svc-%04d, kind: http, target: \"%s/c/%d\", interval: %s, timeout: %s}\n",
			c, c%o.Services, target, c, o.Interval, timeout)
	}
	return config.Parse("bench-status.yaml", strings.NewReader(b.String()))
}

// syntheticHistory is one check's days of minute history from start at
// perMinute runs a minute: mostly up, with outages (down minutes) and
// stretches of single failed runs that do not confirm an outage (degraded
// minutes), at random — about one an 11 weeks, up to an hour long, so that
// a service of 20 checks has a bad day in about four, as a real page might.
func syntheticHistory(r *rand.Rand, start time.Time, days, perMinute int, location string) sla.RunHistory {
	n := uint8(perMinute)
	up := sla.LocationMinute{OK: n}
	down := sla.LocationMinute{Fail: n, Lead: n, Trail: n, MaxRun: n}
	degraded := sla.LocationMinute{OK: n - 1, Fail: 1, MaxRun: 1}
	if n == 1 { // one run a minute cannot fail in part
		degraded = down
	}
	minutes := days * 24 * 60
	var runs []sla.MinuteRun
	for left := minutes; left > 0; {
		k := min(left, 10_000+r.IntN(200_000))
		runs = append(runs, sla.MinuteRun{Count: k, Minute: up})
		if left -= k; left == 0 {
			break
		}
		bad, m := min(left, 1+r.IntN(60)), down
		if r.IntN(2) == 0 {
			m = degraded
		}
		runs = append(runs, sla.MinuteRun{Count: bad, Minute: m})
		left -= bad
	}
	return sla.RunHistory{Start: start, Minutes: minutes, Locations: []string{location}, Runs: [][]sla.MinuteRun{runs}}
}

// Status measures the public status page under load while probes run:
// slate as slate serve runs it, on a generated configuration with
// imported history, loaded from a separate process one phase per page.
func Status(ctx context.Context, o StatusOptions) (rep StatusReport, err error) {
	if o.MemProfile != "" {
		runtime.MemProfileRate = memProfileRate // before the configuration is built
	}
	rep = StatusReport{Services: o.Services, Groups: o.Groups, Checks: o.Checks, IntervalSeconds: o.Interval.Seconds(),
		HistoryDays: o.Days, Connections: o.Connections, DurationSeconds: o.Duration.Seconds()}
	target, stopTarget, err := startTarget(o.Spawn)
	if err != nil {
		return rep, err
	}
	defer stopTarget()
	dir, err := os.MkdirTemp("", "slate-bench-status-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	cfg, err := statusBenchConfig(dir, target, o)
	if err != nil {
		return rep, fmt.Errorf("bench configuration: %w", err)
	}
	if rep.Setup, err = importStatusHistory(ctx, cfg, o); err != nil {
		return rep, err
	}
	rep.Setup.PeakRSSImportedBytes = peakRSS()
	a, err := monitor.Open(cfg, monitor.Options{})
	if err != nil {
		return rep, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if serr := a.Stop(stopCtx); serr != nil && err == nil {
			err = fmt.Errorf("stop slate: %w", serr)
		}
	}()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return rep, err
	}
	base := "http://" + l.Addr().String()
	started := time.Now()
	if err := a.Start(l); err != nil {
		l.Close()
		return rep, err
	}
	if err := waitStatusPage(ctx, base+"/api/v2/summary.json", time.Minute); err != nil {
		return rep, err
	}
	rep.Setup.StartSeconds = round3(time.Since(started).Seconds())
	if rep.Setup.FirstIndexMs, err = timeGet(ctx, base+"/", true); err != nil {
		return rep, err
	}

	load, err := startLoad(o.Spawn, base, o.Connections)
	if err != nil {
		return rep, err
	}
	defer load.stop()
	// Steady state: every check has run once.
	time.Sleep(time.Until(started.Add(o.Interval + time.Second)))
	rep.Setup.PeakRSSStartedBytes = peakRSS()

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return rep, fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return rep, fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	demand := float64(o.Checks) / o.Interval.Seconds()
	rep.Pass = true
	phases := []StatusPhase{
		{Name: "summary.json", Path: "/api/v2/summary.json", TargetRPS: summaryTargetRPS, TargetP99Ms: summaryTargetP99Ms},
		{Name: "summary.json-gzip", Path: "/api/v2/summary.json", Gzip: true, TargetRPS: summaryTargetRPS, TargetP99Ms: summaryTargetP99Ms},
		{Name: "index", Path: "/", Gzip: true, TargetRPS: indexTargetRPS, TargetP99Ms: indexTargetP99Ms},
	}
	if o.Baseline {
		phases = append([]StatusPhase{{Name: "healthz", Path: "/healthz"}}, phases...)
	}
	for _, ph := range phases {
		ph, err := measurePhase(a.Gatherer(), load, ph, o, demand)
		if err != nil {
			return rep, err
		}
		for _, ok := range ph.Pass {
			rep.Pass = rep.Pass && ok
		}
		rep.Phases = append(rep.Phases, ph)
	}
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return rep, err
		}
	}
	rep.PeakRSSBytes = peakRSS()
	return rep, nil
}

// measurePhase runs one load phase and measures it, with the probes' rate
// and lateness from g, against its targets.
func measurePhase(g prometheus.Gatherer, load *benchLoad, ph StatusPhase, o StatusOptions, demand float64) (StatusPhase, error) {
	ph.TargetProbeRatio = probeTargetRatio
	busy0, busyErr := machineBusy()
	cpu0, runs0, late0, t0 := cpuTime(), metric.CounterValue(g, "slate_scheduler_runs_total"), lateness(g), time.Now()
	lp := loadPhase{Path: ph.Path, Gzip: ph.Gzip, Duration: o.Duration}
	if o.Paced {
		lp.Rate = ph.TargetRPS
		if lp.Rate == 0 { // the control, at the highest target
			lp.Rate = summaryTargetRPS
		}
		ph.OfferedRPS = lp.Rate
	}
	res, err := load.run(lp)
	if err != nil {
		return ph, fmt.Errorf("phase %s: %w", ph.Name, err)
	}
	cpu1, runs1, late1, elapsed := cpuTime(), metric.CounterValue(g, "slate_scheduler_runs_total"), lateness(g), time.Since(t0)
	busy1, busyErr1 := machineBusy()
	ph.OtherCPUCores = -1
	if busyErr == nil && busyErr1 == nil {
		ph.OtherCPUCores = round3(max(0, (busy1-busy0).Seconds()-(cpu1-cpu0).Seconds()-res.CPUSeconds) / elapsed.Seconds())
	}
	ph.Seconds = round3(res.Seconds)
	ph.Requests, ph.Errors, ph.Non200 = res.Requests, res.Errors, res.Non200
	if res.Seconds > 0 {
		ph.RequestsPerSecond = round3(float64(res.Requests) / res.Seconds)
		ph.LoadCPUCores = round3(res.CPUSeconds / res.Seconds)
	}
	ph.P50Ms, ph.P99Ms, ph.P999Ms, ph.MaxMs = res.P50Ms, res.P99Ms, res.P999Ms, res.MaxMs
	if res.Requests > 0 {
		ph.BytesPerResponse = round3(float64(res.Bytes) / float64(res.Requests))
		ph.SlateCPUUsPerReq = round3(float64((cpu1 - cpu0).Microseconds()) / float64(res.Requests))
	}
	ph.GzipVerified = res.GzipVerified
	ph.ProbeRateRatio = round3((runs1 - runs0) / (demand * elapsed.Seconds()))
	ph.OnTimeRatio, _ = late1.sub(late0).summary()
	ph.SlateCPUCores = round3((cpu1 - cpu0).Seconds() / elapsed.Seconds())
	ph.Pass = map[string]bool{
		"errors":           ph.Errors == 0,
		"non_200":          ph.Non200 == 0,
		"probe_rate_ratio": ph.ProbeRateRatio >= ph.TargetProbeRatio,
	}
	if ph.TargetRPS > 0 {
		ph.Pass["requests_per_second"] = ph.RequestsPerSecond >= ph.TargetRPS
		ph.Pass["p99_ms"] = ph.Requests > 0 && ph.P99Ms <= ph.TargetP99Ms
	}
	if ph.Gzip {
		ph.Pass["gzip_verified"] = ph.GzipVerified
	}
	return ph, nil
}

// importStatusHistory writes the history of whole UTC days up to today's
// midnight for every check of cfg into its store (the probes write today's
// minutes), and reports how long it took.
func importStatusHistory(ctx context.Context, cfg *config.Config, o StatusOptions) (StatusSetup, error) {
	var setup StatusSetup
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		return setup, err
	}
	defer store.Close()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -o.Days)
	perMinute := int(max(1, min(60, time.Minute/o.Interval)))
	r := rand.New(rand.NewPCG(11, 12))
	t0 := time.Now()
	for _, ch := range cfg.Checks {
		h := syntheticHistory(r, first, o.Days, perMinute, cfg.Collector.Location)
		if err := store.ImportHistory(ctx, ch.ID, h); err != nil {
			return setup, err
		}
	}
	setup.HistoryRows = len(cfg.Checks) * o.Days
	setup.ImportSeconds = round3(time.Since(t0).Seconds())
	return setup, store.Close()
}

// machineBusy is the CPU time every process on the machine has used since
// boot (all but idle and I/O wait), from the first line of /proc/stat.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var ticks int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is counted in user time already
			break
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		ticks += n
	}
	// The kernel reports USER_HZ ticks, 100 a second on Linux.
	return time.Duration(ticks) * (time.Second / 100), nil
}

// timeGet times one GET of url, the body read in full, and wants 200.
func timeGet(ctx context.Context, url string, gzip bool) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	t := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return ms(time.Since(t)), nil
}

// waitStatusPage polls url until it answers 200.
func waitStatusPage(ctx context.Context, url string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("status page not served within %s", limit)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// loadPhase is one phase the load generator runs: GET Path for Duration.
type loadPhase struct {
	Path     string        `json:"path"`
	Gzip     bool          `json:"gzip"` // send Accept-Encoding: gzip and check the answer is gzip
	Duration time.Duration `json:"duration"`
	// Rate paces the requests, all connections together, per second; 0
	// sends each as soon as the last answer is read.
	Rate float64 `json:"rate"`
}

// loadResult is what the load generator measured in one phase.
type loadResult struct {
	Seconds      float64 `json:"seconds"` // from the first timed request to the last answer
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	Non200       int64   `json:"non_200"`
	Bytes        int64   `json:"bytes"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	P999Ms       float64 `json:"p999_ms"`
	MaxMs        float64 `json:"max_ms"`
	GzipVerified bool    `json:"gzip_verified"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	Error        string  `json:"error,omitempty"` // the phase could not run
}

// benchLoad is the load generator child process.
type benchLoad struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startLoad starts the load generator against base with n connections.
// It runs in its own process so that its CPU is not counted as slate's.
func startLoad(s Spawn, base string, n int) (*benchLoad, error) {
	cmd, err := s.spawn("load")
	if err != nil {
		return nil, fmt.Errorf("start load generator: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start load generator: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start load generator: %w", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start load generator: %w", err)
	}
	l := &benchLoad{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	hello, _ := json.Marshal(struct {
		Base        string `json:"base"`
		Connections int    `json:"connections"`
	}{base, n})
	if _, err := fmt.Fprintf(stdin, "%s\n", hello); err != nil {
		l.stop()
		return nil, fmt.Errorf("start load generator: %w", err)
	}
	return l, nil
}

// run runs one phase and returns its result.
func (l *benchLoad) run(p loadPhase) (loadResult, error) {
	var res loadResult
	b, _ := json.Marshal(p)
	if _, err := fmt.Fprintf(l.stdin, "%s\n", b); err != nil {
		return res, fmt.Errorf("load generator: %w", err)
	}
	line, err := l.out.ReadBytes('\n')
	if err != nil {
		return res, fmt.Errorf("load generator: read result: %w", err)
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return res, fmt.Errorf("load generator: result %q: %w", line, err)
	}
	if res.Error != "" {
		return res, errors.New(res.Error)
	}
	return res, nil
}

// stop closes the generator's input, on which it exits.
func (l *benchLoad) stop() {
	l.stdin.Close()
	done := make(chan struct{})
	go func() { l.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		l.cmd.Process.Kill()
		<-done
	}
}

// RunLoad is the load generator process: its first input line names
// the base URL and the connections, each further line a phase, answered by
// a result line. It exits when its input closes.
func RunLoad(stdin io.Reader, stdout io.Writer) int {
	in := bufio.NewScanner(stdin)
	var hello struct {
		Base        string `json:"base"`
		Connections int    `json:"connections"`
	}
	if !in.Scan() || json.Unmarshal(in.Bytes(), &hello) != nil || hello.Connections < 1 {
		fmt.Fprintln(os.Stderr, "bench load: want {base, connections} on the first line")
		return 2
	}
	client := &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        hello.Connections,
			MaxIdleConnsPerHost: hello.Connections,
			MaxConnsPerHost:     hello.Connections,
			DisableCompression:  true, // Accept-Encoding is set by hand, and bodies are read as sent
			IdleConnTimeout:     time.Minute,
		},
		Timeout: 10 * time.Second,
	}
	for in.Scan() {
		var p loadPhase
		res := loadResult{}
		if err := json.Unmarshal(in.Bytes(), &p); err != nil {
			res.Error = fmt.Sprintf("bad phase %q: %v", in.Bytes(), err)
		} else {
			res = runLoadPhase(client, hello.Base, hello.Connections, p)
		}
		b, _ := json.Marshal(res)
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return 0
}

// runLoadPhase sends GET requests on n connections at once, each sending
// the next request when the last answer was read in full, for p.Duration,
// and records every latency.
func runLoadPhase(client *http.Client, base string, n int, p loadPhase) loadResult {
	var res loadResult
	newReq := func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, base+p.Path, nil)
		if p.Gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		return req
	}
	var err error
	if res.GzipVerified, err = warmUp(client, n, p, newReq); err != nil {
		res.Error = fmt.Sprintf("warm-up: %v", err)
		return res
	}
	var wg sync.WaitGroup

	type worker struct {
		lat                   []time.Duration
		errors, non200, bytes int64
		lastLate              time.Time // paced: when the last request held up by an answer went out
	}
	workers := make([]worker, n)
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(p.Duration)
	// Paced, request k goes out at start + k/Rate, on connection k mod n.
	total := int(math.Round(p.Rate * p.Duration.Seconds()))
	for i := range workers {
		w := &workers[i]
		w.lat = make([]time.Duration, 0, 1<<14)
		wg.Go(func() {
			req := newReq()
			// Paced, each connection sends at its own schedule, the
			// connections staggered; a latency counts from the scheduled
			// time, so an answer late enough to delay the next request
			// charges that request its wait too.
			for k := i; ; k += n {
				t := time.Now()
				if p.Rate > 0 {
					if k >= total {
						break
					}
					at := start.Add(time.Duration(float64(k) / p.Rate * float64(time.Second)))
					if wait := time.Until(at); wait > 0 {
						time.Sleep(wait)
					} else { // the last answer came after this one's time
						w.lastLate = t
					}
					t = at
				} else if !t.Before(deadline) {
					break
				}
				resp, err := client.Do(req)
				if err != nil {
					w.errors++
					time.Sleep(time.Millisecond) // a refused connection fails at once: do not spin
					continue
				}
				k, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				w.lat = append(w.lat, time.Since(t))
				w.bytes += k
				switch {
				case err != nil:
					w.errors++
				case resp.StatusCode != http.StatusOK:
					w.non200++
				}
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	if p.Rate > 0 {
		// The span of the schedule, longer if requests went out late for
		// want of an answer: a server that keeps up serves exactly the
		// offered rate.
		last := start
		for _, w := range workers {
			if w.lastLate.After(last) {
				last = w.lastLate
			}
		}
		res.Seconds = max(p.Duration.Seconds(), last.Sub(start).Seconds()+1/p.Rate)
	}
	res.CPUSeconds = (cpuTime() - cpu0).Seconds()
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		res.Errors += w.errors
		res.Non200 += w.non200
		res.Bytes += w.bytes
	}
	res.Requests = int64(len(all))
	if len(all) > 0 {
		slices.Sort(all)
		res.P50Ms, res.P99Ms, res.P999Ms = quantileMs(all, 0.50), quantileMs(all, 0.99), quantileMs(all, 0.999)
		res.MaxMs = ms(all[len(all)-1])
	}
	return res
}

// warmUp opens every connection (n requests at once) and checks once that
// a gzip answer is gzip.
func warmUp(client *http.Client, n int, p loadPhase, newReq func() *http.Request) (gzipVerified bool, err error) {
	var wg sync.WaitGroup
	warm := make([]error, n)
	for i := range n {
		wg.Go(func() {
			resp, err := client.Do(newReq())
			if err != nil {
				warm[i] = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			switch {
			case err != nil:
				warm[i] = err
			case resp.StatusCode != http.StatusOK:
				warm[i] = fmt.Errorf("GET %s: %s", p.Path, resp.Status)
			case i == 0 && p.Gzip:
				gzipVerified = isGzipOf(resp.Header.Get("Content-Encoding"), body, p.Path)
			}
		})
	}
	wg.Wait()
	return gzipVerified, errors.Join(warm...)
}

// isGzipOf reports whether a body sent with Content-Encoding enc really
// is gzip that inflates to what path serves: a JSON object under /api/,
// an HTML page elsewhere.
func isGzipOf(enc string, body []byte, path string) bool {
	if enc != "gzip" {
		return false
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return false
	}
	page, err := io.ReadAll(zr)
	want := "<!doctype html"
	if strings.HasPrefix(path, "/api/") {
		want = "{"
	}
	return err == nil && bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(page)), []byte(want))
}

// quantileMs is the q-quantile of sorted latencies in milliseconds: the
// smallest latency at least a share q of the requests did not exceed.
func quantileMs(sorted []time.Duration, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return ms(sorted[max(0, min(i, len(sorted)-1))])
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
