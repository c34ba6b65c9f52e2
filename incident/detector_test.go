package incident

import (
	"errors"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// feed observes one state per minute from t0 and collects the events.
func feed(d *Detector, service string, states []sla.State, failing func(m int) []string) []Event {
	var all []Event
	for m, s := range states {
		o := Observation{Minute: minute(m), State: s, Affected: 1, Of: 4}
		if failing != nil {
			o.Failing = failing(m)
		}
		all = append(all, d.Observe(service, o)...)
	}
	return all
}

func TestDetectorOpensJoinsAndResolves(t *testing.T) {
	U, D, G, N := sla.StateUp, sla.StateDown, sla.StateDegraded, sla.StateUnknown
	cases := []struct {
		name   string
		states []sla.State
		hold   time.Duration
		kinds  []EventKind
		start  int // minute the first incident started
		ended  int // minute its recovery began; -1 while open
	}{
		{"an outage opens and recovery resolves after the hold", []sla.State{U, D, D, U, U, U}, 3 * time.Minute, []EventKind{Opened, Recovery}, 1, 3},
		{"recovery shorter than the hold keeps it open", []sla.State{D, U, U, D, U}, 3 * time.Minute, []EventKind{Opened}, 0, -1},
		{"a flap joins the open incident, and the hold starts over", []sla.State{D, U, D, U, U, U}, 3 * time.Minute, []EventKind{Opened, Recovery}, 0, 3},
		{"unknown minutes pause the recovery count", []sla.State{D, U, N, N, U, U}, 3 * time.Minute, []EventKind{Opened, Recovery}, 0, 1},
		{"degraded opens too, and a final minute the present never showed records its change", []sla.State{G, D, U}, time.Minute, []EventKind{Opened, Changed, Recovery}, 0, 2},
		{"up and unknown alone open nothing", []sla.State{U, N, U}, time.Minute, nil, -1, -1},
		{"the default hold is five minutes", []sla.State{D, U, U, U, U, U}, 0, []EventKind{Opened, Recovery}, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Detector{Hold: tc.hold}
			evs := feed(d, "mail", tc.states, nil)
			if len(evs) != len(tc.kinds) {
				t.Fatalf("events %v, want kinds %v", kinds(evs), tc.kinds)
			}
			for i, k := range tc.kinds {
				if evs[i].Kind != k {
					t.Fatalf("events %v, want kinds %v", kinds(evs), tc.kinds)
				}
			}
			if tc.start < 0 {
				return
			}
			inc := evs[0].Incident
			if !inc.Started.Equal(minute(tc.start)) {
				t.Errorf("started %v, want minute %d", inc.Started, tc.start)
			}
			switch {
			case tc.ended < 0 && (!inc.Open() || d.Open("mail") != inc):
				t.Errorf("incident should still be open: %+v", inc)
			case tc.ended >= 0 && (inc.Open() || !inc.Ended.Equal(minute(tc.ended)) || d.Open("mail") != nil):
				t.Errorf("ended %v (status %s), want minute %d and resolved", inc.Ended, inc.Status, tc.ended)
			}
		})
	}
}

