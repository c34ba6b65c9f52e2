package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// crossConfig has two tenants sharing the public service mail, each
// through an endpoint check of its own beside mail's shared check, and a
// private service of acme's. The checks are push checks with a day's
// interval, so that the probes of the running slate write nothing while a
// test writes the evidence it wants.
const crossConfig = `
storage: {path: %q}
server: {listen: "127.0.0.1:0", public_url: "http://127.0.0.1:0"}
email: {from: "Status <status@example.net>", host: 127.0.0.1, port: 1, security: none}
tenants:
  - {id: acme, name: Acme Corporation}
  - {id: bravo, name: Bravo Logistics}
services:
  - {id: mail, name: Mail}
  - {id: acme-ledger, name: Acmeledger Vault, public: false}
checks:
  - {id: mail-shared, service: mail, kind: push, interval: 24h, push: {token: mailsharedtoken0001}}
  - {id: mail-acme-endpoint, service: mail, tenant: acme, kind: push, interval: 24h, push: {token: mailacmetoken00001}}
  - {id: mail-bravo-endpoint, service: mail, tenant: bravo, kind: push, interval: 24h, push: {token: mailbravotoken0001}}
  - {id: acme-ledger-api, service: acme-ledger, tenant: acme, kind: push, interval: 24h, push: {token: acmeledgertoken001}}
contracts:
  - {id: acme-mail-gold, tenant: acme, services: [mail, acme-ledger], fee: {amount: "1000.00", currency: EUR},
     policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}}
  - {id: bravo-mail-silver, tenant: bravo, services: [mail], fee: {amount: "500.00", currency: USD},
     policy: {target: "99.5", tiers: [{uptime: "[0, 99.5)", credit: "10"}]}}
alerting:
  receivers:
    - {name: subscribers, kind: statuspage, url: "RECEIVERS/public"}
    - {name: oncall, kind: webhook, url: "RECEIVERS/staff", secret: "oncall-signing-secret"}
  routes: [{receiver: subscribers}, {receiver: oncall}]
`

// delivery is one notification a receiver of the fixture got.
type delivery struct {
	receiver string // "public" (the Statuspage subscriber webhook) or "staff" (on-call's webhook)
	body     string
}

// receiverLog is what the fixture's receivers got, in order.
type receiverLog struct {
	mu  sync.Mutex
	got []delivery
}

func (l *receiverLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.got = append(l.got, delivery{strings.TrimPrefix(r.URL.Path, "/"), string(b)})
	l.mu.Unlock()
}

// all is a copy of what the receivers got.
func (l *receiverLog) all() []delivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// crossMinutes is the fixture's story, in minutes from its start, each
// span [from, to) a check's outage:
//
//   - acme's endpoint fails at 10, the shared check from 40 to 50, bravo's
//     endpoint from 60 to 80, acme's until 100: one incident of mail,
//     which the public sees from 40 to 50 and bravo from 40 to 80;
//   - acme's endpoint fails from 130 to 140 and bravo's from 135 to 145:
//     an incident that only the two tenants' own checks saw, invisible to
//     the public;
//   - acme's private ledger fails from 20 to 30;
//   - acme's endpoint fails again from 185 on and is down at the end.
var crossMinutes = map[string][][2]int{
	"mail-acme-endpoint":  {{10, 100}, {130, 140}, {185, crossEnd}},
	"mail-shared":         {{40, 50}},
	"mail-bravo-endpoint": {{60, 80}, {135, 145}},
	"acme-ledger-api":     {{20, 30}},
}

// crossEnd is the fixture's last minute: detection has judged every minute
// before it.
const crossEnd = 200

// crossFixture is a slate that went through crossMinutes, with detection
// run on every minute at that minute's time, so that what the store
// stamps (an incident's creation and changes) is story time too.
type crossFixture struct {
	app   *testMonitor
	cfg   *config.Config
	clock *testkit.Clock
	t0    time.Time // the story's minute 0
	base  string    // the running slate's URL; "" until started
	// received is what the alerting receivers got: a Statuspage subscriber
	// webhook (the public's) and on-call's webhook, both sent everything.
	received *receiverLog
}

// newCrossFixture writes the story's evidence and runs detection over it,
// minute by minute, as the detection job would. The slate is not started.
func newCrossFixture(t *testing.T) *crossFixture { t.Helper(); return newCrossFixtureWith(t, nil) }

