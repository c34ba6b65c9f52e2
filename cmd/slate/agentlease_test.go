package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
)

// TestAgentLeaseAcrossReplicas runs two slate serve replicas on one
// PostgreSQL database. us-east's agent sends its batch to replica A and
// holds the location; a second agent of us-east, reaching replica B, is
// refused as standby (409) and stores nothing; the holder may send to
// either replica; and B's admin API and /metrics show us-east's health as
// A received it: which agent holds it, its results, its clock.
func TestAgentLeaseAcrossReplicas(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "slate.yaml")
	yaml := fmt.Sprintf(`storage: {url: %q, lease_ttl: 3s, lease_renew: 1s}
server: {listen: "127.0.0.1:0", metrics_listen: "127.0.0.1:0"}
backup: {dir: "off"}
locations: [local, us-east]
services: [{id: web, name: Web shop}]
checks:
  - {id: web, service: web, kind: http, target: %q, interval: 1s, timeout: 900ms, locations: [local, us-east]}
`, url, okTarget(t))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	a, b := startReplica(t, cfgPath), startReplica(t, cfgPath)
	ctx := context.Background()
	st, err := pgstore.Open(ctx, url, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	agentTok, _, err := st.CreateToken(ctx, store.NewToken{Name: "us-east agent", Role: store.RoleAgent, Location: "us-east"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	adminTok, _, err := st.CreateToken(ctx, store.NewToken{Name: "admin", Role: store.RoleAdmin}, "test")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-5 * time.Second).Truncate(time.Millisecond)
	post := func(base, agent string, at time.Time) (int, string) {
		body, _ := json.Marshal(wire.Batch{Results: []wire.Result{{Check: "web", AtMS: at.UnixMilli(), OK: true, LatencyUS: 800}}})
		req, _ := http.NewRequest(http.MethodPost, base+wire.ResultsPath, strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+agentTok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(wire.HeaderAgent, agent)
		req.Header.Set(wire.HeaderOffset, "15")
		req.Header.Set(wire.HeaderRoundTrip, "2")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(a.base, "east-1", at); code != http.StatusOK {
		t.Fatalf("east-1 via replica A: %d %s", code, body)
	}
	if code, body := post(b.base, "east-2", at.Add(time.Second)); code != http.StatusConflict || !strings.Contains(body, `"code":"standby"`) {
		t.Errorf("east-2 via replica B while east-1 holds us-east: %d %s; want 409 standby", code, body)
	}
	if code, body := post(b.base, "east-1", at.Add(2*time.Second)); code != http.StatusOK {
		t.Errorf("east-1 via replica B: %d %s", code, body)
	}
	rs, err := st.Results(ctx, "web", at.Add(-time.Second), at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var east []int64
	for _, r := range rs {
		if r.Location == "us-east" {
			east = append(east, r.At.Sub(at).Milliseconds())
		}
	}
	if len(east) != 2 || east[0] != 0 || east[1] != 2000 {
		t.Errorf("us-east results stored at %v ms after the first; want 0 and 2000 (east-2's refused)", east)
	}
	req, _ := http.NewRequest(http.MethodGet, b.base+"/api/admin/locations", nil)
	req.Header.Set("Authorization", "Bearer "+adminTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Locations []store.LocationHealth }
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || len(got.Locations) != 2 {
		t.Fatalf("replica B's locations: %+v, %v", got, err)
	}
	local, us := got.Locations[0], got.Locations[1]
	if local.Location != "local" || local.Source != "collector" || !local.Live {
		t.Errorf("local as replica B tells it: %+v; want the collector, live", local)
	}
	if us.Location != "us-east" || us.Agent != "east-1" || !us.Live || us.Results != 2 || us.ClockOffsetMS != 15 ||
		!us.CompleteThrough.Equal(at.Add(2*time.Second).UTC()) {
		t.Errorf("us-east as replica B tells it: %+v; want east-1 holding it, live, 2 results, offset 15 ms, complete through the second batch", us)
	}
	if v := metricValue(b.metrics, `slate_agent_up{location="us-east"}`); v != 1 {
		t.Errorf(`replica B's slate_agent_up{location="us-east"} = %v, want 1`, v)
	}
}
