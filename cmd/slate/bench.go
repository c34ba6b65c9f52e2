package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/bench"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/monitor"
)

const benchUsage = `Usage: slate bench probes [--checks N[,N...]] [--interval D] [--duration D] [--json]

Sizes a deployment: starts an HTTP target on 127.0.0.1 in a separate process
(so the figures are slate's own), runs N HTTP checks against it through the
real scheduler, probes and store in a temporary directory, and prints:

  checks                  N
  demand_per_second       N / interval: runs the schedule asks for
  checks_per_second       runs completed per second in the steady state
  on_time_ratio           share of runs started less than 1 s late
  lateness_p99_ms         99th percentile of start lateness (from histogram buckets)
  cpu_ms_per_check        slate's CPU time (user + system) per run, steady state
  peak_rss_bytes          slate's peak resident memory
  baseline_rss_bytes      the peak before any check is loaded (store open,
                          scheduler running empty)
  rss_bytes_per_check     (peak_rss_bytes - baseline_rss_bytes) / N
  heap_live_bytes         Go heap reachable at the end of the steady state
                          (after a collection): what the checks hold
  heap_bytes_per_check    its growth over the empty baseline, per check
  db_bytes_per_result     bytes raw results occupy, per result
  db_bytes_per_check_day  bytes per-minute history occupies per check per day,
                          measured on a full synthetic day written through the store
                          (the larger of whole pages per row and encoded data plus
                          16 bytes of row overhead)
  errors                  runs that failed

The steady state starts one interval after start-up, when every check has run
once. Each run opens a fresh connection, as slate's HTTP probes always do.

With several sizes (--checks 10000,50000,100000) each runs in a fresh
process, one after the other, and one row is printed per size, then the
slopes of peak RSS and of the live heap over the number of checks (least
squares): what one more check costs.

Flags:
`

const benchCloseUsage = `Usage: slate bench close [--series N] [--storage-url postgres://...] [--json]

Sizes the period close: imports a full month of minute history for N
tenant × check series into a temporary store (one check per contract, most
minutes passing, a few outages and flapping stretches each), then times
closing that month for all of them — reading the history, judging every
minute, evaluating each contract and recording each credit in the ledger —
and prints series, close_seconds, per_series_us and credits_recorded;
then closes the month again, as the quarter-hourly re-close does, with
nothing changed, and prints reclose_seconds, ledger_entries (the re-close
must add none) and peak_rss_bytes. With --storage-url the store is that
PostgreSQL database, which must be empty, instead of a temporary SQLite
file.

Flags:
`

const benchStatusUsage = `Usage: slate bench status [--checks N] [--interval D] [--duration D] [--connections N]
                          [--paced] [--baseline] [--json]

Measures the public status page under load while probes run: builds, in a
temporary directory, a configuration of --services public services in
--groups groups and N HTTP checks against a target on 127.0.0.1 (a separate
process), imports --days days of per-minute history for every check (mostly
up, with outages and degraded stretches, so the bars vary), starts slate as
slate serve does (probes, jobs, snapshot and HTTP server) and, once the
probes are in their steady state (one interval after start), loads it from a
separate process with --connections keep-alive HTTP/1.1 clients, one phase
of --duration per page:

  summary.json       GET /api/v2/summary.json
  summary.json-gzip  the same with Accept-Encoding: gzip, as browsers, the
                     status widget and most HTTP libraries send it
  index              GET / with Accept-Encoding: gzip (checked to be gzip)

and, with --baseline, first a control phase on /healthz (a 3-byte answer
from the same server) that shows what the machine and the load generator
allow at all.

By default each connection sends its next request as soon as the last
answer is read (closed loop): the server runs flat out and the latencies are
those of a saturated machine. With --paced each phase is offered exactly its
target rate (open loop; the control phase the summary's), latencies counted
from each request's scheduled time, which asks the targets' own question:
at this rate, how slow are the slowest answers?

For each phase it prints requests_per_second, p50_ms, p99_ms, p999_ms,
max_ms (exact, from every request's latency), errors, non_200,
bytes_per_response, the probes' probe_rate_ratio (runs started over the runs
the schedule asks for in the phase) and on_time_ratio (runs started less
than 1 s late), and the CPU slate, the load generator and the rest of the
machine used (a busy machine makes the figures noisy: rerun); before them
the setup: history_rows (one per check per day), import_seconds,
start_seconds (start until the status page is served, bars included) and
first_index_ms (the first GET / of a snapshot, which renders the page: each
new snapshot, once a minute, pays it once). Each figure with a target is
printed beside it with pass or FAIL.

Flags:
`

