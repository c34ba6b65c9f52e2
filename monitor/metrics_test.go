package monitor

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/internal/testkit"
)

// TestPublicPortHidesMetrics: the SLA gauges carry tenant and contract
// labels; the public port serves none of them to a client without a
// credential, nor to a viewer.
func TestPublicPortHidesMetrics(t *testing.T) {
	f := newCrossFixture(t)
	if err := f.app.UpdateSLA(context.Background(), f.minute(crossEnd)); err != nil {
		t.Fatal(err)
	}
	viewer := f.token(t, "viewer", "acme")
	for _, tc := range []struct{ name, token string }{{"no credential", ""}, {"acme's viewer", viewer}} {
		code, body := f.get(t, tc.token, "/metrics")
		if code == http.StatusOK || strings.Contains(body, `tenant="`) || strings.Contains(body, "acme-mail-gold") {
			t.Errorf("%s: GET /metrics on the public port: %d, want a refusal without metrics\n%.300s", tc.name, code, body)
		}
	}
}

// TestMetricsForPrometheusOnly: on the public port /metrics answers 401
// without a credential, 403 to tokens of other roles than metrics and
// admin, and the metrics to those; the metrics listener serves them
// without a credential and nothing else.
func TestMetricsForPrometheusOnly(t *testing.T) {
	f := newCrossFixture(t)
	if err := f.app.UpdateSLA(context.Background(), f.minute(crossEnd)); err != nil {
		t.Fatal(err)
	}
	const gauge = `slate_sla_uptime_ratio{contract="acme-mail-gold",tenant="acme"}`
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no credential", "", http.StatusUnauthorized},
		{"a bad token", "slt_00000000_notarealtokennotarealtokennotareal", http.StatusUnauthorized},
		{"viewer", f.token(t, access.Viewer, "acme"), http.StatusForbidden},
		{"oncall", f.token(t, access.Oncall, ""), http.StatusForbidden},
		{"account_manager", f.token(t, access.AccountManager, ""), http.StatusForbidden},
		{"metrics", f.token(t, access.Metrics, ""), http.StatusOK},
		{"admin", f.token(t, access.Admin, ""), http.StatusOK},
	} {
		code, body := f.get(t, tc.token, "/metrics")
		if code != tc.want || (code == http.StatusOK) != strings.Contains(body, gauge) {
			t.Errorf("%s: GET /metrics: %d, want %d (with the gauges only on 200)\n%.200s", tc.name, code, tc.want, body)
		}
	}
	metrics := f.token(t, access.Metrics, "")
	for _, path := range []string{"/status/acme", "/status/acme/api/v2/summary.json", "/api/admin/whoami", "/api/admin/incidents"} {
		if code, _ := f.get(t, metrics, path); code != http.StatusForbidden {
			t.Errorf("metrics token GET %s: %d, want 403", path, code)
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.app.ServeMetrics(l)
	f.start(t)
	base := "http://" + l.Addr().String()
	if code, body := testkit.Get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, gauge) {
		t.Errorf("metrics listener /metrics: %d, want 200 with %s", code, gauge)
	}
	for _, path := range []string{"/", "/status/acme", "/api/v2/summary.json", "/api/admin/whoami"} {
		if code, _ := testkit.Get(t, base+path); code != http.StatusNotFound {
			t.Errorf("metrics listener GET %s: %d, want 404", path, code)
		}
	}
}
