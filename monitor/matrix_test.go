package monitor

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// The isolation matrix of the fixture where two tenants share the public
// service mail, each through an endpoint check of its own beside mail's
// shared check, and acme has a private service (crosstenant_test.go):
// every credential is sent to every route (public pages, APIs and feed,
// both tenants' pages, APIs and feeds, every incident's page, the admin
// API's reads, /metrics on the public port and on the metrics listener),
// and every answer is checked for its status and for what its reader may
// not learn.

// Readers of an answer.
const (
	toPublic = "public"
	toAcme   = "acme"
	toBravo  = "bravo"
	toStaff  = "staff" // staff and metrics scrapers: may read everything
)

// secret is text only its readers may find in an answer.
type secret struct {
	text    string
	readers []string
}

// matrixCred is a credential of the matrix and what it is.
type matrixCred struct {
	cred
	role   string // a token's role, access.Link for a link, "" for none or a bad one
	tenant string // a viewer's or a link's tenant
	valid  bool   // a live token or link
}

// matrixRoute is one GET of the matrix.
type matrixRoute struct {
	base     string
	path     string
	kind     string // public, metrics, tenant, admin, listener
	tenant   string // of a tenant route
	incident string // the public ID an incident route names
}

// crossMatrixFixture is the shared-service fixture, running, with a
// published post-mortem on the public incident, one naming both tenants on
// the incident only they saw, maintenance on both services, a credit each,
// SLA gauges, a metrics listener and a credential of every kind.
type crossMatrixFixture struct {
	*crossFixture
	metricsBase string
	creds       map[string]matrixCred
	ids         []string            // public IDs of the incidents, by store ID from 1
	seenBy      map[string][]string // public ID -> the readers that see it (staff: all)
	secrets     []secret
}

// newCrossMatrixFixture builds and starts the fixture; opts change the
// monitor before it starts.
func newCrossMatrixFixture(t *testing.T, opts ...func(*testMonitor)) *crossMatrixFixture {
	t.Helper()
	f := &crossMatrixFixture{crossFixture: newCrossFixture(t), creds: map[string]matrixCred{}}
	ctx := context.Background()
	for id := int64(1); id <= 4; id++ {
		pid, err := IncidentPublicID(ctx, f.app.db, id)
		if err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, pid)
	}
	// Store IDs in the order detection opened them: mail at 10, the
	// ledger at 20, mail at 130 (the tenants' own checks alone), mail at
	// 185 (acme's endpoint, still open).
	f.seenBy = map[string][]string{
		f.ids[0]: {toPublic, toAcme, toBravo}, f.ids[1]: {toAcme}, f.ids[2]: {toAcme, toBravo}, f.ids[3]: {toAcme},
	}
	f.publishTemplate(t)
	f.publish(t, 3, "| Tenant | Breach minutes |\n|---|---|\n| acme | 10 |\n| bravo | 10 |\n")
	soon := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	for _, m := range []db.Maintenance{
		{Services: []string{"mail"}, Title: "Mail relay swap", Start: soon, End: soon.Add(time.Hour)},
		{Services: []string{"acme-ledger"}, Title: "Ledger vault rekey", Start: soon, End: soon.Add(time.Hour)},
	} {
		if _, err := f.app.db.AddMaintenance(ctx, m, "ops"); err != nil {
			t.Fatal(err)
		}
	}
	f.credits(t)
	f.credentials(t)
	if err := f.app.UpdateSLA(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.app.ServeMetrics(l)
	f.metricsBase = "http://" + l.Addr().String()
	f.app.web.RateLimit = 0 // the matrix sends many requests per credential
	for _, o := range opts {
		o(f.app)
	}
	f.start(t)
	f.secrets = f.secretsOf()
	return f
}

// credits records a closed period's credit for each tenant.
func (f *crossMatrixFixture) credits(t *testing.T) {
	t.Helper()
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	for _, c := range []struct {
		tenant, contract, currency string
		minor                      int64
	}{{"acme", "acme-mail-gold", "EUR", 4242}, {"bravo", "bravo-mail-silver", "USD", 1717}} {
		_, _, err := f.app.db.RecordClose(context.Background(), db.Credit{Tenant: c.tenant, Contract: c.contract, Period: start.Format("2006-01"),
			PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "99", UptimePercent: "99.000", BreachMinutes: "446.4",
			CreditPercent: "10", CoveragePercent: "100.00", AmountMinor: c.minor, Currency: c.currency,
			EvidenceHash: strings.Repeat(fmt.Sprint(c.minor%10), 64)}, false, "test")
		if err != nil {
			t.Fatal(err)
		}
	}
}

