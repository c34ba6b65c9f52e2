package incident_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// crossStory is mail's checks, minute by minute: acme's endpoint fails from
// 10 to 100, the shared check from 40 to 50 (degraded from 45, which
// changes neither the failing checks nor the service's state, so no entry
// records it), bravo's endpoint from 60 to 80. One incident holds it all.
func crossStory(t *testing.T) incident.Incident {
	t.Helper()
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	down := func(m, from, to int) bool { return m >= from && m < to }
	var d incident.Detector
	var inc *incident.Incident
	for m := range 120 {
		shared := sla.StateUp
		switch {
		case down(m, 40, 45):
			shared = sla.StateDown
		case down(m, 45, 50):
			shared = sla.StateDegraded
		}
		state := func(b bool) sla.State {
			if b {
				return sla.StateDown
			}
			return sla.StateUp
		}
		cms := []incident.CheckMinute{
			{CheckID: "mail-shared", State: shared, Failing: []string{"eu"}},
			{CheckID: "mail-acme", Tenant: "acme", State: state(down(m, 10, 100)), Failing: []string{"eu"}},
			{CheckID: "mail-bravo", Tenant: "bravo", State: state(down(m, 60, 80)), Failing: []string{"us"}},
		}
		for i := range cms {
			if cms[i].State == sla.StateUp {
				cms[i].Failing = nil
			}
		}
		for _, ev := range d.Observe("mail", incident.ServiceObservation(t0.Add(time.Duration(m)*time.Minute), cms)) {
			inc = ev.Incident
		}
		if m == 42 { // a person writes while the outage goes on
			if err := inc.Update(t0.Add(42*time.Minute), incident.Identified, "A storage node failed.", "ops"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if inc == nil || inc.Open() {
		t.Fatalf("story: %+v", inc)
	}
	return *inc
}

func TestViewPerReader(t *testing.T) {
	inc := crossStory(t)
	t0 := inc.Started.Add(-10 * time.Minute)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, tc := range []struct {
		name       string
		sees       func(string) bool
		start, end int
		reads      []string // substrings of the entries, in order
		never      []string // what the reader must not read
	}{
		{"public", func(tn string) bool { return tn == "" }, 40, 50,
			[]string{"mail is down: failing from mail-shared@eu", "A storage node failed.", "mail recovered"},
			[]string{"mail-acme", "mail-bravo"}},
		{"bravo", func(tn string) bool { return tn == "" || tn == "bravo" }, 40, 80,
			[]string{"mail is down: failing from mail-shared@eu", "A storage node failed.", "mail recovered", "mail is down again: failing from mail-bravo@us", "mail recovered"},
			[]string{"mail-acme"}},
		{"acme", func(tn string) bool { return tn == "" || tn == "acme" }, 10, 100,
			[]string{"mail is down: failing from mail-acme@eu", "failing: mail-acme@eu, mail-shared@eu", "A storage node failed.", "failing: mail-acme@eu", "recovered; recovery held"},
			[]string{"mail-bravo"}},
		{"everyone", func(string) bool { return true }, 10, 100,
			[]string{"failing from mail-acme@eu", "mail-bravo@us", "recovery held"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := incident.View(inc, tc.sees)
			if !ok {
				t.Fatal("sees nothing")
			}
			if !v.Started.Equal(at(tc.start)) || !v.Ended.Equal(at(tc.end)) || v.Status != incident.Resolved {
				t.Errorf("%s to %s, %s; want minutes %d to %d, resolved", v.Started, v.Ended, v.Status, tc.start, tc.end)
			}
			var bodies []string
			for _, e := range v.Timeline {
				bodies = append(bodies, e.Body)
				if e.At.Before(v.Started) || e.At.After(v.Ended) {
					t.Errorf("entry at %s outside the reader's %s to %s: %q", e.At, v.Started, v.Ended, e.Body)
				}
				for _, n := range tc.never {
					if strings.Contains(e.Body, n) {
						t.Errorf("reads %q", e.Body)
					}
				}
			}
			i := 0
			for _, b := range bodies {
				if i < len(tc.reads) && strings.Contains(b, tc.reads[i]) {
					i++
				}
			}
			if i != len(tc.reads) {
				t.Errorf("timeline %q lacks, in order, %q", bodies, tc.reads[i:])
			}
		})
	}
}

func TestViewOfWhatAReaderNeverSaw(t *testing.T) {
	inc := crossStory(t)
	// carol has no check of her own here and reads the shared one: she
	// sees the public's part; a reader of no check sees nothing.
	if _, ok := incident.View(inc, func(string) bool { return false }); ok {
		t.Error("a reader of no check sees the incident")
	}
	pub, _ := incident.View(inc, func(tn string) bool { return tn == "" })
	carol, ok := incident.View(inc, func(tn string) bool { return tn == "" || tn == "carol" })
	if !ok || !slices.EqualFunc(pub.Timeline, carol.Timeline, func(a, b incident.Entry) bool { return a.Body == b.Body && a.At.Equal(b.At) }) {
		t.Errorf("carol's view differs from the public's: %+v", carol.Timeline)
	}
}

// TestViewKeepsPeoplesIncidentWhole: an incident people opened is the
// reader's from its start; detection joining it later adds only the
// entries the reader may read.
func TestViewKeepsPeoplesIncidentWhole(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	inc := incident.Incident{Service: "mail", Status: incident.Investigating, Severity: incident.Major, Started: t0,
		Timeline: []incident.Entry{
			{At: t0, Kind: incident.KindUpdate, Status: incident.Investigating, Body: "Mail is slow for some.", Author: "ops"},
			{At: t0.Add(5 * time.Minute), Kind: incident.KindLocations, Status: incident.Investigating, Body: "failing: mail-acme@eu",
				Cause: []incident.Cause{{Check: "mail-acme", Tenant: "acme", Locations: []string{"eu"}}}},
		}}
	v, ok := incident.View(inc, func(tn string) bool { return tn == "" })
	if !ok || !v.Started.Equal(t0) || len(v.Timeline) != 1 || v.Timeline[0].Body != "Mail is slow for some." || v.Status != incident.Investigating {
		t.Errorf("public view: %+v, %v; want people's entry alone, from the start", v, ok)
	}
}

// TestViewIsStableAsTheTimelineGrows: a view of a longer timeline begins
// with the view of the shorter one, so entry numbers readers saw stay.
func TestViewIsStableAsTheTimelineGrows(t *testing.T) {
	inc := crossStory(t)
	for _, sees := range []func(string) bool{
		func(tn string) bool { return tn == "" }, func(tn string) bool { return tn == "" || tn == "bravo" },
	} {
		full, _ := incident.View(inc, sees)
		for n := 1; n < len(inc.Timeline); n++ {
			part := inc
			part.Timeline = inc.Timeline[:n]
			v, ok := incident.View(part, sees)
			if !ok {
				continue
			}
			for i, e := range v.Timeline {
				if i >= len(full.Timeline) || full.Timeline[i].Body != e.Body || !full.Timeline[i].At.Equal(e.At) {
					t.Fatalf("after %d entries, entry %d %q is not the full view's", n, i, e.Body)
				}
			}
		}
	}
}

// TestSeverityChangesAreNotReadersUpdates: the detector's raise and a
// person's setting of the severity stay in the stored timeline for staff,
// but no reader's view or readers' timeline holds them; the severity as
// it stands is still the view's.
func TestSeverityChangesAreNotReadersUpdates(t *testing.T) {
	inc := crossStory(t)
	// The detector's raise, as it writes one: with the causes of its
	// minute (the first entry every reader here may read).
	i := slices.IndexFunc(inc.Timeline, func(e incident.Entry) bool {
		return slices.ContainsFunc(e.Cause, func(c incident.Cause) bool { return c.Tenant == "" })
	})
	if i < 0 {
		t.Fatal("the story has no entry of the shared check")
	}
	raise := incident.Entry{At: inc.Timeline[i].At.Add(2 * time.Minute), Kind: incident.KindSeverity, Status: inc.Timeline[i].Status,
		Body: "severity raised to critical", Cause: inc.Timeline[i].Cause}
	inc.Timeline = slices.Insert(inc.Timeline, i+1, raise)
	if err := inc.SetSeverity(inc.Ended.Add(time.Minute), incident.Critical, "ops"); err != nil {
		t.Fatal(err)
	}
	stored := 0
	for _, e := range inc.Timeline {
		if e.Kind == incident.KindSeverity {
			stored++
		}
	}
	if stored < 2 {
		t.Fatalf("the story holds %d severity changes, want the detector's and the person's", stored)
	}
	for _, tc := range []struct {
		name string
		sees func(string) bool
	}{
		{"public", func(tn string) bool { return tn == "" }},
		{"acme", func(tn string) bool { return tn == "" || tn == "acme" }},
		{"everyone", func(string) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := incident.View(inc, tc.sees)
			if !ok {
				t.Fatal("sees nothing")
			}
			for _, e := range v.Timeline {
				if e.Kind == incident.KindSeverity || strings.Contains(e.Body, "severity") {
					t.Errorf("reads %s %q", e.Kind, e.Body)
				}
			}
			if v.Severity != incident.Critical {
				t.Errorf("severity %s, want the incident's critical", v.Severity)
			}
		})
	}
	for _, e := range inc.ReadersTimeline() {
		if e.Kind == incident.KindSeverity {
			t.Errorf("the readers' timeline holds %q", e.Body)
		}
	}
}
