package credit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// ChecksOf are catalogue checks of cat in this package's terms, each with
// the locations its minutes are judged against (catalog.CheckLocations).
func ChecksOf(cat *catalog.Catalog, cs []catalog.Check) []Check {
	out := make([]Check, 0, len(cs))
	for _, c := range cs {
		out = append(out, Check{ID: c.ID, Service: c.Service, Locations: cat.CheckLocations(c), Confirmation: c.Confirmation})
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

// ImpactHistory is what Impact and PeriodShares read: the evidence and
// the stored incidents. db.DB satisfies it.
type ImpactHistory interface {
	History
	IncidentLister
}

// Impact is, per contract on the incident's service of the tenants it
// affects (all contracts on it when tenants is empty), the incident's part
// of the credit of the period it started in, as of now: its share of the
// period's credit among the period's incidents (Attribute), so that the
// parts of a period's incidents add up to the ledger's amount. Each
// tenant's rows are its own (its incident page shows them), staff read
// them all, and a post-mortem publishes only their total
// (incident.TotalImpact). A contract whose figures cannot be computed is
// left out.
func Impact(ctx context.Context, h ImpactHistory, cat *catalog.Catalog, inc incident.Incident, tenants []string, now time.Time) []incident.TenantImpact {
	var out []incident.TenantImpact
	for _, s := range Schedules(cat) {
		c := s.Contract
		k, _ := cat.Contract(c.ID)
		if len(tenants) > 0 && !slices.Contains(tenants, c.Tenant) || !k.Covers(inc.Service) {
			continue
		}
		st, others, err := periodIncidents(ctx, h, cat, k, s.PeriodAt(inc.Started), now) // the period so far, or all of it once ended
		if err != nil {
			continue
		}
		spans := spansOf(others, now)
		key := targetKey
		for i, o := range others {
			if o.Service == inc.Service && o.Started.UnixMilli() == inc.Started.UnixMilli() {
				key = spans[i].Key
			}
		}
		if key == targetKey {
			spans = append(spans, Span{Key: targetKey, Service: inc.Service, Interval: span(inc, now)})
		}
		shares, err := Attribute(st, spans)
		if err != nil {
			continue
		}
		for _, sh := range shares {
			if sh.Key == key {
				out = append(out, incident.TenantImpact{Tenant: c.Tenant, Contract: c.ID, BreachMinutes: sla.FormatTrim(sh.BreachMinutes, 2),
					Exposure: sla.FormatMinor(sh.AmountMinor, c.Fee.Currency), Currency: c.Fee.Currency})
			}
		}
	}
	return out
}

// targetKey names, in Impact, an incident the store does not hold (yet).
const targetKey = "this"

// IncidentShare is one incident's part of a period's credit.
type IncidentShare struct {
	Incident store.Incident
	Share
}

// PeriodShares splits contract k's credit for period among the incidents
// that affect its tenant on its services (Attribute), as of now; it
// returns the statement, the unattributed part and the incidents' parts
// in time order.
func PeriodShares(ctx context.Context, h ImpactHistory, cat *catalog.Catalog, k catalog.Contract, period sla.Period, now time.Time) (Statement, Share, []IncidentShare, error) {
	st, incs, err := periodIncidents(ctx, h, cat, k, period, now)
	if err != nil {
		return st, Share{}, nil, err
	}
	shares, err := Attribute(st, spansOf(incs, now))
	if err != nil {
		return st, Share{}, nil, err
	}
	byKey := make(map[string]store.Incident, len(incs))
	for _, inc := range incs {
		byKey[strconv.FormatInt(inc.ID, 10)] = inc
	}
	out := make([]IncidentShare, 0, len(incs))
	for _, sh := range shares[1:] {
		out = append(out, IncidentShare{Incident: byKey[sh.Key], Share: sh})
	}
	return st, shares[0], out, nil
}

// periodIncidents computes k's statement for period as of now and lists
// the stored incidents that overlap it on k's services and affect k's
// tenant.
func periodIncidents(ctx context.Context, h ImpactHistory, cat *catalog.Catalog, k catalog.Contract, period sla.Period, now time.Time) (Statement, []store.Incident, error) {
	st, err := Compute(ctx, h, ContractOf(cat, k), period, now)
	if err != nil {
		return st, nil, err
	}
	out, err := ContractIncidents(ctx, h, k, period.Start, period.End)
	return st, out, err
}

// IncidentLister is what ContractIncidents reads.
type IncidentLister interface {
	Incidents(ctx context.Context, f store.IncidentFilter) ([]store.Incident, error)
}

// ContractIncidents are the stored incidents that affected k's tenant on
// any of k's services (as theirs or among their others) and overlap
// [start, end), newest first. It asks for the tenant's incidents once
// rather than once per service: an incident on two of k's services would
// come back from each service's query and be counted twice.
func ContractIncidents(ctx context.Context, h IncidentLister, k catalog.Contract, start, end time.Time) ([]store.Incident, error) {
	incs, err := h.Incidents(ctx, store.IncidentFilter{Tenant: k.Tenant, Since: start})
	if err != nil {
		return nil, fmt.Errorf("incidents of %s: %w", k.ID, err)
	}
	return slices.DeleteFunc(incs, func(inc store.Incident) bool {
		return !inc.Started.Before(end) || !slices.ContainsFunc(inc.Services(), k.Covers)
	}), nil
}

// spansOf are incs as spans keyed by their IDs, on their services; an
// open incident runs to now.
func spansOf(incs []store.Incident, now time.Time) []Span {
	out := make([]Span, len(incs))
	for i, inc := range incs {
		out[i] = Span{Key: strconv.FormatInt(inc.ID, 10), Service: inc.Service, Interval: span(inc.Incident, now)}
	}
	return out
}

func span(inc incident.Incident, now time.Time) sla.Interval {
	end := inc.Ended
	if end.IsZero() {
		end = now
	}
	return sla.Interval{Start: inc.Started, End: end}
}
