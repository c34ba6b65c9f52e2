package collector

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/sla"
)

// Store receives results in batches. WriteResults blocks until rs is durably
// committed and must not keep rs after it returns: the scheduler reuses it.
// A retried batch may repeat results already written; (CheckID, Location,
// At) identifies a result, so the store writes each once.
type Store interface {
	WriteResults(ctx context.Context, rs []sla.Result) error
}

// Scheduler defaults, used when the matching field is zero.
const (
	DefaultWorkers       = 1000                   // runs in flight at once
	DefaultBatchSize     = 500                    // results per write, when they come faster than FlushInterval
	DefaultFlushInterval = 100 * time.Millisecond // longest a result waits before a write
	DefaultMaxPending    = 100_000                // results queued while the store is slow
	DefaultWriters       = 2                      // WriteResults calls in flight at once
	DefaultResolution    = 20 * time.Millisecond  // dispatcher tick
)

// writeAttempts is how often a batch is offered to the store before its
// results are counted as dropped; retries are safe because writes are
// idempotent.
const writeAttempts = 3

// Errors of RunOnce.
var (
	ErrUnknownCheck = errors.New("unknown check")
	ErrNoData       = errors.New("no data")
	ErrStopped      = errors.New("scheduler stopped")
)

// Scheduler runs every check once per interval. A check's runs fall on a
// fixed grid: instants t with t mod Interval = hash(ID) mod Interval (Unix
// time), so the phase of a check is the same across restarts and reloads,
// checks spread evenly over the interval, and every check first runs within
// one interval of Start. One goroutine keeps the checks in a heap ordered by
// due time and hands due runs to a fixed pool of workers; when it falls
// behind, missed slots are skipped and counted, never run in a burst.
// Results are batched into the Store.
//
// Build it with New, set the exported fields, call Reload with the checks
// and Start; Stop ends it. Reload may be called at any time.
type Scheduler struct {
	Workers       int           // concurrent runs; 0 means DefaultWorkers
	Location      string        // stored with every result; checks whose Locations exclude it are ignored
	BatchSize     int           // results per write; 0 means DefaultBatchSize
	FlushInterval time.Duration // longest a result waits for its batch; 0 means DefaultFlushInterval
	MaxPending    int           // queued results beyond which new ones are dropped; 0 means DefaultMaxPending
	Writers       int           // concurrent WriteResults calls; 0 means DefaultWriters
	// Resolution is the dispatcher's tick: it wakes at most once per
	// Resolution and starts every run due by then, so runs start up to
	// Resolution late. Waking per run costs more CPU than the runs' own
	// bookkeeping at thousands of runs per second. 0 means
	// DefaultResolution; negative means wake for every due time.
	Resolution time.Duration
	// Now stamps results and places runs on their grid; New sets
	// time.Now. The dispatcher still sleeps in real time.
	Now    func() time.Time
	Logger *slog.Logger // nil means discard

	// Heartbeats receives push heartbeats for this scheduler's push checks;
	// mount it on the HTTP server at /push/.
	Heartbeats *Heartbeats

	// CheckSeries is the largest number of checks for which the probe_*
	// series are exported per check; with more, only the per-service
	// aggregates are (see probeCollector). Each scrape makes the series
	// afresh, about 600 bytes and 3 µs of CPU each, three or four per
	// check; the aggregates cost that per service. New sets
	// DefaultCheckSeries; 0 exports the aggregates only.
	CheckSeries int

	store Store
	m     *metrics

	reloadMu sync.Mutex // serializes Reload
	mu       sync.Mutex // guards queue, state and the entries' next and index
	// entries is changed only by Reload, holding both reloadMu and mu;
	// reading it takes either.
	entries map[string]*entry
	queue   schedHeap
	state   int // stateNew, stateStarted, stateStopped

	wake       chan struct{} // nudges the dispatcher after a reload
	stop       chan struct{}
	jobs       chan job
	results    chan sla.Result
	batches    chan []sla.Result
	spare      chan []sla.Result
	runCtx     context.Context
	cancelRuns context.CancelFunc
	writeCtx   context.Context
	cancelW    context.CancelFunc
	workersWG  sync.WaitGroup
	writersWG  sync.WaitGroup
}

const (
	stateNew = iota
	stateStarted
	stateStopped
)

// entry is one scheduled check: what running it and exporting its series
// need, and no more. With a hundred thousand checks, every field here
// costs a hundred kilobytes per eight bytes; the check itself is not kept
// (its fingerprint tells a reload whether it changed).
type entry struct {
	id, service, tenant string
	probe               Probe
	interval            time.Duration
	next                int64 // next scheduled run, Unix nanoseconds
	sum                 fingerprint
	index               int32         // position in the queue; -1 when not queued
	state               atomic.Uint32 // runningState, removedState, httpState
	last                lastRun
}

