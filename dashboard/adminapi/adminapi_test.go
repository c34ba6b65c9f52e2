package adminapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/dashboard/adminapi"
	"github.com/slatehq/slate/db"
)

const testConfig = `server: {listen: "127.0.0.1:0"}
tenants:
  - {id: acme, name: Acme Corporation}
  - {id: bravo, name: Bravo Logistics}
services: [{id: mail, name: Mail}, {id: vault, name: Vault, public: false}]
checks: [{id: mail-smtp, service: mail, kind: tcp, target: "127.0.0.1:25"}]
contracts:
  - id: acme-gold
    tenant: acme
    services: [mail, vault]
    fee: {amount: "1000.00", currency: EUR}
    policy: {target: "99.9", tiers: [{uptime: "[0, 99.9)", credit: "10"}]}
  - id: bravo-silver
    tenant: bravo
    services: [mail]
    fee: {amount: "500.00", currency: USD}
    policy: {target: "99.5", tiers: [{uptime: "[0, 99.5)", credit: "10"}]}
`

// tokens authenticates one on-call token.
type tokens struct{}

func (tokens) Authenticate(_ context.Context, tok string) (dashboard.Principal, error) {
	if tok == "oncall-tok" {
		return dashboard.Principal{Prefix: "slt_bbbbbbbb", Name: "ops", Role: access.Oncall}, nil
	}
	return dashboard.Principal{}, dashboard.ErrUnauthenticated
}

// apiFixture is the admin API on a real SQLite store behind a real HTTP
// server on 127.0.0.1.
type apiFixture struct {
	db  *db.DB
	srv *httptest.Server
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	cfg, err := config.Parse("test.yml", strings.NewReader(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(filepath.Join(t.TempDir(), "slate.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	s := dashboard.NewServer(prometheus.NewRegistry())
	s.Auth = tokens{}
	api := &adminapi.API{Store: d, Now: time.Now,
		Catalog: func() *catalog.Catalog { return &cfg.Catalog },
		Notify: func(context.Context, *db.Incident, time.Time) (func(int64) ([]db.Alert, error), error) {
			return nil, nil
		},
		PublicIDKey: func(context.Context) ([]byte, error) { return []byte("0123456789abcdef0123456789abcdef"), nil },
	}
	api.Register(s)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &apiFixture{db: d, srv: srv}
}

// post sends body to path as the on-call token, answering the status and
// the refused field ("" for none).
func (f *apiFixture) post(t *testing.T, path, body string) (int, string, string) {
	t.Helper()
	return f.do(t, http.MethodPost, path, body)
}

// do sends a request as the on-call token, answering the status, the
// refused field ("" for none) and the body.
func (f *apiFixture) do(t *testing.T, method, path, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+"/api/admin"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer oncall-tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return resp.StatusCode, e.Error.Field, string(raw)
}

// stored is what a refused request must not change: the incidents and
// the maintenance windows, as one string.
func (f *apiFixture) stored(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	incs, err := f.db.Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := f.db.ListMaintenance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, inc := range incs {
		fmt.Fprintf(&b, "%d r%d %s %s %d entries;", inc.ID, inc.Revision, inc.Status, inc.Severity, len(inc.Timeline))
	}
	fmt.Fprintf(&b, " %d windows", len(ms))
	return b.String()
}

// TestAPIRefusesTextNamingAnotherReadersTenant: the admin API refuses, as
// the console does, an incident's update and a maintenance window's title
// or description that name a tenant another of their readers (the public,
// another tenant) would learn of: 400 naming the field, nothing stored. A
// tenant named where it alone reads the text is taken.
func TestAPIRefusesTextNamingAnotherReadersTenant(t *testing.T) {
	f := newAPIFixture(t)
	code, _, body := f.post(t, "/incidents", `{"service": "mail", "severity": "major", "body": "Mail is slow."}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %s", code, body)
	}
	incs, err := f.db.Incidents(context.Background(), db.IncidentFilter{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %v %v", incs, err)
	}
	id := incs[0].ID
	window := func(services, title, description string) string {
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
		return fmt.Sprintf(`{"services": [%s], "title": %q, "description": %q, "start": %q, "end": %q}`, services, title, description,
			start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
	}
	for _, tc := range []struct {
		name, path, body string
		field            string
	}{
		{"open: body naming a tenant", "/incidents", `{"service": "mail", "severity": "major", "body": "Acme's mailboxes are full."}`, "body"},
		{"open: body naming a tenant by its name", "/incidents", `{"service": "mail", "severity": "major", "body": "Bravo Logistics cannot send."}`, "body"},
		{"update: body naming a tenant", fmt.Sprintf("/incidents/%d/updates", id), `{"status": "identified", "body": "bravo's relay is at fault."}`, "body"},
		{"resolve: body naming a tenant", fmt.Sprintf("/incidents/%d/resolve", id), `{"body": "Fixed for acme."}`, "body"},
		{"maintenance: title naming a tenant", "/maintenance", window(`"mail"`, "Acme mailbox move", "Mail pauses."), "title"},
		{"maintenance: description naming a tenant", "/maintenance", window(`"mail"`, "Mailbox move", "Bravo's mail pauses."), "description"},
		{"maintenance: another service's tenant reads it", "/maintenance", window(`"vault", "mail"`, "Vault upgrade", "Acme's vault pauses."), "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.stored(t)
			code, field, body := f.post(t, tc.path, tc.body)
			if code != http.StatusBadRequest || field != tc.field {
				t.Errorf("got %d naming %q, want 400 naming %q: %s", code, field, tc.field, body)
			}
			if after := f.stored(t); after != before {
				t.Errorf("a refused request changed the store:\n%s\n%s", before, after)
			}
		})
	}
	if code, _, body := f.post(t, "/maintenance", window(`"vault"`, "Vault upgrade", "Acme's vault pauses.")); code != http.StatusCreated {
		t.Errorf("a window only acme reads, naming acme: %d %s", code, body)
	}
	if code, _, body := f.post(t, fmt.Sprintf("/incidents/%d/updates", id), `{"status": "identified", "body": "A bad deploy."}`); code != http.StatusOK {
		t.Errorf("an update naming no tenant: %d %s", code, body)
	}
}

// TestAPIWriteAnswersTheTitle: creating and updating an incident answer
// its title as GET does, the catalog's (a service's name for an untitled
// one), never the stored "".
func TestAPIWriteAnswersTheTitle(t *testing.T) {
	f := newAPIFixture(t)
	title := func(raw string) string {
		var v struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		}
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		return fmt.Sprintf("%d %s", v.ID, v.Title)
	}
	code, _, created := f.post(t, "/incidents", `{"service": "mail", "severity": "major", "body": "Mail is slow."}`)
	if code != http.StatusCreated {
		t.Fatalf("open: %d %s", code, created)
	}
	_, _, got := f.do(t, http.MethodGet, "/incidents/1", "")
	if title(created) != title(got) || !strings.Contains(title(got), "Mail") {
		t.Errorf("created %q, GET %q", title(created), title(got))
	}
	code, _, updated := f.post(t, "/incidents/1/updates", `{"status": "identified", "body": "A bad deploy."}`)
	if code != http.StatusOK || title(updated) != title(got) {
		t.Errorf("update: %d %q, GET %q", code, title(updated), title(got))
	}
}
