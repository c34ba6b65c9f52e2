package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/crashtest"
	"github.com/slatehq/slate/sla"
)

// The restart test's script, in the fast clock's time: slate starts at
// restartBase; the target fails from minute 3 to minute 6; the fast clock
// runs restartSpeed times real time, so a minute passes in three seconds
// and a restart (a new process opening the store) takes a few seconds of
// it.
var restartBase = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

const (
	restartSpeed    = 20
	restartOutageAt = 3 * time.Minute
	restartUpAt     = 6 * time.Minute
	restartEvery    = 10 * time.Second // the check's interval
)

// Environment of the restart test's child: the configuration and the wall
// clock instant at which the fast clock read restartBase.
const (
	restartConfigEnv = "SLATE_RESTART_CONFIG"
	restartEpochEnv  = "SLATE_RESTART_EPOCH"
)

// fastClock is the restart test's clock: restartBase at the wall clock's
// epoch, running restartSpeed times faster.
func fastClock(epoch time.Time) func() time.Time {
	return func() time.Time { return restartBase.Add(time.Since(epoch) * restartSpeed) }
}

// TestRestartsKeepIncidentsOnTheScript kills slate with SIGKILL six times,
// every 6.3 s of real time (2.1 minutes of its fast clock), and starts it
// again at once: so it dies before the outage, inside it (minute 4),
// inside the five-minute recovery hold twice (minutes 6 and 8, the second
// time with minutes of the hold judged), at its end (minute 10) and after
// it (minute 12); the last one finishes. One incident
// results, from minute 3 to minute 6 as scripted, the breach minutes of
// its impact equal the script's three, and the receiver was paged for it
// once and told once that it resolved.
func TestRestartsKeepIncidentsOnTheScript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	epoch := time.Now()
	now := fastClock(epoch)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if at := now().Sub(restartBase); at >= restartOutageAt && at < restartUpAt {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}
	}))
	defer target.Close()
	var mu sync.Mutex
	var got []alert.Event
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var e alert.Event
		json.Unmarshal(body, &e)
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
	}))
	defer hook.Close()
	path := filepath.Join(dir, "slate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, `storage: {path: %q}
server: {listen: "127.0.0.1:0"}
backup: {dir: "off"}
locations: [local, remote]
tenants: [{id: acme}]
services: [{id: web}]
checks: [{id: web, service: web, kind: http, target: %q, interval: %s, locations: [remote]}]
contracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}]
alerting:
  receivers: [{name: hook, kind: webhook, url: %q, secret: %q}]
  routes: [{receiver: hook}]
`, filepath.Join(dir, "slate.db"), target.URL, restartEvery, hook.URL, hookSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	crashtest.Run(t, crashtest.Config{
		Child: "TestRestartChild", Kills: 6, MinWait: 6300 * time.Millisecond, MaxWait: 6300 * time.Millisecond,
		Env: func(int) []string {
			return []string{restartConfigEnv + "=" + path, restartEpochEnv + "=" + strconv.FormatInt(epoch.UnixNano(), 10)}
		},
		Check: func(k int) { t.Logf("kill %d at %s of the fast clock", k+1, now().Format("15:04:05")) },
	})
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(cfg.Storage.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	incs, err := store.Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 {
		t.Fatalf("%d incidents, want 1: %+v", len(incs), incs)
	}
	inc := incs[0]
	if !inc.Started.Equal(restartBase.Add(restartOutageAt)) || !inc.Ended.Equal(restartBase.Add(restartUpAt)) || inc.Open() {
		t.Errorf("incident from %v to %v (%s), want %v to %v, resolved", inc.Started, inc.Ended, inc.Status,
			restartBase.Add(restartOutageAt), restartBase.Add(restartUpAt))
	}
	impact := credit.Impact(ctx, store, &cfg.Catalog, inc.Incident, inc.Tenants, now())
	if len(impact) != 1 || impact[0].BreachMinutes != "3" {
		t.Errorf("impact %+v, want 3 breach minutes for acme", impact)
	}
	mu.Lock()
	defer mu.Unlock()
	triggers, resolves := map[string]int{}, map[string]int{}
	for _, e := range got {
		switch e.Kind {
		case alert.KindTrigger:
			triggers[e.DedupKey]++
		case alert.KindResolve:
			resolves[e.DedupKey]++
		}
	}
	pid, err := IncidentPublicID(ctx, store, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	key := "incident/" + pid
	// Delivery is at least once: a kill between the receiver's answer and
	// the record may send one again, under the same key.
	if len(triggers) != 1 || triggers[key] == 0 || len(resolves) != 1 || resolves[key] == 0 {
		t.Errorf("pages %v and resolves %v, want one incident paged and resolved (%s)", triggers, resolves, key)
	}
}

// TestRestartChild is the slate that TestRestartsKeepIncidentsOnTheScript
// kills: the monitor on the fast clock, detecting every 20 ms, and, as
// the collector of the check's location, a loop that probes the target
// every 10 s of that clock and writes the results through the monitor's
// store. It runs until it is killed.
func TestRestartChild(t *testing.T) {
	crashtest.Child(t)
	ns, err := strconv.ParseInt(os.Getenv(restartEpochEnv), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	now := fastClock(time.Unix(0, ns))
	cfg, err := config.Load(os.Getenv(restartConfigEnv))
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := OpenSQLite(cfg, Options{Now: now, DetectEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(l); err != nil {
		t.Fatal(err)
	}
	fmt.Println("started")
	probe, err := collector.NewProbe(cfg.Probes[0], collector.Env{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for next := now().Truncate(restartEvery).Add(restartEvery); ; next = next.Add(restartEvery) {
		time.Sleep(next.Sub(now()) / restartSpeed)
		at := now()
		out := probe.Probe(ctx)
		r := sla.Result{CheckID: "web", Location: "remote", At: at, OK: out.OK, Latency: out.Latency, Class: out.Class, Detail: out.Detail}
		if err := m.Store().WriteResults(ctx, []sla.Result{r}); err != nil {
			t.Error(err)
		}
	}
}
