package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// CurveReport is slate bench probes run at several sizes, each in a fresh
// process, so that peak memory is each size's own: the growth per check
// shows as a slope rather than as one figure that also holds the fixed
// cost of the process.
type CurveReport struct {
	Runs []ProbesReport `json:"runs"`
	// Slopes of the least-squares line through (checks, figure) over the
	// runs: what one more check costs, in bytes.
	RSSSlopeBytesPerCheck  float64 `json:"rss_slope_bytes_per_check"`
	HeapSlopeBytesPerCheck float64 `json:"heap_slope_bytes_per_check"`
}

// probesChild is what the parent sends a child run of slate bench probes.
type probesChild struct {
	Checks      int           `json:"checks"`
	Interval    time.Duration `json:"interval"`
	Duration    time.Duration `json:"duration"`
	Workers     int           `json:"workers"`
	CheckSeries int           `json:"check_series"`
	MemProfile  string        `json:"mem_profile"`
}

// ProbesCurve runs Probes once per size in sizes, one after the other,
// each in a child process started by o.Spawn (role "probes-child"), with o's
// other settings, and writes each run's report to progress (if not nil) as
// one line of JSON as it completes. A heap profile, when asked for, is
// written per size to o.MemProfile with ".N" appended.
func ProbesCurve(ctx context.Context, sizes []int, o ProbesOptions, progress io.Writer) (CurveReport, error) {
	var rep CurveReport
	for _, n := range sizes {
		in := probesChild{Checks: n, Interval: o.Interval, Duration: o.Duration, Workers: o.Workers, CheckSeries: o.CheckSeries}
		if o.MemProfile != "" {
			in.MemProfile = o.MemProfile + "." + strconv.Itoa(n)
		}
		r, err := runProbesChild(ctx, o.Spawn, in)
		if err != nil {
			return rep, fmt.Errorf("%d checks: %w", n, err)
		}
		rep.Runs = append(rep.Runs, r)
		if progress != nil {
			b, _ := json.Marshal(r)
			fmt.Fprintf(progress, "%s\n", b)
		}
	}
	xs := make([]float64, len(rep.Runs))
	rss := make([]float64, len(rep.Runs))
	heap := make([]float64, len(rep.Runs))
	for i, r := range rep.Runs {
		xs[i], rss[i], heap[i] = float64(r.Checks), float64(r.PeakRSSBytes), float64(r.HeapLiveBytes)
	}
	rep.RSSSlopeBytesPerCheck = round3(slope(xs, rss))
	rep.HeapSlopeBytesPerCheck = round3(slope(xs, heap))
	return rep, nil
}

// slope is the least-squares slope of ys over xs; 0 with fewer than two
// distinct xs.
func slope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// runProbesChild runs one size in a child process and reads its report.
func runProbesChild(ctx context.Context, s Spawn, in probesChild) (ProbesReport, error) {
	var rep ProbesReport
	cmd, err := s.spawn("probes-child")
	if err != nil {
		return rep, fmt.Errorf("start child: %w", err)
	}
	b, _ := json.Marshal(in)
	cmd.Stdin = bytes.NewReader(b)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return rep, fmt.Errorf("start child: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return rep, fmt.Errorf("start child: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	defer stop()
	line, rerr := bufio.NewReader(stdout).ReadBytes('\n')
	werr := cmd.Wait()
	if werr != nil {
		return rep, fmt.Errorf("child: %w", werr)
	}
	if rerr != nil {
		return rep, fmt.Errorf("child: read report: %w", rerr)
	}
	if err := json.Unmarshal(line, &rep); err != nil {
		return rep, fmt.Errorf("child: bad report %q: %w", line, err)
	}
	return rep, nil
}

// RunProbesChild is a child run of ProbesCurve: it reads one size's
// settings as JSON from stdin, runs Probes and writes the report as one
// line of JSON.
func RunProbesChild(stdin io.Reader, stdout io.Writer) int {
	var in probesChild
	if err := json.NewDecoder(stdin).Decode(&in); err != nil || in.Checks < 1 {
		fmt.Fprintln(os.Stderr, "bench probes child: want {checks, interval, duration, workers, mem_profile} on stdin")
		return 2
	}
	r, err := Probes(context.Background(), ProbesOptions{Checks: in.Checks, Interval: in.Interval, Duration: in.Duration,
		Workers: in.Workers, CheckSeries: in.CheckSeries, MemProfile: in.MemProfile})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench probes child:", err)
		return 1
	}
	b, err := json.Marshal(r)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench probes child:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}
