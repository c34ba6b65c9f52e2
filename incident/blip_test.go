package incident

import (
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// TestLocationBlipOpensNothing: a service degraded only by checks failing
// at fewer locations than their quorum opens no incident, on final minutes
// or on the present; a degraded check that is not such a blip beside it,
// or a down minute, opens one as before.
func TestLocationBlipOpensNothing(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	blip := CheckMinute{CheckID: "web", State: sla.StateDegraded, Failing: []string{"east"}, Blip: true}
	tests := []struct {
		name   string
		checks []CheckMinute
		opens  bool
	}{
		{"one location's blip", []CheckMinute{blip}, false},
		{"two checks, both blips", []CheckMinute{blip, {CheckID: "api", State: sla.StateDegraded, Failing: []string{"west"}, Blip: true}}, false},
		{"a blip beside a degraded check", []CheckMinute{blip, {CheckID: "api", State: sla.StateDegraded, Failing: []string{"east", "west"}}}, true},
		{"a blip beside a down check", []CheckMinute{blip, {CheckID: "api", State: sla.StateDown, Failing: []string{"east", "west"}}}, true},
		{"degraded without locations (one location, partial)", []CheckMinute{{CheckID: "web", State: sla.StateDegraded}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, present := range []bool{false, true} {
				var d Detector
				o := ServiceObservation(t0, tt.checks)
				var evs []Event
				if present {
					evs = d.Now("svc", o, time.Time{})
				} else {
					evs = d.Observe("svc", o)
				}
				if opened := len(evs) == 1 && evs[0].Kind == Opened; opened != tt.opens {
					t.Errorf("present %v: events %v; want an incident opened: %v", present, evs, tt.opens)
				}
			}
		})
	}
}
