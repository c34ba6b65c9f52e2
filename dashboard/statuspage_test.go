package dashboard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slatehq/slate/sla"
)

var update = flag.Bool("update", false, "rewrite dashboard/testdata/*.golden and the screenshots in docs/screenshots")

// fixedNow is the clock of every snapshot in these tests.
func fixedNow() time.Time { return time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixtureInput is a page with two groups (one service down, one in
// maintenance), an ungrouped degraded service, an open incident with
// three updates, a resolved one, 60 older resolved ones (past the cap),
// one on a private service (left out), and maintenance windows upcoming,
// active, completed and cancelled.
func fixtureInput() SnapshotInput {
	in := SnapshotInput{
		Page: Page{ID: "slate", Name: "Example status", URL: "https://status.example.com/"},
		Services: []ServiceState{
			{ID: "api", Name: "API", Group: "Core", State: sla.StateUp, Since: at("2026-11-19T09:00:00Z"), CreatedAt: at("2026-01-01T00:00:00Z"), Description: "Public REST API"},
			{ID: "cdn", Name: "CDN", Group: "Edge", State: sla.StateMaintenance, Since: at("2026-11-20T11:30:00Z"), CreatedAt: at("2026-01-01T00:00:00Z")},
			{ID: "db", Name: "Database", Group: "Core", State: sla.StateDown, Since: at("2026-11-20T11:40:00Z"), CreatedAt: at("2026-02-01T00:00:00Z")},
			{ID: "web", Name: "Website", State: sla.StateDegraded, Partial: true, Since: at("2026-11-20T11:50:00Z"), CreatedAt: at("2026-01-01T00:00:00Z")},
			{ID: "dns", Group: "Edge", State: sla.StateUnknown, Since: at("2026-11-20T10:00:00Z")},
		},
		Incidents: []IncidentRecord{
			{ID: "1000", Title: "API and database errors", Service: "api", Also: []string{"db", "billing-internal"}, Status: "resolved", Severity: "major", Started: at("2026-11-19T08:00:00Z"), Ended: at("2026-11-19T09:00:00Z"),
				Timeline: []TimelineEntry{
					{At: at("2026-11-19T08:02:00Z"), Status: "investigating", Body: "API down at 3 of 4 locations."},
					{At: at("2026-11-19T09:00:00Z"), Status: "resolved", Body: "Recovered."},
				}},
			{ID: "1001", Service: "db", Status: "monitoring", Severity: "critical", Started: at("2026-11-20T11:40:00Z"), CreatedAt: at("2026-11-20T11:41:00Z"),
				Timeline: []TimelineEntry{
					{At: at("2026-11-20T11:41:00Z"), Status: "investigating", Body: "Database down at all locations."},
					{At: at("2026-11-20T11:45:00Z"), Body: "failing locations: fra, iad"}, // no status: not shown
					{At: at("2026-11-20T11:48:00Z"), Status: "identified", Body: "Disk full on the primary."},
					{At: at("2026-11-20T11:55:00Z"), Status: "monitoring", Body: "Space freed; watching."},
				}},
			{ID: "999", Service: "secret", Status: "investigating", Severity: "minor", Started: at("2026-11-20T11:00:00Z")},
		},
		Maintenances: []MaintenanceWindow{
			{ID: "m1", Services: []string{"api", "db"}, Title: "Database upgrade", Start: at("2026-11-21T02:00:00Z"), End: at("2026-11-21T04:00:00Z"), Announced: at("2026-11-18T10:00:00Z"),
				Description: "The database moves to version 16; queries may be slow for up to ten minutes.",
				Updates:     []TimelineEntry{{At: at("2026-11-20T09:00:00Z"), Status: "scheduled", Body: "Still on schedule."}}},
			{ID: "m2", Services: []string{"cdn", "secret"}, Title: "CDN cache rebuild", Start: at("2026-11-20T11:30:00Z"), End: at("2026-11-20T13:30:00Z"), Announced: at("2026-11-19T10:00:00Z"),
				Updates: []TimelineEntry{{At: at("2026-11-20T11:35:00Z"), Status: "in_progress", Body: "Rebuild at 40%; cached pages load normally."}}},
			{ID: "m3", Services: []string{"dns"}, Title: "DNS provider switch", Start: at("2026-11-10T02:00:00Z"), End: at("2026-11-10T02:40:00Z"),
				Updates: []TimelineEntry{{At: at("2026-11-10T02:40:00Z"), Status: "completed", Body: "Switched early; no errors seen."}}},
			{ID: "m4", Services: []string{"api"}, Title: "Cancelled work", Start: at("2026-11-22T02:00:00Z"), End: at("2026-11-22T03:00:00Z"), Cancelled: true},
			{ID: "m5", Services: []string{"secret"}, Title: "Private work", Start: at("2026-11-22T02:00:00Z"), End: at("2026-11-22T03:00:00Z")},
		},
	}
	for n := 1; n <= 60; n++ {
		start := at("2026-09-01T00:00:00Z").Add(time.Duration(n) * 24 * time.Hour)
		in.Incidents = append(in.Incidents, IncidentRecord{
			ID: fmt.Sprint(n), Service: "web", Status: "resolved", Severity: "minor", Started: start, Ended: start.Add(10 * time.Minute),
			Timeline: []TimelineEntry{
				{At: start, Status: "investigating", Body: "Website slow."},
				{At: start.Add(10 * time.Minute), Status: "resolved", Body: "Recovered."},
			},
		})
	}
	return in
}

func fixtureServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	return s
}

func TestStatuspageGolden(t *testing.T) {
	s := fixtureServer(t)
	for _, path := range statuspagePaths() {
		t.Run(path, func(t *testing.T) {
			w := serve(s, http.MethodGet, "/api/v2"+path)
			if w.Code != http.StatusOK {
				t.Fatalf("status: got %d, want 200", w.Code)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, w.Body.Bytes(), "", "  "); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			name := filepath.Join("testdata", "statuspage"+strings.ReplaceAll(strings.TrimSuffix(path, ".json"), "/", "_")+".golden")
			if *update {
				if err := os.WriteFile(name, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("read golden (run go test -update): %v", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("body differs from %s (run go test -update and review the diff):\n%s", name, pretty.String())
			}
		})
	}
}

func TestStatuspageHeadersAndHEAD(t *testing.T) {
	s := fixtureServer(t)
	for _, path := range statuspagePaths() {
		t.Run(path, func(t *testing.T) {
			get := serve(s, http.MethodGet, "/api/v2"+path)
			head := serve(s, http.MethodHead, "/api/v2"+path)
			for _, w := range []struct {
				method string
				code   int
				hdr    http.Header
			}{{"GET", get.Code, get.Header()}, {"HEAD", head.Code, head.Header()}} {
				if w.code != http.StatusOK {
					t.Errorf("%s status: got %d, want 200", w.method, w.code)
				}
				if got := w.hdr.Get("Access-Control-Allow-Origin"); got != "*" {
					t.Errorf("%s CORS: got %q, want *", w.method, got)
				}
				if got := w.hdr.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
					t.Errorf("%s content type: got %q, want application/json", w.method, got)
				}
				if got, want := w.hdr.Get("Content-Length"), fmt.Sprint(get.Body.Len()); got != want {
					t.Errorf("%s content length: got %s, want %s", w.method, got, want)
				}
			}
			if head.Body.Len() != 0 {
				t.Errorf("HEAD body: got %d bytes, want none", head.Body.Len())
			}
		})
	}
}

func TestStatuspageBeforeSnapshot(t *testing.T) {
	s := NewServer(prometheus.NewRegistry())
	w := serve(s, http.MethodGet, "/api/v2/summary.json")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status: got %d, want 503", w.Code)
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("CORS: got %q, want *", got)
	}
	if s.Snapshot() != nil {
		t.Errorf("Snapshot: got non-nil before SetSnapshot")
	}
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	s.SetSnapshot(nil)
	if w := serve(s, http.MethodHead, "/api/v2/status.json"); w.Code != http.StatusServiceUnavailable || w.Body.Len() != 0 {
		t.Errorf("HEAD after SetSnapshot(nil): got %d with %d bytes, want 503 and no body", w.Code, w.Body.Len())
	}
}

// decode fetches path and decodes it generically, so absent keys show.
func decode(t *testing.T, s *Server, path string) map[string]any {
	t.Helper()
	w := serve(s, http.MethodGet, "/api/v2"+path)
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func list(doc map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, v := range doc[key].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func checkKeys(t *testing.T, what string, obj map[string]any, keys string) {
	t.Helper()
	for _, k := range strings.Fields(keys) {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s %v: key %q missing", what, obj["id"], k)
		}
	}
}

func checkEnum(t *testing.T, what string, got any, allowed string) {
	t.Helper()
	if s, ok := got.(string); !ok || !slices.Contains(strings.Fields(allowed), s) {
		t.Errorf("%s: got %v, want one of %s", what, got, allowed)
	}
}

const (
	componentKeys     = "id name status created_at updated_at position description showcase start_date group_id page_id group only_show_if_degraded"
	incidentKeys      = "id name status impact created_at updated_at started_at monitoring_at resolved_at shortlink page_id incident_updates components"
	updateKeys        = "id status body incident_id created_at updated_at display_at affected_components deliver_notifications custom_tweet tweet_id"
	componentStatuses = "operational degraded_performance partial_outage major_outage under_maintenance"
)

func checkComponent(t *testing.T, c map[string]any) {
	t.Helper()
	checkKeys(t, "component", c, componentKeys)
	checkEnum(t, "component status", c["status"], componentStatuses)
	if c["group"] == true {
		if _, ok := c["components"].([]any); !ok {
			t.Errorf("group %v: components is not a list", c["id"])
		}
	}
}

func TestStatuspageShapes(t *testing.T) {
	s := fixtureServer(t)
	sum := decode(t, s, "/summary.json")
	checkKeys(t, "summary", sum, "page status components incidents scheduled_maintenances")
	checkKeys(t, "page", sum["page"].(map[string]any), "id name url time_zone updated_at")
	st := sum["status"].(map[string]any)
	checkEnum(t, "indicator", st["indicator"], "none minor major critical")
	if st["indicator"] != "major" || st["description"] != "Partial System Outage" {
		t.Errorf("status: got %v, want major, Partial System Outage", st)
	}

	comps := list(sum, "components")
	groups := map[string][]any{}
	for _, c := range comps {
		checkComponent(t, c)
		if c["group"] == true {
			groups[c["id"].(string)] = c["components"].([]any)
		}
	}
	for _, c := range comps {
		if g, ok := c["group_id"].(string); ok && !slices.Contains(groups[g], c["id"]) {
			t.Errorf("component %v names group %s, which does not list it", c["id"], g)
		}
	}

	for _, path := range []string{"/incidents.json", "/incidents/unresolved.json", "/scheduled-maintenances.json"} {
		key := "incidents"
		statuses := "investigating identified monitoring resolved postmortem"
		impacts := "none minor major critical"
		if strings.HasPrefix(path, "/scheduled") {
			key, statuses, impacts = "scheduled_maintenances", "scheduled in_progress verifying completed", "none minor major critical maintenance"
		}
		for _, inc := range list(decode(t, s, path), key) {
			checkKeys(t, path, inc, incidentKeys)
			if key == "scheduled_maintenances" {
				checkKeys(t, path, inc, "scheduled_for scheduled_until")
			}
			checkEnum(t, path+" status", inc["status"], statuses)
			checkEnum(t, path+" impact", inc["impact"], impacts)
			var prev string
			for i, u := range list(inc, "incident_updates") {
				checkKeys(t, "update", u, updateKeys)
				if i > 0 && u["created_at"].(string) > prev {
					t.Errorf("%s %v: updates not newest first", path, inc["id"])
				}
				prev = u["created_at"].(string)
			}
			for _, c := range list(inc, "components") {
				checkComponent(t, c)
			}
			if !strings.HasPrefix(inc["shortlink"].(string), "https://status.example.com/incidents/") {
				t.Errorf("%s %v shortlink: got %v", path, inc["id"], inc["shortlink"])
			}
		}
	}

	// The open incident, in full.
	unresolved := list(decode(t, s, "/incidents/unresolved.json"), "incidents")
	if len(unresolved) != 1 || unresolved[0]["id"] != "1001" {
		t.Fatalf("unresolved: got %d incidents, want only 1001", len(unresolved))
	}
	open := unresolved[0]
	for key, want := range map[string]any{
		"name": "Database outage", "impact": "critical", "status": "monitoring",
		"created_at": "2026-11-20T11:41:00.000Z", "started_at": "2026-11-20T11:40:00.000Z",
		"monitoring_at": "2026-11-20T11:55:00.000Z", "resolved_at": nil, "updated_at": "2026-11-20T11:55:00.000Z",
	} {
		if open[key] != want {
			t.Errorf("incident 1001 %s: got %v, want %v", key, open[key], want)
		}
	}
	var ids []string
	for _, u := range list(open, "incident_updates") {
		ids = append(ids, u["id"].(string))
		if u["affected_components"] != nil || u["custom_tweet"] != nil || u["tweet_id"] != nil {
			t.Errorf("update %v: want null affected_components, custom_tweet, tweet_id", u["id"])
		}
	}
	if want := []string{"1001-4", "1001-3", "1001-1"}; !slices.Equal(ids, want) {
		t.Errorf("update ids: got %v, want %v", ids, want)
	}
}

func TestStatuspageCapsAndOrder(t *testing.T) {
	s := fixtureServer(t)
	incs := list(decode(t, s, "/incidents.json"), "incidents")
	if len(incs) != statuspageMax {
		t.Fatalf("incidents.json: got %d, want %d", len(incs), statuspageMax)
	}
	if incs[0]["id"] != "1001" || incs[1]["id"] != "1000" || incs[2]["id"] != "60" || incs[49]["id"] != "13" {
		t.Errorf("incidents.json order: got %v, %v, %v ... %v; want 1001, 1000, 60 ... 13", incs[0]["id"], incs[1]["id"], incs[2]["id"], incs[49]["id"])
	}
	for i := 1; i < len(incs); i++ {
		if incs[i]["started_at"].(string) > incs[i-1]["started_at"].(string) {
			t.Errorf("incidents.json: %v started after %v, which comes first", incs[i]["id"], incs[i-1]["id"])
		}
	}
	for _, inc := range incs {
		if inc["id"] == "999" {
			t.Errorf("incident of a private service is shown")
		}
	}

	cases := []struct {
		path string
		ids  []string
	}{
		{"/scheduled-maintenances.json", []string{"m1", "m2", "m3"}},
		{"/scheduled-maintenances/upcoming.json", []string{"m1"}},
		{"/scheduled-maintenances/active.json", []string{"m2"}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			var got []string
			for _, m := range list(decode(t, s, tc.path), "scheduled_maintenances") {
				got = append(got, m["id"].(string))
			}
			if !slices.Equal(got, tc.ids) {
				t.Errorf("got %v, want %v", got, tc.ids)
			}
		})
	}
	var sum []string
	for _, m := range list(decode(t, s, "/summary.json"), "scheduled_maintenances") {
		sum = append(sum, m["id"].(string))
	}
	if want := []string{"m1", "m2"}; !slices.Equal(sum, want) {
		t.Errorf("summary maintenances: got %v, want %v", sum, want)
	}
}

func TestComponentStatus(t *testing.T) {
	cases := []struct {
		name    string
		state   sla.State
		partial bool
		want    string
	}{
		{"up", sla.StateUp, false, Operational},
		{"unknown", sla.StateUnknown, false, Operational},
		{"degraded everywhere", sla.StateDegraded, false, DegradedPerformance},
		{"degraded, some down", sla.StateDegraded, true, PartialOutage},
		{"down", sla.StateDown, false, MajorOutage},
		{"maintenance", sla.StateMaintenance, false, UnderMaintenance},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := componentStatus(tc.state, tc.partial); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRollUp(t *testing.T) {
	cases := []struct {
		name      string
		states    []sla.State
		indicator string
		desc      string
	}{
		{"none", nil, "none", "All Systems Operational"},
		{"all up", []sla.State{sla.StateUp, sla.StateUp}, "none", "All Systems Operational"},
		{"maintenance", []sla.State{sla.StateUp, sla.StateMaintenance}, "none", "Service Under Maintenance"},
		{"degraded", []sla.State{sla.StateDegraded, sla.StateMaintenance}, "minor", "Partially Degraded Service"},
		{"one down", []sla.State{sla.StateDown, sla.StateUp}, "major", "Partial System Outage"},
		{"all down", []sla.State{sla.StateDown, sla.StateDown}, "critical", "Major System Outage"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in SnapshotInput
			for i, st := range tc.states {
				in.Services = append(in.Services, ServiceState{ID: fmt.Sprint("s", i), Group: "G", State: st})
			}
			got := BuildSnapshot(in, fixedNow()).Status
			if got.Indicator != tc.indicator || got.Description != tc.desc {
				t.Errorf("got %s %q, want %s %q", got.Indicator, got.Description, tc.indicator, tc.desc)
			}
		})
	}
}

func TestMaintenanceStatusFromNow(t *testing.T) {
	w := MaintenanceWindow{ID: "m", Services: []string{"a"}, Title: "Work", Start: at("2026-11-20T10:00:00Z"), End: at("2026-11-20T11:00:00Z")}
	cases := []struct {
		now     string
		status  string
		updates int
	}{
		{"2026-11-20T09:59:59Z", "scheduled", 1},
		{"2026-11-20T10:00:00Z", "in_progress", 2},
		{"2026-11-20T10:59:59Z", "in_progress", 2},
		{"2026-11-20T11:00:00Z", "completed", 3}, // [Start, End)
	}
	for _, tc := range cases {
		t.Run(tc.now, func(t *testing.T) {
			snap := BuildSnapshot(SnapshotInput{Services: []ServiceState{{ID: "a"}}, Maintenances: []MaintenanceWindow{w}}, at(tc.now))
			m := snap.Maintenances[0]
			if m.Status != tc.status || len(m.Updates) != tc.updates {
				t.Errorf("got %s with %d updates, want %s with %d", m.Status, len(m.Updates), tc.status, tc.updates)
			}
			if m.Updates[0].Status != tc.status {
				t.Errorf("newest update: got %s, want %s", m.Updates[0].Status, tc.status)
			}
		})
	}
}

func TestGroupIDsAreUnique(t *testing.T) {
	in := SnapshotInput{Services: []ServiceState{
		{ID: "group-core", Group: "x"},
		{ID: "a", Group: "Core"},
		{ID: "b", Group: "core!"},
	}}
	seen := map[string]bool{}
	for _, c := range BuildSnapshot(in, fixedNow()).Components {
		if seen[c.ID] {
			t.Errorf("component id %s used twice", c.ID)
		}
		seen[c.ID] = true
	}
}

// A snapshot swapped while requests are served never yields a mix: every
// body is one of the two snapshots' bodies.
func TestStatuspageSwapWhileServing(t *testing.T) {
	in := fixtureInput()
	a := BuildSnapshot(in, fixedNow())
	in.Services[2].State = sla.StateUp
	b := BuildSnapshot(in, fixedNow())
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(a)
	bodyA := serve(s, http.MethodGet, "/api/v2/summary.json").Body.String()
	s.SetSnapshot(b)
	bodyB := serve(s, http.MethodGet, "/api/v2/summary.json").Body.String()
	if bodyA == bodyB {
		t.Fatal("fixture snapshots encode the same")
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			s.SetSnapshot([]*Snapshot{a, b}[i%2])
		}
	}()
	errs := make(chan string, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if got := serve(s, http.MethodGet, "/api/v2/summary.json").Body.String(); got != bodyA && got != bodyB {
					errs <- "body matches neither snapshot"
					return
				}
			}
		})
	}
	wg.Wait()
	<-done
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// FuzzBuildSnapshot checks that any mix of states, statuses and times
// encodes to JSON whose enums stay in the spec's sets.
func FuzzBuildSnapshot(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5}, int64(0))
	f.Add([]byte{3, 3, 9, 200, 17}, int64(3600))
	f.Fuzz(func(t *testing.T, data []byte, offset int64) {
		statuses := []string{"investigating", "identified", "monitoring", "resolved", "postmortem"}
		severities := []string{"", "minor", "major", "critical"}
		base := at("2026-11-20T00:00:00Z")
		var in SnapshotInput
		for i, d := range data {
			id := fmt.Sprint("s", i%5)
			t0 := base.Add(time.Duration(d) * time.Minute)
			if i < 5 {
				in.Services = append(in.Services, ServiceState{ID: id, Group: []string{"", "A", "B"}[d%3], State: sla.State(d % 6), Partial: d&8 != 0, Since: t0})
			}
			in.Incidents = append(in.Incidents, IncidentRecord{
				ID: fmt.Sprint(i), Service: id, Status: statuses[int(d)%len(statuses)], Severity: severities[int(d)%len(severities)], Started: t0,
				Timeline: []TimelineEntry{{At: t0, Status: "investigating", Body: "x"}, {At: t0.Add(time.Minute), Status: statuses[int(d)%len(statuses)]}},
			})
			in.Maintenances = append(in.Maintenances, MaintenanceWindow{ID: fmt.Sprint("m", i), Services: []string{id}, Title: "w", Start: t0, End: t0.Add(time.Hour)})
		}
		s := NewServer(prometheus.NewRegistry())
		s.SetSnapshot(BuildSnapshot(in, base.Add(time.Duration(offset%100000)*time.Second)))
		sum := decode(t, s, "/summary.json")
		checkEnum(t, "indicator", sum["status"].(map[string]any)["indicator"], "none minor major critical")
		for _, c := range list(sum, "components") {
			checkComponent(t, c)
		}
		for _, m := range list(decode(t, s, "/scheduled-maintenances.json"), "scheduled_maintenances") {
			checkEnum(t, "maintenance status", m["status"], "scheduled in_progress verifying completed")
		}
		if n := len(list(decode(t, s, "/incidents.json"), "incidents")); n > statuspageMax {
			t.Errorf("incidents.json: got %d, want at most %d", n, statuspageMax)
		}
	})
}

