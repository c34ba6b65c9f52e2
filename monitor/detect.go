package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/collector"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// detectLookback is how much history judging a minute reads before it, so
// that failure streaks begun earlier confirm the minute as they would in a
// statement.
const detectLookback = 30 * time.Minute

// writeSlack is how long after a probe run ends its result may still be on
// its way to the store: the collector's batching and the commit.
const writeSlack = 2 * time.Second

// timing is when a check's evidence for a minute is all in.
type timing struct {
	// agents are the locations other than the collector's that run the
	// check; detection waits for their evidence (front).
	agents []string
	// settle is how long after a minute ends no more evidence can change
	// its state: the last run started in it has finished and been written,
	// and a failure streak it ends has had the runs that confirm it or not.
	settle time.Duration
	// recent is how many of the latest minutes count as now: a location
	// without runs in them is silent.
	recent int
}

// timingOf is the timing of a check probed as p: a run started at the end
// of a minute ends within its timeout, a streak of failures at its end is
// confirmed or broken within failures-1 more runs, and the result then
// reaches the store within writeSlack. A location is silent once a run and
// its timeout have passed without a result, counted in whole minutes, and
// the minute under way.
func timingOf(p collector.Check, c sla.Confirmation) timing {
	failures := max(c.Failures, 1)
	t := timing{settle: time.Duration(failures-1)*p.Interval + p.EffectiveTimeout() + writeSlack}
	t.recent = int((p.Interval+p.EffectiveTimeout()+time.Minute-1)/time.Minute) + 1
	return t
}

// timings is the timing of every check of cfg, by ID, with the locations
// other than the collector's that run it: agents, whose evidence
// detection waits for (front).
func timings(cfg *config.Config) map[string]timing {
	out := make(map[string]timing, len(cfg.Probes))
	for i, p := range cfg.Probes {
		t := timingOf(p, cfg.Checks[i].Confirmation)
		for _, l := range p.Locations {
			if l != cfg.Collector.Location {
				t.agents = append(t.agents, l)
			}
		}
		out[p.ID] = t
	}
	return out
}

// serviceTiming is the timing of a service: its slowest check's, waiting
// for every agent location of its checks.
func serviceTiming(checks []catalog.Check, byID map[string]timing) timing {
	t := timing{settle: writeSlack, recent: 2}
	for _, ch := range checks {
		if c, ok := byID[ch.ID]; ok {
			t.settle, t.recent = max(t.settle, c.settle), max(t.recent, c.recent)
			for _, l := range c.agents {
				if !slices.Contains(t.agents, l) {
					t.agents = append(t.agents, l)
				}
			}
		}
	}
	return t
}

// lastFinal is the latest minute (its start) that is final at now for a
// service of timing t, by the in-process collector's evidence alone: its
// results are stored within writeSlack of their run's end.
func lastFinal(now time.Time, t timing) time.Time {
	return now.Add(-t.settle).Truncate(time.Minute).Add(-time.Minute)
}

// Detect judges every service at now; see detect. Detection on arrival
// (detectLoop) judges the services that have news; tests and start-up
// call Detect.
func (a *Monitor) Detect(ctx context.Context, now time.Time) error {
	return a.detect(ctx, now, nil)
}

