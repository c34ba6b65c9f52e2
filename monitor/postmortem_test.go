package monitor

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/credit"
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
	md := incident.Template(inc.Incident, credit.Impact(ctx, f.app.db, &f.cfg.Catalog, inc.Incident, inc.Tenants, f.minute(crossEnd)))
	v, err := f.app.db.SavePostmortem(ctx, inc.ID, md, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.db.PublishPostmortem(ctx, inc.ID, v, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := f.app.RefreshStatus(ctx, f.minute(crossEnd)); err != nil {
		t.Fatal(err)
	}
	id, err := IncidentPublicID(ctx, f.app.db, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return id
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
		{"public feed", "/feed.atom", []string{"acme", "Acme", "bravo", "Bravo"}, []string{"Post-mortem"}},
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
