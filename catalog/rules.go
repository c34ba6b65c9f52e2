package catalog

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/sla"
)

// PublicServices are the services shown on the public status page.
func (c *Catalog) PublicServices() []Service {
	var out []Service
	for _, s := range c.Services {
		if s.Public {
			out = append(out, s)
		}
	}
	return out
}

// TenantServices are the services tenant may see: those of its contracts,
// public or not, in configuration order. A tenant's page shows these and
// nothing else.
func (c *Catalog) TenantServices(tenant string) []Service {
	want := map[string]bool{}
	for _, k := range c.Contracts {
		if k.Tenant == tenant {
			for _, s := range k.Services {
				want[s] = true
			}
		}
	}
	var out []Service
	for _, s := range c.Services {
		if want[s.ID] {
			out = append(out, s)
		}
	}
	return out
}

// ServiceChecks are every check of service, shared or a tenant's own.
func (c *Catalog) ServiceChecks(service string) []Check {
	var out []Check
	for _, ch := range c.Checks {
		if ch.Service == service {
			out = append(out, ch)
		}
	}
	return out
}

// ChecksFor are the checks of service that measure tenant: the shared ones
// and the tenant's own, never another tenant's. For tenant "" (the public
// page) they are the shared ones only.
func (c *Catalog) ChecksFor(service, tenant string) []Check {
	var out []Check
	for _, ch := range c.Checks {
		if ch.Service == service && SeesCheckOf(tenant, ch.Tenant) {
			out = append(out, ch)
		}
	}
	return out
}

// SeesCheckOf reports whether a reader of audience (a tenant's ID, or ""
// for the public) may see what a check measuring tenant ("" for a shared
// check) showed: the public sees shared checks only, a tenant the shared
// checks and its own, never another tenant's.
func SeesCheckOf(audience, tenant string) bool { return tenant == "" || tenant == audience }

// ContractChecks are the checks that count for contract k: the checks of
// its services that measure its tenant or everyone, in configuration order.
// A minute of the contract is down when any of them is down.
func (c *Catalog) ContractChecks(k Contract) []Check {
	var out []Check
	for _, ch := range c.Checks {
		if (ch.Tenant == "" || ch.Tenant == k.Tenant) && k.Covers(ch.Service) {
			out = append(out, ch)
		}
	}
	return out
}

// ExcludedMaintenance is the maintenance contract k may exclude from its
// SLA time: windows on any of its services announced at least its
// MaintenanceNotice before they began. Whether they are excluded is the
// policy's choice (sla.Policy's maintenance setting); the engine clips
// them to the period it computes.
func (c *Catalog) ExcludedMaintenance(k Contract) []sla.Interval {
	var out []sla.Interval
	for _, m := range c.Maintenance {
		if k.Affected(m) && k.NoticeMet(m) {
			out = append(out, sla.Interval{Start: m.Start, End: m.End})
		}
	}
	return out
}

// Affected reports whether window m is on any of contract k's services.
func (k Contract) Affected(m Maintenance) bool { return slices.ContainsFunc(m.Services, k.Covers) }

// NoticeMet reports whether window m was announced at least k's
// MaintenanceNotice before it began, so that k may exclude it.
func (k Contract) NoticeMet(m Maintenance) bool {
	return !m.Announced.After(m.Start.Add(-k.MaintenanceNotice))
}

// MaintenanceEffect is what window m does to contract k's SLA time, with
// the reason in words: whether the window is excluded (the notice was
// met and k's policy excludes maintenance), and whether the notice alone
// was met. It is the rule ExcludedMaintenance and the engine apply,
// asked before a window is announced.
func (k Contract) MaintenanceEffect(m Maintenance) (excluded, noticeMet bool, reason string) {
	noticeMet = k.NoticeMet(m)
	given := "announced " + DurationWords(m.Start.Sub(m.Announced)) + " ahead"
	if m.Announced.After(m.Start) {
		given = "announced after its start"
	}
	switch {
	case !noticeMet:
		return false, false, fmt.Sprintf("%s; the contract asks for %s: the window counts as downtime", given, DurationWords(k.MaintenanceNotice))
	case k.Policy.Maintenance == sla.MaintenanceCounted:
		return false, true, "notice met, but the contract counts maintenance as SLA time"
	}
	return true, true, fmt.Sprintf("%s; the contract asks for %s", given, DurationWords(k.MaintenanceNotice))
}

