package incident

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Status is where an incident stands, in the order people move it.
type Status string

// Statuses. An incident opens investigating; people may move it forward and,
// when it breaks again, back; resolved is reached by recovery or by a
// person, and a resolved incident only moves on to postmortem.
const (
	Investigating Status = "investigating"
	Identified    Status = "identified"
	Monitoring    Status = "monitoring"
	Resolved      Status = "resolved"
	Postmortem    Status = "postmortem"
)

func (s Status) open() bool { return s == Investigating || s == Identified || s == Monitoring }

// Severity is how bad an incident is.
type Severity string

// Severities.
const (
	Minor    Severity = "minor"
	Major    Severity = "major"
	Critical Severity = "critical"
)

// SeverityFor derives a severity from the share of the service affected
// (affected tenants over the service's tenants, or failing locations over
// its locations): under a tenth is minor, under a half major, and a half or
// more critical. A degraded service (partly working everywhere) is at most
// major.
func SeverityFor(affected, of int, degradedOnly bool) Severity {
	if of <= 0 || affected <= 0 {
		return Minor
	}
	share := big.NewRat(int64(affected), int64(of))
	var s Severity
	switch {
	case share.Cmp(big.NewRat(1, 10)) < 0:
		s = Minor
	case share.Cmp(big.NewRat(1, 2)) < 0:
		s = Major
	default:
		s = Critical
	}
	if degradedOnly && s == Critical {
		s = Major
	}
	return s
}

// Kind is what a timeline entry records.
type Kind string

// Timeline entry kinds: the automatic ones, and a person's update.
const (
	KindDetected  Kind = "detected"  // the service was confirmed down or degraded
	KindLocations Kind = "locations" // the set of failing locations changed
	KindDegraded  Kind = "degraded"  // the service went from down to degraded, or back
	KindRecovered Kind = "recovered" // recovery held; the incident resolved
	KindUpdate    Kind = "update"    // written by a person, with a status
	KindSeverity  Kind = "severity"  // a person set the severity
	// KindNote is slate's remark for staff, such as an alert it did not
	// send because this incident accounts for it. Notes may name a
	// tenant's contract: pages, feeds and post-mortems leave them out.
	KindNote Kind = "note"
)

// ForReaders reports whether e is shown to readers of the incident (status
// pages, feeds, e-mails, a tenant's viewers, post-mortems): only the
// updates people wrote. Detection's lines ("mail-imap is down: failing
// from ...", "recovery held 5m0s") are staff's, in the console, until a
// person publishes one (Publish), which adds it as their update in words
// they chose; a note for staff and a change of severity, staff's triage,
// never are (readers read the severity as it stands).
func (e Entry) ForReaders() bool { return e.Kind == KindUpdate }

// Internal reports whether e is for staff alone: the opposite of
// ForReaders, named for the console's timeline.
func (e Entry) Internal() bool { return !e.ForReaders() }

// ReadersTimeline is inc's timeline as readers see it: people's updates.
func (i *Incident) ReadersTimeline() []Entry {
	var out []Entry
	for _, e := range i.Timeline {
		if e.ForReaders() {
			out = append(out, e)
		}
	}
	return out
}

// Entry is one line of an incident's timeline.
type Entry struct {
	At     time.Time
	Kind   Kind
	Status Status // the incident's status after the entry
	Body   string // what happened, in words
	Author string // "" for automatic entries
	// Cause is, for an automatic entry written from a judged minute
	// (detected, locations, degraded, a severity raised), the checks
	// failing in that minute; nil for people's entries, for a recovery,
	// and for entries stored before causes were recorded. See View.
	Cause []Cause
}

