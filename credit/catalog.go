package credit

import (
	"context"
	"slices"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
)

// ChecksOf are catalogue checks of cat in this package's terms, each with
// the locations its minutes are judged against (catalog.CheckLocations).
func ChecksOf(cat *catalog.Catalog, cs []catalog.Check) []Check {
	out := make([]Check, 0, len(cs))
	for _, c := range cs {
		out = append(out, Check{ID: c.ID, Locations: cat.CheckLocations(c), Confirmation: c.Confirmation})
	}
	return out
}

// ContractOf is contract k of cat in this package's terms: the checks that
// count for it and the maintenance it may exclude, as the catalogue says.
func ContractOf(cat *catalog.Catalog, k catalog.Contract) Contract {
	out := Contract{ID: k.ID, Tenant: k.Tenant, Policy: k.Policy, Fee: k.Fee, CoverageThreshold: k.CoverageThreshold,
		Maintenance: cat.ExcludedMaintenance(k)}
	if checks := cat.ContractChecks(k); len(checks) > 0 {
		out.Checks = ChecksOf(cat, checks)
	}
	return out
}

// Schedules are cat's contracts as the period close and the SLA gauges
// take them, in the tenants' zones.
func Schedules(cat *catalog.Catalog) []Schedule {
	out := make([]Schedule, len(cat.Contracts))
	for i, k := range cat.Contracts {
		out[i] = Schedule{
			Contract:  ContractOf(cat, k),
			Quarterly: k.Quarterly(),
			Location:  cat.Zone(k.Tenant),
			AutoIssue: k.AutoIssue,
			Grace:     k.CloseGrace,
		}
	}
	return out
}

// Impact is, per contract on the incident's service of the tenants it
// affects (all contracts on it when tenants is empty), the breach minutes
// the incident accounts for and the credit it moves in the period it
// started in, as of now: each tenant's rows are its own (its incident page
// shows them), staff read them all, and a post-mortem publishes only
// their total (incident.TotalImpact). A contract whose figures cannot be
// computed is left out.
func Impact(ctx context.Context, h History, cat *catalog.Catalog, inc incident.Incident, tenants []string, now time.Time) []incident.TenantImpact {
	end := inc.Ended
	if end.IsZero() {
		end = now
	}
	var out []incident.TenantImpact
	for _, s := range Schedules(cat) {
		c := s.Contract
		k, _ := cat.Contract(c.ID)
		if len(tenants) > 0 && !slices.Contains(tenants, c.Tenant) || !k.Covers(inc.Service) {
			continue
		}
		st, err := Compute(ctx, h, c, s.PeriodAt(inc.Started), now) // the period so far, or all of it once ended
		if err != nil {
			continue
		}
		breach, amount, err := Exposure(st, sla.Interval{Start: inc.Started, End: end})
		if err != nil {
			continue
		}
		out = append(out, incident.TenantImpact{Tenant: c.Tenant, Contract: c.ID, BreachMinutes: sla.FormatTrim(breach, 2),
			Exposure: sla.FormatFixed(amount, sla.MinorUnits(c.Fee.Currency)), Currency: c.Fee.Currency})
	}
	return out
}
