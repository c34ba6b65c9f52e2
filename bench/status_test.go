package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// TestBenchStatusReports runs tiny status benchmarks end to end — target
// and load generator in child processes, the real app with imported
// history — closed loop, and paced with the /healthz control, and checks
// that every figure is present and plausible. Speed is for people to read:
// this test asserts none.
func TestBenchStatusReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for a few seconds")
	}
	type phase struct {
		name, path string
		gzip       bool
		offered    float64 // paced: requests per second offered
	}
	summary := phase{"summary.json", "/api/v2/summary.json", false, 0}
	summaryGzip := phase{"summary.json-gzip", "/api/v2/summary.json", true, 0}
	index := phase{"index", "/", true, 0}
	for _, tc := range []struct {
		name   string
		paced  bool // --paced --baseline
		phases []phase
	}{
		{"closed loop", false, []phase{summary, summaryGzip, index}},
		{"paced with control", true, []phase{
			{"healthz", "/healthz", false, summaryTargetRPS},
			{summary.name, summary.path, false, summaryTargetRPS},
			{summaryGzip.name, summaryGzip.path, true, summaryTargetRPS},
			{index.name, index.path, true, indexTargetRPS},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Status(context.Background(), StatusOptions{Services: 10, Groups: 2, Checks: 20, Days: 3,
				Interval: 500 * time.Millisecond, Duration: time.Second, Connections: 4, Paced: tc.paced, Baseline: tc.paced})
			if err != nil {
				t.Fatal(err)
			}
			if r.Services != 10 || r.Groups != 2 || r.Checks != 20 || r.HistoryDays != 3 || r.Connections != 4 {
				t.Errorf("sizes not echoed: %+v", r)
			}
			if r.Setup.HistoryRows != 60 || r.Setup.ImportSeconds < 0 || r.Setup.StartSeconds <= 0 || r.Setup.FirstIndexMs <= 0 ||
				r.Setup.PeakRSSImportedBytes <= 0 || r.Setup.PeakRSSStartedBytes < r.Setup.PeakRSSImportedBytes || r.PeakRSSBytes < r.Setup.PeakRSSStartedBytes {
				t.Errorf("setup %+v: want 60 history rows, the start and the peaks up to it measured", r.Setup)
			}
			if r.PeakRSSBytes <= 0 {
				t.Errorf("peak_rss_bytes %d", r.PeakRSSBytes)
			}
			if len(r.Phases) != len(tc.phases) {
				t.Fatalf("%d phases, want %d: %+v", len(r.Phases), len(tc.phases), r.Phases)
			}
			pass := true
			for i, p := range r.Phases {
				want := tc.phases[i]
				if p.Name != want.name || p.Path != want.path || p.Gzip != want.gzip || p.OfferedRPS != want.offered {
					t.Errorf("phase %d is %s %s gzip %v offered %v, want %+v", i, p.Name, p.Path, p.Gzip, p.OfferedRPS, want)
				}
				if want.offered > 0 && p.Requests != int64(want.offered) { // one second's schedule, sent in full
					t.Errorf("%s: %d requests, want the %v offered in 1s", p.Name, p.Requests, want.offered)
				}
				if p.Requests <= 0 || p.RequestsPerSecond <= 0 || p.Seconds < 1 || p.BytesPerResponse <= 0 {
					t.Errorf("%s: no load measured: %+v", p.Name, p)
				}
				if !(0 < p.P50Ms && p.P50Ms <= p.P99Ms && p.P99Ms <= p.P999Ms && p.P999Ms <= p.MaxMs) {
					t.Errorf("%s: latencies out of order: p50 %v p99 %v p99.9 %v max %v", p.Name, p.P50Ms, p.P99Ms, p.P999Ms, p.MaxMs)
				}
				if p.Errors != 0 || p.Non200 != 0 {
					t.Errorf("%s: %d errors, %d non-200 from a healthy server", p.Name, p.Errors, p.Non200)
				}
				if p.Gzip && !p.GzipVerified {
					t.Errorf("%s: the gzip answer was not verified as gzip", p.Name)
				}
				if p.ProbeRateRatio <= 0 || p.OnTimeRatio < 0 || p.OnTimeRatio > 1 {
					t.Errorf("%s: probes not measured: rate ratio %v, on time %v", p.Name, p.ProbeRateRatio, p.OnTimeRatio)
				}
				if p.SlateCPUCores <= 0 || p.SlateCPUUsPerReq <= 0 || p.LoadCPUCores <= 0 {
					t.Errorf("%s: CPU not measured: %+v", p.Name, p)
				}
				verdicts := []string{"errors", "non_200", "probe_rate_ratio"}
				if p.Name != "healthz" { // the control has no speed targets
					verdicts = append(verdicts, "requests_per_second", "p99_ms")
					if p.TargetRPS <= 0 || p.TargetP99Ms <= 0 {
						t.Errorf("%s: targets missing: %+v", p.Name, p)
					}
					if got := p.Pass["requests_per_second"]; got != (p.RequestsPerSecond >= p.TargetRPS) {
						t.Errorf("%s: requests_per_second verdict %v for %v against %v", p.Name, got, p.RequestsPerSecond, p.TargetRPS)
					}
					if got := p.Pass["p99_ms"]; got != (p.P99Ms <= p.TargetP99Ms) {
						t.Errorf("%s: p99_ms verdict %v for %v against %v", p.Name, got, p.P99Ms, p.TargetP99Ms)
					}
				}
				if p.TargetProbeRatio != probeTargetRatio {
					t.Errorf("%s: probe target %v, want %v", p.Name, p.TargetProbeRatio, probeTargetRatio)
				}
				if p.Gzip {
					verdicts = append(verdicts, "gzip_verified")
				}
				for _, k := range verdicts {
					ok, found := p.Pass[k]
					if !found {
						t.Errorf("%s: no verdict on %s", p.Name, k)
					}
					pass = pass && ok
				}
				if len(p.Pass) != len(verdicts) {
					t.Errorf("%s: verdicts %v, want exactly %v", p.Name, p.Pass, verdicts)
				}
			}
			if r.Pass != pass {
				t.Errorf("overall pass %v, but the phases' verdicts give %v", r.Pass, pass)
			}
		})
	}
}

