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
	// Blip is set when the service is degraded only by checks failing at
	// fewer locations than their quorum (CheckMinute.Blip): such a minute
	// opens no incident, though it is recorded in one already open.
	Blip bool
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
// live value, and Added the timeline entries the change added (none when
// only the start moved).
type Event struct {
	Kind     EventKind
	Incident *Incident
	Added    []Entry
}

// event is an event of kind on inc that added the entries after the first
// n of its timeline.
func event(kind EventKind, inc *Incident, n int) Event {
	return Event{Kind: kind, Incident: inc, Added: slices.Clone(inc.Timeline[n:])}
}

// DefaultHold is how long recovery must last before an incident resolves,
// when Detector.Hold is zero.
const DefaultHold = 5 * time.Minute

// Detector follows services. It has two inputs:
//
//   - Observe feeds a service's minutes once they are final (no more
//     evidence can change them), in time order. A confirmed down or
//     degraded minute opens an incident, or joins the service's open one
//     (and moves its start back to that minute if it opened later); up
//     minutes resolve it once they have lasted Hold without a failure
//     between them. Unknown and maintenance minutes neither fail nor
//     recover: they pause the count. A minute seen before is ignored. A
//     failing minute after the latest one Now saw (after a restart, or
//     with no Now at all) records in the timeline what changed in it, as
//     Now does.
//   - Now feeds the service as it stands at this moment, judged on the
//     evidence that has arrived. A failure opens the incident at once,
//     without waiting for its minute to end; while an incident is open,
//     what the service does now (down or degraded, which locations fail,
//     how many are hit) is what its timeline records.
//
// So the minutes decide when an incident starts and ends, and the present
// decides how soon it opens and what its timeline says.
type Detector struct {
	// Hold is how long recovery must last before the incident resolves,
	// counted in minutes observed up. 0 means DefaultHold.
	Hold time.Duration

	services map[string]*serviceState
}

type serviceState struct {
	last     time.Time // latest minute observed final
	open     *Incident
	upSince  time.Time // first minute of the current run of up minutes
	upCount  int       // up minutes since the last failure
	lastFail sla.State // down or degraded, as the timeline last said
	present  time.Time // the latest minute Now saw; zero until it is called
}

// Progress is how far the detector has followed one service: what a
// restart needs to go on where it stopped, with the open incident (see
// Resume).
type Progress struct {
	Service string
	// Judged is the latest minute observed final (its start); zero when
	// none was.
	Judged time.Time
	// UpSince is the first minute of the run of up minutes counting
	// towards the hold of an open incident; zero when none runs.
	UpSince time.Time
	// UpMinutes is how many up minutes that run has.
	UpMinutes int
}

// Progress returns how far the detector has followed service.
func (d *Detector) Progress(service string) Progress {
	p := Progress{Service: service}
	if s := d.services[service]; s != nil {
		p.Judged = s.last
		if s.upCount > 0 {
			p.UpSince, p.UpMinutes = s.upSince, s.upCount
		}
	}
	return p
}

// Restore takes up a service's progress as a previous run left it: the
// latest minute judged and the recovery count under way. Minutes up to
// p.Judged are then ignored by Observe.
func (d *Detector) Restore(p Progress) {
	s := d.state(p.Service)
	s.last = p.Judged
	s.upSince, s.upCount = p.UpSince, max(p.UpMinutes, 0)
	if s.upCount == 0 {
		s.upSince = time.Time{}
	}
}