// DurationWords is a notice period in hours and minutes ("72h", "3h30m"),
// as the console and the reasons of MaintenanceEffect write it.
func DurationWords(d time.Duration) string {
	h, m := d/time.Hour, d%time.Hour/time.Minute
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", m)
}

// InMaintenance reports whether an announced window covers service at t.
// Detection is silent there: it neither opens nor resolves incidents.
func (c *Catalog) InMaintenance(service string, t time.Time) bool {
	for _, m := range c.Maintenance {
		if !t.Before(m.Start) && t.Before(m.End) && slices.Contains(m.Services, service) {
			return true
		}
	}
	return false
}

// ServiceTenants are the tenants with a contract on service, sorted.
func (c *Catalog) ServiceTenants(service string) []string {
	var out []string
	for _, k := range c.Contracts {
		if k.Covers(service) && !slices.Contains(out, k.Tenant) {
			out = append(out, k.Tenant)
		}
	}
	slices.Sort(out)
	return out
}

// IncidentTenants are the tenants an outage of service affects, given the
// tenants of the checks failing in it ("" for a shared check): a tenant's
// own check failing affects that tenant alone, a shared check failing
// affects every tenant with a contract on the service. Sorted, each once.
func (c *Catalog) IncidentTenants(service string, failing []string) []string {
	var out []string
	for _, t := range failing {
		if t != "" {
			out = append(out, t)
			continue
		}
		for _, k := range c.Contracts {
			if k.Covers(service) {
				out = append(out, k.Tenant)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TenantOnly reports whether an incident of service that affects the
// affected tenants concerns only some of the tenants with a contract on
// it: an outage of one tenant's endpoint, seen by that tenant's own
// checks. Such an incident shows on those tenants' pages, never on the
// public one, whose readers it does not concern and whose timeline would
// name the tenant's checks. An incident that names no tenant is not
// tenant-only.
func (c *Catalog) TenantOnly(service string, affected []string) bool {
	if len(affected) == 0 {
		return false
	}
	for _, t := range c.ServiceTenants(service) {
		if !slices.Contains(affected, t) {
			return true
		}
	}
	return false
}

// OnPublicPage reports whether an incident of service affecting the
// affected tenants shows on the public status page: the service is public
// and the incident is not tenant-only.
func (c *Catalog) OnPublicPage(service string, affected []string) bool {
	s, ok := c.Service(service)
	return ok && s.Public && !c.TenantOnly(service, affected)
}

// TenantSeesIncident reports whether tenant's page shows an incident that
// affects the affected tenants: only the incidents that affect it.
func TenantSeesIncident(tenant string, affected []string) bool {
	return slices.Contains(affected, tenant)
}

// ErrPeriodName is returned by PeriodNamed for a name it cannot read.
var ErrPeriodName = errors.New("not a month like 2026-10, a quarter like 2026-Q3, or current")

// PeriodNamed is the period of k in loc that name selects: a month
// ("2026-10"), a quarter ("2026-Q3") or "current", the one holding now. A
// month named for a quarterly contract selects the quarter that holds it;
// a quarter named for a monthly contract is refused.
func (k Contract) PeriodNamed(name string, loc *time.Location, now time.Time) (sla.Period, error) {
	var at time.Time
	switch {
	case name == "current":
		at = now.In(loc)
	case strings.Contains(name, "-Q"):
		var y, q int
		if _, err := fmt.Sscanf(name, "%4d-Q%1d", &y, &q); err != nil || len(name) != 7 || q < 1 || q > 4 {
			return sla.Period{}, fmt.Errorf("%q is %w", name, ErrPeriodName)
		}
		if !k.Quarterly() {
			return sla.Period{}, fmt.Errorf("%s is a quarter, but contracts billed monthly need a month", name)
		}
		return sla.Quarter(y, q, loc), nil
	default:
		t, err := time.ParseInLocation("2006-01", name, loc)
		if err != nil || len(name) != 7 {
			return sla.Period{}, fmt.Errorf("%q is %w", name, ErrPeriodName)
		}
		at = t
	}
	return k.PeriodAt(at, loc), nil
}

// PeriodAt is the period of k in loc that holds t.
func (k Contract) PeriodAt(t time.Time, loc *time.Location) sla.Period {
	if k.Quarterly() {
		return sla.QuarterContaining(t, loc)
	}
	return sla.MonthContaining(t, loc)
}