// detect judges the services at now — those pick picks, given their
// checks and timing, every one when pick is nil — and acts on what it
// finds: the minutes that became final since
// each service's last judged one, in order (which open, start and resolve
// incidents), then the service as it stands now (which opens an incident
// at once, and which the status pages show). Incidents and their
// notifications are stored, then the progress, so that a crash between
// the two judges the minutes again rather than skipping them. The status
// pages are rebuilt when what they show changed.
func (a *Monitor) detect(ctx context.Context, now time.Time, pick func(service string, checks map[string]bool, final time.Time) bool) error {
	a.detectMu.Lock()
	defer a.detectMu.Unlock()
	cfg, byID := a.cfg.Load(), *a.timing.Load()
	// The agents' watermarks are read once, and only when a service's
	// checks run at agent locations: the others' minutes are final by
	// the collector's timing alone.
	var f front
	read := false
	picked := map[string]judging{}
	for _, svc := range cfg.Services {
		checks := cfg.ServiceChecks(svc.ID)
		if len(checks) == 0 {
			continue
		}
		t := serviceTiming(checks, byID)
		if len(t.agents) > 0 && !read {
			f, read = a.readFront(ctx, now), true
		}
		if j := (judging{t, f.final(now, t)}); pick == nil || pick(svc.ID, checkIDs(checks), j.final) {
			picked[svc.ID] = j
		}
	}
	if len(picked) == 0 {
		return nil // the usual tick: nothing became final
	}
	cat, err := a.catalog(ctx) // with the maintenance announced at run time
	if err != nil {
		return err
	}
	var errs []error
	var moved []incident.Progress
	visible := false
	for _, svc := range cat.Services {
		j, ok := picked[svc.ID]
		if !ok {
			continue
		}
		checks := cat.ServiceChecks(svc.ID)
		before := a.detector.Progress(svc.ID)
		changed, err := a.judgeService(ctx, cat, svc.ID, checks, j, now)
		if err != nil {
			errs = append(errs, err)
		}
		visible = visible || changed
		if after := a.detector.Progress(svc.ID); after != before {
			moved = append(moved, after)
		}
	}
	if err := a.store.SaveDetection(ctx, moved); err != nil {
		errs = append(errs, err)
	}
	if visible {
		if err := a.RefreshStatus(ctx, now); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// judging is how a service is judged at some time: its timing, and the
// latest of its minutes that is final.
type judging struct {
	timing
	final time.Time
}

// judgeService judges one service at now, its minutes through j.final
// as final, and reports whether what the status pages show of it changed.
// Called under detectMu.
func (a *Monitor) judgeService(ctx context.Context, cat *catalog.Catalog, service string, checks []catalog.Check, j judging, now time.Time) (bool, error) {
	now = now.UTC() // minutes compare equal to those the store gives back
	t := j.timing
	current, final := now.Truncate(time.Minute), j.final.UTC()
	judged := a.detector.Progress(service).Judged
	if judged.IsZero() {
		// First look at the service: there is nothing before now to judge.
		judged = final
		a.detector.Restore(incident.Progress{Service: service, Judged: judged})
	}
	from := judged.Add(time.Minute)
	if from.After(current) {
		from = current // the clock went back: judge only the present
	}
	n := int(current.Sub(from)/time.Minute) + 1
	windows := make([]credit.Window, len(checks))
	for i, ch := range checks {
		w, err := credit.JudgeWindow(ctx, a.store, credit.Check{ID: ch.ID, Locations: ch.Locations, Confirmation: ch.Confirmation},
			from, n, detectLookback, t.recent)
		if err != nil {
			return false, fmt.Errorf("detect %s: %w", service, err)
		}
		windows[i] = w
	}
	var errs []error
	act := func(evs []incident.Event, cms []incident.CheckMinute) {
		for _, ev := range evs {
			if err := a.onIncident(ctx, ev, cat.IncidentTenants(service, failingTenants(cms))); err != nil {
				errs = append(errs, err)
			}
		}
	}
	changed := false
	var since time.Time // the first failing minute not yet final
	for i := range n {
		minute := from.Add(time.Duration(i) * time.Minute)
		cms := make([]incident.CheckMinute, len(checks))
		for j, ch := range checks {
			cms[j] = incident.CheckMinute{CheckID: ch.ID, Tenant: ch.Tenant, State: windows[j].States[i], Failing: windows[j].Failing[i],
				Blip: locationBlip(ch, windows[j].States[i], windows[j].Failing[i])}
		}
		o := observe(cat, service, minute, cms)
		if minute.After(final) {
			if since.IsZero() && (o.State == sla.StateDown || o.State == sla.StateDegraded) {
				since = minute
			}
			continue
		}
		evs := a.detector.Observe(service, o)
		changed = changed || len(evs) > 0
		act(evs, cms)
	}
	present := make([]incident.CheckMinute, len(checks))
	for j, ch := range checks {
		present[j] = incident.CheckMinute{CheckID: ch.ID, Tenant: ch.Tenant, State: windows[j].Now, Failing: windows[j].NowFailing,
			Blip: locationBlip(ch, windows[j].Now, windows[j].NowFailing)}
	}
	o := observe(cat, service, current, present)
	evs := a.detector.Now(service, o, since)
	act(evs, present)
	noted := a.noteStates(cat, service, current, present, o.State == sla.StateMaintenance)
	return noted || len(evs) > 0 || changed, errors.Join(errs...)
}

// locationBlip reports whether ch is degraded only because fewer of its
// locations than its quorum failed: a blip at those places.
func locationBlip(ch catalog.Check, state sla.State, failing []string) bool {
	return state == sla.StateDegraded && len(ch.Locations) > 1 && len(failing) < ch.Confirmation.QuorumOf(len(ch.Locations))
}

// checkIDs is the set of the checks' IDs.
func checkIDs(checks []catalog.Check) map[string]bool {
	out := make(map[string]bool, len(checks))
	for _, ch := range checks {
		out[ch.ID] = true
	}
	return out
}

// observe is a service's observation of minute from its checks'; a
// service in announced maintenance is observed as such: the detector
// neither opens nor resolves on its minutes, which silences it.
func observe(cat *catalog.Catalog, service string, minute time.Time, cms []incident.CheckMinute) incident.Observation {
	o := incident.ServiceObservation(minute, cms)
	if cat.InMaintenance(service, minute) {
		o.State = sla.StateMaintenance
	}
	return o
}

// resumeDetection hands the detector what a previous run left: how far
// each service was judged, with the recovery hold under way, and the open
// incidents it stored, so that an outage that goes on joins its incident
// and a recovery resolves it, instead of a second incident opening and the
// first staying open for ever. Incidents that people opened are left to
// people.
func (a *Monitor) resumeDetection(ctx context.Context) error {
	progress, err := a.store.Detection(ctx)
	if err != nil {
		return fmt.Errorf("resume detection: %w", err)
	}
	for _, p := range progress {
		a.detector.Restore(p)
	}
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
