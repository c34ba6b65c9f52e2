package main

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// promtool finds Prometheus's promtool, or skips (fails under CI, where
// .ci/run installs it).
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; install the Debian package prometheus")
		}
		t.Skip("promtool not found; install the Debian package prometheus")
	}
	return p
}

func TestBurnThresholdsFollowTheWorkbook(t *testing.T) {
	month, quarter := 30*24*time.Hour, 91*24*time.Hour
	cases := []struct {
		name           string
		share          *big.Rat
		period, window time.Duration
		want           string
	}{
		{"2% in an hour of a month", big.NewRat(2, 100), month, time.Hour, "14.4"},
		{"5% in six hours of a month", big.NewRat(5, 100), month, 6 * time.Hour, "6"},
		{"10% in three days of a month", big.NewRat(10, 100), month, 72 * time.Hour, "1"},
		{"2% in an hour of a quarter", big.NewRat(2, 100), quarter, time.Hour, "43.68"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := burnThreshold(tc.share, tc.period, tc.window).FloatString(2); strings.TrimRight(strings.TrimRight(got, "0"), ".") != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRulesPassPromtool writes the rules for the example configuration and
// has Prometheus's own checker load them.
func TestRulesPassPromtool(t *testing.T) {
	tool := promtool(t)
	code, out, errs := runSlate(t, "", "rules", "--config", "../../examples/slate.yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`window="1h"} > 14.4`, `window="6h"} > 6`, "SlateResultsDropped", "SlateCoverageLow"} {
		if !strings.Contains(out, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "slate.rules.yml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := exec.Command(tool, "check", "rules", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s\n%s", err, res, out)
	}
	if !bytes.Contains(res, []byte("SUCCESS")) {
		t.Errorf("promtool said:\n%s", res)
	}
}

// TestMetricsPassPromtool scrapes a running slate whose jobs have run and
// has promtool lint the exposition.
func TestMetricsPassPromtool(t *testing.T) {
	tool := promtool(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfg, _ := appConfig(t, target.URL, "tenants: [{id: acme}]\ncontracts:\n  - {id: acme-web, tenant: acme, services: [web], fee: {amount: \"1\", currency: USD}, policy: {target: \"99.9\"}}\n", "web")
	a := testApp(t, cfg, appOptions{})
	base := startTestApp(t, a)
	eventually(t, "a stored result", 5*time.Second, func() bool {
		rs, _ := a.store.LatestResults(context.Background(), "web", 1)
		return len(rs) == 1
	})
	// A minute on, the minute with evidence is inside every burn window.
	if err := a.updateSLAMetrics(context.Background(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, body := get(t, base+"/metrics")
	cmd := exec.Command(tool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, res)
	}
	for _, want := range []string{"probe_success", "slate_sla_burn_rate", "slate_store_commit_seconds", "slate_scheduler_lateness_seconds"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
