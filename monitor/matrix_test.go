package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/subscription"
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
	// feedOwner is whose feed token a feed address route carries:
	// "acme", "bravo" or "revoked-acme".
	feedOwner string
}

// crossMatrixFixture is the shared-service fixture, running, with a
// published post-mortem on the public incident, one naming both tenants on
// the incident only they saw, maintenance on both services, a credit each,
// SLA gauges, a metrics listener and a credential of every kind.
type crossMatrixFixture struct {
	*crossFixture
	manage      map[string]string // a subscriber's manage link, by its reader
	metricsBase string
	creds       map[string]matrixCred
	ids         []string            // public IDs of the incidents, by store ID from 1
	seenBy      map[string][]string // public ID -> the readers that see it (staff: all)
	secrets     []secret
	// feeds are the feed addresses' tokens by owner: "acme", "bravo" and
	// "revoked-acme" (made and revoked before the server started).
	feeds map[string]string
}

// newCrossMatrixFixture builds and starts the fixture; opts change the
// monitor before it starts.
func newCrossMatrixFixture(t *testing.T, opts ...func(*testMonitor)) *crossMatrixFixture {
	t.Helper()
	f := &crossMatrixFixture{crossFixture: newCrossFixture(t), creds: map[string]matrixCred{}}
	ctx := context.Background()
	f.multiServiceIncidents(t)
	for id := int64(1); id <= 6; id++ {
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
		f.ids[4]: {toPublic, toAcme, toBravo}, f.ids[5]: {toAcme},
	}
	f.publishTemplate(t)
	f.publish(t, 3, "| Tenant | Breach minutes |\n|---|---|\n| acme | 10 |\n| bravo | 10 |\n")
	tmpl := db.UpdateTemplate{Name: "Mail relay", Status: "identified", Body: "The mail relay is being replaced."}
	if err := f.app.db.SaveUpdateTemplate(ctx, &tmpl, "ops"); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Minute)
	for _, m := range []db.Maintenance{
		{Services: []string{"mail"}, Title: "Mail relay swap", Start: soon, End: soon.Add(time.Hour)},
		{Services: []string{"acme-ledger"}, Title: "Ledger vault rekey", Description: "Vault keys rotate; ledger exports pause.", Start: soon, End: soon.Add(time.Hour)},
	} {
		saved, err := f.app.db.AddMaintenance(ctx, m, "ops")
		if err != nil {
			t.Fatal(err)
		}
		// A person's update: its words are the window's readers', who
		// wrote it staff's alone.
		if _, err := f.app.db.PostMaintenanceUpdate(ctx, saved.ID, store.MaintenanceScheduled, m.Title+": on schedule.", "oidc:ops-person@provider.example"); err != nil {
			t.Fatal(err)
		}
	}
	f.credits(t)
	// An agent holds a location: which instance it is is staff's.
	if _, err := f.app.db.ClaimLocation(ctx, store.LocationClaim{Location: "eu-central", Agent: matrixAgent, At: time.Now(), TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	f.credentials(t)
	f.subscribers(t)
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
	f.notify(t)
	f.pushBeats(t)
	f.secrets = f.secretsOf()
	return f
}

// multiServiceIncidents saves, as store IDs 5 and 6, two incidents
// people opened and resolved on acme's private ledger and the shared
// mail, listed in that order, titled, with the post-mortem slate
// pre-fills for each published. The first affects both tenants: bravo
// and the public read it through mail alone and never learn of the
// ledger, and its post-mortem names only what they all read. The second
// affects acme alone: nobody else learns of it, though mail is public.
func (f *crossMatrixFixture) multiServiceIncidents(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for i, inc := range []struct {
		title    string
		affected []string
	}{{"Storage latency", []string{"acme", "bravo"}}, {"Vault sync lag", []string{"acme"}}} {
		at := f.t0.Add(time.Duration(i-3)*time.Hour + 17*time.Second)
		saved := db.Incident{Incident: incident.Incident{Title: inc.title, Service: "acme-ledger", Also: []string{"mail"},
			Status: incident.Resolved, Severity: incident.Major, SeverityOverride: true, Started: at, Ended: at.Add(20 * time.Minute),
			Timeline: []incident.Entry{
				{At: at, Kind: incident.KindUpdate, Status: incident.Identified, Body: "Writes are slow; we are on it.", Author: "Dana"},
				{At: at.Add(20 * time.Minute), Kind: incident.KindUpdate, Status: incident.Resolved, Body: "Writes are fast again.", Author: "Dana"},
			}}, Tenants: inc.affected}
		if _, err := f.app.db.SaveIncident(ctx, &saved, "dana@example.com"); err != nil {
			t.Fatal(err)
		}
		if want := int64(5 + i); saved.ID != want {
			t.Fatalf("%q is store ID %d, want %d (after the story's four)", inc.title, saved.ID, want)
		}
		md, err := PostmortemTemplate(ctx, f.app.db, &f.cfg.Catalog, saved, f.minute(crossEnd))
		if err != nil {
			t.Fatal(err)
		}
		f.publish(t, saved.ID, md)
	}
}

// The heartbeats the fixture's tenants' checks received: their messages
// and times are their tenants' (and staff's).
var matrixBeats = []struct {
	token, msg string
	at         time.Time
	reader     string
}{
	{"acmeledgertoken001", "ledger export stuck at batch 4417", time.Date(2031, 7, 4, 3, 21, 9, 0, time.UTC), toAcme},
	{"mailbravotoken0001", "bravo relay queue 9931 deep", time.Date(2031, 8, 5, 4, 32, 10, 0, time.UTC), toBravo},
}

// pushBeats sends each of matrixBeats, reporting its check down, at its
// time on the fixture's clock.
func (f *crossMatrixFixture) pushBeats(t *testing.T) {
	t.Helper()
	defer f.clock.Set(time.Now())
	for _, b := range matrixBeats {
		f.clock.Set(b.at)
		resp, err := http.Post(f.base+"/push/"+b.token+"?status=down&msg="+url.QueryEscape(b.msg), "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("heartbeat of %s: %d", b.token, resp.StatusCode)
		}
	}
}

// staffNote is the note for staff the fixture adds to the public incident.
const staffNote = "Burn-rate alert SLOBudgetBurnFast not sent: 2% of the error budget of acme-mail-gold burning within 1h"

// acmeUpdate is a person's update of the incident only acme's endpoint
// showed: its readers are acme's.
const acmeUpdate = "Endpoint certificate renewed for the gold contract."

// notify adds to what detection notified a note for staff on the public
// incident, a person's update of it and one of the incident only acme
// sees, and waits until the receivers have every notification.
func (f *crossMatrixFixture) notify(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if err := f.app.noteOnIncident(ctx, 1, staffNote, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.peopleUpdates(t)
	f.app.sender.Nudge()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := f.app.db.PendingAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications still pending after 30 s", n)
		}
	}
}

