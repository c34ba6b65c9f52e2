package access

import (
	"slices"

	"github.com/slatehq/slate/catalog"
)

// Roles a token can carry. Staff roles (all but Viewer) see every tenant;
// a viewer sees one.
const (
	Admin          = "admin"           // everything
	AccountManager = "account_manager" // credits, exclusions, tenants and contracts
	Oncall         = "oncall"          // incidents and maintenance
	Viewer         = "viewer"          // one tenant's pages, read-only
	// Metrics reads /metrics and nothing else: the token a Prometheus
	// server scrapes with. It sees no tenant's pages and no admin route.
	Metrics = "metrics"
	// Link is the role of a signed tenant link: a viewer of one tenant
	// until the link expires. No token carries it.
	Link = "link"
	// Feed reads one tenant's Atom feed, presented in the feed's URL
	// (feed readers cannot send headers), and nothing else: no page, no
	// API, no other tenant.
	Feed = "feed"
	// Agent is the role of a probe agent's token (slate agent): bound to
	// one declared location, it reads that location's check list and
	// sends that location's results at /api/agent, and nothing else: no
	// page, no admin route, no metrics. The location comes from the token,
	// never from what the agent says.
	Agent = "agent"
)

// TokenRoles are the roles a token may be created with, in the order
// help texts list them.
func TokenRoles() []string {
	return []string{Admin, AccountManager, Oncall, Viewer, Metrics, Feed, Agent}
}

// LocationRole reports whether a token of role belongs to one location
// (and must name it): an agent token.
func LocationRole(role string) bool { return role == Agent }

// TenantRole reports whether a token of role belongs to one tenant (and
// must name it): a viewer or a feed token.
func TenantRole(role string) bool { return role == Viewer || role == Feed }

// ReadsFeed reports whether s may read tenant's feed through a feed
// token: a feed token of that tenant.
func (s Scope) ReadsFeed(tenant string) bool { return s.Role == Feed && s.Tenant == tenant }

// ValidRole reports whether a token may carry role.
func ValidRole(role string) bool { return slices.Contains(TokenRoles(), role) }

// Staff reports whether role sees every tenant.
func Staff(role string) bool {
	switch role {
	case Admin, AccountManager, Oncall:
		return true
	}
	return false
}

// The admin API's route classes: the roles besides Admin each admits.

// Readers may read configuration, incidents, maintenance and credits
// (viewers their own tenant's).
func Readers() []string { return []string{AccountManager, Oncall, Viewer} }

// IncidentWriters may open and update incidents, post-mortems and
// maintenance.
func IncidentWriters() []string { return []string{Oncall} }

// CreditWriters may approve, issue and void credits and manage exclusions.
func CreditWriters() []string { return []string{AccountManager} }

// MetricsReaders may read /metrics, whose labels name every tenant and
// contract.
func MetricsReaders() []string { return []string{Metrics} }

// StaffReaders may read what only staff reads (exclusions).
func StaffReaders() []string { return []string{AccountManager, Oncall} }

// Permits reports whether role may call a route open to allowed. Admin
// may call every route.
func Permits(role string, allowed []string) bool {
	return role == Admin || slices.Contains(allowed, role)
}

// Scope is what one principal may see: every tenant (staff) or one (a
// viewer or a link).
type Scope struct {
	Role   string
	Tenant string // the only tenant a viewer or a link sees; "" for staff
}

// AllTenants reports whether the scope covers every tenant.
func (s Scope) AllTenants() bool { return Staff(s.Role) }

// SeesTenant reports whether the scope covers tenant's data and pages.
func (s Scope) SeesTenant(tenant string) bool {
	return Staff(s.Role) || ((s.Role == Viewer || s.Role == Link) && s.Tenant == tenant)
}

// SeesIncident reports whether the scope may see an incident affecting the
// affected tenants: staff always, a viewer when it affects its tenant.
func (s Scope) SeesIncident(affected []string) bool {
	return s.AllTenants() || slices.Contains(affected, s.Tenant)
}

// IncidentTenants are the affected tenants as the scope may learn them: a
// viewer never learns which other tenants an incident affects.
func (s Scope) IncidentTenants(affected []string) []string {
	if s.AllTenants() {
		return affected
	}
	return []string{s.Tenant}
}

// Reader is the scope as a reader of incidents (catalog.IncidentFor):
// staff read them whole, a viewer or a link as its tenant does.
func (s Scope) Reader() catalog.Reader {
	if s.AllTenants() {
		return catalog.Reader{Staff: true}
	}
	return catalog.TenantReader(s.Tenant)
}

// SeesDrafts reports whether the scope may read unpublished post-mortems:
// drafts are not for customers.
func (s Scope) SeesDrafts() bool { return s.AllTenants() }

// Services are the services of cat the scope may see, or nil for all.
func (s Scope) Services(cat *catalog.Catalog) map[string]bool {
	if s.AllTenants() {
		return nil
	}
	out := map[string]bool{}
	for _, svc := range cat.TenantServices(s.Tenant) {
		out[svc.ID] = true
	}
	return out
}

// VisibleServices keeps of services those the scope may see.
func (s Scope) VisibleServices(cat *catalog.Catalog, services []string) []string {
	vis := s.Services(cat)
	if vis == nil {
		return services
	}
	return slices.DeleteFunc(slices.Clone(services), func(id string) bool { return !vis[id] })
}

// CreditTenant is the tenant filter a ledger read in the scope uses for a
// requested tenant ("" for any): a viewer reads its own tenant only, and
// asking for another is refused (ok false), as is any read by a scope that
// sees no tenant (a metrics token).
func (s Scope) CreditTenant(requested string) (tenant string, ok bool) {
	if s.AllTenants() {
		return requested, true
	}
	if s.Tenant == "" || requested != "" && requested != s.Tenant {
		return "", false
	}
	return s.Tenant, true
}
