package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
)

// SeverityOf maps an incident's severity onto the receivers' scale.
func SeverityOf(s incident.Severity) string {
	switch s {
	case incident.Critical:
		return SeverityCritical
	case incident.Major:
		return SeverityError
	}
	return SeverityWarning
}

// Describer is what an incident's notification says beyond the incident
// itself: the names people know the services by and where slate is
// reached. The zero value names services by their IDs and links nowhere.
type Describer struct {
	// BaseURL is where readers reach slate (server.public_url), without a
	// trailing slash; "" leaves the incident's URL out.
	BaseURL string
	// Names are the services' display names by ID; a service missing here
	// is named by its ID.
	Names map[string]string
	// Key is the public IDs' key (access.IncidentPublicID): notifications
	// name an incident by its public ID, never by the store's sequence,
	// whose gaps would count the incidents a receiver may not see.
	Key []byte
	// PublicView is an incident as the public reads it
	// (catalog.IncidentFor with the public reader) and whether the public
	// sees it at all; nil: the public sees no incident.
	PublicView func(inc *db.Incident) (incident.Incident, bool)
	// Public are the receivers whose audience is the public (a Statuspage
	// subscriber webhook): they get the public's view of an incident, and
	// nothing of one the public does not see. Every other receiver is a
	// staff channel and gets the whole incident.
	Public map[string]bool
}

// name is the display name of service.
func (d Describer) name(service string) string {
	if n := d.Names[service]; n != "" {
		return n
	}
	return service
}

// publicID is incident id's public ID.
func (d Describer) publicID(id int64) string { return access.IncidentPublicID(d.Key, id) }

// IncidentURL is the public page of incident id (by its public ID): ""
// without a base URL, and for an incident the public does not see, which
// has no page anyone may open without a tenant's credential.
func (d Describer) IncidentURL(id int64, inc *db.Incident) string {
	if d.BaseURL == "" || id == 0 || d.PublicView == nil {
		return ""
	}
	if _, ok := d.PublicView(inc); !ok {
		return ""
	}
	return d.BaseURL + "/incidents/" + d.publicID(id)
}

// IncidentEvent is the notification of incident id, of kind KindTrigger
// (it opened, or a repeat while it is open), KindUpdate (its timeline grew:
// a person's update, a severity change) or KindResolve (it resolved). Its
// dedup key is the incident's, so receivers see one incident however often
// it is notified. The title says in words which service and what
// happened; the body is the latest timeline entry, with its author.
func (d Describer) IncidentEvent(id int64, inc *db.Incident, kind string, now time.Time) Event {
	name, pid := d.name(inc.Service), d.publicID(id)
	e := Event{
		DedupKey:    "incident/" + pid,
		Kind:        kind,
		Severity:    SeverityOf(inc.Severity),
		Service:     inc.Service,
		ServiceName: name,
		Incident:    pid,
		Status:      string(inc.Status),
		URL:         d.IncidentURL(id, inc),
		Time:        now,
	}
	if len(inc.Tenants) == 1 {
		e.Tenant = inc.Tenants[0]
	}
	var last incident.Entry
	if n := len(inc.Timeline); n > 0 {
		last = inc.Timeline[n-1]
		e.Body = last.Body
		if last.Author != "" {
			e.Body = last.Author + ": " + last.Body
		}
	}
	switch kind {
	case KindResolve:
		e.Title = fmt.Sprintf("%s recovered: incident %s resolved", name, pid)
		if !inc.Ended.IsZero() && !inc.Started.IsZero() {
			e.Title += fmt.Sprintf(" after %s down or degraded", roundDuration(inc.Ended.Sub(inc.Started)))
		}
	case KindUpdate:
		e.Title = fmt.Sprintf("%s: %s — %s", name, updateWhat(last), inc.Status)
	default:
		e.Title = fmt.Sprintf("%s: %s outage, %s", name, inc.Severity, inc.Status)
	}
	return e
}

// updateWhat says in a few words what an update entry did.
func updateWhat(e incident.Entry) string {
	switch e.Kind {
	case incident.KindSeverity:
		return e.Body // "severity raised to critical", "severity set to minor"
	case incident.KindDegraded:
		return "partly working again"
	case incident.KindLocations:
		return "other locations failing"
	case incident.KindUpdate:
		if e.Author != "" {
			return "update from " + e.Author
		}
	}
	return "update"
}

// roundDuration writes d to the minute, as people say it: "12m", "2h5m".
func roundDuration(d time.Duration) string {
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if s == "" {
		return "0m"
	}
	return s
}

// DetectionKind is the notification kind of a detection event: a trigger
// when the incident opens, an update when its timeline grew in a way
// people act on (incident.Notifies), a resolve on recovery.
func DetectionKind(ev incident.Event) string {
	switch ev.Kind {
	case incident.Opened:
		return KindTrigger
	case incident.Recovery:
		return KindResolve
	}
	return KindUpdate
}

