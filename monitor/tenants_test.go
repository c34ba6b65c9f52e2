package monitor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// isolationConfig has three tenants, each with a private service of its
// own, and a public service that acme shares with everybody.
//
// Probes run from a shared location and from one inside acme's and one
// inside globex's network, which only that tenant's own check uses: a
// tenant's page names the locations of its contracts' checks and no other.
const isolationConfig = `
storage: {path: %q}
provider: {name: Nordlicht Hosting GmbH, code: NORDLICHT}
server: {listen: "127.0.0.1:0"}
collector: {location: eu-west}
locations:
  - {id: eu-west, name: Frankfurt Edge}
  - {id: acme-dc, name: Acmerack Basement Probe, region: Acmeville HQ}
  - {id: globex-dc, name: Globexrack Cellar Probe}
checks:
  - {id: web-shared, service: web, kind: http, target: %q, interval: 1h, locations: [eu-west]}
  - {id: acme-db-probe, service: acme-db, tenant: acme, kind: http, target: %q, interval: 1h, locations: [acme-dc, eu-west]}
  - {id: globex-mail-probe, service: globex-mail, tenant: globex, kind: http, target: %q, interval: 1h, locations: [globex-dc]}
  - {id: initech-api-probe, service: initech-api, tenant: initech, kind: http, target: %q, interval: 1h, locations: [eu-west]}
tenants:
  - {id: acme, name: Acme Corporation, timezone: Europe/Berlin}
  - {id: globex, name: Globex Holdings, timezone: America/New_York}
  - {id: initech, name: Initech Systems, timezone: Asia/Tokyo}
services:
  - {id: web, name: Shared Web Frontend}
  - {id: acme-db, name: Acmedb Private Cluster, public: false}
  - {id: globex-mail, name: Globexmail Private Relay, public: false}
  - {id: initech-api, name: Initechapi Private Gateway, public: false}
  - {id: shared-db, name: Shared Database, public: false}
contracts:
  - {id: acme-gold, tenant: acme, services: [web, acme-db, shared-db], fee: {amount: "1234.56", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
  - {id: globex-silver, tenant: globex, services: [web, globex-mail, shared-db], fee: {amount: "777.77", currency: USD},
     policy: {target: "99.5", tiers: [{uptime: "[0, 99.5)", credit: "10"}]}}
  - {id: initech-bronze, tenant: initech, services: [initech-api], fee: {amount: "99999", currency: JPY},
     policy: {target: "99", tiers: [{uptime: "[0, 99)", credit: "10"}]}}
`

// secretsOf are strings that only tenant's pages may show: its private
// service's name, its contract, its credit amount, its name, the location
// in its own network (name and region); for acme also the bodies of
// incidents on the database and the public web service it shares with
// globex that affected acme alone (its own checks failing).
var secretsOf = map[string][]string{
	"acme": {"Acmedb Private Cluster", "acme-gold", "Acme Corporation", "EUR 111.11", "Acme replica lag", "Acme edge certificate",
		"Acmerack Basement Probe", "Acmeville HQ"},
	"globex":  {"Globexmail Private Relay", "globex-silver", "Globex Holdings", "USD 222.22", "Globexrack Cellar Probe"},
	"initech": {"Initechapi Private Gateway", "initech-bronze", "Initech Systems", "JPY 3333"},
}

// isolationFixture is a running slate with the three tenants, an incident
// and a ledger entry each, and one credential of every kind.
type isolationFixture struct {
	app       *testMonitor
	base      string
	incidents map[string]string // tenant -> its private incident's public ID
	internal  map[string]int64  // tenant -> its private incident's ID in the store
	shared    string            // the public ID of an incident on shared-db that affects acme only
	creds     map[string]cred   // name -> credential
	tenants   []string          // in a fixed order
	revoked   string            // a revoked viewer token of acme
	links     map[string]string // tenant -> signed link query
}

// cred is how a client presents itself.
type cred struct {
	bearer string // Authorization: Bearer
	link   string // exp=...&sig=... query
	// may lists the tenants whose pages it may see; nil means none.
	may []string
}

