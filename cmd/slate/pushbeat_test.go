package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/pgstore"
)

// pushReplicaToken is the push check's token in writePushConfig.
const pushReplicaToken = "replica-push-token-0001"

// writePushConfig writes a configuration on the PostgreSQL database at
// url with one push check, cron, due every 2 s with 1 s of grace, and
// leases of 3 s renewed every second.
func writePushConfig(t *testing.T, url string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slate.yaml")
	yaml := fmt.Sprintf(`storage: {url: %q, lease_ttl: 3s, lease_renew: 1s}
server: {listen: "127.0.0.1:0", metrics_listen: "127.0.0.1:0"}
backup: {dir: "off"}
services: [{id: cron, name: Nightly jobs}]
checks:
  - {id: cron, service: cron, kind: push, interval: 2s, push: {token: %q, grace: 1s}}
`, url, pushReplicaToken)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pushSuccess reads probe_success of the push check from a replica's
// metrics: that replica's own judgement. -1 when absent.
func pushSuccess(metrics string) string {
	_, body := quietGet(metrics + "/metrics")
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, `probe_success{check="cron",location="local",service="cron",tenant=""} `); ok {
			return v
		}
	}
	return "absent"
}

// TestPushBeatsAcrossReplicas runs two slate serve processes on one
// PostgreSQL and sends a push check's heartbeats to the replica that does
// not lead only: the leader judges the check up all the same (its own
// probe_success, every run stored, both replicas' pages operational), as
// the follower does. The leader is then killed and another replica
// started: it judges the check up without a heartbeat of its own, and the
// follower takes the lease. Once the heartbeats stop, both judge it down.
func TestPushBeatsAcrossReplicas(t *testing.T) {
	url := pgtest.NewDatabase(t)
	cfgPath := writePushConfig(t, url)
	leader := startReplica(t, cfgPath)
	testkit.Eventually(t, "the first replica leads", 10*time.Second, leader.leading)
	follower := startReplica(t, cfgPath)
	time.Sleep(1500 * time.Millisecond) // the follower tried for the lease
	if follower.leading() {
		t.Fatal("two replicas lead at once")
	}

	beat := func() {
		t.Helper()
		resp, err := http.Post(follower.base+"/push/"+pushReplicaToken, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("heartbeat to the follower: %d", resp.StatusCode)
		}
	}
	// beatFor sends heartbeats to the follower every 700 ms for d (within
	// the endpoint's budget of one a second in bursts of ten), calling
	// judge after each once settle has passed.
	beatFor := func(d, settle time.Duration, judge func()) {
		t.Helper()
		from := time.Now()
		beat()
		for time.Since(from) < d {
			time.Sleep(700 * time.Millisecond)
			beat()
			if time.Since(from) > settle {
				judge()
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	up := func(name string, r *replica) {
		t.Helper()
		if got := pushSuccess(r.metrics); got != "1" {
			t.Errorf("probe_success of the push check on the %s while heartbeats reach the follower: %s, want 1", name, got)
		}
	}
	// Twelve seconds, six intervals of the check.
	beatFor(12*time.Second, 8*time.Second, func() { up("leader", leader); up("follower", follower) })
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rs, err := st.LatestResults(context.Background(), "cron", 100)
	if err != nil {
		t.Fatal(err)
	}
	// Each replica runs the check every 2 s: in 12 s, both together store
	// about a dozen runs.
	if len(rs) < 6 {
		t.Fatalf("%d runs of the push check stored in 12 s of heartbeats, want at least 6", len(rs))
	}
	for _, r := range rs {
		if !r.OK {
			t.Errorf("a run judged the push check down while heartbeats reached the follower: %+v", r)
		}
	}
	components := func(base string) string {
		_, body := quietGet(base + "/api/v2/components.json")
		if !strings.Contains(body, `"name":"Nightly jobs"`) {
			return "unknown"
		}
		if strings.Contains(body, `"status":"operational"`) {
			return "operational"
		}
		return "outage"
	}
	for name, r := range map[string]*replica{"leader": leader, "follower": follower} {
		if got := components(r.base); got != "operational" {
			t.Errorf("components of the %s while heartbeats reach the follower: %s", name, got)
		}
	}

	// The leader dies and a replica starts in its stead; once the dead
	// leader's lease lapses one of the two takes it (whichever asks
	// first). The new replica has received no heartbeat, yet judges the
	// check up from the first run: nothing was lost.
	if err := leader.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	leader.cmd.Wait()
	fresh := startReplica(t, cfgPath)
	beatFor(7*time.Second, 4*time.Second, func() { up("restarted replica", fresh); up("follower", follower) })
	testkit.Eventually(t, "a replica leads", 20*time.Second, func() bool { return follower.leading() || fresh.leading() })

	// The heartbeats stop: after the interval and its grace, both judge
	// the check down.
	stopped := time.Now()
	for name, r := range map[string]*replica{"restarted replica": fresh, "follower": follower} {
		testkit.Eventually(t, "the "+name+" judges the push check down", 15*time.Second, func() bool { return pushSuccess(r.metrics) == "0" })
		testkit.Eventually(t, "the "+name+"'s page shows the outage", 30*time.Second, func() bool { return components(r.base) == "outage" })
	}
	rs, err = st.LatestResults(context.Background(), "cron", 1)
	if err != nil || len(rs) != 1 || rs[0].OK || !strings.Contains(rs[0].Detail, "last heartbeat") {
		t.Errorf("the latest run after the heartbeats stopped: %+v, %v; want a failure naming the last heartbeat", rs, err)
	}
	t.Logf("judged down %.1fs after the last heartbeat", time.Since(stopped).Seconds())
}
