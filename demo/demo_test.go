package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/monitor"
	"github.com/slatehq/slate/sla"
)

// startDemo runs the demo in the background on a free port with dir as its
// data directory and clock as its scripted servers' clock, and returns it
// once it serves, with its printed output and a function that stops it
// (also called when the test ends). The demo's log goes to the test's.
func startDemo(t *testing.T, dir string, clock *testkit.Clock) (Running, *testkit.SyncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan Running, 1)
	done := make(chan error, 1)
	out := &testkit.SyncBuffer{}
	go func() {
		done <- Run(ctx, Options{Listen: "127.0.0.1:0", DataDir: dir, ScriptNow: clock.Now,
			Started: func(r Running) { started <- r }}, out, logWriter{t})
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("demo: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case r := <-started:
		testkit.Eventually(t, "summary.json answers", 10*time.Second, func() bool {
			code, _ := testkit.Get(t, r.Base+"/api/v2/summary.json")
			return code == 200
		})
		return r, out, stop
	case err := <-done:
		t.Fatalf("demo stopped before serving: %v\n%s", err, out)
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not start within 15s")
	}
	return Running{}, nil, nil
}

// logWriter writes to the test's log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// statuspageIncident is an incident of incidents.json, the fields the test reads.
type statuspageIncident struct {
	ID, Name, Status string
	StartedAt        time.Time          `json:"started_at"`
	Updates          []statuspageUpdate `json:"incident_updates"`
}

type statuspageUpdate struct{ Status, Body string }