func (d *Detector) state(service string) *serviceState {
	if d.services == nil {
		d.services = map[string]*serviceState{}
	}
	s := d.services[service]
	if s == nil {
		s = &serviceState{}
		d.services[service] = s
	}
	return s
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
// latest failing state is taken as down (a degraded service then notes the
// change). It does nothing for a closed incident, or when the service
// already has an open one.
func (d *Detector) Resume(inc *Incident) {
	if inc == nil || !inc.Open() {
		return
	}
	s := d.state(inc.Service)
	if s.open != nil {
		return
	}
	s.open, s.lastFail = inc, sla.StateDown
}

// Observe feeds one final minute of a service and returns what it changed.
func (d *Detector) Observe(service string, o Observation) []Event {
	s := d.state(service)
	if !s.last.IsZero() && !o.Minute.After(s.last) {
		return nil
	}
	s.last = o.Minute
	if s.open != nil && !s.open.Open() {
		s.open, s.upCount = nil, 0 // a person resolved it
	}
	switch o.State {
	case sla.StateDown, sla.StateDegraded:
		s.upCount = 0
		if s.open == nil {
			if o.Blip {
				return nil // one place's trouble, not the service's
			}
			return []Event{event(Opened, s.openAt(service, o.Minute, o), 0)}
		}
		if inc := s.open; o.Minute.Before(inc.Started) {
			// Opened on the present before this minute was final: the
			// evidence says the outage began earlier.
			inc.Started = o.Minute
			if len(inc.Timeline) > 0 && inc.Timeline[0].Kind == KindDetected {
				inc.Timeline[0].At = o.Minute
			}
			return []Event{event(Changed, inc, len(inc.Timeline))}
		}
		if o.Minute.After(s.present) {
			// A minute the present never showed (judged after a restart,
			// or without Now): its changes are the timeline's, with the
			// causes that readers' views are made from.
			n := len(s.open.Timeline)
			if s.record(service, o) {
				return []Event{event(Changed, s.open, n)}
			}
		}
		return nil
	case sla.StateUp:
		if s.open == nil || o.Minute.Before(s.open.Started) {
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
		n := len(inc.Timeline)
		inc.Status, inc.Ended, inc.Failing = Resolved, s.upSince, nil
		inc.Timeline = append(inc.Timeline, Entry{At: s.upSince, Kind: KindRecovered, Status: Resolved,
			Body: service + " recovered; recovery held " + d.hold().String()})
		s.open, s.upCount = nil, 0
		return []Event{event(Recovery, inc, n)}
	}
	return nil // unknown, maintenance: no evidence either way
}

// Now feeds the service as it stands at this moment: o.Minute is the
// current minute and o.State the state of the latest evidence. since is
// the first failing minute not yet final, where an incident the present
// opens starts (o.Minute when there is none). A failure with no incident
// open opens one; with one open, a change of what fails is recorded.
// Anything else changes nothing: recovery is decided by final minutes.
func (d *Detector) Now(service string, o Observation, since time.Time) []Event {
	s := d.state(service)
	s.present = o.Minute
	if s.open != nil && !s.open.Open() {
		s.open, s.upCount = nil, 0 // a person resolved it
	}
	if o.State != sla.StateDown && o.State != sla.StateDegraded {
		return nil
	}
	if s.open == nil {
		if o.Blip {
			return nil // one place's trouble, not the service's
		}
		if since.IsZero() || !since.After(s.last) || since.After(o.Minute) {
			since = o.Minute
		}
		if !since.After(s.last) {
			return nil // the minute was judged final and did not fail
		}
		return []Event{event(Opened, s.openAt(service, since, o), 0)}
	}
	n := len(s.open.Timeline)
	if s.record(service, o) {
		return []Event{event(Changed, s.open, n)}
	}
	return nil
}

// record writes into the open incident's timeline what o changed: down or
// degraded, the failing locations, a severity rise; it reports whether it
// wrote anything.
func (s *serviceState) record(service string, o Observation) bool {
	inc := s.open
	n := len(inc.Timeline)
	if o.State != s.lastFail {
		body := service + " is down again"
		if o.State == sla.StateDegraded {
			body = service + " is degraded: partly working"
		}
		inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindDegraded, Status: inc.Status, Body: body, Cause: o.Causes})
		s.lastFail = o.State
	}
	failing := slices.Clone(o.Failing)
	slices.Sort(failing)
	if !slices.Equal(failing, inc.Failing) && len(failing) > 0 {
		inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindLocations, Status: inc.Status, Body: "failing: " + strings.Join(failing, ", "), Cause: o.Causes})
		inc.Failing = failing
	}
	if !inc.SeverityOverride {
		if sev := SeverityFor(o.Affected, o.Of, o.State == sla.StateDegraded); sev.Rank() > inc.Severity.Rank() {
			inc.Severity = sev
			inc.Timeline = append(inc.Timeline, Entry{At: o.Minute, Kind: KindSeverity, Status: inc.Status, Body: "severity raised to " + string(sev), Cause: o.Causes})
		}
	}
	return len(inc.Timeline) > n
}

// openAt opens the service's incident at start, as o describes it.
func (s *serviceState) openAt(service string, start time.Time, o Observation) *Incident {
	failing := slices.Clone(o.Failing)
	slices.Sort(failing)
	inc := &Incident{
		Service: service, Status: Investigating, Started: start, Failing: failing,
		Severity: SeverityFor(o.Affected, o.Of, o.State == sla.StateDegraded),
	}
	inc.Timeline = append(inc.Timeline, Entry{At: start, Kind: KindDetected, Status: Investigating, Body: describe(service, o.State, failing), Cause: o.Causes})
	s.open, s.lastFail, s.upCount = inc, o.State, 0
	return inc
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