// Bits of entry.state.
const (
	runningState = 1 << iota // a run is in flight
	removedState             // set by Reload; a run in flight then leaves the metrics alone
	httpState                // the check is HTTP: it has a status code series
)

// claim marks e running and reports whether it was not already.
func (e *entry) claim() bool   { return e.state.Or(runningState)&runningState == 0 }
func (e *entry) done()         { e.state.And(^uint32(runningState)) }
func (e *entry) removed() bool { return e.state.Load()&removedState != 0 }
func (e *entry) isHTTP() bool  { return e.state.Load()&httpState != 0 }

func newEntry(c Check, sum fingerprint, p Probe) *entry {
	e := &entry{id: c.ID, service: c.Service, tenant: c.Tenant, probe: p, interval: c.Interval, sum: sum, index: -1}
	if c.Kind == KindHTTP {
		e.state.Store(httpState)
	}
	return e
}

type job struct {
	e     *entry
	sched int64 // Unix nanoseconds
}

// New returns a scheduler writing to store and registering its metrics with
// reg (nil registers nothing).
func New(store Store, reg prometheus.Registerer) (*Scheduler, error) {
	if store == nil {
		return nil, errors.New("new scheduler: nil store")
	}
	s := &Scheduler{
		Now:         time.Now,
		CheckSeries: DefaultCheckSeries,
		store:       store,
		entries:     make(map[string]*entry),
		wake:        make(chan struct{}, 1),
		stop:        make(chan struct{}),
	}
	m, err := newMetrics(reg, s)
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.m = m
	s.Heartbeats = NewHeartbeats(func() time.Time { return s.Now() })
	s.runCtx, s.cancelRuns = context.WithCancel(context.Background())
	s.writeCtx, s.cancelW = context.WithCancel(context.Background())
	return s, nil
}

func (s *Scheduler) env() Env {
	return Env{Now: func() time.Time { return s.Now() }, Heartbeats: s.Heartbeats}
}

// phase is where in its interval a check runs: a stable hash of its ID.
func phase(id string, interval time.Duration) time.Duration {
	// FNV-1a, 64 bits.
	h := uint64(14695981039346656037)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return time.Duration(h % uint64(interval))
}

// firstDue is the earliest instant at or after now on the check's grid.
func firstDue(c Check, now time.Time) time.Time {
	return time.Unix(0, firstDueNano(c.ID, c.Interval, now))
}

func firstDueNano(id string, interval time.Duration, now time.Time) int64 {
	iv := int64(interval)
	n := now.UnixNano()
	base := n - ((n%iv)+iv)%iv
	t := base + int64(phase(id, interval))
	if t < n {
		t += iv
	}
	return t
}

