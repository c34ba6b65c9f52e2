package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/db"
)

// Defaults of the Sender's settings, set by NewSender.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultBaseDelay   = time.Second
	DefaultMaxDelay    = 10 * time.Minute
	DefaultMaxAge      = 24 * time.Hour
	DefaultConcurrency = 16
	DefaultPerReceiver = 4
	DefaultBatch       = 100
	DefaultInterval    = time.Second
	DefaultClaimant    = "sender"
	// DefaultClaimSlack is how long beyond Timeout a claim holds by
	// default: the time an alert may wait for a free slot of its receiver
	// before its attempt must start. Short, because it is also part of
	// how long the alerts a dead sender claimed wait for another.
	DefaultClaimSlack = 2 * time.Second
)

// Store is what the Sender needs of the outbox; *db.DB has it.
type Store interface {
	ClaimAlerts(ctx context.Context, now time.Time, limit int, claimant string, hold time.Duration) ([]db.Alert, error)
	ReleaseAlerts(ctx context.Context, token string, ids []int64) error
	RecordAttempt(ctx context.Context, id int64, at time.Time, outcome db.AttemptOutcome) error
	PendingAlerts(ctx context.Context) (int, error)
}

// Sender delivers the outbox: each due alert is posted by its receiver,
// and the attempt is recorded before the alert is considered again. It
// delivers at least once: a crash between a receiver's answer and the
// record makes it send the alert again, which is what the dedup key is for.
//
// It claims the alerts it attempts (Store.ClaimAlerts) for Hold, and
// starts an attempt only while the claim is sure to outlast it, so any
// number of Senders, in any processes, may work on one outbox: none sends
// an alert another holds. A sender killed mid-attempt leaves its claims
// to lapse, after which another sends those alerts again.
//
// Create it with NewSender, change settings before the first DeliverDue or
// Run, and do not change them after.
type Sender struct {
	Store     Store
	Receivers map[string]Receiver // by name, as db.Alert.Receiver names them
	// Deliverers are the receivers that deliver an alert themselves, not
	// over HTTP (e-mail, see Mail), by name; a name here wins over the
	// same name in Receivers.
	Deliverers map[string]Deliverer

	// Client sends the requests. NewSender sets one that does not follow
	// redirects (a 3xx is a failure, as for Statuspage subscribers) and
	// has no overall timeout: Timeout bounds each attempt.
	Client *http.Client

	Now  func() time.Time // the clock for attempt times and backoff; default time.Now
	Rand func() float64   // uniform in [0, 1), for jitter, safe for concurrent use; default math/rand/v2.Float64

	Timeout   time.Duration // per attempt, connection to last body byte; default 10s
	BaseDelay time.Duration // backoff before the 2nd attempt, doubled after each; default 1s
	MaxDelay  time.Duration // cap of the backoff (not of Retry-After); default 10m
	MaxAge    time.Duration // an alert older than this that fails is given up; default 24h

	// Concurrency bounds the attempts in flight; PerReceiver bounds them
	// per receiver, so a receiver that hangs holds at most PerReceiver of
	// the Concurrency slots and the others keep going. Defaults 16 and 4.
	Concurrency, PerReceiver int

	Batch    int           // most alerts taken from the outbox per pass; default 100
	Interval time.Duration // Run's pause between passes; 0 makes Run return at once

	// Claimant names this sender in its claims, so that a stuck claim
	// says whose it is; default "sender". Hold is how long a claim lasts:
	// an attempt starts only while at least Timeout of it remains, so it
	// must exceed Timeout; default Timeout plus DefaultClaimSlack. It is
	// also how long the alerts of a sender that died stay unsent.
	Claimant string
	Hold     time.Duration

	m *metrics

	nudge    chan struct{} // wakes Run before its interval: something is due now
	once     sync.Once
	mu       sync.Mutex
	inflight map[int64]bool           // alerts being attempted, so that no pass starts them twice
	perRcv   map[string]chan struct{} // semaphores, by receiver
	global   chan struct{}
	all      sync.WaitGroup // every attempt goroutine, for Run to wait on when it stops
}

