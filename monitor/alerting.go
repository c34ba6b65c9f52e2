package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// Receivers builds the configured alert receivers by name.
func Receivers(cfg *config.Config) map[string]alert.Receiver {
	out := make(map[string]alert.Receiver, len(cfg.Alerting.Receivers))
	for _, r := range cfg.Alerting.Receivers {
		switch r.Kind {
		case "webhook":
			out[r.Name] = alert.Webhook{URL: r.URL, Secret: []byte(r.Secret)}
		case "slack":
			out[r.Name] = alert.Slack{URL: r.URL}
		case "pagerduty":
			out[r.Name] = alert.PagerDuty{URL: r.URL, RoutingKey: r.RoutingKey}
		case "statuspage":
			out[r.Name] = alert.Statuspage{URL: r.URL, PageID: "slate"}
		}
	}
	return out
}

// Router builds the configured routes. Route severities are written as
// incident severities and matched as alert severities.
func Router(cfg *config.Config) alert.Router {
	var rt alert.Router
	for _, r := range cfg.Alerting.Routes {
		route := alert.Route{Services: r.Services, Tenants: r.Tenants, Receivers: []string{r.Receiver}, Repeat: r.Repeat, SendResolved: r.Resolved}
		for _, s := range r.Severities {
			route.Severities = append(route.Severities, alert.SeverityOf(incident.Severity(s)))
		}
		rt.Routes = append(rt.Routes, route)
	}
	return rt
}

// onIncident stores what the detector reported and, in the same
// transaction, the notifications it calls for: a trigger when an incident
// opens or its severity rises, a resolve when it recovers. A person may have
// changed the stored incident meanwhile; then the detector's news is applied
// to the stored one instead of overwriting it.
func (a *Monitor) onIncident(ctx context.Context, ev incident.Event, tenants []string) error {
	rec, ok := a.tracked[ev.Incident]
	if !ok {
		rec = &db.Incident{}
		if ev.Kind == incident.Opened {
			stored, found, err := a.openedByPeople(ctx, ev.Incident.Service)
			if err != nil {
				return err
			}
			if found {
				incident.Adopt(ev.Incident, stored.Incident)
				*rec = stored
			}
		}
		a.tracked[ev.Incident] = rec
	}
	rec.Incident = *ev.Incident
	rec.Incident.Timeline = slices.Clone(ev.Incident.Timeline)
	rec.Tenants = incident.MergeTenants(rec.Tenants, tenants)
	notify := incident.Notifies(ev)
	alerts := func(id int64) ([]db.Alert, error) {
		if !notify {
			return nil, nil
		}
		e := alert.IncidentEvent(id, rec, ev.Kind, a.now())
		return alert.Alerts(e, Router(a.cfg.Load()).Route(e))
	}
	_, err := a.store.SaveIncidentWithAlerts(ctx, rec, "slate/detector", alerts)
	if errors.Is(err, db.ErrIncidentConflict) {
		stored, gerr := a.store.Incident(ctx, rec.ID)
		if gerr != nil {
			return gerr
		}
		incident.ApplyDetection(&stored.Incident, ev.Kind, ev.Incident)
		stored.Tenants = incident.MergeTenants(stored.Tenants, tenants)
		*rec = stored
		_, err = a.store.SaveIncidentWithAlerts(ctx, rec, "slate/detector", alerts)
	}
	if ev.Kind == incident.Recovery {
		delete(a.tracked, ev.Incident)
	}
	if err != nil {
		return fmt.Errorf("save incident of %s: %w", ev.Incident.Service, err)
	}
	a.log.Info("incident", "event", ev.Kind, "id", rec.ID, "service", rec.Service, "status", rec.Status,
		"severity", rec.Severity, "started", rec.Started)
	return nil
}

// openedByPeople is the service's open incident that a person opened
// (through the admin API) before the probes confirmed the outage, if any.
func (a *Monitor) openedByPeople(ctx context.Context, service string) (db.Incident, bool, error) {
	open, err := a.store.OpenIncidents(ctx)
	if err != nil {
		return db.Incident{}, false, fmt.Errorf("open incidents: %w", err)
	}
	for _, inc := range open {
		if inc.Service == service && incident.OpenedByPeople(inc.Incident) {
			return inc, true, nil
		}
	}
	return db.Incident{}, false, nil
}

