package collector

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// The benchmarks here put the target server in a child process (this test
// binary, re-run as TestHelperTargetServer), so the CPU time they report is
// the prober's alone, as it will be in production.

const helperEnv = "SLATE_COLLECTOR_HELPER_SERVER"

// TestHelperTargetServer is not a test: run as a child process by
// startTargetProcess, it serves HTTP on 127.0.0.1 until its stdin closes.
func TestHelperTargetServer(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for benchmarks")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "service is healthy")
	})}
	go srv.Serve(ln)
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startTargetProcess starts the helper server and returns its address and
// process id.
func startTargetProcess(b *testing.B) (string, int) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTargetServer$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			go io.Copy(io.Discard, stdout)
			return addr, cmd.Process.Pid
		}
	}
	b.Fatalf("helper server printed no address: %v", sc.Err())
	return "", 0
}

// processCPU is the CPU time (user and system) process pid used so far,
// from /proc, in clock ticks of 10ms.
func processCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skip("no /proc")
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14, stime 15.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// cpuTime is the CPU time (user and system) this process used so far.
func cpuTime(b *testing.B) time.Duration {
	u, s := cpuTimes(b)
	return u + s
}

// cpuTimes is the user and system CPU time this process used so far.
func cpuTimes(b *testing.B) (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// BenchmarkHTTPProbeRemote runs the HTTP probe against a server in another
// process, sequentially, and reports the prober's CPU per run.
func BenchmarkHTTPProbeRemote(b *testing.B) {
	addr, _ := startTargetProcess(b)
	p := mustProbe(b, Check{Kind: KindHTTP, Target: "http://" + addr + "/", Timeout: 5 * time.Second,
		HTTP: HTTPSettings{BodyContains: []string{"healthy"}}}, Env{})
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if o := p.Probe(context.Background()); !o.OK {
			b.Fatalf("got %s %s, want ok", o.Class, o.Detail)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N)/1e3, "cpu-µs/run")
}

// BenchmarkSchedulerHTTPRemote runs HTTP checks every second through the
// whole scheduler (dispatch, workers, metrics, batching, store) against a
// server in another process, for b.N seconds after a first interval of
// warm-up, and reports runs per second, the prober's CPU per run, the share
// of runs started 1s or more late, missed slots and peak RSS.
func BenchmarkSchedulerHTTPRemote(b *testing.B) {
	for _, tc := range []struct {
		checks   int
		interval time.Duration
	}{
		{1000, time.Second},
		{5000, time.Second},
		{10000, 10 * time.Second},
	} {
		b.Run(fmt.Sprintf("checks=%d/interval=%s", tc.checks, tc.interval), func(b *testing.B) {
			benchScheduler(b, tc.checks, tc.interval)
		})
	}
}

func benchScheduler(b *testing.B, n int, iv time.Duration) {
	addr, targetPID := startTargetProcess(b)
	var checks []Check
	for i := range n {
		checks = append(checks, Check{ID: fmt.Sprintf("load-%05d", i), Service: "load", Kind: KindHTTP,
			Target: "http://" + addr + "/", Interval: iv, Timeout: iv,
			HTTP: HTTPSettings{BodyContains: []string{"healthy"}}})
	}
	store := &discardStore{}
	s, _ := newTestScheduler(b, store)
	if err := s.Reload(checks); err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	time.Sleep(iv)
	b.ResetTimer()
	runs0, missed0, failed0 := testutil.ToFloat64(s.m.runs), testutil.ToFloat64(s.m.missed), store.failed.Load()
	n0, lat0 := store.n.Load(), store.latency.Load()
	target0 := processCPU(b, targetPID)
	late0, count0 := lateRuns(b, s)
	user0, sys0 := cpuTimes(b)
	t0 := time.Now()
	time.Sleep(time.Duration(b.N) * time.Second)
	runs := testutil.ToFloat64(s.m.runs) - runs0
	user1, sys1 := cpuTimes(b)
	wall := time.Since(t0)
	late1, count1 := lateRuns(b, s)
	missed := testutil.ToFloat64(s.m.missed) - missed0
	failed := store.failed.Load() - failed0
	stored, lat := store.n.Load()-n0, store.latency.Load()-lat0
	targetCPU := processCPU(b, targetPID) - target0
	b.StopTimer()
	if err := s.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
	user, sys := user1-user0, sys1-sys0
	if failed > 0 {
		b.Logf("%d failed runs, the last: %v", failed, store.lastFailure.Load())
	}
	b.ReportMetric(runs/wall.Seconds(), "runs/s")
	b.ReportMetric(float64(user+sys)/runs/1e3, "cpu-µs/run")
	b.ReportMetric(float64(user)/runs/1e3, "user-µs/run")
	b.ReportMetric(float64(sys)/runs/1e3, "sys-µs/run")
	b.ReportMetric(100*float64(late1-late0)/float64(max(1, count1-count0)), "%late>=1s")
	b.ReportMetric(missed, "missed")
	b.ReportMetric(float64(failed), "failed")
	b.ReportMetric(float64(lat)/float64(max(1, stored))/1e6, "ms-latency")
	b.ReportMetric(float64(targetCPU)/runs/1e3, "target-cpu-µs/run")
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}

// lateRuns reads the lateness histogram: runs started 1s or more late, and
// all runs.
func lateRuns(b *testing.B, s *Scheduler) (late, all uint64) {
	var m dto.Metric
	if err := s.m.lateness.Write(&m); err != nil {
		b.Fatal(err)
	}
	h := m.GetHistogram()
	all = h.GetSampleCount()
	for _, bk := range h.GetBucket() {
		if bk.GetUpperBound() == 1 {
			return all - bk.GetCumulativeCount(), all
		}
	}
	b.Fatal("no 1s bucket in the lateness histogram")
	return 0, 0
}

// peakRSS is the process's peak resident set size in bytes.
func peakRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
