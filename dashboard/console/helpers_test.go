package console_test

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
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/dashboard/console"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/oidctest"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const testConfig = `server: {listen: "127.0.0.1:0"}
tenants:
  - {id: acme, name: Acme Corporation, timezone: Europe/Berlin}
  - {id: bravo, name: Bravo Logistics}
services: [{id: mail, name: Mail, public: true}, {id: web, name: Website}]
checks: [{id: mail-smtp, service: mail, kind: tcp, target: "127.0.0.1:25"}]
contracts:
  - id: acme-gold
    tenant: acme
    services: [mail]
    fee: {amount: "1000.00", currency: EUR}
    policy: {target: "99.9", tiers: [{uptime: "[99, 99.9)", credit: "10"}, {uptime: "[0, 99)", credit: "25"}]}
  - id: bravo-silver
    tenant: bravo
    services: [mail]
    fee: {amount: "500.00", currency: USD}
    maintenance_notice: 24h
    policy: {target: "99.5", tiers: [{uptime: "[0, 99.5)", credit: "10"}]}
`

// fixture is a console on a real SQLite store behind a real HTTP server on
// 127.0.0.1, signing in through a real OpenID Connect provider.
type fixture struct {
	db     *db.DB
	dbPath string // its file, for tests that edit it behind slate's back
	op     *oidctest.Provider
	srv    *httptest.Server
	cat    *catalog.Catalog
	web    *dashboard.Server // the status pages beside the console
	offset atomic.Int64      // added to the wall clock, in nanoseconds
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixtureOn(t, func(d *db.DB) console.Store { return d })
}

// newFixtureOn is newFixture with the console on store(f.db): the real
// store, or the real store with a fault injected.
func newFixtureOn(t testing.TB, store func(*db.DB) console.Store) *fixture {
	t.Helper()
	cfg, err := config.Parse("test.yml", strings.NewReader(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{dbPath: filepath.Join(t.TempDir(), "slate.db"), op: oidctest.Start(t, "slate-console", "client-secret"), cat: &cfg.Catalog}
	f.op.SetClock(f.now)
	if f.db, err = db.Open(f.dbPath, db.Options{Now: f.now}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	var h http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)
	s := console.Settings{Issuer: f.op.URL, ClientID: "slate-console", ClientSecret: "client-secret",
		RedirectURL: f.srv.URL + "/console/auth/callback", RoleClaim: "groups", Scopes: []string{"email", "profile"},
		Roles: console.Roles{Admin: []string{"sre-leads"}, AccountManager: []string{"billing"}, Oncall: []string{"sre"}},
		Idle:  30 * time.Minute, Absolute: 12 * time.Hour}
	// Served as slate serves it: on the dashboard's server, behind its
	// security headers and next to its stylesheet.
	f.web = dashboard.NewServer(prometheus.NewRegistry())
	c := console.New(s, store(f.db), func() *catalog.Catalog { return f.cat }, f.now, nil)
	c.Refresh = f.publish
	c.Locations = f.locations
	f.web.HandleConsole(c.Handler())
	h = f.web.Handler()
	f.publish(context.Background())
	return f
}

// publish rebuilds the public status page as slate does after a change:
// the configured and stored maintenance, by public IDs, through the
// monitor's own conversion; the mail service up.
func (f *fixture) publish(ctx context.Context) {
	cat, err := monitor.WithStoredMaintenance(ctx, f.cat, f.db)
	if err != nil {
		panic(err) // a fixture's store that cannot list is a broken test
	}
	in := dashboard.SnapshotInput{Page: dashboard.Page{ID: "slate", Name: "Example", URL: f.srv.URL, TimeZone: "Etc/UTC"},
		Services:     []dashboard.ServiceState{{ID: "mail", Name: "Mail", State: sla.StateUp, Since: f.now().Add(-time.Hour)}},
		Maintenances: monitor.MaintenanceRecords(cat, []byte("public-id-key")),
	}
	f.web.SetSnapshot(dashboard.BuildSnapshot(in, f.now()))
}

// agentAt makes agent the live holder of location with one batch stored.
func (f *fixture) agentAt(t testing.TB, location, agent string) {
	t.Helper()
	ctx, now := context.Background(), f.now()
	if _, err := f.db.ClaimLocation(ctx, store.LocationClaim{Location: location, Agent: agent, At: now, TTL: time.Minute, ClockOffset: 12 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.RecordLocationBatch(ctx, store.LocationBatch{Location: location, Agent: agent, At: now, Through: now.Add(-2 * time.Second), Results: 3}); err != nil {
		t.Fatal(err)
	}
}

// locations is every location's health, as slate serve tells it with its
// collector at "local".
func (f *fixture) locations(ctx context.Context) ([]store.LocationHealth, error) {
	states, err := f.db.LocationStates(ctx)
	ids := f.cat.LocationIDs()
	return store.Healths(ids, make([]string, len(ids)), "local", states, f.now()), err
}

func (f *fixture) now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

// advance moves the console's clock forward by d.
func (f *fixture) advance(d time.Duration) { f.offset.Add(int64(d)) }

// browser is an HTTP client with a cookie jar, as a browser without
// JavaScript.
func browser(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// signIn signs a person of the given groups in and returns their browser
// and the last answer (the console's home page after the redirects).
func (f *fixture) signIn(t testing.TB, email string, groups ...string) (*http.Client, int, string) {
	t.Helper()
	gs := make([]any, len(groups))
	for i, g := range groups {
		gs[i] = g
	}
	f.op.SignIn(map[string]any{"sub": "sub-" + email, "email": email, "name": strings.Split(email, "@")[0], "groups": gs})
	b := browser(t)
	code, body := get(t, b, f.srv.URL+"/console/auth/start")
	return b, code, body
}

func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// record records a closed period's credit of minor units for contract.
func (f *fixture) record(t *testing.T, tenant, contract, period, currency string, minor int64) store.Credit {
	t.Helper()
	start, err := time.ParseInLocation("2006-01", period, f.cat.Zone(tenant))
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := f.db.RecordClose(context.Background(), store.Credit{Tenant: tenant, Contract: contract, Period: period,
		PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "99", UptimePercent: "99.000", BreachMinutes: "446.4",
		CreditPercent: "10", CoveragePercent: "100.00", AmountMinor: minor, Currency: currency,
		EvidenceHash: strings.Repeat(fmt.Sprint(minor%10), 64)}, false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	return c
}
