package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/internal/netproxy"
	"github.com/slatehq/slate/monitor"
)

// AgentsOptions size slate bench agents.
type AgentsOptions struct {
	Checks   int
	Interval time.Duration
	// Live is the measured window of the live phase, after one interval
	// (and a second) of warm-up; Partition how long the agents are then
	// cut off from the server, building the backlog they drain at once
	// when healed.
	Live, Partition time.Duration
	Spawn           Spawn     // starts the child processes; nil: this executable's "bench ROLE"
	Progress        io.Writer // a line on each phase and, while draining, every 5 s; nil for none
	// CPUProfile, when set, is where a CPU profile of the server's process
	// over the drain is written.
	CPUProfile string
}

// AgentsReport is what slate bench agents prints. Durations are in
// seconds or milliseconds as named; the targets are those a deployment of
// Checks checks at three locations must meet on one machine.
type AgentsReport struct {
	Checks           int     `json:"checks"`
	IntervalSeconds  float64 `json:"interval_seconds"`
	Locations        int     `json:"locations"`
	LiveSeconds      float64 `json:"live_seconds"`
	PartitionSeconds float64 `json:"partition_seconds"`
	// Live phase: results the server stored from the agents per second,
	// the batches' acknowledgement time (send to 2xx) and a result's delay
	// (its start to the acknowledgement), over both agents.
	LiveIngestPerSecond float64 `json:"live_ingest_results_per_second"`
	AckP50Ms            float64 `json:"ack_p50_ms"`
	AckP99Ms            float64 `json:"ack_p99_ms"`
	ResultDelayP99Ms    float64 `json:"result_delay_p99_ms"`
	// CPU per probe run: each agent process's (probing, spooling,
	// shipping; averaged over the agents) and that of the in-process
	// collector writing to its store (slate bench probes' figure, run in
	// a child process at the same time), and their ratio.
	AgentCPUMsPerCheck     float64 `json:"agent_cpu_ms_per_check"`
	CollectorCPUMsPerCheck float64 `json:"collector_cpu_ms_per_check"`
	CPURatio               float64 `json:"cpu_ratio"`
	// Partition: the results spooled while cut off, and the spool's file
	// growth per result (pages in use after a checkpoint).
	BacklogResults      int     `json:"backlog_results"`
	SpoolBytesPerResult float64 `json:"spool_bytes_per_result"`
	// Drain: from the first batch stored after healing until the server
	// stored, from each agent, a result probed after healing (so all
	// older ones: agents ship oldest first), results stored per second
	// (mean, and the best second).
	// Drained is false when the server had not stored, from each agent, a
	// result probed after healing within the partition's length plus 2
	// minutes: the drain figures are then those of that window.
	Drained              bool            `json:"drained"`
	DrainSeconds         float64         `json:"drain_seconds"`
	IngestBurstPerSecond float64         `json:"ingest_burst_results_per_second"`
	IngestPeakPerSecond  float64         `json:"ingest_peak_results_per_second"`
	ServerBusyRefusals   float64         `json:"server_busy_refusals"`
	ResultsDropped       float64         `json:"results_dropped"`
	ResultsDiscarded     float64         `json:"results_discarded"`
	MissedRuns           float64         `json:"missed_runs"`
	Pass                 map[string]bool `json:"pass"`
}

// Targets of slate bench agents.
const (
	TargetIngestBurst    = 10_000 // results per second, at least
	TargetAckP99Ms       = 1000   // at most
	TargetCPURatio       = 1.25   // at most
	TargetSpoolPerResult = 64     // bytes, at most
)

// agentLocations are the bench's agents' locations; the server probes
// from "local".
var agentLocations = [...]string{"agent-1", "agent-2"}

