package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
)

// api sends a JSON request with a bearer token and decodes the answer.
func (f *isolationFixture) api(t *testing.T, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// auditCount is the number of audit entries.
func auditCount(t *testing.T, store *db.DB) int {
	t.Helper()
	es, err := store.AuditEntries(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestAdminAPIWrites drives every write of the admin API with the role
// that may make it, checks that each lands in the store and the audit log
// under the token's name, and that refused requests change nothing.
func TestAdminAPIWrites(t *testing.T) {
	f := newIsolationFixture(t)
	oncall, am := f.creds["oncall"].bearer, f.creds["account_manager"].bearer
	ctx := context.Background()
	prefix := func(tok string) string { p, _ := db.TokenPrefix(tok); return p }

	adminIncidentWrites(t, f, oncall)
	adminMaintenanceWrites(t, f, oncall)
	adminCreditWrites(t, f, oncall, am)
	adminExclusionWrites(t, f, am)

	// Every write is in the audit log under the token that made it, and
	// the chain still verifies.
	entries, err := f.app.db.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range entries {
		if e.Actor == "token:"+prefix(oncall) || e.Actor == "token:"+prefix(am) {
			actions[e.Action] = true
		}
	}
	for _, want := range []string{"incident.opened", "incident.updated", "incident.resolved", "postmortem.saved", "postmortem.published",
		"maintenance.announced", "maintenance.cancelled", "credit.approved", "credit.issued", "credit.voided", "exclusion.added", "exclusion.cancelled"} {
		if !actions[want] {
			t.Errorf("no audit entry %s by the API token; have %v", want, actions)
		}
	}
	if _, err := f.app.db.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func fieldOf(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}

// adminIncidentWrites: an incident created, updated with its severity,
// refused at a stale revision without a trace, resolved, and given a
// published post-mortem.
func adminIncidentWrites(t *testing.T, f *isolationFixture, oncall string) {
	// Incidents: create, update with severity, resolve, post-mortem.
	code, inc := f.api(t, oncall, "POST", "/api/admin/incidents", `{"service":"web","severity":"major","body":"Logins fail for some users."}`)
	if code != http.StatusCreated || inc["status"] != "investigating" {
		t.Fatalf("create incident: %d %v", code, inc)
	}
	id := int64(inc["id"].(float64))
	rev := int64(inc["revision"].(float64))
	code, body := f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/incidents/%d/updates", id), fmt.Sprintf(`{"status":"identified","body":"A bad deploy.","severity":"critical","revision":%d}`, rev))
	if code != http.StatusOK || body["severity"] != "critical" || body["status"] != "identified" {
		t.Fatalf("update: %d %v", code, body)
	}
	// A stale revision is refused and changes nothing.
	before := auditCount(t, f.app.db)
	code, body = f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/incidents/%d/updates", id), fmt.Sprintf(`{"status":"monitoring","body":"stale","revision":%d}`, rev))
	if code != http.StatusConflict || errorCode(body) != "conflict" {
		t.Fatalf("stale revision: %d %v", code, body)
	}
	if auditCount(t, f.app.db) != before {
		t.Errorf("a refused update wrote to the audit log")
	}
	code, body = f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/incidents/%d/resolve", id), `{"body":"Rolled back."}`)
	if code != http.StatusOK || body["status"] != "resolved" || body["ended_at"] == nil {
		t.Fatalf("resolve: %d %v", code, body)
	}
	code, body = f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/incidents/%d/postmortem", id), `{"markdown":"# What happened\n\nA deploy broke logins."}`)
	if code != http.StatusCreated || body["version"] != float64(1) {
		t.Fatalf("save post-mortem: %d %v", code, body)
	}
	code, _ = f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/incidents/%d/postmortem/publish", id), `{"version":1}`)
	if code != http.StatusOK {
		t.Fatalf("publish: %d", code)
	}
	if code, page := testkit.Get(t, fmt.Sprintf("%s/incidents/%s", f.base, inc["public_id"])); code != http.StatusOK || !strings.Contains(page, "A deploy broke logins.") {
		t.Errorf("the public incident page lacks the published post-mortem: %d", code)
	}
}

// adminMaintenanceWrites: a window announced shows on the public API, and
// goes once cancelled.
func adminMaintenanceWrites(t *testing.T, f *isolationFixture, oncall string) {
	// Maintenance: create, shown on the public API, cancel.
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	code, m := f.api(t, oncall, "POST", "/api/admin/maintenance", fmt.Sprintf(`{"services":["web"],"title":"Edge upgrade","start":%q,"end":%q}`,
		start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339)))
	if code != http.StatusCreated {
		t.Fatalf("create maintenance: %d %v", code, m)
	}
	if _, up := testkit.Get(t, f.base+"/api/v2/scheduled-maintenances/upcoming.json"); !strings.Contains(up, "Edge upgrade") {
		t.Errorf("new maintenance not on the public API")
	}
	if code, _ := f.api(t, oncall, "POST", "/api/admin/maintenance/"+m["id"].(string)+"/cancel", ""); code != http.StatusOK {
		t.Errorf("cancel maintenance: %d", code)
	}
	if _, up := testkit.Get(t, f.base+"/api/v2/scheduled-maintenances/upcoming.json"); strings.Contains(up, "Edge upgrade") {
		t.Errorf("cancelled maintenance still on the public API")
	}

}

// adminCreditWrites: credits approved and issued once, voided with a
// reason, each role kept to its own writes; a credit reads as slate credits
// list prints it.
func adminCreditWrites(t *testing.T, f *isolationFixture, oncall, am string) {
	ctx := context.Background()
	// Credits: approve, issue; issuing twice is a conflict; void needs a reason.
	cs, err := f.app.db.Credits(ctx, db.CreditFilter{})
	if err != nil || len(cs) != 3 {
		t.Fatalf("credits: %v %d", err, len(cs))
	}
	for _, step := range []struct {
		path, body string
		want       int
		state      string
	}{
		{fmt.Sprintf("/api/admin/credits/%d/approve", cs[0].ID), "", http.StatusOK, "approved"},
		{fmt.Sprintf("/api/admin/credits/%d/issue", cs[0].ID), "", http.StatusOK, "issued"},
		{fmt.Sprintf("/api/admin/credits/%d/issue", cs[0].ID), "", http.StatusConflict, ""},
		{fmt.Sprintf("/api/admin/credits/%d/void", cs[0].ID), `{"reason":"too late"}`, http.StatusConflict, ""},
		{fmt.Sprintf("/api/admin/credits/%d/void", cs[1].ID), `{}`, http.StatusBadRequest, ""},
		{fmt.Sprintf("/api/admin/credits/%d/void", cs[1].ID), `{"reason":"customer caused"}`, http.StatusOK, "voided"},
		{"/api/admin/credits/99999/approve", "", http.StatusNotFound, ""},
	} {
		code, body := f.api(t, am, "POST", step.path, step.body)
		if code != step.want || (step.state != "" && body["state"] != step.state) {
			t.Errorf("POST %s: %d %v, want %d %s", step.path, code, body, step.want, step.state)
		}
	}
	// oncall may not touch money, account managers may not touch incidents.
	if code, _ := f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/credits/%d/approve", cs[2].ID), ""); code != http.StatusForbidden {
		t.Errorf("oncall approving a credit: %d, want 403", code)
	}
	if code, _ := f.api(t, am, "POST", "/api/admin/incidents", `{"service":"web","severity":"minor","body":"x"}`); code != http.StatusForbidden {
		t.Errorf("account manager opening an incident: %d, want 403", code)
	}

	code, body := f.api(t, am, "GET", "/api/admin/credits", "")
	list, _ := body["credits"].([]any)
	if code != http.StatusOK || len(list) == 0 {
		t.Fatalf("list credits: %d %v", code, body)
	}
	for _, k := range []string{"period_name", "period", "downtime_minutes", "coverage_flagged", "credit_amount", "currency"} {
		if _, ok := list[0].(map[string]any)[k]; !ok {
			t.Errorf("a credit lacks %q: %v", k, list[0])
		}
	}
}

// adminExclusionWrites: an exclusion refused with the field named, added
// and cancelled.
func adminExclusionWrites(t *testing.T, f *isolationFixture, am string) {
	// Exclusions: add, refused with the field named, cancel.
	code, body := f.api(t, am, "POST", "/api/admin/exclusions", `{"contract":"acme-gold","start":"2026-11-02T10:00:00Z","end":"2026-11-02T09:00:00Z","reason":"x"}`)
	if code != http.StatusBadRequest || fieldOf(body) != "end" {
		t.Errorf("exclusion ending before it starts: %d %v, want 400 on field end", code, body)
	}
	code, body = f.api(t, am, "POST", "/api/admin/exclusions", `{"contract":"acme-gold","start":"2026-11-02T09:00:00Z","end":"2026-11-02T10:00:00Z","reason":"customer firewall"}`)
	if code != http.StatusCreated {
		t.Fatalf("add exclusion: %d %v", code, body)
	}
	if code, _ := f.api(t, am, "POST", fmt.Sprintf("/api/admin/exclusions/%d/cancel", int64(body["id"].(float64))), `{"reason":"entered twice"}`); code != http.StatusOK {
		t.Errorf("cancel exclusion: %d", code)
	}

}
