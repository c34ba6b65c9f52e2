package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/pgstore"
)

// envReplicaConfig, in a child of the test binary, is the configuration
// the child serves: the child is slate serve, a replica the test kills.
const envReplicaConfig = "SLATE_TEST_REPLICA_CONFIG"

// runReplicaChild runs slate serve when the test binary was started as a
// replica, and reports whether it was.
func runReplicaChild() (int, bool) {
	path := os.Getenv(envReplicaConfig)
	if path == "" {
		return 0, false
	}
	return run([]string{"serve", "--config", path}, os.Stdin, os.Stdout, os.Stderr), true
}

const replicaHookSecret = "a-long-shared-secret-for-replicas"

// writePGConfig writes a configuration on the PostgreSQL database at url:
// a service web checked every second against target, alerts to hook, no
// backups, leases of ttl renewed every renew. Both listeners take a free
// loopback port.
func writePGConfig(t *testing.T, url, target, hook string, ttl, renew time.Duration) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	yaml := fmt.Sprintf(`storage: {url: %q, lease_ttl: %s, lease_renew: %s}
server: {listen: "127.0.0.1:0", metrics_listen: "127.0.0.1:0"}
backup: {dir: "off"}
services: [{id: web, name: Web shop}]
checks:
  - {id: web, service: web, kind: http, target: %q, interval: 1s, timeout: 900ms}
alerting:
  receivers: [{name: hook, kind: webhook, url: %q, secret: %q}]
  routes: [{receiver: hook}]
`, url, ttl, renew, target, hook, replicaHookSecret)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// okTarget is a probe target on 127.0.0.1 that answers 200.
func okTarget(t testing.TB) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(s.Close)
	return s.URL
}