func BenchmarkStatuspageSummary(b *testing.B) {
	s := NewServer(prometheus.NewRegistry())
	s.SetSnapshot(BuildSnapshot(fixtureInput(), fixedNow()))
	h := s.Handler()
	req := httptest.NewRequest(http.MethodGet, "/api/v2/summary.json", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func TestStatuspageETag(t *testing.T) {
	s := fixtureServer(t)
	get := serve(s, http.MethodGet, "/api/v2/status.json")
	etag := get.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	cases := []struct {
		name, inm string
		code      int
	}{
		{"same", etag, http.StatusNotModified},
		{"in a list", `"x", W/` + etag, http.StatusNotModified},
		{"any", "*", http.StatusNotModified},
		{"other", `"x"`, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/v2/status.json", nil)
			req.Header.Set("If-None-Match", tc.inm)
			s.Handler().ServeHTTP(w, req)
			if w.Code != tc.code {
				t.Errorf("status: got %d, want %d", w.Code, tc.code)
			}
			if tc.code == http.StatusNotModified && w.Body.Len() != 0 {
				t.Errorf("304 body: got %d bytes, want none", w.Body.Len())
			}
		})
	}
	compsTag := serve(s, http.MethodGet, "/api/v2/components.json").Header().Get("ETag")
	in := fixtureInput()
	in.Services[2].State = sla.StateUp
	s.SetSnapshot(BuildSnapshot(in, fixedNow()))
	// db is now up, but web still partly down: the roll-up, and so the
	// tag, stay the same; the components changed.
	if got := serve(s, http.MethodGet, "/api/v2/status.json").Header().Get("ETag"); got != etag {
		t.Errorf("status.json ETag: got %s, want %s (unchanged)", got, etag)
	}
	if got := serve(s, http.MethodGet, "/api/v2/components.json").Header().Get("ETag"); got == compsTag {
		t.Errorf("components.json ETag unchanged after a component changed")
	}
}

// TestStatuspageGzip checks that clients that accept gzip get the same
// document compressed, with its own ETag, and that both ETags answer 304.
func TestStatuspageGzip(t *testing.T) {
	s := fixtureServer(t)
	get := func(enc, inm string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v2/summary.json", nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec
	}
	plain, zipped := get("", ""), get("gzip, deflate, br", "")
	if zipped.Header().Get("Content-Encoding") != "gzip" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding: plain %q, gzip %q", plain.Header().Get("Content-Encoding"), zipped.Header().Get("Content-Encoding"))
	}
	n := zipped.Body.Len()
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("gzip body does not decompress to the plain one (%v)", err)
	}
	if n*3 > plain.Body.Len() {
		t.Errorf("gzip body %d bytes for %d plain", n, plain.Body.Len())
	}
	if strconv.Itoa(n) != zipped.Header().Get("Content-Length") {
		t.Errorf("Content-Length %s for %d bytes", zipped.Header().Get("Content-Length"), n)
	}
	pe, ze := plain.Header().Get("Etag"), zipped.Header().Get("Etag")
	if pe == ze || pe == "" || ze == "" {
		t.Errorf("ETags plain %q, gzip %q: want two different ones", pe, ze)
	}
	for _, h := range []*httptest.ResponseRecorder{plain, zipped} {
		if h.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("Vary %q", h.Header().Get("Vary"))
		}
	}
	if get("", pe).Code != http.StatusNotModified || get("gzip", ze).Code != http.StatusNotModified {
		t.Error("an ETag of its own representation does not answer 304")
	}
	if get("gzip", pe).Code != http.StatusOK {
		t.Error("the plain ETag answered 304 for the gzip representation")
	}
}
