package monitor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slatehq/slate/db"
)

// TestAdminAPICreditDetailAndFilters: GET /api/admin/credits/{id} gives
// everything behind the amount, with the audit trail naming who did what;
// the list refuses unknown filter values with a 400 naming the filter;
// viewers get neither the detail nor a hint of other tenants.
func TestAdminAPICreditDetailAndFilters(t *testing.T) {
	f := newIsolationFixture(t)
	am := f.creds["account_manager"].bearer
	cs, err := f.app.db.Credits(context.Background(), db.CreditFilter{})
	if err != nil || len(cs) == 0 {
		t.Fatalf("credits: %v", err)
	}
	id := cs[0].ID
	if code, _ := f.api(t, am, "POST", fmt.Sprintf("/api/admin/credits/%d/approve", id), ""); code != http.StatusOK {
		t.Fatalf("approve: %d", code)
	}
	code, body := f.api(t, am, "GET", fmt.Sprintf("/api/admin/credits/%d", id), "")
	if code != http.StatusOK {
		t.Fatalf("detail: %d %v", code, body)
	}
	for _, k := range []string{"credit", "time_zone", "period_local", "evidence_hash_now", "evidence_unchanged", "amount_now", "ledger_amount",
		"downtime", "maintenance", "exclusions", "coverage", "incidents", "unattributed", "entries", "audit"} {
		if _, ok := body[k]; !ok {
			t.Errorf("detail lacks %q", k)
		}
	}
	audit, _ := body["audit"].([]any)
	last, _ := audit[len(audit)-1].(map[string]any)
	if last["action"] != "credit.approved" || last["actor"] == "" {
		t.Errorf("last audit entry %v, want credit.approved with its actor", last)
	}
	if code, _ := f.api(t, am, "GET", "/api/admin/credits/99999", ""); code != http.StatusNotFound {
		t.Errorf("unknown credit: %d, want 404", code)
	}
	for q, field := range map[string]string{"state=owed": "state", "tenant=nobody": "tenant", "period=2026-13": "period", "flagged=maybe": "flagged"} {
		code, body := f.api(t, am, "GET", "/api/admin/credits?"+q, "")
		if code != http.StatusBadRequest || fieldOf(body) != field {
			t.Errorf("credits?%s: %d %v, want 400 naming %s", q, code, body, field)
		}
	}
	for name, c := range f.creds {
		if !strings.HasPrefix(name, "viewer-") {
			continue
		}
		if code, _ := f.api(t, c.bearer, "GET", fmt.Sprintf("/api/admin/credits/%d", id), ""); code != http.StatusForbidden {
			t.Errorf("%s reads a credit's detail: %d, want 403", name, code)
		}
		if code, _ := f.api(t, c.bearer, "GET", "/api/admin/credits?contract=nobody-at-all", ""); code != http.StatusOK {
			t.Errorf("%s: an unknown contract answers %d, which tells contracts apart", name, code)
		}
	}
}
