package main

import (
	"context"
	"time"

	"github.com/slatehq/slate/credit"
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
	in.Bars = a.bars
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

// barDays is how many days the status page's bars show.
const barDays = 90

// refreshBars recounts every public service's daily bars from the evidence
// (down minutes as major outage, degraded as partial); the next snapshot
// shows them.
func (a *app) refreshBars(ctx context.Context, now time.Time) error {
	cfg := a.cfg.Load()
	bars := map[string][]dashboard.DayBar{}
	for _, s := range cfg.Services {
		if !s.Public {
			continue
		}
		var checks []credit.Check
		for _, ch := range cfg.Checks {
			if ch.Service == s.ID {
				checks = append(checks, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation})
			}
		}
		days, err := credit.DailyBars(ctx, a.store, checks, barDays, time.UTC, now)
		if err != nil {
			return err
		}
		for _, d := range days {
			bars[s.ID] = append(bars[s.ID], dashboard.DayBar{Date: d.Date, MajorMinutes: d.Major, PartialMinutes: d.Partial, KnownMinutes: d.Known})
		}
	}
	a.statusMu.Lock()
	a.bars = bars
	a.statusMu.Unlock()
	return a.refreshStatus(ctx, now)
}
