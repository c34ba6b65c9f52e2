package alert_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
)

// checkAttempts checks what the outbox recorded of each alert of keys
// incidents: the attempts per receiver, the final state and the first
// failure of each misbehaving receiver.
func checkAttempts(t *testing.T, r *rig, keys int, wantAttempts map[string]int) {
	t.Helper()
	ctx := context.Background()
	for i := range keys {
		as, err := r.db.AlertsByKey(ctx, fmt.Sprintf("incident/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			atts, err := r.db.Attempts(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(atts) != wantAttempts[a.Receiver] || a.Attempts != len(atts) {
				t.Errorf("%s to %s: got %d attempts recorded (%d counted), want %d", a.DedupKey, a.Receiver, len(atts), a.Attempts, wantAttempts[a.Receiver])
			}
			last := atts[len(atts)-1]
			wantState, wantOutcome, wantStatus := db.AlertDelivered, db.OutcomeDelivered, 202
			if a.Receiver == "reject" {
				wantState, wantOutcome, wantStatus = db.AlertFailed, db.OutcomeGaveUp, 400
			}
			if a.State != wantState || last.Outcome != wantOutcome || last.Status != wantStatus {
				t.Errorf("%s to %s: got state %s, last attempt %+v, want %s, %s, %d", a.DedupKey, a.Receiver, a.State, last, wantState, wantOutcome, wantStatus)
			}
			first := atts[0]
			switch a.Receiver {
			case "fail3":
				if first.Status != 500 || !strings.Contains(first.Error, "boom") {
					t.Errorf("fail3: got first attempt %+v, want status 500 with the body", first)
				}
			case "reset", "hang":
				if first.Status != 0 || first.Error == "" {
					t.Errorf("%s: got first attempt %+v, want no status and an error", a.Receiver, first)
				}
			case "throttle":
				if first.Status != 429 || first.Outcome != db.OutcomeRetry {
					t.Errorf("throttle: got first attempt %+v, want a 429 retry", first)
				}
			case "reject":
				if a.LastError == "" {
					t.Errorf("reject: got no last error")
				}
			}
		}
	}
}

