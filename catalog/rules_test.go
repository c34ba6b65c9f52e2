package catalog_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/sla"
)

// fixture: acme and globex share the public service web; acme also buys
// the private db, globex the private mail; initech buys nothing shared.
// web has a shared check and one measuring acme's own endpoint.
func fixture() *catalog.Catalog {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return &catalog.Catalog{
		Tenants: []catalog.Tenant{
			{ID: "acme", Name: "Acme", TimeZone: "Europe/Berlin", Location: berlin},
			{ID: "globex", Name: "Globex", TimeZone: "UTC", Location: time.UTC},
			{ID: "initech", Name: "Initech", TimeZone: "UTC", Location: time.UTC},
		},
		Services: []catalog.Service{
			{ID: "web", Name: "Web", Public: true},
			{ID: "db", Name: "Database"},
			{ID: "mail", Name: "Mail"},
			{ID: "api", Name: "API", Public: true},
		},
		Checks: []catalog.Check{
			{ID: "web-shared", Service: "web"},
			{ID: "web-acme", Service: "web", Tenant: "acme"},
			{ID: "web-globex", Service: "web", Tenant: "globex"},
			{ID: "db-acme", Service: "db", Tenant: "acme"},
			{ID: "mail", Service: "mail"},
			{ID: "api", Service: "api"},
		},
		Contracts: []catalog.Contract{
			{ID: "acme-gold", Tenant: "acme", Services: []string{"web", "db"}, Period: catalog.PeriodMonth, MaintenanceNotice: 72 * time.Hour},
			{ID: "globex-mail", Tenant: "globex", Services: []string{"mail", "web"}, Period: catalog.PeriodQuarter, MaintenanceNotice: 24 * time.Hour},
			{ID: "initech-api", Tenant: "initech", Services: []string{"api"}, Period: catalog.PeriodMonth},
		},
	}
}

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func checkIDs(cs []catalog.Check) []string {
	return ids(cs, func(c catalog.Check) string { return c.ID })
}
func serviceIDs(ss []catalog.Service) []string {
	return ids(ss, func(s catalog.Service) string { return s.ID })
}

