package collector

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/slatehq/slate/sla"
)

func newTestScheduler(t testing.TB, store Store) (*Scheduler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := New(store, reg)
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func httpCheck(id, url string, interval time.Duration) Check {
	return Check{ID: id, Service: "web", Tenant: "acme", Kind: KindHTTP, Target: url, Interval: interval, Timeout: interval}
}

func TestFirstDue(t *testing.T) {
	now := time.Date(2026, 11, 27, 4, 0, 0, 123456789, time.UTC)
	const iv = 10 * time.Second
	buckets := make([]int, 10)
	for i := range 1000 {
		c := Check{ID: fmt.Sprintf("check-%d", i), Interval: iv}
		due := firstDue(c, now)
		if due.Before(now) || !due.Before(now.Add(iv)) {
			t.Fatalf("%s: got first due %s, want in [now, now+%s)", c.ID, due, iv)
		}
		if got, want := time.Duration(due.UnixNano()%int64(iv)), phase(c.ID, iv); got != want {
			t.Fatalf("%s: got phase %s, want %s", c.ID, got, want)
		}
		// A restart later lands on the same grid.
		later := firstDue(c, now.Add(37*time.Hour+time.Millisecond))
		if d := later.Sub(due); d%iv != 0 {
			t.Fatalf("%s: got first due after restart %s apart from before, want a multiple of %s", c.ID, d, iv)
		}
		buckets[time.Duration(due.UnixNano()%int64(iv))/time.Second]++
	}
	// 1000 checks over 10 one-second buckets: about 100 each.
	for i, n := range buckets {
		if n < 60 || n > 140 {
			t.Errorf("got %d checks in second %d of the interval, want 60-140 (even spread)", n, i)
		}
	}
}

func TestReloadKeepsUnchangedSchedules(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)}
	s, reg := newTestScheduler(t, &memStore{})
	s.Now = clock.Now
	a := httpCheck("a", "http://127.0.0.1:1/a", 10*time.Second)
	b := httpCheck("b", "http://127.0.0.1:1/b", 10*time.Second)
	c := httpCheck("c", "http://127.0.0.1:1/c", 10*time.Second)
	if err := s.Reload([]Check{a, b, c}); err != nil {
		t.Fatal(err)
	}
	aNext, _ := s.NextRun("a")

	clock.Add(35 * time.Second)
	b2 := b
	b2.Interval = 7 * time.Second
	b2.Timeout = 7 * time.Second
	d := httpCheck("d", "http://127.0.0.1:1/d", 10*time.Second)
	if err := s.Reload([]Check{a, b2, d}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		id     string
		want   time.Time
		wantOK bool
	}{
		{"unchanged keeps its due time", "a", aNext, true},
		{"changed is rescheduled", "b", firstDue(b2, clock.Now()), true},
		{"removed is gone", "c", time.Time{}, false},
		{"added is scheduled", "d", firstDue(d, clock.Now()), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.NextRun(tc.id)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("got %s %v, want %s %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
	if n := testutil.CollectAndCount(reg, "probe_success"); n != 0 {
		t.Errorf("got %d probe_success series before any run, want 0", n)
	}
}

func TestReloadRejectsInvalidAtomically(t *testing.T) {
	s, _ := newTestScheduler(t, &memStore{})
	good := httpCheck("good", "http://127.0.0.1:1/", time.Second)
	if err := s.Reload([]Check{good}); err != nil {
		t.Fatal(err)
	}
	bad := httpCheck("bad", "ftp://127.0.0.1:1/", time.Second)
	err := s.Reload([]Check{bad, good, good})
	for _, want := range []string{"check bad: target: scheme", "check good: id: duplicate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to contain %q", err, want)
		}
	}
	if _, ok := s.NextRun("good"); !ok {
		t.Error("got good check removed by a failed reload, want it kept")
	}
}

