package monitor

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// TestDetectionEntriesStayOffReadersOutputs: detection writes its lines
// ("mail is down: failing from ...", "recovery held ...") into the
// incidents of the cross-tenant story; a person posts an update and
// publishes one of the detection's lines in words of their own. Every
// reader's output (the public page and incident page, the feed, the
// Statuspage-compatible API, each tenant's page, feed and API, and the
// e-mails each audience would get) carries the person's words and none of
// detection's lines, its notes or its severity changes.
func TestDetectionEntriesStayOffReadersOutputs(t *testing.T) {
	f := newCrossFixture(t)
	ctx := context.Background()
	incs, err := f.app.db.Incidents(ctx, db.IncidentFilter{Service: "mail"})
	if err != nil || len(incs) == 0 {
		t.Fatalf("the story opened no incident of mail: %v", err)
	}
	var internal []string
	for _, inc := range incs {
		for _, e := range inc.Timeline {
			if e.Author == "" && e.Kind != incident.KindUpdate && len(e.Body) > 8 {
				internal = append(internal, e.Body)
			}
		}
	}
	if len(internal) == 0 {
		t.Fatal("detection wrote no entry: the test would prove nothing")
	}
	// A reader's view writes detection's lines again from the checks it
	// may read (incident.View): their words, not the stored text.
	internal = append(internal, "failing: ", "recovery held", " is down", "mail recovered", "severity raised", "severity set")
	// The incident the public sees (the shared check failed in it).
	inc := incs[len(incs)-1]
	now := time.Now().UTC()
	const update, rewritten = "We are looking into mail delivery.", "Mail could not be reached from our probes."
	if err := inc.Update(now, inc.Status, update, "Dana Oncall"); err != nil {
		inc.Status = incident.Postmortem // a resolved incident takes updates as post-mortem
		if err := inc.Update(now, inc.Status, update, "Dana Oncall"); err != nil {
			t.Fatal(err)
		}
	}
	if err := inc.Publish(now.Add(time.Second), 0, rewritten, "Dana Oncall"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.db.SaveIncident(ctx, &inc, "dana@example.com"); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	pid, err := IncidentPublicID(ctx, f.app.db, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	acme, bravo := f.token(t, access.Viewer, "acme"), f.token(t, access.Viewer, "bravo")
	reads := []struct{ token, path string }{
		{"", "/"}, {"", "/incidents/" + pid}, {"", "/feed.atom"}, {"", "/api/v2/incidents.json"}, {"", "/api/v2/summary.json"},
	}
	for tenant, tok := range map[string]string{"acme": acme, "bravo": bravo} {
		for _, p := range []string{"", "/incidents/" + pid, "/feed.atom", "/api/v2/incidents.json"} {
			reads = append(reads, struct{ token, path string }{tok, "/status/" + tenant + p})
		}
	}
	for _, r := range reads {
		code, body := f.get(t, r.token, r.path)
		if code != 200 {
			t.Errorf("%s: %d", r.path, code)
			continue
		}
		for _, line := range internal {
			if strings.Contains(body, line) || strings.Contains(body, html.EscapeString(line)) {
				t.Errorf("%s carries detection's line %q", r.path, line)
			}
		}
		if strings.Contains(r.path, pid) && !strings.Contains(body, rewritten) {
			t.Errorf("%s lacks the update the person published", r.path)
		}
	}
	cat, err := f.app.catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, err := f.app.publicIDKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.app.db.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	mails := 0
	for _, au := range []audience{{reader: catalog.PublicReader(), loc: time.UTC}, {page: "acme", reader: catalog.TenantReader("acme"), loc: time.UTC},
		{page: "bravo", reader: catalog.TenantReader("bravo"), loc: time.UTC}} {
		for _, b := range f.app.incidentMail(cat, au, stored, key, now.Add(time.Minute)) {
			mails++
			for _, line := range internal {
				if strings.Contains(b.job.Body, line) || strings.Contains(b.job.Title, line) {
					t.Errorf("an e-mail to %q carries detection's line %q", au.page, line)
				}
			}
		}
	}
	if mails == 0 {
		t.Error("no audience would be mailed the person's updates: the e-mail check proved nothing")
	}
}

// TestIncidentServicesPerAudience: an incident people opened on the
// public mail and acme's private ledger shows, under its title, Mail to
// the public and to bravo, and both services to acme alone: on the
// pages, the Statuspage API and the feeds.
func TestIncidentServicesPerAudience(t *testing.T) {
	f := newCrossFixture(t)
	ctx := context.Background()
	now := time.Now().UTC()
	inc := db.Incident{Incident: incident.Incident{Title: "Mail and ledger slow", Service: "mail", Also: []string{"acme-ledger"},
		Status: incident.Identified, Severity: incident.Major, SeverityOverride: true, Started: now.Add(-time.Minute),
		Timeline: []incident.Entry{{At: now.Add(-time.Minute), Kind: incident.KindUpdate, Status: incident.Identified,
			Body: "Both are slow; we are on it.", Author: "Dana"}}}, Tenants: []string{"acme", "bravo"}}
	if _, err := f.app.db.SaveIncident(ctx, &inc, "dana@example.com"); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	pid, err := IncidentPublicID(ctx, f.app.db, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	acme, bravo := f.token(t, access.Viewer, "acme"), f.token(t, access.Viewer, "bravo")
	for _, tc := range []struct {
		token, prefix string
		ledger        bool
	}{{"", "", false}, {bravo, "/status/bravo", false}, {acme, "/status/acme", true}} {
		for _, p := range []string{"/incidents/" + pid, "/api/v2/incidents.json", "/feed.atom"} {
			code, body := f.get(t, tc.token, tc.prefix+p)
			if code != 200 || !strings.Contains(body, "Mail and ledger slow") || !strings.Contains(body, "Mail") {
				t.Errorf("%s%s: %d, lacks the title or Mail", tc.prefix, p, code)
			}
			if tc.ledger && !strings.Contains(body, "Acmeledger Vault") {
				t.Errorf("%s%s does not name acme's ledger to acme", tc.prefix, p)
			}
			for _, ledger := range []string{"Acmeledger Vault", "acme-ledger"} {
				if !tc.ledger && strings.Contains(body, ledger) {
					t.Errorf("%s%s shows %q", tc.prefix, p, ledger)
				}
			}
		}
	}
}
