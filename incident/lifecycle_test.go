package incident_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/incident"
)

var t0 = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)

func entry(min int, kind incident.Kind, status incident.Status, author string) incident.Entry {
	return incident.Entry{At: t0.Add(time.Duration(min) * time.Minute), Kind: kind, Status: status, Author: author}
}

func TestWhoOpened(t *testing.T) {
	for _, tc := range []struct {
		name           string
		timeline       []incident.Entry
		people, probes bool
	}{
		{"a person's update first", []incident.Entry{entry(0, incident.KindUpdate, incident.Identified, "dana"), entry(5, incident.KindDetected, incident.Identified, "")}, true, false},
		{"detection first", []incident.Entry{entry(0, incident.KindDetected, incident.Investigating, ""), entry(5, incident.KindUpdate, incident.Identified, "dana")}, false, true},
		{"no timeline", nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := incident.Incident{Timeline: tc.timeline}
			if got := incident.OpenedByPeople(inc); got != tc.people {
				t.Errorf("OpenedByPeople: got %v, want %v", got, tc.people)
			}
			if got := incident.Detected(inc); got != tc.probes {
				t.Errorf("Detected: got %v, want %v", got, tc.probes)
			}
		})
	}
}

func TestAdopt(t *testing.T) {
	people := incident.Incident{Service: "web", Status: incident.Identified, Severity: incident.Minor, Started: t0,
		Timeline: []incident.Entry{entry(0, incident.KindUpdate, incident.Identified, "dana")}}
	for _, tc := range []struct {
		name         string
		people       incident.Incident
		detected     incident.Severity
		wantSeverity incident.Severity
		wantOverride bool
	}{
		{"detection's higher severity wins over people's unforced lower one", people, incident.Critical, incident.Critical, false},
		{"people's higher severity stands", func() incident.Incident { p := people; p.Severity = incident.Critical; return p }(), incident.Major, incident.Critical, false},
		{"people's override stands even when lower", func() incident.Incident {
			p := people
			p.SeverityOverride = true
			return p
		}(), incident.Critical, incident.Minor, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &incident.Incident{Service: "web", Status: incident.Investigating, Severity: tc.detected, Started: t0.Add(10 * time.Minute),
				Timeline: []incident.Entry{entry(10, incident.KindDetected, incident.Investigating, "")}}
			incident.Adopt(d, tc.people)
			if !d.Started.Equal(t0) || d.Status != incident.Identified {
				t.Errorf("start %s, status %s: want people's %s and %s", d.Started, d.Status, t0, incident.Identified)
			}
			if d.Severity != tc.wantSeverity || d.SeverityOverride != tc.wantOverride {
				t.Errorf("severity %s (override %v), want %s (%v)", d.Severity, d.SeverityOverride, tc.wantSeverity, tc.wantOverride)
			}
			kinds := []incident.Kind{}
			for _, e := range d.Timeline {
				kinds = append(kinds, e.Kind)
				if e.Status != incident.Identified {
					t.Errorf("entry %s at status %s: detection moved people's status back", e.Kind, e.Status)
				}
			}
			if !slices.Equal(kinds, []incident.Kind{incident.KindUpdate, incident.KindDetected}) {
				t.Errorf("timeline %v: want people's entries, then detection's", kinds)
			}
			if len(tc.people.Timeline) != 1 {
				t.Error("Adopt changed people's incident")
			}
		})
	}
}

func TestApplyDetection(t *testing.T) {
	for _, tc := range []struct {
		name         string
		kind         incident.EventKind
		stored       incident.Incident
		wantStatus   incident.Status
		wantSeverity incident.Severity
	}{
		{"a recovery resolves the stored incident", incident.Recovery,
			incident.Incident{Status: incident.Monitoring, Severity: incident.Minor}, incident.Resolved, incident.Major},
		{"a change keeps people's status", incident.Changed,
			incident.Incident{Status: incident.Identified, Severity: incident.Minor}, incident.Identified, incident.Major},
		{"a severity people chose stands", incident.Changed,
			incident.Incident{Status: incident.Identified, Severity: incident.Minor, SeverityOverride: true}, incident.Identified, incident.Minor},
		{"a recovery of one already resolved by people keeps their end", incident.Recovery,
			incident.Incident{Status: incident.Postmortem, Severity: incident.Minor, Ended: t0}, incident.Postmortem, incident.Major},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := tc.stored
			stored.Timeline = []incident.Entry{entry(0, incident.KindDetected, incident.Investigating, ""), entry(3, incident.KindUpdate, tc.stored.Status, "dana")}
			detected := &incident.Incident{Severity: incident.Major, Failing: []string{"web@a"}, Ended: t0.Add(20 * time.Minute),
				Timeline: []incident.Entry{entry(15, incident.KindRecovered, incident.Resolved, "")}}
			incident.ApplyDetection(&stored, tc.kind, detected)
			if stored.Status != tc.wantStatus || stored.Severity != tc.wantSeverity {
				t.Errorf("status %s, severity %s; want %s, %s", stored.Status, stored.Severity, tc.wantStatus, tc.wantSeverity)
			}
			if len(stored.Timeline) != 3 || !slices.Equal(stored.Failing, detected.Failing) {
				t.Errorf("timeline %d entries, failing %v: want detection's added", len(stored.Timeline), stored.Failing)
			}
			if tc.wantStatus == incident.Resolved && !stored.Ended.Equal(detected.Ended) {
				t.Errorf("ended %s, want %s", stored.Ended, detected.Ended)
			}
			if tc.stored.Status == incident.Postmortem && !stored.Ended.Equal(t0) {
				t.Errorf("ended %s: people's end was replaced", stored.Ended)
			}
		})
	}
}

