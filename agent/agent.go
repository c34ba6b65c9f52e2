package agent

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/sla"
)

// Defaults of the Agent's optional fields.
const (
	// DefaultBatch is the most results in a batch: the protocol's limit,
	// so that a backlog drains in as few commits (and detection passes) of
	// the server as it can; a batch whose body would pass the protocol's
	// byte limit is cut in halves.
	DefaultBatch      = wire.MaxBatch
	DefaultShipEvery  = 500 * time.Millisecond
	DefaultFetchEvery = 30 * time.Second
	DefaultIdleEvery  = 10 * time.Second
	DefaultBackoffMin = 250 * time.Millisecond
	DefaultBackoffMax = 30 * time.Second
)

// Buckets of the acknowledgement and delay histograms, in seconds: fine
// around a second, the bound an acknowledgement should stay under while
// the agent is live.
var (
	ackBuckets   = []float64{.005, .01, .025, .05, .1, .25, .5, .75, 1, 1.5, 2.5, 5, 10, 30}
	delayBuckets = []float64{.1, .25, .5, .75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 1800}
)

// checkListKey is where the spool keeps the last check list.
const checkListKey = "check-list"

// Agent probes one location's checks and ships their results. Build it
// with New, set the optional fields, then Run.
type Agent struct {
	Servers []string     // base URLs, tried in turn
	Token   string       // an agent token
	Client  *http.Client // nil: a client with a 30s timeout
	Now     func() time.Time
	Log     *slog.Logger
	// MaxOffset is the clock offset beyond which the agent records no
	// results (the server would refuse them); 0 means
	// wire.DefaultMaxOffset.
	MaxOffset                        time.Duration
	Batch                            int
	ShipEvery, FetchEvery, IdleEvery time.Duration
	BackoffMin, BackoffMax           time.Duration
	Workers                          int // the scheduler's; 0 means the collector's default

	spool *Spool
	sched *collector.Scheduler
	id    string // this agent (its spool's), sent in wire.HeaderAgent
	reg   *prometheus.Registry
	m     metrics
	// started is set once the scheduler runs: from the first check list,
	// the one kept in the spool or the server's. Only apply reads or sets
	// it, called by Run and then by the fetch loop alone.
	started bool

	mu       sync.Mutex
	server   int           // index of the server in use
	offset   time.Duration // the last estimate of the clock's offset
	rtt      time.Duration
	measured bool // offset was measured at least once since Run began
	// measureStep is clockStep when offset was measured; unchecked is
	// set when results were spooled before the clock was measured.
	measureStep          time.Duration
	unchecked            bool
	epochWall, epochMono time.Time // Now (without its monotonic reading) and time.Now when Run began
	// lastStep is clockStep at the last write, stepSeen when it last
	// changed; results written within stepHold of a change (the longest a
	// result waits for its write: its run's timeout and then some) may
	// have been probed before it.
	lastStep  time.Duration
	stepSeen  time.Time
	stepHold  time.Duration
	location  string // from the check list
	gen       string // the check list's generation
	lastShip  time.Time
	clockHeld error // why results are not recorded; nil while they are
}

type metrics struct {
	depth, oldestAge, offset, bytes prometheus.GaugeFunc
	shipped, dropped, discarded     prometheus.Counter
	refused                         *prometheus.CounterVec
	ack, delay                      prometheus.Histogram
}

// gate is the spool as the scheduler writes to it: results are not
// recorded while the clock is known to be wrong, since their times would
// be, and are spooled unchecked (not shipped) until the clock is first
// measured.
type gate struct{ a *Agent }

func (g gate) WriteResults(ctx context.Context, rs []sla.Result) error {
	a := g.a
	step, read := a.clockStep()
	a.mu.Lock()
	if !read {
		step = a.lastStep // not read cleanly: taken as unchanged
	}
	if d := step - a.lastStep; max(d, -d) > stepTolerance {
		a.lastStep, a.stepSeen = step, time.Now()
	}
	straddles := !a.stepSeen.IsZero() && time.Since(a.stepSeen) < a.stepHold
	measured, offset, mstep := a.measured, a.offset, a.measureStep
	a.mu.Unlock()
	if straddles {
		// Probed on either side of a step of the clock: which side, and so
		// which time is right, cannot be told.
		a.m.discarded.Add(float64(len(rs)))
		return nil
	}
	if !measured {
		ms := step.Milliseconds()
		if err := a.spool.write(ctx, rs, &ms); err != nil {
			return err
		}
		a.mu.Lock()
		a.unchecked = true
		a.mu.Unlock()
		return nil
	}
	// The offset now is the one measured, moved by any step of the wall
	// clock since.
	if est := offset + step - mstep; max(est, -est) > a.MaxOffset {
		a.m.discarded.Add(float64(len(rs)))
		return nil
	}
	return a.spool.WriteResults(ctx, rs)
}

