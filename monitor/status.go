package monitor

import (
	"context"
	"fmt"
	"html/template"
	"maps"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
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

// noteStates records how service stands now (minute is the current one)
// for the status pages, once per audience, and reports whether what any
// audience sees changed: the public page from the service's shared checks
// alone, each tenant's page from the shared checks and the tenant's own.
// A tenant's endpoint down thus shows on that tenant's page and nowhere
// else. maintenance marks a minute inside announced maintenance, which
// every audience sees as such.
func (a *Monitor) noteStates(cat *catalog.Catalog, service string, minute time.Time, cms []incident.CheckMinute, maintenance bool) bool {
	seenBy := func(tenant string) (incident.Observation, bool) {
		var seen []incident.CheckMinute
		for _, cm := range cms {
			if catalog.SeesCheckOf(tenant, cm.Tenant) {
				seen = append(seen, cm)
			}
		}
		o := incident.ServiceObservation(minute, seen)
		if maintenance {
			o.State = sla.StateMaintenance
		}
		return o, len(seen) > 0 || maintenance
	}
	a.statusMu.Lock()
	defer a.statusMu.Unlock()
	changed := false
	if o, ok := seenBy(""); ok {
		changed = noteState(a.services, service, o)
	}
	for _, t := range cat.ServiceTenants(service) {
		if o, ok := seenBy(t); ok && noteState(a.tenantStates, t+"/"+service, o) {
			changed = true
		}
	}
	return changed
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
	cfg := a.cfg.Load()
	base := cfg.PublicBase()
	brand := BrandOf(cfg)
	in := dashboard.SnapshotInput{Page: dashboard.Page{ID: "slate", Name: brand.Name, URL: base, TimeZone: "Etc/UTC", Brand: brand}}
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
		if b, ok := bars[barsKey(cat.ChecksFor(s.ID, ""), time.UTC)]; ok {
			in.Bars[s.ID] = b
		}
	}
	incs, err := a.store.Incidents(ctx, db.IncidentFilter{Limit: 100})
	if err != nil {
		return err
	}
	key, err := a.publicIDKey(ctx)
	if err != nil {
		return err
	}
	if in.Incidents, err = a.incidentRecords(ctx, cat, catalog.PublicReader(), incs, key, now); err != nil {
		return err
	}
	in.Maintenances = MaintenanceRecords(cat, key)
	a.statusMu.Lock()
	tenantStates := maps.Clone(a.tenantStates)
	a.statusMu.Unlock()
	tenants, err := a.tenantViews(ctx, cat, pageContext{base: base, brand: brand, billing: cfg.Billing}, tenantStates, bars, current, incs, key, now)
	if err != nil {
		return err
	}
	a.forgetImpacts(incs)
	a.web.SetSnapshot(dashboard.BuildSnapshot(in, now))
	a.web.SetTenants(tenants)
	return nil
}

// BrandOf is the provider's branding of the status pages: its page name,
// its logo (served at /logo) and its links.
func BrandOf(cfg *config.Config) dashboard.Brand {
	p := cfg.Provider
	b := dashboard.Brand{Name: p.DisplayPageName(), Subscribe: cfg.Email.Enabled()}
	if len(p.LogoData) > 0 {
		b.LogoURL = "/logo"
	}
	for _, l := range p.Links {
		b.Links = append(b.Links, dashboard.BrandLink{Title: l.Title, URL: l.URL})
	}
	return b
}

// incidentRecords are incs as r reads them (catalog.IncidentFor), by
// their public IDs (key is the public IDs' key), with their published
// post-mortems and, for a tenant, its own impact: what r's page, API and
// feed show.
func (a *Monitor) incidentRecords(ctx context.Context, cat *catalog.Catalog, r catalog.Reader, incs []db.Incident, key []byte,
	now time.Time) ([]dashboard.IncidentRecord, error) {
	var out []dashboard.IncidentRecord
	view := cat.IncidentFor
	if a.viewOf != nil {
		view = func(r catalog.Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
			return a.viewOf(cat, r, inc, affected)
		}
	}
	for _, stored := range incs {
		inc, _, ok := view(r, stored.Incident, stored.Tenants)
		if !ok {
			continue
		}
		rec := dashboard.IncidentRecord{ID: access.IncidentPublicID(key, stored.ID), Title: inc.Title, Service: inc.Service, Also: inc.Also,
			Status:   string(inc.Status),
			Severity: string(inc.Severity), Started: inc.Started, Ended: inc.Ended, CreatedAt: stored.CreatedAt, UpdatedAt: stored.UpdatedAt}
		for _, e := range inc.Timeline {
			rec.Timeline = append(rec.Timeline, dashboard.TimelineEntry{At: e.At, Status: string(e.Status), Body: e.Body})
		}
		pm, published, err := a.readersPostmortem(ctx, cat, r, stored)
		if err != nil {
			return nil, err
		}
		rec.Postmortem = pm
		if !r.Staff {
			// The store's creation and change times are of the whole
			// incident: they would tell a reader when checks it may not
			// read failed. Its view begins at its start and changes with
			// its own entries and the post-mortem it reads.
			rec.CreatedAt, rec.UpdatedAt = inc.Started, time.Time{}
			if pm != "" && published.After(lastEntry(inc)) {
				rec.UpdatedAt = published
			}
		}
		rec.OwnImpact = a.ownImpact(ctx, cat, r, stored, inc, now)
		out = append(out, rec)
	}
	return out, nil
}

