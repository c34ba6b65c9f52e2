package monitor

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/pgstore"
)

// halt stops l's loop as a frozen or partitioned process would: no more
// renewals, no release.
func (l *leadership) halt() {
	close(l.stop)
	<-l.done
	l.stop = nil
}

// TestLeadershipHandsOver runs two contenders for the leader lease on one
// PostgreSQL database. One leads, never both at once (sampled while they
// run); when the leader stops renewing it stops acting at its deadline,
// before the other takes the lease with the next epoch and reads the
// store again (onGain); a leader that shuts down releases the lease and
// the other takes it.
func TestLeadershipHandsOver(t *testing.T) {
	url := pgtest.NewDatabase(t)
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const ttl, renew = 1500 * time.Millisecond, 300 * time.Millisecond
	var gained [2]atomic.Int32
	var ls [2]*leadership
	for i := range ls {
		ls[i] = newLeadership(st, ttl, renew, slog.New(slog.DiscardHandler))
		ls[i].onGain = func(context.Context) error { gained[i].Add(1); return nil }
		ls[i].start()
	}
	defer func() {
		for _, l := range ls {
			if l.stop != nil {
				l.stopLoop(context.Background())
			}
		}
	}()
	leader := func() int {
		a, b := ls[0].IsLeader(), ls[1].IsLeader()
		switch {
		case a && b:
			t.Fatal("both lead")
		case a:
			return 0
		case b:
			return 1
		}
		return -1
	}
	testkit.Eventually(t, "a leader", 5*time.Second, func() bool { return leader() >= 0 })
	first := leader()
	for range 40 { // two renewal rounds and more: still one leader, the same
		if got := leader(); got != first {
			t.Fatalf("leader %d became %d while both renewed", first, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, epoch, _ := ls[first].state()
	lctx, _ := ls[first].leading()

	ls[first].halt()
	other := 1 - first
	testkit.Eventually(t, "the other leads", 10*time.Second, func() bool {
		// Every sample: while the other leads, the halted one does not.
		return leader() == other
	})
	if lctx.Err() == nil {
		t.Error("the halted leader's work context was not cancelled")
	}
	if _, e, _ := ls[other].state(); e != epoch+1 {
		t.Errorf("epoch %d after the handover, want %d", e, epoch+1)
	}
	testkit.Eventually(t, "onGain on the new leader", 5*time.Second, func() bool { return gained[other].Load() == 1 })

	// A leader that stops releases: the halted one, started again, takes
	// over from the other once it shuts down.
	ls[first].start()
	time.Sleep(2 * renew)
	if leader() != other {
		t.Fatal("a new contender took the lease from a live leader")
	}
	ls[other].stopLoop(context.Background())
	testkit.Eventually(t, "the first leads again", 5*time.Second, func() bool { return leader() == first })
	if _, e, _ := ls[first].state(); e != epoch+2 {
		t.Errorf("epoch %d after the release, want %d", e, epoch+2)
	}
}