func TestQuantileMs(t *testing.T) {
	lat := make([]time.Duration, 200) // 1 ms … 200 ms
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name string
		q    float64
		want float64
	}{
		{"median", 0.5, 100},
		{"99th", 0.99, 198},
		{"max", 1, 200},
		{"min", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := quantileMs(lat, tc.q); got != tc.want {
				t.Errorf("got %v ms, want %v", got, tc.want)
			}
		})
	}
}

func TestIsGzipOf(t *testing.T) {
	zip := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	page := "<!doctype html><html lang=\"en\"><title>Status</title></html>\n"
	for _, tc := range []struct {
		name string
		enc  string
		body []byte
		path string
		want bool
	}{
		{"gzip page", "gzip", zip(page), "/", true},
		{"plain page said to be gzip", "gzip", []byte(page), "/", false},
		{"gzip page without the header", "", zip(page), "/", false},
		{"gzip JSON for a page", "gzip", zip(`{"page":{}}`), "/", false},
		{"gzip JSON", "gzip", zip(`{"page":{}}`), "/api/v2/summary.json", true},
		{"gzip page for JSON", "gzip", zip(page), "/api/v2/summary.json", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := isGzipOf(tc.enc, tc.body, tc.path); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSyntheticHistoryVaries checks that the imported history of a
// service's checks gives bars of every kind — up, down and degraded
// minutes — over every minute, mostly up.
func TestSyntheticHistoryVaries(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	const minutes = 90 * 24 * 60
	var checks [][]sla.StateRun
	for range 20 {
		h := syntheticHistory(r, start, 90, 6, "local")
		total := 0
		for _, run := range h.Runs[0] {
			total += run.Count
		}
		if total != minutes || h.Minutes != minutes {
			t.Fatalf("runs cover %d minutes, history says %d; want %d", total, h.Minutes, minutes)
		}
		checks = append(checks, sla.MinuteStateRuns(h.Runs, sla.Confirmation{}))
	}
	seen := map[sla.State]int{}
	for _, s := range sla.CombineRuns(checks, minutes) {
		seen[s.State] += s.Count
	}
	for _, s := range []sla.State{sla.StateUp, sla.StateDown, sla.StateDegraded} {
		if seen[s] == 0 {
			t.Errorf("no %v minutes in a service's 90 days: %v", s, seen)
		}
	}
	if seen[sla.StateUp] < minutes*99/100 {
		t.Errorf("%d of %d minutes up; want mostly up", seen[sla.StateUp], minutes)
	}
}
