package console_test

import (
	"context"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// localForm is t as a datetime-local input sends it, in loc.
func localForm(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }

// windowValues is the scheduling form for mail from start for d, in
// Berlin time.
func windowValues(start time.Time, d time.Duration) url.Values {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return url.Values{"services": {"mail"}, "title": {"Mail disk swap"}, "description": {"Mail moves to new disks; sending may pause."},
		"start": {localForm(start, berlin)}, "end": {localForm(start.Add(d), berlin)}, "zone": {"Europe/Berlin"}}
}

var promiseRE = regexp.MustCompile(`name="promise" value="([^"]*)"`)

// effectRow is the notice table's row of contract, as text.
func effectRow(t *testing.T, body, contract string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-contract="` + contract + `">(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no row for %s in the notice table:\n%s", contract, body)
	}
	return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")
}

// TestMaintenanceScheduleNoticeAndStatement: on-call schedules a window
// 48 hours ahead through the console without JavaScript; before anything
// is stored the confirmation says acme-gold (72 h notice) counts it and
// bravo-silver (24 h) excludes it; the window is announced with the
// person as actor; updates follow the clock, and a completed update ends
// the window early; then each contract's statement for the period
// agrees with what the table promised, for exactly the time the window
// ran.
func TestMaintenanceScheduleNoticeAndStatement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, code, _ := f.signIn(t, "otto@example.com", "sre")
	if code != http.StatusOK {
		t.Fatalf("sign-in: %d", code)
	}
	start := f.now().Add(48 * time.Hour).Truncate(time.Hour).Add(time.Hour) // 48 to 49 hours ahead
	form := windowValues(start, time.Hour)
	code, body := post(t, b, f.srv.URL+"/console/maintenance", form)
	if code != http.StatusOK {
		t.Fatalf("check: %d\n%s", code, body)
	}
	if row := effectRow(t, body, "acme-gold"); !strings.Contains(row, "not met") || !strings.Contains(row, "counts as SLA time") || !strings.Contains(row, "asks for 72h") {
		t.Errorf("acme-gold's row: %q; want the notice not met, counted", row)
	}
	if row := effectRow(t, body, "bravo-silver"); strings.Contains(row, "not met") || !strings.Contains(row, "excluded") {
		t.Errorf("bravo-silver's row: %q; want the notice met, excluded", row)
	}
	if ms, _ := f.db.ListMaintenance(ctx); len(ms) != 0 {
		t.Fatalf("the check stored %+v", ms)
	}
	m := promiseRE.FindStringSubmatch(body)
	if m == nil || m[1] != "bravo-silver" {
		t.Fatalf("promise: %v", m)
	}
	form.Set("confirm", "yes")
	form.Set("promise", m[1])
	code, body = post(t, b, f.srv.URL+"/console/maintenance", form)
	if code != http.StatusOK || !strings.Contains(body, "scheduled") || !strings.Contains(body, "Mail disk swap") {
		t.Fatalf("confirm: %d\n%s", code, body)
	}
	ms, err := f.db.ListMaintenance(ctx)
	if err != nil || len(ms) != 1 || !ms[0].Start.Equal(start) || !ms[0].End.Equal(start.Add(time.Hour)) || ms[0].Actor != "oidc:otto@example.com" {
		t.Fatalf("stored: %+v, %v", ms, err)
	}
	id := itoa(ms[0].ID)

	f.advance(start.Add(5 * time.Minute).Sub(f.now())) // five minutes into the window
	b, _, _ = f.signIn(t, "otto@example.com", "sre")   // the first session expired meanwhile
	if code, body = post(t, b, f.srv.URL+"/console/maintenance/"+id+"/updates", url.Values{"status": {"in_progress"}, "body": {"Disks are being copied."}}); code != http.StatusOK {
		t.Fatalf("in progress: %d\n%s", code, body)
	}
	if _, page := get(t, browser(t), f.srv.URL+"/"); !strings.Contains(page, "Disks are being copied.") || strings.Contains(page, "otto") {
		t.Errorf("the public page during the window lacks the update, or names who posted it")
	}
	f.advance(25 * time.Minute)
	if code, body = post(t, b, f.srv.URL+"/console/maintenance/"+id+"/updates", url.Values{"status": {"completed"}, "body": {"Done early; mail flows."}}); code != http.StatusOK {
		t.Fatalf("completed: %d\n%s", code, body)
	}
	trail, _ := f.db.AuditOf(ctx, store.MaintenanceSubject(ms[0].ID))
	var got []string
	for _, e := range trail {
		got = append(got, e.Action+" by "+e.Actor)
	}
	if want := "maintenance.announced by oidc:otto@example.com,maintenance.updated by oidc:otto@example.com,maintenance.updated by oidc:otto@example.com"; strings.Join(got, ",") != want {
		t.Errorf("audit: %v, want %s", got, want)
	}

	// The Statuspage API shows the description and both updates, never
	// who wrote them.
	_, api := get(t, browser(t), f.srv.URL+"/api/v2/scheduled-maintenances.json")
	for _, want := range []string{"Mail moves to new disks; sending may pause.", "Disks are being copied.", "Done early; mail flows.", `"status":"completed"`} {
		if !strings.Contains(api, want) {
			t.Errorf("scheduled-maintenances.json lacks %q", want)
		}
	}
	if strings.Contains(api, "otto") {
		t.Errorf("scheduled-maintenances.json names who posted")
	}

	// The statements for the period: the mail check failed for the whole
	// planned hour. bravo-silver excludes the half hour the window ran,
	// acme-gold (notice not met) excludes nothing.
	var rs []sla.Result
	for _, loc := range f.cat.LocationIDs() {
		for at := start; at.Before(start.Add(time.Hour)); at = at.Add(time.Minute) {
			rs = append(rs, sla.Result{CheckID: "mail-smtp", Location: loc, At: at.Add(10 * time.Second), Class: sla.ClassTimeout, Detail: "timeout"})
		}
	}
	if err := f.db.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	cat, err := monitor.WithStoredMaintenance(ctx, f.cat, f.db)
	if err != nil {
		t.Fatal(err)
	}
	excluded := map[string]time.Duration{}
	down := map[string]*big.Rat{}
	for _, id := range []string{"acme-gold", "bravo-silver"} {
		k, _ := cat.Contract(id)
		loc := cat.Zone(k.Tenant)
		ps := time.Date(start.In(loc).Year(), start.In(loc).Month(), 1, 0, 0, 0, 0, loc)
		st, err := credit.Compute(ctx, f.db, credit.ContractOf(cat, k), sla.Period{Start: ps, End: ps.AddDate(0, 1, 0), Location: loc}, start.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		excluded[id], down[id] = st.Outcome.ExcludedTime, st.Outcome.Downtime
	}
	// The window ended when the completed update was posted, a little
	// after start+30m by the wall clock the fixture runs on.
	if ran := excluded["bravo-silver"]; ran < 30*time.Minute || ran > 31*time.Minute || excluded["acme-gold"] != 0 {
		t.Errorf("excluded: %v; want bravo-silver the half hour the window ran, acme-gold none (notice not met)", excluded)
	}
	hour := new(big.Rat).SetInt64(int64(time.Hour))
	diff := new(big.Rat).Sub(down["acme-gold"], down["bravo-silver"])
	if down["acme-gold"].Cmp(hour) != 0 || diff.Cmp(new(big.Rat).SetInt64(int64(excluded["bravo-silver"]))) != 0 {
		t.Errorf("downtime: acme-gold %s ns, bravo-silver %s ns; want the hour for acme-gold and bravo-silver less by exactly its excluded time",
			down["acme-gold"].FloatString(0), down["bravo-silver"].FloatString(0))
	}
}

// TestMaintenanceRefusesBadInput: each bad field is refused with a
// message naming it, the form keeps what was typed, and nothing is stored
// or audited; an account manager may not schedule or update at all.
func TestMaintenanceRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, _, _ := f.signIn(t, "otto@example.com", "sre")
	start := f.now().Add(96 * time.Hour).Truncate(time.Hour)
	with := func(key, value string) url.Values {
		v := windowValues(start, time.Hour)
		if value == "\x00" {
			v.Del(key)
		} else {
			v.Set(key, value)
		}
		return v
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		code  int
		field string
	}{
		{"no service", with("services", "\x00"), http.StatusBadRequest, "services"},
		{"unknown service", with("services", "nope"), http.StatusBadRequest, "services"},
		{"no title", with("title", "  "), http.StatusBadRequest, "title"},
		{"description too long", with("description", strings.Repeat("x", 4001)), http.StatusBadRequest, "description"},
		{"title naming a tenant", with("title", "Acme mailbox move"), http.StatusBadRequest, "title"},
		{"description naming a tenant", with("description", "Bravo Logistics' mail pauses."), http.StatusBadRequest, "description"},
		{"unknown zone", with("zone", "Mars/Olympus"), http.StatusBadRequest, "zone"},
		{"start not a time", with("start", "tomorrow"), http.StatusBadRequest, "start"},
		{"no end", with("end", "\x00"), http.StatusBadRequest, "end"},
		{"end before start", with("end", localForm(start.Add(-time.Hour), time.UTC)), http.StatusBadRequest, "end"},
		{"a time the clocks skip", url.Values{"services": {"mail"}, "title": {"x"}, "zone": {"Europe/Berlin"},
			"start": {"2027-03-28T02:30"}, "end": {"2027-03-28T04:00"}}, http.StatusBadRequest, "start"},
		{"longer than maintenance_max", with("end", localForm(start.Add(8*24*time.Hour), time.UTC)), http.StatusBadRequest, "end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, b, f.srv.URL+"/console/maintenance", tc.form)
			if code != tc.code || !strings.Contains(body, "The field "+tc.field+" is not valid") || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("%d, want %d naming %s:\n%.2000s", code, tc.code, tc.field, body)
			}
		})
	}
	// A confirmation whose promise no longer holds is shown again.
	v := windowValues(start, time.Hour)
	v.Set("confirm", "yes")
	v.Set("promise", "bravo-silver") // 96 h ahead, both contracts' notice is met
	if code, body := post(t, b, f.srv.URL+"/console/maintenance", v); code != http.StatusConflict || !strings.Contains(body, "changed since you looked") {
		t.Errorf("stale promise: %d\n%.1500s", code, body)
	}
	// An account manager is refused the pages and the forms.
	am, _, _ := f.signIn(t, "ada@example.com", "billing")
	if code, _ := get(t, am, f.srv.URL+"/console/maintenance"); code != http.StatusForbidden {
		t.Errorf("account manager's list: %d, want 403", code)
	}
	v.Set("promise", "acme-gold,bravo-silver")
	if code, _ := post(t, am, f.srv.URL+"/console/maintenance", v); code != http.StatusForbidden {
		t.Errorf("account manager's schedule: %d, want 403", code)
	}
	if ms, _ := f.db.ListMaintenance(ctx); len(ms) != 0 {
		t.Fatalf("stored after refusals: %+v", ms)
	}
	if es, _ := f.db.AuditEntries(ctx, 0, 100); len(es) != 0 {
		for _, e := range es {
			if strings.HasPrefix(e.Action, "maintenance.") {
				t.Errorf("audited after refusals: %+v", e)
			}
		}
	}

	// Updates: a bad status or an empty body names the field; an update
	// the clock does not allow yet is refused; nothing is stored.
	m, err := f.db.AddMaintenance(ctx, store.Maintenance{Services: []string{"mail"}, Title: "w", Start: start, End: start.Add(time.Hour)}, "oidc:otto@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u := f.srv.URL + "/console/maintenance/" + itoa(m.ID) + "/updates"
	for _, tc := range []struct {
		name, status, body string
		code               int
		field              string
	}{
		{"unknown status", "verifying", "x", http.StatusBadRequest, "status"},
		{"empty body", "scheduled", " ", http.StatusBadRequest, "body"},
		{"body naming a tenant", "scheduled", "acme's mail pauses first", http.StatusBadRequest, "body"},
		{"completed before the start", "completed", "done", http.StatusConflict, "status"},
	} {
		code, body := post(t, b, u, url.Values{"status": {tc.status}, "body": {tc.body}})
		if code != tc.code || !strings.Contains(body, "The field "+tc.field+" is not valid") {
			t.Errorf("%s: %d, want %d naming %s\n%.1500s", tc.name, code, tc.code, tc.field, body)
		}
	}
	if code, _ := post(t, am, u, url.Values{"status": {"scheduled"}, "body": {"x"}}); code != http.StatusForbidden {
		t.Errorf("account manager's update: %d, want 403", code)
	}
	if ms, _ := f.db.ListMaintenance(ctx); len(ms) != 1 || len(ms[0].Updates) != 0 {
		t.Errorf("updates stored after refusals: %+v", ms)
	}
}
