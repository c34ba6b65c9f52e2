package catalog_test

import (
	"errors"
	"slices"
	"strings"
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
				case !r.Staff && slices.ContainsFunc(v.Timeline, incident.Entry.Internal):
					t.Errorf("%+v reads an entry for staff: %+v", r, v.Timeline)
				case !r.Staff && v.Title == "":
					t.Errorf("%+v reads no title", r)
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

func TestNamedTenants(t *testing.T) {
	c := fixture() // acme "Acme", globex "Globex", initech "Initech"
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The shared database failed over.", nil},
		{"acme's endpoint", []string{"acme"}},
		{"failing from web-acme@eu", []string{"acme"}},
		{"ACME and Globex", []string{"acme", "globex"}},
		{"acmeish and preglobex are other words", nil},
		{"| initech | 3 |", []string{"initech"}},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := c.NamedTenants(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckPostmortemNames(t *testing.T) {
	c := fixture()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	on := func(service string, causes ...incident.Cause) incident.Incident {
		return incident.Incident{Service: service, Status: incident.Resolved, Severity: incident.Minor, Started: t0, Ended: t0.Add(time.Hour),
			Timeline: []incident.Entry{{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "down", Cause: causes}}}
	}
	shared := on("web", incident.Cause{Check: "web-shared"})
	acmeOnly := on("web", incident.Cause{Check: "web-acme", Tenant: "acme"})
	for _, tc := range []struct {
		name     string
		md       string
		inc      incident.Incident
		affected []string
		refused  bool
	}{
		{"no name", "The edge failed.", shared, []string{"acme", "globex"}, false},
		{"a tenant's name on a public incident", "Acme saw it first.", shared, []string{"acme", "globex"}, true},
		{"a tenant's check on a public incident", "web-globex failed too.", shared, []string{"acme", "globex"}, true},
		{"a tenant's own name on its own incident", "Acme's endpoint failed.", acmeOnly, []string{"acme"}, false},
		{"another tenant's name on acme's incident", "Unlike Globex, acme lost its endpoint.", acmeOnly, []string{"acme"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckPostmortemNames(tc.md, tc.inc, tc.affected)
			var fe *catalog.FieldError
			if tc.refused != (err != nil) || (err != nil && (!errors.As(err, &fe) || fe.Field != "markdown")) {
				t.Errorf("got %v, want refused %v naming markdown", err, tc.refused)
			}
		})
	}
}

func TestPublishedView(t *testing.T) {
	c := fixture()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	e := func(m int, causes ...incident.Cause) incident.Entry {
		return incident.Entry{At: t0.Add(time.Duration(m) * time.Minute), Kind: incident.KindLocations, Status: incident.Investigating, Body: "x", Cause: causes}
	}
	acme, globex, shared := incident.Cause{Check: "web-acme", Tenant: "acme"}, incident.Cause{Check: "web-globex", Tenant: "globex"}, incident.Cause{Check: "web-shared"}
	inc := incident.Incident{Service: "web", Status: incident.Resolved, Severity: incident.Major, Started: t0, Ended: t0.Add(time.Hour),
		Timeline: []incident.Entry{e(0, acme), e(10, acme, shared), e(20, acme), e(30, acme, globex), e(40, globex),
			{At: t0.Add(time.Hour), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "web recovered"}}}
	v := c.PublishedView(inc, []string{"acme", "globex"})
	if !v.Started.Equal(t0.Add(10*time.Minute)) || !v.Ended.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("a public incident's published view: %s to %s, want the shared check's 10 to 20 minutes", v.Started, v.Ended)
	}
	own := incident.Incident{Service: "web", Status: incident.Resolved, Severity: incident.Major, Started: t0, Ended: t0.Add(time.Hour),
		Timeline: []incident.Entry{e(0, acme), {At: t0.Add(30 * time.Minute), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "web recovered"}}}
	if v := c.PublishedView(own, []string{"acme"}); !v.Started.Equal(t0) || !v.Ended.Equal(t0.Add(30*time.Minute)) || len(v.Timeline) != 0 {
		t.Errorf("acme's own incident's published view: %+v, want acme's, without detection's entries", v)
	}
	both := incident.Incident{Service: "web", Status: incident.Resolved, Severity: incident.Major, Started: t0, Ended: t0.Add(time.Hour),
		Timeline: []incident.Entry{e(0, acme), e(5, acme, globex), {At: t0.Add(5 * time.Minute), Kind: incident.KindUpdate, Status: incident.Identified,
			Body: "A router failed.", Author: "ops"}}}
	v = c.PublishedView(both, []string{"acme", "globex"})
	for _, x := range v.Timeline {
		if x.Author == "" {
			t.Errorf("an incident two tenants saw through their own checks: published entry %q, want people's alone", x.Body)
		}
	}
}

// An incident of several services shows each reader the services it may
// read, under its title, with people's updates and nothing detection or
// staff wrote.
func TestIncidentForServicesAndTitle(t *testing.T) {
	c := fixture()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	inc := incident.Incident{Title: "Sign-in fails", Service: "db", Also: []string{"mail", "web"}, Status: incident.Identified,
		Severity: incident.Major, Started: t0, Timeline: []incident.Entry{
			{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "Logins fail.", Author: "ops"},
			{At: t0.Add(time.Minute), Kind: incident.KindDetected, Status: incident.Identified, Body: "web is down: failing from web-acme@eu",
				Cause: []incident.Cause{{Check: "web-acme", Tenant: "acme"}}},
			{At: t0.Add(2 * time.Minute), Kind: incident.KindSeverity, Status: incident.Identified, Body: "severity set to major", Author: "ops"},
		}}
	affected := []string{"acme", "globex"}
	for _, tc := range []struct {
		name     string
		r        catalog.Reader
		services []string
	}{
		{"staff: every service", catalog.Reader{Staff: true}, []string{"db", "mail", "web"}},
		{"the public: the public service", catalog.PublicReader(), []string{"web"}},
		{"acme: its contract's services", catalog.TenantReader("acme"), []string{"db", "web"}},
		{"globex: its contract's services", catalog.TenantReader("globex"), []string{"mail", "web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _, ok := c.IncidentFor(tc.r, inc, affected)
			if !ok {
				t.Fatal("does not see it")
			}
			if got := v.Services(); !slices.Equal(got, tc.services) {
				t.Errorf("services %v, want %v", got, tc.services)
			}
			if v.Title != "Sign-in fails" {
				t.Errorf("title %q", v.Title)
			}
			if tc.r.Staff {
				return
			}
			if len(v.Timeline) != 1 || v.Timeline[0].Body != "Logins fail." {
				t.Errorf("timeline %+v, want people's update alone", v.Timeline)
			}
		})
	}
	if _, _, ok := c.IncidentFor(catalog.TenantReader("initech"), inc, affected); ok {
		t.Error("initech, on none of its services, sees it")
	}
	detected := incident.Incident{Service: "web", Status: incident.Investigating, Severity: incident.Minor, Started: t0,
		Timeline: []incident.Entry{{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "web is down",
			Cause: []incident.Cause{{Check: "web-shared"}}}}}
	v, _, _ := c.IncidentFor(catalog.PublicReader(), detected, affected)
	if v.Title != "Web unavailable" {
		t.Errorf("an untitled detected incident reads %q, want its service's name in words", v.Title)
	}
	detected.Timeline[0].Cause[0].Degraded = true
	if got := c.IncidentTitle(detected); got != "Web degraded" {
		t.Errorf("a degraded one reads %q", got)
	}
}

// TestMultiServiceIncidentReaders: an incident people opened on several
// services is read through every one of them. Who reads it does not
// depend on which service is listed first; the public sees it only
// through a public service not affecting tenants alone; a post-mortem,
// read by all its readers, names only the services they share and no
// tenant any of them would learn of.
func TestMultiServiceIncidentReaders(t *testing.T) {
	c := fixture() // web: public, acme and globex; db: acme; mail: globex
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	opened := func(services ...string) incident.Incident {
		return incident.Incident{Title: "Storage trouble", Service: services[0], Also: services[1:], Status: incident.Identified,
			Severity: incident.Major, Started: t0, Timeline: []incident.Entry{
				{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "We are on it.", Author: "ops"}}}
	}

	both := opened("db", "mail")
	affected := []string{"acme", "globex"}
	if got := c.IncidentReaders(both, affected); !slices.Equal(got, []string{"acme", "globex"}) {
		t.Errorf("readers of an incident on db and mail: %v, want acme (db) and globex (mail)", got)
	}
	if err := c.CheckPostmortemNames("Acme's database filled up.", both, affected); err == nil {
		t.Error("a post-mortem naming acme, read by globex too, was allowed")
	}
	v := c.PublishedView(both, affected)
	if v.Service != "" || len(v.Also) != 0 {
		t.Errorf("the published view names %v; acme and globex share none of db and mail", v.Services())
	}
	if md := incident.Template(v, incident.ImpactTotal{}); !strings.Contains(md, "**Service:** "+incident.SeveralServices) || strings.Contains(md, "db") {
		t.Errorf("the post-mortem's start names a service not every reader reads:\n%s", md)
	}
	withWeb := opened("db", "web", "mail")
	if v := c.PublishedView(withWeb, affected); !slices.Equal(v.Services(), []string{"web"}) {
		t.Errorf("the published view names %v, want web alone: the one service both read", v.Services())
	}

	// Affecting acme alone: web, shared with globex, is not on the public
	// page for it, whichever order the services come in.
	for _, order := range [][]string{{"db", "web"}, {"web", "db"}} {
		if _, _, ok := c.IncidentFor(catalog.PublicReader(), opened(order...), []string{"acme"}); ok {
			t.Errorf("services %v, affecting acme alone: the public sees it", order)
		}
	}
	// Affecting both tenants of web: the public sees it, through web alone.
	for _, order := range [][]string{{"db", "web"}, {"web", "db"}} {
		v, _, ok := c.IncidentFor(catalog.PublicReader(), opened(order...), []string{"acme", "globex"})
		if !ok || !slices.Equal(v.Services(), []string{"web"}) {
			t.Errorf("services %v, affecting acme and globex: public sees %v (%v), want it through web alone", order, ok, v.Services())
		}
	}
}
