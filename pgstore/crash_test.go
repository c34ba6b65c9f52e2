package pgstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// Results of the crash tests are a pure function of a sequence number, so
// a stored row tells which number it was.
const (
	crashChecks    = 20
	crashLocations = 3
	crashPerTick   = crashChecks * crashLocations
	crashTick      = 500 * time.Millisecond
	crashBatch     = 2 * crashPerTick // one WriteResults call: two ticks, the later first
	crashWriters   = 4

	envCrashURL   = "SLATE_PG_CRASH_URL"   // the child's database; set only in the child
	envCrashStart = "SLATE_PG_CRASH_START" // the child's first sequence number
	envCrashSeed  = "SLATE_CRASH_SEED"     // replays a run's kill times
)

// crashBase is tick 0: two minutes before UTC midnight, so runs cross a
// day (and a results partition).
func crashBase() time.Time { return time.Date(2026, 11, 26, 23, 58, 0, 0, time.UTC) }

func crashNow() time.Time { return crashBase().Add(time.Hour) }

func crashResult(seq int64) sla.Result {
	c, l, tick := seq%crashChecks, seq/crashChecks%crashLocations, seq/crashPerTick
	ok := (tick/7+c+l)%4 != 0
	r := sla.Result{CheckID: fmt.Sprintf("c%02d", c), Location: fmt.Sprintf("l%d", l),
		At: crashBase().Add(time.Duration(tick) * crashTick), OK: ok, Latency: time.Duration(seq%5000) * time.Microsecond}
	if !ok {
		r.Class, r.Detail = sla.ClassStatus, "status 503"
	}
	return r
}

// crashBatchOf is the batch of sequence numbers [s, s+crashBatch): the
// later tick first, so every (check, location) gets a run older than one
// already committed, the late-agent path.
func crashBatchOf(s int64) []sla.Result {
	rs := make([]sla.Result, 0, crashBatch)
	for seq := s + crashPerTick; seq < s+crashBatch; seq++ {
		rs = append(rs, crashResult(seq))
	}
	for seq := s; seq < s+crashPerTick; seq++ {
		rs = append(rs, crashResult(seq))
	}
	return rs
}

func crashSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(envCrashSeed); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", envCrashSeed, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with %s=%d)", seed, envCrashSeed, seed)
	return seed
}

// TestCrashChild is the writing process of TestCrashSIGKILL; it runs only
// when that test starts it.
func TestCrashChild(t *testing.T) {
	url := os.Getenv(envCrashURL)
	if url == "" {
		t.Skip("the child of TestCrashSIGKILL")
	}
	start, err := strconv.ParseInt(os.Getenv(envCrashStart), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: crashNow, MaxConns: crashWriters + 1})
	if err != nil {
		t.Fatal(err)
	}
	// The writers start together on open connections, as an ingest
	// process's do once it runs, so the first child's first batches race
	// to add the same new names.
	warmPool(t, s, crashWriters)
	var next atomic.Int64
	next.Store(start)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range crashWriters {
		wg.Go(func() {
			for {
				first := next.Add(crashBatch) - crashBatch
				if err := s.WriteResults(context.Background(), crashBatchOf(first)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Printf("ack %d\n", first) // one unbuffered write per acknowledgement
				mu.Unlock()
			}
		})
	}
	wg.Wait() // only on an error: the parent kills the child first
}

// TestCrashSIGKILL kills a process writing to PostgreSQL with SIGKILL 20
// times at random moments; each new process starts a little before the
// last acknowledged batch, so it retries batches that may or may not have
// been stored. In the end every acknowledged result is stored exactly
// once, and the minute history counts every stored run once.
func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	rng := rand.New(rand.NewPCG(crashSeed(t), 1))
	url := pgtest.NewDatabase(t)
	acked := map[int64]bool{}
	var next int64
	const kills = 20
	for round := range kills {
		child := pgtest.StartChild(t, "TestCrashChild", envCrashURL+"="+url, envCrashStart+"="+strconv.FormatInt(next, 10))
		deadline := time.After(time.Duration(300+rng.IntN(700)) * time.Millisecond)
		seen := 0
	read:
		for {
			select {
			case line, ok := <-child.Lines:
				if !ok {
					t.Fatalf("round %d: the child ended by itself", round)
				}
				var first int64
				if _, err := fmt.Sscanf(line, "ack %d", &first); err == nil {
					acked[first] = true
					next = max(next, first+crashBatch)
					seen++
				}
			case <-deadline:
				if seen > 0 {
					break read
				}
				deadline = time.After(100 * time.Millisecond) // not started yet: give it time
			}
		}
		child.Kill()
		for line := range child.Lines { // acknowledgements printed before the kill
			var first int64
			if _, err := fmt.Sscanf(line, "ack %d", &first); err == nil {
				acked[first], next = true, max(next, first+crashBatch)
			}
		}
		next -= int64(rng.IntN(3)) * crashBatch * crashWriters // retry some batches
		next = max(next, 0)
		next -= next % crashBatch
	}
	checkCrashOutcome(t, url, acked)
}