// Agents runs o.Checks HTTP checks at three locations — the server's
// collector and two agent processes, each behind a proxy to the server —
// against a target process on 127.0.0.1, and measures the live phase, a
// partition of the agents from the server, and the drain of the backlog
// once it heals.
func Agents(ctx context.Context, o AgentsOptions) (AgentsReport, error) {
	rep := AgentsReport{Checks: o.Checks, IntervalSeconds: o.Interval.Seconds(), Locations: 1 + len(agentLocations),
		LiveSeconds: o.Live.Seconds(), PartitionSeconds: o.Partition.Seconds(), Pass: map[string]bool{}}
	url, stopTarget, err := startTarget(o.Spawn)
	if err != nil {
		return rep, err
	}
	defer stopTarget()
	dir, err := os.MkdirTemp("", "slate-bench-agents-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	srv, err := startAgentsServer(dir, url, o)
	if err != nil {
		return rep, err
	}
	defer srv.stop()
	var agents []*agentProc
	defer func() {
		for _, a := range agents {
			a.stop()
		}
	}()
	for _, loc := range agentLocations {
		a, err := srv.startAgent(ctx, o.Spawn, loc, filepath.Join(dir, loc))
		if err != nil {
			return rep, err
		}
		agents = append(agents, a)
	}
	o.progressf("server and agents started; live phase")
	acked, err := measureLive(ctx, srv, agents, o, &rep)
	if err != nil {
		return rep, err
	}
	added, err := measurePartition(ctx, srv, agents, o, &rep)
	if err != nil {
		return rep, err
	}
	rep.ServerBusyRefusals = busyRefusals(srv.m.Gatherer())
	for _, a := range agents {
		s, err := a.stats()
		if err != nil {
			return rep, err
		}
		rep.ResultsDropped += s.Dropped
		rep.ResultsDiscarded += s.Discarded
		rep.MissedRuns += s.Missed
	}
	rep.Pass = verdicts(rep, acked, added)
	return rep, nil
}

// verdicts judges rep's figures against the targets, given how many
// batches were acknowledged while live and how many results were spooled
// while cut off: a figure of nothing measured (0 from no batch, no CPU
// time or no result) passes no target.
func verdicts(rep AgentsReport, acked uint64, added int64) map[string]bool {
	return map[string]bool{
		"ingest_burst_results_per_second": rep.Drained && rep.IngestBurstPerSecond >= TargetIngestBurst,
		"ack_p99_ms":                      acked > 0 && rep.AckP99Ms <= TargetAckP99Ms,
		"cpu_ratio":                       rep.AgentCPUMsPerCheck > 0 && rep.CollectorCPUMsPerCheck > 0 && rep.CPURatio <= TargetCPURatio,
		"spool_bytes_per_result":          added > 0 && rep.SpoolBytesPerResult <= TargetSpoolPerResult,
	}
}

// busyRefusals is how many batches the server refused with 503 — its
// writer behind (busy) or its store failing (store) — and the agents kept
// to retry; refusals for other reasons (clock, invalid, standby) are not.
func busyRefusals(g prometheus.Gatherer) float64 {
	var n float64
	for _, reason := range []string{"busy", "store"} {
		n += metric.CounterValueWith(g, "slate_agent_batches_refused_total", map[string]string{"reason": reason})
	}
	return n
}

// measureLive runs the live phase: the agents and, in another child
// process, the in-process collector at the same size for comparison. It
// returns how many batches the server acknowledged meanwhile.
func measureLive(ctx context.Context, srv *agentsServer, agents []*agentProc, o AgentsOptions, rep *AgentsReport) (acked uint64, err error) {
	warm := o.Interval + time.Second
	ref := make(chan error, 1)
	var refRep ProbesReport
	go func() {
		var err error
		refRep, err = runProbesChild(ctx, o.Spawn, probesChild{Checks: o.Checks, Interval: o.Interval, Duration: warm + o.Live})
		ref <- err
	}()
	time.Sleep(warm)
	before, err := allStats(agents)
	if err != nil {
		return 0, err
	}
	in0, t0 := ingested(srv.m.Gatherer()), time.Now()
	time.Sleep(o.Live)
	after, err := allStats(agents)
	if err != nil {
		return 0, err
	}
	rep.LiveIngestPerSecond = round3((ingested(srv.m.Gatherer()) - in0) / time.Since(t0).Seconds())
	var ack, delay histogram
	var cpuMs float64
	for i := range agents {
		a := after[i].Ack.histogram().sub(before[i].Ack.histogram())
		d := after[i].Delay.histogram().sub(before[i].Delay.histogram())
		ack, delay = ack.add(a), delay.add(d)
		if runs := after[i].Written - before[i].Written; runs > 0 {
			cpuMs += float64(after[i].CPU-before[i].CPU) / 1e6 / runs / float64(len(agents))
		}
	}
	rep.AckP50Ms, rep.AckP99Ms = round3(ack.quantile(0.5)*1000), round3(ack.quantile(0.99)*1000)
	rep.ResultDelayP99Ms = round3(delay.quantile(0.99) * 1000)
	rep.AgentCPUMsPerCheck = round3(cpuMs)
	if err := <-ref; err != nil {
		return 0, fmt.Errorf("in-process collector: %w", err)
	}
	rep.CollectorCPUMsPerCheck = refRep.CPUMsPerCheck
	if refRep.CPUMsPerCheck > 0 {
		rep.CPURatio = round3(rep.AgentCPUMsPerCheck / refRep.CPUMsPerCheck)
	}
	return ack.total, nil
}

// measurePartition cuts the agents off the server for o.Partition,
// measures their spools, heals, and times the drain. It returns how many
// results the agents spooled while cut off.
func measurePartition(ctx context.Context, srv *agentsServer, agents []*agentProc, o AgentsOptions, rep *AgentsReport) (added int64, err error) {
	var before []agent.Footprint
	for _, a := range agents {
		f, err := a.footprint()
		if err != nil {
			return 0, err
		}
		before = append(before, f)
	}
	o.progressf("live phase done: ack p99 %v ms, cpu ratio %v; partition", rep.AckP99Ms, rep.CPURatio)
	for _, p := range srv.proxies {
		p.Cut()
	}
	time.Sleep(o.Partition)
	var grown int64
	for i, a := range agents {
		f, err := a.footprint()
		if err != nil {
			return 0, err
		}
		rep.BacklogResults += f.Results
		grown += f.Bytes - before[i].Bytes
		added += int64(f.Results - before[i].Results)
	}
	if added > 0 {
		rep.SpoolBytesPerResult = round3(float64(grown) / float64(added))
	}
	healed := ingested(srv.m.Gatherer())
	o.progressf("partition done: %d results spooled, %v bytes each; healing", rep.BacklogResults, rep.SpoolBytesPerResult)
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
		defer pprof.StopCPUProfile()
	}
	for _, p := range srv.proxies {
		p.Heal()
	}
	// Drained once the server stored, from each agent, a result probed
	// after healing: agents ship oldest first, so all before it are in.
	// The server's figures alone are read meanwhile, so that measuring
	// takes nothing from the agents.
	healedAt := time.Now()
	var samples []sample
	deadline := healedAt.Add(o.Partition + 2*time.Minute)
	for {
		n, drained := drainSample(srv.m.Gatherer(), healedAt)
		now := time.Now()
		samples = append(samples, sample{now, n})
		if drained {
			rep.Drained = true
			break
		}
		if now.After(deadline) {
			break
		}
		if len(samples)%50 == 0 {
			o.progressf("draining: %.0f results stored since healing", n-healed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// From the last sample before the first batch arrived to the end.
	first := 0
	for first+1 < len(samples) && samples[first+1].n == healed {
		first++
	}
	start, end := samples[first], samples[len(samples)-1]
	rep.DrainSeconds = round3(end.at.Sub(start.at).Seconds())
	if rep.DrainSeconds > 0 {
		rep.IngestBurstPerSecond = round3((end.n - start.n) / rep.DrainSeconds)
	}
	rep.IngestPeakPerSecond = peakPerSecond(samples[first:])
	return added, nil
}

// sample is how many results the server had stored from agents at a time.
type sample struct {
	at time.Time
	n  float64
}

// peakPerSecond is the most results stored in a second between samples:
// from each sample, over the window to the first one a second or more
// later, per second of it; when none is that late, what was stored by the
// last sample counts as that second's, so that a drain done within a
// second has its peak (all of it) rather than none.
func peakPerSecond(samples []sample) float64 {
	var peak float64
	for i, s := range samples {
		rest := samples[i+1:]
		for j, e := range rest {
			if d := e.at.Sub(s.at); d >= time.Second || j == len(rest)-1 {
				peak = max(peak, round3((e.n-s.n)/max(d, time.Second).Seconds()))
				break
			}
		}
	}
	return peak
}

func (o AgentsOptions) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "bench agents: "+format+"\n", args...)
	}
}