func runBench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// The benchmarks' child processes: not for people, so not in the usage.
	if len(args) == 1 && args[0] == "target" {
		return bench.RunTarget(stdin, stdout)
	}
	if len(args) == 1 && args[0] == "load" {
		return bench.RunLoad(stdin, stdout)
	}
	if len(args) == 1 && args[0] == "probes-child" {
		return bench.RunProbesChild(stdin, stdout)
	}
	if len(args) == 1 && args[0] == "agent-child" {
		return bench.RunAgentChild(stdin, stdout)
	}
	if len(args) > 0 && args[0] == "agents" {
		return runBenchAgents(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "close" {
		return runBenchClose(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "status" {
		return runBenchStatus(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "probes" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprint(stdout, benchUsage+"\n"+benchCloseUsage+"\n"+benchStatusUsage+"\n"+benchAgentsUsage)
			return exitOK
		}
		fmt.Fprintln(stderr, "slate bench: give probes, close, status or agents; see slate bench --help")
		return exitUsage
	}
	return runBenchProbes(args[1:], stdout, stderr)
}

func runBenchProbes(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench probes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	checksFlag := fs.String("checks", "1000", "number of checks; several, comma-separated, run one after the other in fresh processes")
	interval := fs.Duration("interval", 10*time.Second, "interval of every check")
	duration := fs.Duration("duration", time.Minute, "how long to run; at least two intervals, and one interval plus 2s")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	workers := fs.Int("workers", 0, "probes run at once; 0 is the collector's default")
	checkSeries := fs.Int("check-series", 0, "export per-check probe_* series up to this many checks; 0 is the collector's default, -1 per service only")
	memProfile := fs.String("memprofile", "", "write a heap profile at the end of the steady state to this file (with several sizes, FILE.N per size)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchUsage); fs.PrintDefaults() }
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	sizes, err := parseSizes(*checksFlag)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "slate bench probes: --checks: %v\n", err)
		return exitUsage
	case *interval < collector.MinInterval:
		fmt.Fprintf(stderr, "slate bench probes: --interval must be at least %s\n", collector.MinInterval)
		return exitUsage
	case *duration < 2**interval || *duration < *interval+2*time.Second:
		fmt.Fprintln(stderr, "slate bench probes: --duration must be at least two intervals and one interval plus 2s")
		return exitUsage
	}
	o := bench.ProbesOptions{Checks: sizes[0], Interval: *interval, Duration: *duration, Workers: *workers,
		CheckSeries: *checkSeries, MemProfile: *memProfile}
	if len(sizes) > 1 {
		return runBenchCurve(sizes, o, *asJSON, stdout, stderr)
	}
	r, err := bench.Probes(context.Background(), o)
	if err != nil {
		fmt.Fprintf(stderr, "slate bench probes: %v\n", err)
		return exitFail
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	m := jsonFields(r)
	for _, k := range []string{"checks", "interval_seconds", "duration_seconds", "demand_per_second", "checks_per_second",
		"on_time_ratio", "lateness_p99_ms", "cpu_ms_per_check", "peak_rss_bytes", "baseline_rss_bytes", "rss_bytes_per_check",
		"heap_live_bytes", "heap_bytes_per_check", "db_bytes_per_result", "db_bytes_per_check_day", "errors",
		"results_written", "results_dropped", "missed_runs"} {
		fmt.Fprintf(stdout, "%-24s %v\n", k, m[k])
	}
	return exitOK
}

// parseSizes reads --checks: one count or a comma-separated list of
// distinct counts, each in 1..1,000,000.
func parseSizes(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1_000_000 {
			return nil, fmt.Errorf("%q: want a number of checks between 1 and 1000000", f)
		}
		if seen[n] {
			return nil, fmt.Errorf("%d given twice", n)
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, nil
}

// runBenchCurve runs slate bench probes at each size and prints one row
// per size and the slopes.
func runBenchCurve(sizes []int, o bench.ProbesOptions, asJSON bool, stdout, stderr io.Writer) int {
	r, err := bench.ProbesCurve(context.Background(), sizes, o, stderr) // each run as it completes
	if err != nil {
		fmt.Fprintf(stderr, "slate bench probes: %v\n", err)
		return exitFail
	}
	if asJSON {
		return writeJSON(stdout, r)
	}
	cols := []string{"checks", "checks_per_second", "on_time_ratio", "cpu_ms_per_check", "peak_rss_bytes",
		"baseline_rss_bytes", "rss_bytes_per_check", "heap_live_bytes", "heap_bytes_per_check", "errors"}
	for _, c := range cols {
		fmt.Fprintf(stdout, "%-21s", c)
	}
	fmt.Fprintln(stdout)
	for _, run := range r.Runs {
		m := jsonFields(run)
		for _, c := range cols {
			fmt.Fprintf(stdout, "%-21v", m[c])
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "rss_slope_bytes_per_check   %v\nheap_slope_bytes_per_check  %v\n",
		r.RSSSlopeBytesPerCheck, r.HeapSlopeBytesPerCheck)
	return exitOK
}

// jsonFields is v's JSON object as a map, for printing by key.
func jsonFields(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

const benchAgentsUsage = `Usage: slate bench agents [--checks N] [--interval D] [--live D] [--partition D]
                          [--cpuprofile FILE] [--json]

Sizes remote probing: starts an HTTP target on 127.0.0.1 in a separate
process, a slate server on a temporary store whose N HTTP checks run at three
locations — the server's own collector and two slate agent processes, each
reaching the server through a TCP proxy on 127.0.0.1 — and measures:

  live phase (--live, after one interval and a second of warm-up)
    live_ingest_results_per_second  results the server stored from the agents
    ack_p50_ms, ack_p99_ms          a batch's time from sending to the
                                    server's 2xx (sent after its durable
                                    commit), over both agents; target p99 <= 1000
    result_delay_p99_ms             a result's start to its acknowledgement
    agent_cpu_ms_per_check          an agent process's CPU per probe run
                                    (probing, spooling, shipping), mean of two
    collector_cpu_ms_per_check      the in-process collector's (slate bench
                                    probes at the same size, in a child process
                                    at the same time, on its own store)
    cpu_ratio                       their ratio; target <= 1.25
  partition (--partition: both proxies cut)
    backlog_results                 results spooled when it ends
    spool_bytes_per_result          the spools' growth per result, pages in use
                                    after a checkpoint; target <= 64
  drain (both proxies healed)
    drained                         whether the server stored, from each
                                    agent, a result probed after healing (so
                                    all older ones: agents ship oldest first)
                                    within the partition's length plus 2 min
    drain_seconds                   first batch stored to then (or to the end
                                    of that window)
    ingest_burst_results_per_second results stored per second over the drain,
                                    live results included; target >= 10000
    ingest_peak_results_per_second  the best second of it
  and the server's busy refusals (503), results dropped, discarded (clock)
  and missed runs. Each figure with a target is printed with pass or FAIL.

The agents back off at most a second here (the default is 30 s), so that
both drain as soon as the partition heals. All processes share the machine:
a busy machine makes the figures noisy, rerun.

Flags:
`

func runBenchAgents(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench agents", stderr, benchAgentsUsage)
	var o bench.AgentsOptions
	fs.IntVar(&o.Checks, "checks", 10_000, "HTTP checks, each at all three locations")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "interval of every check")
	fs.DurationVar(&o.Live, "live", 30*time.Second, "measured window of the live phase")
	fs.DurationVar(&o.Partition, "partition", 30*time.Second, "how long the agents are cut off from the server")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the server's process over the drain to this file")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	var bad string
	switch {
	case fs.NArg() != 0:
		bad = fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case o.Checks < 1 || o.Checks > 1_000_000:
		bad = "--checks must be between 1 and 1000000"
	case o.Interval < collector.MinInterval:
		bad = fmt.Sprintf("--interval must be at least %s", collector.MinInterval)
	case o.Live < time.Second:
		bad = "--live must be at least 1s"
	case o.Partition < time.Second:
		bad = "--partition must be at least 1s"
	}
	if bad != "" {
		fmt.Fprintln(stderr, "slate bench agents:", bad)
		return exitUsage
	}
	o.Progress = stderr
	r, err := bench.Agents(context.Background(), o)
	return benchOutput(stdout, stderr, "agents", r, err, *asJSON, printBenchAgents)
}

// benchOutput prints the report r of slate bench NAME as JSON or with
// print, or its error.
func benchOutput[R any](stdout, stderr io.Writer, name string, r R, err error, asJSON bool, print func(io.Writer, R)) int {
	if err != nil {
		fmt.Fprintf(stderr, "slate bench %s: %v\n", name, err)
		return exitFail
	}
	if asJSON {
		return writeJSON(stdout, r)
	}
	print(stdout, r)
	return exitOK
}

func printBenchAgents(w io.Writer, r bench.AgentsReport) {
	fmt.Fprintf(w, "%d checks every %gs at %d locations; live %gs, partition %gs\n",
		r.Checks, r.IntervalSeconds, r.Locations, r.LiveSeconds, r.PartitionSeconds)
	m := jsonFields(r)
	targets := map[string]string{
		"ack_p99_ms":                      fmt.Sprintf("target <= %d", bench.TargetAckP99Ms),
		"cpu_ratio":                       fmt.Sprintf("target <= %g", bench.TargetCPURatio),
		"spool_bytes_per_result":          fmt.Sprintf("target <= %d", bench.TargetSpoolPerResult),
		"ingest_burst_results_per_second": fmt.Sprintf("target >= %d", bench.TargetIngestBurst),
	}
	pass := true
	for _, k := range []string{"live_ingest_results_per_second", "ack_p50_ms", "ack_p99_ms", "result_delay_p99_ms",
		"agent_cpu_ms_per_check", "collector_cpu_ms_per_check", "cpu_ratio", "backlog_results", "spool_bytes_per_result",
		"drained", "drain_seconds", "ingest_burst_results_per_second", "ingest_peak_results_per_second", "server_busy_refusals",
		"results_dropped", "results_discarded", "missed_runs"} {
		t, ok := targets[k]
		if !ok {
			fmt.Fprintf(w, "%-32s %v\n", k, m[k])
			continue
		}
		verdict := "pass"
		if !r.Pass[k] {
			verdict, pass = "FAIL", false
		}
		fmt.Fprintf(w, "%-32s %-12v %-16s %s\n", k, m[k], t, verdict)
	}
	if pass {
		fmt.Fprintln(w, "result pass")
	} else {
		fmt.Fprintln(w, "result FAIL")
	}
}

func runBenchClose(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench close", stderr, benchCloseUsage)
	series := fs.Int("series", 10_000, "tenant × check series to close")
	storageURL := fs.String("storage-url", "", "an empty PostgreSQL database (postgres://...) to close in instead of a temporary SQLite file")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if *series < 1 || *series > 1_000_000 {
		fmt.Fprintln(stderr, "slate bench close: --series must be between 1 and 1000000")
		return exitUsage
	}
	r, err := bench.Close(context.Background(), *series, *storageURL, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slate bench close: %v\n", err)
		return exitFail
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "series            %d\nclose_seconds     %v\nper_series_us     %v\ncredits_recorded  %d\nreclose_seconds   %v\nledger_entries    %d\npeak_rss_bytes    %d\n",
		r.Series, r.CloseSeconds, r.PerSeriesUs, r.CreditsRecorded, r.ReCloseSeconds, r.LedgerEntries, r.PeakRSSBytes)
	return exitOK
}

func runBenchStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench status", stderr, benchStatusUsage)
	var o bench.StatusOptions
	fs.IntVar(&o.Services, "services", 100, "public services on the status page")
	fs.IntVar(&o.Groups, "groups", 10, "groups the services are spread over")
	fs.IntVar(&o.Checks, "checks", 2000, "HTTP checks probing while the page is loaded, spread over the services")
	fs.IntVar(&o.Days, "days", monitor.BarDays, "days of per-minute history imported for every check")
	fs.IntVar(&o.Connections, "connections", 32, "keep-alive connections of the load generator")
	fs.DurationVar(&o.Interval, "interval", 10*time.Second, "interval of every check")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each load phase")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of slate over the load phases to this file")
	fs.StringVar(&o.MemProfile, "memprofile", "", "write a heap profile of slate after the load phases to this file")
	fs.BoolVar(&o.Baseline, "baseline", false, "first run a phase on /healthz (a 3-byte answer, no targets) as a control")
	fs.BoolVar(&o.Paced, "paced", false, "offer each phase its target rate (open loop) instead of loading as fast as the connections go")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if code, ok := parseFlags(fs, args, stdout); !ok {
		return code
	}
	var bad string
	switch {
	case fs.NArg() != 0:
		bad = fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case o.Services < 1 || o.Services > 10_000:
		bad = "--services must be between 1 and 10000"
	case o.Groups < 1 || o.Groups > o.Services:
		bad = "--groups must be between 1 and --services"
	case o.Checks < o.Services || o.Checks > 1_000_000:
		bad = "--checks must be between --services and 1000000"
	case o.Days < 1 || o.Days > 400:
		bad = "--days must be between 1 and 400"
	case o.Connections < 1 || o.Connections > 10_000:
		bad = "--connections must be between 1 and 10000"
	case o.Interval < collector.MinInterval:
		bad = fmt.Sprintf("--interval must be at least %s", collector.MinInterval)
	case o.Duration < time.Second:
		bad = "--duration must be at least 1s"
	}
	if bad != "" {
		fmt.Fprintln(stderr, "slate bench status:", bad)
		return exitUsage
	}
	r, err := bench.Status(context.Background(), o)
	return benchOutput(stdout, stderr, "status", r, err, *asJSON, printBenchStatus)
}

func printBenchStatus(w io.Writer, r bench.StatusReport) {
	fmt.Fprintf(w, "%d services in %d groups, %d checks every %gs, %d days of history, %d connections, %gs per phase\n",
		r.Services, r.Groups, r.Checks, r.IntervalSeconds, r.HistoryDays, r.Connections, r.DurationSeconds)
	fmt.Fprintf(w, "setup\n  %-26s %d\n  %-26s %v\n  %-26s %v\n  %-26s %v\n", "history_rows", r.Setup.HistoryRows,
		"import_seconds", r.Setup.ImportSeconds, "start_seconds", r.Setup.StartSeconds, "first_index_ms", r.Setup.FirstIndexMs)
	fmt.Fprintf(w, "  %-26s %d\n  %-26s %d\n", "peak_rss_imported_bytes", r.Setup.PeakRSSImportedBytes,
		"peak_rss_started_bytes", r.Setup.PeakRSSStartedBytes)
	verdict := func(ok bool) string {
		if ok {
			return "pass"
		}
		return "FAIL"
	}
	for _, p := range r.Phases {
		enc := ""
		if p.Gzip {
			enc = " (Accept-Encoding: gzip)"
		}
		fmt.Fprintf(w, "phase %s: GET %s%s\n", p.Name, p.Path, enc)
		line := func(k string, v any, target string) {
			if target == "" {
				fmt.Fprintf(w, "  %-26s %v\n", k, v)
				return
			}
			fmt.Fprintf(w, "  %-26s %-12v %-18s %s\n", k, v, target, verdict(p.Pass[k]))
		}
		if p.OfferedRPS > 0 {
			line("offered_per_second", p.OfferedRPS, "")
		}
		line("requests", p.Requests, "")
		target := func(s string, v float64) string {
			if v == 0 { // a control phase
				return ""
			}
			return fmt.Sprintf(s, v)
		}
		line("requests_per_second", p.RequestsPerSecond, target("target >= %g", p.TargetRPS))
		line("p50_ms", p.P50Ms, "")
		line("p99_ms", p.P99Ms, target("target <= %g", p.TargetP99Ms))
		line("p999_ms", p.P999Ms, "")
		line("max_ms", p.MaxMs, "")
		line("errors", p.Errors, "target 0")
		line("non_200", p.Non200, "target 0")
		line("bytes_per_response", p.BytesPerResponse, "")
		if p.Gzip {
			line("gzip_verified", p.GzipVerified, "target true")
		}
		line("probe_rate_ratio", p.ProbeRateRatio, fmt.Sprintf("target >= %g", p.TargetProbeRatio))
		line("on_time_ratio", p.OnTimeRatio, "")
		line("slate_cpu_cores", p.SlateCPUCores, "")
		line("slate_cpu_us_per_request", p.SlateCPUUsPerReq, "")
		line("load_cpu_cores", p.LoadCPUCores, "")
		line("other_cpu_cores", p.OtherCPUCores, "")
	}
	fmt.Fprintf(w, "peak_rss_bytes %d\nresult %s\n", r.PeakRSSBytes, verdict(r.Pass))
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return exitFail
	}
	return exitOK
}