func TestContractChecks(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name, contract string
		want           []string
	}{
		{"shared checks and the tenant's own, never another tenant's", "acme-gold", []string{"web-shared", "web-acme", "db-acme"}},
		{"services in any order, checks in configuration order", "globex-mail", []string{"web-shared", "web-globex", "mail"}},
		{"a contract on one service", "initech-api", []string{"api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _ := c.Contract(tc.contract)
			if got := checkIDs(c.ContractChecks(k)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChecksFor(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name, service, tenant string
		want                  []string
	}{
		{"the public page sees shared checks only", "web", "", []string{"web-shared"}},
		{"a tenant sees shared checks and its own", "web", "acme", []string{"web-shared", "web-acme"}},
		{"another tenant never sees acme's", "web", "globex", []string{"web-shared", "web-globex"}},
		{"a tenant-only service has no shared check", "db", "", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkIDs(c.ChecksFor(tc.service, tc.tenant)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := checkIDs(c.ServiceChecks("web")); !slices.Equal(got, []string{"web-shared", "web-acme", "web-globex"}) {
		t.Errorf("ServiceChecks(web): got %v", got)
	}
}

func TestExcludedMaintenance(t *testing.T) {
	start := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	window := func(services []string, noticeAhead time.Duration) catalog.Maintenance {
		return catalog.Maintenance{ID: "m", Services: services, Start: start, End: start.Add(2 * time.Hour), Announced: start.Add(-noticeAhead)}
	}
	for _, tc := range []struct {
		name     string
		contract string
		window   catalog.Maintenance
		excluded bool
	}{
		{"announced well ahead, on a service of the contract", "acme-gold", window([]string{"db"}, 96*time.Hour), true},
		{"announced exactly the notice ahead", "acme-gold", window([]string{"web"}, 72*time.Hour), true},
		{"announced a minute too late", "acme-gold", window([]string{"web"}, 72*time.Hour-time.Minute), false},
		{"another contract's shorter notice", "globex-mail", window([]string{"web"}, 25*time.Hour), true},
		{"on a service the contract does not cover", "acme-gold", window([]string{"mail"}, 96*time.Hour), false},
		{"one covered service among others is enough", "globex-mail", window([]string{"db", "mail"}, 96*time.Hour), true},
		{"announced after it began", "initech-api", window([]string{"api"}, -time.Hour), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fixture().WithMaintenance([]catalog.Maintenance{tc.window})
			k, _ := c.Contract(tc.contract)
			got := c.ExcludedMaintenance(k)
			want := []sla.Interval(nil)
			if tc.excluded {
				want = []sla.Interval{{Start: tc.window.Start, End: tc.window.End}}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestInMaintenance(t *testing.T) {
	start := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	c := fixture().WithMaintenance([]catalog.Maintenance{{ID: "m", Services: []string{"web"}, Start: start, End: start.Add(time.Hour)}})
	for _, tc := range []struct {
		name    string
		service string
		at      time.Time
		want    bool
	}{
		{"at the start", "web", start, true},
		{"inside", "web", start.Add(59 * time.Minute), true},
		{"at the end: half-open", "web", start.Add(time.Hour), false},
		{"before", "web", start.Add(-time.Nanosecond), false},
		{"another service", "db", start, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.InMaintenance(tc.service, tc.at); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWithMaintenanceLeavesTheCatalogueAlone(t *testing.T) {
	c := fixture()
	c.Maintenance = make([]catalog.Maintenance, 1, 4) // room to append into
	extra := c.WithMaintenance([]catalog.Maintenance{{ID: "stored-1"}})
	again := c.WithMaintenance([]catalog.Maintenance{{ID: "stored-2"}})
	if len(c.Maintenance) != 1 || len(extra.Maintenance) != 2 || extra.Maintenance[1].ID != "stored-1" || again.Maintenance[1].ID != "stored-2" {
		t.Errorf("got %v, %v, %v", c.Maintenance, extra.Maintenance, again.Maintenance)
	}
}

func TestTenantServices(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name, tenant string
		want         []string
	}{
		{"public and private services of its contracts, in configuration order", "acme", []string{"web", "db"}},
		{"order follows the services, not the contract", "globex", []string{"web", "mail"}},
		{"a tenant without contracts sees nothing", "nobody", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := serviceIDs(c.TenantServices(tc.tenant)); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := serviceIDs(c.PublicServices()); !slices.Equal(got, []string{"web", "api"}) {
		t.Errorf("PublicServices: got %v", got)
	}
}

func TestIncidentTenants(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name, service string
		failing       []string
		want          []string
	}{
		{"a shared check affects every tenant of the service", "web", []string{""}, []string{"acme", "globex"}},
		{"a tenant's own check affects that tenant alone", "web", []string{"acme"}, []string{"acme"}},
		{"both: each tenant once, sorted", "web", []string{"globex", "", "acme"}, []string{"acme", "globex"}},
		{"a service nobody bought affects nobody", "none", []string{""}, nil},
		{"nothing failing affects nobody", "web", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.IncidentTenants(tc.service, tc.failing); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := c.ServiceTenants("web"); !slices.Equal(got, []string{"acme", "globex"}) {
		t.Errorf("ServiceTenants(web): got %v", got)
	}
}

func TestPublicPageVisibility(t *testing.T) {
	c := fixture()
	for _, tc := range []struct {
		name       string
		service    string
		affected   []string
		tenantOnly bool
		public     bool
	}{
		{"every tenant of a public service: public", "web", []string{"acme", "globex"}, false, true},
		{"one tenant's endpoint on a shared service: that tenant's alone", "web", []string{"acme"}, true, false},
		{"no tenant named (opened by people): public", "web", nil, false, true},
		{"a private service's incident never shows publicly", "db", []string{"acme"}, false, false},
		{"the only tenant of a public service: public", "api", []string{"initech"}, false, true},
		{"an unknown service: not public", "nope", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.TenantOnly(tc.service, tc.affected); got != tc.tenantOnly {
				t.Errorf("TenantOnly: got %v, want %v", got, tc.tenantOnly)
			}
			if got := c.OnPublicPage(tc.service, tc.affected); got != tc.public {
				t.Errorf("OnPublicPage: got %v, want %v", got, tc.public)
			}
		})
	}
	for _, tc := range []struct {
		tenant   string
		affected []string
		want     bool
	}{{"acme", []string{"acme"}, true}, {"globex", []string{"acme"}, false}, {"acme", nil, false}} {
		if got := catalog.TenantSeesIncident(tc.tenant, tc.affected); got != tc.want {
			t.Errorf("TenantSeesIncident(%s, %v): got %v, want %v", tc.tenant, tc.affected, got, tc.want)
		}
	}
}

func TestPeriodNamed(t *testing.T) {
	c := fixture()
	acme, _ := c.Contract("acme-gold")     // monthly, Berlin
	globex, _ := c.Contract("globex-mail") // quarterly, UTC
	berlin := c.Zone("acme")
	now := time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC) // already December in Berlin
	for _, tc := range []struct {
		name    string
		k       catalog.Contract
		loc     *time.Location
		arg     string
		want    sla.Period
		wantErr string
	}{
		{"a month", acme, berlin, "2026-10", sla.Month(2026, time.October, berlin), ""},
		{"current is the tenant's month", acme, berlin, "current", sla.Month(2026, time.December, berlin), ""},
		{"a month of a quarterly contract selects its quarter", globex, time.UTC, "2026-08", sla.Quarter(2026, 3, time.UTC), ""},
		{"a quarter", globex, time.UTC, "2026-Q4", sla.Quarter(2026, 4, time.UTC), ""},
		{"a quarter of a monthly contract is refused", acme, berlin, "2026-Q4", sla.Period{}, "2026-Q4 is a quarter, but contracts billed monthly need a month"},
		{"quarter five", globex, time.UTC, "2026-Q5", sla.Period{}, `"2026-Q5" is not a month`},
		{"a day", acme, berlin, "2026-10-01", sla.Period{}, `"2026-10-01" is not a month`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.k.PeriodNamed(tc.arg, tc.loc, now)
			if tc.wantErr != "" {
				if err == nil || !contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Start.Equal(tc.want.Start) || !got.End.Equal(tc.want.End) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := acme.PeriodNamed("x", berlin, now); !errors.Is(err, catalog.ErrPeriodName) {
		t.Errorf("got %v, want ErrPeriodName", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestLookups(t *testing.T) {
	c := fixture()
	if !c.HasTenant("acme") || c.HasTenant("nobody") || !c.HasService("db") || c.HasService("x") || !c.HasContract("acme-gold") || c.HasContract("x") {
		t.Error("Has* disagree with the catalogue")
	}
	if c.Zone("acme").String() != "Europe/Berlin" || c.Zone("nobody") != time.UTC {
		t.Errorf("Zone: got %s and %s", c.Zone("acme"), c.Zone("nobody"))
	}
	if got := ids(c.TenantContracts("acme"), func(k catalog.Contract) string { return k.ID }); !slices.Equal(got, []string{"acme-gold"}) {
		t.Errorf("TenantContracts: got %v", got)
	}
	if k, _ := c.Contract("globex-mail"); !k.Quarterly() || !k.Covers("web") || k.Covers("db") {
		t.Errorf("globex-mail: quarterly %v, covers web %v, db %v", k.Quarterly(), k.Covers("web"), k.Covers("db"))
	}
}

func TestCheckRequests(t *testing.T) {
	c := fixture()
	week := fixture()
	week.MaintenanceMax = 7 * 24 * time.Hour
	t0 := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		err       error
		wantField string
	}{
		{"a good maintenance", c.CheckMaintenance([]string{"web", "db"}, "Disk swap"), ""},
		{"no service", c.CheckMaintenance(nil, "Disk swap"), "services"},
		{"an unknown service, named by index", c.CheckMaintenance([]string{"web", "chat"}, "Disk swap"), "services[1]"},
		{"a blank title", c.CheckMaintenance([]string{"web"}, " "), "title"},
		{"an empty window", catalog.CheckWindow(t0, t0), "end"},
		{"a good window", catalog.CheckWindow(t0, t0.Add(time.Minute)), ""},
		{"a good exclusion", c.CheckExclusion("acme-gold", "customer's migration"), ""},
		{"no contract", c.CheckExclusion("", "r"), "contract"},
		{"an unknown contract", c.CheckExclusion("acme-tin", "r"), "contract"},
		{"no reason", c.CheckExclusion("acme-gold", ""), "reason"},
		{"an end before the start", catalog.CheckWindow(t0, t0.Add(-time.Hour)), "end"},
		{"a start before the engine's years", catalog.CheckWindow(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), t0), "start"},
		{"an end after the engine's years", catalog.CheckWindow(t0, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), "end"},
		{"the engine's last year", catalog.CheckWindow(t0, time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)), ""},
		{"a window of the maximum length", week.CheckMaintenanceLength(t0, t0.Add(7*24*time.Hour), false), ""},
		{"a window longer than the maximum", week.CheckMaintenanceLength(t0, t0.Add(7*24*time.Hour+time.Second), false), "end"},
		{"a longer window overridden", week.CheckMaintenanceLength(t0, t0.Add(30*24*time.Hour), true), ""},
		{"no maximum", c.CheckMaintenanceLength(t0, t0.Add(365*24*time.Hour), false), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fe *catalog.FieldError
			switch {
			case tc.wantField == "" && tc.err != nil:
				t.Errorf("refused: %v", tc.err)
			case tc.wantField != "" && (!errors.As(tc.err, &fe) || fe.Field != tc.wantField):
				t.Errorf("got %v, want a refusal of %s", tc.err, tc.wantField)
			}
		})
	}
}

// TestMaintenanceEffect: the table the console shows before a window is
// announced says excluded exactly when ExcludedMaintenance hands the
// window to the engine and the policy excludes maintenance, and its
// reason names the notice asked and given.
func TestMaintenanceEffect(t *testing.T) {
	start := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		contract   string
		ahead      time.Duration
		counted    bool
		excluded   bool
		noticeMet  bool
		reasonPart string
	}{
		{"notice met", "acme-gold", 96 * time.Hour, false, true, true, "announced 96h ahead; the contract asks for 72h"},
		{"notice met exactly", "acme-gold", 72 * time.Hour, false, true, true, "asks for 72h"},
		{"a minute short", "acme-gold", 72*time.Hour - time.Minute, false, false, false, "announced 71h59m ahead; the contract asks for 72h: the window counts as downtime"},
		{"after the start", "globex-mail", -time.Hour, false, false, false, "announced after its start"},
		{"policy counts maintenance", "acme-gold", 96 * time.Hour, true, false, true, "counts maintenance as SLA time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := catalog.Maintenance{ID: "m", Services: []string{"web"}, Start: start, End: start.Add(time.Hour), Announced: start.Add(-tc.ahead)}
			c := fixture().WithMaintenance([]catalog.Maintenance{m})
			k, _ := c.Contract(tc.contract)
			if tc.counted {
				k.Policy.Maintenance = sla.MaintenanceCounted
			}
			excluded, met, reason := k.MaintenanceEffect(m)
			if excluded != tc.excluded || met != tc.noticeMet || !strings.Contains(reason, tc.reasonPart) {
				t.Errorf("got %v, %v, %q; want %v, %v, containing %q", excluded, met, reason, tc.excluded, tc.noticeMet, tc.reasonPart)
			}
			engine := len(c.ExcludedMaintenance(k)) > 0 && k.Policy.Maintenance != sla.MaintenanceCounted
			if excluded != engine {
				t.Errorf("the table says excluded=%v, the engine's inputs say %v", excluded, engine)
			}
		})
	}
}
