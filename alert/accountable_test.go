package alert_test

import (
	"testing"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

func TestAccountable(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	inc := func(id int64, service string, started, ended time.Duration, tenants ...string) db.Incident {
		i := db.Incident{ID: id, Tenants: tenants, Incident: incident.Incident{Service: service, Status: incident.Investigating, Started: now.Add(-started)}}
		if ended > 0 {
			i.Status, i.Ended = incident.Resolved, now.Add(-ended)
		}
		return i
	}
	cases := []struct {
		name string
		incs []db.Incident
		long time.Duration
		want int64 // 0: none
	}{
		{"no incident: the burn pages", nil, time.Hour, 0},
		{"an open incident of the service", []db.Incident{inc(1, "mail", 20*time.Minute, 0)}, time.Hour, 1},
		{"an incident of another service", []db.Incident{inc(1, "web", 20*time.Minute, 0)}, time.Hour, 0},
		{"another tenant's incident", []db.Incident{inc(1, "mail", 20*time.Minute, 0, "globex")}, time.Hour, 0},
		{"one affecting the tenant among others", []db.Incident{inc(1, "mail", 20*time.Minute, 0, "acme", "globex")}, time.Hour, 1},
		{"resolved within the window", []db.Incident{inc(1, "mail", 50*time.Minute, 30*time.Minute)}, time.Hour, 1},
		{"resolved before the window", []db.Incident{inc(1, "mail", 3*time.Hour, 2*time.Hour)}, time.Hour, 0},
		{"the open one before the resolved one", []db.Incident{inc(1, "mail", 50*time.Minute, 40*time.Minute), inc(2, "mail", 10*time.Minute, 0)}, time.Hour, 2},
		{"the latest resolved", []db.Incident{inc(1, "mail", 50*time.Minute, 40*time.Minute), inc(2, "mail", 30*time.Minute, 20*time.Minute)}, time.Hour, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := alert.Accountable(tc.incs, []string{"mail"}, "acme", tc.long, now)
			if ok != (tc.want != 0) || ok && got.ID != tc.want {
				t.Errorf("got incident %d (%v), want %d", got.ID, ok, tc.want)
			}
		})
	}
}
