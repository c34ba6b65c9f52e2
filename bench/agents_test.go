package bench

import (
	"context"
	"testing"
	"time"
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
	if r.ResultsDropped != 0 || r.ResultsDiscarded != 0 {
		t.Errorf("%v results dropped, %v discarded; want none on one machine with one clock", r.ResultsDropped, r.ResultsDiscarded)
	}
	for _, k := range []string{"ingest_burst_results_per_second", "ack_p99_ms", "cpu_ratio", "spool_bytes_per_result"} {
		if _, ok := r.Pass[k]; !ok {
			t.Errorf("no verdict for %s", k)
		}
	}
}
