package catalog

import (
	"slices"

	"github.com/slatehq/slate/incident"
)

// Reader is who reads an incident: staff (every check and tenant), one
// tenant (Tenant), or the public (neither).
type Reader struct {
	Staff  bool
	Tenant string // the tenant reading; "" for the public (and staff)
}

// PublicReader is the reader of the public status page, its API and feed.
func PublicReader() Reader { return Reader{} }

// TenantReader is tenant's reader: its page, API, feed and viewers.
func TenantReader(tenant string) Reader { return Reader{Tenant: tenant} }

// SeesCheckOf reports whether r may read what a check measuring tenant
// ("" for a shared check) showed.
func (r Reader) SeesCheckOf(tenant string) bool { return r.Staff || SeesCheckOf(r.Tenant, tenant) }

// IncidentFor is inc, an incident affecting the tenants affected, as r may
// read it; the tenants r may learn it affects; and whether r sees it.
//
//   - Staff read it whole.
//   - An incident whose entries record their causes is r's view of it
//     (incident.View): the part the checks r may read showed. The public
//     reads incidents of public services only.
//   - An incident people opened is seen, from its start, by the tenants
//     it affects and, on the public page, by the public (OnPublicPage);
//     detection's entries in it are filtered as in a view.
//   - An incident whose entries record no cause (stored before causes
//     were) is seen whole by the same readers.
//
// A tenant learns only that an incident affects it; the public learns no
// tenant.
func (c *Catalog) IncidentFor(r Reader, inc incident.Incident, affected []string) (incident.Incident, []string, bool) {
	if r.Staff {
		return inc, affected, true
	}
	if r.Tenant != "" && !slices.Contains(c.ServiceTenants(inc.Service), r.Tenant) {
		return incident.Incident{}, nil, false // not a service of its contracts
	}
	var mine []string
	if r.Tenant != "" {
		mine = []string{r.Tenant}
	}
	caused := incident.Caused(inc)
	if !caused || incident.OpenedByPeople(inc) {
		seen := c.OnPublicPage(inc.Service, affected)
		if r.Tenant != "" {
			seen = TenantSeesIncident(r.Tenant, affected)
		}
		if !seen {
			return incident.Incident{}, nil, false
		}
		if !caused {
			return inc, mine, true
		}
	}
	v, ok := incident.View(inc, r.SeesCheckOf)
	if !ok {
		return incident.Incident{}, nil, false
	}
	if r.Tenant == "" {
		if s, known := c.Service(inc.Service); !known || !s.Public {
			return incident.Incident{}, nil, false
		}
	}
	return v, mine, true
}