// NewSender returns a Sender with the default settings, its metrics
// registered with reg (nil registers them nowhere).
func NewSender(store Store, receivers map[string]Receiver, reg prometheus.Registerer) (*Sender, error) {
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("new sender: %w", err)
	}
	return &Sender{
		Store:     store,
		Receivers: receivers,
		Client: &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Now:         time.Now,
		Rand:        rand.Float64,
		Timeout:     DefaultTimeout,
		BaseDelay:   DefaultBaseDelay,
		MaxDelay:    DefaultMaxDelay,
		MaxAge:      DefaultMaxAge,
		Concurrency: DefaultConcurrency,
		PerReceiver: DefaultPerReceiver,
		Batch:       DefaultBatch,
		Interval:    DefaultInterval,
		Claimant:    DefaultClaimant,
		m:           m,
	}, nil
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.inflight = map[int64]bool{}
		s.perRcv = map[string]chan struct{}{}
		s.global = make(chan struct{}, max(s.Concurrency, 1))
		s.nudge = make(chan struct{}, 1)
	})
}

// Nudge makes Run look at the outbox now rather than at its next interval:
// alerts were just enqueued, or an alert that held back the next of its
// queue was delivered. Safe to call at any time, from any goroutine.
func (s *Sender) Nudge() {
	s.init()
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Run delivers due alerts every Interval until ctx ends, then waits for
// the attempts in flight (each bounded by Timeout) and returns ctx's
// error. A pass does not wait for the previous one's attempts, so a slow
// receiver delays nobody else; alerts in flight are skipped by later
// passes. Each delivery nudges the next pass, so a backlog (ten thousand
// e-mails of one incident update) goes at the receivers' pace, not at a
// batch per Interval. Errors of the outbox are retried at the next pass.
func (s *Sender) Run(ctx context.Context) error {
	if s.Interval <= 0 {
		return nil
	}
	s.init()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		// A pass claims no more than the global slots free: alerts it
		// claimed beyond them would wait for a slot while the passes that
		// attempts' ends nudge skip them, and mostly be released again,
		// one write each.
		s.start(ctx, s.Now(), nil, min(s.batch(), cap(s.global)-s.inFlight())) // errors: the outbox is read again next pass
		last := time.Now()
		if !s.waitPass(ctx, t.C, last) {
			s.all.Wait()
			return ctx.Err()
		}
	}
}

// minPassGap spaces the passes that nudges start, so that a backlog's
// deliveries, each of which nudges, cost a read of the outbox every few
// milliseconds rather than one each.
const minPassGap = 20 * time.Millisecond

// waitPass waits until the next pass is due: the interval ticks, or a
// nudge comes while at most half a batch is in flight (at least
// minPassGap after the last pass began). Nudges while more is in flight
// are dropped: each of those attempts nudges again as it ends. It
// returns false when ctx ends.
func (s *Sender) waitPass(ctx context.Context, tick <-chan time.Time, last time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			return true
		case <-s.nudge:
			if s.inFlight() > (s.batch()+1)/2 { // counting the attempt that nudged
				continue
			}
			if d := minPassGap - time.Since(last); d > 0 {
				select {
				case <-ctx.Done():
					return false
				case <-time.After(d):
				}
			}
			return true
		}
	}
}

func (s *Sender) inFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inflight)
}

func (s *Sender) batch() int {
	if s.Batch <= 0 {
		return DefaultBatch
	}
	return s.Batch
}

// deliverPasses bounds DeliverDue's passes: each delivers the next alert of
// the queues whose head the one before delivered.
const deliverPasses = 16

// DeliverDue attempts every alert due at now (up to Batch per pass),
// concurrently within the limits, and returns once they are recorded, with
// the number of attempts it made. Each pass waits for its attempts, so it
// claims a whole batch: a receiver that holds its slots for a timeout
// delays no other receiver's alerts to a later pass. An alert delivered or given up lets the
// next of its queue (same dedup key and receiver) through, which a further
// pass attempts, up to a few passes. Attempts are timed by the Now clock.
// Errors recording attempts are joined in the error; the alerts concerned
// stay due and are attempted again.
func (s *Sender) DeliverDue(ctx context.Context, now time.Time) (int, error) {
	total := 0
	var errs []error
	tried := map[int64]bool{} // one attempt per alert per call
	for range deliverPasses {
		wg, pass, n, err := s.start(ctx, now, tried, s.batch())
		if err != nil {
			return total, errors.Join(append(errs, err)...)
		}
		wg.Wait()
		pass.mu.Lock()
		errs = append(errs, pass.list...)
		pass.mu.Unlock()
		total += n
		if n == 0 {
			break
		}
	}
	s.setPending(ctx)
	return total, errors.Join(errs...)
}