func kinds(evs []Event) []EventKind {
	var out []EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestDetectorTimelineAndSeverity: what the service does now is what the
// timeline records: a changed set of failing locations, more tenants hit
// (a higher severity), down and degraded in turn; final minutes add no
// entries of their own.
func TestDetectorTimelineAndSeverity(t *testing.T) {
	d := &Detector{Hold: 2 * time.Minute}
	now := func(m int, s sla.State, affected int, failing ...string) []Event {
		return d.Now("mail", Observation{Minute: minute(m), State: s, Failing: failing, Affected: affected, Of: 20}, time.Time{})
	}
	var evs []Event
	evs = append(evs, now(0, sla.StateDown, 1, "us-east", "eu-west")...)
	evs = append(evs, now(0, sla.StateDown, 1, "eu-west", "us-east")...) // same set
	evs = append(evs, d.Observe("mail", Observation{Minute: minute(0), State: sla.StateDegraded, Failing: []string{"us-east"}})...)
	evs = append(evs, now(1, sla.StateDown, 12, "eu-west", "us-east", "ap-south")...)
	evs = append(evs, now(1, sla.StateDegraded, 12, "eu-west", "us-east", "ap-south")...)
	evs = append(evs, now(2, sla.StateUp, 0)...) // the present alone resolves nothing
	for m, s := range []sla.State{sla.StateDown, sla.StateUp, sla.StateUp} {
		evs = append(evs, d.Observe("mail", Observation{Minute: minute(1 + m), State: s})...)
	}
	evs = append(evs, d.Observe("mail", Observation{Minute: minute(2), State: sla.StateDown})...) // seen before: ignored
	if got := kinds(evs); len(got) != 4 || got[0] != Opened || got[1] != Changed || got[2] != Changed || got[3] != Recovery {
		t.Fatalf("events %v, want opened, changed twice, resolved", got)
	}
	inc := evs[0].Incident
	want := []Kind{KindDetected, KindLocations, KindSeverity, KindDegraded, KindRecovered}
	if len(inc.Timeline) != len(want) {
		t.Fatalf("timeline %+v", inc.Timeline)
	}
	for i, k := range want {
		if inc.Timeline[i].Kind != k {
			t.Fatalf("timeline entry %d is %s, want %s: %+v", i, inc.Timeline[i].Kind, k, inc.Timeline)
		}
	}
	if inc.Timeline[0].Body != "mail is down: failing from eu-west, us-east" {
		t.Errorf("detected entry: %q", inc.Timeline[0].Body)
	}
	if inc.Severity != Critical {
		t.Errorf("severity %s, want critical after 12 of 20 tenants were hit", inc.Severity)
	}
	if !inc.Ended.Equal(minute(2)) {
		t.Errorf("ended %v, want minute 2: the first of the up minutes that held", inc.Ended)
	}
}

// TestDetectorOpensOnThePresent: a failure seen now opens the incident at
// once, at the first failing minute not yet final; final minutes then move
// its start back if the evidence shows an earlier failure, never count up
// minutes from before it, and never open it twice.
func TestDetectorOpensOnThePresent(t *testing.T) {
	U, D := sla.StateUp, sla.StateDown
	d := &Detector{Hold: 2 * time.Minute}
	d.Observe("mail", Observation{Minute: minute(0), State: U})
	evs := d.Now("mail", Observation{Minute: minute(3), State: D, Affected: 1, Of: 1}, minute(2))
	if len(evs) != 1 || evs[0].Kind != Opened || !evs[0].Incident.Started.Equal(minute(2)) {
		t.Fatalf("events %v, want an incident opened at minute 2", kinds(evs))
	}
	inc := evs[0].Incident
	if inc.Severity != Critical {
		t.Errorf("severity %s, want critical: the one tenant is hit", inc.Severity)
	}
	if evs := d.Now("mail", Observation{Minute: minute(3), State: D, Affected: 1, Of: 1}, minute(2)); len(evs) != 0 {
		t.Errorf("the same present again: %v", kinds(evs))
	}
	// The final minutes: minute 1 failed too (a streak confirmed later),
	// minute 2 failed, 3 and 4 are up: resolved at 3.
	var got []EventKind
	for m, s := range []sla.State{D, D, U, U} {
		got = append(got, kinds(d.Observe("mail", Observation{Minute: minute(1 + m), State: s}))...)
	}
	if len(got) != 2 || got[0] != Changed || got[1] != Recovery {
		t.Fatalf("events %v, want the start moved back, then the recovery", got)
	}
	if !inc.Started.Equal(minute(1)) || !inc.Timeline[0].At.Equal(minute(1)) || !inc.Ended.Equal(minute(3)) {
		t.Errorf("incident %v to %v (detected at %v), want minutes 1 to 3", inc.Started, inc.Ended, inc.Timeline[0].At)
	}
	// A present failure in a minute already judged up opens nothing: the
	// final minute stands.
	if evs := d.Now("mail", Observation{Minute: minute(4), State: D}, time.Time{}); len(evs) != 0 {
		t.Errorf("a failure in a final up minute: %v", kinds(evs))
	}
	// Up minutes before an incident's start do not count towards its hold.
	d2 := &Detector{Hold: 2 * time.Minute}
	inc2 := d2.Now("web", Observation{Minute: minute(5), State: D}, minute(5))[0].Incident
	for m := range 5 {
		if evs := d2.Observe("web", Observation{Minute: minute(m), State: U}); len(evs) != 0 {
			t.Fatalf("minute %d before the start: %v", m, kinds(evs))
		}
	}
	if !inc2.Open() {
		t.Errorf("resolved by up minutes before it started")
	}
}

// TestDetectorProgressRoundTrip: a detector restored from another's
// progress (and its open incident) goes on as the first would have: the
// same minutes are ignored, the hold goes on counting.
func TestDetectorProgressRoundTrip(t *testing.T) {
	U, D := sla.StateUp, sla.StateDown
	a := &Detector{Hold: 3 * time.Minute}
	feed(a, "mail", []sla.State{D, D, U, U}, nil)
	p := a.Progress("mail")
	if !p.Judged.Equal(minute(3)) || !p.UpSince.Equal(minute(2)) || p.UpMinutes != 2 {
		t.Fatalf("progress %+v, want judged minute 3, two up minutes since minute 2", p)
	}
	b := &Detector{Hold: 3 * time.Minute}
	b.Restore(p)
	stored := *a.Open("mail")
	b.Resume(&stored)
	if evs := b.Observe("mail", Observation{Minute: minute(3), State: D}); len(evs) != 0 {
		t.Fatalf("a minute judged before the restart: %v", kinds(evs))
	}
	evs := b.Observe("mail", Observation{Minute: minute(4), State: U})
	if len(evs) != 1 || evs[0].Kind != Recovery || !evs[0].Incident.Ended.Equal(minute(2)) {
		t.Fatalf("events %v, want the recovery held from minute 2", kinds(evs))
	}
	if q := b.Progress("web"); !q.Judged.IsZero() || q.UpMinutes != 0 || q.Service != "web" {
		t.Errorf("an unseen service's progress: %+v", q)
	}
}

func TestPeopleMoveTheIncident(t *testing.T) {
	d := &Detector{Hold: time.Minute}
	inc := d.Observe("mail", Observation{Minute: minute(0), State: sla.StateDown})[0].Incident
	steps := []struct {
		status Status
		body   string
		err    error
	}{
		{Identified, "A storage node lost its disks.", nil},
		{Monitoring, "", ErrEmptyBody},
		{Postmortem, "too early", ErrTransition},
		{Monitoring, "Restored from replica; watching.", nil},
		{Investigating, "Errors are back.", nil},
		{Resolved, "All mailboxes reachable.", nil},
		{Monitoring, "reopened", ErrTransition},
		{Postmortem, "Post-mortem published.", nil},
	}
	for i, s := range steps {
		err := inc.Update(minute(10+i), s.status, s.body, "oncall")
		if !errors.Is(err, s.err) || (s.err == nil) != (err == nil) {
			t.Fatalf("step %d (%s): got %v, want %v", i, s.status, err, s.err)
		}
	}
	if inc.Status != Postmortem || !inc.Ended.Equal(minute(15)) {
		t.Errorf("status %s ended %v, want postmortem, ended at the person's resolution", inc.Status, inc.Ended)
	}
	// A person resolved it while it still failed: the next failure opens a
	// new incident.
	if evs := d.Observe("mail", Observation{Minute: minute(30), State: sla.StateDown}); len(evs) != 1 || evs[0].Kind != Opened || evs[0].Incident == inc {
		t.Errorf("after a manual resolution: %v", kinds(evs))
	}
	if err := inc.SetSeverity(minute(40), "huge", "oncall"); err == nil {
		t.Error("unknown severity accepted")
	}
	if err := inc.SetSeverity(minute(40), Minor, "oncall"); err != nil || !inc.SeverityOverride || inc.Severity != Minor {
		t.Errorf("override: %v %+v", err, inc)
	}
}

func TestSeverityFor(t *testing.T) {
	cases := []struct {
		affected, of int
		degraded     bool
		want         Severity
	}{
		{0, 10, false, Minor}, {1, 20, false, Minor}, {1, 10, false, Major}, {4, 10, false, Major},
		{5, 10, false, Critical}, {10, 10, true, Major}, {3, 0, false, Minor},
	}
	for _, c := range cases {
		if got := SeverityFor(c.affected, c.of, c.degraded); got != c.want {
			t.Errorf("%d of %d (degraded %v): got %s, want %s", c.affected, c.of, c.degraded, got, c.want)
		}
	}
}

// TestDetectorResume checks that an incident adopted after a restart is
// joined by failing minutes and resolved by recovery, instead of a second
// incident opening, and that closed or duplicate incidents are not adopted.
func TestDetectorResume(t *testing.T) {
	U, D := sla.StateUp, sla.StateDown
	stored := &Incident{Service: "mail", Status: Identified, Severity: Major, Started: minute(-30),
		Timeline: []Entry{{At: minute(-30), Kind: KindDetected, Status: Investigating, Body: "mail is down"}}}
	d := &Detector{Hold: 2 * time.Minute}
	d.Resume(stored)
	if d.Open("mail") != stored {
		t.Fatalf("resumed incident is not the open one")
	}
	d.Resume(&Incident{Service: "mail", Status: Investigating, Started: minute(-5)})
	if d.Open("mail") != stored {
		t.Fatalf("a second open incident replaced the resumed one")
	}
	d.Resume(&Incident{Service: "web", Status: Resolved, Started: minute(-5), Ended: minute(-1)})
	if d.Open("web") != nil {
		t.Fatalf("a resolved incident was adopted")
	}
	evs := feed(d, "mail", []sla.State{D, U, U}, nil)
	if len(evs) != 1 || evs[0].Kind != Recovery || evs[0].Incident != stored {
		t.Fatalf("events %v, want the resumed incident's recovery only", kinds(evs))
	}
	if stored.Ended != minute(1) || stored.Status != Resolved {
		t.Errorf("resolved at %v as %s, want minute 1, resolved", stored.Ended, stored.Status)
	}
}
