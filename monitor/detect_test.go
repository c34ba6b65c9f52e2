package monitor

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/sla"
)

// feeder writes a check's results every 10 s as a collector would, up to
// a moment, on a script of when the target fails.
type feeder struct {
	t       *testing.T
	a       *testMonitor
	next    time.Time
	failing func(at time.Time) bool
}

// until writes the results due before t.
func (f *feeder) until(t time.Time) {
	f.t.Helper()
	var rs []sla.Result
	for ; f.next.Before(t); f.next = f.next.Add(10 * time.Second) {
		rs = append(rs, sla.Result{CheckID: "web", Location: "local", At: f.next, OK: !f.failing(f.next)})
	}
	if err := f.a.Store().WriteResults(context.Background(), rs); err != nil {
		f.t.Fatal(err)
	}
}

// webStatus is the web service's status in the public Statuspage API.
func webStatus(t *testing.T, a *testMonitor) string {
	t.Helper()
	w := httptest.NewRecorder()
	a.web.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/components.json", nil))
	return componentStatus(t, w.Body.String(), "web")
}

// TestDetectionOpensAtOnceAndResolvesAfterTheHold: the target fails at
// 10:10:35; the first failed run (10:10:40) is committed, and detection
// judging at 10:10:41 opens the incident — at minute 10:10, the first
// minute the evidence shows failing — queues its page and shows the
// service as a major outage, although the minute so far is mostly passes.
// The target recovers at 10:13:00: the five-minute hold is made of the up
// minutes 10:13 to 10:17, final once their evidence is settled (2.9 s
// after 10:18 for a check every second with a 900 ms timeout): judging at
// 10:18:02.8 leaves the incident open, at 10:18:02.9 resolves it, ended at
// 10:13.
func TestDetectionOpensAtOnceAndResolvesAfterTheHold(t *testing.T) {
	cfg, _ := testkit.Config(t, "http://127.0.0.1:1/", "alerting:\n  receivers: [{name: chat, kind: slack, url: \"http://127.0.0.1:1/\"}]\n  routes: [{receiver: chat}]\n", "web")
	clock := &testkit.Clock{}
	t0 := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	clock.Set(t0)
	a := testApp(t, cfg, Options{Now: clock.Now})
	ctx := context.Background()
	fails := sla.Interval{Start: t0.Add(10*time.Minute + 35*time.Second), End: t0.Add(13 * time.Minute)}
	f := &feeder{t: t, a: a, next: t0, failing: func(at time.Time) bool { return !at.Before(fails.Start) && at.Before(fails.End) }}
	judge := func(at time.Time) {
		t.Helper()
		clock.Set(at)
		f.until(at)
		if err := a.Detect(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	for at := t0.Add(time.Minute); at.Before(fails.Start); at = at.Add(30 * time.Second) {
		judge(at)
	}
	if a.detector.Open("web") != nil || webStatus(t, a) != "operational" {
		t.Fatalf("before the outage: incident %+v, status %s", a.detector.Open("web"), webStatus(t, a))
	}
	judge(t0.Add(10*time.Minute + 41*time.Second))
	open, err := a.db.OpenIncidents(ctx)
	if err != nil || len(open) != 1 || !open[0].Started.Equal(t0.Add(10*time.Minute)) || open[0].Severity != incident.Critical {
		t.Fatalf("one second after the first failed run: %+v, %v; want a critical incident started at 10:10", open, err)
	}
	if as, _ := a.db.AlertsByKey(ctx, incidentKey(t, a, 1)); len(as) != 1 || as[0].Kind != alert.KindTrigger {
		t.Errorf("page: %+v, want a trigger queued", as)
	}
	if s := webStatus(t, a); s != "major_outage" {
		t.Errorf("status API shows %s, want major_outage", s)
	}
	for at := t0.Add(11 * time.Minute); at.Before(t0.Add(18 * time.Minute)); at = at.Add(20 * time.Second) {
		judge(at)
	}
	if s := webStatus(t, a); s != "operational" {
		t.Errorf("during the hold the status API shows %s, want operational", s)
	}
	judge(t0.Add(18*time.Minute + 2800*time.Millisecond))
	if a.detector.Open("web") == nil {
		t.Fatal("resolved before the hold's last minute was settled")
	}
	judge(t0.Add(18*time.Minute + 2900*time.Millisecond))
	inc, err := a.db.Incident(ctx, 1)
	if err != nil || inc.Open() || !inc.Ended.Equal(t0.Add(13*time.Minute)) {
		t.Fatalf("after the hold: %+v, %v; want resolved, ended at 10:13", inc, err)
	}
	if as, _ := a.db.AlertsByKey(ctx, incidentKey(t, a, 1)); len(as) != 2 || as[1].Kind != alert.KindResolve {
		t.Errorf("notifications %+v, want the trigger and a resolve", as)
	}
	p, err := a.db.Detection(ctx)
	if err != nil || len(p) != 1 || !p[0].Judged.Equal(t0.Add(17*time.Minute)) || p[0].UpMinutes != 0 {
		t.Errorf("stored progress %+v, %v; want minute 10:17 judged, no hold under way", p, err)
	}
	if got := countIncidents(t, a.db); got != 1 {
		t.Errorf("%d incidents, want 1", got)
	}
}

func countIncidents(t *testing.T, d *db.DB) int {
	t.Helper()
	incs, err := d.Incidents(context.Background(), db.IncidentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(incs)
}