// agentsServer is the bench's slate server and the proxies its agents
// reach it through.
type agentsServer struct {
	m       *monitor.Monitor
	store   *db.DB
	base    string
	proxies []*netproxy.Proxy
}

func startAgentsServer(dir, target string, o AgentsOptions) (*agentsServer, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "storage: {path: %q}\nbackup: {dir: \"off\"}\ncollector: {location: local}\nlocations: [local, %s]\nservices: [{id: bench}]\nchecks:\n",
		filepath.Join(dir, "slate.db"), strings.Join(agentLocations[:], ", "))
	timeout := min(o.Interval, 5*time.Second)
	for c := range o.Checks {
		fmt.Fprintf(&b, "  - {id: bench-%06d, service: bench, kind: http, target: \"%s/c/%d\", interval: %s, timeout: %s}\n",
			c, target, c, o.Interval, timeout)
	}
	cfg, err := config.Parse("bench-agents.yaml", strings.NewReader(b.String()))
	if err != nil {
		return nil, err
	}
	m, store, err := monitor.OpenSQLite(cfg, monitor.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		m.Stop(context.Background())
		return nil, err
	}
	if err := m.Start(l); err != nil {
		l.Close()
		m.Stop(context.Background())
		return nil, err
	}
	return &agentsServer{m: m, store: store, base: l.Addr().String()}, nil
}

