package console_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/dashboard/console"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// detected stores an incident of mail as detection opens one, with
// detection's lines, and returns it.
func (f *fixture) detected(t *testing.T) store.Incident {
	t.Helper()
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	inc := store.Incident{Incident: incident.Incident{Service: "mail", Status: incident.Investigating, Severity: incident.Major, Started: at,
		Timeline: []incident.Entry{
			{At: at, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down: failing from mail-smtp@local",
				Cause: []incident.Cause{{Check: "mail-smtp", Locations: []string{"local"}}}},
			{At: at.Add(time.Minute), Kind: incident.KindNote, Status: incident.Investigating, Body: "alert for acme-gold not sent"},
		}}, Tenants: []string{"acme", "bravo"}}
	if _, err := f.db.SaveIncident(context.Background(), &inc, "slate"); err != nil {
		t.Fatal(err)
	}
	return inc
}

func (f *fixture) incident(t *testing.T, id int64) store.Incident {
	t.Helper()
	inc, err := f.db.Incident(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// TestOncallIncidentLifecycle: an on-call engineer saves a template,
// opens an incident of two services from the console, posts an update
// from the template, sets the severity (no customer update), publishes
// one of detection's lines in words of their own, resolves, and edits,
// diffs and publishes a post-mortem, which is refused while the incident
// is open. The store holds each change with the person as the audit's
// actor and the timeline's author.
func TestOncallIncidentLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	u := f.srv.URL

	code, body := post(t, b, u+"/console/templates", url.Values{"name": {"Identified"}, "status": {"identified"}, "body": {"We found the cause and are fixing it."}})
	if code != http.StatusOK || !strings.Contains(body, "Template Identified saved") {
		t.Fatalf("create template: %d %.300s", code, body)
	}
	ts, _ := f.db.UpdateTemplates(ctx)
	if len(ts) != 1 {
		t.Fatalf("templates %+v", ts)
	}
	code, body = post(t, b, u+"/console/incidents", url.Values{"title": {"Mail and website slow"}, "service": {"mail", "web"},
		"severity": {"minor"}, "status": {"investigating"}, "body": {"Some messages are delayed."}})
	if code != http.StatusOK || !strings.Contains(body, "Incident opened") || !strings.Contains(body, "Mail and website slow") {
		t.Fatalf("open: %d %.500s", code, body)
	}
	incs, _ := f.db.Incidents(ctx, store.IncidentFilter{Service: "web"})
	if len(incs) != 1 {
		t.Fatalf("incidents of web: %+v", incs)
	}
	inc := incs[0]
	if inc.Title != "Mail and website slow" || inc.Service != "mail" || !slices.Equal(inc.Also, []string{"web"}) ||
		!slices.Equal(inc.Tenants, []string{"acme", "bravo"}) || inc.Timeline[0].Author != "olga" {
		t.Fatalf("stored %+v", inc)
	}
	page := fmt.Sprintf("%s/console/incidents/%d", u, inc.ID)
	if code, body = get(t, b, fmt.Sprintf("%s?template=%d", page, ts[0].ID)); code != http.StatusOK || !strings.Contains(body, ">We found the cause and are fixing it.</textarea>") {
		t.Fatalf("the template does not fill the form: %d %.300s", code, body)
	}
	steps := []struct {
		path string
		form url.Values
		done string
	}{
		{"/updates", url.Values{"status": {"identified"}, "body": {"We found the cause and are fixing it."}}, "Update posted"},
		{"/severity", url.Values{"severity": {"critical"}}, "Severity set"},
	}
	for _, s := range steps {
		if code, body := post(t, b, page+s.path, s.form); code != http.StatusOK || !strings.Contains(body, s.done) {
			t.Fatalf("%s: %d %.300s", s.path, code, body)
		}
	}
	// The post-mortem is refused while the incident is open.
	pm := page + "/postmortem"
	if code, body := post(t, b, pm, url.Values{"action": {"save"}, "markdown": {"# What happened\n\nA disk filled.\n"}}); code != http.StatusOK || !strings.Contains(body, "Version 1 saved") {
		t.Fatalf("save v1: %d %.300s", code, body)
	}
	code, body = post(t, b, pm+"/publish", url.Values{"version": {"1"}})
	if code != http.StatusConflict || !strings.Contains(body, "published once the incident is resolved") {
		t.Fatalf("publish while open: %d %.300s", code, body)
	}
	if want := fmt.Sprintf("Not published: incident not resolved: incident %d is ", inc.ID); !strings.Contains(body, want) {
		t.Errorf("publish while open does not give the store's refusal %q: %s", want, body[strings.Index(body, "<main"):])
	}
	if got := f.incident(t, inc.ID); got.PublishedPostmortem != 0 {
		t.Fatal("published while open")
	}
	if code, body := post(t, b, page+"/resolve", url.Values{"body": {"Delivery is back to normal."}}); code != http.StatusOK || !strings.Contains(body, "Resolved") {
		t.Fatalf("resolve: %d %.300s", code, body)
	}
	code, body = post(t, b, pm, url.Values{"action": {"preview"}, "markdown": {"# What happened\n\nA disk filled. <script>alert(1)</script>\n"}})
	if code != http.StatusOK || !strings.Contains(body, "<h1>What happened</h1>") || strings.Contains(body, "<script>alert(1)") {
		t.Fatalf("preview: %d %.800s", code, body)
	}
	if vs, _ := f.db.PostmortemVersions(ctx, inc.ID); len(vs) != 1 {
		t.Fatalf("the preview saved a version: %d versions", len(vs))
	}
	if code, _ := post(t, b, pm, url.Values{"action": {"save"}, "markdown": {"# What happened\n\nA log disk filled.\n"}}); code != http.StatusOK {
		t.Fatalf("save v2: %d", code)
	}
	code, body = get(t, b, pm+"?from=1&to=2")
	if code != http.StatusOK || !strings.Contains(body, "<del>- A disk filled.</del>") || !strings.Contains(body, "<ins>+ A log disk filled.</ins>") {
		t.Fatalf("diff: %d %.1500s", code, body)
	}
	if code, body := post(t, b, pm+"/publish", url.Values{"version": {"2"}}); code != http.StatusOK || !strings.Contains(body, "Version 2 published") {
		t.Fatalf("publish: %d %.300s", code, body)
	}
	got := f.incident(t, inc.ID)
	if got.PublishedPostmortem != 2 || got.Status != incident.Resolved || got.Severity != incident.Critical {
		t.Errorf("after the story: %+v", got)
	}
	for _, e := range got.Timeline {
		if e.Author != "olga" {
			t.Errorf("entry %s by %q, want the person", e.Kind, e.Author)
		}
	}
	for _, subject := range []string{store.IncidentSubject(inc.ID), store.TemplateSubject(ts[0].ID)} {
		trail, _ := f.db.AuditOf(ctx, subject)
		if len(trail) == 0 {
			t.Errorf("no audit of %s", subject)
		}
		for _, e := range trail {
			if e.Actor != "oidc:olga@example.com" {
				t.Errorf("%s: %s by %q, want the person", subject, e.Action, e.Actor)
			}
		}
	}
}

// TestPublishDetectionEntry: detection's lines are marked internal on the
// incident page; publishing one adds the person's update in their words
// and leaves the line as it was; a note cannot be published.
func TestPublishDetectionEntry(t *testing.T) {
	f := newFixture(t)
	inc := f.detected(t)
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	page := fmt.Sprintf("%s/console/incidents/%d", f.srv.URL, inc.ID)
	code, body := get(t, b, page)
	if code != http.StatusOK || strings.Count(body, `<span class="tag">Internal</span>`) != 2 || !strings.Contains(body, "Mail unavailable") {
		t.Fatalf("page: %d %.2000s", code, body)
	}
	if code, body := post(t, b, page+"/publish", url.Values{"entry": {"2"}}); code != http.StatusBadRequest || !strings.Contains(body, "entry:") {
		t.Errorf("publishing a note: %d %.300s", code, body)
	}
	if code, body := post(t, b, page+"/publish", url.Values{"entry": {"1"}, "body": {"Mail cannot be reached."}}); code != http.StatusOK || !strings.Contains(body, "Entry published") {
		t.Fatalf("publish: %d %.300s", code, body)
	}
	got := f.incident(t, inc.ID)
	last := got.Timeline[len(got.Timeline)-1]
	if len(got.Timeline) != 3 || last.Kind != incident.KindUpdate || last.Body != "Mail cannot be reached." || got.Timeline[0].Body != inc.Timeline[0].Body {
		t.Errorf("timeline %+v", got.Timeline)
	}
}

// TestOncallFormsRejectBadInput: every form refuses bad input with the
// field named, and nothing stored changes.
func TestOncallFormsRejectBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inc := f.detected(t)
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	tmpl := store.UpdateTemplate{Name: "Taken", Status: incident.Monitoring, Body: "Watching."}
	if err := f.db.SaveUpdateTemplate(ctx, &tmpl, "test"); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/console/incidents/%d", inc.ID)
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		code       int
		field      string
	}{
		{"open: no title", "/console/incidents", url.Values{"service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}, 400, "title:"},
		{"open: no service", "/console/incidents", url.Values{"title": {"t"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}, 400, "services:"},
		{"open: unknown service", "/console/incidents", url.Values{"title": {"t"}, "service": {"nope"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}, 400, "services:"},
		{"open: bad severity", "/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"dire"}, "status": {"investigating"}, "body": {"x"}}, 400, "severity:"},
		{"open: resolved", "/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"minor"}, "status": {"resolved"}, "body": {"x"}}, 400, "status:"},
		{"open: no text", "/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {" "}}, 400, "body:"},
		{"open: text naming a tenant", "/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"Acme's mailbox is full"}}, 400, "body:"},
		{"open: title naming a tenant", "/console/incidents", url.Values{"title": {"Acme mailbox full"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}, 400, "title:"},
		{"open: title naming a tenant by its name", "/console/incidents", url.Values{"title": {"Mail slow for bravo logistics"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}, 400, "title:"},
		{"update: no text", page + "/updates", url.Values{"status": {"identified"}, "body": {""}}, 400, "body:"},
		{"update: too long", page + "/updates", url.Values{"status": {"identified"}, "body": {long}}, 400, "body:"},
		{"update: post-mortem while open", page + "/updates", url.Values{"status": {"postmortem"}, "body": {"x"}}, 400, "status:"},
		{"update: names a tenant", page + "/updates", url.Values{"status": {"identified"}, "body": {"bravo is affected"}}, 400, "body:"},
		{"severity: unknown", page + "/severity", url.Values{"severity": {"dire"}}, 400, "severity:"},
		{"resolve: no text", page + "/resolve", url.Values{"body": {""}}, 400, "body:"},
		{"edit: no title", page + "/edit", url.Values{"title": {""}}, 400, "title:"},
		{"edit: title naming a tenant", page + "/edit", url.Values{"title": {"Bravo relay down"}}, 400, "title:"},
		{"resolve: names a tenant", page + "/resolve", url.Values{"body": {"Fixed for Acme Corporation"}}, 400, "body:"},
		{"edit: unknown service", page + "/edit", url.Values{"title": {"t"}, "service": {"nope"}}, 400, "services:"},
		{"publish: no such entry", page + "/publish", url.Values{"entry": {"9"}}, 400, "entry:"},
		{"post-mortem: blank", page + "/postmortem", url.Values{"action": {"save"}, "markdown": {" "}}, 400, "markdown:"},
		{"post-mortem: unknown action", page + "/postmortem", url.Values{"action": {"burn"}, "markdown": {"x"}}, 400, "action:"},
		{"post-mortem: publish unknown version", page + "/postmortem/publish", url.Values{"version": {"7"}}, 400, "version:"},
		{"template: no name", "/console/templates", url.Values{"status": {"identified"}, "body": {"x"}}, 400, "name:"},
		{"template: taken name", "/console/templates", url.Values{"name": {"Taken"}, "status": {"identified"}, "body": {"x"}}, 400, "name:"},
		{"template: bad status", "/console/templates", url.Values{"name": {"n"}, "status": {"postmortem"}, "body": {"x"}}, 400, "status:"},
		{"template: no body", fmt.Sprintf("/console/templates/%d", tmpl.ID), url.Values{"name": {"n"}, "status": {"identified"}}, 400, "body:"},
		{"unknown incident", "/console/incidents/999/updates", url.Values{"status": {"identified"}, "body": {"x"}}, 404, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot(t)
			code, body := post(t, b, f.srv.URL+tc.path, tc.form)
			if code != tc.code || !strings.Contains(body, tc.field) {
				t.Errorf("got %d, want %d naming %q: %.400s", code, tc.code, tc.field, body)
			}
			if after := f.snapshot(t); after != before {
				t.Errorf("a refused request changed the store:\n%s\n%s", before, after)
			}
		})
	}
	for _, q := range []struct{ query, field string }{{"status=bogus", "status:"}, {"service=nope", "service:"}, {"tenant=nobody", "tenant:"}} {
		if code, body := get(t, b, f.srv.URL+"/console/incidents?"+q.query); code != http.StatusBadRequest || !strings.Contains(body, q.field) {
			t.Errorf("list ?%s: %d %.300s", q.query, code, body)
		}
	}
	if code, body := get(t, b, f.srv.URL+"/console/incidents?status=open&service=mail&tenant=acme"); code != http.StatusOK || !strings.Contains(body, "Mail unavailable") {
		t.Errorf("list filtered: %d %.300s", code, body)
	}
}

// snapshot is what a refused request must not change: the incidents,
// post-mortem versions, templates and audit log, as one string.
func (f *fixture) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	incs, err := f.db.Incidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := f.db.UpdateTemplates(ctx)
	audit, _ := f.db.AuditEntries(ctx, 0, 10000)
	var b strings.Builder
	for _, inc := range incs {
		vs, _ := f.db.PostmortemVersions(ctx, inc.ID)
		fmt.Fprintf(&b, "%d r%d %s %s %s %v %v %d entries %d versions;", inc.ID, inc.Revision, inc.Title, inc.Status, inc.Severity, inc.Also, inc.Tenants, len(inc.Timeline), len(vs))
	}
	fmt.Fprintf(&b, " %+v; %d audit entries", ts, len(audit))
	return b.String()
}

// TestOncallActionsRefusedToOtherRoles: an account manager reads the
// on-call pages but every on-call action is refused, and nothing
// changes; an admin may act.
func TestOncallActionsRefusedToOtherRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inc := f.detected(t)
	tmpl := store.UpdateTemplate{Name: "Watching", Status: incident.Monitoring, Body: "Watching."}
	if err := f.db.SaveUpdateTemplate(ctx, &tmpl, "test"); err != nil {
		t.Fatal(err)
	}
	am, _, _ := f.signIn(t, "ada@example.com", "billing")
	page := fmt.Sprintf("/console/incidents/%d", inc.ID)
	for _, p := range []string{"/console/incidents", page, page + "/postmortem", "/console/templates", fmt.Sprintf("/console/templates/%d", tmpl.ID)} {
		code, body := get(t, am, f.srv.URL+p)
		if code != http.StatusOK || strings.Contains(body, "<form method=\"post\" action=\"/console/incidents") || strings.Contains(body, "action=\"/console/templates") {
			t.Errorf("GET %s as an account manager: %d, or shows on-call forms", p, code)
		}
	}
	if code, _ := get(t, am, f.srv.URL+"/console/incidents/new"); code != http.StatusForbidden {
		t.Errorf("the open form for an account manager: %d", code)
	}
	before := f.snapshot(t)
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/console/incidents", url.Values{"title": {"t"}, "service": {"mail"}, "severity": {"minor"}, "status": {"investigating"}, "body": {"x"}}},
		{page + "/updates", url.Values{"status": {"identified"}, "body": {"x"}}},
		{page + "/resolve", url.Values{"body": {"x"}}},
		{page + "/severity", url.Values{"severity": {"minor"}}},
		{page + "/edit", url.Values{"title": {"t"}}},
		{page + "/publish", url.Values{"entry": {"1"}}},
		{page + "/postmortem", url.Values{"action": {"save"}, "markdown": {"x"}}},
		{page + "/postmortem/publish", url.Values{"version": {"1"}}},
		{"/console/templates", url.Values{"name": {"n"}, "status": {"identified"}, "body": {"x"}}},
		{fmt.Sprintf("/console/templates/%d", tmpl.ID), url.Values{"name": {"n"}, "status": {"identified"}, "body": {"x"}}},
		{fmt.Sprintf("/console/templates/%d/delete", tmpl.ID), nil},
	} {
		if code, body := post(t, am, f.srv.URL+p.path, p.form); code != http.StatusForbidden || !strings.Contains(body, "may not do this") {
			t.Errorf("POST %s as an account manager: %d %.200s", p.path, code, body)
		}
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("refused actions changed the store:\n%s\n%s", before, after)
	}
	admin, _, _ := f.signIn(t, "root@example.com", "sre-leads")
	if code, body := post(t, admin, f.srv.URL+page+"/severity", url.Values{"severity": {"minor"}}); code != http.StatusOK || !strings.Contains(body, "Severity set") {
		t.Errorf("an admin sets the severity: %d %.200s", code, body)
	}
}

// TestOncallEditRefusesNewReadersTenantNames: an incident of a service no
// one outside staff reads (private, no contract) may name a tenant in an
// update; adding a service whose readers (the public, its tenants) would
// then learn of that tenant is refused, naming the services, and nothing
// is stored.
func TestOncallEditRefusesNewReadersTenantNames(t *testing.T) {
	f := newFixture(t)
	cat := *f.cat
	cat.Services = append(slices.Clone(cat.Services), catalog.Service{ID: "vault", Name: "Vault"})
	f.cat = &cat
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	code, body := post(t, b, f.srv.URL+"/console/incidents", url.Values{"title": {"Vault slow"}, "service": {"vault"}, "severity": {"minor"},
		"status": {"investigating"}, "body": {"Acme's portal times out"}})
	if code != http.StatusOK {
		t.Fatalf("open on a service no tenant reads: %d %s", code, body[strings.Index(body, "<main"):])
	}
	incs, err := f.db.Incidents(context.Background(), store.IncidentFilter{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents: %v %v", incs, err)
	}
	before := f.snapshot(t)
	code, body = post(t, b, fmt.Sprintf("%s/console/incidents/%d/edit", f.srv.URL, incs[0].ID), url.Values{"title": {"Vault slow"}, "service": {"mail"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "services:") || !strings.Contains(body, "tenant acme") {
		t.Errorf("adding mail: %d %.400s", code, body)
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("a refused edit changed the store:\n%s\n%s", before, after)
	}
}

// TestIncidentListStatusBeyondTheNewest: a status filter finds an open
// incident older than the newest 200 incidents, all closed: the store is
// asked for open incidents, not for the newest of all.
func TestIncidentListStatusBeyondTheNewest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	t0 := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Minute)
	old := store.Incident{Incident: incident.Incident{Title: "Old relay backlog", Service: "mail", Status: incident.Identified, Severity: incident.Minor, Started: t0,
		Timeline: []incident.Entry{{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "Backlog.", Author: "ops"}}}}
	if _, err := f.db.SaveIncident(ctx, &old, "test"); err != nil {
		t.Fatal(err)
	}
	for i := range 201 {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		inc := store.Incident{Incident: incident.Incident{Title: fmt.Sprintf("Closed %d", i), Service: "mail", Status: incident.Resolved, Severity: incident.Minor,
			Started: at, Ended: at.Add(time.Minute),
			Timeline: []incident.Entry{{At: at.Add(time.Minute), Kind: incident.KindUpdate, Status: incident.Resolved, Body: "Fixed.", Author: "ops"}}}}
		if _, err := f.db.SaveIncident(ctx, &inc, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, status := range []string{"identified", "open"} {
		if code, body := get(t, b, f.srv.URL+"/console/incidents?status="+status); code != http.StatusOK || !strings.Contains(body, "Old relay backlog") {
			t.Errorf("?status=%s: %d, the old open incident missing", status, code)
		}
	}
	if code, body := get(t, b, f.srv.URL+"/console/incidents?status=resolved"); code != http.StatusOK || strings.Contains(body, "Old relay backlog") || !strings.Contains(body, "Closed 200") {
		t.Errorf("?status=resolved: %d", code)
	}
}

// brokenTemplates is the real store whose reads of one update template
// fail, as a store whose disk or connection fails does.
type brokenTemplates struct{ *db.DB }

func (brokenTemplates) UpdateTemplate(context.Context, int64) (store.UpdateTemplate, error) {
	return store.UpdateTemplate{}, errors.New("update template: disk I/O error")
}

// TestNewIncidentTemplateErrors: the open form ignores a template that no
// longer exists (the blank form, 200), but a store failing to read one is
// a 500, not a blank form that hides the failure.
func TestNewIncidentTemplateErrors(t *testing.T) {
	f := newFixture(t)
	b, _, _ := f.signIn(t, "olga@example.com", "sre")
	if code, body := get(t, b, f.srv.URL+"/console/incidents/new?template=99"); code != http.StatusOK || !strings.Contains(body, "Open an incident") {
		t.Errorf("a template that does not exist: %d", code)
	}
	broken := newFixtureOn(t, func(d *db.DB) console.Store { return brokenTemplates{d} })
	bb, _, _ := broken.signIn(t, "olga@example.com", "sre")
	if code, body := get(t, bb, broken.srv.URL+"/console/incidents/new?template=1"); code != http.StatusInternalServerError || strings.Contains(body, "disk I/O") {
		t.Errorf("a store failing: %d, want 500 without the error's words", code)
	}
}

// TestPathIDNotAnID: a path whose :id is not a positive number is a 404
// saying what it is not the ID of, on every page that reads one.
func TestPathIDNotAnID(t *testing.T) {
	f := newFixture(t)
	b, _, _ := f.signIn(t, "olga@example.com", "sre-leads")
	for _, tc := range []struct{ path, want string }{
		{"/console/incidents/abc", `&#34;abc&#34; is not an incident ID.`},
		{"/console/incidents/0/updates", `&#34;0&#34; is not an incident ID.`},
		{"/console/templates/-3", `&#34;-3&#34; is not a template ID.`},
		{"/console/maintenance/x1", `&#34;x1&#34; is not a maintenance ID.`},
		{"/console/credits/9z", `&#34;9z&#34; is not a credit ID.`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var code int
			var body string
			if strings.HasSuffix(tc.path, "/updates") {
				code, body = post(t, b, f.srv.URL+tc.path, url.Values{"status": {"identified"}, "body": {"x"}})
			} else {
				code, body = get(t, b, f.srv.URL+tc.path)
			}
			if code != http.StatusNotFound || !strings.Contains(body, tc.want) {
				t.Errorf("%d, want 404 saying %s: %.300s", code, tc.want, body[max(0, strings.Index(body, "<main")):])
			}
		})
	}
}
