package monitor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
)

// TestTenantBarsCountTheTenantsDays: a tenant's bars are days of its own
// zone, the public page's days of UTC. At 12:00 UTC on 5 December it is
// already 6 December in Kiritimati (UTC+14), so the tenant's newest bar
// is the 6th while the public page's is the 5th.
func TestTenantBarsCountTheTenantsDays(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	cfg, _ := testkit.Config(t, target.URL, `tenants: [{id: acme, timezone: Pacific/Kiritimati}]
contracts: [{id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}]
`, "web")
	a := testApp(t, cfg, Options{})
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	if err := a.refreshBars(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	newest := map[string]string{}
	for key, days := range a.bars {
		_, zone, _ := strings.Cut(key, "@")
		if len(days) != BarDays {
			t.Errorf("%s: %d bars, want %d", zone, len(days), BarDays)
			continue
		}
		newest[zone] = days[len(days)-1].Date
	}
	for zone, want := range map[string]string{"UTC": "2026-12-05", "Pacific/Kiritimati": "2026-12-06"} {
		if newest[zone] != want {
			t.Errorf("newest bar in %s: got %q, want %q (bars: %v)", zone, newest[zone], want, newest)
		}
	}
}
