package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
)

// pagePair is two replicas on one PostgreSQL database whose pages poll
// for changes only once a minute (storage.lease_renew), and an on-call
// token for their admin API.
type pagePair struct {
	a, b  *replica
	token string
}

func startPagePair(t testing.TB) pagePair {
	t.Helper()
	url := pgtest.NewDatabase(t)
	cfgPath := filepath.Join(t.TempDir(), "slate.yaml")
	yaml := fmt.Sprintf(`storage: {url: %q, lease_ttl: 3m, lease_renew: 1m}
server: {listen: "127.0.0.1:0", metrics_listen: "127.0.0.1:0"}
backup: {dir: "off"}
services: [{id: web, name: Web shop}]
checks:
  - {id: web, service: web, kind: http, target: %q, interval: 10s, timeout: 900ms}
`, url, okTarget(t))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := pgstore.Open(context.Background(), url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, _, err := st.CreateToken(context.Background(), store.NewToken{Name: "on call", Role: store.RoleOncall}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return pagePair{a: startReplica(t, cfgPath), b: startReplica(t, cfgPath), token: tok}
}

// post sends body to path on the admin API of base and decodes the reply
// into out.
func (p pagePair) post(t testing.TB, base, path, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/admin"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
}

// shows reports whether the public page of base lists an unresolved
// incident with an update saying words.
func shows(base, words string) bool {
	_, body := quietGet(base + "/api/v2/incidents/unresolved.json")
	return strings.Contains(body, words)
}

// TestPagesFollowWritesOnOtherReplicas: an incident opened through one
// replica's API, and an update posted through the other's, appear on the
// other replica's public page within seconds — long before the minute's
// poll — because the write notifies every replica when it commits.
func TestPagesFollowWritesOnOtherReplicas(t *testing.T) {
	p := startPagePair(t)
	var inc struct {
		PublicID string `json:"public_id"`
	}
	p.post(t, p.a.base, "/incidents", `{"service": "web", "severity": "major", "body": "Checkout fails for some customers."}`, &inc)
	if !shows(p.a.base, "Checkout fails for some customers.") {
		t.Error("the replica that took the write does not show it")
	}
	testkit.Eventually(t, "replica B's page showing the incident opened through A", 15*time.Second,
		func() bool { return shows(p.b.base, "Checkout fails for some customers.") })
	var upd map[string]any
	p.post(t, p.b.base, "/incidents/"+inc.PublicID+"/updates", `{"status": "identified", "body": "A bad deploy; rolling back."}`, &upd)
	testkit.Eventually(t, "replica A's page showing the update posted through B", 15*time.Second,
		func() bool { return shows(p.a.base, "A bad deploy; rolling back.") })
}

// BenchmarkFollowerPageDelay measures what a reader of the status page
// waits for on a replica that did not take the write: from the moment an
// incident update posted through replica A is acknowledged to the moment
// replica B's public page (the Statuspage API) shows it, polled every
// millisecond. Reported: the median, 90th percentile and worst delay of
// b.N updates, in milliseconds.
//
//	go test ./cmd/slate -run '^$' -bench FollowerPageDelay -benchtime 50x
func BenchmarkFollowerPageDelay(b *testing.B) {
	p := startPagePair(b)
	var inc struct {
		PublicID string `json:"public_id"`
	}
	p.post(b, p.a.base, "/incidents", `{"service": "web", "severity": "minor", "body": "Opened."}`, &inc)
	testkit.Eventually(b, "replica B's page showing the incident", 15*time.Second, func() bool { return shows(p.b.base, "Opened.") })
	delays := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		words := fmt.Sprintf("Update number %d.", i)
		var upd map[string]any
		p.post(b, p.a.base, "/incidents/"+inc.PublicID+"/updates", `{"status": "monitoring", "body": "`+words+`"}`, &upd)
		acked := time.Now()
		deadline := acked.Add(30 * time.Second)
		for !shows(p.b.base, words) {
			if time.Now().After(deadline) {
				b.Fatalf("update %d not on replica B's page after 30 s", i)
			}
			time.Sleep(time.Millisecond)
		}
		delays = append(delays, time.Since(acked))
	}
	b.StopTimer()
	slices.Sort(delays)
	at := func(q float64) float64 {
		return float64(delays[min(len(delays)-1, int(q*float64(len(delays))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.9), "p90-ms")
	b.ReportMetric(at(1), "max-ms")
	b.ReportMetric(0, "ns/op")
}