// Incident is an outage of one or more services.
type Incident struct {
	// Title says in words what happened ("Mail IMAP unavailable"); ""
	// for an incident detection opened that nobody titled, which readers
	// see under a title made from its service (DefaultTitle).
	Title string
	// Service is the service whose detection the incident belongs to, or
	// the first one people named; Also the others it affects, sorted,
	// without Service.
	Service  string
	Also     []string
	Status   Status
	Severity Severity
	// SeverityOverride is set once a person chose the severity: derived
	// severities no longer replace it.
	SeverityOverride bool
	Started          time.Time // the first down or degraded minute
	Ended            time.Time // the first minute of the recovery that held; zero while open
	Failing          []string  // locations failing at the latest observation, sorted
	Timeline         []Entry
}

// Services are every service inc affects: Service, then Also.
func (i *Incident) Services() []string {
	return append([]string{i.Service}, i.Also...)
}

// DefaultTitle is the title of an incident of the service named name
// that nobody titled: "Mail IMAP unavailable", or "... degraded" when
// every check that failed was degraded rather than down.
func DefaultTitle(name string, inc Incident) string {
	for _, e := range inc.Timeline {
		for _, c := range e.Cause {
			if !c.Degraded {
				return name + " unavailable"
			}
		}
	}
	for _, e := range inc.Timeline {
		if e.Kind == KindDetected && len(e.Cause) > 0 {
			return name + " degraded"
		}
	}
	return name + " unavailable"
}

// MaxTitle is the longest title, in bytes, a person may give.
const MaxTitle = 200

// Open reports whether the incident is still open.
func (i *Incident) Open() bool { return i.Status.open() }

// Errors of people's changes.
var (
	ErrTransition = errors.New("status change not allowed")
	ErrEmptyBody  = errors.New("an update needs a body")
)

// Update records a person's update: a status and what they want readers to
// know. Open incidents may move to any open status or to resolved; a
// resolved one only to postmortem.
func (i *Incident) Update(at time.Time, status Status, body, author string) error {
	if strings.TrimSpace(body) == "" {
		return ErrEmptyBody
	}
	if strings.TrimSpace(author) == "" {
		return errors.New("an update needs an author")
	}
	ok := false
	switch {
	case i.Status.open():
		ok = status.open() || status == Resolved
	case i.Status == Resolved:
		ok = status == Resolved || status == Postmortem
	case i.Status == Postmortem:
		ok = status == Postmortem
	}
	if !ok {
		return fmt.Errorf("%w: %s to %s", ErrTransition, i.Status, status)
	}
	if status == Resolved && i.Ended.IsZero() {
		i.Ended = at
	}
	i.Status = status
	i.Timeline = append(i.Timeline, Entry{At: at, Kind: KindUpdate, Status: status, Body: body, Author: author})
	return nil
}

// Errors of publishing an entry.
var (
	ErrNoEntry     = errors.New("no such timeline entry")
	ErrNotInternal = errors.New("only detection's entries are published")
)

// Publish makes entry n of the timeline (0-based), one detection wrote,
// an update readers see: it adds the person's update at at, in the
// incident's current status, saying body, or the entry's own words when
// body is blank. Entries are never rewritten: the detection's line stays
// for staff as it was. Notes for staff and changes of severity are not
// published.
func (i *Incident) Publish(at time.Time, n int, body, author string) error {
	if n < 0 || n >= len(i.Timeline) {
		return fmt.Errorf("%w: %d", ErrNoEntry, n+1)
	}
	e := i.Timeline[n]
	if e.Author != "" || e.Kind == KindNote || e.Kind == KindSeverity || e.Kind == KindUpdate {
		return fmt.Errorf("%w: entry %d is %s", ErrNotInternal, n+1, e.Kind)
	}
	if strings.TrimSpace(body) == "" {
		body = e.Body
	}
	return i.Update(at, i.Status, body, author)
}

// SetSeverity overrides the derived severity.
func (i *Incident) SetSeverity(at time.Time, s Severity, author string) error {
	switch s {
	case Minor, Major, Critical:
	default:
		return fmt.Errorf("severity %q is not one of minor, major, critical", s)
	}
	i.Severity, i.SeverityOverride = s, true
	i.Timeline = append(i.Timeline, Entry{At: at, Kind: KindSeverity, Status: i.Status, Body: "severity set to " + string(s), Author: author})
	return nil
}