func TestReloadFiltersLocation(t *testing.T) {
	s, _ := newTestScheduler(t, &memStore{})
	s.Location = "eu"
	here := httpCheck("here", "http://127.0.0.1:1/", time.Second)
	here.Locations = []string{"us", "eu"}
	there := httpCheck("there", "http://127.0.0.1:1/", time.Second)
	there.Locations = []string{"us"}
	if err := s.Reload([]Check{here, there}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.NextRun("here"); !ok {
		t.Error("got check for eu not scheduled in eu, want scheduled")
	}
	if _, ok := s.NextRun("there"); ok {
		t.Error("got check for us scheduled in eu, want ignored")
	}
}

// countProbe passes and counts its runs.
type countProbe struct{ n atomic.Int64 }

func (p *countProbe) Probe(context.Context) Outcome {
	p.n.Add(1)
	return Outcome{OK: true, Latency: time.Millisecond}
}

// addEntry schedules probe p for check c at next, bypassing Reload.
func addEntry(s *Scheduler, c Check, p Probe, next time.Time) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := newEntry(c, fingerprintOf(c), p)
	e.next = next.UnixNano()
	s.entries[c.ID] = e
	heap.Push(&s.queue, e)
	return e
}

func TestCollectDueSkipsMissedSlots(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		now        time.Duration // since the due time
		running    bool
		wantJobs   int
		wantNext   time.Duration // since the due time
		wantMissed float64
	}{
		{name: "not due", now: -time.Millisecond, wantJobs: 0, wantNext: 0},
		{name: "on time", now: 0, wantJobs: 1, wantNext: time.Second},
		{name: "late within the slot", now: 900 * time.Millisecond, wantJobs: 1, wantNext: time.Second},
		{name: "late by three and a half slots", now: 3500 * time.Millisecond, wantJobs: 1, wantNext: 4 * time.Second, wantMissed: 3},
		{name: "previous run still running", now: 0, running: true, wantJobs: 0, wantNext: time.Second, wantMissed: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestScheduler(t, &memStore{})
			c := Check{ID: "c", Kind: KindHTTP, Interval: time.Second}
			e := addEntry(s, c, &countProbe{}, t0)
			if tc.running {
				e.claim()
			}
			jobs, _, _ := s.collectDue(t0.Add(tc.now), nil)
			if len(jobs) != tc.wantJobs {
				t.Errorf("got %d jobs, want %d", len(jobs), tc.wantJobs)
			}
			for _, j := range jobs {
				if got := time.Unix(0, j.sched); !got.Equal(t0) {
					t.Errorf("got job scheduled at %s, want %s", got, t0)
				}
			}
			if got := time.Unix(0, e.next).Sub(t0); got != tc.wantNext {
				t.Errorf("got next due +%s, want +%s", got, tc.wantNext)
			}
			if got := testutil.ToFloat64(s.m.missed); got != tc.wantMissed {
				t.Errorf("got %v missed, want %v", got, tc.wantMissed)
			}
		})
	}
}

func TestRunOnce(t *testing.T) {
	srv := httptest.NewServer(testMux())
	defer srv.Close()
	store := &memStore{}
	s, reg := newTestScheduler(t, store)
	at := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return at }
	s.Location = "eu-1"
	checks := []Check{
		httpCheck("up", srv.URL+"/ok", time.Minute),
		httpCheck("down", srv.URL+"/503", time.Minute),
		{ID: "cron", Kind: KindPush, Interval: time.Minute, Push: PushSettings{Token: testToken}},
	}
	if err := s.Reload(checks); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		id         string
		wantErr    error
		wantOK     bool
		wantClass  sla.FailureClass
		wantStatus float64
	}{
		{name: "passing", id: "up", wantOK: true, wantStatus: 200},
		{name: "failing", id: "down", wantClass: sla.ClassStatus, wantStatus: 503},
		{name: "unknown", id: "nope", wantErr: ErrUnknownCheck},
		{name: "push before first beat is due", id: "cron", wantErr: ErrNoData},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(store.results())
			r, err := s.RunOnce(context.Background(), tc.id)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got error %v, want %v", err, tc.wantErr)
				}
				if got := len(store.results()); got != before {
					t.Errorf("got %d results stored, want %d", got, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := sla.Result{CheckID: tc.id, Location: "eu-1", At: at, OK: tc.wantOK, Latency: r.Latency, Class: tc.wantClass, Detail: r.Detail}
			if r != want {
				t.Errorf("got %+v, want %+v", r, want)
			}
			rs := store.results()
			if len(rs) != before+1 || rs[len(rs)-1] != r {
				t.Errorf("got stored %v, want %v last", rs, r)
			}
			labels := prometheus.Labels{"check": tc.id, "service": "web", "tenant": "acme", "location": "eu-1"}
			if got := gaugeValue(t, reg, "probe_http_status_code", labels); got != tc.wantStatus {
				t.Errorf("got probe_http_status_code %v, want %v", got, tc.wantStatus)
			}
			wantSuccess := 0.0
			if tc.wantOK {
				wantSuccess = 1
			}
			if got := gaugeValue(t, reg, "probe_success", labels); got != wantSuccess {
				t.Errorf("got probe_success %v, want %v", got, wantSuccess)
			}
		})
	}
}