// Reload replaces the set of checks. Unchanged checks keep their next due
// time; changed ones are rescheduled on their grid; removed ones stop (a run
// in flight finishes and is recorded). Checks that do not run at the
// scheduler's Location are ignored. On error nothing changes.
func (s *Scheduler) Reload(checks []Check) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	var errs []error
	// here holds every check's id, true for those that run at Location.
	here := make(map[string]bool, len(checks))
	for _, c := range checks {
		if _, dup := here[c.ID]; dup && c.ID != "" {
			errs = append(errs, fmt.Errorf("check %s: id: duplicate", c.ID))
			continue
		}
		here[c.ID] = c.RunsAt(s.Location)
		if err := c.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("check %s: %w", c.ID, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reload: %w", err)
	}

	// Build probes outside the lock: it may read CA files. entries is
	// read without mu: only Reload changes it, and reloadMu is held.
	env := s.env()
	fresh := make([]*entry, len(checks)) // nil for a check unchanged or not run here
	tokens := make(map[string]bool)
	var fp fingerprinter
	for i, c := range checks {
		if !here[c.ID] {
			continue
		}
		if c.Kind == KindPush {
			tokens[c.Push.Token] = true
		}
		sum := fp.sum(c)
		if o, ok := s.entries[c.ID]; ok && o.sum == sum {
			continue
		}
		p, err := NewProbe(c, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fresh[i] = newEntry(c, sum, p)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reload: %w", err)
	}

	s.mu.Lock()
	now := s.Now()
	for id, e := range s.entries {
		if !here[id] {
			s.removeLocked(e)
		}
	}
	for _, e := range fresh {
		if e == nil {
			continue
		}
		if prev, ok := s.entries[e.id]; ok {
			s.removeLocked(prev)
			if prev.service == e.service && prev.tenant == e.tenant {
				// The same series: it goes on showing the last run
				// until the changed check runs.
				e.last.copyFrom(&prev.last)
			}
		}
		e.next = firstDueNano(e.id, e.interval, now)
		s.entries[e.id] = e
		heap.Push(&s.queue, e)
	}
	s.mu.Unlock()
	s.Heartbeats.retain(tokens)

	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func (s *Scheduler) removeLocked(e *entry) {
	e.state.Or(removedState)
	if e.index >= 0 {
		heap.Remove(&s.queue, int(e.index))
	}
	delete(s.entries, e.id)
}

// NextRun returns when the check is next due, and false for an unknown
// check.
func (s *Scheduler) NextRun(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, e.next), true
}

// Start starts the dispatcher, the workers and the result writers.
func (s *Scheduler) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateNew {
		return errors.New("start scheduler: already started")
	}
	s.state = stateStarted
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	workers := orDefault(s.Workers, DefaultWorkers)
	writers := orDefault(s.Writers, DefaultWriters)
	s.jobs = make(chan job)
	s.results = make(chan sla.Result, 4*orDefault(s.BatchSize, DefaultBatchSize))
	s.batches = make(chan []sla.Result)
	s.spare = make(chan []sla.Result, writers+2)

	s.workersWG.Add(workers)
	for range workers {
		go s.worker()
	}
	s.writersWG.Add(writers + 1)
	go s.batcher()
	for range writers {
		go s.writer()
	}
	go s.dispatch()
	return nil
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// Stop stops scheduling, waits for runs in flight and writes their results.
// When ctx ends first, runs are cancelled (their results are discarded) and
// pending writes abandoned; Stop then returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	st := s.state
	s.state = stateStopped
	s.mu.Unlock()
	if st != stateStarted {
		return nil
	}
	close(s.stop)
	var err error
	if !waitCtx(ctx, &s.workersWG) {
		err = ctx.Err()
		s.cancelRuns()
		s.workersWG.Wait()
	}
	close(s.results)
	if !waitCtx(ctx, &s.writersWG) {
		err = ctx.Err()
		s.cancelW()
		s.writersWG.Wait()
	}
	s.cancelRuns()
	s.cancelW()
	return err
}

