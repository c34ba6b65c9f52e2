package agent_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/agent"
	"github.com/slatehq/slate/internal/crashtest"
)

const spoolConfig = `storage: {path: %q}
collector: {location: off}
locations: [east]
services: [{id: web}]
checks:
  - {id: a, service: web, kind: http, target: "TARGET/a", interval: 100ms}
  - {id: b, service: web, kind: http, target: "TARGET/b", interval: 150ms}
`

// TestAgentCrashChild is the agent the crash test kills; run directly, it
// skips.
func TestAgentCrashChild(t *testing.T) {
	crashtest.Child(t)
	runChild(t)
}

// TestAgentSpoolSurvivesKills kills an agent with SIGKILL 20 times while
// it probes two checks (10 runs a second) and ships them; after each
// kill the results in its spool, which the spool acknowledged, are noted.
// A last agent then drains the spool: every result ever seen in the
// spool is stored by the server under the agent's location, none twice,
// and the spool ends empty.
func TestAgentSpoolSurvivesKills(t *testing.T) {
	url := target(t, func(string) bool { return false })
	s := startServer(t, strings.ReplaceAll(spoolConfig, "TARGET", url))
	token, spool := s.agentToken(t, "east"), t.TempDir()
	acked := map[string]bool{}
	kills := 0
	crashtest.Run(t, crashtest.Config{
		Child: "TestAgentCrashChild", Kills: 20, MinWait: 200 * time.Millisecond, MaxWait: 1500 * time.Millisecond, AfterFirstLine: true,
		Env: func(int) []string {
			return []string{serverEnv + "=" + s.base, tokenEnv + "=" + token, spoolEnv + "=" + spool}
		},
		Check: func(int) {
			kills++
			for _, k := range spoolKeys(t, spool) {
				acked[k] = true
			}
		},
	})
	// The last agent drains what the killed ones left.
	a, err := agent.New(spool, 0, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	a.Servers, a.Token, a.ShipEvery = []string{s.base}, token, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	stored := func() map[string]int {
		out := storedKeys(t, s, "a", "east")
		for k, n := range storedKeys(t, s, "b", "east") {
			out[k] = n
		}
		return out
	}
	// Drained once every acknowledged result is stored and the last agent,
	// running (healthy: it has its check list, so Run is past its start),
	// emptied the spool: the killed agents may have shipped all it holds
	// before the last one even started, and canceling Run then would fail
	// its start.
	healthy := func() bool {
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return w.Code == http.StatusOK
	}
	waitFor(t, 30*time.Second, "every acknowledged result stored and the spool drained", func() bool {
		got := stored()
		for k := range acked {
			if got[k] == 0 {
				return false
			}
		}
		return healthy() && len(spoolKeys(t, spool)) == 0
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := stored()
	for k, n := range got {
		if n != 1 {
			t.Errorf("result %s stored %d times", k, n)
		}
	}
	if len(acked) < 10 {
		t.Errorf("only %d results were ever seen in the spool after %d kills: the test proved little", len(acked), kills)
	}
	t.Logf("%d kills; %d results seen in the spool after a kill, all stored once; %d results stored in all", kills, len(acked), len(got))
	if _, err := os.Stat(filepath.Join(spool, "spool.db")); err != nil {
		t.Fatal(err)
	}
}