// stepTolerance is the least change of clockStep taken for a step of the
// clock (slewing moves it by less than a millisecond a second).
const stepTolerance = 50 * time.Millisecond

// clockStep is how far the wall clock (Now) has moved against the
// monotonic clock since Run began: 0 unless the clock was stepped (or
// slewed) meanwhile. The wall clock is read between two readings of the
// monotonic one; when they are further apart than stepRead (the process
// was descheduled between them), it tries again, and after a few tries
// says it could not read the step (read false).
func (a *Agent) clockStep() (step time.Duration, read bool) {
	for range 5 {
		m1 := time.Since(a.epochMono)
		wall := a.Now().Round(0).Sub(a.epochWall)
		m2 := time.Since(a.epochMono)
		if m2-m1 <= stepRead {
			return wall - (m1+m2)/2, true
		}
	}
	return 0, false
}

// stepRead bounds the time between the readings of clockStep.
const stepRead = 5 * time.Millisecond

// settle judges the results spooled before the clock was first measured,
// now that it was: those whose offset, the one measured moved by the
// clock's steps between, is within the bound are shipped; the others are
// discarded, as they would have been when probed.
func (a *Agent) settle(ctx context.Context) {
	a.mu.Lock()
	if !a.unchecked || !a.measured {
		a.mu.Unlock()
		return
	}
	a.unchecked = false
	base := a.offset - a.measureStep
	a.mu.Unlock()
	kept, dropped, err := a.spool.settle(ctx, base, a.MaxOffset)
	if err != nil {
		a.mu.Lock()
		a.unchecked = true // again on the next round trip
		a.mu.Unlock()
		a.Log.Error("check the times of results probed before the clock was measured", "err", err)
		return
	}
	a.m.discarded.Add(float64(dropped))
	if dropped > 0 {
		a.Log.Warn("results probed before the clock was measured were off by more than the bound: discarded", "discarded", dropped, "kept", kept)
	}
}

// New builds an agent spooling in dir (bounded by spoolMax bytes) and
// registering its metrics, and the collector's, on reg.
func New(dir string, spoolMax int64, reg *prometheus.Registry) (*Agent, error) {
	a := &Agent{reg: reg, Now: time.Now}
	a.m.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "slate_agent_spool_dropped_total",
		Help: "Results dropped from a full spool, oldest first, never shipped."})
	sp, err := OpenSpool(dir, spoolMax, func(n int) { a.m.dropped.Add(float64(n)) })
	if err != nil {
		return nil, err
	}
	a.spool = sp
	if a.id, err = agentID(sp); err != nil {
		sp.Close()
		return nil, err
	}
	depth := func() (int, time.Time) {
		n, oldest, _ := sp.depth(context.Background())
		return n, oldest
	}
	a.m.depth = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_agent_spool_results", Help: "Results in the spool, not yet acknowledged by the server."},
		func() float64 { n, _ := depth(); return float64(n) })
	a.m.oldestAge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_agent_spool_oldest_age_seconds", Help: "Age of the oldest result in the spool; 0 when empty."},
		func() float64 {
			if _, o := depth(); !o.IsZero() {
				return a.Now().Sub(o).Seconds()
			}
			return 0
		})
	a.m.bytes = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_agent_spool_bytes", Help: "Approximate size of the spooled results."},
		func() float64 { return float64(sp.Bytes()) })
	a.m.offset = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slate_agent_clock_offset_seconds", Help: "The last estimate of this clock minus the server's."},
		func() float64 { a.mu.Lock(); defer a.mu.Unlock(); return a.offset.Seconds() })
	a.m.shipped = prometheus.NewCounter(prometheus.CounterOpts{Name: "slate_agent_shipped_total", Help: "Results the server acknowledged."})
	a.m.discarded = prometheus.NewCounter(prometheus.CounterOpts{Name: "slate_agent_results_discarded_total",
		Help: "Results not recorded because the clock was off by more than the bound."})
	a.m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slate_agent_requests_failed_total",
		Help: "Requests to the server that failed, by kind: network, refused (4xx), unavailable (5xx)."}, []string{"kind"})
	a.m.ack = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slate_agent_ack_seconds",
		Help: "Time from sending a batch to the server's acknowledgement, for the batches acknowledged.", Buckets: ackBuckets})
	a.m.delay = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "slate_agent_result_delay_seconds",
		Help: "Time from a result's start to the server's acknowledgement of it: how late the server has the evidence.", Buckets: delayBuckets})
	for _, c := range []prometheus.Collector{a.m.depth, a.m.oldestAge, a.m.bytes, a.m.offset, a.m.shipped, a.m.dropped, a.m.discarded, a.m.refused, a.m.ack, a.m.delay} {
		if err := reg.Register(c); err != nil {
			sp.Close()
			return nil, err
		}
	}
	if a.sched, err = collector.New(gate{a}, reg); err != nil {
		sp.Close()
		return nil, err
	}
	return a, nil
}

