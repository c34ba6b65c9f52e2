package monitor

import (
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/email"
)

// TestMaintenanceMailWords: each maintenance notice carries the words
// customers should read at its stage: before the work, the newest
// scheduled update a person posted, else the description; the newest
// in-progress update when it starts, the completed update when
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
	base := &catalog.Catalog{
		Services:  []catalog.Service{{ID: "mail", Name: "Mail", Public: true}, {ID: "vault", Name: "Vault"}},
		Tenants:   []catalog.Tenant{{ID: "acme", Name: "Acme", TimeZone: "UTC", Location: time.UTC}, {ID: "globex", Name: "Globex", TimeZone: "UTC", Location: time.UTC}},
		Contracts: []catalog.Contract{{ID: "acme-vault", Tenant: "acme", Services: []string{"vault"}}},
	}
	for _, tc := range []struct {
		name      string
		page      string
		now       time.Time
		stage     email.MaintenanceStage
		body      string
		wantNames []string
		more      []catalog.MaintenanceUpdate // updates posted before now besides m's
	}{
		{"scheduled, public", "", start.Add(-90 * time.Hour), email.MaintenanceScheduled, "Mail may pause for a minute.", []string{"Mail"}, nil},
		{"reminder, tenant", "acme", start.Add(-time.Hour), email.MaintenanceReminder, "Mail may pause for a minute.", []string{"Vault"}, nil},
		{"started", "", start.Add(3 * time.Minute), email.MaintenanceStarted, "Half done.", []string{"Mail"}, nil},
		{"completed", "acme", start.Add(2*time.Hour + time.Minute), email.MaintenanceCompleted, "Done; mail flows.", []string{"Vault"}, nil},
		{"a tenant without the services", "globex", start.Add(-time.Hour), "", "", nil, nil},
		{"scheduled, with a person's scheduled update", "", start.Add(-90 * time.Hour), email.MaintenanceScheduled, "Moved to 01:00 UTC.", []string{"Mail"},
			[]catalog.MaintenanceUpdate{{Status: "scheduled", Body: "Moved to 01:00 UTC.", At: start.Add(-95 * time.Hour)}}},
		{"reminder, with a person's scheduled update", "acme", start.Add(-time.Hour), email.MaintenanceReminder, "Moved to 01:00 UTC.", []string{"Vault"},
			[]catalog.MaintenanceUpdate{{Status: "scheduled", Body: "Moved to 01:00 UTC.", At: start.Add(-95 * time.Hour)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := m
			mm.Updates = append(slices.Clone(tc.more), m.Updates...)
			cat := base.WithMaintenance([]catalog.Maintenance{mm})
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
