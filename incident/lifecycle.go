package incident

import "slices"

// The rules by which detection and people share one incident: an outage
// people announced before the probes confirmed it is continued, not opened
// twice, and a detection that finds the stored incident changed by a person
// is applied to that change instead of overwriting it.

// OpenedByPeople reports whether inc was opened by a person (through the
// admin API or the CLI) rather than by detection: its first entry is a
// person's update.
func OpenedByPeople(inc Incident) bool {
	return len(inc.Timeline) > 0 && inc.Timeline[0].Kind == KindUpdate
}

// Detected reports whether detection opened inc.
func Detected(inc Incident) bool {
	return len(inc.Timeline) > 0 && inc.Timeline[0].Kind == KindDetected
}

// Adopt makes the detector's new incident continue the one people opened:
// it keeps their start, status, severity choice and timeline, and adds the
// detection after them, so the page shows one incident, not two; the
// detector's recovery then resolves it. A severity people set, or a higher
// one they chose, stands.
func Adopt(detected *Incident, people Incident) {
	entries := detected.Timeline
	detected.Started = people.Started
	detected.Status = people.Status
	if people.SeverityOverride || people.Severity.Rank() > detected.Severity.Rank() {
		detected.Severity, detected.SeverityOverride = people.Severity, people.SeverityOverride
	}
	detected.Timeline = append(slices.Clone(people.Timeline), entries...)
	for i := len(people.Timeline); i < len(detected.Timeline); i++ {
		detected.Timeline[i].Status = people.Status // detection does not move people's status back
	}
}

// ApplyDetection applies what detection reported (its event's kind and
// incident, whose timeline holds the new entries) to stored, an incident a
// person changed since detection last saved it: the entries are added,
// the failing locations replaced, a recovery resolves it while open, and
// detection's severity applies unless a person overrode it.
func ApplyDetection(stored *Incident, kind EventKind, detected *Incident) {
	stored.Timeline = append(stored.Timeline, detected.Timeline...)
	stored.Failing = detected.Failing
	if kind == Recovery && stored.Open() {
		stored.Status, stored.Ended = Resolved, detected.Ended
	}
	if !stored.SeverityOverride {
		stored.Severity = detected.Severity
	}
}

// Notifies reports whether a detection event calls for a notification: an
// incident opened or recovered, or the event changed its severity.
func Notifies(ev Event) bool {
	if ev.Kind == Opened || ev.Kind == Recovery {
		return true
	}
	return slices.ContainsFunc(ev.Added, func(e Entry) bool { return e.Kind == KindSeverity })
}

// MergeTenants is the sorted union of two lists of affected tenants.
func MergeTenants(a, b []string) []string {
	out := slices.Clone(a)
	for _, t := range b {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}