// waitCtx waits for wg and reports whether it finished before ctx ended.
func waitCtx(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// dispatch hands due runs to the workers until Stop.
func (s *Scheduler) dispatch() {
	defer close(s.jobs)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	res := s.Resolution
	if res == 0 {
		res = DefaultResolution
	}
	var buf []job
	for {
		woke := s.Now()
		var next int64
		var any bool
		buf, next, any = s.collectDue(woke, buf[:0])
		for i, j := range buf {
			select {
			case s.jobs <- j:
			case <-s.stop:
				for _, j := range buf[i:] {
					j.e.done()
				}
				return
			}
		}
		clear(buf)
		wait := time.Hour
		if any {
			wait = max(time.Unix(0, next).Sub(s.Now()), res-s.Now().Sub(woke))
		}
		timer.Reset(wait)
		select {
		case <-s.stop:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// collectDue appends the runs due at now to buf and moves their checks to
// their next slot after now, counting skipped slots as missed. It returns
// the next due time after now, in Unix nanoseconds, and whether there is
// one (there is none without checks).
func (s *Scheduler) collectDue(now time.Time, buf []job) ([]job, int64, bool) {
	n := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) > 0 {
		e := s.queue[0]
		if e.next > n {
			return buf, e.next, true
		}
		sched := e.next
		iv := int64(e.interval)
		e.next = sched + iv
		if e.next <= n {
			k := (n-e.next)/iv + 1
			e.next += k * iv
			s.m.missed.Add(float64(k))
		}
		heap.Fix(&s.queue, 0)
		if !e.claim() {
			s.m.missed.Inc() // the previous run still runs
			continue
		}
		buf = append(buf, job{e: e, sched: sched})
	}
	return buf, 0, false
}

func (s *Scheduler) worker() {
	defer s.workersWG.Done()
	for j := range s.jobs {
		s.execute(j.e, j.sched)
	}
}

// execute runs e's probe for the slot sched (Unix nanoseconds) and queues
// its result.
func (s *Scheduler) execute(e *entry, sched int64) {
	start := s.Now()
	s.m.lateness.Observe(max(0, start.Sub(time.Unix(0, sched))).Seconds())
	s.m.runs.Inc()
	out := e.probe.Probe(s.runCtx)
	e.done()
	if s.runCtx.Err() != nil || out.NoData {
		return // cut short by Stop, or nothing to say
	}
	if !e.removed() {
		e.last.observe(out)
	}
	select {
	case s.results <- s.result(e, start, out):
	default:
		s.m.dropped.Inc()
	}
}

func (s *Scheduler) result(e *entry, start time.Time, o Outcome) sla.Result {
	return sla.Result{
		CheckID:  e.id,
		Location: s.Location,
		At:       start,
		OK:       o.OK,
		Latency:  o.Latency,
		Class:    o.Class,
		Detail:   o.Detail,
	}
}

// RunOnce runs a check now, in the caller's goroutine, and writes its result
// to the store before returning. It works whether or not the scheduler was
// started and does not move the check's schedule; it may overlap a
// scheduled run of the same check.
func (s *Scheduler) RunOnce(ctx context.Context, checkID string) (sla.Result, error) {
	s.mu.Lock()
	e, ok := s.entries[checkID]
	st := s.state
	s.mu.Unlock()
	if !ok {
		return sla.Result{}, fmt.Errorf("run %s: %w", checkID, ErrUnknownCheck)
	}
	if st == stateStopped {
		return sla.Result{}, fmt.Errorf("run %s: %w", checkID, ErrStopped)
	}
	start := s.Now()
	s.m.runs.Inc()
	out := e.probe.Probe(ctx)
	if err := ctx.Err(); err != nil {
		return sla.Result{}, fmt.Errorf("run %s: %w", checkID, err)
	}
	if out.NoData {
		return sla.Result{}, fmt.Errorf("run %s: %w", checkID, ErrNoData)
	}
	e.last.observe(out)
	r := s.result(e, start, out)
	if err := s.store.WriteResults(ctx, []sla.Result{r}); err != nil {
		s.m.dropped.Inc()
		return r, fmt.Errorf("write result of %s: %w", checkID, err)
	}
	s.m.written.Inc()
	return r, nil
}

// batcher gathers results into batches for the writers. It never blocks on
// the store: while every writer is busy, the next batch just grows.
func (s *Scheduler) batcher() {
	defer s.writersWG.Done()
	defer close(s.batches)
	size := orDefault(s.BatchSize, DefaultBatchSize)
	maxPending := orDefault(s.MaxPending, DefaultMaxPending)
	every := s.FlushInterval
	if every <= 0 {
		every = DefaultFlushInterval
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	pending := s.newBatch(size)
	hand := func(block bool) {
		if len(pending) == 0 {
			return
		}
		if block {
			s.batches <- pending
			pending = s.newBatch(size)
			return
		}
		select {
		case s.batches <- pending:
			pending = s.newBatch(size)
		default:
		}
	}
	for {
		select {
		case r, ok := <-s.results:
			if !ok {
				hand(true)
				return
			}
			if len(pending) >= maxPending {
				s.m.dropped.Inc()
				continue
			}
			pending = append(pending, r)
			if len(pending) >= size {
				hand(false)
			}
		case <-ticker.C:
			hand(false)
		}
	}
}

func (s *Scheduler) newBatch(size int) []sla.Result {
	select {
	case b := <-s.spare:
		return b
	default:
		return make([]sla.Result, 0, size)
	}
}

func (s *Scheduler) writer() {
	defer s.writersWG.Done()
	size := orDefault(s.BatchSize, DefaultBatchSize)
	for b := range s.batches {
		s.write(b)
		if cap(b) > 4*size {
			continue // a backlog batch; let it go rather than keep it
		}
		clear(b)
		select {
		case s.spare <- b[:0]:
		default:
		}
	}
}

// write offers b to the store, retrying a few times.
func (s *Scheduler) write(b []sla.Result) {
	var err error
	for attempt := range writeAttempts {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 100 * time.Millisecond)
			select {
			case <-t.C:
			case <-s.writeCtx.Done():
			}
			t.Stop()
		}
		if err = s.store.WriteResults(s.writeCtx, b); err == nil {
			s.m.written.Add(float64(len(b)))
			return
		}
		if s.writeCtx.Err() != nil {
			break
		}
	}
	s.m.dropped.Add(float64(len(b)))
	s.Logger.Error("write results", "results", len(b), "err", err)
}

// schedHeap orders entries by next due time.
type schedHeap []*entry

func (h schedHeap) Len() int           { return len(h) }
func (h schedHeap) Less(i, j int) bool { return h[i].next < h[j].next }
func (h schedHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = int32(i)
	h[j].index = int32(j)
}
func (h *schedHeap) Push(x any) {
	e := x.(*entry)
	e.index = int32(len(*h))
	*h = append(*h, e)
}
func (h *schedHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}
