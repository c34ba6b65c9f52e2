package alert

import (
	"fmt"
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

// IncidentEvent is the notification of incident id: a trigger while it is
// open (kind Opened or an update), a resolve on its recovery. Its dedup key
// is the incident's, so receivers see one incident however often it is
// notified.
func IncidentEvent(id int64, inc *db.Incident, kind incident.EventKind, now time.Time) Event {
	e := Event{
		DedupKey: fmt.Sprintf("incident/%d", id),
		Kind:     KindTrigger,
		Title:    fmt.Sprintf("%s: %s incident", inc.Service, inc.Severity),
		Severity: SeverityOf(inc.Severity),
		Service:  inc.Service,
		Status:   string(inc.Status),
		Time:     now,
	}
	if len(inc.Tenants) == 1 {
		e.Tenant = inc.Tenants[0]
	}
	if n := len(inc.Timeline); n > 0 {
		e.Body = inc.Timeline[n-1].Body
	}
	if kind == incident.Recovery {
		e.Kind, e.Title = KindResolve, inc.Service+": recovered"
	}
	return e
}

// PeopleAlerts are the notifications of a person's change to inc, routed
// by rt, for db.SaveIncidentWithAlerts: a trigger (or update) while it is
// open, a resolve once it is resolved.
func PeopleAlerts(rt Router, inc *db.Incident, now time.Time) func(id int64) ([]db.Alert, error) {
	return func(id int64) ([]db.Alert, error) {
		kind := incident.Opened
		if inc.Status == incident.Resolved {
			kind = incident.Recovery
		}
		e := IncidentEvent(id, inc, kind, now)
		return Alerts(e, rt.Route(e))
	}
}