func (s *agentsServer) stop() {
	for _, p := range s.proxies {
		p.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.m.Stop(ctx)
}

// ingested is how many results the server whose metrics g gathers stored
// from agents.
func ingested(g prometheus.Gatherer) float64 {
	return metric.CounterValue(g, "slate_agent_results_total")
}

// storedSince says whether the server whose metrics g gathers stored,
// from every agent, a result probed at or after t.
func storedSince(g prometheus.Gatherer, t time.Time) bool {
	for _, loc := range agentLocations {
		through, ok := metric.GaugeValue(g, "slate_agent_complete_through_timestamp_seconds", map[string]string{"location": loc})
		if !ok || through < float64(t.UnixMilli())/1e3 {
			return false
		}
	}
	return true
}

// drainSample is one sample of the drain, read from one gathering of the
// server's metrics (g): how many results it stored from agents, and
// whether it stored, from every agent, a result probed at or after
// healed. Gathering the whole registry once a sample, not once a figure,
// keeps the measuring light on the server measured.
func drainSample(g prometheus.Gatherer, healed time.Time) (n float64, drained bool) {
	mfs, err := g.Gather()
	snap := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, err })
	return ingested(snap), storedSince(snap, healed)
}

// startAgent makes location's token and proxy and starts its agent.
func (s *agentsServer) startAgent(ctx context.Context, sp Spawn, location, spool string) (*agentProc, error) {
	tok, _, err := s.store.CreateToken(ctx, db.NewToken{Name: "bench " + location, Role: access.Agent, Location: location}, "bench")
	if err != nil {
		return nil, err
	}
	p, err := netproxy.Start(s.base)
	if err != nil {
		return nil, err
	}
	s.proxies = append(s.proxies, p)
	return startAgentProc(sp, agentChild{Server: "http://" + p.Addr(), Token: tok, Spool: spool})
}

// agentChild is what the parent sends an agent child process.
type agentChild struct {
	Server, Token, Spool string
}

// agentStats is an agent child's answer to "stats".
type agentStats struct {
	CPU                        time.Duration
	Written, Shipped           float64
	Dropped, Discarded, Missed float64
	Ack, Delay                 histJSON
}

// histJSON is a histogram as a child sends it.
type histJSON struct {
	Bounds []float64
	Counts []uint64
	Total  uint64
}

