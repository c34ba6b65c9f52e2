package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/internal/metric"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// TestAdminAPIRefusesTimesTheEngineCannotHold: a maintenance window or an
// exclusion reaching past the SLA engine's years (1678 to 2262) is refused
// at the door, naming the field, and nothing is stored.
func TestAdminAPIRefusesTimesTheEngineCannotHold(t *testing.T) {
	f := newIsolationFixture(t)
	oncall, am := f.creds["oncall"].bearer, f.creds["account_manager"].bearer
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct{ name, token, path, body, field string }{
		{"maintenance ending in 9999", oncall, "/api/admin/maintenance",
			fmt.Sprintf(`{"services":["web"],"title":"Forever","start":%q,"end":"9999-12-31T00:00:00Z"}`, soon), "end"},
		{"maintenance starting in 0001", oncall, "/api/admin/maintenance",
			fmt.Sprintf(`{"services":["web"],"title":"Always","start":"0001-01-01T00:00:00Z","end":%q}`, soon), "start"},
		{"exclusion ending in 9999", am, "/api/admin/exclusions",
			fmt.Sprintf(`{"contract":"acme-gold","start":%q,"end":"9999-12-31T00:00:00Z","reason":"x"}`, soon), "end"},
		{"exclusion starting in 0001", am, "/api/admin/exclusions",
			fmt.Sprintf(`{"contract":"acme-gold","start":"0001-01-01T00:00:00Z","end":%q,"reason":"x"}`, soon), "start"},
	} {
		code, body := f.api(t, tc.token, "POST", tc.path, tc.body)
		if code != http.StatusBadRequest || fieldOf(body) != tc.field {
			t.Errorf("%s: %d %v, want 400 naming %s", tc.name, code, body, tc.field)
		}
	}
	ctx := context.Background()
	if ms, err := f.app.db.ListMaintenance(ctx); err != nil || len(ms) != 0 {
		t.Errorf("stored maintenance: %+v, %v; want none", ms, err)
	}
	if es, err := f.app.db.ListExclusions(ctx, ""); err != nil || len(es) != 0 {
		t.Errorf("stored exclusions: %+v, %v; want none", es, err)
	}
}

// poisonConfig has three contracts: acme's and carol's on web, bravo's on
// db. carol's own endpoint check of web is the one whose evidence the
// test corrupts.
const poisonConfig = `
storage: {path: %q}
server: {listen: "127.0.0.1:0", metrics_listen: "off"}
tenants: [{id: acme}, {id: bravo}, {id: carol}]
services: [{id: web}, {id: db}]
checks:
  - {id: web-shared, service: web, kind: push, interval: 24h, push: {token: websharedtoken00001}}
  - {id: db-shared, service: db, kind: push, interval: 24h, push: {token: dbsharedtoken000001}}
  - {id: carol-endpoint, service: web, tenant: carol, kind: push, interval: 24h, push: {token: carolendpoint000001}}
contracts:
  - {id: acme-web, tenant: acme, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9", maintenance: excluded}}
  - {id: bravo-db, tenant: bravo, services: [db], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}
  - {id: carol-web, tenant: carol, services: [web], fee: {amount: "100", currency: EUR}, policy: {target: "99.9"}}
alerting:
  receivers: [{name: ops, kind: webhook, url: "http://127.0.0.1:1/", secret: "a-long-shared-secret-for-tests"}]
  routes: [{receiver: ops}]
`

// TestPoisonedRowsStopNoOtherContract puts rows in the store behind the
// admin API's back: a maintenance window on web from year 1 to 9999, an
// exclusion of bravo's from year 1, and garbage in place of the minute
// history of carol's own check. The period close, the SLA gauges and the
// report still cover acme and bravo; carol's contract, whose evidence
// cannot be read, is named in the error and raises an alert.
func TestPoisonedRowsStopNoOtherContract(t *testing.T) {
	cfg := loadTestConfig(t, poisonConfig)
	clock := &testkit.Clock{}
	now := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	clock.Set(now)
	a := testApp(t, cfg, Options{Now: clock.Now})
	ctx := context.Background()
	var rs []sla.Result
	for _, day := range []time.Time{now.AddDate(0, 0, -5), now.Add(-2 * time.Hour)} { // last month, and this one
		for m := range 60 {
			for _, check := range []string{"web-shared", "db-shared", "carol-endpoint"} {
				rs = append(rs, sla.Result{CheckID: check, Location: "local", At: day.Add(time.Duration(m) * time.Minute), OK: true})
			}
		}
	}
	if err := a.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	far, early := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	announced := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() // long enough ahead to be excluded
	err := a.db.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO maintenance (services, title, start_ms, end_ms, announced_ms, actor) VALUES ('["web"]', 'forever', ?, ?, ?, 'x')`,
				[]any{early, far, announced}},
			{`INSERT INTO exclusions (contract, start_ms, end_ms, reason, actor, created_ms) VALUES ('bravo-db', ?, ?, 'always', 'x', ?)`,
				[]any{early, now.UnixMilli(), now.UnixMilli()}},
			{`UPDATE minutes SET data = x'ffffffff' WHERE check_id = (SELECT id FROM checks WHERE name = 'carol-endpoint')`, nil},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
				return nil, fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = a.CloseDue(ctx, now)
	if err == nil || !strings.Contains(err.Error(), "carol-web") {
		t.Errorf("period close: error %v, want one naming carol-web", err)
	}
	for _, k := range []string{"acme-web", "bravo-db"} {
		if cs, err := a.db.Credits(ctx, db.CreditFilter{Contract: k, Period: "2026-02"}); err != nil || len(cs) != 1 {
			t.Errorf("%s's February: %+v, %v; want it closed", k, cs, err)
		}
	}
	if cs, _ := a.db.Credits(ctx, db.CreditFilter{Contract: "carol-web"}); len(cs) != 0 {
		t.Errorf("carol-web closed on unreadable evidence: %+v", cs)
	}

	err = a.UpdateSLA(ctx, now)
	if err == nil || !strings.Contains(err.Error(), "carol-web") {
		t.Errorf("SLA gauges: error %v, want one naming carol-web", err)
	}
	for _, k := range []struct{ tenant, contract string }{{"acme", "acme-web"}, {"bravo", "bravo-db"}} {
		if _, ok := metric.GaugeValue(a.reg, "slate_sla_uptime_ratio", map[string]string{"tenant": k.tenant, "contract": k.contract}); !ok {
			t.Errorf("no uptime gauge for %s", k.contract)
		}
	}
	for _, key := range []string{"contract/carol-web", "close/carol-web"} {
		if as, err := a.db.AlertsByKey(ctx, key); err != nil || len(as) == 0 {
			t.Errorf("alerts %s: %+v, %v; want a trigger naming the failing contract", key, as, err)
		}
	}
	for _, key := range []string{"contract/acme-web", "contract/bravo-db", "close/acme-web", "close/bravo-db"} {
		if as, _ := a.db.AlertsByKey(ctx, key); len(as) != 0 {
			t.Errorf("alerts %s: %+v, want none", key, as)
		}
	}
}
