package alert

import (
	"fmt"
	"strings"
	"time"

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
}

// name is the display name of service.
func (d Describer) name(service string) string {
	if n := d.Names[service]; n != "" {
		return n
	}
	return service
}

// IncidentURL is the incident's page, "" without a base URL.
func (d Describer) IncidentURL(id int64) string {
	if d.BaseURL == "" || id == 0 {
		return ""
	}
	return fmt.Sprintf("%s/incidents/%d", d.BaseURL, id)
}

// IncidentEvent is the notification of incident id, of kind KindTrigger
// (it opened, or a repeat while it is open), KindUpdate (its timeline grew:
// a person's update, a severity change) or KindResolve (it resolved). Its
// dedup key is the incident's, so receivers see one incident however often
// it is notified. The title says in words which service and what
// happened; the body is the latest timeline entry, with its author.
func (d Describer) IncidentEvent(id int64, inc *db.Incident, kind string, now time.Time) Event {
	name := d.name(inc.Service)
	e := Event{
		DedupKey:    fmt.Sprintf("incident/%d", id),
		Kind:        kind,
		Severity:    SeverityOf(inc.Severity),
		Service:     inc.Service,
		ServiceName: name,
		Incident:    id,
		Status:      string(inc.Status),
		URL:         d.IncidentURL(id),
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
		e.Title = fmt.Sprintf("%s recovered: incident %d resolved", name, id)
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
	return func(id int64) ([]db.Alert, error) {
		e := d.IncidentEvent(id, inc, kind, now)
		return Alerts(e, rt.Route(e))
	}
}

// resolvedNow reports whether inc's latest timeline entry is the one that
// resolved it: a later note on a resolved incident is an update.
func resolvedNow(inc *db.Incident) bool {
	tl := inc.Timeline
	n := len(tl)
	return n < 2 || tl[n-2].Status != incident.Resolved
}
