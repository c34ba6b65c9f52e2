package incident

import (
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// Observation is one minute of one service, as the minute states judged it.
type Observation struct {
	Minute  time.Time // the minute's start
	State   sla.State // the service's state in that minute (sla.Combine of its checks)
	Failing []string  // what failed: locations or checks, for the timeline
	// Causes are the checks failing in the minute (Causes), which the
	// entries written from it record.
	Causes []Cause
	// Affected of Of is the share of the service hit (tenants, or
	// locations), from which the severity is derived.
	Affected, Of int
}

// EventKind is what an observation did to an incident.
type EventKind string

// Event kinds.
const (
	Opened   EventKind = "opened"
	Changed  EventKind = "changed" // the timeline grew: locations, down/degraded, severity
	Recovery EventKind = "resolved"
)

// Event reports a change to an incident; Incident is the detector's own,
// live value.
type Event struct {
	Kind     EventKind
	Incident *Incident
}

// DefaultHold is how long recovery must last before an incident resolves,
// when Detector.Hold is zero.
const DefaultHold = 5 * time.Minute

// Detector follows services minute by minute. A confirmed down or degraded
// minute opens an incident, or joins the service's open one; up minutes
// resolve it once they have lasted Hold without a failure between them.
// Unknown and maintenance minutes neither fail nor recover: they pause the
// count. Observations of a service must come in time order; a minute seen
// before is ignored.
type Detector struct {
	// Hold is how long recovery must last before the incident resolves,
	// counted in minutes observed up. 0 means DefaultHold.
	Hold time.Duration

	services map[string]*serviceState
}

type serviceState struct {
	last     time.Time // latest minute observed
	open     *Incident
	upSince  time.Time // first minute of the current run of up minutes
	upCount  int       // up minutes since the last failure
	lastFail sla.State // down or degraded, in the latest failing minute
}

// Open returns the service's open incident, or nil.
func (d *Detector) Open(service string) *Incident {
	if s := d.services[service]; s != nil {
		return s.open
	}
	return nil
}

// Resume adopts inc, an open incident that a previous run detected and
// stored, as its service's open incident: after a restart, failing minutes
// join it instead of opening a second one, and recovery resolves it. The
// latest failing state is taken as down (a degraded minute then notes the
// change). It does nothing for a closed incident, or when the service
// already has an open one.
func (d *Detector) Resume(inc *Incident) {
	if inc == nil || !inc.Open() {
		return
	}
	if d.services == nil {
		d.services = map[string]*serviceState{}
	}
	s := d.services[inc.Service]
	if s == nil {
		s = &serviceState{}
		d.services[inc.Service] = s
	}
	if s.open != nil {
		return
	}
	s.open, s.lastFail = inc, sla.StateDown
}

// Observe feeds one minute of a service and returns what it changed.
func (d *Detector) Observe(service string, o Observation) []Event {
	if d.services == nil {
		d.services = map[string]*serviceState{}
	}
	s := d.services[service]
	if s == nil {
		s = &serviceState{}
		d.services[service] = s
	}
	if !s.last.IsZero() && !o.Minute.After(s.last) {
		return nil
	}
	s.last = o.Minute
	if s.open != nil && !s.open.Open() {
		s.open = nil // a person resolved it
	}
	failing := slices.Clone(o.Failing)
	slices.Sort(failing)

	switch o.State {
	case sla.StateDown, sla.StateDegraded:
		s.upCount = 0
		inc := s.open
		if inc == nil {
			inc = &Incident{
				Service: service, Status: Investigating, Started: o.Minute, Failing: failing,
				Severity: SeverityFor(o.Affected, o.Of, o.State == sla.StateDegraded),
			}
			inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindDetected, Status: Investigating, Body: describe(service, o.State, failing), Cause: o.Causes})
			s.open, s.lastFail = inc, o.State
			return []Event{{Opened, inc}}
		}
		changed := false
		if o.State != s.lastFail {
			body := service + " is down again"
			if o.State == sla.StateDegraded {
				body = service + " is degraded: partly working"
			}
			inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindDegraded, Status: inc.Status, Body: body, Cause: o.Causes})
			s.lastFail, changed = o.State, true
		}
		if !slices.Equal(failing, inc.Failing) && len(failing) > 0 {
			inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindLocations, Status: inc.Status, Body: "failing: " + strings.Join(failing, ", "), Cause: o.Causes})
			changed = true
		}
		inc.Failing = failing
		if !inc.SeverityOverride {
			if sev := SeverityFor(o.Affected, o.Of, o.State == sla.StateDegraded); sev.Rank() > inc.Severity.Rank() {
				inc.Severity = sev
				inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindSeverity, Status: inc.Status, Body: "severity raised to " + string(sev), Cause: o.Causes})
				changed = true
			}
		}
		if changed {
			return []Event{{Changed, inc}}
		}
		return nil
	case sla.StateUp:
		if s.open == nil {
			return nil
		}
		if s.upCount == 0 {
			s.upSince = o.Minute
		}
		s.upCount++
		if time.Duration(s.upCount)*time.Minute < d.hold() {
			return nil
		}
		inc := s.open
		inc.Status, inc.Ended, inc.Failing = Resolved, s.upSince, nil
		inc.Timeline = append(inc.Timeline, Entry{At: s.upSince, Kind: KindRecovered, Status: Resolved,
			Body: service + " recovered; recovery held " + d.hold().String()})
		s.open, s.upCount = nil, 0
		return []Event{{Recovery, inc}}
	}
	return nil // unknown, maintenance: no evidence either way
}

func (d *Detector) hold() time.Duration {
	if d.Hold <= 0 {
		return DefaultHold
	}
	return d.Hold
}

func describe(service string, s sla.State, failing []string) string {
	what := service + " is down"
	if s == sla.StateDegraded {
		what = service + " is degraded"
	}
	if len(failing) > 0 {
		what += ": failing from " + strings.Join(failing, ", ")
	}
	return what
}

// Rank orders severities for comparison: minor 0, major 1, critical 2.
func (s Severity) Rank() int {
	switch s {
	case Major:
		return 1
	case Critical:
		return 2
	}
	return 0
}