// agentID is the agent's instance ID, kept in its spool: an agent
// restarted on its spool is the same agent and takes its location back at
// once, while another agent (another spool) of the location waits as
// standby.
func agentID(sp *Spool) (string, error) {
	ctx := context.Background()
	id, err := sp.loadState(ctx, "agent-id")
	if err != nil || id != nil {
		return string(id), err
	}
	var b [8]byte
	if _, err := crand.Read(b[:]); err != nil {
		return "", err
	}
	fresh := hex.EncodeToString(b[:])
	return fresh, sp.saveState(ctx, "agent-id", []byte(fresh))
}

func (a *Agent) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&a.ShipEvery, DefaultShipEvery)
	def(&a.FetchEvery, DefaultFetchEvery)
	def(&a.IdleEvery, DefaultIdleEvery)
	def(&a.BackoffMin, DefaultBackoffMin)
	def(&a.BackoffMax, DefaultBackoffMax)
	def(&a.MaxOffset, wire.DefaultMaxOffset)
	if a.Batch <= 0 {
		a.Batch = DefaultBatch
	}
	if a.Client == nil {
		a.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.Now == nil {
		a.Now = time.Now
	}
}

// Handler serves /metrics and /healthz: healthy while the agent records
// results (its clock is within the bound) and has a check list.
func (a *Agent) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		held, loc, last := a.clockHeld, a.location, a.lastShip
		a.mu.Unlock()
		switch {
		case held != nil:
			http.Error(w, "not recording: "+held.Error(), http.StatusServiceUnavailable)
		case loc == "":
			http.Error(w, "no check list yet: the server has not been reached", http.StatusServiceUnavailable)
		default:
			fmt.Fprintf(w, "ok: location %s, last shipped %s\n", loc, last.Format(time.RFC3339))
		}
	})
	return mux
}