// newIsolationFixture starts the fixture's slate. Its failed-authentication
// budget is raised out of reach, since the matrix fails on purpose
// thousands of times from one address; opts change the app before it
// starts.
func newIsolationFixture(t *testing.T, opts ...func(*testMonitor)) *isolationFixture {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.yaml")
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(target.Close)
	if err := os.WriteFile(path, fmt.Appendf(nil, isolationConfig, filepath.Join(dir, "slate.db"), target.URL, target.URL, target.URL, target.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	a := testApp(t, cfg, Options{})
	ctx := context.Background()
	f := &isolationFixture{app: a, incidents: map[string]string{}, internal: map[string]int64{}, creds: map[string]cred{}, links: map[string]string{},
		tenants: []string{"acme", "globex", "initech"}}
	private := map[string]string{"acme": "acme-db", "globex": "globex-mail", "initech": "initech-api"}
	amounts := map[string]struct {
		minor    int64
		currency string
		contract string
	}{"acme": {11111, "EUR", "acme-gold"}, "globex": {22222, "USD", "globex-silver"}, "initech": {3333, "JPY", "initech-bronze"}}
	for _, tn := range f.tenants {
		inc := db.Incident{Incident: incident.Incident{Service: private[tn], Status: incident.Investigating, Severity: incident.Major,
			Started: now.Add(-time.Hour), Timeline: []incident.Entry{{At: now.Add(-time.Hour), Kind: incident.KindUpdate,
				Status: incident.Investigating, Body: "Investigating " + secretsOf[tn][0], Author: "test"}}}, Tenants: []string{tn}}
		id, err := a.db.SaveIncident(ctx, &inc, "test")
		if err != nil {
			t.Fatal(err)
		}
		if f.incidents[tn], err = IncidentPublicID(ctx, a.db, id); err != nil {
			t.Fatal(err)
		}
		f.internal[tn] = id
		am := amounts[tn]
		// Last month, in the tenant's zone, as the close records it.
		zone := cfg.Zone(tn)
		local := now.In(zone)
		start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, zone).AddDate(0, -1, 0)
		_, _, err = a.db.RecordClose(ctx, db.Credit{Tenant: tn, Contract: am.contract, Period: start.Format("2006-01"), PeriodStart: start,
			PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "98", UptimePercent: "98.000", BreachMinutes: "892.8", CreditPercent: "10",
			CoveragePercent: "100.00", AmountMinor: am.minor, Currency: am.currency, EvidenceHash: strings.Repeat(fmt.Sprint(len(tn)%10), 64)}, false, "test")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.db.CreateToken(ctx, db.NewToken{Name: "viewer of " + tn, Role: access.Viewer, Tenant: tn}, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.creds["viewer-"+tn] = cred{bearer: tok, may: []string{tn}}
		url, _, err := TenantLink(ctx, a.db, cfg, tn, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		_, q, _ := strings.Cut(url, "?")
		f.links[tn] = q
		f.creds["link-"+tn] = cred{link: q, may: []string{tn}}
	}
	f.shared = seedCrossTenantIncidents(t, a, now)
	for _, role := range []string{access.Admin, access.AccountManager, access.Oncall} {
		tok, _, err := a.db.CreateToken(ctx, db.NewToken{Name: role, Role: role}, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.creds[role] = cred{bearer: tok, may: f.tenants}
	}
	revoked, tokRow, err := a.db.CreateToken(ctx, db.NewToken{Name: "old", Role: access.Viewer, Tenant: "acme"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.RevokeToken(ctx, tokRow.Prefix, "test"); err != nil {
		t.Fatal(err)
	}
	f.creds["revoked-viewer-acme"] = cred{bearer: revoked}
	expired, _, err := TenantLink(ctx, a.db, cfg, "acme", now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	_, q, _ := strings.Cut(expired, "?")
	f.creds["expired-link-acme"] = cred{link: q}
	f.creds["garbage-token"] = cred{bearer: "slt_00000000_notarealtokennotarealtokennotareal"}
	f.creds["none"] = cred{}
	a.web.AuthFailures = 1 << 30
	// Every credential visits every route of every tenant in a burst; the
	// limit per token is tested on its own (TestRateLimit...).
	a.web.RateBurst = 1000
	for _, o := range opts {
		o(a)
	}
	f.base = startTestApp(t, a)
	// The contracts' current figures, with each location's coverage.
	if err := a.UpdateSLA(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.RefreshStatus(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

// seedCrossTenantIncidents stores the incidents that cross tenants: an
// outage of acme's endpoint on the shared database, one of acme's edge on
// the shared frontend, and one of the frontend that acme and globex both
// saw, with a note for staff. It returns the first one's public ID.
func seedCrossTenantIncidents(t *testing.T, a *testMonitor, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	// An outage of acme's endpoint on a service globex shares: globex
	// must not see it.
	shared := db.Incident{Incident: incident.Incident{Service: "shared-db", Status: incident.Identified, Severity: incident.Minor,
		Started: now.Add(-2 * time.Hour), Timeline: []incident.Entry{{At: now.Add(-2 * time.Hour), Kind: incident.KindUpdate,
			Status: incident.Identified, Body: "Acme replica lag on the shared database", Author: "test"}}}, Tenants: []string{"acme"}}
	sharedID, err := a.db.SaveIncident(ctx, &shared, "test")
	if err != nil {
		t.Fatal(err)
	}
	publicID, err := IncidentPublicID(ctx, a.db, sharedID)
	if err != nil {
		t.Fatal(err)
	}
	edge := db.Incident{Incident: incident.Incident{Service: "web", Status: incident.Investigating, Severity: incident.Minor,
		Started: now.Add(-3 * time.Hour), Timeline: []incident.Entry{{At: now.Add(-3 * time.Hour), Kind: incident.KindUpdate,
			Status: incident.Investigating, Body: "Acme edge certificate expired", Author: "test"}}}, Tenants: []string{"acme"}}
	if _, err := a.db.SaveIncident(ctx, &edge, "test"); err != nil {
		t.Fatal(err)
	}
	// An outage of the shared frontend that acme and globex both saw, with
	// a note for staff naming acme's contract: globex's readers see the
	// incident, never the note.
	both := db.Incident{Incident: incident.Incident{Service: "web", Status: incident.Investigating, Severity: incident.Major,
		Started: now.Add(-4 * time.Hour), Timeline: []incident.Entry{
			{At: now.Add(-4 * time.Hour), Kind: incident.KindDetected, Status: incident.Investigating, Body: "web is down"},
			{At: now.Add(-4 * time.Hour), Kind: incident.KindNote, Status: incident.Investigating,
				Body: "Burn-rate alert SLOBudgetBurnFast not sent: 2% of the error budget of acme-gold burning within 1h"}}},
		Tenants: []string{"acme", "globex"}}
	if _, err := a.db.SaveIncident(ctx, &both, "test"); err != nil {
		t.Fatal(err)
	}
	return publicID
}

// do sends one GET with c's credentials. A page that swaps a link for a
// cookie (303 to the same path) is followed with that cookie alone, as a
// browser does, and swapped says so.
func (f *isolationFixture) do(t *testing.T, c cred, path string) (code int, body string, swapped bool) {
	t.Helper()
	return getAs(t, f.base, c, path)
}

// getAs sends one GET to base+path with c's credentials, as
// isolationFixture.do describes.
func getAs(t *testing.T, base string, c cred, path string) (code int, body string, swapped bool) {
	t.Helper()
	u := base + path
	if c.link != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + c.link
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		return resp.StatusCode, string(b), false
	}
	next, _ := http.NewRequest(http.MethodGet, base+path, nil)
	for _, ck := range resp.Cookies() {
		next.AddCookie(ck)
	}
	if resp, err = client.Do(next); err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), true
}

// tenantRoutes are every GET route under /status/{tenant}, with the
// incident of the tenant itself and that of another.
func (f *isolationFixture) tenantRoutes(tn, other string) []string {
	routes := []string{
		"/status/" + tn,
		fmt.Sprintf("/status/%s/incidents/%s", tn, f.incidents[tn]),
		fmt.Sprintf("/status/%s/incidents/%s", tn, f.incidents[other]),
		"/status/" + tn + "/feed.atom",
		fmt.Sprintf("/status/%s/incidents/%s", tn, f.shared),
		"/status/" + tn + "/statement",
		"/status/" + tn + "/statement.pdf",
	}
	for _, p := range []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
		"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"} {
		routes = append(routes, "/status/"+tn+"/api/v2/"+p)
	}
	return routes
}

// TestTenantIsolationMatrix sends every credential to every route, on two
// fixtures, and checks that a credential sees exactly what it may, and
// that no answer carries another tenant's data: three tenants, each with
// a private service, sharing a public one (every tenant route); and two
// tenants sharing a public service through endpoint checks of their own
// beside its shared one, plus a private service (every page, API, feed,
// post-mortem, the admin API's reads and /metrics on both ports, badges
// of public, private and unknown services, and every tenant's feed
// addresses with every feed token, revoked ones included).
func TestTenantIsolationMatrix(t *testing.T) {
	t.Run("three tenants", threeTenantMatrix)
	t.Run("two tenants sharing a service", func(t *testing.T) {
		f := newCrossMatrixFixture(t)
		m := f.run(t)
		for _, finding := range m.findings {
			t.Error(finding)
		}
		f.consoleFormsRefused(t)
		// A private service's badge answers exactly as an unknown
		// service's does.
		for _, file := range []string{"status.svg", "uptime.svg"} {
			code, private, _ := getAs(t, f.base, cred{}, "/badge/acme-ledger/"+file)
			code2, unknown, _ := getAs(t, f.base, cred{}, "/badge/no-such-service/"+file)
			if code != code2 || private != unknown {
				t.Errorf("badge %s: private service %d %q, unknown %d %q: they differ", file, code, private, code2, unknown)
			}
		}
		t.Logf("isolation matrix: %d credentials x %d tenants and the public, %d routes, %d requests checked, %d findings",
			len(f.creds), 2, m.routes, m.checked, len(m.findings))
	})
}

// threeTenantMatrix sends every credential to every route of every tenant
// page of the three tenants' fixture.
func threeTenantMatrix(t *testing.T) {
	f := newIsolationFixture(t)
	var names []string
	for n := range f.creds {
		names = append(names, n)
	}
	slices.Sort(names)
	checked := 0
	for _, name := range names {
		c := f.creds[name]
		for i, tn := range f.tenants {
			other := f.tenants[(i+1)%len(f.tenants)]
			for _, route := range f.tenantRoutes(tn, other) {
				// A link is signed for one tenant: present acme's link on
				// globex's page and so on, by its own query.
				code, body, swapped := f.do(t, c, route)
				checked++
				allowed := slices.Contains(c.may, tn)
				// Another tenant's incident, and the shared service's
				// incident that affected acme alone, are not found on
				// any other tenant's page.
				foreign := strings.HasSuffix(route, "/incidents/"+f.incidents[other]) ||
					(strings.HasSuffix(route, "/incidents/"+f.shared) && tn != "acme")
				wantOK := allowed && !foreign
				page := !strings.Contains(route, "/api/") && !strings.HasSuffix(route, ".atom")
				if c.link != "" && allowed && page && !swapped {
					t.Errorf("%s GET %s: the page did not swap the link for a cookie", name, route)
				}
				switch {
				case wantOK && code != http.StatusOK:
					t.Errorf("%s GET %s: %d, want 200\n%.300s", name, route, code, body)
				case allowed && !wantOK && code != http.StatusNotFound:
					t.Errorf("%s GET %s (another tenant's incident): %d, want 404", name, route, code)
				case !allowed && code != http.StatusUnauthorized && code != http.StatusForbidden:
					t.Errorf("%s GET %s: %d, want 401 or 403", name, route, code)
				}
				for _, owner := range f.tenants {
					if owner == tn && allowed {
						continue
					}
					for _, secret := range secretsOf[owner] {
						if strings.Contains(body, secret) {
							t.Errorf("%s GET %s: answer shows %q of tenant %s", name, route, secret, owner)
						}
					}
				}
			}
		}
	}
	t.Logf("isolation matrix: %d credentials x %d tenants, %d requests checked", len(names), len(f.tenants), checked)
}

// TestTenantPageShowsOwnFigures checks that an allowed viewer sees its
// own service, incident, contract and credit.
func TestTenantPageShowsOwnFigures(t *testing.T) {
	f := newIsolationFixture(t)
	for _, tn := range f.tenants {
		code, body, _ := f.do(t, f.creds["viewer-"+tn], "/status/"+tn)
		if code != http.StatusOK {
			t.Fatalf("viewer of %s: %d", tn, code)
		}
		for _, want := range secretsOf[tn] {
			if !strings.Contains(body, want) {
				t.Errorf("page of %s lacks %q", tn, want)
			}
		}
		code, body, _ = f.do(t, f.creds["viewer-"+tn], "/status/"+tn+"/api/v2/incidents.json")
		if code != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`"id":%q`, f.incidents[tn])) {
			t.Errorf("API of %s: %d, lacks incident %s: %.300s", tn, code, f.incidents[tn], body)
		}
	}
}

// TestPublicPagesHidePrivateServices checks that nothing of a tenant's
// private service reaches the public page or API.
func TestPublicPagesHidePrivateServices(t *testing.T) {
	f := newIsolationFixture(t)
	for _, path := range []string{"/", "/api/v2/summary.json", "/api/v2/components.json", "/api/v2/incidents.json", "/feed.atom"} {
		code, body, _ := f.do(t, cred{}, path)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
		for tn, secrets := range secretsOf {
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s shows %q of tenant %s", path, s, tn)
				}
			}
		}
		for _, id := range f.incidents {
			if code, _, _ := f.do(t, cred{}, "/incidents/"+id); code != http.StatusNotFound {
				t.Errorf("public page of private incident %s: %d, want 404", id, code)
			}
		}
	}
}

// TestAdminAPIKeepsViewersToTheirTenant checks the admin API's reads for
// viewer tokens, and that viewers may not write.
func TestAdminAPIKeepsViewersToTheirTenant(t *testing.T) {
	f := newIsolationFixture(t)
	for _, tn := range f.tenants {
		c := f.creds["viewer-"+tn]
		for _, path := range []string{"/api/admin/credits", "/api/admin/incidents", "/api/admin/tenants", "/api/admin/contracts",
			"/api/admin/maintenance", "/api/admin/whoami", "/api/admin/tenants/" + tn + "/statement?format=html"} {
			code, body, _ := f.do(t, c, path)
			if code != http.StatusOK {
				t.Errorf("viewer of %s GET %s: %d %s", tn, path, code, body)
			}
			for owner, secrets := range secretsOf {
				if owner == tn {
					continue
				}
				for _, s := range append(slices.Clone(secrets), fmt.Sprintf(`"id":%d`, f.internal[owner]), f.incidents[owner]) {
					if strings.Contains(body, s) {
						t.Errorf("viewer of %s GET %s shows %q of %s", tn, path, s, owner)
					}
				}
			}
		}
		for _, other := range f.tenants {
			if other == tn {
				continue
			}
			if code, _, _ := f.do(t, c, "/api/admin/credits?tenant="+other); code != http.StatusForbidden {
				t.Errorf("viewer of %s reading %s's credits: %d, want 403", tn, other, code)
			}
			if code, _, _ := f.do(t, c, "/api/admin/tenants/"+other+"/statement"); code != http.StatusForbidden {
				t.Errorf("viewer of %s downloading %s's statement: %d, want 403", tn, other, code)
			}
			for _, id := range []string{fmt.Sprint(f.internal[other]), f.incidents[other]} {
				if code, _, _ := f.do(t, c, "/api/admin/incidents/"+id); code != http.StatusNotFound {
					t.Errorf("viewer of %s reading %s's incident %s: %d, want 404", tn, other, id, code)
				}
			}
		}
		if code, _, _ := f.do(t, c, "/api/admin/exclusions"); code != http.StatusForbidden {
			t.Errorf("viewer of %s GET exclusions: %d, want 403", tn, code)
		}
	}
}

// TestTenantLoginForm signs in through the HTML form with a browser-like
// cookie jar, is refused another tenant's page, and signs out.
func TestTenantLoginForm(t *testing.T) {
	f := newIsolationFixture(t)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	form := func(path string, v url.Values, origin string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, f.base+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	fetch := func(path string) (int, string) {
		resp, err := client.Get(f.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetch("/status/acme"); code != http.StatusUnauthorized || !strings.Contains(body, `name="token"`) {
		t.Fatalf("unauthenticated page: %d, want 401 with the sign-in form", code)
	}
	// A form posted from another site is refused before the token is read.
	if code, _ := form("/status/acme/login", url.Values{"token": {f.creds["viewer-acme"].bearer}}, "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: %d, want 403", code)
	}
	if code, body := form("/status/acme/login", url.Values{"token": {f.creds["viewer-globex"].bearer}}, ""); code != http.StatusForbidden || strings.Contains(body, "Acmedb") {
		t.Errorf("sign-in to acme with globex's token: %d, want 403 without acme's data", code)
	}
	code, body := form("/status/acme/login", url.Values{"token": {f.creds["viewer-acme"].bearer}}, f.base)
	if code != http.StatusOK || !strings.Contains(body, "Acmedb Private Cluster") {
		t.Fatalf("sign-in with acme's token: %d, want the page (after redirect)\n%.400s", code, body)
	}
	if code, _ := fetch("/status/globex"); code == http.StatusOK {
		t.Errorf("acme's session opened globex's page")
	}
	if code, _ := form("/status/acme/logout", nil, f.base); code != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", code)
	}
	// A link sets a cookie scoped to its tenant, then the page loads from it.
	code, body = fetch("/status/globex?" + f.links["globex"])
	if code != http.StatusOK || !strings.Contains(body, "Globexmail Private Relay") {
		t.Errorf("signed link: %d, want the page", code)
	}
}
