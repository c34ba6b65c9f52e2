package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
)

// t0 is the fake clock's start.
func t0() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// lockedRand is a seeded, deterministic random source safe for the
// sender's concurrent attempts.
func lockedRand(seed uint64) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	}
}

// behaviour decides what a test receiver does with the n-th request
// (1-based) for a dedup key: true to answer 2xx.
type behaviour func(w http.ResponseWriter, r *http.Request, n int) bool

// sink is a receiver on 127.0.0.1 that counts requests and successful
// deliveries by dedup key.
type sink struct {
	*httptest.Server
	mu        sync.Mutex
	requests  map[string]int
	delivered map[string]int
	firstOK   map[string]time.Time // real time of the first 2xx per key
}

func newSink(t *testing.T, b behaviour) *sink {
	t.Helper()
	s := &sink{requests: map[string]int{}, delivered: map[string]int{}, firstOK: map[string]time.Time{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		var v struct {
			DedupKey string `json:"dedup_key"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.DedupKey == "" {
			http.Error(w, "no dedup key", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.requests[v.DedupKey]++
		n := s.requests[v.DedupKey]
		s.mu.Unlock()
		if b != nil && !b(w, r, n) {
			return
		}
		s.mu.Lock()
		s.delivered[v.DedupKey]++
		if _, ok := s.firstOK[v.DedupKey]; !ok {
			s.firstOK[v.DedupKey] = time.Now()
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) deliveredTo(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered[key]
}

// failFirst answers 500 to the first k requests of each key.
func failFirst(k int) behaviour {
	return func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n <= k {
			http.Error(w, "boom", http.StatusInternalServerError)
			return false
		}
		return true
	}
}

// resetFirst resets the connection of the first k requests of each key.
func resetFirst(k int) behaviour {
	return func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n > k {
			return true
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST, not FIN
			}
			conn.Close()
		}
		return false
	}
}

// throttleFirst answers 429 with Retry-After: sec to the first request of
// each key.
func throttleFirst(sec string) behaviour {
	return func(w http.ResponseWriter, _ *http.Request, n int) bool {
		if n == 1 {
			w.Header().Set("Retry-After", sec)
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return false
		}
		return true
	}
}

// hangFirst never answers the first request of each key: it waits until
// the client gives up.
func hangFirst() behaviour {
	return func(_ http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			<-r.Context().Done()
			return false
		}
		return true
	}
}

// reject answers 400 to everything.
func reject() behaviour {
	return func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return false
	}
}

// event returns a trigger event for key.
func event(key string) alert.Event {
	return alert.Event{
		DedupKey: key, Kind: alert.KindTrigger, Title: "Hosted mail: critical outage, investigating", Severity: alert.SeverityCritical,
		Service: "mail", ServiceName: "Hosted mail", Incident: "k3q7x2m9pa4z", Tenant: "acme", Status: "investigating", Body: "IMAP and SMTP fail from 3 of 3 locations.",
		URL: "https://status.example.com/incidents/k3q7x2m9pa4z", Time: t0(),
	}
}

// rig is a store, a sender on a fake clock and a metrics registry.
type rig struct {
	db     *db.DB
	sender *alert.Sender
	clock  *clock
	reg    *prometheus.Registry
}

func newRig(t *testing.T, receivers map[string]alert.Receiver) *rig {
	t.Helper()
	clk := newClock()
	d := dbtest.OpenOptions(t, db.Options{Now: clk.Now})
	reg := prometheus.NewRegistry()
	s, err := alert.NewSender(d, receivers, reg)
	if err != nil {
		t.Fatal(err)
	}
	s.Now = clk.Now
	s.Rand = lockedRand(1)
	return &rig{db: d, sender: s, clock: clk, reg: reg}
}

func (r *rig) enqueue(t *testing.T, e alert.Event, receivers ...string) {
	t.Helper()
	as, err := alert.Alerts(e, receivers)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.Enqueue(context.Background(), as); err != nil {
		t.Fatal(err)
	}
}

// drain runs passes, moving the clock past the longest backoff between
// them, until nothing is pending or rounds run out; it returns the passes.
func (r *rig) drain(t *testing.T, rounds int, step time.Duration) int {
	t.Helper()
	ctx := context.Background()
	for i := range rounds {
		if _, err := r.sender.DeliverDue(ctx, r.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n, err := r.db.PendingAlerts(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			return i + 1
		}
		r.clock.Advance(step)
	}
	t.Fatalf("alerts still pending after %d passes", rounds)
	return rounds
}

// metric returns the value of the series of name whose labels include
// labels (name=value pairs), summed over the series that match.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum
}
