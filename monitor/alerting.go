package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/alert"
	"github.com/slatehq/slate/catalog"
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

// Describer names services and links incidents in notifications, from the
// configuration (the services' display names, server.public_url) and key,
// the public IDs' key (PublicIDKeyName): incidents by their public IDs, the
// public's view for the receivers whose audience is the public (kind
// statuspage), by the catalogue's rule (catalog.IncidentFor).
func Describer(cfg *config.Config, key []byte) alert.Describer {
	names := make(map[string]string, len(cfg.Services))
	for _, s := range cfg.Services {
		names[s.ID] = s.Name
	}
	public := map[string]bool{}
	for _, r := range cfg.Alerting.Receivers {
		if r.Kind == "statuspage" {
			public[r.Name] = true
		}
	}
	cat := &cfg.Catalog
	return alert.Describer{BaseURL: strings.TrimRight(cfg.Server.PublicURL, "/"), Names: names, Key: key, Public: public,
		PublicView: func(inc *db.Incident) (incident.Incident, bool) {
			v, _, ok := cat.IncidentFor(catalog.PublicReader(), inc.Incident, inc.Tenants)
			return v, ok
		}}
}

// describer is Describer for the configuration in force, with the store's
// public IDs key, and the pages' view rule when a test replaced it.
func (a *Monitor) describer(ctx context.Context) (alert.Describer, error) {
	key, err := a.store.Secret(ctx, PublicIDKeyName)
	if err != nil {
		return alert.Describer{}, fmt.Errorf("public ID key: %w", err)
	}
	cfg := a.cfg.Load()
	d := Describer(cfg, key)
	if a.viewOf != nil {
		d.PublicView = func(inc *db.Incident) (incident.Incident, bool) {
			v, _, ok := a.viewOf(&cfg.Catalog, catalog.PublicReader(), inc.Incident, inc.Tenants)
			return v, ok
		}
	}
	return d, nil
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
	describe, err := a.describer(ctx)
	if err != nil {
		return err
	}
	rt := Router(a.cfg.Load())
	alerts := func(id int64) ([]db.Alert, error) {
		kind, before := alert.DetectionKind(ev), len(rec.Timeline)-len(ev.Added)
		if !notify {
			// Staff are not told, but the public's part of the incident
			// may begin or end with it.
			return describe.PublicNotifications(rt, id, rec, kind, before, a.now())
		}
		return describe.Notifications(rt, id, rec, kind, before, a.now())
	}
	_, err = a.store.SaveIncidentWithAlerts(ctx, rec, "slate/detector", alerts)
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
	if notify {
		a.sender.Nudge()
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
// contract's current burn rates. One outage pages once: a rule firing for
// a contract whose services had an incident affecting its tenant within
// the rule's long window (alert.Accountable) belongs to that incident — it
// is not sent, and why goes once into the incident's timeline as a note
// for staff — and so does its end. A rule firing with no such incident
// pages on its own, and its resolve says which rule stopped. Whether a
// rule's last notification was a trigger is read from the outbox at its
// first look after a start and kept in memory after, so a restart neither
// pages a rule again nor forgets to resolve it.
func (a *Monitor) burnAlerts(ctx context.Context, now time.Time, cur []credit.Current) error {
	a.burnMu.Lock()
	defer a.burnMu.Unlock()
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	longest := time.Duration(0)
	for _, r := range sla.BurnRules() {
		longest = max(longest, r.Long)
	}
	recent, err := a.store.Incidents(ctx, db.IncidentFilter{Since: now.Add(-longest)})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cur {
		k, _ := cat.Contract(c.Schedule.Contract.ID)
		for _, r := range sla.BurnRules() {
			if err := a.burnRule(ctx, c, k, r, recent, now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// burnRule acts on one rule of one contract; see burnAlerts. Called under
// burnMu.
func (a *Monitor) burnRule(ctx context.Context, c credit.Current, k catalog.Contract, r sla.BurnRule, recent []db.Incident, now time.Time) error {
	s := c.Schedule
	period := sla.BurnPeriod(s.Quarterly)
	th := r.Threshold(period)
	firing := r.Firing(c.Rates, period)
	key := fmt.Sprintf("burn/%s/%s", s.Contract.ID, r.Name)
	paged, err := a.pagedByKey(ctx, key)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s of the error budget of %s burning within %s", r.Percent(), s.Contract.ID, sla.WindowName(r.Long))
	if firing && !paged {
		if inc, ok := alert.Accountable(recent, k.Services, k.Tenant, r.Long, now); ok {
			note := fmt.Sprintf("Burn-rate alert %s not sent: %s (rate over %s and %s above %s); this incident accounts for it.",
				r.Name, what, sla.WindowName(r.Long), sla.WindowName(r.Short), th.FloatString(2))
			return a.noteOnIncident(ctx, inc.ID, note, now)
		}
	}
	if firing == paged {
		return nil
	}
	e := alert.Event{DedupKey: key, Kind: alert.KindTrigger, Severity: alert.SeverityCritical,
		Title: s.Contract.ID + ": " + what, Tenant: s.Contract.Tenant, Time: now,
		Body: fmt.Sprintf("%s: burn rate over %s and %s above %s", r.Name, sla.WindowName(r.Long), sla.WindowName(r.Short), th.FloatString(2))}
	if r.Severity == "ticket" {
		e.Severity = alert.SeverityWarning
	}
	if !firing {
		e.Kind = alert.KindResolve
		e.Title = fmt.Sprintf("%s: %s resolved: %s of the budget no longer burning within %s", s.Contract.ID, r.Name, r.Percent(), sla.WindowName(r.Long))
		e.Body = fmt.Sprintf("%s: burn rate back under %s over %s or %s", r.Name, th.FloatString(2), sla.WindowName(r.Long), sla.WindowName(r.Short))
	}
	as, err := alert.Alerts(e, Router(a.cfg.Load()).Route(e))
	if err == nil {
		err = a.store.Enqueue(ctx, as)
	}
	if err != nil {
		return err
	}
	a.burning[key] = firing
	a.sender.Nudge()
	return nil
}

// pagedByKey reports whether the latest notification of key was a
// trigger: what the outbox says at the first look, memory after. Called
// under burnMu.
func (a *Monitor) pagedByKey(ctx context.Context, key string) (bool, error) {
	if v, ok := a.burning[key]; ok {
		return v, nil
	}
	sent, err := a.store.AlertsByKey(ctx, key)
	if err != nil {
		return false, err
	}
	paged := len(sent) > 0 && sent[len(sent)-1].Kind == alert.KindTrigger
	a.burning[key] = paged
	return paged, nil
}

// noAlerts is a save's notifications when it sends none.
func noAlerts(int64) ([]db.Alert, error) { return nil, nil }

// noteOnIncident adds a note for staff to incident id's timeline, once:
// a note with the same body is not added again. Detection's own copy of an
// open incident learns the new revision, so its next save goes through.
func (a *Monitor) noteOnIncident(ctx context.Context, id int64, body string, now time.Time) error {
	a.detectMu.Lock()
	defer a.detectMu.Unlock()
	for attempt := 0; ; attempt++ {
		stored, err := a.store.Incident(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range stored.Timeline {
			if e.Kind == incident.KindNote && e.Body == body {
				return nil
			}
		}
		entry := incident.Entry{At: now, Kind: incident.KindNote, Status: stored.Status, Body: body}
		stored.Timeline = append(stored.Timeline, entry)
		_, err = a.store.SaveIncidentWithAlerts(ctx, &stored, "slate/alerting", noAlerts)
		if errors.Is(err, db.ErrIncidentConflict) && attempt < 3 {
			continue
		}
		if err != nil {
			return fmt.Errorf("note on incident %d: %w", id, err)
		}
		for live, rec := range a.tracked {
			if rec.ID == id {
				live.Timeline = append(live.Timeline, entry)
				rec.Timeline, rec.Revision = slices.Clone(live.Timeline), stored.Revision
			}
		}
		return nil
	}
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
	var body string
	if firing {
		body = err.Error()
	}
	aerr := a.enqueueSlateAlert(ctx, key, title, body, firing, now)
	if aerr == nil {
		a.burning[key] = firing
	}
	return errors.Join(err, aerr)
}

// enqueueSlateAlert enqueues the critical trigger (firing, saying body)
// or the resolve of an alert about slate itself, under key, to the
// receivers its route names.
func (a *Monitor) enqueueSlateAlert(ctx context.Context, key, title, body string, firing bool, now time.Time) error {
	e := alert.Event{DedupKey: key, Kind: alert.KindTrigger, Severity: alert.SeverityCritical, Title: "slate: " + title, Time: now, Body: body}
	if !firing {
		e.Kind, e.Title, e.Body = alert.KindResolve, "slate: "+title+" — resolved", ""
	}
	as, err := alert.Alerts(e, Router(a.cfg.Load()).Route(e))
	if err == nil {
		err = a.store.Enqueue(ctx, as)
	}
	return err
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
	describe, err := a.describer(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for i := range incs {
		e := describe.IncidentEvent(incs[i].ID, &incs[i], alert.KindTrigger, now)
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
		as, err := describe.To(names, e, incs[i].ID, &incs[i], len(incs[i].Timeline), now)
		if err == nil {
			err = a.store.Enqueue(ctx, as)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