func (h histJSON) histogram() histogram {
	return histogram{bounds: h.Bounds, counts: h.Counts, total: h.Total}
}

// agentProc is an agent child process, asked for figures over its
// standard input.
type agentProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	mu  sync.Mutex
}

func startAgentProc(sp Spawn, c agentChild) (*agentProc, error) {
	cmd, err := sp.spawn("agent-child")
	if err != nil {
		return nil, fmt.Errorf("start agent: %w", err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start agent: %w", err)
	}
	p := &agentProc{cmd: cmd, in: in, out: bufio.NewReader(out)}
	b, _ := json.Marshal(c)
	if _, err := fmt.Fprintf(in, "%s\n", b); err != nil {
		p.stop()
		return nil, fmt.Errorf("start agent: %w", err)
	}
	return p, nil
}

// ask sends a command and decodes its one-line answer into v.
func (p *agentProc) ask(cmd string, v any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := fmt.Fprintln(p.in, cmd); err != nil {
		return fmt.Errorf("agent child: %w", err)
	}
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("agent child: %s: %w", cmd, err)
	}
	if err := json.Unmarshal(line, v); err != nil {
		return fmt.Errorf("agent child: %s: %q: %w", cmd, line, err)
	}
	return nil
}

func (p *agentProc) stats() (agentStats, error) {
	var s agentStats
	return s, p.ask("stats", &s)
}

func (p *agentProc) footprint() (agent.Footprint, error) {
	var f agent.Footprint
	return f, p.ask("footprint", &f)
}

// stop closes the child's input, which stops it, and waits for it.
func (p *agentProc) stop() {
	p.in.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

func allStats(agents []*agentProc) ([]agentStats, error) {
	out := make([]agentStats, len(agents))
	for i, a := range agents {
		var err error
		if out[i], err = a.stats(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RunAgentChild is an agent process of slate bench agents: it reads its
// settings as one line of JSON from stdin, runs the agent, answers the
// commands "stats" and "footprint" with a line of JSON each, and stops
// when stdin closes. It backs off at most a second, so that both agents
// drain their backlog as soon as the partition heals.
func RunAgentChild(stdin io.Reader, stdout io.Writer) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "bench agent child:", err); return 1 }
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	var c agentChild
	if err != nil || json.Unmarshal(line, &c) != nil || c.Server == "" {
		fmt.Fprintln(os.Stderr, "bench agent child: want {Server, Token, Spool} on the first line of stdin")
		return 2
	}
	if err := os.MkdirAll(c.Spool, db.PrivateDirMode); err != nil {
		return fail(err)
	}
	reg := prometheus.NewRegistry()
	a, err := agent.New(c.Spool, 0, reg)
	if err != nil {
		return fail(err)
	}
	a.Servers, a.Token, a.BackoffMax = []string{c.Server}, c.Token, time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	enc := json.NewEncoder(stdout)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var v any
		switch sc.Text() {
		case "stats":
			v = childAgentStats(reg)
		case "footprint":
			f, err := a.SpoolFootprint(ctx)
			if err != nil {
				cancel()
				return fail(err)
			}
			v = f
		default:
			cancel()
			return fail(fmt.Errorf("unknown command %q", sc.Text()))
		}
		if err := enc.Encode(v); err != nil {
			cancel()
			return fail(err)
		}
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return fail(err)
	}
	return 0
}

func childAgentStats(g prometheus.Gatherer) agentStats {
	return agentStats{
		CPU:       cpuTime(),
		Written:   metric.CounterValue(g, "slate_results_written_total"),
		Shipped:   metric.CounterValue(g, "slate_agent_shipped_total"),
		Dropped:   metric.CounterValue(g, "slate_agent_spool_dropped_total") + metric.CounterValue(g, "slate_results_dropped_total"),
		Discarded: metric.CounterValue(g, "slate_agent_results_discarded_total"),
		Missed:    metric.CounterValue(g, "slate_scheduler_missed_runs_total"),
		Ack:       histogramOf(g, "slate_agent_ack_seconds").json(),
		Delay:     histogramOf(g, "slate_agent_result_delay_seconds").json(),
	}
}