// burnAlerts evaluates the workbook's multi-window burn-rate rules on each
// contract's current burn rates, raising a trigger when a rule starts to
// fire and a resolve when it stops. Firing state lives in memory; a restart
// re-raises what still fires, which receivers deduplicate by key.
func (a *Monitor) burnAlerts(ctx context.Context, now time.Time, cur []credit.Current) error {
	a.burnMu.Lock()
	defer a.burnMu.Unlock()
	var errs []error
	for _, c := range cur {
		s, rates := c.Schedule, c.Rates
		period := sla.BurnPeriod(s.Quarterly)
		for _, r := range sla.BurnRules() {
			th := r.Threshold(period)
			firing := r.Firing(rates, period)
			key := fmt.Sprintf("burn/%s/%s", s.Contract.ID, r.Name)
			if firing == a.burning[key] {
				continue
			}
			e := alert.Event{DedupKey: key, Kind: alert.KindTrigger, Severity: alert.SeverityCritical,
				Title:  fmt.Sprintf("%s: %s of the error budget burning within %s", s.Contract.ID, r.Percent(), sla.WindowName(r.Long)),
				Tenant: s.Contract.Tenant, Time: now,
				Body: fmt.Sprintf("burn rate over %s and %s above %s", sla.WindowName(r.Long), sla.WindowName(r.Short), th.FloatString(2))}
			if r.Severity == "ticket" {
				e.Severity = alert.SeverityWarning
			}
			if !firing {
				e.Kind, e.Title = alert.KindResolve, s.Contract.ID+": budget burn back under "+th.FloatString(2)
			}
			as, err := alert.Alerts(e, Router(a.cfg.Load()).Route(e))
			if err == nil {
				err = a.store.Enqueue(ctx, as)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			a.burning[key] = firing
		}
	}
	return errors.Join(errs...)
}

// selfAlert raises a trigger about slate itself when err is not nil and a
// resolve once the same job succeeds again, and returns err. State is kept in
// memory with the burn-rate rules'.
func (a *Monitor) selfAlert(ctx context.Context, key, title string, err error, now time.Time) error {
	a.burnMu.Lock()
	defer a.burnMu.Unlock()
	firing := err != nil
	if firing == a.burning[key] {
		return err
	}
	e := alert.Event{DedupKey: key, Kind: alert.KindTrigger, Severity: alert.SeverityCritical, Title: "slate: " + title, Time: now}
	if firing {
		e.Body = err.Error()
	} else {
		e.Kind, e.Title = alert.KindResolve, "slate: "+title+" — resolved"
	}
	as, aerr := alert.Alerts(e, Router(a.cfg.Load()).Route(e))
	if aerr == nil {
		aerr = a.store.Enqueue(ctx, as)
	}
	if aerr == nil {
		a.burning[key] = firing
	}
	return errors.Join(err, aerr)
}

// repeatAlerts re-notifies open incidents to the receivers whose routes ask
// for it, once the route's repeat interval has passed since the last
// notification to that receiver.
func (a *Monitor) repeatAlerts(ctx context.Context, now time.Time) error {
	incs, err := a.store.OpenIncidents(ctx)
	if err != nil {
		return err
	}
	rt := Router(a.cfg.Load())
	var errs []error
	for i := range incs {
		e := alert.IncidentEvent(incs[i].ID, &incs[i], incident.Opened, now)
		sent, err := a.store.AlertsByKey(ctx, e.DedupKey)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		last := map[string]time.Time{}
		for _, s := range sent {
			if s.Kind == alert.KindTrigger && s.CreatedAt.After(last[s.Receiver]) {
				last[s.Receiver] = s.CreatedAt
			}
		}
		names := rt.Plan(e, now, last)
		if len(names) == 0 {
			continue
		}
		as, err := alert.Alerts(e, names)
		if err == nil {
			err = a.store.Enqueue(ctx, as)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
