package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// outage returns an open incident of service as the detector opens one,
// started at minute start of the test day, affecting tenants.
func outage(service string, start int, tenants ...string) *store.Incident {
	t0 := At(start, 0)
	return &store.Incident{
		Incident: incident.Incident{
			Service: service, Status: incident.Investigating, Severity: incident.Major,
			Started: t0, Failing: []string{"ams", "fra"},
			Timeline: []incident.Entry{{At: t0, Kind: incident.KindDetected, Status: incident.Investigating,
				Body: service + " is down: failing from ams, fra"}},
		},
		Tenants: tenants,
	}
}

func save(t *testing.T, d store.Store, inc *store.Incident, actor string) int64 {
	t.Helper()
	id, err := d.SaveIncident(context.Background(), inc, actor)
	if err != nil {
		t.Fatalf("save incident: %v", err)
	}
	return id
}

func actions(t *testing.T, d store.Store, subject string) []string {
	t.Helper()
	es, err := d.AuditOf(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func testIncidentRoundTrip(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	inc := outage("mail", 0, "globex", "acme", "acme")
	if err := inc.Update(At(12, 0), incident.Identified, "TLS certificate expired", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := inc.SetSeverity(At(13, 0), incident.Critical, "alice"); err != nil {
		t.Fatal(err)
	}
	id := save(t, d, inc, "slate")
	if id == 0 || inc.ID != id {
		t.Fatalf("got id %d and inc.ID %d, want the same non-zero id", id, inc.ID)
	}
	got, err := d.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := *inc
	want.Tenants = []string{"acme", "globex"}
	want.Revision, want.CreatedAt, want.UpdatedAt = 1, FixedNow(), FixedNow()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}

	// Resolved, with the end time, and no failing locations.
	inc.Status, inc.Ended, inc.Failing = incident.Resolved, At(40, 0), nil
	inc.Timeline = append(inc.Timeline, incident.Entry{At: At(40, 0), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "mail recovered"})
	save(t, d, inc, "slate")
	got, err = d.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Ended.Equal(At(40, 0)) || got.Status != incident.Resolved || got.Failing != nil || len(got.Timeline) != 4 {
		t.Errorf("got ended %v, status %s, failing %v, %d entries; want %v, resolved, none, 4",
			got.Ended, got.Status, got.Failing, len(got.Timeline), At(40, 0))
	}
	if _, err := d.Incident(ctx, id+1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("got %v for an unknown id, want ErrNotFound", err)
	}
}

func testSaveIncidentIdempotentConflictsAndAudit(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	live := outage("mail", 0, "acme") // the detector's copy
	id := save(t, d, live, "slate")
	subject := "incident/" + itoa(id)
	load := func() *store.Incident {
		inc, err := d.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return &inc
	}
	var sent *store.Incident // the person's copy, as first sent

	steps := []struct {
		name        string
		inc         func() *store.Incident
		wantErr     error
		wantEntries int
		wantRev     int64
		wantAction  string // the audit entry the step appended; "" for none
	}{
		{"saving again changes nothing", func() *store.Incident { return live }, nil, 1, 1, ""},
		{"a person's update", func() *store.Incident {
			inc := load()
			if err := inc.Update(At(10, 0), incident.Identified, "certificate expired", "alice"); err != nil {
				t.Fatal(err)
			}
			c := *inc
			sent = &c
			return inc
		}, nil, 2, 2, "incident.updated"},
		{"the same update retried from the copy sent", func() *store.Incident { return sent }, nil, 2, 2, ""},
		{"the detector's stale copy is refused", func() *store.Incident {
			live.Failing = []string{"ams"}
			live.Timeline = append(live.Timeline, incident.Entry{At: At(11, 0), Kind: incident.KindLocations,
				Status: incident.Investigating, Body: "failing: ams"})
			return live
		}, store.ErrIncidentConflict, 2, 2, ""},
		{"the detector's change applied to a fresh copy", func() *store.Incident {
			inc := load()
			inc.Failing = []string{"ams"}
			inc.Timeline = append(inc.Timeline, incident.Entry{At: At(11, 0), Kind: incident.KindLocations,
				Status: inc.Status, Body: "failing: ams"})
			return inc
		}, nil, 3, 3, "incident.updated"},
		{"a new tenant alone is a change", func() *store.Incident {
			inc := load()
			inc.Tenants = append(inc.Tenants, "globex")
			return inc
		}, nil, 3, 4, "incident.updated"},
		{"resolving", func() *store.Incident {
			inc := load()
			if err := inc.Update(At(30, 0), incident.Resolved, "fixed", "alice"); err != nil {
				t.Fatal(err)
			}
			return inc
		}, nil, 4, 5, "incident.resolved"},
		{"reopening is refused", func() *store.Incident {
			inc := load()
			inc.Status = incident.Investigating
			return inc
		}, store.ErrIncidentState, 4, 5, ""},
	}
	want := []string{"incident.opened"}
	for _, s := range steps {
		inc := s.inc()
		_, err := d.SaveIncident(ctx, inc, "slate")
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: got error %v, want %v", s.name, err, s.wantErr)
		}
		if s.wantAction != "" {
			want = append(want, s.wantAction)
		}
		got := load()
		if len(got.Timeline) != s.wantEntries || got.Revision != s.wantRev {
			t.Errorf("%s: got %d entries, revision %d; want %d, %d", s.name, len(got.Timeline), got.Revision, s.wantEntries, s.wantRev)
		}
		if err == nil && inc.Revision != got.Revision {
			t.Errorf("%s: got inc.Revision %d after the save, want the stored %d", s.name, inc.Revision, got.Revision)
		}
		if a := actions(t, d, subject); !slices.Equal(a, want) {
			t.Errorf("%s: got audit actions %v, want %v", s.name, a, want)
		}
	}
	if n, err := d.VerifyAudit(ctx); err != nil || n != len(want) {
		t.Errorf("got VerifyAudit %d, %v; want %d, nil", n, err, len(want))
	}
}

// A first save whose answer was lost is retried with ID 0: it must find the
// incident it opened, not open a second one.
func testSaveIncidentRetriedFirstSave(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	id := save(t, d, outage("mail", 0, "acme"), "slate")
	cases := []struct {
		name    string
		mutate  func(*store.Incident)
		wantErr error
	}{
		{"the same incident again", func(*store.Incident) {}, nil},
		{"with a change, it is a stale copy", func(i *store.Incident) { i.Severity = incident.Critical }, store.ErrIncidentConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			retry := outage("mail", 0, "acme")
			tc.mutate(retry)
			got, err := d.SaveIncident(ctx, retry, "slate")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			}
			if err == nil && (got != id || retry.ID != id || retry.Revision != 1) {
				t.Errorf("got id %d, inc.ID %d, revision %d; want %d, %d, 1", got, retry.ID, retry.Revision, id, id)
			}
		})
	}
	all, err := d.Incidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Severity != incident.Major {
		t.Errorf("got %d incidents, want the one, unchanged", len(all))
	}
	if a := actions(t, d, "incident/"+itoa(id)); !slices.Equal(a, []string{"incident.opened"}) {
		t.Errorf("got audit actions %v, want only incident.opened", a)
	}
}

