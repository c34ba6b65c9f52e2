package incident

import (
	"slices"

	"github.com/slatehq/slate/sla"
)

// Cause is one check failing in the minute an automatic timeline entry
// records: which check, whose endpoint it measures, and where it failed.
// Entries carry their causes so that each reader of an incident can be
// shown the part its own checks saw (View): a tenant reads what the shared
// checks and its own showed, the public what the shared checks showed.
type Cause struct {
	Check     string
	Tenant    string   // the tenant whose endpoint the check measures; "" for a shared check
	Degraded  bool     // degraded in the minute; down otherwise
	Locations []string // the failing locations, sorted
}

// Causes are the checks of checks down or degraded in their minute, in
// check order: what an entry written from that minute records.
func Causes(checks []CheckMinute) []Cause {
	var out []Cause
	for _, c := range checks {
		if c.State != sla.StateDown && c.State != sla.StateDegraded {
			continue
		}
		locs := slices.Clone(c.Failing)
		slices.Sort(locs)
		out = append(out, Cause{Check: c.CheckID, Tenant: c.Tenant, Degraded: c.State == sla.StateDegraded, Locations: slices.Compact(locs)})
	}
	return out
}

// failingNames are the "check@location" names of causes, sorted, as
// Observation.Failing has them.
func failingNames(causes []Cause) []string {
	var out []string
	for _, c := range causes {
		for _, l := range c.Locations {
			name := c.Check
			if l != "" {
				name += "@" + l
			}
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// causeState is the service's state that causes make: down when any of
// them is down, degraded otherwise.
func causeState(causes []Cause) sla.State {
	for _, c := range causes {
		if !c.Degraded {
			return sla.StateDown
		}
	}
	return sla.StateDegraded
}

// Caused reports whether any entry of inc records its causes: an incident
// detection wrote since causes are recorded. One without (opened by
// people and never detected, or stored before) can only be shown whole,
// to the readers of every tenant it affects.
func Caused(inc Incident) bool {
	return slices.ContainsFunc(inc.Timeline, func(e Entry) bool { return e.Cause != nil })
}
