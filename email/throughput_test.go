package email

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/smtptest"
)

// sendAll sends msgs from workers goroutines and returns how long it took.
func sendAll(t testing.TB, s *Sender, msgs []*Message, workers int) time.Duration {
	t.Helper()
	work := make(chan *Message)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				if err := s.Send(context.Background(), m); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, m := range msgs {
		work <- m
	}
	close(work)
	wg.Wait()
	took := time.Since(start)
	if len(failed) > 0 {
		t.Fatalf("%d sends failed, first: %v", len(failed), failed[0])
	}
	return took
}

func composeMany(t testing.TB, n int) ([]*Message, time.Duration) {
	c := NewComposer()
	start := time.Now()
	msgs := make([]*Message, n)
	for i := range msgs {
		e := envelope(fmt.Sprintf("incident/9/update/4/subscriber-%d", i))
		e.To = fmt.Sprintf("subscriber-%d@example.com", i)
		e.ThreadKey = "incident/9"
		m, err := c.NewIncidentUpdate(e, IncidentUpdate{Provider: "Nordlicht Cloud", Title: "Mail delayed", Status: "monitoring",
			Body: "Queues are draining; delivery is back to normal for most mailboxes.", Services: []string{"Hosted mail"},
			At: testDate, Location: time.UTC, URL: "https://status.nordlicht.example/incidents/9", Why: "You subscribed to Hosted mail."})
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = m
	}
	return msgs, time.Since(start)
}

// TestSendTenThousand sends one incident update to 10,000 subscribers
// through a real SMTP server on 127.0.0.1: every message arrives once,
// with its own Message-ID, over at most Concurrency connections. The
// rates are logged (go test -v -run TestSendTenThousand ./email); they
// are figures, not assertions: the machine is shared.
func TestSendTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 10,000 messages")
	}
	const n, concurrency = 10_000, 4
	srv := smtptest.New(t, smtptest.Options{})
	s := sender(t, srv, Config{Security: SecurityNone, Concurrency: concurrency})
	msgs, composeTook := composeMany(t, n)
	took := sendAll(t, s, msgs, 16)
	got := srv.Wait(n, 30*time.Second)
	total, peak := srv.Sessions()
	t.Logf("composed %d messages in %v (%.0f/s); sent them in %v (%.0f/s) over %d connections, at most %d at once",
		n, composeTook.Round(time.Millisecond), float64(n)/composeTook.Seconds(), took.Round(time.Millisecond), float64(n)/took.Seconds(), total, peak)
	if len(got) != n {
		t.Fatalf("server has %d messages, want %d", len(got), n)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[m.MessageID] = true
	}
	if len(ids) != n {
		t.Errorf("%d distinct Message-IDs, want %d", len(ids), n)
	}
	if peak > concurrency || total > concurrency {
		t.Errorf("connections: %d in all, %d at once; want at most %d", total, peak, concurrency)
	}
}

// TestSendTenThousandAtACap sends 10,000 messages with PerSecond set to
// 1,000, well below what the uncapped run achieves here (about 2,700/s):
// the run cannot end sooner than the cap allows, and the log shows how
// close to the cap it came.
func TestSendTenThousandAtACap(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 10,000 messages")
	}
	const n, perSecond, concurrency = 10_000, 1_000, 4
	srv := smtptest.New(t, smtptest.Options{})
	s := sender(t, srv, Config{Security: SecurityNone, Concurrency: concurrency, PerSecond: perSecond})
	msgs, _ := composeMany(t, n)
	took := sendAll(t, s, msgs, 16)
	floor := time.Duration(n-concurrency) * time.Second / perSecond
	t.Logf("sent %d messages in %v at a cap of %d/s: %.0f/s, %.3f of the cap", n, took.Round(time.Millisecond), perSecond,
		float64(n)/took.Seconds(), float64(n)/took.Seconds()/perSecond)
	if took < floor {
		t.Errorf("took %v, less than the cap allows (%v)", took, floor)
	}
	if got := len(srv.Wait(n, 30*time.Second)); got != n {
		t.Errorf("server has %d messages, want %d", got, n)
	}
}

// BenchmarkSend measures messages per second through one Sender to the
// local test server, for each concurrency:
//
//	go test -run '^$' -bench 'Send$' -benchtime 10000x ./email
func BenchmarkSend(b *testing.B) { benchSend(b, 0) }

// BenchmarkSendSlowServer is BenchmarkSend against a server that takes 5 ms
// to accept each message: throughput follows the server's pace times the
// connections, which is what Concurrency is for.
//
//	go test -run '^$' -bench SendSlowServer -benchtime 2000x ./email
func BenchmarkSendSlowServer(b *testing.B) { benchSend(b, 5*time.Millisecond) }

func benchSend(b *testing.B, latency time.Duration) {
	for _, concurrency := range []int{1, 4, 16} {
		b.Run(fmt.Sprint("concurrency=", concurrency), func(b *testing.B) {
			srv := smtptest.New(b, smtptest.Options{Latency: latency})
			s := sender(b, srv, Config{Security: SecurityNone, Concurrency: concurrency})
			msgs, _ := composeMany(b, b.N)
			b.ResetTimer()
			took := sendAll(b, s, msgs, 4*concurrency)
			b.ReportMetric(float64(b.N)/took.Seconds(), "msgs/s")
		})
	}
}
