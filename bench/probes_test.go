package bench

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/slatehq/slate/internal/pgtest"
)

// TestMain makes the test binary the benchmarks' child processes when it
// is started as "bench target", "bench load" or "bench probes-child", as
// slate itself is.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "bench" {
		switch os.Args[2] {
		case "target":
			os.Exit(RunTarget(os.Stdin, os.Stdout))
		case "load":
			os.Exit(RunLoad(os.Stdin, os.Stdout))
		case "probes-child":
			os.Exit(RunProbesChild(os.Stdin, os.Stdout))
		case "agent-child":
			os.Exit(RunAgentChild(os.Stdin, os.Stdout))
		}
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(pgtest.Main(m))
}

// TestBenchProbesReports runs a small benchmark end to end — target in a
// child process, real scheduler, probes and store — and checks that every
// figure is present and plausible. The figures themselves are for people to
// read: this test asserts no speed.
func TestBenchProbesReports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for a few seconds")
	}
	// A run's timeout is its interval. Three seconds is far more than a
	// local answer takes even on a machine loaded by the race detector or
	// a browser test running beside it, so no run fails for slowness and
	// the error count below checks what it should: that the benchmark
	// reports runs that failed, and that against a healthy target there
	// are none. The measured window is the duration less the interval and
	// a second of start-up: two seconds.
	r, err := Probes(context.Background(), ProbesOptions{Checks: 300, Interval: 3 * time.Second, Duration: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Checks != 300 || r.DemandPerSecond != 100 {
		t.Errorf("checks %d, demand %v; want 300 and 100", r.Checks, r.DemandPerSecond)
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
	if r.BaselineRSSBytes <= 0 || r.BaselineRSSBytes > r.PeakRSSBytes || r.HeapLiveBytes <= 0 {
		t.Errorf("baseline RSS %d, peak %d, live heap %d: want 0 < baseline <= peak and a live heap",
			r.BaselineRSSBytes, r.PeakRSSBytes, r.HeapLiveBytes)
	}
	if want := float64(r.PeakRSSBytes-r.BaselineRSSBytes) / float64(r.Checks); math.Abs(r.RSSBytesPerCheck-want) > 0.001 {
		t.Errorf("rss_bytes_per_check %v, want (peak - baseline) / checks = %v", r.RSSBytesPerCheck, want)
	}
}

// TestBenchProbesCurve runs two small sizes, each in a child process, and
// checks that each reports its own size and that the slopes are those of
// the runs' figures.
func TestBenchProbesCurve(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for a few seconds")
	}
	r, err := ProbesCurve(context.Background(), []int{50, 150}, ProbesOptions{Interval: 500 * time.Millisecond, Duration: 2500 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) != 2 || r.Runs[0].Checks != 50 || r.Runs[1].Checks != 150 {
		t.Fatalf("got runs %+v, want 50 then 150 checks", r.Runs)
	}
	for _, run := range r.Runs {
		if run.ResultsWritten <= 0 || run.PeakRSSBytes <= 0 {
			t.Errorf("%d checks: no figures: %+v", run.Checks, run)
		}
	}
	a, b := r.Runs[0], r.Runs[1]
	if want := round3(float64(b.PeakRSSBytes-a.PeakRSSBytes) / 100); r.RSSSlopeBytesPerCheck != want {
		t.Errorf("RSS slope %v, want %v (two points)", r.RSSSlopeBytesPerCheck, want)
	}
	if want := round3(float64(b.HeapLiveBytes-a.HeapLiveBytes) / 100); r.HeapSlopeBytesPerCheck != want {
		t.Errorf("heap slope %v, want %v (two points)", r.HeapSlopeBytesPerCheck, want)
	}
}

func TestSlope(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"a line", []float64{10, 50, 100}, []float64{1000, 5000, 10000}, 100},
		{"a line with an offset", []float64{1, 2, 3}, []float64{7, 9, 11}, 2},
		{"least squares through scatter", []float64{0, 1, 2, 3}, []float64{1, 3, 2, 4}, 0.8},
		{"one point", []float64{5}, []float64{9}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slope(tc.xs, tc.ys); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
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
	// Past the last bucket, the 99th percentile is at least its bound.
	h.total = 200
	if _, p99 := h.summary(); p99 != 5000 {
		t.Errorf("p99 past the buckets: got %v ms, want their last bound, 5000", p99)
	}
}

// TestBenchCloseReports closes a small synthetic month end to end, on
// SQLite and on PostgreSQL, and checks the figures are there; speed is for
// people to read, not asserted. A PostgreSQL database that holds data
// already is refused.
func TestBenchCloseReports(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url(t)
			r, err := Close(context.Background(), 40, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Series != 40 || r.CreditsRecorded != 40 || r.CloseSeconds <= 0 || r.PeakRSSBytes <= 0 {
				t.Errorf("report %+v: want 40 series closed and recorded", r)
			}
			if r.ReCloseSeconds <= 0 || r.LedgerEntries != 40 {
				t.Errorf("report %+v: want the re-close timed and the ledger still one credit a series", r)
			}
			if url == "" {
				return
			}
			if _, err := Close(context.Background(), 1, url, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Errorf("a database holding data: got %v, want it refused as not empty", err)
			}
		})
	}
}
