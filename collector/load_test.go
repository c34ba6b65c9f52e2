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
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
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

// startTargetProcess starts the helper server and returns its address.
func startTargetProcess(b *testing.B) string {
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
			return addr
		}
	}
	b.Fatalf("helper server printed no address: %v", sc.Err())
	return ""
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
	addr := startTargetProcess(b)
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

// BenchmarkSchedulerHTTPRemote runs 1,000 HTTP checks every second through
// the whole scheduler (dispatch, workers, metrics, batching, store) against
// a server in another process, for b.N seconds, and reports runs per second,
// the prober's CPU per run and missed slots.
func BenchmarkSchedulerHTTPRemote(b *testing.B) {
	addr := startTargetProcess(b)
	const n = 1000
	var checks []Check
	for i := range n {
		checks = append(checks, Check{ID: fmt.Sprintf("load-%04d", i), Service: "load", Kind: KindHTTP,
			Target: "http://" + addr + "/", Interval: time.Second, Timeout: time.Second,
			HTTP: HTTPSettings{BodyContains: []string{"healthy"}}})
	}
	store := &discardStore{}
	s, _ := newTestScheduler(b, store)
	if err := s.Reload(checks); err != nil {
		b.Fatal(err)
	}
	// Let the first interval pass before measuring: every check gets its
	// first slot within it.
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	time.Sleep(time.Second)
	b.ResetTimer()
	runs0, missed0 := testutil.ToFloat64(s.m.runs), testutil.ToFloat64(s.m.missed)
	user0, sys0 := cpuTimes(b)
	t0 := time.Now()
	time.Sleep(time.Duration(b.N) * time.Second)
	runs := testutil.ToFloat64(s.m.runs) - runs0
	user1, sys1 := cpuTimes(b)
	wall := time.Since(t0)
	user, sys := user1-user0, sys1-sys0
	cpu := user + sys
	missed := testutil.ToFloat64(s.m.missed) - missed0
	b.StopTimer()
	if err := s.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(runs/wall.Seconds(), "runs/s")
	b.ReportMetric(float64(cpu)/runs/1e3, "cpu-µs/run")
	b.ReportMetric(float64(user)/runs/1e3, "user-µs/run")
	b.ReportMetric(float64(sys)/runs/1e3, "sys-µs/run")
	b.ReportMetric(missed, "missed")
}
