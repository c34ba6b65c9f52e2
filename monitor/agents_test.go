package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/agent/wire"
	"github.com/slatehq/slate/db"
)

const agentsConfig = `collector: {location: off}
locations: [us-east, eu-west]
tenants: [{id: acme}]
services: [{id: web}]
checks:
  - {id: both, service: web, kind: http, target: "http://127.0.0.1:1/", interval: 30s}
  - {id: east-only, service: web, kind: http, target: "http://127.0.0.1:1/e", interval: 30s, locations: [us-east]}
alerting:
  receivers: [{name: oncall, kind: slack, url: "http://127.0.0.1:1/oncall"}]
  routes: [{receiver: oncall}]
`

// agentCall is one request to the agent API as an agent sends it.
type agentCall struct {
	token, agent string
	offsetMS     int64
	method, path string
	body         string
	header       map[string]string
}

func (c agentCall) do(t *testing.T, base string) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set(wire.HeaderAgent, c.agent)
	req.Header.Set(wire.HeaderOffset, strconv.FormatInt(c.offsetMS, 10))
	req.Header.Set(wire.HeaderRoundTrip, "3")
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func batchOf(rs ...wire.Result) string {
	b, _ := json.Marshal(wire.Batch{Results: rs})
	return string(b)
}

// TestAgentIngest drives the agent API of a running server over HTTP: an
// agent token of us-east gets us-east's checks alone (not
// eu-west's), with an ETag that answers 304; its batch is stored under
// us-east, and sent again is stored once; a batch with a result from the
// future, or from an agent whose clock is 30 s off, is refused with 422
// naming the problem, raises an alert and stores nothing; a second agent
// of us-east is refused with 409 while the first is live, eu-west's agent
// is not; a check of another location is refused naming the field; other
// roles get nothing from the agent API, and the agents' health is in the
// admin API and /metrics.
func TestAgentIngest(t *testing.T) {
	cfg := loadConfig(t, agentsConfig)
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	token := func(role, location string) string {
		tok, _, err := a.db.CreateToken(ctx, db.NewToken{Name: role + location, Role: role, Location: location}, "test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	east, west, admin := token(access.Agent, "us-east"), token(access.Agent, "eu-west"), token(access.Admin, "")
	base := startTestApp(t, a)

	checkAgentLists(t, base, east, west)

	at := time.Now().Add(-10 * time.Second).Truncate(time.Millisecond)
	batch := batchOf(wire.Result{Check: "both", AtMS: at.UnixMilli(), OK: true, LatencyUS: 1200},
		wire.Result{Check: "east-only", AtMS: at.UnixMilli(), OK: false, Class: "status", Detail: "503"})
	post := agentCall{token: east, agent: "east-1", method: http.MethodPost, path: wire.ResultsPath, body: batch}
	for i := range 2 { // the second is a retry: stored once
		code, _, body := post.do(t, base)
		var ack wire.Ack
		if code != http.StatusOK || json.Unmarshal([]byte(body), &ack) != nil || ack.Accepted != 2 || ack.CompleteThroughMS != at.UnixMilli() {
			t.Fatalf("batch %d: %d %s; want 200, 2 accepted, complete through %d", i, code, body, at.UnixMilli())
		}
	}
	stored := func(check string) int {
		rs, err := a.db.Results(ctx, check, at.Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Location != "us-east" {
				t.Errorf("result stored under %q, want the token's us-east: %+v", r.Location, r)
			}
		}
		return len(rs)
	}
	if n, m := stored("both"), stored("east-only"); n != 1 || m != 1 {
		t.Errorf("after a batch and its retry: %d and %d results stored, want 1 each", n, m)
	}

	refusals := []struct {
		name   string
		call   agentCall
		status int
		want   string
	}{
		{"result from the future", agentCall{token: east, agent: "east-1", method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "both", AtMS: time.Now().Add(30 * time.Second).UnixMilli(), OK: true})},
			http.StatusUnprocessableEntity, `"field":"results[0].at_ms"`},
		{"clock 30 s ahead", agentCall{token: east, agent: "east-1", offsetMS: 30000, method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "both", AtMS: at.Add(-time.Minute).UnixMilli(), OK: true})},
			http.StatusUnprocessableEntity, "the agent's clock is 30s off the server's"},
		{"another location's check", agentCall{token: west, agent: "west-1", method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "east-only", AtMS: at.Add(-time.Minute).UnixMilli(), OK: true})},
			http.StatusBadRequest, `\"east-only\" is not a check of location eu-west`},
		{"a location claimed in the batch", agentCall{token: west, agent: "west-1", method: http.MethodPost, path: wire.ResultsPath,
			body: `{"results":[{"check":"both","at_ms":` + strconv.FormatInt(at.Add(-time.Minute).UnixMilli(), 10) + `,"ok":true,"location":"us-east"}]}`},
			http.StatusBadRequest, `"field":"results[0].location"`},
		{"a second agent of us-east", agentCall{token: east, agent: "east-2", method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "both", AtMS: at.Add(-time.Minute).UnixMilli(), OK: true})},
			http.StatusConflict, "held by another agent"},
		{"no clock headers", agentCall{token: east, agent: "east-1", method: http.MethodPost, path: wire.ResultsPath,
			header: map[string]string{wire.HeaderOffset: ""}, body: batchOf()}, http.StatusBadRequest, "header Slate-Clock-Offset"},
		{"an admin token", agentCall{token: admin, agent: "x", method: http.MethodPost, path: wire.ResultsPath,
			body: batchOf(wire.Result{Check: "both", AtMS: at.Add(-time.Minute).UnixMilli(), OK: true})},
			http.StatusForbidden, "only agent tokens may"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := tt.call.do(t, base)
			if code != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s; want %d and %q", code, body, tt.status, tt.want)
			}
		})
	}
	if n, m := stored("both"), stored("east-only"); n != 1 || m != 1 {
		t.Errorf("after the refusals: %d and %d results stored, want still 1 each", n, m)
	}
	as, err := a.db.AlertsByKey(ctx, clockAlertKey("us-east"))
	if err != nil || len(as) != 1 || as[0].Kind != "trigger" {
		t.Errorf("clock alerts of us-east: %+v, %v; want one trigger", as, err)
	}
	// Back to a good clock: stored, and the alert resolves.
	post.body = batchOf(wire.Result{Check: "both", AtMS: at.Add(time.Second).UnixMilli(), OK: true})
	if code, _, body := post.do(t, base); code != http.StatusOK {
		t.Fatalf("batch after the clock was fixed: %d %s", code, body)
	}
	if as, _ := a.db.AlertsByKey(ctx, clockAlertKey("us-east")); len(as) != 2 || as[1].Kind != "resolve" {
		t.Errorf("clock alerts of us-east after a good batch: %+v; want trigger, resolve", as)
	}

	for _, path := range []string{"/api/admin/locations", "/api/admin/agents"} {
		code, body := adminGet(t, base, admin, path)
		if code != http.StatusOK || !strings.Contains(body, `"location":"us-east","source":"agent","agent":"east-1","live":true`) || !strings.Contains(body, `"results":5`) {
			t.Errorf("%s: %d %s; want us-east held by east-1 with 5 results", path, code, body)
		}
	}
	m := metricsText(t, a)
	for _, want := range []string{`slate_agent_complete_through_timestamp_seconds{location="us-east"}`, `slate_agent_batches_refused_total{location="us-east",reason="clock"} 2`,
		`slate_agent_up{location="us-east"} 1`, `slate_agent_clock_refused{location="us-east"} 0`, `slate_agent_lag_seconds{location="us-east"}`,
		`slate_agent_batches_refused_total{location="us-east",reason="standby"} 1`, `slate_agent_results_total{location="us-east"} 5`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// checkAgentLists: us-east's agent gets its location's checks with an
// ETag (304 for the same one), and eu-west's list lacks us-east's check.
func checkAgentLists(t *testing.T, base, east, west string) {
	t.Helper()
	get := agentCall{token: east, agent: "east-1", method: http.MethodGet, path: wire.ChecksPath}
	code, h, body := get.do(t, base)
	var list wire.CheckList
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("checks: %d %s", code, body)
	}
	var ids []string
	for _, c := range list.Checks {
		ids = append(ids, c.ID)
	}
	if list.Location != "us-east" || strings.Join(ids, ",") != "both,east-only" || h.Get("ETag") != `"`+list.Generation+`"` {
		t.Errorf("us-east's check list: location %s, checks %v, ETag %s, generation %s; want us-east, both,east-only, the generation quoted",
			list.Location, ids, h.Get("ETag"), list.Generation)
	}
	if h.Get(wire.HeaderServerTime) == "" {
		t.Error("the answer lacks the server's time")
	}
	get.header = map[string]string{"If-None-Match": h.Get("ETag")}
	if code, _, _ := get.do(t, base); code != http.StatusNotModified {
		t.Errorf("checks with the current ETag: %d, want 304", code)
	}
	westGet := agentCall{token: west, agent: "west-1", method: http.MethodGet, path: wire.ChecksPath}
	if _, _, body := westGet.do(t, base); strings.Contains(body, "east-only") {
		t.Errorf("eu-west's list has us-east's check: %s", body)
	}
}

func adminGet(t *testing.T, base, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricsText scrapes a's metrics listener on a loopback port.
func metricsText(t *testing.T, a *testMonitor) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.ServeMetrics(l)
	resp, err := http.Get("http://" + l.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
