package monitor

import (
	"context"
	"net/http"
	"strings"
	"testing"
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
