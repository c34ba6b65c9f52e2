package monitor

import (
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/email"
)

// TestMaintenanceMailWords: each maintenance notice carries the words
// customers should read at its stage: the description before the work,
// the newest in-progress update when it starts, the completed update when
// it ends; never who posted them. A tenant's page and the public page
// get the notice only for services they see.
func TestMaintenanceMailWords(t *testing.T) {
	start := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	m := catalog.Maintenance{ID: "stored-1", Services: []string{"mail", "vault"}, Title: "Disk swap", Description: "Mail may pause for a minute.",
		Start: start, End: start.Add(2 * time.Hour), Announced: start.Add(-96 * time.Hour),
		Updates: []catalog.MaintenanceUpdate{
			{Status: "in_progress", Body: "Copying disks.", At: start.Add(time.Minute)},
			{Status: "in_progress", Body: "Half done.", At: start.Add(2 * time.Minute)},
			{Status: "completed", Body: "Done; mail flows.", At: start.Add(2 * time.Hour)},
		}}
	cat := &catalog.Catalog{
		Services:  []catalog.Service{{ID: "mail", Name: "Mail", Public: true}, {ID: "vault", Name: "Vault"}},
		Tenants:   []catalog.Tenant{{ID: "acme", Name: "Acme", TimeZone: "UTC", Location: time.UTC}, {ID: "globex", Name: "Globex", TimeZone: "UTC", Location: time.UTC}},
		Contracts: []catalog.Contract{{ID: "acme-vault", Tenant: "acme", Services: []string{"vault"}}},
	}
	cat = cat.WithMaintenance([]catalog.Maintenance{m})
	for _, tc := range []struct {
		name      string
		page      string
		now       time.Time
		stage     email.MaintenanceStage
		body      string
		wantNames []string
	}{
		{"scheduled, public", "", start.Add(-90 * time.Hour), email.MaintenanceScheduled, "Mail may pause for a minute.", []string{"Mail"}},
		{"reminder, tenant", "acme", start.Add(-time.Hour), email.MaintenanceReminder, "Mail may pause for a minute.", []string{"Vault"}},
		{"started", "", start.Add(3 * time.Minute), email.MaintenanceStarted, "Half done.", []string{"Mail"}},
		{"completed", "acme", start.Add(2*time.Hour + time.Minute), email.MaintenanceCompleted, "Done; mail flows.", []string{"Vault"}},
		{"a tenant without the services", "globex", start.Add(-time.Hour), "", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := maintenanceMail(cat, audience{page: tc.page, base: "https://status.example.com"}, []byte("key"), tc.now)
			if tc.stage == "" {
				if len(bs) != 0 {
					t.Fatalf("got %d notices, want none", len(bs))
				}
				return
			}
			if len(bs) != 1 {
				t.Fatalf("got %d notices, want 1", len(bs))
			}
			j := bs[0].job
			if j.Status != string(tc.stage) || j.Body != tc.body || len(j.Names) != len(tc.wantNames) || j.Names[0] != tc.wantNames[0] {
				t.Errorf("got %s %q for %v; want %s %q for %v", j.Status, j.Body, j.Names, tc.stage, tc.body, tc.wantNames)
			}
		})
	}
}
