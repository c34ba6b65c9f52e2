package monitor

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// publishTemplate publishes, as the post-mortem of the story's first
// incident of mail, the template slate gives for it, and returns the
// incident's public ID.
func (f *crossFixture) publishTemplate(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	incs, err := f.app.db.Incidents(ctx, db.IncidentFilter{Service: "mail"})
	if err != nil || len(incs) == 0 {
		t.Fatalf("incidents: %v %v", incs, err)
	}
	inc := incs[len(incs)-1] // the first
	md, err := PostmortemTemplate(ctx, f.app.db, &f.cfg.Catalog, inc, f.minute(crossEnd))
	if err != nil {
		t.Fatal(err)
	}
	f.publish(t, inc.ID, md)
	id, err := IncidentPublicID(ctx, f.app.db, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// publish saves md as a new version of incident id's post-mortem, written
// by ops straight into the store (no check of its text), publishes it and
// rebuilds the pages.
func (f *crossFixture) publish(t *testing.T, id int64, md string) {
	t.Helper()
	ctx := context.Background()
	v, err := f.app.db.SavePostmortem(ctx, id, md, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.db.PublishPostmortem(ctx, id, v, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.RefreshStatus(ctx, f.minute(crossEnd)); err != nil {
		t.Fatal(err)
	}
}

// TestPublishedPostmortemsCarryNoTenantsRows: the post-mortem slate
// pre-fills for an incident that crossed two tenants, published, names
// neither tenant nor their checks on the public incident page, the public
// feed, or the other tenant's page; each tenant's page shows its own
// impact.
func TestPublishedPostmortemsCarryNoTenantsRows(t *testing.T) {
	f := newCrossFixture(t)
	id := f.publishTemplate(t)
	admin := f.token(t, access.Admin, "")
	for _, tc := range []struct {
		reader, path string
		never        []string
		want         []string
	}{
		{"public", "/incidents/" + id, []string{"acme", "Acme", "bravo", "Bravo"}, []string{"Post-mortem"}},
		{"public feed", "/feed.atom", []string{"acme", "Acme", "bravo", "Bravo"}, nil},
		{"bravo", "/status/bravo/incidents/" + id, []string{"acme", "Acme"}, []string{"Post-mortem", "breach minutes"}},
		{"acme", "/status/acme/incidents/" + id, []string{"bravo", "Bravo"}, []string{"Post-mortem", "breach minutes"}},
	} {
		code, body := f.get(t, admin, tc.path)
		if code != http.StatusOK {
			t.Fatalf("%s: GET %s: %d", tc.reader, tc.path, code)
		}
		for _, s := range tc.never {
			if i := strings.Index(body, s); i >= 0 {
				t.Errorf("%s: GET %s shows %q: …%s…", tc.reader, tc.path, s, body[max(0, i-80):min(len(body), i+80)])
			}
		}
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: GET %s lacks %q", tc.reader, tc.path, s)
			}
		}
	}
}

// TestPostmortemNamingATenantStaysWithIt: publishing a post-mortem whose
// text names a tenant that other readers of the incident would learn of is
// refused, naming the field; a text stored so before (published behind
// the check's back) is withheld from every reader but that tenant.
func TestPostmortemNamingATenantStaysWithIt(t *testing.T) {
	f := newCrossFixture(t)
	ctx := context.Background()
	oncall := f.token(t, access.Oncall, "")
	admin := f.token(t, access.Admin, "")
	incs, err := f.app.db.Incidents(ctx, db.IncidentFilter{Service: "mail"})
	if err != nil {
		t.Fatal(err)
	}
	first := incs[len(incs)-1]
	id, err := IncidentPublicID(ctx, f.app.db, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, md := range []string{"Acme Corporation's endpoint failed first.", "The check mail-bravo-endpoint failed."} {
		code, body := f.post(t, oncall, "/api/admin/incidents/"+id+"/postmortem", fmt.Sprintf(`{"markdown":%q,"publish":true}`, md))
		if code != http.StatusBadRequest || !strings.Contains(body, `"field":"markdown"`) {
			t.Errorf("publishing %q: %d %s, want 400 naming markdown", md, code, body)
		}
	}
	if pm, err := f.app.db.Postmortem(ctx, first.ID); err != nil || pm.Published != nil {
		t.Errorf("a refused post-mortem was published: %+v, %v", pm, err)
	}
	// Written before the check: the store takes it.
	f.publish(t, first.ID, "| Tenant | Breach minutes |\n|---|---|\n| acme | 90 |\n")
	for _, tc := range []struct {
		path  string
		shown bool
	}{{"/incidents/" + id, false}, {"/status/bravo/incidents/" + id, false}, {"/status/acme/incidents/" + id, true}} {
		code, body := f.get(t, admin, tc.path)
		if code != http.StatusOK || strings.Contains(body, "Post-mortem") != tc.shown || (!tc.shown && strings.Contains(body, "acme")) {
			t.Errorf("GET %s: %d, post-mortem shown %v, want %v", tc.path, code, strings.Contains(body, "Post-mortem"), tc.shown)
		}
	}
}

// post answers a JSON POST in process, with token as a bearer token.
func (f *crossFixture) post(t *testing.T, token, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.app.web.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestImpactStaffSeeAllTenantsTheirOwn: the admin API's impact of an
// incident gives staff every tenant's rows and their total, and a viewer
// its own tenant's rows alone.
func TestImpactStaffSeeAllTenantsTheirOwn(t *testing.T) {
	f := newCrossFixture(t)
	id := f.publishTemplate(t)
	for _, tc := range []struct {
		name, token string
		want, never []string
	}{
		{"admin", f.token(t, access.Admin, ""), []string{`"tenant":"acme"`, `"tenant":"bravo"`, `"total":{"breach_minutes"`}, nil},
		{"oncall", f.token(t, access.Oncall, ""), []string{`"tenant":"acme"`, `"tenant":"bravo"`}, nil},
		{"acme's viewer", f.token(t, access.Viewer, "acme"), []string{`"tenant":"acme"`}, []string{"bravo", "total"}},
		{"bravo's viewer", f.token(t, access.Viewer, "bravo"), []string{`"tenant":"bravo"`}, []string{"acme", "total"}},
	} {
		code, body := f.get(t, tc.token, "/api/admin/incidents/"+id+"/impact")
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, code, body)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: lacks %s: %s", tc.name, w, body)
			}
		}
		for _, n := range tc.never {
			if strings.Contains(body, n) {
				t.Errorf("%s: shows %s: %s", tc.name, n, body)
			}
		}
	}
}

// TestPostmortemWaitsForResolution: while an incident is open, saving its
// post-mortem with publish is refused (409) before anything is stored,
// and publishing a saved draft is refused too; once it is resolved the
// same draft publishes.
func TestPostmortemWaitsForResolution(t *testing.T) {
	f := newCrossFixture(t)
	ctx := context.Background()
	oncall := f.token(t, access.Oncall, "")
	at := f.clock.Now().Add(-10 * time.Minute).Truncate(time.Minute)
	inc := &db.Incident{Incident: incident.Incident{Service: "mail", Status: incident.Investigating, Severity: incident.Major, Started: at,
		Timeline: []incident.Entry{{At: at, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down"}}}}
	if _, err := f.app.db.SaveIncident(ctx, inc, "slate"); err != nil {
		t.Fatal(err)
	}
	id, err := IncidentPublicID(ctx, f.app.db, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := f.app.db.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const refused = "a post-mortem is published once the incident is resolved"
	code, body := f.post(t, oncall, "/api/admin/incidents/"+id+"/postmortem", `{"markdown":"# What happened","publish":true}`)
	if code != http.StatusConflict || !strings.Contains(body, refused) {
		t.Errorf("save and publish while investigating: %d %s, want 409 saying %q", code, body, refused)
	}
	if vs, err := f.app.db.PostmortemVersions(ctx, inc.ID); err != nil || len(vs) != 0 {
		t.Errorf("a refused request stored versions %+v, %v", vs, err)
	}
	if n, _ := f.app.db.VerifyAudit(ctx); n != before {
		t.Errorf("a refused request appended %d audit entries", n-before)
	}
	if code, body := f.post(t, oncall, "/api/admin/incidents/"+id+"/postmortem", `{"markdown":"# What happened"}`); code != http.StatusCreated {
		t.Fatalf("save a draft: %d %s", code, body)
	}
	if code, body := f.post(t, oncall, "/api/admin/incidents/"+id+"/postmortem/publish", `{"version":1}`); code != http.StatusConflict || !strings.Contains(body, refused) {
		t.Errorf("publish while investigating: %d %s, want 409", code, body)
	}
	inc.Status, inc.Ended = incident.Resolved, at.Add(5*time.Minute)
	inc.Timeline = append(inc.Timeline, incident.Entry{At: inc.Ended, Kind: incident.KindRecovered, Status: incident.Resolved, Body: "mail recovered"})
	if _, err := f.app.db.SaveIncident(ctx, inc, "slate"); err != nil {
		t.Fatal(err)
	}
	if code, body := f.post(t, oncall, "/api/admin/incidents/"+id+"/postmortem/publish", `{"version":1}`); code != http.StatusOK {
		t.Errorf("publish once resolved: %d %s", code, body)
	}
	if pm, err := f.app.db.Postmortem(ctx, inc.ID); err != nil || pm.Published == nil || pm.Published.Version != 1 {
		t.Errorf("published: %+v %v, want version 1", pm, err)
	}
}
