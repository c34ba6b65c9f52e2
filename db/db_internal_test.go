package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/slatehq/slate/sla"
)

func openTest(t testing.TB, opts Options) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "slate.db"), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// onWriter runs fn on the writer connection, through the writer goroutine.
func onWriter(t *testing.T, d *DB, fn func(ctx context.Context, conn *sql.Conn) error) {
	t.Helper()
	err := d.w.do(context.Background(), &request{
		job:  func(ctx context.Context) error { return fn(ctx, d.wconn) },
		done: make(chan error, 1),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenSetsPragmas(t *testing.T) {
	d := openTest(t, Options{})
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
	}
	for _, tc := range tests {
		t.Run(tc.pragma, func(t *testing.T) {
			var got string
			onWriter(t, d, func(ctx context.Context, conn *sql.Conn) error {
				return conn.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got)
			})
			if got != tc.want {
				t.Errorf("writer: got %s = %s, want %s", tc.pragma, got, tc.want)
			}
		})
	}
	t.Run("readers are read-only", func(t *testing.T) {
		_, err := d.rdb.ExecContext(context.Background(), `INSERT INTO locations (name) VALUES ('x')`)
		if err == nil {
			t.Errorf("got nil error inserting through the read pool, want a read-only error")
		}
	})
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	sdb, err := sql.Open("sqlite3", dsn(path, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	ctx := context.Background()
	conn, err := sdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	first, err := migrate(ctx, conn, 1000)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	all, _ := migrations.ReadDir("migrations")
	if len(first) != len(all) || first[0] != "0001_create_names.sql" {
		t.Errorf("first migrate: got %v, want all %d migrations in order", first, len(all))
	}
	second, err := migrate(ctx, conn, 2000)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(second) != 0 {
		t.Errorf("second migrate: got %v applied, want none", second)
	}
	var n, maxAt int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*), max(applied_at) FROM schema_migrations`).Scan(&n, &maxAt); err != nil {
		t.Fatal(err)
	}
	if n != int64(len(all)) || maxAt != 1000 {
		t.Errorf("got %d records applied at most at %d, want %d records applied at 1000", n, maxAt, len(all))
	}
	var classes int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM classes`).Scan(&classes); err != nil {
		t.Fatal(err)
	}
	if classes != 7 {
		t.Errorf("got %d seeded classes, want 7 (seed not repeated)", classes)
	}
}

// TestGroupCommit holds the writer with a job, queues several
// WriteResults calls behind it, and checks that they commit in as few
// transactions as MaxBatch allows.
func TestGroupCommit(t *testing.T) {
	tests := []struct {
		name     string
		maxBatch int
		calls    int
		perCall  int
		wantTx   int
	}{
		{"all calls in one transaction", 1000, 8, 5, 1},
		{"batch limit splits", 10, 5, 4, 2}, // 4+4+4 then 4+4
		{"one call over the limit stays whole", 3, 1, 7, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			d := openTest(t, Options{Registerer: reg, MaxBatch: tc.maxBatch})
			release := make(chan struct{})
			held := make(chan struct{})
			go d.w.do(context.Background(), &request{
				job:  func(context.Context) error { close(held); <-release; return nil },
				done: make(chan error, 1),
			})
			<-held
			errs := make(chan error, tc.calls)
			base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
			for c := 0; c < tc.calls; c++ {
				rs := make([]sla.Result, tc.perCall)
				for i := range rs {
					rs[i] = sla.Result{CheckID: "web", Location: "a", At: base.Add(time.Duration(c*tc.perCall+i) * time.Second), OK: true}
				}
				go func() { errs <- d.WriteResults(context.Background(), rs) }()
			}
			// Wait until every call is queued, then let the writer go.
			for len(d.w.reqs) < tc.calls {
				time.Sleep(time.Millisecond)
			}
			close(release)
			for c := 0; c < tc.calls; c++ {
				if err := <-errs; err != nil {
					t.Fatalf("write: %v", err)
				}
			}
			if got := testutil.CollectAndCount(d.m.BatchSize); got != 1 {
				t.Fatalf("got %d histograms, want 1", got)
			}
			if got := histogramCount(t, d.m.BatchSize); got != uint64(tc.wantTx) {
				t.Errorf("got %d transactions, want %d", got, tc.wantTx)
			}
			if got := testutil.ToFloat64(d.m.Written); got != float64(tc.calls*tc.perCall) {
				t.Errorf("got %v results written, want %d", got, tc.calls*tc.perCall)
			}
		})
	}
}