// TestDeliveryUnderFaults sends the same alerts to receivers that each
// misbehave in one way, through real HTTP on 127.0.0.1 and a real outbox,
// and checks that every alert arrives once per receiver (the 400 receiver
// excepted: those are given up and recorded).
func TestDeliveryUnderFaults(t *testing.T) {
	sinks := map[string]*sink{
		"ok":       newSink(t, nil),
		"fail3":    newSink(t, failFirst(3)),
		"reset":    newSink(t, resetFirst(2)),
		"throttle": newSink(t, throttleFirst("120")),
		"hang":     newSink(t, hangFirst()),
		"reject":   newSink(t, reject()),
		"pager":    newSink(t, failFirst(1)),
	}
	secret := []byte("s3cret")
	receivers := map[string]alert.Receiver{}
	var names []string
	for name, s := range sinks {
		names = append(names, name)
		if name == "pager" {
			receivers[name] = alert.PagerDuty{RoutingKey: "R0UT1NG", URL: s.URL}
			continue
		}
		receivers[name] = alert.Webhook{URL: s.URL, Secret: secret}
	}
	r := newRig(t, receivers)
	r.sender.Timeout = 400 * time.Millisecond
	r.sender.PerReceiver = 2
	const keys = 4
	for i := range keys {
		r.enqueue(t, event(fmt.Sprintf("incident/%d", i)), names...)
	}
	if got := metric(t, r.reg, "slate_alert_outbox_pending"); got != 0 {
		t.Fatalf("pending gauge before any pass: got %v, want 0", got)
	}

	// The first pass: the hanging receiver holds its 2 slots for a whole
	// timeout, twice; the others must not wait for it.
	start := time.Now()
	n, err := r.sender.DeliverDue(context.Background(), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n != keys*len(sinks) {
		t.Errorf("first pass: got %d attempts, want %d", n, keys*len(sinks))
	}
	for i := range keys {
		key := fmt.Sprintf("incident/%d", i)
		sinks["ok"].mu.Lock()
		at, ok := sinks["ok"].firstOK[key]
		sinks["ok"].mu.Unlock()
		if !ok {
			t.Fatalf("ok receiver: %s not delivered in the first pass", key)
		}
		if d := at.Sub(start); d >= r.sender.Timeout {
			t.Errorf("ok receiver: %s delivered after %v, want before the hang's timeout %v", key, d, r.sender.Timeout)
		}
	}
	if got, want := metric(t, r.reg, "slate_alert_outbox_pending"), float64((len(sinks)-2)*keys); got != want {
		t.Errorf("pending gauge after the first pass: got %v, want %v (ok delivered, reject given up)", got, want)
	}

	// Retry-After: 120 is honoured exactly, not replaced by the backoff.
	for i := range keys {
		as, err := r.db.AlertsByKey(context.Background(), fmt.Sprintf("incident/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Receiver == "throttle" {
				if want := t0().Add(120 * time.Second); !a.NextAt.Equal(want) {
					t.Errorf("throttled %s: next attempt at %v, want %v", a.DedupKey, a.NextAt, want)
				}
			}
		}
	}

	r.drain(t, 30, 11*time.Minute) // longer than the backoff cap

	for name, s := range sinks {
		for i := range keys {
			key := fmt.Sprintf("incident/%d", i)
			want := 1
			if name == "reject" {
				want = 0
			}
			if got := s.deliveredTo(key); got != want {
				t.Errorf("%s: %s delivered %d times, want %d", name, key, got, want)
			}
		}
	}
	wantAttempts := map[string]int{"ok": 1, "fail3": 4, "reset": 3, "throttle": 2, "hang": 2, "reject": 1, "pager": 2}
	checkAttempts(t, r, keys, wantAttempts)
	for name := range sinks {
		sent, failed := metric(t, r.reg, "slate_alerts_sent_total", "receiver", name), metric(t, r.reg, "slate_alerts_failed_total", "receiver", name)
		wantSent, wantFailed := float64(keys), 0.0
		if name == "reject" {
			wantSent, wantFailed = 0, keys
		}
		if sent != wantSent || failed != wantFailed {
			t.Errorf("%s: got sent %v failed %v, want %v and %v", name, sent, failed, wantSent, wantFailed)
		}
		if got, want := metric(t, r.reg, "slate_alert_attempts_total", "receiver", name), float64(keys*wantAttempts[name]); got != want {
			t.Errorf("%s: got %v attempts counted, want %v", name, got, want)
		}
	}
	if got := metric(t, r.reg, "slate_alert_attempts_total", "receiver", "fail3", "outcome", "retry"); got != 3*keys {
		t.Errorf("fail3 retries: got %v, want %d", got, 3*keys)
	}
	if got := metric(t, r.reg, "slate_alert_outbox_pending"); got != 0 {
		t.Errorf("pending gauge at the end: got %v, want 0", got)
	}
}

// TestRetryStateSurvivesRestart checks that the backoff lives in the
// outbox: a new Sender on the same store waits for the recorded NextAt.
func TestRetryStateSurvivesRestart(t *testing.T) {
	s := newSink(t, failFirst(1))
	receivers := map[string]alert.Receiver{"hook": alert.Webhook{URL: s.URL}}
	r := newRig(t, receivers)
	r.sender.Rand = func() float64 { return 0.5 }
	r.enqueue(t, event("incident/1"), "hook")
	ctx := context.Background()
	if _, err := r.sender.DeliverDue(ctx, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// Attempt 1 failed: the wait is half of BaseDelay·2^0.
	as, _ := r.db.AlertsByKey(ctx, "incident/1")
	if want := t0().Add(500 * time.Millisecond); !as[0].NextAt.Equal(want) {
		t.Fatalf("got next attempt at %v, want %v", as[0].NextAt, want)
	}
	fresh, err := alert.NewSender(r.db, receivers, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh.Now = r.clock.Now
	if n, err := fresh.DeliverDue(ctx, t0().Add(499*time.Millisecond)); err != nil || n != 0 {
		t.Fatalf("before the recorded retry time: got %d attempts, %v, want none", n, err)
	}
	r.clock.Advance(500 * time.Millisecond)
	if n, err := fresh.DeliverDue(ctx, r.clock.Now()); err != nil || n != 1 {
		t.Fatalf("at the recorded retry time: got %d attempts, %v, want 1", n, err)
	}
	if got := s.deliveredTo("incident/1"); got != 1 {
		t.Fatalf("got %d deliveries, want 1", got)
	}
}

func TestGiveUpAfterMaxAge(t *testing.T) {
	s := newSink(t, failFirst(1000))
	r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: s.URL}})
	r.sender.MaxAge = time.Hour
	r.enqueue(t, event("incident/1"), "hook")
	passes := r.drain(t, 20, 11*time.Minute)
	if passes < 6 || passes > 8 {
		t.Errorf("got %d passes, want about an hour's worth at 11 minutes each", passes)
	}
	as, _ := r.db.AlertsByKey(context.Background(), "incident/1")
	if as[0].State != db.AlertFailed || !strings.Contains(as[0].LastError, "older than 1h0m0s") {
		t.Errorf("got %s %q, want failed as too old", as[0].State, as[0].LastError)
	}
}

