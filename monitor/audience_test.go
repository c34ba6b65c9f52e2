package monitor

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/access"
)

// apiIncident is an incident of a Statuspage incidents.json.
type apiIncident struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	StartedAt  time.Time `json:"started_at"`
	ResolvedAt time.Time `json:"resolved_at"`
	Updates    []struct {
		Body      string    `json:"body"`
		CreatedAt time.Time `json:"created_at"`
	} `json:"incident_updates"`
}

// incidentsOf reads the incidents.json under prefix as admin.
func (f *crossFixture) incidentsOf(t *testing.T, token, prefix string) []apiIncident {
	t.Helper()
	code, body := f.get(t, token, prefix+"/api/v2/incidents.json")
	if code != http.StatusOK {
		t.Fatalf("GET %s/api/v2/incidents.json: %d", prefix, code)
	}
	var doc struct{ Incidents []apiIncident }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Incidents
}

// TestIncidentsSeenPerAudience: one incident of mail that acme's endpoint
// opened, that the shared check joined from 40 to 50 and bravo's endpoint
// from 60 to 80, is seen by each audience from its own checks: the public
// from 40 to 50, bravo from 40 to 80, acme from 10 to 100, and nobody
// reads the name of another tenant's check. The incident that only the two
// tenants' own checks saw (130 to 145) is not public, and each tenant sees
// its own part of it.
func TestIncidentsSeenPerAudience(t *testing.T) {
	f := newCrossFixture(t)
	admin := f.token(t, access.Admin, "")
	at := func(m int) time.Time { return f.minute(m) }
	for _, tc := range []struct {
		name, prefix string
		spans        [][2]int // the incidents it sees, newest first: [start, end)
		foreign      []string // check names it must not read
	}{
		{"public", "", [][2]int{{40, 50}}, []string{"mail-acme-endpoint", "mail-bravo-endpoint"}},
		{"bravo", "/status/bravo", [][2]int{{135, 145}, {40, 80}}, []string{"mail-acme-endpoint"}},
		{"acme", "/status/acme", [][2]int{{185, 0}, {130, 140}, {20, 30}, {10, 100}}, []string{"mail-bravo-endpoint"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			incs := f.incidentsOf(t, admin, tc.prefix)
			if len(incs) != len(tc.spans) {
				t.Fatalf("%d incidents, want %d: %+v", len(incs), len(tc.spans), incs)
			}
			for i, want := range tc.spans {
				inc := incs[i]
				if !inc.StartedAt.Equal(at(want[0])) {
					t.Errorf("incident %d starts at %s, want minute %d (%s)", i, inc.StartedAt, want[0], at(want[0]))
				}
				if want[1] == 0 {
					if inc.Status == "resolved" {
						t.Errorf("incident %d is resolved, want it open", i)
					}
				} else if !inc.ResolvedAt.Equal(at(want[1])) {
					t.Errorf("incident %d resolved at %s, want minute %d (%s)", i, inc.ResolvedAt, want[1], at(want[1]))
				}
				// Its creation and latest change are the reader's own: the
				// store's would tell when other checks failed or changed.
				// Detection's lines are staff's: with no person's update,
				// it changed last when it started.
				newest := inc.StartedAt
				if len(inc.Updates) > 0 {
					newest = inc.Updates[0].CreatedAt
				}
				if !inc.CreatedAt.Equal(inc.StartedAt) || !inc.UpdatedAt.Equal(newest) {
					t.Errorf("incident %d: created %s, updated %s; want its start %s and its newest update", i, inc.CreatedAt, inc.UpdatedAt, inc.StartedAt)
				}
				for _, u := range inc.Updates {
					for _, name := range tc.foreign {
						if strings.Contains(u.Body, name) {
							t.Errorf("incident %d reads %q", i, u.Body)
						}
					}
				}
			}
		})
	}
}
