package monitor

import (
	"context"
	"html/template"
	"maps"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// serviceNow is how a service stands now, kept by detection for the status
// page.
type serviceNow struct {
	State   sla.State
	Partial bool
	Since   time.Time
}

// noteService records how a service stands now and reports whether that
// changed; Since moves only when the state changes.
func (a *Monitor) noteService(id string, o incident.Observation) bool {
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	return noteState(a.services, id, o)
}

// noteTenantService records how a service stands now as one tenant sees
// it: from the shared checks and the tenant's own, never another tenant's.
// It reports whether that changed.
func (a *Monitor) noteTenantService(tenant, id string, o incident.Observation) bool {
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	return noteState(a.tenantStates, tenant+"/"+id, o)
}

func noteState(m map[string]serviceNow, key string, o incident.Observation) bool {
	cur, ok := m[key]
	partial := o.State == sla.StateDegraded && o.Affected > 0
	if ok && cur.State == o.State && cur.Partial == partial {
		return false
	}
	m[key] = serviceNow{State: o.State, Partial: partial, Since: o.Minute}
	return true
}

// RefreshStatus rebuilds the public status page's snapshot from the
// public services' latest minutes, the stored incidents and the
// maintenance windows, and every tenant's page from its own services and
// figures; pages are served from them, never queried per request.
func (a *Monitor) RefreshStatus(ctx context.Context, now time.Time) error {
	// One rebuild at a time: detection and admin writes both rebuild, and
	// a build that read the store before a write must not be set after
	// the build that saw it.
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	cat, err := a.catalog(ctx)
	if err != nil {
		return err
	}
	base := a.cfg.Load().PublicBase()
	in := dashboard.SnapshotInput{Page: dashboard.Page{ID: "slate", Name: "Status", URL: base, TimeZone: "Etc/UTC"}}
	a.statusMu.Lock()
	states := maps.Clone(a.services)
	bars := a.bars
	current := a.current
	a.statusMu.Unlock()
	in.Bars = map[string][]dashboard.DayBar{}
	for _, s := range cat.PublicServices() {
		cur := states[s.ID]
		in.Services = append(in.Services, dashboard.ServiceState{ID: s.ID, Name: s.Name, Group: s.Group,
			State: cur.State, Partial: cur.Partial, Since: cur.Since})
		if b, ok := bars[barsKey(cat.ChecksFor(s.ID, ""))]; ok {
			in.Bars[s.ID] = b
		}
	}
	incs, err := a.store.Incidents(ctx, db.IncidentFilter{Limit: 100})
	if err != nil {
		return err
	}
	affects := make(map[int64][]string, len(incs)) // incident ID -> tenants it affects
	var records []dashboard.IncidentRecord
	for _, inc := range incs {
		affects[inc.ID] = inc.Tenants
		rec := dashboard.IncidentRecord{ID: inc.ID, Service: inc.Service, Status: string(inc.Status), Severity: string(inc.Severity),
			Started: inc.Started, Ended: inc.Ended, CreatedAt: inc.CreatedAt, UpdatedAt: inc.UpdatedAt}
		for _, e := range inc.ReadersTimeline() {
			rec.Timeline = append(rec.Timeline, dashboard.TimelineEntry{At: e.At, Status: string(e.Status), Body: e.Body})
		}
		if inc.PublishedPostmortem > 0 {
			if rec.Postmortem, err = a.publishedPostmortem(ctx, inc.ID, inc.PublishedPostmortem); err != nil {
				return err
			}
		}
		records = append(records, rec)
	}
	in.Maintenances = maintenanceRecords(cat)
	a.statusMu.Lock()
	tenantStates := maps.Clone(a.tenantStates)
	a.statusMu.Unlock()
	for _, rec := range records {
		if !cat.TenantOnly(rec.Service, affects[rec.ID]) {
			in.Incidents = append(in.Incidents, rec)
		}
	}
	tenants, err := a.tenantViews(ctx, cat, base, tenantStates, bars, current, records, affects, now)
	if err != nil {
		return err
	}
	a.web.SetSnapshot(dashboard.BuildSnapshot(in, now))
	a.web.SetTenants(tenants)
	return nil
}

// maintenanceRecords are the configured and announced windows as the
// status page takes them.
func maintenanceRecords(cfg *catalog.Catalog) []dashboard.MaintenanceWindow {
	out := make([]dashboard.MaintenanceWindow, 0, len(cfg.Maintenance))
	for _, m := range cfg.Maintenance {
		out = append(out, dashboard.MaintenanceWindow{ID: "m-" + m.ID, Services: m.Services, Title: m.Title,
			Start: m.Start, End: m.End, Announced: m.Announced})
	}
	return out
}

// publishedPostmortem is the published version of incident id's
// post-mortem as sanitised HTML. A version never changes once saved, so
// each is read and rendered once, not at every rebuild. Called under
// refreshMu, which guards the cache.
func (a *Monitor) publishedPostmortem(ctx context.Context, id int64, version int) (template.HTML, error) {
	key := [2]int64{id, int64(version)}
	if html, ok := a.postmortems[key]; ok {
		return html, nil
	}
	pm, err := a.store.Postmortem(ctx, id)
	if err != nil {
		return "", err
	}
	if pm.Published == nil || pm.Published.Version != version {
		return "", nil // published meanwhile: the next rebuild shows it
	}
	html, err := incident.Render(pm.Published.Markdown)
	if err != nil {
		return "", err
	}
	if a.postmortems == nil {
		a.postmortems = map[[2]int64]template.HTML{}
	}
	a.postmortems[key] = html
	return html, nil
}

// BarDays is how many days the status page's bars show.
const BarDays = 90

// refreshBars recounts the daily bars from the evidence (down minutes as
// major outage, degraded as partial) for every set of checks a page shows:
// each public service's shared checks, and each tenant's services with
// the checks that measure that tenant. The next snapshot shows them.
func (a *Monitor) refreshBars(ctx context.Context, now time.Time) error {
	cat := &a.cfg.Load().Catalog
	var sets [][]catalog.Check
	for _, s := range cat.PublicServices() {
		sets = append(sets, cat.ChecksFor(s.ID, ""))
	}
	for _, t := range cat.Tenants {
		for _, s := range cat.TenantServices(t.ID) {
			sets = append(sets, cat.ChecksFor(s.ID, t.ID))
		}
	}
	bars := map[string][]dashboard.DayBar{}
	for _, checks := range sets {
		key := barsKey(checks)
		if _, done := bars[key]; done {
			continue
		}
		days, err := credit.DailyBars(ctx, a.store, credit.ChecksOf(checks), BarDays, time.UTC, now)
		if err != nil {
			return err
		}
		out := make([]dashboard.DayBar, 0, len(days))
		for _, d := range days {
			out = append(out, dashboard.DayBar{Date: d.Date, MajorMinutes: d.Major, PartialMinutes: d.Partial, KnownMinutes: d.Known})
		}
		bars[key] = out
	}
	a.statusMu.Lock()
	a.bars = bars
	a.statusMu.Unlock()
	return a.RefreshStatus(ctx, now)
}