// gaugeValue reads one series from the registry; it fails the test when the
// series does not exist.
func gaugeValue(t *testing.T, reg *prometheus.Registry, name string, labels prometheus.Labels) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue next
				}
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return 0
}

func TestNewRegistersMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s, err := New(&memStore{}, reg)
	if err != nil {
		t.Fatal(err)
	}
	// Counters and histograms are exported from the start; probe series
	// once a check ran, the expiry once a run saw a certificate.
	c := httpCheck("c", "https://127.0.0.1:1/", time.Minute)
	if err := s.Reload([]Check{c}); err != nil {
		t.Fatal(err)
	}
	s.entries["c"].last.observe(Outcome{OK: true, StatusCode: 200, CertExpiry: time.Unix(1e9, 0)})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range mfs {
		got = append(got, mf.GetName())
	}
	sort.Strings(got)
	want := []string{
		"probe_duration_seconds", "probe_http_status_code", "probe_ssl_earliest_cert_expiry", "probe_success",
		"slate_probe_checks", "slate_probe_duration_seconds_max", "slate_probe_ssl_earliest_cert_expiry",
		"slate_results_dropped_total", "slate_results_written_total", "slate_scheduler_lateness_seconds",
		"slate_scheduler_missed_runs_total", "slate_scheduler_runs_total",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got metrics %v, want %v", got, want)
	}
	if _, err := New(&memStore{}, reg); err == nil {
		t.Error("got no error registering twice on one registry, want one")
	}
}

// TestSchedulerRunsBatchesAndStops runs 50 checks every 200ms for about a
// second against a local server.
func TestSchedulerRunsBatchesAndStops(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	store := &memStore{}
	s, reg := newTestScheduler(t, store)
	const n, iv = 50, 200 * time.Millisecond
	var checks []Check
	for i := range n {
		checks = append(checks, httpCheck(fmt.Sprintf("c%02d", i), srv.URL, iv))
	}
	if err := s.Reload(checks); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	afterStop := hits.Load()

	rs := store.results()
	first := map[string]time.Time{}
	count := map[string]int{}
	for _, r := range rs {
		// The race detector slows runs past their 200ms timeout on a busy
		// machine: a timeout then says nothing of the scheduler.
		if !r.OK && !(raceEnabled && r.Class == sla.ClassTimeout) {
			t.Errorf("got failed result %+v, want all ok", r)
		}
		if f, ok := first[r.CheckID]; !ok || r.At.Before(f) {
			first[r.CheckID] = r.At
		}
		count[r.CheckID]++
	}
	for _, c := range checks {
		// Within one interval, plus generous slack for a shared machine;
		// TestFirstDue checks the schedule itself exactly.
		if got := first[c.ID].Sub(start); got > iv+500*time.Millisecond {
			t.Errorf("%s: got first run %s after start, want within one interval (%s) + 500ms", c.ID, got, iv)
		}
		// Five slots fit in 1.1s at 200ms. More would be a burst; allow
		// misses on a busy machine.
		if (count[c.ID] > 6 || count[c.ID] < 3) && !raceEnabled { // rates mean nothing under the race detector
			t.Errorf("%s: got %d runs, want 3-6", c.ID, count[c.ID])
		}
	}
	// Under the race detector a run may time out before its request
	// reaches the server: a result with no request, but never the reverse.
	timedOut := 0
	for _, r := range rs {
		if r.Class == sla.ClassTimeout {
			timedOut++
		}
	}
	if got := hits.Load(); got > int64(len(rs)) || got < int64(len(rs)-timedOut) {
		t.Errorf("got %d results (%d timed out) for %d requests, want one per request", len(rs), timedOut, got)
	}
	store.mu.Lock()
	calls := store.calls
	store.mu.Unlock()
	if calls >= len(rs)/2 {
		t.Errorf("got %d store calls for %d results, want batches", calls, len(rs))
	}
	if got := testutil.ToFloat64(s.m.written); got != float64(len(rs)) {
		t.Errorf("got written counter %v, want %d", got, len(rs))
	}
	if got := testutil.ToFloat64(s.m.runs); got != float64(len(rs)) {
		t.Errorf("got runs counter %v, want %d", got, len(rs))
	}
	var lateness dto.Metric
	if err := s.m.lateness.Write(&lateness); err != nil {
		t.Fatal(err)
	}
	if got := lateness.GetHistogram().GetSampleCount(); got != uint64(len(rs)) {
		t.Errorf("got %d lateness observations, want one per run (%d)", got, len(rs))
	}
	if got := testutil.CollectAndCount(reg, "probe_success"); got != n {
		t.Errorf("got %d probe_success series, want %d", got, n)
	}
	time.Sleep(300 * time.Millisecond)
	if hits.Load() != afterStop {
		t.Errorf("got %d requests after Stop returned, want none", hits.Load()-afterStop)
	}
}