// PeopleAlerts are the notifications of a person's change to inc, routed
// by rt, for db.SaveIncidentWithAlerts: a trigger when the person opens
// it (inc not yet saved), a resolve when the change resolves it, and an
// update otherwise — a status, a severity, a post-mortem. Call it before
// the save: whether inc is new is read then.
func (d Describer) PeopleAlerts(rt Router, inc *db.Incident, now time.Time) func(id int64) ([]db.Alert, error) {
	kind := KindUpdate
	switch {
	case inc.ID == 0:
		kind = KindTrigger
	case inc.Status == incident.Resolved && resolvedNow(inc):
		kind = KindResolve
	}
	before := len(inc.Timeline) - 1 // the person's change added the latest entry
	if kind == KindTrigger {
		before = 0
	}
	return func(id int64) ([]db.Alert, error) {
		return d.Notifications(rt, id, inc, kind, before, now)
	}
}

// Notifications are the outbox rows of a change to incident id, of kind
// (see IncidentEvent), that left the first before entries of inc's
// timeline as they were, for the receivers rt routes it to (To).
func (d Describer) Notifications(rt Router, id int64, inc *db.Incident, kind string, before int, now time.Time) ([]db.Alert, error) {
	e := d.IncidentEvent(id, inc, kind, now)
	return d.To(rt.Route(e), e, id, inc, before, now)
}

// PublicNotifications are Notifications for the public receivers alone:
// those of a change that staff are not told of (detection's timeline
// growing without a severity change), which may still be the public's
// part of the incident beginning or ending.
func (d Describer) PublicNotifications(rt Router, id int64, inc *db.Incident, kind string, before int, now time.Time) ([]db.Alert, error) {
	e := d.IncidentEvent(id, inc, kind, now)
	return d.To(slices.DeleteFunc(rt.Route(e), func(name string) bool { return !d.Public[name] }), e, id, inc, before, now)
}

// To are the outbox rows of e, the notification of a change to incident id
// (see Notifications), for the receivers names: e itself for the staff
// receivers, and for the public ones the public's own notification, when
// the public sees the change (PublicNotification).
func (d Describer) To(names []string, e Event, id int64, inc *db.Incident, before int, now time.Time) ([]db.Alert, error) {
	var staff, public []string
	for _, name := range names {
		if d.Public[name] {
			public = append(public, name)
		} else {
			staff = append(staff, name)
		}
	}
	out, err := Alerts(e, staff)
	if err != nil || len(public) == 0 {
		return out, err
	}
	pe, ok := d.PublicNotification(id, inc, e.Kind, before, now)
	if !ok {
		return out, nil
	}
	more, err := Alerts(pe, public)
	return append(out, more...), err
}

// PublicNotification is the notification of a change to incident id as
// the public reads it (PublicView), and whether the public is told at
// all: an incident the public does not see is never told; one it starts
// seeing with this change is a trigger, one whose public part ends with it
// a resolve, and one whose public part grew an update; a change the
// public's view does not show (another tenant's endpoint failing, a note
// for staff) is not told. The event names no tenant, and its time is
// that of the view's latest entry, or the view's end when that is later. A repeat of an unresolved trigger (kind
// KindTrigger, before the whole timeline) is told while the public sees
// the incident open.
func (d Describer) PublicNotification(id int64, inc *db.Incident, kind string, before int, now time.Time) (Event, bool) {
	if d.PublicView == nil {
		return Event{}, false
	}
	v, ok := d.PublicView(inc)
	if !ok {
		return Event{}, false
	}
	prior := *inc
	prior.Timeline = inc.Timeline[:min(max(before, 0), len(inc.Timeline))]
	pv, seen := d.PublicView(&prior)
	seen = seen && before > 0
	ended := !v.Open()
	switch {
	case kind == KindTrigger && before >= len(inc.Timeline):
		if ended {
			return Event{}, false
		}
	case !seen:
		kind = KindTrigger
	case ended && pv.Open():
		kind = KindResolve
	case len(v.Timeline) == len(pv.Timeline) && v.Status == pv.Status:
		return Event{}, false
	default:
		kind = KindUpdate
	}
	view := db.Incident{ID: inc.ID, Incident: v}
	view.Timeline = slices.Clone(v.Timeline)
	for i := range view.Timeline {
		view.Timeline[i].Author = "" // the public reads what was written, not who wrote it
	}
	// The time of the public's own latest entry, or of its part's own end
	// when that is later (an end reached with no update of its own): the
	// time of the change itself may tell when checks the public may not
	// read failed, or when detection ran.
	now = v.Started
	if n := len(view.Timeline); n > 0 {
		now = view.Timeline[n-1].At
	}
	if ended && v.Ended.After(now) {
		now = v.Ended
	}
	e := d.IncidentEvent(id, &view, kind, now)
	e.Tenant, e.URL = "", d.IncidentURL(id, inc)
	return e, true
}

// resolvedNow reports whether inc's latest timeline entry is the one that
// resolved it: a later note on a resolved incident is an update.
func resolvedNow(inc *db.Incident) bool {
	tl := inc.Timeline
	n := len(tl)
	return n < 2 || tl[n-2].Status != incident.Resolved
}