// peopleUpdates posts, as a person through the admin API, an update of
// the public incident and one of the incident only acme sees: readers
// hear of an incident only through people's words.
func (f *crossMatrixFixture) peopleUpdates(t *testing.T) {
	t.Helper()
	admin := f.creds[access.Admin].bearer
	for _, u := range []struct{ id, body string }{
		{f.ids[0], `{"status": "postmortem", "body": "A post-mortem follows."}`},
		{f.ids[3], `{"status": "identified", "body": "` + acmeUpdate + `"}`},
	} {
		if code, body := f.post(t, admin, "/api/admin/incidents/"+u.id+"/updates", u.body); code != http.StatusOK {
			t.Fatalf("update %s: %d %s", u.id, code, body)
		}
	}
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
	// Feed tokens: presented as bearer tokens they open nothing; in a
	// feed address they open their own tenant's feed alone (routes).
	f.feeds = map[string]string{}
	for _, tn := range []string{"acme", "bravo"} {
		f.creds["feed-"+tn] = tok(access.Feed, tn)
		f.feeds[tn] = f.creds["feed-"+tn].bearer
	}
	oldFeed, oldRow, err := f.app.db.CreateToken(ctx, db.NewToken{Name: "old feed", Role: access.Feed, Tenant: "acme"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.db.RevokeToken(ctx, oldRow.Prefix, "test"); err != nil {
		t.Fatal(err)
	}
	f.feeds["revoked-acme"] = oldFeed
	// Agent tokens: the provider's own probes, which read their
	// location's check list (every tenant's endpoints they probe, as the
	// collector does) and nothing else.
	agent, _, err := f.app.db.CreateToken(ctx, db.NewToken{Name: "agent", Role: access.Agent, Location: "local"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	f.creds["agent-local"] = matrixCred{cred: cred{bearer: agent}, role: access.Agent, valid: true}
	oldAgent, oldAgentRow, err := f.app.db.CreateToken(ctx, db.NewToken{Name: "old agent", Role: access.Agent, Location: "local"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.db.RevokeToken(ctx, oldAgentRow.Prefix, "test"); err != nil {
		t.Fatal(err)
	}
	f.creds["revoked-agent-local"] = matrixCred{cred: cred{bearer: oldAgent}, role: access.Agent}
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
		{"Ledger vault rekey", acme}, {"Vault keys rotate", acme}, {"ops-person@provider.example", staff},
		{"Bravo Logistics", bravo}, {"bravo", bravo}, {"bravo-mail-silver", bravo}, {"USD", bravo},
		{f.ids[1], acme}, {f.ids[2], both}, {f.ids[3], acme}, {f.ids[5], acme}, {"Vault sync lag", acme},
		{"SLOBudgetBurnFast not sent", staff}, {acmeUpdate, acme},
		{`tenant="`, staff}, {`"status":"major_outage"`, acme},
		// Who subscribes is nobody's business but staff's.
		{"pub-subscriber@example.net", staff}, {"acme-subscriber@acme.example", staff}, {"bravo-subscriber@bravo.example", staff},
		{matrixAgent, staff},
	}
	for _, b := range matrixBeats {
		out = append(out, secret{b.msg, []string{b.reader}}, secret{b.at.Format("2006-01-02T15:04:05"), []string{b.reader}})
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

// matrixAgent is the instance ID of the agent holding a location.
const matrixAgent = "agent-instance-7c1e"

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
	add("public", "", "/readyz", "") // leadership and database health: nothing of tenants
	add("metrics", "", "/metrics", "")
	add("listener", "", "/metrics", "")
	add("listener", "", "/", "")
	for _, p := range api {
		add("public", "", "/api/v2/"+p, "")
	}
	// Badges: the public service's, the private service's and an
	// unknown one's (the last two alike: 404).
	for _, svc := range []string{"mail", "acme-ledger", "no-such-service"} {
		add("badge", "", "/badge/"+svc+"/status.svg", "")
		add("badge", "", "/badge/"+svc+"/uptime.svg?window=30d", "")
	}
	for _, tn := range []string{"acme", "bravo"} {
		add("tenant", tn, "/status/"+tn, "")
		add("tenant", tn, "/status/"+tn+"/feed.atom", "")
		// Each feed address on each tenant's feed: only a live token of
		// that tenant opens it, whatever else the request carries.
		for _, owner := range []string{"acme", "bravo", "revoked-acme"} {
			out = append(out, matrixRoute{base: f.base, path: "/status/" + tn + "/feed.atom?token=" + f.feeds[owner], kind: "feed address",
				tenant: tn, feedOwner: owner})
		}
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
		"/console/credits/1/case.json", "/console/audit", "/console/tokens", "/console/sessions", "/console/locations",
		"/console/incidents", "/console/incidents?tenant=acme", "/console/incidents/new", "/console/incidents/1", "/console/incidents/2",
		"/console/incidents/1?template=1", "/console/incidents/1/postmortem", "/console/incidents/3/postmortem?from=1&to=1",
		"/console/templates", "/console/templates/1",
		"/console/maintenance", "/console/maintenance/new", "/console/maintenance/1", "/console/maintenance/2"} {
		add("console", "", p, "")
	}
	add("public", "", "/console/login", "")
	// The agent API, for agent tokens alone, and the agents' health, for
	// staff alone (not viewers: it is the provider's infrastructure).
	add("agent", "", "/api/agent/checks", "")
	add("staff admin", "", "/api/admin/agents", "")
	add("staff admin", "", "/api/admin/locations", "")
	// E-mail subscriptions: the forms, bad links, and each subscriber's
	// own manage link (read by that subscriber's audience).
	add("public", "", "/subscribe", "")
	for _, p := range []string{"/subscribe/confirm?token=forged", "/subscribe/unsubscribe?token=forged", "/subscribe/manage?token=forged"} {
		add("badlink", "", p, "")
	}
	for _, reader := range []string{toPublic, toAcme, toBravo} {
		add("manage", reader, f.manage[reader], "")
	}
	for _, tn := range []string{"acme", "bravo"} {
		add("tenant", tn, "/status/"+tn+"/subscribe", "")
	}
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
	case "badlink":
		return []int{http.StatusBadRequest}, toPublic
	case "manage":
		return []int{http.StatusOK}, r.tenant
	case "badge":
		if strings.HasPrefix(r.path, "/badge/mail/") {
			return []int{http.StatusOK}, toPublic
		}
		return []int{http.StatusNotFound}, toPublic
	case "feed address":
		if r.feedOwner == r.tenant {
			return []int{http.StatusOK}, r.tenant
		}
		return []int{http.StatusUnauthorized}, toPublic
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
	case "agent":
		if c.valid && c.role == access.Agent {
			return []int{http.StatusOK}, toStaff
		}
		return refused, toPublic
	case "staff admin":
		if staff {
			return []int{http.StatusOK}, toStaff
		}
		return refused, toPublic
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
	res.findings = append(res.findings, f.checkDeliveries()...)
	return res
}

// sequence is the store's incident sequence as a notification would name
// it: in a dedup key ("incident/3") or a page's URL ("/incidents/3").
var sequence = regexp.MustCompile(`incidents?/[0-9]+\b`)

// checkDeliveries lists what is wrong with what the receivers got: the
// public's (the Statuspage subscriber webhook) is read by the public, so
// it may carry nothing another reader alone may read; no receiver learns
// the store's sequence; and the public was told of the incident it sees
// (opened, resolved, a person's update) while on-call was told of all.
func (f *crossMatrixFixture) checkDeliveries() []string {
	var out []string
	told := map[string]int{}
	for _, d := range f.received.all() {
		if m := sequence.FindString(d.body); m != "" {
			out = append(out, fmt.Sprintf("notification to %s names the store's sequence %q: %.200s", d.receiver, m, d.body))
		}
		switch d.receiver {
		case "public":
			for _, s := range f.secrets {
				if !slices.Contains(s.readers, toPublic) && strings.Contains(d.body, s.text) {
					out = append(out, fmt.Sprintf("notification to the public shows %q: %.300s", s.text, d.body))
				}
			}
			told["public"]++
			if strings.Contains(d.body, "A post-mortem follows.") {
				told["public update"]++
			}
		case "staff":
			if strings.Contains(d.body, acmeUpdate) {
				told["staff update"]++
			}
		}
	}
	for what, least := range map[string]int{"public": 3, "public update": 1, "staff update": 1} {
		if told[what] < least {
			out = append(out, fmt.Sprintf("%d notifications counted as %q, want at least %d", told[what], what, least))
		}
	}
	return out
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

// subscribers subscribes one address to the public page and one to each
// tenant's, and keeps each one's manage link.
func (f *crossMatrixFixture) subscribers(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	keys, err := f.app.subscriptionKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.manage = map[string]string{}
	for _, s := range []struct{ reader, page, addr string }{
		{toPublic, "", "pub-subscriber@example.net"}, {toAcme, "acme", "acme-subscriber@acme.example"}, {toBravo, "bravo", "bravo-subscriber@bravo.example"},
	} {
		if err := f.app.db.Subscribe(ctx, store.Subscriber{Address: s.addr, Page: s.page, ConfirmedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		tok, err := subscription.Sign(keys[0], subscription.Token{Purpose: subscription.Unsubscribe, Address: s.addr, Scope: dashboard.Scope(s.page)})
		if err != nil {
			t.Fatal(err)
		}
		f.manage[s.reader] = "/subscribe/manage?token=" + url.QueryEscape(tok)
	}
}

// TestIsolationMatrixMail: the e-mail each subscriber is owed over the
// fixture's story — incident updates and maintenance notices, each
// composed as it is sent — says nothing its reader may not learn: the
// public subscriber reads no tenant's name, check or times, each tenant's
// subscriber nothing of the other's, and none reads another's address.
func TestIsolationMatrixMail(t *testing.T) {
	f := newCrossMatrixFixture(t)
	ctx := context.Background()
	f.app.stopSend() // the rows are composed here, not sent
	<-f.app.sent
	f.app.stopSend, f.app.sent = func() {}, make(chan error, 1)
	f.app.sent <- nil
	f.peopleUpdates(t)
	// Along the story, then now: people's updates and the fixture's
	// maintenance were written now, so only the last pass (not the story's
	// last minute, which may fall before them) is owed their mail.
	var at []time.Time
	for _, m := range []int{45, 70, 110, 140, 150, 190, crossEnd} {
		at = append(at, f.minute(m).Add(30*time.Second))
	}
	for _, now := range append(at, time.Now()) {
		if _, err := f.app.NotifySubscribers(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	as, err := f.app.db.DueAlerts(ctx, time.Now().Add(24*time.Hour), 10000)
	if err != nil {
		t.Fatal(err)
	}
	readers := map[string]string{"": toPublic, "acme": toAcme, "bravo": toBravo}
	got := map[string]int{}
	for _, a := range as {
		if a.Receiver != MailReceiver {
			continue
		}
		e, err := decodeTestEvent(a.Payload)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := f.app.mail.compose(ctx, a, e, time.Now())
		if err != nil {
			t.Fatalf("compose %s: %v", a.DedupKey, err)
		}
		reader := readers[e.Tenant]
		got[reader]++
		body := string(msg.Bytes())
		for _, s := range f.secrets {
			if !slices.Contains(s.readers, reader) && s.text != msg.To && strings.Contains(body, s.text) {
				t.Errorf("e-mail %s to the %s subscriber shows %q", a.DedupKey, reader, s.text)
			}
		}
	}
	// The public saw mail's shared outage; each tenant its own part of
	// both incidents, and acme its private ledger.
	for _, r := range []string{toPublic, toAcme, toBravo} {
		if got[r] == 0 {
			t.Errorf("the %s subscriber was owed no e-mail: the matrix checked nothing for it (%v)", r, got)
		}
	}
	t.Logf("e-mail matrix: %v messages per reader checked", got)
}

func decodeTestEvent(payload []byte) (alert.Event, error) {
	var e alert.Event
	return e, json.Unmarshal(payload, &e)
}

// consoleForms are the on-call forms of the console, each with a valid
// body: a credential that is not a console session must change nothing
// through any of them.
var consoleForms = []struct {
	path string
	form url.Values
}{
	{"/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}},
	{"/console/incidents/1/updates", url.Values{"status": {"postmortem"}, "body": {"x"}}},
	{"/console/incidents/4/resolve", url.Values{"body": {"x"}}},
	{"/console/incidents/1/severity", url.Values{"severity": {"critical"}}},
	{"/console/incidents/1/edit", url.Values{"title": {"t"}}},
	{"/console/incidents/4/publish", url.Values{"entry": {"1"}}},
	{"/console/incidents/1/postmortem", url.Values{"action": {"save"}, "markdown": {"x"}}},
	{"/console/incidents/1/postmortem/publish", url.Values{"version": {"1"}}},
	{"/console/templates", url.Values{"name": {"n"}, "status": {"identified"}, "body": {"x"}}},
	{"/console/templates/1", url.Values{"name": {"n"}, "status": {"identified"}, "body": {"x"}}},
	{"/console/templates/1/delete", nil},
	{"/console/maintenance", url.Values{"services": {"mail"}, "title": {"x"}, "start": {"2030-01-01T00:00"}, "end": {"2030-01-01T01:00"},
		"zone": {"UTC"}, "confirm": {"yes"}}},
	{"/console/maintenance/1/updates", url.Values{"status": {"scheduled"}, "body": {"forged"}}},
	{"/console/maintenance/2/cancel", nil},
}

// consoleFormFindings posts every console form with every credential of
// the matrix, from the console's own origin (so only sign-in stands in
// the way): each is refused, learns nothing and changes nothing stored.
func (f *crossMatrixFixture) consoleFormFindings(t *testing.T) []string {
	t.Helper()
	before := f.storeState(t)
	var out []string
	for name, c := range f.creds {
		for _, fm := range consoleForms {
			u := f.base + fm.path
			if c.link != "" {
				u += "?" + c.link
			}
			req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(fm.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", f.base)
			if c.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+c.bearer)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), "Sign in again") {
				out = append(out, fmt.Sprintf("%s POST %s: %d, want 401 asking to sign in", name, fm.path, resp.StatusCode))
			}
			for _, s := range f.secrets {
				if strings.Contains(string(b), s.text) {
					out = append(out, fmt.Sprintf("%s POST %s: shows %q", name, fm.path, s.text))
				}
			}
		}
	}
	if after := f.storeState(t); after != before {
		out = append(out, "console forms posted without a session changed the store:\n"+before+"\n"+after)
	}
	return out
}

// storeState is the incidents, post-mortems, templates, maintenance
// windows with their updates and audit log's length, as one string.
func (f *crossMatrixFixture) storeState(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	incs, err := f.app.db.Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, inc := range incs {
		vs, _ := f.app.db.PostmortemVersions(ctx, inc.ID)
		fmt.Fprintf(&b, "%d r%d %s %s %d %d;", inc.ID, inc.Revision, inc.Title, inc.Severity, len(inc.Timeline), len(vs))
	}
	ts, _ := f.app.db.UpdateTemplates(ctx)
	audit, _ := f.app.db.AuditEntries(ctx, 0, 100000)
	ms, _ := f.app.db.ListMaintenance(ctx)
	fmt.Fprintf(&b, " %+v %+v %d", ts, ms, len(audit))
	return b.String()
}
