package alert_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/crashtest"
)

// The crash test runs TestKillDuringDeliveryChild in a child process
// (package crashtest) that enqueues alerts and delivers them while the
// parent kills it with SIGKILL at random moments. These variables of the
// child's environment tell it where.
const (
	crashPathEnv  = "SLATE_ALERT_CRASH_PATH"  // database file
	crashURLEnv   = "SLATE_ALERT_CRASH_URL"   // the receiver
	crashStartEnv = "SLATE_ALERT_CRASH_START" // first key number to enqueue
)

// TestKillDuringDeliveryChild is the child of TestKillDuringDelivery; run
// directly, it skips.
func TestKillDuringDeliveryChild(t *testing.T) {
	crashtest.Child(t)
	os.Exit(crashChild(os.Getenv(crashPathEnv), os.Getenv(crashURLEnv), os.Getenv(crashStartEnv)))
}

func crashKey(n int64) string { return fmt.Sprintf("k/%d", n) }

// crashChild enqueues alerts in batches of three, printing "enq N" for
// every key whose batch has committed, while a loop delivers the outbox,
// until it is killed.
func crashChild(path, url, startText string) int {
	start, err := strconv.ParseInt(startText, 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	d, err := db.Open(path, db.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	s, err := alert.NewSender(d, map[string]alert.Receiver{"hook": alert.Webhook{URL: url, Secret: []byte("k")}}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	s.Timeout = 2 * time.Second
	s.BaseDelay = 5 * time.Millisecond
	s.MaxDelay = 20 * time.Millisecond
	ctx := context.Background()
	go func() {
		for {
			if _, err := s.DeliverDue(ctx, time.Now()); err != nil {
				fmt.Fprintln(os.Stderr, "crash child: deliver:", err)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready") // the kill moment counts from here
	out.Flush()
	for n := start; ; n += 3 {
		var as []db.Alert
		for k := n; k < n+3; k++ {
			e := event(crashKey(k))
			e.Time = time.Now()
			batch, err := alert.Alerts(e, []string{"hook"})
			if err != nil {
				fmt.Fprintln(os.Stderr, "crash child:", err)
				return 2
			}
			as = append(as, batch...)
		}
		if err := d.Enqueue(ctx, as); err != nil {
			fmt.Fprintln(os.Stderr, "crash child: enqueue:", err)
			return 2
		}
		for k := n; k < n+3; k++ {
			fmt.Fprintf(out, "enq %d\n", k)
		}
		out.Flush() // an acknowledgement the parent may rely on
		time.Sleep(2 * time.Millisecond)
	}
}

// TestKillDuringDelivery kills the child at random moments, at least 20
// times, then restarts delivery in the parent: every alert whose enqueue was
// acknowledged reaches the receiver at least once, and the receiver, which
// deduplicates by key, has every key.
func TestKillDuringDelivery(t *testing.T) {
	// Every 5th request fails, so some alerts are mid-retry when killed.
	var calls atomic.Int64
	hits := newSink(t, func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		if calls.Add(1)%5 == 0 {
			http.Error(w, "flaky", http.StatusServiceUnavailable)
			return false
		}
		return true
	})
	path := filepath.Join(t.TempDir(), "slate.db")
	acked := map[string]bool{}
	next := int64(0)
	const runs = 20
	crashtest.Run(t, crashtest.Config{
		Child: "TestKillDuringDeliveryChild", Kills: runs, MinWait: 20 * time.Millisecond, MaxWait: 300 * time.Millisecond, AfterFirstLine: true,
		Env: func(int) []string {
			return []string{crashPathEnv + "=" + path, crashURLEnv + "=" + hits.URL, crashStartEnv + "=" + strconv.FormatInt(next, 10)}
		},
		Line: func(_ int, l string) {
			if n, ok := strings.CutPrefix(l, "enq "); ok {
				k, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return // a line cut by the kill
				}
				acked[crashKey(k)] = true
				next = max(next, k+1)
			}
		},
		Check: func(int) { next += 1000 }, // keys of unacknowledged batches are never reused
	})
	t.Logf("%d runs, %d alerts acknowledged", runs, len(acked))
	if len(acked) == 0 {
		t.Fatal("no enqueue was acknowledged")
	}

	// Restart: a new store and sender on the same file deliver the rest.
	d, err := db.Open(path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s, err := alert.NewSender(d, map[string]alert.Receiver{"hook": alert.Webhook{URL: hits.URL, Secret: []byte("k")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Batch = 1000
	ctx := context.Background()
	now := time.Now()
	for range 50 {
		if _, err := s.DeliverDue(ctx, now); err != nil {
			t.Fatal(err)
		}
		if n, err := d.PendingAlerts(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			break
		}
		now = now.Add(11 * time.Minute) // past any backoff
	}
	if n, _ := d.PendingAlerts(ctx); n != 0 {
		t.Fatalf("%d alerts still pending after restart", n)
	}
	dups := 0
	for key := range acked {
		n := hits.deliveredTo(key)
		if n == 0 {
			t.Errorf("%s: acknowledged but never delivered", key)
		}
		if n > 1 {
			dups++
		}
		as, err := d.AlertsByKey(ctx, key)
		if err != nil || len(as) != 1 || as[0].State != db.AlertDelivered {
			t.Errorf("%s: got %+v, %v, want one delivered alert", key, as, err)
		}
	}
	t.Logf("%d keys delivered more than once (killed between answer and record); deduplicated by key", dups)
}
