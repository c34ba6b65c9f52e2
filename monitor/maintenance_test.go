package monitor

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
)

// TestMaintenanceHistoryStands: a window that has ended cannot be
// cancelled (the public page told readers it happened); cancelling one in
// progress ends it now and keeps what passed; a planned one is cancelled.
func TestMaintenanceHistoryStands(t *testing.T) {
	f := newIsolationFixture(t)
	ctx := context.Background()
	oncall, admin := f.creds["oncall"].bearer, f.creds["admin"].bearer
	now := time.Now().UTC().Truncate(time.Millisecond) // as stored
	add := func(start, end time.Time) db.Maintenance {
		m, err := f.app.db.AddMaintenance(ctx, db.Maintenance{Services: []string{"web"}, Title: "Disk swap", Start: start, End: end}, "test")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	past := add(now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	running := add(now.Add(-time.Hour), now.Add(time.Hour))
	planned := add(now.Add(time.Hour), now.Add(2*time.Hour))
	for _, tok := range []string{oncall, admin} {
		if code, body := f.api(t, tok, "POST", fmt.Sprintf("/api/admin/maintenance/%d/cancel", past.ID), ""); code != http.StatusConflict {
			t.Errorf("cancelling a window that ended: %d %v, want 409", code, body)
		}
	}
	if code, body := f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/maintenance/%d/cancel", running.ID), ""); code != http.StatusOK {
		t.Errorf("cancelling a window in progress: %d %v, want 200", code, body)
	}
	if code, body := f.api(t, oncall, "POST", fmt.Sprintf("/api/admin/maintenance/%d/cancel", planned.ID), ""); code != http.StatusOK {
		t.Errorf("cancelling a planned window: %d %v, want 200", code, body)
	}
	ms, err := f.app.db.ListMaintenance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]db.Maintenance{}
	for _, m := range ms {
		byID[m.ID] = m
	}
	if m := byID[past.ID]; m.Cancelled || !m.End.Equal(past.End) {
		t.Errorf("the past window changed: %+v", m)
	}
	if m := byID[running.ID]; m.Cancelled || !m.Start.Equal(running.Start) || !m.End.After(now.Add(-time.Minute)) || !m.End.Before(now.Add(time.Minute)) {
		t.Errorf("the window in progress: %+v, want it kept from %s and ended about %s", m, running.Start, now)
	}
	if m := byID[planned.ID]; !m.Cancelled {
		t.Errorf("the planned window: %+v, want it cancelled", m)
	}
}

// TestMaintenanceHasAMaximumLength: a window longer than
// server.maintenance_max (7 days by default) is refused naming its end,
// unless an admin overrides the maximum, which the audit log records;
// oncall may not override.
func TestMaintenanceHasAMaximumLength(t *testing.T) {
	f := newIsolationFixture(t)
	oncall, admin := f.creds["oncall"].bearer, f.creds["admin"].bearer
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Minute)
	window := func(d time.Duration, extra string) string {
		return fmt.Sprintf(`{"services":["web"],"title":"Long","start":%q,"end":%q%s}`,
			start.Format(time.RFC3339), start.Add(d).Format(time.RFC3339), extra)
	}
	if code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", window(7*24*time.Hour+time.Minute, "")); code != http.StatusBadRequest || fieldOf(body) != "end" {
		t.Errorf("a window of 7 days and a minute: %d %v, want 400 naming end", code, body)
	}
	if code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", window(30*24*time.Hour, `,"override_max":true`)); code == http.StatusCreated {
		t.Errorf("oncall overriding the maximum: %d %v, want a refusal", code, body)
	}
	if code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", window(7*24*time.Hour, "")); code != http.StatusCreated {
		t.Errorf("a window of exactly 7 days: %d %v, want 201", code, body)
	}
	code, body := f.api(t, admin, "POST", "/api/admin/maintenance", window(30*24*time.Hour, `,"override_max":true`))
	if code != http.StatusCreated {
		t.Fatalf("admin overriding the maximum: %d %v, want 201", code, body)
	}
	es, err := f.app.db.AuditOf(context.Background(), fmt.Sprintf("maintenance/%s", body["id"]))
	if err != nil || len(es) != 1 || !strings.Contains(es[0].Detail, `"override_max":true`) {
		t.Errorf("audit of the overriding window: %+v, %v; want the override recorded", es, err)
	}
}

// TestMaintenanceAPIDescription: the admin API takes a window's
// description, refuses one too long naming the field (storing nothing),
// and lists it with people's updates.
func TestMaintenanceAPIDescription(t *testing.T) {
	f := newIsolationFixture(t)
	oncall := f.creds["oncall"].bearer
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Minute)
	window := func(desc string) string {
		return fmt.Sprintf(`{"services":["web"],"title":"Edge","description":%q,"start":%q,"end":%q}`, desc,
			start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
	}
	if code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", window(strings.Repeat("x", 4001))); code != http.StatusBadRequest || fieldOf(body) != "description" {
		t.Errorf("a description of 4001 bytes: %d %v, want 400 naming description", code, body)
	}
	code, body := f.api(t, oncall, "POST", "/api/admin/maintenance", window("Pages may load slowly."))
	if code != http.StatusCreated || body["description"] != "Pages may load slowly." {
		t.Fatalf("create: %d %v", code, body)
	}
	id, _ := strconv.ParseInt(body["id"].(string), 10, 64)
	if _, err := f.app.db.PostMaintenanceUpdate(context.Background(), id, "scheduled", "Still on.", "oidc:otto@example.com"); err != nil {
		t.Fatal(err)
	}
	code, list := f.api(t, oncall, "GET", "/api/admin/maintenance", "")
	ms, _ := list["maintenance"].([]any)
	if code != http.StatusOK || len(ms) != 1 {
		t.Fatalf("list: %d %v; want the one window (the refused one stored nothing)", code, list)
	}
	us, _ := ms[0].(map[string]any)["updates"].([]any)
	if len(us) != 1 || us[0].(map[string]any)["body"] != "Still on." || strings.Contains(fmt.Sprint(list), "otto") {
		t.Errorf("listed updates: %v; want the update's words without who posted", us)
	}
}
