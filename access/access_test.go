package access_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
)

func TestPermits(t *testing.T) {
	classes := map[string][]string{"read": access.Readers(), "incidents": access.IncidentWriters(),
		"credits": access.CreditWriters(), "staff read": access.StaffReaders(), "metrics": access.MetricsReaders()}
	// want[role] lists the classes the role may call.
	for _, tc := range []struct {
		role string
		want []string
	}{
		{access.Admin, []string{"credits", "incidents", "metrics", "read", "staff read"}},
		{access.AccountManager, []string{"credits", "read", "staff read"}},
		{access.Oncall, []string{"incidents", "read", "staff read"}},
		{access.Viewer, []string{"read"}},
		{access.Metrics, []string{"metrics"}},
		{access.Feed, nil},
		{access.Link, nil},
		{"", nil},
		{"root", nil},
	} {
		t.Run(tc.role, func(t *testing.T) {
			var got []string
			for name, allowed := range classes {
				if access.Permits(tc.role, allowed) {
					got = append(got, name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		role         string
		valid, staff bool
	}{
		{access.Admin, true, true}, {access.AccountManager, true, true}, {access.Oncall, true, true},
		{access.Viewer, true, false}, {access.Metrics, true, false}, {access.Feed, true, false}, {access.Link, false, false}, {"Admin", false, false}, {"", false, false},
	} {
		t.Run(tc.role, func(t *testing.T) {
			if got := access.ValidRole(tc.role); got != tc.valid {
				t.Errorf("ValidRole: got %v, want %v", got, tc.valid)
			}
			if got := access.Staff(tc.role); got != tc.staff {
				t.Errorf("Staff: got %v, want %v", got, tc.staff)
			}
		})
	}
}

func TestScope(t *testing.T) {
	cat := &catalog.Catalog{
		Tenants:  []catalog.Tenant{{ID: "acme", Location: time.UTC}, {ID: "globex", Location: time.UTC}},
		Services: []catalog.Service{{ID: "web", Public: true}, {ID: "db"}, {ID: "mail"}},
		Contracts: []catalog.Contract{
			{ID: "a", Tenant: "acme", Services: []string{"web", "db"}},
			{ID: "g", Tenant: "globex", Services: []string{"web", "mail"}},
		},
	}
	staff := access.Scope{Role: access.Oncall}
	viewer := access.Scope{Role: access.Viewer, Tenant: "acme"}
	link := access.Scope{Role: access.Link, Tenant: "acme"}
	metrics := access.Scope{Role: access.Metrics}
	for _, tc := range []struct {
		name  string
		scope access.Scope
		// what it sees
		acme, globex    bool
		acmeIncident    bool // an incident affecting acme alone
		globexIncident  bool
		incidentTenants []string // of an incident affecting both
		drafts          bool
		services        []string // of web, db, mail
		creditAny       string   // the tenant filter for no requested tenant
		creditOther     bool     // asking for globex's credits: allowed?
	}{
		{"staff", staff, true, true, true, true, []string{"acme", "globex"}, true, []string{"web", "db", "mail"}, "", true},
		{"viewer", viewer, true, false, true, false, []string{"acme"}, false, []string{"web", "db"}, "acme", false},
		{"link", link, true, false, true, false, []string{"acme"}, false, []string{"web", "db"}, "acme", false},
		{"metrics", metrics, false, false, false, false, []string{""}, false, []string{}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.scope
			if s.SeesTenant("acme") != tc.acme || s.SeesTenant("globex") != tc.globex {
				t.Errorf("SeesTenant: acme %v, globex %v", s.SeesTenant("acme"), s.SeesTenant("globex"))
			}
			if s.SeesIncident([]string{"acme"}) != tc.acmeIncident || s.SeesIncident([]string{"globex"}) != tc.globexIncident {
				t.Errorf("SeesIncident: acme's %v, globex's %v", s.SeesIncident([]string{"acme"}), s.SeesIncident([]string{"globex"}))
			}
			if got := s.IncidentTenants([]string{"acme", "globex"}); !slices.Equal(got, tc.incidentTenants) {
				t.Errorf("IncidentTenants: got %v, want %v", got, tc.incidentTenants)
			}
			if s.SeesDrafts() != tc.drafts {
				t.Errorf("SeesDrafts: got %v", s.SeesDrafts())
			}
			if got := s.VisibleServices(cat, []string{"web", "db", "mail"}); !slices.Equal(got, tc.services) {
				t.Errorf("VisibleServices: got %v, want %v", got, tc.services)
			}
			if got, ok := s.CreditTenant(""); got != tc.creditAny || ok != (tc.name != "metrics") {
				t.Errorf("CreditTenant(\"\"): got %q, %v", got, ok)
			}
			if _, ok := s.CreditTenant("globex"); ok != tc.creditOther {
				t.Errorf("CreditTenant(globex): allowed %v, want %v", ok, tc.creditOther)
			}
		})
	}
	if (access.Scope{Role: access.Viewer, Tenant: "acme"}).SeesIncident(nil) {
		t.Error("a viewer sees an incident that names no tenant")
	}
}