// The way the detector's incidents are meant to be stored: save the live
// value after every event, keeping the store.Incident (ID and revision)
// beside it; what is stored then equals what the detector holds.
func testSaveDetectorIncidents(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	U, D, G := sla.StateUp, sla.StateDown, sla.StateDegraded
	states := []sla.State{U, D, D, G, D, U, D, U, U, U}
	failing := [][]string{nil, {"ams"}, {"ams", "fra"}, {"fra"}, {"ams", "fra"}, nil, {"ams"}, nil, nil, nil}
	det := &incident.Detector{Hold: 3 * time.Minute}
	stored := map[*incident.Incident]*store.Incident{}
	for m, st := range states {
		for _, ev := range det.Observe("mail", incident.Observation{Minute: At(m, 0), State: st, Failing: failing[m], Affected: 2, Of: 10}) {
			s := stored[ev.Incident]
			if s == nil {
				s = &store.Incident{Tenants: []string{"acme"}}
				stored[ev.Incident] = s
			}
			s.Incident = *ev.Incident
			if _, err := d.SaveIncident(ctx, s, "slate"); err != nil {
				t.Fatalf("minute %d, %s: %v", m, ev.Kind, err)
			}
		}
	}
	if len(stored) != 1 {
		t.Fatalf("got %d incidents, want 1", len(stored))
	}
	for live, s := range stored {
		got, err := d.Incident(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Incident, *live) {
			t.Errorf("got stored\n%+v\nwant the detector's\n%+v", got.Incident, *live)
		}
		if got.Status != incident.Resolved || got.Revision != s.Revision {
			t.Errorf("got status %s, revision %d; want resolved, %d", got.Status, got.Revision, s.Revision)
		}
		wantActions := []string{"incident.opened"}
		for range s.Revision - 2 {
			wantActions = append(wantActions, "incident.updated")
		}
		wantActions = append(wantActions, "incident.resolved")
		if a := actions(t, d, "incident/"+itoa(s.ID)); !slices.Equal(a, wantActions) {
			t.Errorf("got audit actions %v, want %v", a, wantActions)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
func testSaveIncidentRefuses(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	closed := outage("mail", 0)
	closed.Status, closed.Ended = incident.Resolved, At(20, 0)
	closedID := save(t, d, closed, "slate")

	cases := []struct {
		name   string
		mutate func(*store.Incident)
		actor  string
		is     error // nil: any error
	}{
		{"empty service", func(i *store.Incident) { i.Service = " " }, "slate", nil},
		{"unknown status", func(i *store.Incident) { i.Status = "sleeping" }, "slate", nil},
		{"unknown severity", func(i *store.Incident) { i.Severity = "apocalyptic" }, "slate", nil},
		{"zero start", func(i *store.Incident) { i.Started = time.Time{} }, "slate", nil},
		{"end before start", func(i *store.Incident) { i.Ended = i.Started.Add(-time.Minute) }, "slate", nil},
		{"entry without time", func(i *store.Incident) { i.Timeline[0].At = time.Time{} }, "slate", nil},
		{"empty tenant", func(i *store.Incident) { i.Tenants = []string{""} }, "slate", nil},
		{"empty actor", func(*store.Incident) {}, " ", nil},
		{"unknown id", func(i *store.Incident) { i.ID = closedID + 100 }, "slate", store.ErrNotFound},
		{"another service", func(i *store.Incident) {
			i.ID, i.Status, i.Ended = closedID, incident.Resolved, At(20, 0)
			i.Service = "login"
		}, "slate", nil},
		{"reopening a resolved incident", func(i *store.Incident) { i.ID = closedID }, "slate", store.ErrIncidentState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inc := outage("mail", 5)
			tc.mutate(inc)
			id, err := d.SaveIncident(ctx, inc, tc.actor)
			if err == nil {
				t.Fatalf("got id %d, want an error", id)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
	// Nothing was stored or changed by the refused saves.
	all, err := d.Incidents(ctx, store.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Status != incident.Resolved || len(all[0].Timeline) != 1 {
		t.Errorf("got %d incidents (first %+v), want the one resolved incident unchanged", len(all), all)
	}
	if a := actions(t, d, "incident/"+itoa(closedID)); len(a) != 1 {
		t.Errorf("got audit actions %v, want only the first save's", a)
	}
}

func testIncidentsFilter(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	// mail1: resolved 0-10; login: resolved 5-30; mail2: open from 20;
	// mail3: open from 40.
	mail1 := outage("mail", 0, "acme")
	mail1.Status, mail1.Ended = incident.Resolved, At(10, 0)
	login := outage("login", 5, "acme", "globex")
	login.Status, login.Ended = incident.Resolved, At(30, 0)
	mail2 := outage("mail", 20, "globex")
	mail3 := outage("mail", 40)
	ids := map[string]int64{}
	for name, inc := range map[string]*store.Incident{"mail1": mail1, "login": login, "mail2": mail2, "mail3": mail3} {
		ids[name] = save(t, d, inc, "slate")
	}
	yes, no := true, false
	cases := []struct {
		name string
		f    store.IncidentFilter
		want []string
	}{
		{"all, newest first", store.IncidentFilter{}, []string{"mail3", "mail2", "login", "mail1"}},
		{"one service", store.IncidentFilter{Service: "mail"}, []string{"mail3", "mail2", "mail1"}},
		{"one tenant", store.IncidentFilter{Tenant: "acme"}, []string{"login", "mail1"}},
		{"open", store.IncidentFilter{Open: &yes}, []string{"mail3", "mail2"}},
		{"closed", store.IncidentFilter{Open: &no}, []string{"login", "mail1"}},
		{"since excludes what ended before or at it", store.IncidentFilter{Since: At(10, 0)}, []string{"mail3", "mail2", "login"}},
		{"limit", store.IncidentFilter{Limit: 2}, []string{"mail3", "mail2"}},
		{"everything combined", store.IncidentFilter{Service: "mail", Tenant: "globex", Open: &yes, Since: At(0, 0), Limit: 5}, []string{"mail2"}},
		{"nothing matches", store.IncidentFilter{Service: "dns"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Incidents(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				for n, id := range ids {
					if id == g.ID {
						names = append(names, n)
					}
				}
				if len(g.Timeline) != 1 {
					t.Errorf("got %d entries for %d, want 1", len(g.Timeline), g.ID)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("got %v, want %v", names, tc.want)
			}
		})
	}
	open, err := d.OpenIncidents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].ID != ids["mail3"] || open[1].ID != ids["mail2"] {
		t.Errorf("got %d open incidents, want mail3 and mail2", len(open))
	}
	if !slices.Equal(open[1].Tenants, []string{"globex"}) {
		t.Errorf("got tenants %v, want [globex]", open[1].Tenants)
	}
}

func testPostmortemVersionsAndPublish(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	inc := outage("mail", 0)
	id := save(t, d, inc, "slate")

	pm, err := d.Postmortem(ctx, id)
	if err != nil || pm.Published != nil || pm.Draft != nil {
		t.Fatalf("got %+v, %v before any save; want nothing", pm, err)
	}
	mustSave := func(md string, want int) {
		t.Helper()
		v, err := d.SavePostmortem(ctx, id, md, "alice")
		if err != nil || v != want {
			t.Fatalf("save %q: got version %d, %v; want %d", md, v, err, want)
		}
	}
	mustPublish := func(v int) {
		t.Helper()
		if err := d.PublishPostmortem(ctx, id, v, "bob"); err != nil {
			t.Fatalf("publish %d: %v", v, err)
		}
	}
	// check compares the published and draft versions, 0 for none.
	check := func(step string, published, draft int) {
		t.Helper()
		pm, err := d.Postmortem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		gotP, gotD := 0, 0
		if pm.Published != nil {
			gotP = pm.Published.Version
			if pm.Published.State != store.PostmortemPublished || pm.Published.PublishedBy != "bob" || !pm.Published.PublishedAt.Equal(FixedNow()) {
				t.Errorf("%s: got published %+v, want state published by bob at %v", step, pm.Published, FixedNow())
			}
		}
		if pm.Draft != nil {
			gotD = pm.Draft.Version
			if pm.Draft.State != store.PostmortemDraft {
				t.Errorf("%s: got draft state %s, want draft", step, pm.Draft.State)
			}
		}
		if gotP != published || gotD != draft {
			t.Errorf("%s: got published %d, draft %d; want %d, %d", step, gotP, gotD, published, draft)
		}
	}

	mustSave("# Summary\n\nfirst", 1)
	check("first draft", 0, 1)
	mustSave("# Summary\n\nfirst", 1) // a retry adds no version
	// Open, the incident's post-mortem stays a draft; nothing is stored.
	if err := d.PublishPostmortem(ctx, id, 1, "bob"); !errors.Is(err, store.ErrNotResolved) || !strings.Contains(err.Error(), "is investigating") {
		t.Errorf("publish while investigating: %v, want ErrNotResolved naming the status", err)
	}
	check("refused while open", 0, 1)
	inc.Status, inc.Ended = incident.Resolved, At(40, 0)
	inc.Timeline = append(inc.Timeline, incident.Entry{At: At(40, 0), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "mail recovered"})
	save(t, d, inc, "slate")
	mustPublish(1)
	check("published the first", 1, 0)
	mustSave("# Summary\n\nsecond", 2)
	check("a newer draft", 1, 2)
	mustPublish(2)
	mustPublish(2) // already shown: nothing to do
	check("published the second", 2, 0)
	mustPublish(1)
	check("back to the first", 1, 0)

	vs, err := d.PostmortemVersions(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, itoa(int64(v.Version))+" "+string(v.State)+" "+v.Author+" "+v.Markdown[len("# Summary\n\n"):])
	}
	if want := []string{"1 published alice first", "2 published alice second"}; !slices.Equal(got, want) {
		t.Errorf("got versions %q, want %q", got, want)
	}
	wantActions := []string{"incident.opened", "postmortem.saved", "incident.resolved", "postmortem.published", "postmortem.saved",
		"postmortem.published", "postmortem.published"}
	if a := actions(t, d, "incident/"+itoa(id)); !slices.Equal(a, wantActions) {
		t.Errorf("got audit actions %v, want %v", a, wantActions)
	}
	if n, err := d.VerifyAudit(ctx); err != nil || n != len(wantActions) {
		t.Errorf("got VerifyAudit %d, %v; want %d, nil", n, err, len(wantActions))
	}
}

func testPostmortemRefuses(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	id := save(t, d, outage("mail", 0), "slate")
	if _, err := d.SavePostmortem(ctx, id, "draft", "alice"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		is   error // nil: any error
	}{
		{"blank markdown", func() error { _, err := d.SavePostmortem(ctx, id, " \n", "alice"); return err }, nil},
		{"too large", func() error {
			_, err := d.SavePostmortem(ctx, id, strings.Repeat("a", incident.MaxPostmortemBytes+1), "alice")
			return err
		}, nil},
		{"not UTF-8", func() error { _, err := d.SavePostmortem(ctx, id, "a\xffb", "alice"); return err }, nil},
		{"no author", func() error { _, err := d.SavePostmortem(ctx, id, "x", ""); return err }, nil},
		{"unknown incident", func() error { _, err := d.SavePostmortem(ctx, id+1, "x", "alice"); return err }, store.ErrNotFound},
		{"publish unknown version", func() error { return d.PublishPostmortem(ctx, id, 2, "bob") }, store.ErrNotFound},
		{"publish for unknown incident", func() error { return d.PublishPostmortem(ctx, id+1, 1, "bob") }, store.ErrNotFound},
		{"publish without author", func() error { return d.PublishPostmortem(ctx, id, 1, "") }, nil},
		{"read unknown incident", func() error { _, err := d.Postmortem(ctx, id+1); return err }, store.ErrNotFound},
		{"versions of unknown incident", func() error { _, err := d.PostmortemVersions(ctx, id+1); return err }, store.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
	vs, err := d.PostmortemVersions(ctx, id)
	if err != nil || len(vs) != 1 || vs[0].State != store.PostmortemDraft {
		t.Errorf("got %+v, %v; want the one draft unchanged", vs, err)
	}
}

// Incidents and post-mortems are in the file, not in memory: they survive
// ClosingOf and opening it again, which migrates nothing the second time.
func testIncidentsSurviveReopen(t *testing.T, s suite) {
	reopen := s.fresh(t)
	ctx := context.Background()
	d := reopen(t, Options{Now: FixedNow})
	id, err := d.SaveIncident(ctx, outage("mail", 0, "acme"), "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SavePostmortem(ctx, id, "# Summary", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, Options{Now: FixedNow})
	defer d.Close()
	inc, err := d.Incident(ctx, id)
	if err != nil || inc.Service != "mail" || len(inc.Timeline) != 1 || !slices.Equal(inc.Tenants, []string{"acme"}) {
		t.Errorf("got %+v, %v after reopening; want the mail incident", inc, err)
	}
	pm, err := d.Postmortem(ctx, id)
	if err != nil || pm.Draft == nil || pm.Draft.Markdown != "# Summary" {
		t.Errorf("got %+v, %v after reopening; want the draft", pm, err)
	}
}

// testEntriesKeepTheirCauses: the entries detection writes record the
// checks behind them (shared or a tenant's, failing where, down or
// degraded); every store gives them back as written, an entry without
// causes (a person's, a recovery) without, and a copy of the store
// (Dump) with them.
func testEntriesKeepTheirCauses(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	U, D, G := sla.StateUp, sla.StateDown, sla.StateDegraded
	minutes := []struct{ shared, acme sla.State }{{U, D}, {D, D}, {G, D}, {U, D}, {U, U}, {U, U}, {U, U}}
	det := &incident.Detector{Hold: 2 * time.Minute}
	st := &store.Incident{Tenants: []string{"acme", "bravo"}}
	var live *incident.Incident
	for m, x := range minutes {
		cms := []incident.CheckMinute{{CheckID: "mail-shared", State: x.shared}, {CheckID: "mail-acme", Tenant: "acme", State: x.acme}}
		for i := range cms {
			if cms[i].State != U {
				cms[i].Failing = []string{"fra", "ams"}[:1+m%2]
			}
		}
		for _, ev := range det.Observe("mail", incident.ServiceObservation(At(m, 0), cms)) {
			live = ev.Incident
			st.Incident = *live
			if m == 1 {
				if err := st.Update(At(1, 30), incident.Identified, "Storage node lost.", "alice"); err != nil {
					t.Fatal(err)
				}
				*live = st.Incident
			}
			save(t, d, st, "slate")
		}
	}
	if live == nil || live.Open() {
		t.Fatalf("the detector's incident: %+v", live)
	}
	var caused, plain int
	for _, e := range live.Timeline {
		if e.Cause != nil {
			caused++
		} else {
			plain++
		}
	}
	if caused < 2 || plain < 2 {
		t.Fatalf("want entries with and without causes; got %d and %d: %+v", caused, plain, live.Timeline)
	}
	got, err := d.Incident(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Timeline, live.Timeline) {
		t.Errorf("stored timeline\n%+v\nwant\n%+v", got.Timeline, live.Timeline)
	}
	if src, ok := d.(store.Source); ok {
		dump, err := src.Dump(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(dump.Incidents) != 1 || !reflect.DeepEqual(dump.Incidents[0].Timeline, live.Timeline) {
			t.Errorf("the dump's timeline lost the causes: %+v", dump.Incidents)
		}
	}
}