type errList struct {
	mu   sync.Mutex
	list []error
}

func (e *errList) add(err error) {
	e.mu.Lock()
	e.list = append(e.list, err)
	e.mu.Unlock()
}

// start claims up to limit due alerts and begins an attempt at each one
// not already in flight, nor in tried when it is not nil (which it then
// adds them to); the claims of those it skips are released.
func (s *Sender) start(ctx context.Context, now time.Time, tried map[int64]bool, limit int) (*sync.WaitGroup, *errList, int, error) {
	s.init()
	wg, errs, n := &sync.WaitGroup{}, &errList{}, 0
	if limit <= 0 {
		return wg, errs, 0, nil
	}
	hold := s.hold()
	claimed := time.Now() // the claims' real age bounds how long an attempt may wait to start
	due, err := s.Store.ClaimAlerts(ctx, now, limit, s.claimant(), hold)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("deliver due: %w", err)
	}
	startBy := claimed.Add(hold - s.timeout())
	var skipped []int64
	for _, a := range due {
		s.mu.Lock()
		if s.inflight[a.ID] || tried[a.ID] {
			s.mu.Unlock()
			skipped = append(skipped, a.ID)
			continue
		}
		s.inflight[a.ID] = true
		s.mu.Unlock()
		if tried != nil {
			tried[a.ID] = true
		}
		n++
		wg.Add(1)
		s.all.Add(1)
		go func() {
			defer s.all.Done()
			defer wg.Done()
			next, err := s.attempt(ctx, a, startBy)
			if err != nil {
				errs.add(err)
			}
			s.mu.Lock()
			delete(s.inflight, a.ID)
			s.mu.Unlock()
			if next {
				// Once its slot is free, so that the pass it starts may
				// claim the next of its queue.
				s.Nudge()
			}
		}()
	}
	if len(due) > 0 {
		s.release(ctx, due[0].Claim, skipped...)
	}
	s.setPending(ctx)
	return wg, errs, n, nil
}

// release ends this sender's claim on ids, which it will not attempt, so
// that they are due at once rather than when the claim lapses. It runs
// when ctx has ended too (a stopping sender hands its alerts back); an
// error only delays those alerts until the claim lapses.
func (s *Sender) release(ctx context.Context, token string, ids ...int64) {
	if len(ids) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s.Store.ReleaseAlerts(rctx, token, ids) //nolint:errcheck // the claim lapses by itself
}

func (s *Sender) claimant() string {
	if s.Claimant == "" {
		return DefaultClaimant
	}
	return s.Claimant
}

func (s *Sender) timeout() time.Duration {
	if s.Timeout <= 0 {
		return DefaultTimeout
	}
	return s.Timeout
}

// hold is the claim's length: Hold, or Timeout plus DefaultClaimSlack when
// Hold is unset or leaves no time to wait for a slot.
func (s *Sender) hold() time.Duration {
	if s.Hold > s.timeout() {
		return s.Hold
	}
	return s.timeout() + DefaultClaimSlack
}

func (s *Sender) setPending(ctx context.Context) {
	if n, err := s.Store.PendingAlerts(ctx); err == nil {
		s.m.pending.Set(float64(n))
	}
}

// acquire takes a slot of a's receiver and a global one, and returns the
// function that gives them back; ok is false if ctx ended first.
func (s *Sender) acquire(ctx context.Context, receiver string) (release func(), ok bool) {
	s.mu.Lock()
	sem := s.perRcv[receiver]
	if sem == nil {
		sem = make(chan struct{}, max(s.PerReceiver, 1))
		s.perRcv[receiver] = sem
	}
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}
	select {
	case s.global <- struct{}{}:
	case <-ctx.Done():
		<-sem
		return nil, false
	}
	return func() { <-s.global; <-sem }, true
}