// Run probes and ships until ctx ends, then stops the probes, letting
// the results of runs in flight reach the spool, and closes the spool.
func (a *Agent) Run(ctx context.Context) error {
	a.defaults()
	if len(a.Servers) == 0 || a.Token == "" {
		return errors.New("agent: no server or no token")
	}
	a.epochWall, a.epochMono = a.Now().Round(0), time.Now()
	// Results left unchecked by an earlier run are judged by this run's
	// first measurement, as if probed when it began: a step of the clock
	// between the two runs cannot be seen.
	if n, err := a.spool.restartUnchecked(ctx); err != nil {
		return err
	} else if n > 0 {
		a.unchecked = true
	}
	a.sched.Now = a.Now
	a.sched.Logger = a.Log
	if a.Workers > 0 {
		a.sched.Workers = a.Workers
	}
	if raw, err := a.spool.loadState(ctx, checkListKey); err != nil {
		return err
	} else if raw != nil {
		var l wire.CheckList
		if err := json.Unmarshal(raw, &l); err != nil {
			a.Log.Error("cached check list unreadable; waiting for the server's", "err", err)
		} else if err := a.apply(l); err != nil {
			a.Log.Error("cached check list", "err", err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.fetchLoop(ctx) }()
	go func() { defer wg.Done(); a.shipLoop(ctx) }()
	wg.Wait()
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := a.sched.Stop(stopCtx)
	return errors.Join(err, a.spool.Close())
}

// apply makes l the checks probed. HTTP probes that set no User-Agent
// name the agent's location in it, so that the operators of a target can
// tell the locations' requests apart.
func (a *Agent) apply(l wire.CheckList) error {
	hold := time.Duration(0)
	for _, c := range l.Checks {
		hold = max(hold, c.EffectiveTimeout())
	}
	// A list of another location is refused before anything changes: its
	// generation, kept, would be sent as If-None-Match and the server
	// would answer "not modified" from then on.
	if a.started && l.Location != a.sched.Location {
		return fmt.Errorf("the check list names location %s, not %s: a token's location is fixed", l.Location, a.sched.Location)
	}
	a.mu.Lock()
	a.location, a.gen = l.Location, l.Generation
	a.stepHold = hold + 2*time.Second
	a.mu.Unlock()
	checks := slices.Clone(l.Checks)
	for i, c := range checks {
		if c.Kind != collector.KindHTTP || hasHeader(c.HTTP.Headers, "User-Agent") {
			continue
		}
		h := maps.Clone(c.HTTP.Headers)
		if h == nil {
			h = map[string]string{}
		}
		h["User-Agent"] = "slate-agent (location " + l.Location + ")"
		checks[i].HTTP.Headers = h
	}
	if a.started {
		return a.sched.Reload(checks)
	}
	// The first list: the scheduler learns its location and starts (it
	// reads its location while running, so it is set only before).
	a.sched.Location = l.Location
	if err := a.sched.Start(); err != nil {
		return err
	}
	a.started = true
	return a.sched.Reload(checks)
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// fetchLoop fetches the check list now and every FetchEvery.
func (a *Agent) fetchLoop(ctx context.Context) {
	for {
		if err := a.fetch(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("fetch checks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.FetchEvery):
		}
	}
}

func (a *Agent) fetch(ctx context.Context) error {
	a.mu.Lock()
	gen := a.gen
	a.mu.Unlock()
	h := http.Header{}
	if gen != "" {
		h.Set("If-None-Match", `"`+gen+`"`)
	}
	code, body, err := a.call(ctx, http.MethodGet, wire.ChecksPath, h, nil)
	switch {
	case err != nil:
		return err
	case code == http.StatusNotModified:
		return nil
	case code != http.StatusOK:
		return fmt.Errorf("check list: %d %s", code, bytes.TrimSpace(body))
	}
	var l wire.CheckList
	if err := json.Unmarshal(body, &l); err != nil {
		return fmt.Errorf("check list: %w", err)
	}
	if err := a.apply(l); err != nil {
		return err
	}
	return a.spool.saveState(ctx, checkListKey, body)
}

// shipLoop ships the spool oldest first, one batch at a time, backing off
// with full jitter after failures.
func (a *Agent) shipLoop(ctx context.Context) {
	failures := 0
	var last time.Time // the last request
	for {
		wait := a.ShipEvery
		n, asked, err := a.shipOnce(ctx, time.Since(last) >= a.IdleEvery)
		if asked {
			last = time.Now()
		}
		switch {
		case err != nil:
			failures++
			d := min(a.BackoffMax, a.BackoffMin<<min(failures, 16))
			wait = time.Duration(rand.Int64N(int64(d) + 1)) // full jitter
			var re retryError
			if errors.As(err, &re) && re.after > wait {
				wait = re.after
			}
			if ctx.Err() == nil {
				a.Log.Warn("ship", "err", err, "retry_in", wait)
			}
		case n > 0:
			failures, wait = 0, 0 // a backlog drains at full speed
		default:
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// retryError is a refusal that says when to retry.
type retryError struct {
	after time.Duration
	msg   string
}

func (e retryError) Error() string { return e.msg }

// shipOnce sends the oldest batch; with nothing spooled it sends an empty
// batch when idle is set, which keeps the location held and reports the
// clock (a wrong one is refused and alerted on). It returns how many
// results the server acknowledged and whether it asked the server.
// Until the clock is first measured it sends only that empty batch: the
// results spooled meanwhile are unchecked, not shippable, and finding
// the checked ones among them would read the whole spool each time.
func (a *Agent) shipOnce(ctx context.Context, idle bool) (n int, asked bool, err error) {
	a.mu.Lock()
	measured := a.measured
	a.mu.Unlock()
	var rs []spooled
	if measured {
		if rs, err = a.spool.oldest(ctx, a.Batch); err != nil {
			return 0, false, err
		}
	}
	if len(rs) == 0 && !idle {
		return 0, false, nil
	}
	rs, body, err := batchBody(rs)
	if err != nil {
		return 0, false, err
	}
	h := http.Header{"Content-Type": {"application/json"}}
	sent := time.Now()
	code, answer, err := a.call(ctx, http.MethodPost, wire.ResultsPath, h, body)
	if err != nil {
		return 0, true, err
	}
	if code != http.StatusOK {
		return 0, true, a.refusal(code, answer)
	}
	a.m.ack.Observe(time.Since(sent).Seconds())
	now := a.Now()
	for _, r := range rs {
		a.m.delay.Observe(now.Sub(r.At).Seconds())
	}
	if err := a.spool.remove(ctx, rs); err != nil {
		return 0, true, err
	}
	a.m.shipped.Add(float64(len(rs)))
	a.mu.Lock()
	a.lastShip = now
	a.mu.Unlock()
	return len(rs), true, nil
}

// batchBody is the body of a batch of the first of rs: all of them, or
// as many as keep the body within the protocol's byte limit (halving: a
// batch of failures with long details is far larger than one of passes).
func batchBody(rs []spooled) ([]spooled, []byte, error) {
	all := make([]wire.Result, len(rs)) // converted once, marshalled in halves
	for i, r := range rs {
		all[i] = wire.FromResult(r.Result)
	}
	for n := len(rs); ; n /= 2 {
		body, err := json.Marshal(wire.Batch{Results: all[:n]})
		if err != nil || len(body) <= wire.MaxBodyBytes || n <= 1 {
			return rs[:n], body, err
		}
	}
}

// refusal is the error of a batch the server did not take.
func (a *Agent) refusal(code int, answer []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(answer, &e)
	msg := fmt.Sprintf("server answered %d: %s %s", code, e.Error.Code, e.Error.Message)
	switch {
	case code >= 500 || code == http.StatusTooManyRequests:
		a.m.refused.WithLabelValues("unavailable").Inc()
	default:
		a.m.refused.WithLabelValues("refused").Inc()
	}
	if code == http.StatusConflict {
		return retryError{after: 10 * time.Second, msg: msg + " (standby)"}
	}
	return errors.New(msg)
}

// call makes one request to the server in use, with the protocol's
// headers, and estimates the clock's offset from its round trip. A
// network failure or a 5xx moves to the next server.
func (a *Agent) call(ctx context.Context, method, path string, h http.Header, body []byte) (int, []byte, error) {
	a.mu.Lock()
	base, offset, rtt := a.Servers[a.server%len(a.Servers)], a.offset, a.rtt
	a.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = h
	req.Header.Set("Authorization", "Bearer "+a.Token)
	req.Header.Set(wire.HeaderAgent, a.id)
	req.Header.Set(wire.HeaderOffset, strconv.FormatInt(offset.Milliseconds(), 10))
	req.Header.Set(wire.HeaderRoundTrip, strconv.FormatInt(rtt.Milliseconds(), 10))
	sent := a.Now()
	resp, err := a.Client.Do(req)
	if err != nil {
		a.m.refused.WithLabelValues("network").Inc()
		a.rotate()
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	received := a.Now()
	if ms, perr := strconv.ParseInt(resp.Header.Get(wire.HeaderServerTime), 10, 64); perr == nil {
		a.observeClock(wire.Offset(sent, received, ms))
		a.settle(ctx)
	}
	if resp.StatusCode >= 500 {
		a.rotate()
		if ra, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && ra > 0 {
			return resp.StatusCode, answer, retryError{after: time.Duration(ra) * time.Second, msg: fmt.Sprintf("server answered %d: %s", resp.StatusCode, bytes.TrimSpace(answer))}
		}
	}
	return resp.StatusCode, answer, err
}

// observeClock keeps an offset estimate and holds recording while the
// offset is beyond the bound.
func (a *Agent) observeClock(offset, rtt time.Duration) {
	if rtt > a.MaxOffset {
		// The estimate is off by up to half the round trip, which the
		// server may have spent storing a batch: too unsure to judge the
		// clock by. The next quick answer (a check list, an idle batch)
		// measures it.
		return
	}
	step, read := a.clockStep()
	a.mu.Lock()
	defer a.mu.Unlock()
	if !read {
		step = a.lastStep
	}
	a.offset, a.rtt, a.measured, a.measureStep = offset, rtt, true, step
	abs := max(offset, -offset)
	switch {
	case abs > a.MaxOffset && a.clockHeld == nil:
		a.clockHeld = fmt.Errorf("this clock is %s off the server's (bound %s)", offset.Round(time.Millisecond), a.MaxOffset)
		a.Log.Error("clock off: not recording results until it is right", "offset", offset, "round_trip", rtt)
	case abs <= a.MaxOffset && a.clockHeld != nil:
		a.clockHeld = nil
		a.Log.Info("clock right again: recording results", "offset", offset)
	}
}

func (a *Agent) rotate() {
	a.mu.Lock()
	a.server = (a.server + 1) % len(a.Servers)
	a.mu.Unlock()
}

// SpoolFootprint is the spool's Footprint, for slate bench agents.
func (a *Agent) SpoolFootprint(ctx context.Context) (Footprint, error) {
	return a.spool.Footprint(ctx)
}