// credentials makes one credential of every kind.
func (f *crossMatrixFixture) credentials(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	tok := func(role, tenant string) matrixCred {
		return matrixCred{cred: cred{bearer: f.token(t, role, tenant)}, role: role, tenant: tenant, valid: true}
	}
	link := func(tenant string, exp time.Time) matrixCred {
		u, _, err := TenantLink(ctx, f.app.db, f.cfg, tenant, exp)
		if err != nil {
			t.Fatal(err)
		}
		_, q, _ := strings.Cut(u, "?")
		return matrixCred{cred: cred{link: q}, role: access.Link, tenant: tenant, valid: exp.After(time.Now())}
	}
	for _, r := range []string{access.Admin, access.AccountManager, access.Oncall, access.Metrics} {
		f.creds[r] = tok(r, "")
	}
	for _, tn := range []string{"acme", "bravo"} {
		f.creds["viewer-"+tn] = tok(access.Viewer, tn)
		f.creds["link-"+tn] = link(tn, time.Now().Add(time.Hour))
	}
	f.creds["expired-link-acme"] = link("acme", time.Now().Add(-time.Minute))
	revoked, row, err := f.app.db.CreateToken(ctx, db.NewToken{Name: "old", Role: access.Viewer, Tenant: "acme"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.db.RevokeToken(ctx, row.Prefix, "test"); err != nil {
		t.Fatal(err)
	}
	f.creds["revoked-viewer-acme"] = matrixCred{cred: cred{bearer: revoked}, role: access.Viewer, tenant: "acme"}
	f.creds["garbage-token"] = matrixCred{cred: cred{bearer: "slt_00000000_notarealtokennotarealtokennotareal"}}
	f.creds["none"] = matrixCred{}
}

// secretsOf lists what each reader may read alone: names, contracts and
// checks of each tenant, its currency, the times only its checks showed,
// the incidents it alone sees, its maintenance, the times the store
// stamped (each change of an incident, staff's alone), tenant labels of
// the metrics, and the component state of acme's endpoint.
func (f *crossMatrixFixture) secretsOf() []secret {
	acme, bravo, both, staff := []string{toAcme}, []string{toBravo}, []string{toAcme, toBravo}, []string(nil)
	out := []secret{
		{"Acme Corporation", acme}, {"acme", acme}, {"Acmeledger Vault", acme}, {"acme-mail-gold", acme}, {"EUR", acme},
		{"Ledger vault rekey", acme},
		{"Bravo Logistics", bravo}, {"bravo", bravo}, {"bravo-mail-silver", bravo}, {"USD", bravo},
		{f.ids[1], acme}, {f.ids[2], both}, {f.ids[3], acme},
		{`tenant="`, staff}, {`"status":"major_outage"`, acme},
	}
	ts := func(m int) string { return f.minute(m).UTC().Format("2006-01-02T15:04:05") }
	for _, m := range []int{10, 20, 30, 100, 130, 140, 185} { // acme's checks alone
		out = append(out, secret{ts(m), acme})
	}
	for _, m := range []int{60, 80, 135, 145} { // bravo's checks alone
		out = append(out, secret{ts(m), bravo})
	}
	// The store's stamps: detection ran a second into each minute. The
	// last minute's is left out: the wall clock, which stamps what the
	// test writes after the story (tokens, maintenance), may read it too.
	for m := 1; m < crossEnd; m++ {
		out = append(out, secret{f.minute(m).Add(time.Second).UTC().Format("2006-01-02T15:04:05"), staff})
	}
	return out
}

// routes are every GET of the matrix.
func (f *crossMatrixFixture) routes() []matrixRoute {
	api := []string{"summary.json", "status.json", "components.json", "incidents.json", "incidents/unresolved.json",
		"scheduled-maintenances.json", "scheduled-maintenances/upcoming.json", "scheduled-maintenances/active.json"}
	var out []matrixRoute
	add := func(kind, tenant, path, incident string) {
		base := f.base
		if kind == "listener" {
			base = f.metricsBase
		}
		out = append(out, matrixRoute{base: base, path: path, kind: kind, tenant: tenant, incident: incident})
	}
	add("public", "", "/", "")
	add("public", "", "/feed.atom", "")
	add("metrics", "", "/metrics", "")
	add("listener", "", "/metrics", "")
	add("listener", "", "/", "")
	for _, p := range api {
		add("public", "", "/api/v2/"+p, "")
	}
	for _, tn := range []string{"acme", "bravo"} {
		add("tenant", tn, "/status/"+tn, "")
		add("tenant", tn, "/status/"+tn+"/feed.atom", "")
		for _, p := range api {
			add("tenant", tn, "/status/"+tn+"/api/v2/"+p, "")
		}
	}
	for _, p := range []string{"/api/admin/incidents", "/api/admin/maintenance", "/api/admin/credits", "/api/admin/tenants", "/api/admin/contracts"} {
		add("admin", "", p, "")
	}
	// The staff console takes its own sessions only: no token, link or
	// tenant session opens it.
	for _, p := range []string{"/console/", "/console/credits", "/console/credits/1", "/console/credits/2",
		"/console/credits/1/case.json", "/console/audit", "/console/tokens", "/console/sessions"} {
		add("console", "", p, "")
	}
	add("public", "", "/console/login", "")
	for _, id := range f.ids {
		add("public", "", "/incidents/"+id, id)
		for _, tn := range []string{"acme", "bravo"} {
			add("tenant", tn, "/status/"+tn+"/incidents/"+id, id)
		}
		for _, p := range []string{"", "/impact", "/postmortem"} {
			add("admin", "", "/api/admin/incidents/"+id+p, id)
		}
	}
	return out
}

// expect is the status an answer of r to c must have (any of codes) and
// who reads it.
func (f *crossMatrixFixture) expect(c matrixCred, r matrixRoute) (codes []int, reader string) {
	sees := func(who string) bool { return r.incident == "" || slices.Contains(f.seenBy[r.incident], who) }
	found := func(who string) int {
		if sees(who) {
			return http.StatusOK
		}
		return http.StatusNotFound
	}
	refused := []int{http.StatusUnauthorized, http.StatusForbidden}
	staff := c.valid && access.Staff(c.role)
	switch r.kind {
	case "public":
		return []int{found(toPublic)}, toPublic
	case "listener":
		if r.path == "/metrics" {
			return []int{http.StatusOK}, toStaff
		}
		return []int{http.StatusNotFound}, toPublic
	case "metrics":
		if c.valid && (c.role == access.Metrics || c.role == access.Admin) {
			return []int{http.StatusOK}, toStaff
		}
		return refused, toPublic
	case "console":
		return []int{http.StatusFound}, toPublic
	case "tenant":
		if staff || c.valid && (c.role == access.Viewer || c.role == access.Link) && c.tenant == r.tenant {
			return []int{found(r.tenant)}, r.tenant
		}
		return refused, toPublic
	}
	switch { // the admin API
	case staff:
		return []int{http.StatusOK}, toStaff
	case c.valid && c.role == access.Viewer:
		return []int{found(c.tenant)}, c.tenant
	}
	return refused, toPublic
}

// matrixResult is what a run of the matrix found.
type matrixResult struct {
	routes, checked int
	findings        []string
}

// run sends every credential to every route and lists what is wrong.
func (f *crossMatrixFixture) run(t *testing.T) matrixResult {
	t.Helper()
	var names []string
	for n := range f.creds {
		names = append(names, n)
	}
	slices.Sort(names)
	routes := f.routes()
	res := matrixResult{routes: len(routes)}
	for _, name := range names {
		c := f.creds[name]
		for _, r := range routes {
			code, body, _ := getAs(t, r.base, c.cred, r.path)
			res.checked++
			codes, reader := f.expect(c, r)
			if !slices.Contains(codes, code) {
				res.findings = append(res.findings, fmt.Sprintf("%s GET %s%s: %d, want %v", name, r.kind, r.path, code, codes))
			}
			if reader == toStaff {
				continue
			}
			if code == http.StatusUnauthorized || code == http.StatusForbidden {
				reader = toPublic // refused: its reader is anyone
			}
			for _, s := range f.secrets {
				if !slices.Contains(s.readers, reader) && !strings.Contains(r.path, s.text) && strings.Contains(body, s.text) {
					i := strings.Index(body, s.text)
					res.findings = append(res.findings, fmt.Sprintf("%s GET %s (read by %s): shows %q: …%s…", name, r.path, reader, s.text,
						strings.Join(strings.Fields(body[max(0, i-60):min(len(body), i+60)]), " ")))
				}
			}
		}
	}
	return res
}

// TestIsolationMatrixFindsWhatViewsHide runs the shared-service matrix on a
// slate whose pages show every reader incidents the way they did before
// readers had views of their own (whole, to every tenant they affect and,
// unless one tenant alone, to the public): the matrix must find the
// leaks, the names of the tenants' checks and times on the public page
// first of all.
func TestIsolationMatrixFindsWhatViewsHide(t *testing.T) {
	whole := func(cat *catalog.Catalog, r catalog.Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
		switch {
		case r.Staff:
			return inc, affected, true
		case r.Tenant == "":
			return inc, nil, cat.OnPublicPage(inc.Service, affected)
		}
		return inc, []string{r.Tenant}, catalog.TenantSeesIncident(r.Tenant, affected)
	}
	f := newCrossMatrixFixture(t, func(a *testMonitor) { a.viewOf = whole })
	m := f.run(t)
	publicLeak := false
	for _, finding := range m.findings {
		if strings.HasPrefix(finding, "none GET /api/v2/incidents.json (read by public): shows \"acme\"") {
			publicLeak = true
		}
	}
	if len(m.findings) == 0 || !publicLeak {
		t.Errorf("the matrix found %d leaks, none of acme's check on the public incidents.json: %q", len(m.findings), m.findings)
	}
	t.Logf("without views the matrix finds %d leaks in %d requests, e.g. %s", len(m.findings), m.checked, m.findings[0])
}