// checkCrashOutcome opens the database and checks that every batch in
// acked is stored, that no result is stored twice, and that the minute
// history equals the stored runs folded in time order.
func checkCrashOutcome(t *testing.T, url string, acked map[int64]bool) {
	t.Helper()
	ctx := context.Background()
	s, err := pgstore.Open(ctx, url, pgstore.Options{Now: crashNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	from, to := crashBase(), crashBase().Add(24*time.Hour)
	stored := map[int64]int{}
	var all []sla.Result
	for c := range crashChecks {
		check := fmt.Sprintf("c%02d", c)
		rs, err := s.Results(ctx, check, from, to)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rs...)
		for _, r := range rs {
			seq := int64(r.At.Sub(crashBase())/crashTick)*crashPerTick + int64(r.Location[1]-'0')*crashChecks + int64(c)
			stored[seq]++
			if want := crashResult(seq); r.OK != want.OK || r.Detail != want.Detail {
				t.Errorf("result %d: got %+v, want %+v", seq, r, want)
			}
		}
		if len(rs) == 0 {
			continue
		}
		last := rs[len(rs)-1].At // Results come in time order
		h, err := s.MinuteHistory(ctx, check, from, last.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if diff := storetest.DiffHistory(h, storetest.Fold(rs)); diff != "" {
			t.Errorf("history of %s differs from its stored runs:\n%s", check, diff)
		}
	}
	// Missing and doubled results are told apart, with the batches they
	// belong to, so that a failure says which promise broke.
	var missing, doubled int
	var batches []int64
	for first := range acked {
		bad := false
		for seq := first; seq < first+crashBatch; seq++ {
			switch n := stored[seq]; {
			case n == 0:
				missing, bad = missing+1, true
			case n > 1:
				doubled, bad = doubled+1, true
			}
		}
		if bad {
			batches = append(batches, first)
		}
	}
	if missing+doubled > 0 {
		slices.Sort(batches)
		t.Errorf("%d acknowledged results are not stored exactly once: %d missing, %d stored more than once, in the batches starting at %v",
			missing+doubled, missing, doubled, batches[:min(len(batches), 10)])
	}
	// A result stored under an id no name has is stored and yet lost to
	// every reader; count them apart from the missing ones.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var nameless int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM results r
WHERE NOT EXISTS (SELECT FROM checks c WHERE c.id = r.check_id) OR NOT EXISTS (SELECT FROM locations l WHERE l.id = r.location_id)`).Scan(&nameless); err != nil {
		t.Fatal(err)
	}
	if nameless > 0 {
		t.Errorf("%d results are stored under a check or location id that has no name", nameless)
	}
	t.Logf("%d batches acknowledged, %d results stored", len(acked), len(all))
	if len(acked) == 0 {
		t.Error("nothing was acknowledged: the test tested nothing")
	}
}

// TestCrashServerRestarts stops the PostgreSQL server with pg_ctl stop -m
// immediate (no checkpoint: crash recovery at the next start) 10 times
// while writers ingest and retry what failed: every acknowledged result is
// stored exactly once.
func TestCrashServerRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("stops the server; skipped with -short")
	}
	cluster := pgtest.Cluster(t)
	rng := rand.New(rand.NewPCG(crashSeed(t), 2))
	url := pgtest.NewDatabase(t)
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: crashNow, MaxConns: crashWriters + 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	acked := map[int64]bool{}
	var next atomic.Int64
	var failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range crashWriters {
		wg.Go(func() {
			for {
				first := next.Add(crashBatch) - crashBatch
				for {
					select {
					case <-stop:
						return
					default:
					}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					err := s.WriteResults(ctx, crashBatchOf(first))
					cancel()
					if err == nil {
						break
					}
					failed.Add(1)
					time.Sleep(50 * time.Millisecond) // the server is down: retry the same batch
				}
				mu.Lock()
				acked[first] = true
				mu.Unlock()
			}
		})
	}
	const restarts = 10
	for range restarts {
		time.Sleep(time.Duration(200+rng.IntN(500)) * time.Millisecond)
		if err := cluster.StopImmediate(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rng.IntN(200)) * time.Millisecond)
		if err := cluster.Start(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond) // let writes succeed after the last restart
	close(stop)
	wg.Wait()
	t.Logf("%d writes failed while the server was down, and were retried", failed.Load())
	if failed.Load() == 0 {
		t.Error("no write failed: the server never went down under the writers")
	}
	checkCrashOutcome(t, url, acked)
}