// attempt delivers a once and records the outcome. It starts only before
// startBy, when the claim still outlasts an attempt; otherwise, or when
// ctx ends first, it releases the claim and records nothing: the alert
// stays due. next reports that a was delivered or given up, so the next
// alert of its queue may be due.
func (s *Sender) attempt(ctx context.Context, a db.Alert, startBy time.Time) (next bool, err error) {
	wctx, cancel := context.WithDeadline(ctx, startBy)
	done, ok := s.acquire(wctx, a.Receiver)
	cancel()
	if !ok {
		s.release(ctx, a.Claim, a.ID)
		return false, nil
	}
	defer done()
	at := s.Now()
	out := s.post(ctx, a, at)
	if ctx.Err() != nil {
		return false, nil // stopping: the failure is ours, not the receiver's
	}
	if out.Outcome == db.OutcomeRetry && at.Sub(a.CreatedAt) >= s.maxAge() {
		out.Outcome = db.OutcomeGaveUp
		out.Error += fmt.Sprintf(" (gave up: older than %v)", s.maxAge())
	}
	if err := s.Store.RecordAttempt(ctx, a.ID, at, out); err != nil && !errors.Is(err, db.ErrAlertState) {
		return false, fmt.Errorf("deliver %s to %s: %w", a.DedupKey, a.Receiver, err)
	}
	s.m.attempts.WithLabelValues(a.Receiver, out.Outcome).Inc()
	switch out.Outcome {
	case db.OutcomeDelivered:
		s.m.sent.WithLabelValues(a.Receiver).Inc()
		return true, nil // the next of its queue may be due
	case db.OutcomeGaveUp:
		s.m.failed.WithLabelValues(a.Receiver).Inc()
		return true, nil
	}
	return false, nil
}

func (s *Sender) maxAge() time.Duration {
	if s.MaxAge <= 0 {
		return DefaultMaxAge
	}
	return s.MaxAge
}

// post makes the HTTP attempt and classifies its answer.
func (s *Sender) post(ctx context.Context, a db.Alert, at time.Time) db.AttemptOutcome {
	e, err := decodeEvent(a.Payload)
	if err != nil {
		// A payload that does not decode never will.
		return db.AttemptOutcome{Outcome: db.OutcomeGaveUp, Error: err.Error()}
	}
	if d, ok := s.Deliverers[a.Receiver]; ok {
		return s.deliver(ctx, d, a, e, at)
	}
	rcv, ok := s.Receivers[a.Receiver]
	if !ok {
		// The configuration may get it back before the alert is too old.
		return s.retry(a, at, 0, 0, fmt.Sprintf("unknown receiver %q", a.Receiver))
	}
	actx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	req, err := rcv.NewRequest(actx, e, at)
	if err != nil {
		return db.AttemptOutcome{Outcome: db.OutcomeGaveUp, Error: err.Error()}
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return s.retry(a, at, 0, 0, err.Error())
	}
	defer resp.Body.Close()
	// Read the answer (a little of it) within the attempt's time, so that
	// the connection can be reused and a failure can say what it was.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return db.AttemptOutcome{Outcome: db.OutcomeDelivered, Status: code}
	}
	msg := fmt.Sprintf("status %d", code)
	if t := strings.TrimSpace(string(snippet)); t != "" {
		msg += ": " + truncate(t, 200)
	}
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return s.retry(a, at, code, retryAfter(resp.Header.Get("Retry-After"), at), msg)
	case code == http.StatusRequestTimeout || code >= 500 || code < 400:
		return s.retry(a, at, code, 0, msg)
	default:
		return db.AttemptOutcome{Outcome: db.OutcomeGaveUp, Status: code, Error: msg}
	}
}

// retry schedules the next attempt after a failed one: after wait when the
// receiver said so (Retry-After), otherwise after the full-jitter backoff
// of a's attempt count.
func (s *Sender) retry(a db.Alert, at time.Time, code int, wait time.Duration, msg string) db.AttemptOutcome {
	if wait <= 0 {
		wait = s.Backoff(a.Attempts)
	}
	return db.AttemptOutcome{Outcome: db.OutcomeRetry, Status: code, NextAt: at.Add(wait), Error: msg}
}

// Backoff is the wait after the failure of attempt number attempts+1
// (attempts is how many failed before it): uniform in [0, min(MaxDelay,
// BaseDelay·2^attempts)), the "full jitter" that spreads the retries of many
// alerts failing together instead of sending them back in waves.
func (s *Sender) Backoff(attempts int) time.Duration {
	base, ceiling := s.BaseDelay, s.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxDelay
	}
	d := ceiling
	if attempts < 40 && base<<attempts > 0 && base<<attempts < ceiling {
		d = base << attempts
	}
	return time.Duration(s.Rand() * float64(d))
}

// retryAfter reads a Retry-After value, delay-seconds or an HTTP date,
// relative to now; 0 when absent, unreadable or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
		if sec <= 0 {
			return 0
		}
		return time.Duration(min(sec, int64(7*24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
