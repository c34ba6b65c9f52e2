package pgstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

// fillSQLite records some of everything a deployment accumulates, and
// returns a token's text.
func fillSQLite(t *testing.T, d *db.DB) string {
	t.Helper()
	ctx := context.Background()
	var rs []sla.Result
	for i := range 90 {
		for _, loc := range []string{"fra", "nyc", "sgp"} {
			rs = append(rs, storetest.Result("api", loc, storetest.At(0, 0).Add(time.Duration(i)*20*time.Second), i%17 != 0))
		}
		rs = append(rs, storetest.Result("web", "fra", storetest.At(0, 0).Add(-26*time.Hour+time.Duration(i)*time.Minute), true))
	}
	storetest.Write(t, d, rs...)
	storetest.LedgerHistory(t, d)
	// A title and other services, so that a copy dropping them differs.
	inc := &store.Incident{Incident: incident.Incident{Service: "mail", Also: []string{"imap", "web"}, Title: "Mail and IMAP unavailable",
		Status: incident.Investigating, Severity: incident.Major, Started: storetest.At(3, 0), Failing: []string{"api@fra"},
		Timeline: []incident.Entry{{At: storetest.At(3, 0), Kind: "detected", Status: incident.Investigating, Body: "down"}}},
		Tenants: []string{"acme", "globex"}}
	if _, err := d.SaveIncidentWithAlerts(ctx, inc, "slate", func(id int64) ([]store.Alert, error) {
		return []store.Alert{storetest.AlertFor("incident/1", "pager")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Resolved, so that its post-mortem can be published.
	inc.Status, inc.Ended, inc.Failing = incident.Resolved, storetest.At(8, 0), nil
	inc.Timeline = append(inc.Timeline, incident.Entry{At: storetest.At(8, 0), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "up"})
	if _, err := d.SaveIncident(ctx, inc, "slate"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SavePostmortem(ctx, inc.ID, "# What happened", "oncall"); err != nil {
		t.Fatal(err)
	}
	if err := d.PublishPostmortem(ctx, inc.ID, 1, "oncall"); err != nil {
		t.Fatal(err)
	}
	due, err := d.DueAlerts(ctx, storetest.FixedNow(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due alerts: %v, %v", due, err)
	}
	if err := d.RecordAttempt(ctx, due[0].ID, storetest.FixedNow(), store.AttemptOutcome{Outcome: store.OutcomeRetry, Status: 503,
		NextAt: storetest.FixedNow().Add(time.Minute), Error: "unavailable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddExclusion(ctx, store.Exclusion{Contract: "mail-gold", Start: storetest.At(0, 0), End: storetest.At(9, 0), Reason: "customer"}, "am"); err != nil {
		t.Fatal(err)
	}
	m, err := d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: "upgrade", Start: storetest.At(90, 0), End: storetest.At(100, 0)}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CancelMaintenance(ctx, m.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	// A window with its description and a person's update; a template.
	m, err = d.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: "disks", Description: "Mail may queue.",
		Start: storetest.At(90, 0), End: storetest.At(100, 0)}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.PostMaintenanceUpdate(ctx, m.ID, store.MaintenanceScheduled, "On the calendar.", "oidc:ops@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveUpdateTemplate(ctx, &store.UpdateTemplate{Name: "relay", Status: incident.Identified, Body: "The relay is being replaced."}, "ops"); err != nil {
		t.Fatal(err)
	}
	text, _, err := d.CreateToken(ctx, store.NewToken{Name: "billing", Role: store.RoleAccountManager}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	// An agent token keeps its location in the copy.
	if _, _, err := d.CreateToken(ctx, store.NewToken{Name: "east", Role: store.RoleAgent, Location: "us-east"}, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Secret(ctx, "links"); err != nil {
		t.Fatal(err)
	}
	if err := d.SaveDetection(ctx, []incident.Progress{{Service: "mail", Judged: storetest.At(50, 0), UpSince: storetest.At(48, 0), UpMinutes: 3}}); err != nil {
		t.Fatal(err)
	}
	return text
}

func TestCopyFromSQLite(t *testing.T) {
	ctx := context.Background()
	src, err := db.Open(filepath.Join(t.TempDir(), "slate.db"), db.Options{Now: storetest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	token := fillSQLite(t, src)
	url := pgtest.NewDatabase(t)
	dst, err := pgstore.Open(ctx, url, pgstore.Options{Now: storetest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	counts, err := dst.CopyFrom(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := src.Counts(ctx); counts != want || counts.Results == 0 || counts.Audit == 0 {
		t.Fatalf("got counts %+v, want %+v", counts, want)
	}
	if n, err := dst.VerifyAudit(ctx); err != nil || int64(n) != counts.Audit {
		t.Errorf("verify audit of the copy: %d, %v", n, err)
	}
	same := func(what string, read func(store.Store) (any, error)) {
		t.Helper()
		a, err := read(src)
		if err != nil {
			t.Fatalf("%s of the source: %v", what, err)
		}
		b, err := read(dst)
		if err != nil {
			t.Fatalf("%s of the copy: %v", what, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s differ:\nsource %+v\ncopy   %+v", what, a, b)
		}
	}
	from, to := storetest.At(0, 0).Add(-48*time.Hour), storetest.At(0, 0).Add(24*time.Hour)
	for _, check := range []string{"api", "web"} {
		same("results of "+check, func(s store.Store) (any, error) { return s.Results(ctx, check, from, to) })
		same("history of "+check, func(s store.Store) (any, error) { return s.MinuteRuns(ctx, check, from, to) })
	}
	same("audit", func(s store.Store) (any, error) { return s.AuditEntries(ctx, 0, 0) })
	same("credits", func(s store.Store) (any, error) { return s.Credits(ctx, store.CreditFilter{}) })
	same("incidents", func(s store.Store) (any, error) { return s.Incidents(ctx, store.IncidentFilter{}) })
	same("post-mortem", func(s store.Store) (any, error) { return s.PostmortemVersions(ctx, 1) })
	same("alerts", func(s store.Store) (any, error) { return s.AlertsByKey(ctx, "incident/1") })
	same("attempts", func(s store.Store) (any, error) { return s.Attempts(ctx, 1) })
	same("exclusions", func(s store.Store) (any, error) { return s.ListExclusions(ctx, "") })
	same("maintenance", func(s store.Store) (any, error) { return s.ListMaintenance(ctx) })
	same("update templates", func(s store.Store) (any, error) { return s.UpdateTemplates(ctx) })
	same("tokens", func(s store.Store) (any, error) { return s.Tokens(ctx) })
	same("secret", func(s store.Store) (any, error) { return s.Secret(ctx, "links") })
	same("detection", func(s store.Store) (any, error) { return s.Detection(ctx) })
	if tok, err := dst.TokenByHash(ctx, store.HashToken(token)); err != nil || tok.Name != "billing" {
		t.Errorf("the token does not work on the copy: %+v, %v", tok, err)
	}

	// The copy goes on where the source stopped: new ids after the copied
	// ones, the chain continuing, late results rebuilt from copied raw ones.
	c, _, err := dst.RecordClose(ctx, storetest.ClosingOf("2026-11", 10, "nov"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if last, _ := src.Credits(ctx, store.CreditFilter{}); c.ID <= last[len(last)-1].ID {
		t.Errorf("a new credit got id %d, not after the copied %d", c.ID, last[len(last)-1].ID)
	}
	if _, err := dst.VerifyAudit(ctx); err != nil {
		t.Errorf("the chain after a new entry: %v", err)
	}
	late := storetest.Result("api", "fra", storetest.At(0, 10), false)
	storetest.Write(t, dst, late)
	storetest.Write(t, src, late)
	same("history after a late result", func(s store.Store) (any, error) { return s.MinuteRuns(ctx, "api", from, to) })

	if _, err := dst.CopyFrom(ctx, src); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("copy into a non-empty store: got %v, want ErrNotEmpty", err)
	}
}