// lastEntry is the time of inc's newest entry; zero without entries.
func lastEntry(inc incident.Incident) time.Time {
	var last time.Time
	for _, e := range inc.Timeline {
		if e.At.After(last) {
			last = e.At
		}
	}
	return last
}

// MaintenanceRecords are the configured and announced windows as the
// status page takes them, each by its public ID (key is the public IDs'
// key).
func MaintenanceRecords(cfg *catalog.Catalog, key []byte) []dashboard.MaintenanceWindow {
	out := make([]dashboard.MaintenanceWindow, 0, len(cfg.Maintenance))
	for _, m := range cfg.Maintenance {
		var us []dashboard.TimelineEntry
		for _, u := range m.Updates {
			us = append(us, dashboard.TimelineEntry{At: u.At, Status: u.Status, Body: u.Body})
		}
		out = append(out, dashboard.MaintenanceWindow{ID: access.MaintenancePublicID(key, m.ID), Services: m.Services, Title: m.Title,
			Start: m.Start, End: m.End, Announced: m.Announced, Description: m.Description, Updates: us})
	}
	return out
}

// PublicIDKeyName is the store secret that public incident and
// maintenance IDs are derived with (access.PublicID). It is made on first
// use and never rotated: rotating it would change every public URL.
const PublicIDKeyName = "public-ids"

// IncidentPublicID is the ID readers see for incident id (see
// access.PublicID): what the demo, the command line and tests link to.
func IncidentPublicID(ctx context.Context, store SecretStore, id int64) (string, error) {
	key, err := store.Secret(ctx, PublicIDKeyName)
	if err != nil {
		return "", fmt.Errorf("public ID key: %w", err)
	}
	return access.IncidentPublicID(key, id), nil
}

// publicIDKey is the key of public IDs, read once. Called under refreshMu,
// which guards the cached copy.
func (a *Monitor) publicIDKey(ctx context.Context) ([]byte, error) {
	if a.idKey == nil {
		key, err := a.store.Secret(ctx, PublicIDKeyName)
		if err != nil {
			return nil, fmt.Errorf("public ID key: %w", err)
		}
		a.idKey = key
	}
	return a.idKey, nil
}

// publishedPostmortem is the published version of incident id's
// post-mortem as sanitised HTML, with the tenants its text names
// (catalog.NamedTenants) and when it was published. A version never changes once saved, so each is
// read and rendered once, not at every rebuild. Called under refreshMu,
// which guards the cache.
func (a *Monitor) publishedPostmortem(ctx context.Context, cat *catalog.Catalog, id int64, version int) (renderedPostmortem, error) {
	key := [2]int64{id, int64(version)}
	if pm, ok := a.postmortems[key]; ok {
		return pm, nil
	}
	pm, err := a.store.Postmortem(ctx, id)
	if err != nil {
		return renderedPostmortem{}, err
	}
	if pm.Published == nil || pm.Published.Version != version {
		return renderedPostmortem{}, nil // published meanwhile: the next rebuild shows it
	}
	html, err := incident.Render(pm.Published.Markdown)
	if err != nil {
		return renderedPostmortem{}, err
	}
	if a.postmortems == nil {
		a.postmortems = map[[2]int64]renderedPostmortem{}
	}
	r := renderedPostmortem{html: html, named: cat.NamedTenants(pm.Published.Markdown), published: pm.Published.PublishedAt}
	a.postmortems[key] = r
	return r, nil
}

// renderedPostmortem is a published post-mortem, rendered, with the
// tenants its text names and when it was published.
type renderedPostmortem struct {
	html      template.HTML
	named     []string
	published time.Time
}

// BarDays is how many days the status page's bars show.
const BarDays = 90

// refreshBars recounts the daily bars from the evidence (down minutes as
// major outage, degraded as partial) for every set of checks a page shows:
// each public service's shared checks in UTC days, and each tenant's
// services with the checks that measure that tenant, in the days of the
// tenant's zone. The next snapshot shows them.
func (a *Monitor) refreshBars(ctx context.Context, now time.Time) error {
	cat := &a.cfg.Load().Catalog
	type set struct {
		checks []catalog.Check
		zone   *time.Location
	}
	var sets []set
	for _, s := range cat.PublicServices() {
		sets = append(sets, set{cat.ChecksFor(s.ID, ""), time.UTC})
	}
	for _, t := range cat.Tenants {
		for _, s := range cat.TenantServices(t.ID) {
			sets = append(sets, set{cat.ChecksFor(s.ID, t.ID), cat.Zone(t.ID)})
		}
	}
	bars := map[string][]dashboard.DayBar{}
	for _, st := range sets {
		checks := st.checks
		key := barsKey(checks, st.zone)
		if _, done := bars[key]; done {
			continue
		}
		days, err := credit.DailyBars(ctx, a.store, credit.ChecksOf(cat, checks), BarDays, st.zone, now)
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
