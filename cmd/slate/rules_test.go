package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
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

// TestRulesAboveCheckSeries: with more checks than collector.check_series,
// the recording rules read the per-service series, and promtool still
// accepts them.
func TestRulesAboveCheckSeries(t *testing.T) {
	tool := promtool(t)
	for _, tc := range []struct {
		name, series  string
		want, notWant string
	}{
		{"within the limit", "1", "avg by (check, service, tenant) (avg_over_time(probe_success[5m]))", "slate_probe_checks"},
		{"above it", "0", `sum by (service, tenant) (avg_over_time(slate_probe_checks{result="success"}[5m]))`, "probe_success["},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := filepath.Join(dir, "slate.yaml")
			yaml := "collector: {check_series: " + tc.series + "}\nservices: [{id: web}]\n" +
				"checks: [{id: w, service: web, kind: http, target: \"http://127.0.0.1/\"}]\n"
			if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runSlate(t, "", "rules", "--config", conf)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.Contains(out, tc.want) || strings.Contains(out, tc.notWant) {
				t.Errorf("rules: want %q and not %q in\n%s", tc.want, tc.notWant, out)
			}
			path := filepath.Join(dir, "slate.rules.yml")
			if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
				t.Fatal(err)
			}
			if res, err := exec.Command(tool, "check", "rules", path).CombinedOutput(); err != nil {
				t.Fatalf("promtool check rules: %v\n%s", err, res)
			}
		})
	}
}

// TestMetricsPassPromtool scrapes a running slate whose jobs have run and
// has promtool lint the exposition.
func TestMetricsPassPromtool(t *testing.T) {
	tool := promtool(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, "tenants: [{id: acme}]\ncontracts:\n  - {id: acme-web, tenant: acme, services: [web], fee: {amount: \"1\", currency: USD}, policy: {target: \"99.9\"}}\n", "web")
	a := testApp(t, cfg, monitor.Options{})
	startTestApp(t, a)
	testkit.Eventually(t, "a stored result", 5*time.Second, func() bool {
		rs, _ := a.store.LatestResults(context.Background(), "web", 1)
		return len(rs) == 1
	})
	// A minute on, the minute with evidence is inside every burn window.
	if err := a.UpdateSLA(context.Background(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	_, body := testkit.Get(t, testkit.ServeMetrics(t, a)+"/metrics")
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
