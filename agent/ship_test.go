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
