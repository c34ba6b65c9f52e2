package bench

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TestBenchAgentsReports runs slate bench agents small — 200 checks every
// 2 s at three locations, a 3 s live window and a 4 s partition — with the
// agents, the target and the reference collector as child processes, and
// checks that every figure is there and consistent. It asserts no speed:
// the figures are for people to read.
func TestBenchAgentsReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about twenty seconds")
	}
	r, err := Agents(context.Background(), AgentsOptions{Checks: 200, Interval: 2 * time.Second, Live: 3 * time.Second, Partition: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Checks != 200 || r.Locations != 3 || r.IntervalSeconds != 2 || r.LiveSeconds != 3 || r.PartitionSeconds != 4 {
		t.Errorf("settings echoed wrong: %+v", r)
	}
	if r.LiveIngestPerSecond <= 0 {
		t.Errorf("live ingest %v: the server stored nothing from the agents while live", r.LiveIngestPerSecond)
	}
	if r.AckP50Ms <= 0 || r.AckP99Ms < r.AckP50Ms || r.ResultDelayP99Ms <= 0 {
		t.Errorf("acknowledgement p50 %v, p99 %v, result delay p99 %v: want 0 < p50 <= p99 and a delay", r.AckP50Ms, r.AckP99Ms, r.ResultDelayP99Ms)
	}
	if r.AgentCPUMsPerCheck <= 0 || r.CollectorCPUMsPerCheck <= 0 {
		t.Errorf("CPU per check: agent %v, collector %v; want both measured", r.AgentCPUMsPerCheck, r.CollectorCPUMsPerCheck)
	}
	if want := round3(r.AgentCPUMsPerCheck / r.CollectorCPUMsPerCheck); r.CPURatio != want {
		t.Errorf("cpu_ratio %v, want agent / collector = %v", r.CPURatio, want)
	}
	// Four seconds of two agents probing 100 checks a second each.
	if r.BacklogResults < 200 {
		t.Errorf("backlog of %d results after a 4 s partition, want hundreds", r.BacklogResults)
	}
	if r.SpoolBytesPerResult <= 0 {
		t.Errorf("spool bytes per result %v, want measured", r.SpoolBytesPerResult)
	}
	if r.DrainSeconds <= 0 || r.IngestBurstPerSecond <= 0 || r.IngestPeakPerSecond < 0 {
		t.Errorf("drain %v s at %v results/s (peak %v): want the drain measured", r.DrainSeconds, r.IngestBurstPerSecond, r.IngestPeakPerSecond)
	}
	if !r.Drained || r.IngestPeakPerSecond <= 0 {
		t.Errorf("drained %v, peak %v results/s: want the backlog drained and its best second measured", r.Drained, r.IngestPeakPerSecond)
	}
	if r.ResultsDropped != 0 || r.ResultsDiscarded != 0 {
		t.Errorf("%v results dropped, %v discarded; want none on one machine with one clock", r.ResultsDropped, r.ResultsDiscarded)
	}
	for _, k := range []string{"ingest_burst_results_per_second", "ack_p99_ms", "cpu_ratio", "spool_bytes_per_result"} {
		if _, ok := r.Pass[k]; !ok {
			t.Errorf("no verdict for %s", k)
		}
	}
}

// TestAgentsVerdicts: a figure within its target passes only when it was
// measured — an acknowledgement p99 of 0 with no batch acknowledged, a CPU
// ratio of 0 with no CPU time, a spool growth of 0 with no result spooled
// pass nothing — and a figure past its target fails.
func TestAgentsVerdicts(t *testing.T) {
	good := AgentsReport{Drained: true, IngestBurstPerSecond: TargetIngestBurst, AckP99Ms: 20,
		AgentCPUMsPerCheck: 0.1, CollectorCPUMsPerCheck: 0.1, CPURatio: 1, SpoolBytesPerResult: 40}
	tests := []struct {
		name   string
		rep    func(r *AgentsReport)
		acked  uint64
		added  int64
		failed []string // the verdicts that fail; the others pass
	}{
		{"all measured and within", func(*AgentsReport) {}, 10, 100, nil},
		{"nothing measured", func(r *AgentsReport) { *r = AgentsReport{} }, 0, 0,
			[]string{"ingest_burst_results_per_second", "ack_p99_ms", "cpu_ratio", "spool_bytes_per_result"}},
		{"no batch acknowledged", func(r *AgentsReport) { r.AckP99Ms = 0 }, 0, 100, []string{"ack_p99_ms"}},
		{"no reference CPU", func(r *AgentsReport) { r.CollectorCPUMsPerCheck, r.CPURatio = 0, 0 }, 10, 100, []string{"cpu_ratio"}},
		{"no agent CPU", func(r *AgentsReport) { r.AgentCPUMsPerCheck, r.CPURatio = 0, 0 }, 10, 100, []string{"cpu_ratio"}},
		{"no result spooled", func(r *AgentsReport) { r.SpoolBytesPerResult = 0 }, 10, 0, []string{"spool_bytes_per_result"}},
		{"not drained", func(r *AgentsReport) { r.Drained = false }, 10, 100, []string{"ingest_burst_results_per_second"}},
		{"past every target", func(r *AgentsReport) {
			r.IngestBurstPerSecond, r.AckP99Ms, r.CPURatio, r.SpoolBytesPerResult = TargetIngestBurst-1, TargetAckP99Ms+1, TargetCPURatio+0.01, TargetSpoolPerResult+1
		}, 10, 100, []string{"ingest_burst_results_per_second", "ack_p99_ms", "cpu_ratio", "spool_bytes_per_result"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.rep(&r)
			got := verdicts(r, tt.acked, tt.added)
			if len(got) != 4 {
				t.Errorf("%d verdicts, want 4: %v", len(got), got)
			}
			for k, pass := range got {
				if want := !slices.Contains(tt.failed, k); pass != want {
					t.Errorf("%s: pass %v, want %v", k, pass, want)
				}
			}
		})
	}
}

// TestBusyRefusals counts the batches the server refused with 503 (busy,
// store) and not those refused for the agent's fault or its standby.
func TestBusyRefusals(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_batches_refused_total", Help: "h"}, []string{"location", "reason"})
	reg.MustRegister(c)
	for reason, n := range map[string]float64{"busy": 3, "store": 2, "clock": 100, "invalid": 200, "standby": 400} {
		c.WithLabelValues("agent-1", reason).Add(n)
	}
	c.WithLabelValues("agent-2", "busy").Add(5)
	if got := busyRefusals(reg); got != 10 {
		t.Errorf("busy refusals %v, want 10 (busy 3 + 5, store 2)", got)
	}
}

// countingGatherer counts its gatherings.
type countingGatherer struct {
	g prometheus.Gatherer
	n atomic.Int64
}

func (c *countingGatherer) Gather() ([]*dto.MetricFamily, error) {
	c.n.Add(1)
	return c.g.Gather()
}

// TestDrainSampleGathersOnce: a drain sample reads the results stored and
// every agent's progress from one gathering of the server's registry, and
// reads them right.
func TestDrainSampleGathersOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	results := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_results_total", Help: "h"}, []string{"location"})
	through := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "slate_agent_complete_through_timestamp_seconds", Help: "h"}, []string{"location"})
	reg.MustRegister(results, through)
	healed := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	results.WithLabelValues(agentLocations[0]).Add(700)
	results.WithLabelValues(agentLocations[1]).Add(300)
	through.WithLabelValues(agentLocations[0]).Set(float64(healed.Unix() + 1))
	through.WithLabelValues(agentLocations[1]).Set(float64(healed.Unix() - 1))
	g := &countingGatherer{g: reg}
	if n, drained := drainSample(g, healed); n != 1000 || drained {
		t.Errorf("sample = %v, %v; want 1000 results, not drained (%s is behind)", n, drained, agentLocations[1])
	}
	if got := g.n.Load(); got != 1 {
		t.Errorf("one sample gathered the registry %d times, want once", got)
	}
	through.WithLabelValues(agentLocations[1]).Set(float64(healed.Unix()))
	if _, drained := drainSample(g, healed); !drained {
		t.Error("not drained once every agent's stored results reach the healing")
	}
}

// TestPeakPerSecond: the best second of a drain is the most stored over a
// window of a second or more, per second; a drain done within a second
// has all of it as its best second.
func TestPeakPerSecond(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int, n float64) sample { return sample{t0.Add(time.Duration(ms) * time.Millisecond), n} }
	tests := []struct {
		name    string
		samples []sample
		want    float64
	}{
		{"no samples", nil, 0},
		{"one sample", []sample{at(0, 5)}, 0},
		{"a drain within a second", []sample{at(0, 100), at(100, 300), at(200, 700), at(300, 700)}, 600},
		{"a steady drain", []sample{at(0, 0), at(500, 500), at(1000, 1000), at(1500, 1500), at(2000, 2000)}, 1000},
		{"a burst in the second second", []sample{at(0, 0), at(1000, 100), at(2000, 2100), at(3000, 2200)}, 2000},
		{"windows over a second are per second", []sample{at(0, 0), at(2000, 3000)}, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := peakPerSecond(tt.samples); got != tt.want {
				t.Errorf("peakPerSecond = %v, want %v", got, tt.want)
			}
		})
	}
}