func histogramCount(t *testing.T, h prometheus.Histogram) uint64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	h.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

// TestFailedTransactionLeavesNoTrace breaks the minutes table under the
// writer so that a transaction fails after its runs were applied to the
// cached day, then repairs it and retries: the retry must count each run
// once, which holds only if the failed transaction's cache changes were
// dropped.
func TestFailedTransactionLeavesNoTrace(t *testing.T) {
	reg := prometheus.NewRegistry()
	now := time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)
	d := openTest(t, Options{Registerer: reg, Now: func() time.Time { return now }})
	ctx := context.Background()
	at := func(sec int) time.Time { return time.Date(2026, 11, 27, 10, 0, sec, 0, time.UTC) }
	first := []sla.Result{{CheckID: "api", Location: "a", At: at(0), OK: true}}
	second := []sla.Result{
		{CheckID: "api", Location: "a", At: at(20), OK: false, Class: sla.ClassDNS, Detail: "nxdomain"},
		{CheckID: "api", Location: "new-location", At: at(20), OK: true},
	}
	if err := d.WriteResults(ctx, first); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		onWriter(t, d, func(ctx context.Context, conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, q)
			return err
		})
	}
	exec(`ALTER TABLE minutes RENAME TO minutes_away`)
	if err := d.WriteResults(ctx, second); err == nil {
		t.Fatalf("got nil error with the minutes table gone, want an error")
	}
	if got := testutil.ToFloat64(d.m.WriteErrors); got != 1 {
		t.Errorf("got slate_store_write_errors_total %v, want 1", got)
	}
	exec(`ALTER TABLE minutes_away RENAME TO minutes`)
	if err := d.WriteResults(ctx, second); err != nil {
		t.Fatalf("retry: %v", err)
	}

	rs, err := d.Results(ctx, "api", at(0), at(60))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Errorf("got %d results, want 3", len(rs))
	}
	h, err := d.MinuteHistory(ctx, "api", at(0), at(60))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sla.LocationMinute{
		"a":            {OK: 1, Fail: 1, Trail: 1, MaxRun: 1},
		"new-location": {OK: 1},
	}
	if len(h.Locations) != len(want) {
		t.Fatalf("got locations %q, want %d", h.Locations, len(want))
	}
	for j, loc := range h.Locations {
		if got := h.Minutes[0][j]; got != want[loc] {
			t.Errorf("%s: got %+v, want %+v", loc, got, want[loc])
		}
	}
}