// newCrossFixtureWith is newCrossFixture with the configuration changed
// by change (when not nil) before the slate is built.
func newCrossFixtureWith(t *testing.T, change func(*config.Config)) *crossFixture {
	t.Helper()
	received := &receiverLog{}
	srv := httptest.NewServer(received)
	t.Cleanup(srv.Close)
	cfg := loadTestConfig(t, strings.ReplaceAll(crossConfig, "RECEIVERS", srv.URL))
	// The staff console is on, so the isolation matrix sees its routes;
	// nobody signs in, so its provider is never asked.
	cfg.Console = config.Console{OIDC: config.OIDC{Issuer: "http://127.0.0.1:9", ClientID: "slate", ClientSecret: "secret",
		RedirectURL: "http://127.0.0.1:9/console/auth/callback", RoleClaim: "groups", Roles: config.ConsoleRoles{Admin: []string{"sre-leads"}}},
		Session: config.ConsoleSession{Idle: config.DefaultSessionIdle, Absolute: config.DefaultSessionAbsolute}}
	if change != nil {
		change(cfg)
	}
	f := &crossFixture{cfg: cfg, clock: &testkit.Clock{}, received: received}
	f.t0 = time.Now().UTC().Truncate(time.Minute).Add(-crossEnd * time.Minute)
	f.clock.Set(f.t0)
	f.app = testApp(t, cfg, Options{Now: f.clock.Now})
	ctx := context.Background()
	var rs []sla.Result
	for check, spans := range crossMinutes {
		for m := range crossEnd {
			ok := true
			for _, s := range spans {
				if m >= s[0] && m < s[1] {
					ok = false
				}
			}
			rs = append(rs, sla.Result{CheckID: check, Location: "local", At: f.minute(m).Add(10 * time.Second), OK: ok})
		}
	}
	if err := f.app.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	f.detect(t, 1, crossEnd)
	return f
}

// minute is the story's minute m.
func (f *crossFixture) minute(m int) time.Time { return f.t0.Add(time.Duration(m) * time.Minute) }

// detect runs detection as the job would at the ends of minutes from to
// to-1 (each run judges the minute before it).
func (f *crossFixture) detect(t *testing.T, from, to int) {
	t.Helper()
	for m := from; m <= to; m++ {
		f.clock.Set(f.minute(m).Add(time.Second))
		if err := f.app.Detect(context.Background(), f.minute(m)); err != nil {
			t.Fatalf("detect at minute %d: %v", m, err)
		}
	}
	f.clock.Set(time.Now()) // tokens, links and pages from here on: the real time
}

// start serves the fixture's slate on a loopback port.
func (f *crossFixture) start(t *testing.T) {
	t.Helper()
	f.app.web.AuthFailures = 1 << 30 // the matrix fails on purpose, many times, from one address
	f.base = startTestApp(t, f.app)
	if err := f.app.RefreshStatus(context.Background(), f.minute(crossEnd)); err != nil {
		t.Fatal(err)
	}
}

// get answers GET path in process, with token as a bearer token ("" for
// none).
func (f *crossFixture) get(t *testing.T, token, path string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	f.app.web.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// token creates a token of role (for tenant, for a viewer).
func (f *crossFixture) token(t *testing.T, role, tenant string) string {
	t.Helper()
	tok, _, err := f.app.db.CreateToken(context.Background(), db.NewToken{Name: role + " " + tenant, Role: role, Tenant: tenant}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// componentStatus is the status of component id in a components.json
// body.
func componentStatus(t *testing.T, body, id string) string {
	t.Helper()
	var doc struct {
		Components []struct{ ID, Status string }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("components.json: %v\n%.300s", err, body)
	}
	for _, c := range doc.Components {
		if c.ID == id {
			return c.Status
		}
	}
	t.Fatalf("components.json has no %s: %.300s", id, body)
	return ""
}

// TestPublicComponentFromSharedChecksOnly: acme's own endpoint of the
// shared service is down at the end of the story, its shared check up.
// The public component stays operational; acme's page shows the outage,
// bravo's does not.
func TestPublicComponentFromSharedChecksOnly(t *testing.T) {
	f := newCrossFixture(t)
	admin := f.token(t, access.Admin, "")
	for _, tc := range []struct{ name, token, path, want string }{
		{"public", "", "/api/v2/components.json", dashboard.Operational},
		{"acme", admin, "/status/acme/api/v2/components.json", dashboard.MajorOutage},
		{"bravo", admin, "/status/bravo/api/v2/components.json", dashboard.Operational},
	} {
		code, body := f.get(t, tc.token, tc.path)
		if code != http.StatusOK {
			t.Fatalf("%s: GET %s: %d", tc.name, tc.path, code)
		}
		if got := componentStatus(t, body, "mail"); got != tc.want {
			t.Errorf("%s: mail is %s, want %s", tc.name, got, tc.want)
		}
	}
}
