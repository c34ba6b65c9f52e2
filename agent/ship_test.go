package agent

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/collector"
)

// fakeServer is a server of the agent protocol on 127.0.0.1 that answers
// every request with its clock, keeps the sizes of the batches posted and
// the If-None-Match of the check list requests, and answers those with
// list.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	batches []int    // results in each batch posted
	ifNone  []string // If-None-Match of each check list request
	list    []byte
}

func startFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(wire.HeaderServerTime, strconv.FormatInt(time.Now().UnixMilli(), 10))
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.URL.Path {
		case wire.ResultsPath:
			raw, _ := io.ReadAll(r.Body)
			var b wire.Batch
			if err := json.Unmarshal(raw, &b); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			f.batches = append(f.batches, len(b.Results))
			w.Write([]byte(`{}`))
		case wire.ChecksPath:
			f.ifNone = append(f.ifNone, r.Header.Get("If-None-Match"))
			w.Write(f.list)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) posted() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.batches...)
}

// newTestAgent is an agent on a fresh spool reaching base, set up as Run
// sets it up, without running its loops.
func newTestAgent(t *testing.T, base string) *Agent {
	t.Helper()
	a, err := New(t.TempDir(), 0, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	a.Servers, a.Token = []string{base}, "token"
	a.defaults()
	a.epochWall, a.epochMono = a.Now().Round(0), time.Now()
	return a
}

// TestShipBeforeTheClockIsMeasuredReadsNoSpool: until the agent has
// measured its clock, a ship round does not read the spool (a spool that
// can no longer be read fails no round) and sends at most the empty batch
// that measures the clock, even with checked results spooled; once the
// clock is measured, the next round reads the spool and ships them.
func TestShipBeforeTheClockIsMeasuredReadsNoSpool(t *testing.T) {
	ctx := context.Background()
	f := startFakeServer(t)

	t.Run("closed spool", func(t *testing.T) {
		a := newTestAgent(t, f.URL)
		if err := a.spool.Close(); err != nil { // every read fails from now on
			t.Fatal(err)
		}
		for _, idle := range []bool{false, true} {
			if _, _, err := a.shipOnce(ctx, idle); err != nil {
				t.Fatalf("ship round (idle %v) before the clock was measured: %v; it read the spool", idle, err)
			}
		}
		if !a.measured {
			t.Fatal("the idle round did not measure the clock")
		}
		if _, _, err := a.shipOnce(ctx, false); err == nil {
			t.Fatal("a round after the measurement read a closed spool without error: the test proves nothing")
		}
	})

	t.Run("checked results spooled", func(t *testing.T) {
		a := newTestAgent(t, f.URL)
		t.Cleanup(func() { a.spool.Close() })
		if err := a.spool.WriteResults(ctx, results(time.Now().Add(-time.Minute), 10)); err != nil {
			t.Fatal(err)
		}
		before := len(f.posted())
		if n, asked, err := a.shipOnce(ctx, false); n != 0 || asked || err != nil {
			t.Errorf("busy round before the clock was measured = %d, %v, %v; want 0, false, nil", n, asked, err)
		}
		if n, asked, err := a.shipOnce(ctx, true); n != 0 || !asked || err != nil {
			t.Errorf("idle round before the clock was measured = %d, %v, %v; want 0, true, nil", n, asked, err)
		}
		if got := f.posted()[before:]; len(got) != 1 || got[0] != 0 {
			t.Errorf("batches posted before the clock was measured: %v; want one empty batch", got)
		}
		if n, _, err := a.shipOnce(ctx, false); n != 10 || err != nil {
			t.Errorf("round after the clock was measured shipped %d (%v); want the 10 spooled", n, err)
		}
	})
}

// TestCheckListOfAnotherLocationChangesNothing: a check list naming
// another location than the agent's is refused and leaves the location,
// the generation and the hold after a clock step as they were, so that
// the next fetch still asks for the list the agent runs (If-None-Match
// names its generation, not the refused one).
func TestCheckListOfAnotherLocationChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := startFakeServer(t)
	a := newTestAgent(t, f.URL)
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.sched.Stop(stop)
		a.spool.Close()
	})
	if err := a.apply(wire.CheckList{Location: "east", Generation: "g1"}); err != nil {
		t.Fatal(err)
	}
	hold := a.stepHold
	other := wire.CheckList{Location: "west", Generation: "g2", Checks: []collector.Check{
		{ID: "slow", Kind: collector.KindTCP, Target: "127.0.0.1:1", Interval: time.Hour, Timeout: 10 * time.Minute},
	}}
	raw, err := json.Marshal(other)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.list = raw
	f.mu.Unlock()
	for range 2 {
		if err := a.fetch(ctx); err == nil || !strings.Contains(err.Error(), "location west, not east") {
			t.Fatalf("fetch of a list of another location: %v; want it refused", err)
		}
	}
	if a.location != "east" || a.gen != "g1" || a.stepHold != hold {
		t.Errorf("after the refusal: location %q, generation %q, step hold %s; want east, g1, %s", a.location, a.gen, a.stepHold, hold)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, h := range f.ifNone {
		if h != `"g1"` {
			t.Errorf("check list request %d sent If-None-Match %s; want \"g1\", the generation run", i+1, h)
		}
	}
}