func TestPruneDeletesDetailsWithResults(t *testing.T) {
	d := openTest(t, Options{})
	ctx := context.Background()
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := d.WriteResults(ctx, []sla.Result{
		{CheckID: "api", Location: "a", At: old, OK: false, Detail: "refused"},
		{CheckID: "api", Location: "a", At: old.AddDate(0, 1, 0), OK: false, Detail: "refused"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Prune(ctx, old.AddDate(0, 0, 20)); err != nil {
		t.Fatal(err)
	}
	var details int
	if err := d.rdb.QueryRowContext(ctx, `SELECT count(*) FROM result_details`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if details != 1 {
		t.Errorf("got %d details, want 1 (the pruned result's detail deleted with it)", details)
	}
}

// TestOpenReadDoesNotBlockWrites keeps a read statement open on the
// read-only pool while the writer commits. In a rollback journal the
// commit would wait for the reader and fail after the busy timeout; in WAL
// it goes through.
func TestOpenReadDoesNotBlockWrites(t *testing.T) {
	d := openTest(t, Options{BusyTimeout: 50 * time.Millisecond})
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		if err := d.WriteResults(ctx, []sla.Result{{CheckID: "api", At: at.Add(time.Duration(i) * time.Second), OK: true}}); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := d.rdb.QueryContext(ctx, `SELECT at_ms FROM results`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("got no rows, want 3")
	}
	for i := 3; i < 10; i++ {
		if err := d.WriteResults(ctx, []sla.Result{{CheckID: "api", At: at.Add(time.Duration(i) * time.Second), OK: true}}); err != nil {
			t.Fatalf("write %d with a reader open: %v", i, err)
		}
	}
	n := 1
	for rows.Next() {
		n++
	}
	if n != 3 {
		t.Errorf("reader saw %d rows, want the 3 of its snapshot", n)
	}
}

// TestCacheHoldsDaysCompacted checks that between transactions the writer
// keeps each cached day only in its encoded form, a few dozen bytes: an
// expanded day is 7,200 bytes per location, and even a decoded record a few
// hundred, which for 100,000 checks would be 720 MB or tens of megabytes.
func TestCacheHoldsDaysCompacted(t *testing.T) {
	d, err := Open(filepath.Join(t.TempDir(), "slate.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	start := time.Now().Truncate(time.Hour)
	var rs []sla.Result
	for c := range 50 {
		for i := range 12 {
			rs = append(rs, sla.Result{CheckID: fmt.Sprintf("c%d", c), Location: "eu", At: start.Add(time.Duration(i) * 10 * time.Second), OK: i != 5})
		}
	}
	if err := d.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	// WriteResults returned: the writer finished the transaction and waits.
	if len(d.w.days) != 50 || len(d.w.open) != 0 {
		t.Fatalf("cached days: got %d and %d decoded, want 50 and none", len(d.w.days), len(d.w.open))
	}
	total := 0
	for k, c := range d.w.days {
		if len(c.data) > 40 {
			t.Errorf("day %v: cached in %d bytes, want its encoding of a few dozen", k, len(c.data))
		}
		if _, err := decodeDay(c.data, k.day); err != nil {
			t.Errorf("day %v: cached form does not decode: %v", k, err)
		}
		total += cachedBytes(c.data)
	}
	if d.w.dayBytes != total {
		t.Errorf("cache counts %d bytes, holds %d", d.w.dayBytes, total)
	}
	h, err := d.MinuteHistory(context.Background(), "c7", start, start.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Minutes[0][0]; got.OK != 5 || got.Fail != 1 {
		t.Errorf("first minute of c7: got %+v, want 5 passing and 1 failing run", got)
	}
}

// TestHistoryCacheBoundedByRecency writes days of many checks through a
// small cache: it stays within its bound by dropping the least recently
// written days, and a result for a dropped day reads the day back, so the
// history stays whole.
func TestHistoryCacheBoundedByRecency(t *testing.T) {
	const bound = 20 * (dayCacheOverhead + 30) // some 20 days
	d, err := Open(filepath.Join(t.TempDir(), "slate.db"), Options{HistoryCache: bound})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	start := time.Now().Truncate(time.Hour)
	write := func(check int, at time.Time, ok bool) {
		t.Helper()
		r := sla.Result{CheckID: fmt.Sprintf("c%03d", check), Location: "eu", At: at, OK: ok}
		if err := d.WriteResults(ctx, []sla.Result{r}); err != nil {
			t.Fatal(err)
		}
		if d.w.dayBytes > bound {
			t.Fatalf("after check %d: cache holds %d bytes, bound %d", check, d.w.dayBytes, bound)
		}
	}
	for c := range 100 {
		write(c, start, true)
	}
	id := func(c int) int64 { return d.w.checks.ids[fmt.Sprintf("c%03d", c)] }
	today, _ := dayOf(start.UnixMilli())
	if _, ok := d.w.days[dayKey{id(99), today}]; !ok {
		t.Error("the latest check's day is not cached")
	}
	if _, ok := d.w.days[dayKey{id(0), today}]; ok {
		t.Error("the first check's day is still cached past the bound")
	}
	// c000's day was dropped: its next result must add to the stored day.
	write(0, start.Add(10*time.Second), false)
	h, err := d.MinuteHistory(ctx, "c000", start, start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Minutes[0][0]; got.OK != 1 || got.Fail != 1 {
		t.Errorf("c000's first minute: got %+v, want the dropped day's passing run and the new failing one", got)
	}
}
