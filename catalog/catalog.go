package catalog

import (
	"math/big"
	"slices"
	"time"

	"github.com/slatehq/slate/sla"
)

// Catalog is what slate watches and what was promised: the domain part of
// a configuration. Slices keep the configuration's order, which pages and
// lists show.
type Catalog struct {
	// Locations are the places probes run from: the server's own
	// collector and remote agents. A check's minutes are judged against
	// its locations (CheckLocations), so a declared location that stays
	// silent leaves minutes unknown instead of shrinking the evidence.
	Locations   []Location
	Tenants     []Tenant
	Services    []Service
	Checks      []Check
	Contracts   []Contract
	Maintenance []Maintenance
	// MaintenanceMax is the longest window people may announce at run
	// time (the admin API, slate maintenance) unless an admin overrides
	// it: a window silences detection for its services, and a window
	// without end would silence it for good. 0 means no maximum.
	MaintenanceMax time.Duration
}

// Tenant is a customer.
type Tenant struct {
	ID       string
	Name     string         // display name; default the ID
	TimeZone string         // IANA name; default "UTC"
	Location *time.Location // TimeZone, loaded; periods close at midnight here
	// BillingRef is the customer's reference in the provider's billing
	// ("CUST-0042"), on statements and in the billing export; "" for none.
	BillingRef string
	// BillingContacts are the addresses the monthly statement is e-mailed
	// to once its credits are issued.
	BillingContacts []string
}

// Service is what customers buy.
type Service struct {
	ID     string
	Name   string // display name; default the ID
	Group  string // status-page group; "" for none
	Public bool   // shown on the public status page
}

// Check is a probe as the rules see it: what it measures, for whom, from
// where, and when its failures become downtime. The probe's own settings
// (target, interval, kind) are the collector's.
type Check struct {
	ID      string
	Service string // the service it measures
	// Tenant is the tenant whose own endpoint the check measures; "" for a
	// shared check, which measures every tenant of the service.
	Tenant string
	// Locations are the IDs of the locations that run it; empty means
	// every declared location (CheckLocations).
	Locations    []string
	Confirmation sla.Confirmation
	// Interval is how often the check runs at each of its locations: how
	// long a location may be silent about it, and how many runs a period
	// should hold. It is kept here because a running slate keeps the
	// catalogue but not the checks' probe definitions.
	Interval time.Duration
}

// Contract is what a tenant was promised for some services.
type Contract struct {
	ID string
	// Name is the contract's display name, as customers know it ("Mail
	// Business SLA"); default the services' names and " SLA".
	Name      string
	Tenant    string
	Services  []string
	Policy    sla.Policy
	Fee       sla.Money // the fee for one period
	Period    string    // PeriodMonth (default) or PeriodQuarter, in the tenant's time zone
	AutoIssue bool      // issue credits at period close without approval
	// CoverageThreshold is the percentage of the period with evidence below
	// which the period is flagged instead of counting missing minutes as up.
	CoverageThreshold *big.Rat
	// CloseGrace is how long after the period's end the close waits for
	// late evidence.
	CloseGrace time.Duration
	// MaintenanceNotice is how long before a maintenance window it must
	// have been announced to be excluded.
	MaintenanceNotice time.Duration
}

// Contract periods.
const (
	PeriodMonth   = "month"
	PeriodQuarter = "quarter"
)

// Quarterly reports whether the contract is billed by quarter.
func (c Contract) Quarterly() bool { return c.Period == PeriodQuarter }

// Covers reports whether the contract names service.
func (c Contract) Covers(service string) bool { return slices.Contains(c.Services, service) }

// Maintenance is announced work on some services. It is excluded from a
// contract's SLA time only when the contract's policy excludes maintenance
// and the window was announced at least the contract's MaintenanceNotice
// before it started.
type Maintenance struct {
	ID       string
	Services []string
	Title    string
	// Description says what will happen and what customers notice; ""
	// for none.
	Description string
	Start, End  time.Time // [Start, End)
	Announced   time.Time
	// Updates are what people posted while the window was planned or
	// ran, oldest first (windows announced at run time only).
	Updates []MaintenanceUpdate
}

// MaintenanceUpdate is a person's update on a maintenance window, as
// readers see it: the state it speaks for (scheduled, in_progress,
// completed), the words, and when.
type MaintenanceUpdate struct {
	Status string
	Body   string
	At     time.Time
}

// Tenant is the tenant with id.
func (c *Catalog) Tenant(id string) (Tenant, bool) {
	for _, t := range c.Tenants {
		if t.ID == id {
			return t, true
		}
	}
	return Tenant{}, false
}

// Zone is the time zone tenant's periods are counted in: its own, or UTC
// for a tenant the catalogue does not know.
func (c *Catalog) Zone(tenant string) *time.Location {
	if t, ok := c.Tenant(tenant); ok && t.Location != nil {
		return t.Location
	}
	return time.UTC
}

// Service is the service with id.
func (c *Catalog) Service(id string) (Service, bool) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// Contract is the contract with id.
func (c *Catalog) Contract(id string) (Contract, bool) {
	for _, k := range c.Contracts {
		if k.ID == id {
			return k, true
		}
	}
	return Contract{}, false
}

// HasTenant, HasService and HasContract report whether the catalogue
// knows the identifier.
func (c *Catalog) HasTenant(id string) bool   { _, ok := c.Tenant(id); return ok }
func (c *Catalog) HasService(id string) bool  { _, ok := c.Service(id); return ok }
func (c *Catalog) HasContract(id string) bool { _, ok := c.Contract(id); return ok }

// TenantContracts are tenant's contracts, in configuration order.
func (c *Catalog) TenantContracts(tenant string) []Contract {
	var out []Contract
	for _, k := range c.Contracts {
		if k.Tenant == tenant {
			out = append(out, k)
		}
	}
	return out
}

// WithMaintenance is the catalogue with extra maintenance windows (those
// announced at run time) after its own. The receiver is not changed.
func (c *Catalog) WithMaintenance(extra []Maintenance) *Catalog {
	out := *c
	out.Maintenance = append(slices.Clip(c.Maintenance), extra...)
	return &out
}
