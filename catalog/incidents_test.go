package catalog_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
)

func TestIncidentFor(t *testing.T) {
	c := fixture()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	detected := func(service string, causes ...incident.Cause) incident.Incident {
		return incident.Incident{Service: service, Status: incident.Investigating, Severity: incident.Minor, Started: t0,
			Timeline: []incident.Entry{{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "down", Cause: causes}}}
	}
	people := func(service string) incident.Incident {
		return incident.Incident{Service: service, Status: incident.Identified, Severity: incident.Major, Started: t0,
			Timeline: []incident.Entry{{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "slow", Author: "ops"}}}
	}
	shared := incident.Cause{Check: "web-shared", Locations: []string{"eu"}}
	acmes := incident.Cause{Check: "web-acme", Tenant: "acme", Locations: []string{"eu"}}
	acmeDB := incident.Cause{Check: "db-acme", Tenant: "acme"}
	legacy := detected("web")
	legacy.Timeline[0].Cause = nil
	staff, public := catalog.Reader{Staff: true}, catalog.PublicReader()
	acme, globex, initech := catalog.TenantReader("acme"), catalog.TenantReader("globex"), catalog.TenantReader("initech")
	for _, tc := range []struct {
		name     string
		inc      incident.Incident
		affected []string
		sees     []catalog.Reader
		hidden   []catalog.Reader
	}{
		{"acme's endpoint of a shared service: acme alone", detected("web", acmes), []string{"acme"},
			[]catalog.Reader{staff, acme}, []catalog.Reader{public, globex, initech}},
		{"the shared check: its tenants and the public", detected("web", shared, acmes), []string{"acme", "globex"},
			[]catalog.Reader{staff, public, acme, globex}, []catalog.Reader{initech}},
		{"a private service: its tenant", detected("db", acmeDB), []string{"acme"},
			[]catalog.Reader{staff, acme}, []catalog.Reader{public, globex}},
		{"people's incident on every tenant: the public too", people("web"), []string{"acme", "globex"},
			[]catalog.Reader{staff, public, acme, globex}, []catalog.Reader{initech}},
		{"people's incident on one tenant: that tenant", people("web"), []string{"acme"},
			[]catalog.Reader{staff, acme}, []catalog.Reader{public, globex}},
		{"no causes recorded: by the tenants it affects", legacy, []string{"acme", "globex"},
			[]catalog.Reader{staff, public, acme, globex}, []catalog.Reader{initech}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range tc.sees {
				v, tenants, ok := c.IncidentFor(r, tc.inc, tc.affected)
				switch {
				case !ok:
					t.Errorf("%+v does not see it", r)
				case r.Staff && !slices.Equal(tenants, tc.affected):
					t.Errorf("staff learn tenants %v, want %v", tenants, tc.affected)
				case !r.Staff && r.Tenant == "" && len(tenants) != 0:
					t.Errorf("the public learns tenants %v", tenants)
				case !r.Staff && r.Tenant != "" && !slices.Equal(tenants, []string{r.Tenant}):
					t.Errorf("%s learns tenants %v", r.Tenant, tenants)
				case len(v.Timeline) == 0:
					t.Errorf("%+v reads no entry", r)
				}
			}
			for _, r := range tc.hidden {
				if _, _, ok := c.IncidentFor(r, tc.inc, tc.affected); ok {
					t.Errorf("%+v sees it", r)
				}
			}
		})
	}
}
