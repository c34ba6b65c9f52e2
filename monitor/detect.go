package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// detectLookback is how much history judging a minute reads, so that failure
// streaks begun earlier confirm the minute as they would in a statement.
const detectLookback = 30 * time.Minute

// Detect feeds the last complete minute of every service to the incident
// detector. A service in announced maintenance is observed as such: the
// detector neither opens nor resolves on its minutes, which silences it.
func (a *Monitor) Detect(ctx context.Context, now time.Time) error {
	a.detectMu.Lock()
	defer a.detectMu.Unlock()
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	minute := now.Truncate(time.Minute).Add(-time.Minute)
	var errs []error
	for _, svc := range cat.Services {
		var cms []incident.CheckMinute
		for _, ch := range cat.ServiceChecks(svc.ID) {
			s, failing, err := credit.JudgeMinute(ctx, a.store, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation}, minute, detectLookback)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			cms = append(cms, incident.CheckMinute{CheckID: ch.ID, Tenant: ch.Tenant, State: s, Failing: failing})
		}
		if len(cms) == 0 {
			continue
		}
		o := incident.ServiceObservation(minute, cms)
		if cat.InMaintenance(svc.ID, minute) {
			o.State = sla.StateMaintenance
		}
		a.noteStates(cat, svc.ID, minute, cms, o.State == sla.StateMaintenance)
		for _, ev := range a.detector.Observe(svc.ID, o) {
			if err := a.onIncident(ctx, ev, cat.IncidentTenants(svc.ID, failingTenants(cms))); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := a.RefreshStatus(ctx, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// resumeIncidents hands the detector the open incidents it stored before
// a restart, so an outage that goes on joins its incident and a recovery
// resolves it, instead of a second incident opening and the first staying
// open for ever. Incidents that people opened are left to people.
func (a *Monitor) resumeIncidents(ctx context.Context) error {
	open, err := a.store.OpenIncidents(ctx)
	if err != nil {
		return fmt.Errorf("resume incidents: %w", err)
	}
	for _, stored := range open {
		if !incident.Detected(stored.Incident) {
			continue
		}
		rec := stored
		inc := &incident.Incident{}
		*inc = rec.Incident
		a.detector.Resume(inc)
		if a.detector.Open(inc.Service) == inc {
			a.tracked[inc] = &rec
		}
	}
	return nil
}

// failingTenants are the tenants of the checks down or degraded in a
// minute, "" for a shared check: what catalog.IncidentTenants reads.
func failingTenants(cms []incident.CheckMinute) []string {
	var out []string
	for _, c := range cms {
		if c.State == sla.StateDown || c.State == sla.StateDegraded {
			out = append(out, c.Tenant)
		}
	}
	return out
}