func TestNotifiesAndMergeTenants(t *testing.T) {
	sev := &incident.Incident{Timeline: []incident.Entry{entry(0, incident.KindSeverity, incident.Identified, "dana")}}
	loc := &incident.Incident{Timeline: []incident.Entry{entry(0, incident.KindLocations, incident.Identified, "")}}
	for _, tc := range []struct {
		name string
		ev   incident.Event
		want bool
	}{
		{"opened", incident.Event{Kind: incident.Opened, Incident: loc, Added: loc.Timeline}, true},
		{"recovered", incident.Event{Kind: incident.Recovery, Incident: loc, Added: loc.Timeline}, true},
		{"severity changed", incident.Event{Kind: incident.Changed, Incident: sev, Added: sev.Timeline}, true},
		{"locations changed", incident.Event{Kind: incident.Changed, Incident: loc, Added: loc.Timeline}, false},
		{"the start moved after a severity change", incident.Event{Kind: incident.Changed, Incident: sev}, false},
	} {
		if got := incident.Notifies(tc.ev); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := incident.MergeTenants([]string{"globex", "acme"}, []string{"acme", "initech"}); !slices.Equal(got, []string{"acme", "globex", "initech"}) {
		t.Errorf("MergeTenants: got %v", got)
	}
}

// Publishing a detection's entry adds a person's update readers see; the
// entry itself stays for staff, and people's own entries, notes and
// severity changes are not published.
func TestPublish(t *testing.T) {
	inc := &incident.Incident{Service: "mail", Status: incident.Identified, Timeline: []incident.Entry{
		{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down: failing from mail-tcp@ams"},
		{At: t0, Kind: incident.KindNote, Status: incident.Investigating, Body: "alert for acme-gold not sent"},
		{At: t0, Kind: incident.KindSeverity, Status: incident.Investigating, Body: "severity set to major", Author: "dana"},
		{At: t0, Kind: incident.KindUpdate, Status: incident.Identified, Body: "Renewing.", Author: "dana"},
	}}
	for _, tc := range []struct {
		name string
		n    int
		want error
	}{
		{"a note", 1, incident.ErrNotInternal},
		{"a severity change", 2, incident.ErrNotInternal},
		{"people's update", 3, incident.ErrNotInternal},
		{"past the end", 4, incident.ErrNoEntry},
		{"before the start", -1, incident.ErrNoEntry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := inc.Publish(t0, tc.n, "", "erin"); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	if err := inc.Publish(t0, 0, "", " "); err == nil || !strings.Contains(err.Error(), "author") {
		t.Errorf("published with no author: %v", err)
	}
	if len(inc.Timeline) != 4 {
		t.Fatalf("refused publications added entries: %+v", inc.Timeline)
	}
	if err := inc.Publish(t0.Add(time.Minute), 0, "Mail is unreachable.", "erin"); err != nil {
		t.Fatal(err)
	}
	got := inc.Timeline[4]
	if got.Kind != incident.KindUpdate || got.Body != "Mail is unreachable." || got.Author != "erin" || got.Status != incident.Identified || !got.ForReaders() {
		t.Errorf("published as %+v", got)
	}
	if !inc.Timeline[0].Internal() || inc.Timeline[0].Body != "mail is down: failing from mail-tcp@ams" {
		t.Errorf("the detection's entry changed: %+v", inc.Timeline[0])
	}
	if err := inc.Publish(t0.Add(2*time.Minute), 0, " ", "erin"); err != nil || inc.Timeline[5].Body != inc.Timeline[0].Body {
		t.Errorf("a blank text publishes the entry's own words: %v %+v", err, inc.Timeline)
	}
}
