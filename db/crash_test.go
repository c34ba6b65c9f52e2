package db_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/crashtest"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// The crash test runs TestCrashChild in a child process (package
// crashtest) that writes results as fast as it can and prints every
// acknowledged call; the parent kills it with SIGKILL at random moments and
// checks the file after each kill. These variables of the child's
// environment tell it where to write and from which sequence number.
const (
	crashPathEnv  = "SLATE_DB_CRASH_PATH"  // database file
	crashStartEnv = "SLATE_DB_CRASH_START" // first sequence number to write
)

// TestCrashChild is the child of TestCrashRecovery; run directly, it
// skips.
func TestCrashChild(t *testing.T) {
	crashtest.Child(t)
	start, err := strconv.ParseInt(os.Getenv(crashStartEnv), 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	os.Exit(crashChild(os.Getenv(crashPathEnv), start))
}

// The child's results are a pure function of a sequence number, so the
// parent can tell from a stored row which number it was.
const (
	crashChecks    = 40
	crashLocations = 3
	crashPerTick   = crashChecks * crashLocations // results per tick: every (check, location) once
	crashTick      = 500 * time.Millisecond       // 120 runs per (check, location) per minute
	crashRange     = 2 * crashPerTick             // sequence numbers a child goroutine takes at once
	crashWriters   = 8
)

// crashBase is the instant of tick 0: two minutes before UTC midnight, so
// the run crosses a day boundary.
func crashBase() time.Time { return time.Date(2026, 11, 26, 23, 58, 0, 0, time.UTC) }

func crashNow() time.Time { return crashBase().Add(time.Hour) }

func crashResult(seq int64) sla.Result {
	c := seq % crashChecks
	l := seq / crashChecks % crashLocations
	tick := seq / crashPerTick
	// Failure streaks of 7 ticks that start at different times per check
	// and location, so minutes have leading, trailing and inner runs.
	ok := (tick/7+c+l)%4 != 0
	r := sla.Result{
		CheckID:  fmt.Sprintf("c%02d", c),
		Location: fmt.Sprintf("l%d", l),
		At:       crashBase().Add(time.Duration(tick) * crashTick),
		OK:       ok,
		Latency:  time.Duration(seq%5000) * time.Microsecond,
	}
	if !ok {
		r.Class = sla.ClassStatus
		r.Detail = "status 503"
	}
	return r
}

// crashSeq is the inverse of crashResult.
func crashSeq(r sla.Result) (int64, error) {
	var c, l int64
	if _, err := fmt.Sscanf(r.CheckID+" "+r.Location, "c%d l%d", &c, &l); err != nil {
		return 0, fmt.Errorf("result %+v: %w", r, err)
	}
	tick := int64(r.At.Sub(crashBase()) / crashTick)
	return tick*crashPerTick + l*crashChecks + c, nil
}

// crashChild writes until it is killed. Each goroutine takes two ticks of
// sequence numbers and writes the later tick first, so every (check,
// location) gets a run older than one already committed: the late-agent
// path. Each acknowledged call is printed at once ("ack first end") with
// one unbuffered write.
func crashChild(path string, start int64) int {
	d, err := db.Open(path, db.Options{Now: crashNow})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	var next atomic.Int64
	next.Store(start)
	var mu sync.Mutex
	fail := make(chan error, crashWriters)
	for range crashWriters {
		go func() {
			for {
				s := next.Add(crashRange) - crashRange
				for _, half := range [][2]int64{{s + crashPerTick, s + crashRange}, {s, s + crashPerTick}} {
					rs := make([]sla.Result, 0, crashPerTick)
					for seq := half[0]; seq < half[1]; seq++ {
						rs = append(rs, crashResult(seq))
					}
					if err := d.WriteResults(context.Background(), rs); err != nil {
						fail <- err
						return
					}
					mu.Lock()
					fmt.Fprintf(os.Stdout, "ack %d %d\n", half[0], half[1])
					mu.Unlock()
				}
			}
		}()
	}
	select {
	case err := <-fail:
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	case <-time.After(30 * time.Second):
		// Only an orphan gets here: the parent kills long before.
		return 3
	}
}

func TestCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	var (
		acked       []bool // acked[seq]: some child acknowledged it
		start       int64
		total       int64         // results acknowledged, retries included
		ingested    time.Duration // child time from first to last acknowledgement
		first, last time.Time     // of the current child
	)
	crashtest.Run(t, crashtest.Config{
		Child: "TestCrashChild", Kills: 24, MaxWait: 400 * time.Millisecond, AfterFirstLine: true,
		Env: func(int) []string {
			first, last = time.Time{}, time.Time{}
			return []string{crashPathEnv + "=" + path, crashStartEnv + "=" + strconv.FormatInt(start, 10)}
		},
		Line: func(k int, line string) {
			var lo, hi int64
			if _, err := fmt.Sscanf(line, "ack %d %d", &lo, &hi); err != nil {
				t.Fatalf("kill %d: child output %q: %v", k, line, err)
			}
			for int64(len(acked)) < hi {
				acked = append(acked, false)
			}
			for seq := lo; seq < hi; seq++ {
				acked[seq] = true
			}
			total += hi - lo
			last = time.Now()
			if first.IsZero() {
				first = last
			}
		},
		Check: func(k int) {
			ingested += last.Sub(first)
			checkCrashedDB(t, k, path, acked)
			// Restart a little before the highest acknowledged number, so
			// the next child retries results that are already stored.
			start = max(0, int64(len(acked))/crashRange*crashRange-2*crashRange)
		},
	})
	rate := float64(total) / ingested.Seconds()
	t.Logf("%d results acknowledged (%d distinct) at %.0f results/s", total, countTrue(acked), rate)
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// checkCrashedDB opens the database a child left behind and checks that
// every acknowledged result is stored exactly once, that the minute history
// agrees with the raw results, and that SQLite finds the file intact.
func checkCrashedDB(t *testing.T, kill int, path string, acked []bool) {
	t.Helper()
	d := reopenCrashed(t, kill, path, crashNow)
	defer d.Close()
	ctx := context.Background()
	// Everything any child can have written, acknowledged or not: the
	// history of a minute must agree with all of its raw results.
	from := crashBase()
	to := crashBase().Add(24 * time.Hour)
	stored := make([]int, len(acked)+crashRange*crashWriters*2)
	for c := range crashChecks {
		check := fmt.Sprintf("c%02d", c)
		rs, err := d.Results(ctx, check, from, to)
		if err != nil {
			t.Fatalf("kill %d: results of %s: %v", kill, check, err)
		}
		for _, r := range rs {
			seq, err := crashSeq(r)
			if err != nil {
				t.Fatalf("kill %d: %v", kill, err)
			}
			if want := crashResult(seq); r.OK != want.OK || r.Detail != want.Detail || r.Latency != want.Latency {
				t.Fatalf("kill %d: seq %d: got %+v, want %+v", kill, seq, r, want)
			}
			for int(seq) >= len(stored) {
				stored = append(stored, 0)
			}
			stored[seq]++
		}
		h, err := d.MinuteHistory(ctx, check, from, to)
		if err != nil {
			t.Fatalf("kill %d: history of %s: %v", kill, check, err)
		}
		if diff := storetest.DiffHistory(h, storetest.Fold(rs)); diff != "" {
			t.Fatalf("kill %d: history of %s differs from its raw results:\n%s", kill, check, firstLines(diff, 10))
		}
	}
	for seq, n := range stored {
		if n > 1 {
			t.Fatalf("kill %d: seq %d stored %d times, want once", kill, seq, n)
		}
	}
	missing := 0
	for seq, a := range acked {
		if a && stored[seq] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("kill %d: %d acknowledged results missing", kill, missing)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// reopenCrashed opens the database a killed child left at path, for the
// caller to close, and requires SQLite to find it intact.
func reopenCrashed(t *testing.T, kill int, path string, now func() time.Time) *db.DB {
	t.Helper()
	d, err := db.Open(path, db.Options{Now: now})
	if err != nil {
		t.Fatalf("kill %d: reopen: %v", kill, err)
	}
	if err := d.IntegrityCheck(context.Background()); err != nil {
		d.Close()
		t.Fatalf("kill %d: %v", kill, err)
	}
	return d
}