// metricValue reads one unlabelled gauge from a /metrics page; -1 when it
// is absent or the page cannot be read.
func metricValue(base, name string) float64 {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

// quietGet is GET without failing the test: the status (0 when the
// request failed) and body.
func quietGet(url string) (int, string) {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var (
	servingRe = regexp.MustCompile(`msg=serving addr=(127\.0\.0\.1:\d+)`)
	metricsRe = regexp.MustCompile(`msg="serving metrics" addr=(127\.0\.0\.1:\d+)`)
)

// addresses finds the page and metrics base URLs in slate serve's log.
func addresses(log string) (base, metrics string, ok bool) {
	m, mm := servingRe.FindStringSubmatch(log), metricsRe.FindStringSubmatch(log)
	if m == nil || mm == nil {
		return "", "", false
	}
	return "http://" + m[1], "http://" + mm[1], true
}

// served is slate serve's loop running in the test's process.
type served struct {
	base, metrics string
	log           *testkit.SyncBuffer
	sigs          chan os.Signal
	done          chan int // its exit status
}

// startServe runs slate serve's loop on the configuration at cfgPath and
// waits until it serves.
func startServe(t *testing.T, cfgPath string) served {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	sv := served{log: &testkit.SyncBuffer{}, sigs: make(chan os.Signal, 1), done: make(chan int, 1)}
	go func() {
		sv.done <- serve(cfg, cfgPath, 10*time.Second, slog.New(slog.NewTextHandler(sv.log, nil)), sv.sigs)
	}()
	testkit.Eventually(t, "serving", 30*time.Second, func() bool {
		var ok bool
		sv.base, sv.metrics, ok = addresses(sv.log.String())
		return ok
	})
	return sv
}

// TestServeOnPostgres runs slate serve with storage.url naming a
// PostgreSQL database: it probes a target on 127.0.0.1, serves the status
// page and /readyz, leads (the only replica), shows database health on
// /metrics, names the store without its password in its log, and on
// SIGTERM has written every result to PostgreSQL.
func TestServeOnPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	cfgPath := writePGConfig(t, url, okTarget(t), "http://127.0.0.1:1/", 3*time.Second, time.Second)
	sv := startServe(t, cfgPath)
	base, metrics, logs, sigs, done := sv.base, sv.metrics, sv.log, sv.sigs, sv.done
	if code, body := testkit.Get(t, base+"/readyz"); code != http.StatusOK || !strings.Contains(body, "leader: yes (epoch 1, lease renewed") || !strings.Contains(body, "database: up") {
		t.Errorf("/readyz: %d %s", code, body)
	}
	testkit.Eventually(t, "probe_success for web", 10*time.Second, func() bool {
		_, body := testkit.Get(t, metrics+"/metrics")
		return strings.Contains(body, `probe_success{check="web",location="local",service="web",tenant=""} 1`)
	})
	for name, want := range map[string]float64{"slate_leader": 1, "slate_database_up": 1, "slate_leader_epoch": 1} {
		if got := metricValue(metrics, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if code, body := testkit.Get(t, base+"/"); code != http.StatusOK || !strings.Contains(body, "Web shop") {
		t.Errorf("status page: %d, Web shop named: %v", code, strings.Contains(body, "Web shop"))
	}
	if !strings.Contains(logs.String(), "msg=leading") {
		t.Errorf("the log does not say the only replica leads:\n%s", logs.String())
	}
	sigs <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d\n%s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not drain within 20s")
	}
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.LatestResults(context.Background(), "web", 10)
	if err != nil || len(rs) == 0 {
		t.Fatalf("results of web in PostgreSQL after drain: %d, %v", len(rs), err)
	}
	for _, r := range rs {
		if !r.OK {
			t.Errorf("failed run %+v", r)
		}
	}
}

// TestServeHidesThePassword: a store that cannot be opened is named in
// slate serve's error without the password of storage.url.
func TestServeHidesThePassword(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	// Port 1 on loopback: nothing listens, the connection is refused.
	yaml := `storage: {url: "postgres://slate:hunter2-secret@127.0.0.1:1/slate?connect_timeout=2"}
server: {listen: "127.0.0.1:0", metrics_listen: "off"}
services: [{id: web}]
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"serve", "--config", path}, {"audit", "verify", "--config", path}} {
		var stdout, stderr strings.Builder
		code := run(args, strings.NewReader(""), &stdout, &stderr)
		if code == exitOK {
			t.Errorf("%s: started on a store it cannot reach", args[0])
		}
		out := stdout.String() + stderr.String()
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s printed the password:\n%s", args[0], out)
		}
		if !strings.Contains(out, "postgres://slate:xxxxx@127.0.0.1:1/slate") {
			t.Errorf("%s does not name the store:\n%s", args[0], out)
		}
	}
}

// replica is slate serve in a child process.
type replica struct {
	cmd           *exec.Cmd
	log           *testkit.SyncBuffer
	base, metrics string
}

// startReplica starts slate serve on cfgPath in a child process, killed
// when the test ends, and waits until it serves.
func startReplica(t testing.TB, cfgPath string) *replica {
	t.Helper()
	r := spawnReplica(t, cfgPath)
	testkit.Eventually(t, "a replica serving", 30*time.Second, func() bool {
		var ok bool
		r.base, r.metrics, ok = addresses(r.log.String())
		return ok
	})
	return r
}

// spawnReplica starts slate serve on cfgPath in a child process, killed
// when the test ends, without waiting for anything.
func spawnReplica(t testing.TB, cfgPath string) *replica {
	t.Helper()
	r := &replica{log: &testkit.SyncBuffer{}}
	r.cmd = exec.Command(os.Args[0], "-test.run=^$")
	r.cmd.Env = append(os.Environ(), envReplicaConfig+"="+cfgPath)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
	return r
}

func (r *replica) leading() bool { return metricValue(r.metrics, "slate_leader") == 1 }

// holdingHook is a webhook receiver that, while holding, takes requests
// and never answers them (deliveries in flight), and otherwise accepts
// them; it counts every request per dedup key.
type holdingHook struct {
	*httptest.Server
	mu       sync.Mutex
	holding  bool
	arrived  map[string]int // requests per dedup key
	accepted map[string]int
	first    time.Time // first acceptance after release
	release  chan struct{}
}

func newHoldingHook(t *testing.T) *holdingHook {
	h := &holdingHook{holding: true, arrived: map[string]int{}, accepted: map[string]int{}, release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := alert.VerifySignature([]byte(replicaHookSecret), r.Header.Get(alert.SignatureHeader), r.Header.Get(alert.TimestampHeader), body, time.Now(), time.Hour); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var e alert.Event
		json.Unmarshal(body, &e)
		h.mu.Lock()
		h.arrived[e.DedupKey]++
		holding := h.holding
		h.mu.Unlock()
		if holding {
			select { // in flight until the sender dies
			case <-r.Context().Done():
			case <-h.release:
			}
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		h.mu.Lock()
		h.accepted[e.DedupKey]++
		if h.first.IsZero() {
			h.first = time.Now()
		}
		h.mu.Unlock()
	}))
	t.Cleanup(func() { h.stopHolding(); h.Close() })
	return h
}

func (h *holdingHook) stopHolding() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.holding {
		h.holding = false
		close(h.release)
	}
}

// counts copies the counters.
func (h *holdingHook) counts() (arrived, accepted map[string]int, first time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	arrived, accepted = map[string]int{}, map[string]int{}
	for k, v := range h.arrived {
		arrived[k] = v
	}
	for k, v := range h.accepted {
		accepted[k] = v
	}
	return arrived, accepted, h.first
}

// enqueueAlerts writes n alerts for hook to the outbox, as any replica's
// jobs do, and returns their dedup keys.
func enqueueAlerts(t *testing.T, url string, n int) []string {
	t.Helper()
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var as []db.Alert
	var keys []string
	for i := range n {
		key := fmt.Sprintf("failover/%02d", i)
		payload, _ := json.Marshal(alert.Event{DedupKey: key, Kind: alert.KindTrigger, Title: "failover test " + key, Time: time.Now().UTC()})
		as = append(as, db.Alert{DedupKey: key, Receiver: "hook", Kind: alert.KindTrigger, Payload: payload})
		keys = append(keys, key)
	}
	if err := st.Enqueue(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestReplicasFailover runs two replicas of slate serve on one PostgreSQL
// database with the default lease (15s, renewed every 5s). Exactly one
// leads; the other serves the status page and /readyz too. Alerts are
// enqueued and the leader SIGKILLed while some are in flight at the
// receiver: the other replica leads within 20 s of the kill (the time is
// logged), delivers every alert, and only the alerts that were in flight
// arrive twice.
func TestReplicasFailover(t *testing.T) {
	url := pgtest.NewDatabase(t)
	hook := newHoldingHook(t)
	cfgPath := writePGConfig(t, url, okTarget(t), hook.URL, 15*time.Second, 5*time.Second)
	a := startReplica(t, cfgPath)
	testkit.Eventually(t, "the first replica leads", 10*time.Second, a.leading)
	b := startReplica(t, cfgPath)
	time.Sleep(2 * time.Second) // b tried for the lease at least once
	if b.leading() {
		t.Fatal("two replicas lead at once")
	}
	for r, leader := range map[*replica]string{a: "leader: yes", b: "leader: no"} {
		if code, body := quietGet(r.base + "/readyz"); code != http.StatusOK || !strings.Contains(body, leader) {
			t.Errorf("/readyz of a replica: %d %s (want %q)", code, body, leader)
		}
		if code, body := quietGet(r.base + "/"); code != http.StatusOK || !strings.Contains(body, "Web shop") {
			t.Errorf("status page of a replica: %d", code)
		}
	}

	keys := enqueueAlerts(t, url, 12)
	// The receiver holds every request, so the sender has as many in
	// flight as it sends to one receiver at once; the kill comes once all
	// of them arrived, so that none is still on its way.
	testkit.Eventually(t, "alerts in flight at the receiver", 10*time.Second, func() bool {
		arrived, _, _ := hook.counts()
		return len(arrived) >= alert.DefaultPerReceiver
	})
	killed := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	a.cmd.Wait()
	// What arrived from the dead leader was in flight: nothing answered it.
	inFlight, _, _ := hook.counts()
	hook.stopHolding()
	for k, n := range inFlight {
		if n != 1 {
			t.Errorf("alert %s was sent %d times before the kill: a replica that does not lead sent it", k, n)
		}
	}

	testkit.Eventually(t, "the second replica leads", 30*time.Second, b.leading)
	led := time.Since(killed)
	testkit.Eventually(t, "every alert delivered", 30*time.Second, func() bool {
		_, accepted, _ := hook.counts()
		return len(accepted) == len(keys)
	})
	arrived, accepted, first := hook.counts()
	acted := first.Sub(killed)
	t.Logf("failover: the second replica led %.1fs after SIGKILL of the leader and delivered its first alert %.1fs after it", led.Seconds(), acted.Seconds())
	if acted > 20*time.Second {
		t.Errorf("the new leader acted %v after the kill: more than the 20 s promised", acted)
	}
	for _, k := range keys {
		want := 1
		if inFlight[k] > 0 {
			want = 2 // the attempt in flight at the kill, and the new leader's
		}
		if arrived[k] != want || accepted[k] != 1 {
			t.Errorf("alert %s: %d requests (want %d), %d accepted (want 1); in flight at the kill: %d", k, arrived[k], want, accepted[k], inFlight[k])
		}
	}
	if code, body := quietGet(b.base + "/readyz"); code != http.StatusOK || !strings.Contains(body, "leader: yes (epoch 2,") {
		t.Errorf("/readyz of the new leader: %d %s", code, body)
	}
}

// TestReplicaCutOffStopsLeading: a leading slate serve whose PostgreSQL
// goes away (pg_ctl stop -m immediate) stops leading within the lease's
// TTL and reports not ready on /readyz and slate_database_up; once the
// server is back it leads and is ready again.
func TestReplicaCutOffStopsLeading(t *testing.T) {
	cluster := pgtest.Cluster(t)
	url := pgtest.NewDatabase(t)
	const ttl = 3 * time.Second
	cfgPath := writePGConfig(t, url, okTarget(t), "http://127.0.0.1:1/", ttl, time.Second)
	sv := startServe(t, cfgPath)
	base, metrics, logs, sigs, done := sv.base, sv.metrics, sv.log, sv.sigs, sv.done
	leads := func() bool { return metricValue(metrics, "slate_leader") == 1 }
	testkit.Eventually(t, "leading", 10*time.Second, leads)

	cut := time.Now()
	if err := cluster.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			cluster.Start()
		}
	}()
	testkit.Eventually(t, "no longer leading", 2*ttl, func() bool { return !leads() })
	// When it stopped, by its own log: /metrics is only polled.
	lost := regexp.MustCompile(`time=(\S+) level=WARN msg="leadership lost"`).FindStringSubmatch(logs.String())
	if lost == nil {
		t.Fatalf("no leadership lost in the log:\n%s", logs.String())
	}
	at, err := time.Parse(time.RFC3339Nano, lost[1])
	if err != nil {
		t.Fatal(err)
	}
	stopped := at.Sub(cut)
	t.Logf("cut off: stopped leading %.2fs after PostgreSQL stopped (lease TTL %s)", stopped.Seconds(), ttl)
	// Acting stops at the deadline itself (every singleton job asks
	// leading(), which compares it with the clock); the log line comes
	// from a timer set for that deadline, which a loaded machine may run
	// late: a quarter of a second is allowed for that.
	if stopped > ttl+250*time.Millisecond {
		t.Errorf("led for %v after the database went away: longer than the lease's TTL %v", stopped, ttl)
	}
	testkit.Eventually(t, "not ready", 5*time.Second, func() bool {
		code, _ := quietGet(base + "/readyz")
		return code == http.StatusServiceUnavailable
	})
	if _, body := quietGet(base + "/readyz"); !strings.Contains(body, "database unreachable") || !strings.Contains(body, "leader: no\ndatabase: down") {
		t.Errorf("/readyz does not say the database is the problem: %s", body)
	}
	if got := metricValue(metrics, "slate_database_up"); got != 0 {
		t.Errorf("slate_database_up = %v with the database stopped", got)
	}

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	testkit.Eventually(t, "leading again", 30*time.Second, leads)
	testkit.Eventually(t, "ready again", 30*time.Second, func() bool {
		code, _ := quietGet(base + "/readyz")
		return code == http.StatusOK
	})
	sigs <- syscall.SIGTERM
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not drain within 20s")
	}
}

// TestOverlappingLeadersCloseOnce: two replicas that both believe they
// lead (a leader paused past its lease while a new one took over) close
// the same periods at the same moment, several times: the ledger holds one
// credit per contract and period, and the audit chain verifies. The
// lease is not what keeps credits single: the store is.
func TestOverlappingLeadersCloseOnce(t *testing.T) {
	url := pgtest.NewDatabase(t)
	text := fmt.Sprintf(linkYAML, "unused.db")
	text = strings.Replace(text, `storage: {path: "unused.db"}`, fmt.Sprintf("storage: {url: %q}\nbackup: {dir: \"off\"}", url), 1)
	path := filepath.Join(t.TempDir(), "slate.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// Early December: October and November are owed.
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var ms []*monitor.Monitor
	for range 2 {
		m, err := monitor.Open(mustLoad(t, path), monitor.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Stop(context.Background()) })
		ms = append(ms, m)
	}
	var wg sync.WaitGroup
	for range 3 {
		for _, m := range ms {
			wg.Go(func() {
				if err := m.CloseDue(context.Background(), now); err != nil {
					t.Errorf("close: %v", err)
				}
			})
		}
	}
	wg.Wait()
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err := st.Credits(context.Background(), db.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, c := range cs {
		if c.Kind == db.KindCredit {
			per[c.Tenant+" "+c.Contract+" "+c.Period]++
		}
	}
	if len(per) == 0 {
		t.Fatal("no period was closed")
	}
	for k, n := range per {
		if n != 1 {
			t.Errorf("%s: %d credits, want 1", k, n)
		}
	}
	if n, err := st.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain after overlapping closes: %v (after %d)", err, n)
	}
	t.Logf("credits per period: %v", per)
}

// TestFollowerPagesFollow runs two replicas on one database whose target
// fails: the one that does not lead shows the outage on its status page
// too, from the stored evidence, without detecting anything itself.
func TestFollowerPagesFollow(t *testing.T) {
	url := pgtest.NewDatabase(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	cfgPath := writePGConfig(t, url, down.URL, "http://127.0.0.1:1/", 3*time.Second, time.Second)
	a := startServe(t, cfgPath)
	testkit.Eventually(t, "the first leads", 10*time.Second, func() bool { return metricValue(a.metrics, "slate_leader") == 1 })
	b := startServe(t, cfgPath)
	for _, sv := range []served{a, b} {
		t.Cleanup(func() {
			sv.sigs <- syscall.SIGTERM
			<-sv.done
		})
	}
	shows := func(base, status string) bool {
		_, body := quietGet(base + "/api/v2/components.json")
		return strings.Contains(body, `"status":"`+status+`"`)
	}
	testkit.Eventually(t, "the leader's page shows the outage", 30*time.Second, func() bool { return shows(a.base, "major_outage") })
	testkit.Eventually(t, "the follower's page shows the outage", 30*time.Second, func() bool { return shows(b.base, "major_outage") })
	if metricValue(b.metrics, "slate_leader") != 0 {
		t.Error("the second replica leads")
	}
	if strings.Contains(b.log.String(), "msg=leading") {
		t.Errorf("the follower led:\n%s", b.log.String())
	}
}

// TestLeaderKilledDuringClose: a replica takes the lease at start-up and
// is SIGKILLed as it begins to close the periods owed for forty contracts
// (at once, or some milliseconds into the close); the other replica leads
// and closes them: every contract has exactly one credit for the period,
// and the audit chain verifies.
func TestLeaderKilledDuringClose(t *testing.T) {
	for _, delay := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) { leaderKilledDuringClose(t, delay) })
	}
}

func leaderKilledDuringClose(t *testing.T, delay time.Duration) {
	const contracts = 40
	url := pgtest.NewDatabase(t)
	var b strings.Builder
	fmt.Fprintf(&b, `storage: {url: %q, lease_ttl: 3s, lease_renew: 1s}
server: {listen: "127.0.0.1:0", metrics_listen: "127.0.0.1:0"}
backup: {dir: "off"}
services: [{id: web}]
checks: [{id: web, service: web, kind: http, target: %q, interval: 1s, timeout: 900ms}]
tenants:
`, url, okTarget(t))
	for i := range contracts {
		fmt.Fprintf(&b, "  - {id: t%02d}\n", i)
	}
	b.WriteString("contracts:\n")
	for i := range contracts {
		fmt.Fprintf(&b, "  - {id: c%02d, tenant: t%02d, services: [web], fee: {amount: \"100\", currency: EUR}, policy: {target: \"99.9\", tiers: [{uptime: \"[0, 99.9)\", credit: \"10\"}]}}\n", i, i)
	}
	cfgPath := filepath.Join(t.TempDir(), "slate.yaml")
	if err := os.WriteFile(cfgPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	a := spawnReplica(t, cfgPath)
	testkit.Eventually(t, "the first replica leads", 30*time.Second, func() bool { return strings.Contains(a.log.String(), "msg=leading") })
	time.Sleep(delay)
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	credits := func() map[string]int {
		cs, err := st.Credits(context.Background(), db.CreditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		per := map[string]int{}
		for _, c := range cs {
			if c.Kind == db.KindCredit {
				per[c.Contract+" "+c.Period]++
			}
		}
		return per
	}
	before := len(credits())
	r := startReplica(t, cfgPath)
	testkit.Eventually(t, "the second replica leads", 30*time.Second, r.leading)
	deadline := time.Now().Add(30 * time.Second)
	for len(credits()) < contracts && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	per := credits()
	t.Logf("credits when the first leader died: %d of %d; after the second: %d", before, contracts, len(per))
	if len(per) != contracts {
		t.Errorf("%d contract periods credited, want %d: %v\n%s", len(per), contracts, per, r.log.String())
	}
	for k, n := range per {
		if n != 1 {
			t.Errorf("%s: %d credits, want 1", k, n)
		}
	}
	if n, err := st.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain: %v (after %d)", err, n)
	}
}
