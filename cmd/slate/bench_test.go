package main

import (
	"encoding/json"
	"testing"
)

// TestBenchProbesReports runs a small benchmark end to end — target in a
// child process, real scheduler, probes and store — and checks that every
// figure is present and plausible. The figures themselves are for people to
// read: this test asserts no speed.
func TestBenchProbesReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for a few seconds")
	}
	code, out, errs := runSlate(t, "", "bench", "probes", "--checks", "200", "--interval", "250ms", "--duration", "2500ms", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r benchReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.Checks != 200 || r.DemandPerSecond != 800 {
		t.Errorf("checks %d, demand %v; want 200 and 800", r.Checks, r.DemandPerSecond)
	}
	if r.ChecksPerSecond <= 0 || r.ResultsWritten <= 0 {
		t.Errorf("no runs measured: %+v", r)
	}
	if r.Errors != 0 {
		t.Errorf("%d runs failed against a healthy target", r.Errors)
	}
	if r.OnTimeRatio < 0 || r.OnTimeRatio > 1 {
		t.Errorf("on_time_ratio %v outside [0, 1]", r.OnTimeRatio)
	}
	if r.CPUMsPerCheck <= 0 || r.PeakRSSBytes <= 0 || r.DBBytesPerResult <= 0 || r.DBBytesPerCheckDay <= 0 {
		t.Errorf("missing resource figures: %+v", r)
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "disks"},
		{"bench", "probes", "--checks", "0"},
		{"bench", "probes", "--interval", "1ms"},
		{"bench", "probes", "--interval", "10s", "--duration", "15s"},
	} {
		if code, _, _ := runSlate(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestLatenessSummary(t *testing.T) {
	h := histogram{
		bounds: []float64{.1, .5, 1, 5},
		counts: []uint64{90, 95, 98, 100},
		total:  100,
	}
	onTime, p99 := h.summary()
	if onTime != 0.98 {
		t.Errorf("on time: got %v, want 0.98", onTime)
	}
	// The 99th of 100 runs lies halfway through the (1, 5] bucket: 3 s.
	if p99 != 3000 {
		t.Errorf("p99: got %v ms, want 3000", p99)
	}
}

// TestBenchCloseReports closes a small synthetic month end to end and checks
// the figures are there; speed is for people to read, not asserted.
func TestBenchCloseReports(t *testing.T) {
	code, out, errs := runSlate(t, "", "bench", "close", "--series", "40", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r benchCloseReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if r.Series != 40 || r.CreditsRecorded != 40 || r.CloseSeconds <= 0 || r.PeakRSSBytes <= 0 {
		t.Errorf("report %+v: want 40 series closed and recorded", r)
	}
	if code, _, _ := runSlate(t, "", "bench", "close", "--series", "0"); code != exitUsage {
		t.Errorf("--series 0: exit %d, want %d", code, exitUsage)
	}
}