// publicID is the ID the pages give incident id.
func publicID(t *testing.T, r Running, id int64) string {
	t.Helper()
	p, err := monitor.IncidentPublicID(context.Background(), r.Monitor.Store(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// storedIncident is the stored incident of the story's incident of service.
func storedIncident(t *testing.T, r Running, service string) (db.Incident, demoIncident) {
	t.Helper()
	var want demoIncident
	for _, si := range r.Story.Incidents {
		if si.Service == service {
			want = si
		}
	}
	if want.Service == "" {
		t.Fatalf("the story has no incident of %s", service)
	}
	incs, err := r.Monitor.Store().Incidents(context.Background(), db.IncidentFilter{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if inc.Started.Equal(want.Started) {
			return inc, want
		}
	}
	t.Fatalf("no stored incident of %s started %s", service, want.Started)
	return db.Incident{}, demoIncident{}
}

// TestDemo runs slate demo on a temporary data directory and checks what a
// newcomer is shown: the story's incidents with their statuses, the
// post-mortem, the bad week in the bars, the credit ledger, maintenance,
// and live checks that follow the script. A second run on the same
// directory reuses the store.
// demoFixture is a demo running for TestDemo's subtests.
type demoFixture struct {
	dir   string
	clock *testkit.Clock
	r     Running
	out   *testkit.SyncBuffer
	stop  func()
	ctx   context.Context
	cfg   *config.Config
}

func TestDemo(t *testing.T) {
	// A directory the demo makes itself, so that it chooses its mode.
	f := &demoFixture{dir: filepath.Join(t.TempDir(), "data"), clock: &testkit.Clock{}, ctx: context.Background()}
	f.clock.Set(time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC)) // minute :x1: every scripted server answers
	f.r, f.out, f.stop = startDemo(t, f.dir, f.clock)
	f.cfg = f.r.Monitor.Config()
	t.Run("prints where to look", f.demoPrintsWhereToLook)
	t.Run("its data is private", f.demoItsDataIsPrivate)
	t.Run("the printed credentials open the tenant page and the admin API", f.demoThePrintedCredentialsOpenThe)
	t.Run("incidents with their statuses", f.demoIncidentsWithTheirStatuses)
	t.Run("published post-mortem on the mail incident's page", f.demoPublishedPostmortemOnTheMail)
	t.Run("bars show the messenger's bad week", f.demoBarsShowTheMessengersBad)
	t.Run("ledger", f.demoLedger)
	t.Run("maintenance", f.demoMaintenance)
	t.Run("the script flips live checks", f.demoTheScriptFlipsLiveChecks)
	t.Run("a second run reuses the store", f.demoASecondRunReusesThe)
}

// demoPrintsWhereToLook: prints where to look.
func (f *demoFixture) demoPrintsWhereToLook(t *testing.T) {
	dir, r, out, cfg := f.dir, f.r, f.out, f.cfg
	login, _ := storedIncident(t, r, "messenger-login")
	imap, _ := storedIncident(t, r, "mail-imap")
	for _, want := range []string{r.Base + "/\n", fmt.Sprintf("%s/incidents/%s ", r.Base, publicID(t, r, login.ID)), fmt.Sprintf("%s/incidents/%s ", r.Base, publicID(t, r, imap.ID)),
		r.Base + "/api/v2/summary.json", r.Base + "/metrics", dir, "Ctrl-C to stop."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The other commands work on the demo's store through the
	// configuration it wrote.
	written, err := config.Load(filepath.Join(dir, "slate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if written.Storage.Path != cfg.Storage.Path || written.Server.Listen != cfg.Server.Listen {
		t.Errorf("written configuration has store %s on %s, want %s on %s", written.Storage.Path, written.Server.Listen, cfg.Storage.Path, cfg.Server.Listen)
	}
}

// demoThePrintedCredentialsOpenThe: the printed credentials open the tenant page and the admin API.
func (f *demoFixture) demoThePrintedCredentialsOpenThe(t *testing.T) {
	r, out, cfg := f.r, f.out, f.cfg
	field := func(label string) string {
		for line := range strings.SplitSeq(out.String(), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
				return strings.Fields(v)[0]
			}
		}
		t.Fatalf("output has no %q line:\n%s", label, out)
		return ""
	}
	tenant := cfg.Tenants[0]
	page := r.Base + "/status/" + tenant.ID
	req, _ := http.NewRequest(http.MethodGet, page, nil)
	req.Header.Set("Authorization", "Bearer "+field("Viewer token:"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tenant.Name) || !strings.Contains(string(body), "Credit statement") {
		t.Errorf("tenant page with the printed viewer token: %d", resp.StatusCode)
	}
	// A browser keeps the cookie the link is swapped for.
	jar, _ := cookiejar.New(nil)
	resp, err = (&http.Client{Jar: jar}).Get(field("Signed link:"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tenant.Name) {
		t.Errorf("printed signed link: %d", resp.StatusCode)
	}
	if code, _ := testkit.Get(t, page); code != http.StatusUnauthorized {
		t.Errorf("tenant page without credentials: %d, want 401", code)
	}
	_, admin, _ := strings.Cut(field("Admin API:")+" "+out.String(), "Bearer ")
	admin, _, _ = strings.Cut(admin, "'")
	req, _ = http.NewRequest(http.MethodGet, r.Base+"/api/admin/credits", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"state":"issued"`) {
		t.Errorf("admin API with the printed token: %d %.200s", resp.StatusCode, body)
	}
}

// demoIncidentsWithTheirStatuses: incidents with their statuses.
func (f *demoFixture) demoIncidentsWithTheirStatuses(t *testing.T) {
	r := f.r
	_, body := testkit.Get(t, r.Base+"/api/v2/incidents.json")
	var doc struct{ Incidents []statuspageIncident }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, service string }{
		{"messenger sign-in", "messenger-login"},
		{"messenger contact lists", "messenger-contacts"},
		{"mail degraded fortnight", "mail-webmail"},
		{"mail SMTP outage", "mail-smtp"},
		{"mail IMAP outage", "mail-imap"},
		{"phone sync outage", "sync-api"},
		{"data restore", "sync-restore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, want := storedIncident(t, r, tc.service)
			i := slices.IndexFunc(doc.Incidents, func(x statuspageIncident) bool { return x.ID == publicID(t, r, stored.ID) })
			if i < 0 {
				t.Fatalf("incident %d of %s is not in incidents.json", stored.ID, tc.service)
			}
			got := doc.Incidents[i]
			if got.Status != string(want.Status()) || !got.StartedAt.Equal(want.Started) {
				t.Errorf("got status %s started %s, want %s started %s", got.Status, got.StartedAt, want.Status(), want.Started)
			}
			// Every entry people wrote is an update, newest first;
			// detection's lines ("... is down: failing from ...",
			// "recovery held ...") are staff's and never one.
			var people []incident.Entry
			for _, e := range want.Timeline {
				if e.Kind == incident.KindUpdate {
					people = append(people, e)
				} else if slices.ContainsFunc(got.Updates, func(u statuspageUpdate) bool { return u.Body == e.Body }) {
					t.Errorf("detection's %s line %q is published as an update", e.Kind, e.Body)
				}
			}
			if len(got.Updates) != len(people) {
				t.Fatalf("got %d updates, want the %d people wrote", len(got.Updates), len(people))
			}
			for k, e := range people {
				u := got.Updates[len(got.Updates)-1-k]
				if u.Status != string(e.Status) || u.Body != e.Body {
					t.Errorf("update %d: got %s %q, want %s %q", k, u.Status, u.Body, e.Status, e.Body)
				}
			}
		})
	}
	_, restore := storedIncident(t, r, "sync-restore")
	var path []incident.Status
	for _, e := range restore.Timeline {
		if len(path) == 0 || path[len(path)-1] != e.Status {
			path = append(path, e.Status)
		}
	}
	if want := []incident.Status{incident.Investigating, incident.Identified, incident.Monitoring, incident.Resolved}; !slices.Equal(path, want) {
		t.Errorf("the data restore went %v, want %v", path, want)
	}
}

// demoPublishedPostmortemOnTheMail: published post-mortem on the mail incident's page.
func (f *demoFixture) demoPublishedPostmortemOnTheMail(t *testing.T) {
	r := f.r
	stored, want := storedIncident(t, r, "mail-imap")
	if want.Postmortem == nil || stored.PublishedPostmortem == 0 {
		t.Fatalf("the mail outage has no published post-mortem (story %v, stored version %d)", want.Postmortem != nil, stored.PublishedPostmortem)
	}
	code, page := testkit.Get(t, fmt.Sprintf("%s/incidents/%s", r.Base, publicID(t, r, stored.ID)))
	if code != 200 {
		t.Fatalf("got status %d", code)
	}
	for _, text := range []string{want.Postmortem.Resolution, "Impact", " breach minutes"} {
		if !strings.Contains(html.UnescapeString(page), text) {
			t.Errorf("the incident page lacks %q", text)
		}
	}
	// The public reads the total; no tenant is named there.
	for _, tn := range r.Monitor.Config().Tenants {
		for _, name := range []string{tn.ID, tn.Name} {
			if name != "" && strings.Contains(html.UnescapeString(page), name) {
				t.Errorf("the public incident page names tenant %q", name)
			}
		}
	}
}

// demoBarsShowTheMessengersBad: bars show the messenger's bad week.
func (f *demoFixture) demoBarsShowTheMessengersBad(t *testing.T) {
	r := f.r
	_, page := testkit.Get(t, r.Base+"/")
	titles := barTitles(t, page, "Sign-in")
	bad := 0
	for d := r.Story.Start; d.Before(r.Story.Now); d = d.AddDate(0, 0, 1) {
		major, partial := spanMinutes(r.Story, "messenger-login-http", d, d.AddDate(0, 0, 1))
		if major+partial == 0 {
			continue
		}
		bad++
		date := d.Format(time.DateOnly)
		want := fmt.Sprintf("%d min major outage, %d min partial outage", major, partial)
		if !strings.Contains(titles[date], want) {
			t.Errorf("bar of %s is %q, want %q", date, titles[date], want)
		}
	}
	if bad < 5 {
		t.Errorf("the story's sign-in outage touches %d days, want most of a week", bad)
	}
}

// demoLedger: ledger.
func (f *demoFixture) demoLedger(t *testing.T) {
	r, ctx, cfg := f.r, f.ctx, f.cfg
	credits, err := r.Monitor.Store().Credits(ctx, db.CreditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range credit.Schedules(&cfg.Catalog) {
		c := contractOf(cfg, sc.Contract.ID)
		wantState := db.CreditComputed
		switch {
		case c.AutoIssue:
			wantState = db.CreditIssued
		case r.Story.Approver[c.ID] != "":
			wantState = db.CreditApproved
		}
		periods, owed := 0, false
		for p := sc.PeriodAt(r.Story.Start); !p.End.Add(sc.Grace).After(r.Story.Now); p = sc.PeriodAt(p.End) {
			if p.Start.Before(r.Story.Start) {
				continue
			}
			periods++
			want := expectedOutcome(t, cfg, r.Story, c, p)
			i := slices.IndexFunc(credits, func(x db.Credit) bool { return x.Contract == c.ID && x.Period == p.String() })
			if i < 0 {
				t.Errorf("%s %s: no statement in the ledger", c.ID, p)
				continue
			}
			got, rep := credits[i], want.Report()
			if got.State != wantState || got.BreachMinutes != *rep.DowntimeMinutes || got.AmountMinor != want.AmountMinor().Int64() || got.Flagged {
				t.Errorf("%s %s: got %s, %s breach minutes, %d %s, flagged %v; want %s, %s, %d", c.ID, p, got.State, got.BreachMinutes,
					got.AmountMinor, got.Currency, got.Flagged, wantState, *rep.DowntimeMinutes, want.AmountMinor())
			}
			owed = owed || want.AmountMinor().Sign() > 0
		}
		if periods == 0 {
			t.Errorf("%s: the history covers no closed period", c.ID)
		}
		if (c.ID == "fernhill-mail" || c.ID == "brightwater-messenger") && !owed {
			t.Errorf("%s: the story's outages owe no credit in any closed period", c.ID)
		}
	}
}

// demoMaintenance: maintenance.
func (f *demoFixture) demoMaintenance(t *testing.T) {
	r := f.r
	_, body := testkit.Get(t, r.Base+"/api/v2/scheduled-maintenances.json")
	var doc struct {
		Maintenances []struct{ Name, Status string } `json:"scheduled_maintenances"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, m := range r.Story.Maintenance {
		want := "in_progress"
		switch {
		case now.Before(m.Start):
			want = "scheduled"
		case !now.Before(m.End):
			want = "completed"
		}
		i := slices.IndexFunc(doc.Maintenances, func(x struct{ Name, Status string }) bool { return x.Name == m.Title })
		if i < 0 || doc.Maintenances[i].Status != want {
			t.Errorf("%q: got %+v, want status %s", m.Title, doc.Maintenances, want)
		}
	}
	if len(r.Story.Maintenance) < 2 {
		t.Errorf("the story has %d maintenance windows, want a past and an upcoming one", len(r.Story.Maintenance))
	}
}

// demoTheScriptFlipsLiveChecks: the script flips live checks.
func (f *demoFixture) demoTheScriptFlipsLiveChecks(t *testing.T) {
	clock, r, ctx := f.clock, f.r, f.ctx
	run := func(check string) sla.Result {
		res, err := r.Monitor.Scheduler().RunOnce(ctx, check)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	clock.Set(time.Date(2026, 1, 1, 12, 8, 0, 0, time.UTC))
	if res := run("messenger-delivery-http"); res.OK {
		t.Errorf("delivery at :x8: got ok, want a failure")
	}
	clock.Set(time.Date(2026, 1, 1, 12, 4, 0, 0, time.UTC))
	slow := false
	for range 4 { // every third request is slow; the scheduler's own runs share the count
		if res := run("mail-webmail-http"); !res.OK {
			slow = true
			break
		}
	}
	if !slow {
		t.Errorf("webmail at :x4: no run failed, want every third too slow")
	}
	clock.Set(time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC))
	for _, c := range []string{"messenger-delivery-http", "mail-webmail-http", "mail-imap-tcp", "mail-smtp-tcp"} {
		if res := run(c); !res.OK {
			t.Errorf("%s at :x1: got %s %s, want ok", c, res.Class, res.Detail)
		}
	}
}

// demoItsDataIsPrivate: the data directory is 0700, and the configuration
// (push tokens) and the store (the link key, token hashes) in it 0600.
func (f *demoFixture) demoItsDataIsPrivate(t *testing.T) {
	for path, want := range map[string]os.FileMode{
		f.dir:                              0o700,
		filepath.Join(f.dir, "slate.yaml"): 0o600,
		filepath.Join(f.dir, "slate.db"):   0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %04o, want %04o", path, got, want)
		}
	}
}

// demoASecondRunReusesThe: a second run reuses the store.
func (f *demoFixture) demoASecondRunReusesThe(t *testing.T) {
	dir, clock, r, stop, ctx := f.dir, f.clock, f.r, f.stop, f.ctx
	incs, err := r.Monitor.Store().Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dir, demoMarker))
	if err != nil {
		t.Fatal(err)
	}
	stop() // one process on a store at a time
	r2, out2, _ := startDemo(t, dir, clock)
	if !strings.Contains(out2.String(), "reusing the store") {
		t.Errorf("second run did not say it reuses the store:\n%s", out2)
	}
	after, _ := os.ReadFile(filepath.Join(dir, demoMarker))
	again, err := r2.Monitor.Store().Incidents(ctx, db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) || len(again) < len(incs) || !r2.Story.Now.Equal(r.Story.Now) {
		t.Errorf("second run regenerated: marker %s -> %s, %d -> %d incidents", before, after, len(incs), len(again))
	}
}

// expectedOutcome is what contract c owes for period p by the story alone:
// the down spans of its checks as downtime, and the maintenance announced
// in time.
func expectedOutcome(t *testing.T, cfg *config.Config, story demoStory, c catalog.Contract, p sla.Period) sla.Outcome {
	t.Helper()
	var facts sla.Facts
	for _, ch := range credit.ContractOf(&cfg.Catalog, c).Checks {
		for _, sp := range story.Spans {
			if sp.Check == ch.ID && sp.State == sla.StateDown {
				facts.Downtime = append(facts.Downtime, sla.Outage{Interval: sla.Interval{Start: sp.Start, End: sp.End}})
			}
		}
	}
	for _, m := range story.Maintenance {
		covers := slices.ContainsFunc(m.Services, func(s string) bool { return slices.Contains(c.Services, s) })
		if covers && !m.Announced.After(m.Start.Add(-c.MaintenanceNotice)) {
			facts.Maintenance = append(facts.Maintenance, sla.Interval{Start: m.Start, End: m.End})
		}
	}
	out, err := sla.Evaluate(sla.Case{Policy: c.Policy, Period: p, Fee: c.Fee, Facts: facts})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func contractOf(cfg *config.Config, id string) catalog.Contract {
	for _, c := range cfg.Contracts {
		if c.ID == id {
			return c
		}
	}
	return catalog.Contract{}
}

// spanMinutes counts the story's down and degraded minutes of check in
// [from, to).
func spanMinutes(story demoStory, check string, from, to time.Time) (down, degraded int) {
	for _, sp := range story.Spans {
		if sp.Check != check {
			continue
		}
		lo, hi := later(sp.Start, from), sp.End
		if to.Before(hi) {
			hi = to
		}
		if !lo.Before(hi) {
			continue
		}
		n := int(hi.Sub(lo) / time.Minute)
		if sp.State == sla.StateDown {
			down += n
		} else {
			degraded += n
		}
	}
	return down, degraded
}

// barTitles reads a service's day bars from the status page: their titles
// by date.
func barTitles(t *testing.T, page, service string) map[string]string {
	t.Helper()
	start := strings.Index(page, `aria-label="`+service+`: daily uptime, oldest first"`)
	if start < 0 {
		t.Fatalf("no bars for %s on the page", service)
	}
	list := page[start:]
	list = list[:strings.Index(list, "</ol>")]
	out := map[string]string{}
	// Each day's summary carries its figures (the disclosure's name).
	for _, m := range regexp.MustCompile(`<summary><span class="visually-hidden">([^<]*)</span></summary>`).FindAllStringSubmatch(list, -1) {
		title := html.UnescapeString(m[1])
		date, _, _ := strings.Cut(title, ":")
		out[date] = title
	}
	if len(out) != monitor.BarDays {
		t.Fatalf("got %d bars for %s, want %d", len(out), service, monitor.BarDays)
	}
	return out
}

// TestDemoRefuses checks that the demo says so when it cannot run: a busy
// address, and a data directory holding a store it did not make.
func TestDemoRefuses(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "slate.db"), []byte("not ours"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		listen string
		dir    string
		want   string
	}{
		{"address in use", busy.Addr().String(), t.TempDir(), busy.Addr().String() + " is already in use"},
		{"a store the demo did not make", "127.0.0.1:0", foreign, "holds a store the demo did not make"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(context.Background(), Options{Listen: tc.listen, DataDir: tc.dir}, &testkit.SyncBuffer{}, logWriter{t})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "slate.db")); string(b) != "not ours" {
		t.Errorf("the foreign store was changed")
	}
}

// TestDemoScript checks the live script: which requests fail or are slow
// at which minutes.
func TestDemoScript(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 3, 1, 9, min, 30, 0, time.UTC) }
	for _, tc := range []struct {
		name   string
		target string
		now    time.Time
		n      uint64
		from   string
		want   demoBehaviour
	}{
		{"delivery answers at :x7", "delivery", at(17), 0, "", demoOK},
		{"delivery fails at :x8", "delivery", at(18), 0, "", demoFail},
		{"delivery fails at :x9", "delivery", at(59), 4, "", demoFail},
		{"delivery answers at :x0", "delivery", at(20), 0, "", demoOK},
		{"webmail answers at :x2", "webmail", at(2), 2, "", demoOK},
		{"webmail slow on a third request at :x3", "webmail", at(3), 2, "", demoSlow},
		{"webmail answers the others at :x3", "webmail", at(3), 3, "", demoOK},
		{"webmail slow at :x5", "webmail", at(45), 5, "", demoSlow},
		{"webmail answers at :x6", "webmail", at(46), 5, "", demoOK},
		{"sign-in always answers", "login", at(18), 2, "", demoOK},
		{"website fails for us-east at :x6", "www", at(6), 0, "us-east", demoFail},
		{"website fails for us-east at :x7", "www", at(27), 1, "us-east", demoFail},
		{"website answers us-east at :x8", "www", at(8), 0, "us-east", demoOK},
		{"website answers eu-central at :x6", "www", at(6), 0, "eu-central", demoOK},
		{"website answers this server at :x6", "www", at(6), 0, "", demoOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := demoScript(tc.target, tc.now, tc.n, tc.from); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// TestDemoBlipAtOneLocation runs the demo with its scripted servers at
// minute :x6, when the website fails for the agent at us-east alone. The
// demo's two agents and its own collector probe the website from three
// locations; a whole minute of the blip is judged degraded (one location
// of three is no quorum), the page shows the website degraded, not down,
// and no incident opens for it.
func TestDemoBlipAtOneLocation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about two minutes of real time; skipped with -short")
	}
	t.Parallel()
	clock := &testkit.Clock{}
	clock.Set(time.Date(2026, 1, 1, 12, 6, 0, 0, time.UTC)) // :x6: the website blips at us-east
	began := time.Now()
	r, out, _ := startDemo(t, filepath.Join(t.TempDir(), "data"), clock)
	if !strings.Contains(out.String(), "Agents:          eu-central, us-east probe the website") {
		t.Errorf("output does not name the agents:\n%s", out)
	}
	ctx, store := context.Background(), r.Monitor.Store()
	testkit.Eventually(t, "the website's runs from three locations", 60*time.Second, func() bool {
		// From the minute the story's history ends: live runs only.
		h, err := store.MinuteRuns(ctx, "www-http", r.Story.Now, time.Now().Add(time.Minute))
		if err != nil {
			return false
		}
		seen := 0
		for i, loc := range h.Locations {
			var ok, fail int
			for _, run := range h.Runs[i] {
				ok += run.Count * int(run.Minute.OK)
				fail += run.Count * int(run.Minute.Fail)
			}
			if loc == "us-east" && ok > 0 || loc != "us-east" && fail > 0 {
				t.Fatalf("the website's runs from %s: %d passed, %d failed; want failing at us-east alone", loc, ok, fail)
			}
			if ok+fail > 0 {
				seen++
			}
		}
		return seen == 3
	})
	minute := time.Now().Truncate(time.Minute).Add(time.Minute)
	testkit.Eventually(t, "the first whole minute with every location final", 150*time.Second, func() bool {
		return time.Now().After(minute.Add(time.Minute + 20*time.Second))
	})
	ch := r.Monitor.Config().Catalog.ServiceChecks("www")[0]
	if len(ch.Locations) != 3 {
		t.Fatalf("the website runs at %v, want three locations", ch.Locations)
	}
	w, err := credit.JudgeWindow(ctx, store, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation}, minute, 1, 30*time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if w.States[0] != sla.StateDegraded {
		t.Errorf("the website's minute %s: %s (failing at %v), want degraded", minute.Format("15:04"), w.States[0], w.Failing[0])
	}
	incs, err := store.Incidents(ctx, db.IncidentFilter{Service: "www"})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if !inc.Started.Before(began.Add(-time.Minute)) {
			t.Errorf("an incident of the website opened at %s by a blip at one location", inc.Started)
		}
	}
	var summary struct {
		Components []struct{ Name, Status string }
	}
	code, body := testkit.Get(t, r.Base+"/api/v2/summary.json")
	if err := json.Unmarshal([]byte(body), &summary); code != http.StatusOK || err != nil {
		t.Fatalf("summary.json: %d, %v", code, err)
	}
	for _, c := range summary.Components {
		if c.Name == "Website" && c.Status != "degraded_performance" && c.Status != "partial_outage" {
			t.Errorf("the website on the page: %s, want degraded (degraded_performance or partial_outage)", c.Status)
		}
	}
}