func TestUnknownReceiverIsRetried(t *testing.T) {
	r := newRig(t, map[string]alert.Receiver{})
	r.enqueue(t, event("incident/1"), "gone")
	if _, err := r.sender.DeliverDue(context.Background(), r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	as, _ := r.db.AlertsByKey(context.Background(), "incident/1")
	if as[0].State != db.AlertPending || !strings.Contains(as[0].LastError, "unknown receiver") {
		t.Errorf("got %s %q, want pending with an unknown receiver error", as[0].State, as[0].LastError)
	}
}

func TestBackoff(t *testing.T) {
	s, err := alert.NewSender(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Rand = func() float64 { return 0.999999 }
	for _, tc := range []struct {
		attempts int
		max      time.Duration
	}{
		{0, time.Second}, {1, 2 * time.Second}, {5, 32 * time.Second}, {9, 512 * time.Second},
		{10, 10 * time.Minute}, {63, 10 * time.Minute}, {1000, 10 * time.Minute},
	} {
		t.Run(fmt.Sprint(tc.attempts), func(t *testing.T) {
			got := s.Backoff(tc.attempts)
			if got > tc.max || got < tc.max*999/1000 {
				t.Errorf("got %v, want just under %v", got, tc.max)
			}
		})
	}
	s.Rand = func() float64 { return 0 }
	if got := s.Backoff(3); got != 0 {
		t.Errorf("full jitter: got %v with a zero draw, want 0", got)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	s := newSink(t, nil)
	r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: s.URL}})
	r.sender.Interval = 5 * time.Millisecond
	r.enqueue(t, event("incident/1"), "hook")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.sender.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for s.deliveredTo("incident/1") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if got := s.deliveredTo("incident/1"); got != 1 {
		t.Fatalf("got %d deliveries, want 1", got)
	}
	r.sender.Interval = 0
	if err := r.sender.Run(context.Background()); err != nil {
		t.Fatalf("interval 0: got %v, want nil at once", err)
	}
}

// TestStatusClassification answers the first attempt of each alert with
// one status, and 2xx after, and checks what the sender made of it.
func TestStatusClassification(t *testing.T) {
	retryDate := t0().Add(90 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		outcome    string
		next       time.Duration // wanted wait before the 2nd attempt; -1: the backoff's
	}{
		{"408 retried", 408, "", db.OutcomeRetry, -1},
		{"429 without Retry-After: backoff", 429, "", db.OutcomeRetry, -1},
		{"429 with seconds", 429, "7", db.OutcomeRetry, 7 * time.Second},
		{"503 with an HTTP date", 503, retryDate, db.OutcomeRetry, 90 * time.Second},
		{"503 with garbage: backoff", 503, "soon", db.OutcomeRetry, -1},
		{"500 ignores Retry-After", 500, "600", db.OutcomeRetry, -1},
		{"302 is a failure, retried", 302, "", db.OutcomeRetry, -1},
		{"401 given up", 401, "", db.OutcomeGaveUp, 0},
		{"404 given up", 404, "", db.OutcomeGaveUp, 0},
		{"413 given up", 413, "", db.OutcomeGaveUp, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink(t, func(w http.ResponseWriter, _ *http.Request, n int) bool {
				if n > 1 {
					return true
				}
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tc.status)
				return false
			})
			r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: s.URL}})
			r.sender.Rand = func() float64 { return 0.25 }
			r.enqueue(t, event("incident/1"), "hook")
			ctx := context.Background()
			if _, err := r.sender.DeliverDue(ctx, r.clock.Now()); err != nil {
				t.Fatal(err)
			}
			as, _ := r.db.AlertsByKey(ctx, "incident/1")
			atts, _ := r.db.Attempts(ctx, as[0].ID)
			if len(atts) != 1 || atts[0].Outcome != tc.outcome || atts[0].Status != tc.status {
				t.Fatalf("got attempts %+v, want one %s with status %d", atts, tc.outcome, tc.status)
			}
			if tc.outcome == db.OutcomeGaveUp {
				if as[0].State != db.AlertFailed {
					t.Errorf("got %s, want failed", as[0].State)
				}
				return
			}
			want := tc.next
			if want < 0 {
				want = 250 * time.Millisecond // a quarter of BaseDelay·2^0
			}
			if got := as[0].NextAt.Sub(t0()); got != want {
				t.Errorf("got next attempt after %v, want %v", got, want)
			}
			r.clock.Advance(want)
			if _, err := r.sender.DeliverDue(ctx, r.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if got := s.deliveredTo("incident/1"); got != 1 {
				t.Errorf("got %d deliveries after the retry, want 1", got)
			}
		})
	}
}

// TestRunClaimsNoMoreThanFreeSlots: while every attempt hangs at the
// receiver, Run has claimed as many due alerts as it has slots, and the
// rest stay in the outbox for another sender to claim.
func TestRunClaimsNoMoreThanFreeSlots(t *testing.T) {
	arrived, release := make(chan struct{}, 64), make(chan struct{})
	s := newSink(t, func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	r := newRig(t, map[string]alert.Receiver{"hook": alert.Webhook{URL: s.URL}})
	r.sender.Concurrency, r.sender.PerReceiver, r.sender.Interval = 4, 4, time.Hour
	const due = 40
	for i := range due {
		r.enqueue(t, event(fmt.Sprintf("incident/%d", i)), "hook")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.sender.Run(ctx) }()
	defer func() {
		cancel()
		close(release)
		<-done
	}()
	for range r.sender.Concurrency {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the receiver was not called with every slot")
		}
	}
	left, err := r.db.ClaimAlerts(context.Background(), r.clock.Now(), 100, "other", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := due - r.sender.Concurrency; len(left) != want {
		t.Errorf("another sender could claim %d due alerts while all %d slots hang, want %d: the pass claimed more than it could start",
			len(left), r.sender.Concurrency, want)
	}
}
