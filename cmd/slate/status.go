package main

import (
	"context"
	"time"

	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// serviceNow is a service's latest judged minute, kept by detection for the
// status page.
type serviceNow struct {
	State   sla.State
	Partial bool
	Since   time.Time
}

// noteService records a service's latest observation; Since moves only when
// the state changes.
func (a *app) noteService(id string, o incident.Observation) {
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	cur, ok := a.services[id]
	partial := o.State == sla.StateDegraded && o.Affected > 0
	if ok && cur.State == o.State && cur.Partial == partial {
		return
	}
	a.services[id] = serviceNow{State: o.State, Partial: partial, Since: o.Minute}
}

// refreshStatus rebuilds the status page's snapshot from the public
// services' latest minutes, the stored incidents and the maintenance
// windows; pages are served from it, never queried per request.
func (a *app) refreshStatus(ctx context.Context, now time.Time) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	in := dashboard.SnapshotInput{Page: dashboard.Page{ID: "slate", Name: "Status", URL: "http://" + cfg.Server.Listen, TimeZone: "Etc/UTC"}}
	a.statusMu.Lock()
	for _, s := range cfg.Services {
		if !s.Public {
			continue
		}
		cur := a.services[s.ID]
		in.Services = append(in.Services, dashboard.ServiceState{ID: s.ID, Name: s.Name, Group: s.Group,
			State: cur.State, Partial: cur.Partial, Since: cur.Since})
	}
	a.statusMu.Unlock()
	incs, err := a.store.Incidents(ctx, db.IncidentFilter{Limit: 100})
	if err != nil {
		return err
	}
	for _, inc := range incs {
		rec := dashboard.IncidentRecord{ID: inc.ID, Service: inc.Service, Status: string(inc.Status), Severity: string(inc.Severity),
			Started: inc.Started, Ended: inc.Ended, CreatedAt: inc.CreatedAt, UpdatedAt: inc.UpdatedAt}
		for _, e := range inc.Timeline {
			rec.Timeline = append(rec.Timeline, dashboard.TimelineEntry{At: e.At, Status: string(e.Status), Body: e.Body})
		}
		in.Incidents = append(in.Incidents, rec)
	}
	for _, m := range cfg.Maintenance {
		in.Maintenances = append(in.Maintenances, dashboard.MaintenanceWindow{ID: "m-" + m.ID, Services: m.Services, Title: m.Title,
			Start: m.Start, End: m.End, Announced: m.Announced})
	}
	a.web.SetSnapshot(dashboard.BuildSnapshot(in, now))
	return nil
}
