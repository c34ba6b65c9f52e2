package incident

import (
	"slices"
	"time"

	"github.com/slatehq/slate/sla"
)

// CheckMinute is one check's verdict on one minute, with what failed.
type CheckMinute struct {
	CheckID string
	Tenant  string // "" for a check of the shared service, which every tenant uses
	State   sla.State
	Failing []string // locations with failed runs in the minute
	// Blip is set when the check is degraded only because fewer of its
	// locations than its quorum failed: trouble at those places, which
	// is never charged to the provider, and opens no incident.
	Blip bool
}

// ServiceObservation judges one minute of a service from its checks: the
// service's state is sla.Combine of theirs (down when any is down), Failing
// names the failing checks' locations, Causes records them with their
// tenants, and the affected share counts tenants — every tenant when a
// shared check fails.
func ServiceObservation(minute time.Time, checks []CheckMinute) Observation {
	o := Observation{Minute: minute}
	blips, degraded := 0, 0
	states := make([][]sla.State, len(checks))
	tenants := map[string]bool{}
	hit := map[string]bool{}
	shared := false
	for i, c := range checks {
		states[i] = []sla.State{c.State}
		if c.Tenant != "" {
			tenants[c.Tenant] = true
		}
		if c.State != sla.StateDown && c.State != sla.StateDegraded {
			continue
		}
		if c.State == sla.StateDegraded {
			degraded++
			if c.Blip {
				blips++
			}
		}
		if c.Tenant == "" {
			shared = true
		} else {
			hit[c.Tenant] = true
		}
		for _, l := range c.Failing {
			name := c.CheckID
			if l != "" {
				name += "@" + l
			}
			if !slices.Contains(o.Failing, name) {
				o.Failing = append(o.Failing, name)
			}
		}
	}
	o.State = sla.Combine(states, 1)[0]
	o.Blip = o.State == sla.StateDegraded && degraded > 0 && blips == degraded
	o.Causes = Causes(checks)
	slices.Sort(o.Failing)
	o.Of = max(len(tenants), 1)
	o.Affected = len(hit)
	if shared {
		o.Affected = o.Of
	}
	return o
}
