package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
)

// countingHook is a webhook receiver on 127.0.0.1 that counts the requests
// of each dedup key and notes when each first arrived. Each answer takes a
// little while, so that senders running together overlap.
type countingHook struct {
	*httptest.Server
	mu    sync.Mutex
	got   map[string]int
	first map[string]time.Time
}

func newCountingHook(t *testing.T) *countingHook {
	h := &countingHook{got: map[string]int{}, first: map[string]time.Time{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var e struct {
			DedupKey string `json:"dedup_key"`
		}
		if err != nil || json.Unmarshal(body, &e) != nil || e.DedupKey == "" {
			http.Error(w, "no dedup key", http.StatusBadRequest)
			return
		}
		time.Sleep(2 * time.Millisecond)
		h.mu.Lock()
		h.got[e.DedupKey]++
		if h.got[e.DedupKey] == 1 {
			h.first[e.DedupKey] = time.Now()
		}
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *countingHook) counts() (map[string]int, map[string]time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	got, first := map[string]int{}, map[string]time.Time{}
	for k, n := range h.got {
		got[k], first[k] = n, h.first[k]
	}
	return got, first
}

// enqueueHookAlerts enqueues n alerts of distinct keys for receiver hook.
func enqueueHookAlerts(t *testing.T, s *pgstore.Store, prefix string, n int) []string {
	t.Helper()
	var as []store.Alert
	var keys []string
	for i := range n {
		key := fmt.Sprintf("%s/%d", prefix, i)
		batch, err := alert.Alerts(alert.Event{DedupKey: key, Kind: alert.KindTrigger, Title: "Web shop down", Service: "web",
			Severity: alert.SeverityCritical, Time: time.Now()}, []string{"hook"})
		if err != nil {
			t.Fatal(err)
		}
		as, keys = append(as, batch...), append(keys, key)
	}
	if err := s.Enqueue(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	return keys
}

// runSenders runs a sender on each store until every key has arrived at
// hook or the time runs out, then stops them.
func runSenders(t *testing.T, hook *countingHook, keys []string, stores ...*pgstore.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i, st := range stores {
		snd, err := alert.NewSender(st, map[string]alert.Receiver{"hook": alert.Webhook{URL: hook.URL}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		snd.Claimant, snd.Interval, snd.Batch = fmt.Sprintf("replica-%d", i), 10*time.Millisecond, 7
		snd.Timeout, snd.Hold = 2*time.Second, 3*time.Second
		wg.Go(func() { snd.Run(ctx) }) //nolint:errcheck // ends with ctx
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if got, _ := hook.counts(); len(got) == len(keys) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a second request of a key would come now
	cancel()
	wg.Wait()
}

// TestTwoSendersDeliverEachAlertOnce runs two senders, as two replicas
// that both believe they lead would, on two connections to one database:
// the claims they take keep them from sending an alert both, so the
// receiver gets every alert exactly once and the outbox records each as
// delivered.
func TestTwoSendersDeliverEachAlertOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	var stores []*pgstore.Store
	for range 2 {
		s, err := pgstore.Open(context.Background(), url, pgstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	hook := newCountingHook(t)
	keys := enqueueHookAlerts(t, stores[0], "incident", 150)
	runSenders(t, hook, keys, stores...)
	got, _ := hook.counts()
	for _, k := range keys {
		if got[k] != 1 {
			t.Errorf("alert %s arrived %d times, want once", k, got[k])
		}
	}
	if n, err := stores[1].PendingAlerts(context.Background()); err != nil || n != 0 {
		t.Errorf("pending alerts after delivery: %d, %v; want 0", n, err)
	}
}

// TestClaimOfDeadSenderLapses: alerts claimed by a sender that died (it
// claimed them and never attempted or released them) are left alone until
// the claim lapses, and then another sender delivers them.
func TestClaimOfDeadSenderLapses(t *testing.T) {
	s, err := pgstore.Open(context.Background(), pgtest.NewDatabase(t), pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hook := newCountingHook(t)
	keys := enqueueHookAlerts(t, s, "incident", 5)
	const hold = 2 * time.Second
	claimed := time.Now()
	dead, err := s.ClaimAlerts(context.Background(), claimed, 3, "dead", hold)
	if err != nil || len(dead) != 3 {
		t.Fatalf("claim: %v, %v; want 3 alerts", dead, err)
	}
	runSenders(t, hook, keys, s)
	got, first := hook.counts()
	for _, a := range dead {
		k := alertKey(t, a)
		if got[k] != 1 {
			t.Errorf("alert %s of the dead sender arrived %d times, want once", k, got[k])
		}
		if at := first[k]; at.Before(claimed.Add(hold)) {
			t.Errorf("alert %s arrived %v after the dead sender's claim, before it lapsed (%v)", k, at.Sub(claimed), hold)
		}
	}
	if len(got) != len(keys) {
		t.Errorf("%d of %d alerts arrived", len(got), len(keys))
	}
}

func alertKey(t *testing.T, a store.Alert) string {
	t.Helper()
	var e struct {
		DedupKey string `json:"dedup_key"`
	}
	if err := json.Unmarshal(a.Payload, &e); err != nil {
		t.Fatal(err)
	}
	return e.DedupKey
}
