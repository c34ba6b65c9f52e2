package agent_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/netproxy"
	"github.com/slatehq/slate/sla"
)

// partitionEnv lengthens the partition of TestPartitionDrainsToTheSameEvidence
// (a Go duration; default 3m).
const partitionEnv = "SLATE_TEST_PARTITION"

// slotTarget answers each probe run of a check the same, whichever agent
// sends it: the first request of a check within half an interval of
// another is answered as that one was, and each new one fails when
// fail(n) holds for the number n of runs the check had. Two agents that
// probe a check at the same phase (the phase is a hash of the check's ID)
// so see the same outcomes.
type slotTarget struct {
	mu       sync.Mutex
	interval time.Duration
	last     map[string]slot
	fail     func(n int) bool
}

type slot struct {
	at   time.Time
	n    int
	fail bool
}

func (s *slotTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	sl, ok := s.last[r.URL.Path]
	if !ok || now.Sub(sl.at) > s.interval/2 {
		sl = slot{at: now, n: sl.n + 1}
		sl.fail = s.fail(sl.n)
		s.last[r.URL.Path] = sl
	}
	s.mu.Unlock()
	if sl.fail {
		http.Error(w, "scripted failure", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok"))
}

const partitionConfig = `storage: {path: %q}
collector: {location: off}
locations: [east]
services: [{id: web}]
checks:
  - {id: a, service: web, kind: http, target: "TARGET/a", interval: 2s, timeout: 1s}
  - {id: b, service: web, kind: http, target: "TARGET/b", interval: 3s, timeout: 1s}
`

// TestPartitionDrainsToTheSameEvidence runs two servers, each with an
// agent process for location east, probing the same target, which
// answers both agents' runs alike (failing in streaks). One agent reaches
// its server through a proxy that is cut for three minutes (longer with
// $SLATE_TEST_PARTITION) while the target stays reachable; the other, the
// control, is never cut. During the cut the server stores nothing from
// east; after healing the agent drains its spool, and every whole minute
// both agents probed throughout holds the same evidence on both servers:
// the same runs passed and failed, in the same order.
func TestPartitionDrainsToTheSameEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about five minutes of real time; skipped with -short")
	}
	t.Parallel()
	cut := 3 * time.Minute
	if v := os.Getenv(partitionEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			t.Fatalf("$%s: want a duration of at least 1m, got %q", partitionEnv, v)
		}
		cut = d
	}
	tgt := httptest.NewServer(&slotTarget{interval: 2 * time.Second, last: map[string]slot{},
		fail: func(n int) bool { return n%10 >= 7 }})
	t.Cleanup(tgt.Close)
	cfg := strings.ReplaceAll(partitionConfig, "TARGET", tgt.URL)
	control, cutOff := startServer(t, cfg), startServer(t, cfg)
	p, err := netproxy.Start(strings.TrimPrefix(cutOff.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	startAgent(t, control.base, control.agentToken(t, "east"), t.TempDir())
	startAgent(t, "http://"+p.Addr(), cutOff.agentToken(t, "east"), t.TempDir())
	waitFor(t, 30*time.Second, "both agents reporting", func() bool {
		return len(storedKeys(t, control, "a", "east")) > 0 && len(storedKeys(t, cutOff, "a", "east")) > 0
	})
	// The first whole minute after both report; the cut begins 5 s into
	// it, so that the minutes compared hold runs before, during and after
	// the cut.
	first := time.Now().Truncate(time.Minute).Add(time.Minute)
	sleepUntil(first.Add(5 * time.Second))
	p.Cut()
	cutAt := time.Now()
	before := len(storedKeys(t, cutOff, "a", "east"))
	sleepUntil(cutAt.Add(cut))
	if got := len(storedKeys(t, cutOff, "a", "east")); got != before {
		t.Errorf("the server stored %d results of a from east during the cut; want none", got-before)
	}
	p.Heal()
	healed := time.Now()
	waitFor(t, 2*time.Minute, "the cut-off agent's spool drained", func() bool {
		keys := storedKeys(t, cutOff, "a", "east")
		for k := range keys {
			if atOfKey(t, k).After(healed) {
				return true // shipped oldest first: all before it are in
			}
		}
		return false
	})
	t.Logf("cut for %s; drained %s after healing", cut.Round(time.Second), time.Since(healed).Round(time.Millisecond))
	// The minute after the heal completes, then both stop together.
	last := time.Now().Truncate(time.Minute).Add(time.Minute)
	sleepUntil(last.Add(5 * time.Second))
	waitFor(t, 30*time.Second, "both servers complete through the last minute", func() bool {
		return storedThrough(t, control, last) && storedThrough(t, cutOff, last)
	})
	compareEvidence(t, control, cutOff, first, last, cutAt)
}

// compareEvidence checks that both servers hold the same minutes of east
// for every check over [from, to), and that the cut's minutes are among
// them.
func compareEvidence(t *testing.T, control, cutOff *server, from, to, cutAt time.Time) {
	t.Helper()
	ctx := context.Background()
	minutes := int(to.Sub(from) / time.Minute)
	if cutMinute := int(cutAt.Sub(from) / time.Minute); cutMinute >= minutes {
		t.Fatalf("the cut's minute is not among the %d compared", minutes)
	}
	failed := 0
	for _, check := range []string{"a", "b"} {
		hc, err := control.db.MinuteHistory(ctx, check, from, to)
		if err != nil {
			t.Fatal(err)
		}
		hp, err := cutOff.db.MinuteHistory(ctx, check, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for i := range minutes {
			c, p := eastMinute(hc, i), eastMinute(hp, i)
			if c.OK+c.Fail == 0 {
				t.Errorf("%s, minute %s: no runs in the control; the comparison would prove nothing", check, from.Add(time.Duration(i)*time.Minute).Format("15:04"))
			}
			failed += int(c.Fail)
			if c != p {
				t.Errorf("%s, minute %s: control %+v, after the partition %+v", check, from.Add(time.Duration(i)*time.Minute).Format("15:04"), c, p)
			}
		}
	}
	if failed == 0 {
		t.Error("no failed run in the minutes compared; the target's streaks did not show")
	}
	t.Logf("%d minutes of 2 checks compared (%s to %s), %d failed runs among them", minutes, from.Format("15:04"), to.Format("15:04"), failed)
}

func eastMinute(h sla.MinuteHistory, i int) sla.LocationMinute {
	for j, loc := range h.Locations {
		if loc == "east" && i < len(h.Minutes) {
			return h.Minutes[i][j]
		}
	}
	return sla.LocationMinute{}
}

// storedThrough says whether s stored results of east for both checks at
// or after at.
func storedThrough(t *testing.T, s *server, at time.Time) bool {
	for _, check := range []string{"a", "b"} {
		through := false
		for k := range storedKeys(t, s, check, "east") {
			through = through || !atOfKey(t, k).Before(at)
		}
		if !through {
			return false
		}
	}
	return true
}

func sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }
