package alert_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// TestNotificationsPerAudience: one incident of mail, opened by acme's
// endpoint, joined by the shared check, left by it, then a person's
// update. On-call's webhook is told of every change it is routed; the
// Statuspage subscribers (the public) only when the public's view begins,
// ends or grows, never of acme's check, the author or the store's number.
func TestNotificationsPerAudience(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	acme := []incident.Cause{{Check: "mail-acme", Tenant: "acme", Locations: []string{"eu"}}}
	both := append([]incident.Cause{{Check: "mail-shared", Locations: []string{"eu"}}}, acme...)
	entries := []incident.Entry{
		{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down: failing from mail-acme@eu", Cause: acme},
		{At: t0.Add(10 * time.Minute), Kind: incident.KindLocations, Status: incident.Investigating, Body: "failing: mail-acme@eu, mail-shared@eu", Cause: both},
		{At: t0.Add(20 * time.Minute), Kind: incident.KindLocations, Status: incident.Investigating, Body: "failing: mail-acme@eu", Cause: acme},
		{At: t0.Add(25 * time.Minute), Kind: incident.KindNote, Status: incident.Investigating, Body: "burn of acme-gold accounted for"},
		{At: t0.Add(30 * time.Minute), Kind: incident.KindUpdate, Status: incident.Identified, Body: "A disk failed.", Author: "Alice Example"},
	}
	d := alert.Describer{BaseURL: "https://status.example.com", Names: map[string]string{"mail": "Mail"}, Key: []byte("key"),
		Public: map[string]bool{"subscribers": true},
		PublicView: func(inc *db.Incident) (incident.Incident, bool) {
			return incident.View(inc.Incident, func(tenant string) bool { return tenant == "" })
		}}
	rt := alert.Router{Routes: []alert.Route{{Receivers: []string{"oncall", "subscribers"}, SendResolved: true}}}
	for _, tc := range []struct {
		name   string
		upTo   int    // entries of the timeline after the change
		kind   string // the change's kind for staff
		public string // the public's kind; "" for not told
	}{
		{"acme's endpoint opens it: the public sees nothing", 1, alert.KindTrigger, ""},
		{"the shared check joins: the public's part begins", 2, alert.KindUpdate, alert.KindTrigger},
		{"the shared check recovers: the public's part ends", 3, alert.KindUpdate, alert.KindResolve},
		{"a note for staff: the public's view is as it was", 4, alert.KindUpdate, ""},
		{"a person's update while acme alone fails: not the public's", 5, alert.KindUpdate, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := &db.Incident{ID: 7, Tenants: []string{"acme"}, Incident: incident.Incident{Service: "mail", Status: entries[tc.upTo-1].Status,
				Severity: incident.Major, Started: t0, Timeline: entries[:tc.upTo]}}
			as, err := d.Notifications(rt, 7, inc, tc.kind, tc.upTo-1, t0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.Receiver+" "+a.Kind)
				var e alert.Event
				if err := json.Unmarshal(a.Payload, &e); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(a.Payload), "incident/7") || strings.Contains(string(a.Payload), "incidents/7") || e.Incident == "" {
					t.Errorf("%s: names the store's number, or no public ID: %s", a.Receiver, a.Payload)
				}
				if a.Receiver == "subscribers" {
					for _, never := range []string{"acme", "Alice", "burn"} {
						if strings.Contains(string(a.Payload), never) {
							t.Errorf("the public's notification shows %q: %s", never, a.Payload)
						}
					}
				}
			}
			want := []string{"oncall " + tc.kind}
			if tc.public != "" {
				want = append(want, "subscribers "+tc.public)
			}
			if strings.Join(got, ", ") != strings.Join(want, ", ") {
				t.Errorf("notifications %q, want %q", got, want)
			}
		})
	}
}

// TestPublicResolveTime: readers who see only people's updates are told
// of the end at the incident's end, not at the last person's update,
// which came before it; an update after the end keeps its own time.
func TestPublicResolveTime(t *testing.T) {
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	shared := []incident.Cause{{Check: "mail-shared", Locations: []string{"eu"}}}
	d := alert.Describer{BaseURL: "https://status.example.com", Names: map[string]string{"mail": "Mail"}, Key: []byte("key"),
		Public: map[string]bool{"subscribers": true},
		PublicView: func(inc *db.Incident) (incident.Incident, bool) {
			v, ok := incident.View(inc.Incident, func(tenant string) bool { return tenant == "" })
			var people []incident.Entry
			for _, e := range v.Timeline {
				if e.Author != "" {
					people = append(people, e)
				}
			}
			v.Timeline = people
			return v, ok
		}}
	entries := []incident.Entry{
		{At: t0, Kind: incident.KindDetected, Status: incident.Investigating, Body: "mail is down", Cause: shared},
		{At: t0.Add(10 * time.Minute), Kind: incident.KindUpdate, Status: incident.Identified, Body: "A disk failed.", Author: "Alice Example"},
		{At: t0.Add(40 * time.Minute), Kind: incident.KindRecovered, Status: incident.Resolved, Body: "mail recovered"},
		{At: t0.Add(50 * time.Minute), Kind: incident.KindUpdate, Status: incident.Resolved, Body: "The disk is replaced.", Author: "Alice Example"},
	}
	for _, tc := range []struct {
		name string
		upTo int
		kind string
		want time.Time
	}{
		{"the end after the last update: the end's time", 3, alert.KindResolve, t0.Add(40 * time.Minute)},
		{"an update after the end: the update's time", 4, alert.KindUpdate, t0.Add(50 * time.Minute)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := &db.Incident{ID: 7, Incident: incident.Incident{Service: "mail", Status: entries[tc.upTo-1].Status,
				Severity: incident.Major, Started: t0, Ended: t0.Add(40 * time.Minute), Timeline: entries[:tc.upTo]}}
			e, ok := d.PublicNotification(7, inc, alert.KindUpdate, tc.upTo-1, t0.Add(time.Hour))
			if !ok || e.Kind != tc.kind || !e.Time.Equal(tc.want) {
				t.Errorf("told %v: %s at %v; want %s at %v", ok, e.Kind, e.Time, tc.kind, tc.want)
			}
		})
	}
}
