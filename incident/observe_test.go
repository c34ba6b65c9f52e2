package incident

import (
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

func TestServiceObservation(t *testing.T) {
	m := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name         string
		checks       []CheckMinute
		state        sla.State
		affected, of int
		failing      []string
	}{
		{"all up", []CheckMinute{{CheckID: "a", Tenant: "x", State: sla.StateUp}, {CheckID: "b", Tenant: "y", State: sla.StateUp}},
			sla.StateUp, 0, 2, nil},
		{"one tenant's check down", []CheckMinute{{CheckID: "a", Tenant: "x", State: sla.StateDown, Failing: []string{"eu", "us"}},
			{CheckID: "b", Tenant: "y", State: sla.StateUp}}, sla.StateDown, 1, 2, []string{"a@eu", "a@us"}},
		{"a shared check down hits every tenant", []CheckMinute{{CheckID: "web", State: sla.StateDegraded, Failing: []string{""}},
			{CheckID: "a", Tenant: "x", State: sla.StateUp}, {CheckID: "b", Tenant: "y", State: sla.StateUp}},
			sla.StateDegraded, 2, 2, []string{"web"}},
		{"unknown and up is unknown", []CheckMinute{{CheckID: "a", State: sla.StateUnknown}, {CheckID: "b", State: sla.StateUp}},
			sla.StateUnknown, 0, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := ServiceObservation(m, tc.checks)
			if o.State != tc.state || o.Affected != tc.affected || o.Of != tc.of || len(o.Failing) != len(tc.failing) {
				t.Fatalf("got %+v, want state %s, %d of %d, failing %v", o, tc.state, tc.affected, tc.of, tc.failing)
			}
			for i := range tc.failing {
				if o.Failing[i] != tc.failing[i] {
					t.Fatalf("failing %v, want %v", o.Failing, tc.failing)
				}
			}
		})
	}
}