// TestStopDrainsInFlight checks that Stop waits for a run in flight and
// writes its result.
func TestStopDrainsInFlight(t *testing.T) {
	started := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case started <- struct{}{}:
		default:
		}
		time.Sleep(300 * time.Millisecond)
	}))
	defer srv.Close()
	store := &memStore{}
	s, _ := newTestScheduler(t, store)
	s.FlushInterval = time.Hour // only Stop flushes
	if err := s.Reload([]Check{httpCheck("slow", srv.URL, 2*time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(3 * time.Second):
		t.Fatal("check did not run within one interval")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	rs := store.results()
	if len(rs) != 1 || !rs[0].OK {
		t.Fatalf("got results %+v, want the one ok run", rs)
	}
	if _, err := s.RunOnce(ctx, "slow"); !errors.Is(err, ErrStopped) {
		t.Errorf("got %v from RunOnce after Stop, want %v", err, ErrStopped)
	}
}

// TestStopCancelsWhenContextEnds stops while a run waits on a server that
// never answers: Stop returns the context's error soon after it ends, and
// the cut-short run records nothing.
func TestStopCancelsWhenContextEnds(t *testing.T) {
	addr := hostileAddr(t, hangBeforeHeaders)
	store := &memStore{}
	s, _ := newTestScheduler(t, store)
	// The run's own timeout (1s) is far beyond Stop's context (200ms).
	c := httpCheck("hang", "http://"+addr+"/", time.Second)
	if err := s.Reload([]Check{c}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the run is in flight.
	waitFor(t, func() bool { return testutil.ToFloat64(s.m.runs) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Stop(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want %v", err, context.DeadlineExceeded)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("got Stop returning after %s, want soon after its 200ms context", took)
	}
	if rs := store.results(); len(rs) != 0 {
		t.Errorf("got results %+v from a cancelled run, want none", rs)
	}
}

func TestStoreFailures(t *testing.T) {
	tests := []struct {
		name        string
		fail        int
		wantWritten float64
		wantDropped float64
	}{
		{name: "retried after one failure", fail: 1, wantWritten: 3},
		{name: "dropped after every attempt failed", fail: writeAttempts, wantDropped: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{fail: tc.fail}
			s, _ := newTestScheduler(t, store)
			s.Writers = 1
			s.FlushInterval = time.Hour
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				s.results <- sla.Result{CheckID: fmt.Sprint(i), OK: true}
			}
			if err := s.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := testutil.ToFloat64(s.m.written); got != tc.wantWritten {
				t.Errorf("got %v written, want %v", got, tc.wantWritten)
			}
			if got := testutil.ToFloat64(s.m.dropped); got != tc.wantDropped {
				t.Errorf("got %v dropped, want %v", got, tc.wantDropped)
			}
			if got := len(store.results()); float64(got) != tc.wantWritten {
				t.Errorf("got %d stored, want %v", got, tc.wantWritten)
			}
		})
	}
}

// discardStore acknowledges every batch at once, counting results, failed
// ones and their total latency.
type discardStore struct {
	n, failed, latency atomic.Int64
	lastFailure        atomic.Value // string: class and detail
}

func (d *discardStore) WriteResults(_ context.Context, rs []sla.Result) error {
	d.n.Add(int64(len(rs)))
	for _, r := range rs {
		if !r.OK {
			d.failed.Add(1)
			d.lastFailure.Store(string(r.Class) + ": " + r.Detail)
		}
		d.latency.Add(int64(r.Latency))
	}
	return nil
}

// BenchmarkSchedulerDispatch measures the scheduler's own cost per run:
// taking a due check off the heap, handing it to a worker, recording
// metrics, batching and writing its result. The probe does nothing.
func BenchmarkSchedulerDispatch(b *testing.B) {
	store := &discardStore{}
	s, _ := newTestScheduler(b, store)
	s.Workers = 4
	base := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	// 10,000 checks every 10s: one due every millisecond.
	const n = 10_000
	probe := &countProbe{}
	for i := range n {
		c := Check{ID: fmt.Sprintf("check-%05d", i), Service: "svc", Kind: KindHTTP, Interval: 10 * time.Second}
		addEntry(s, c, probe, base.Add(time.Duration(i)*time.Millisecond))
	}
	// Drive collectDue by hand with a synthetic clock. The scheduler's own
	// clock stays an hour behind, so its dispatcher finds nothing due.
	s.Now = func() time.Time { return base.Add(-time.Hour) }
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var buf []job
	now := base
	for i := 0; i < b.N; i++ {
		buf, _, _ = s.collectDue(now, buf[:0])
		for _, j := range buf {
			s.jobs <- j
		}
		now = now.Add(time.Millisecond)
	}
	if err := s.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if got := probe.n.Load(); got < int64(b.N)*9/10 {
		b.Fatalf("got %d runs for %d iterations, want about one each", got, b.N)
	}
}

// TestReloadWhileRunning removes a running check and checks that it stops
// and its series go away, while a kept check keeps running.
func TestReloadWhileRunning(t *testing.T) {
	var keptHits, goneHits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			goneHits.Add(1)
		} else {
			keptHits.Add(1)
		}
	}))
	defer srv.Close()
	s, reg := newTestScheduler(t, &memStore{})
	kept := httpCheck("kept", srv.URL+"/kept", 100*time.Millisecond)
	gone := httpCheck("gone", srv.URL+"/gone", 100*time.Millisecond)
	if err := s.Reload([]Check{kept, gone}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	waitFor(t, func() bool { return goneHits.Load() > 0 && keptHits.Load() > 0 })
	keptNext, _ := s.NextRun("kept")

	if err := s.Reload([]Check{kept}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.NextRun("kept"); !got.Equal(keptNext) && !got.After(keptNext) {
		t.Errorf("got kept check's next run %s moved back from %s, want kept or advanced", got, keptNext)
	}
	time.Sleep(150 * time.Millisecond) // a run in flight may still finish
	goneAfter, keptAfter := goneHits.Load(), keptHits.Load()
	time.Sleep(400 * time.Millisecond)
	if got := goneHits.Load(); got != goneAfter {
		t.Errorf("got %d runs of the removed check after reload, want none", got-goneAfter)
	}
	if got := keptHits.Load(); got <= keptAfter {
		t.Errorf("got no runs of the kept check after reload, want some")
	}
	if n := testutil.CollectAndCount(reg, "probe_success"); n != 1 {
		t.Errorf("got %d probe_success series, want 1 (the removed check's gone)", n)
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
