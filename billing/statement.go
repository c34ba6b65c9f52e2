package billing

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/statement"
	"github.com/slatehq/slate/store"
)

// Store is what the statement builder reads: the ledger, the audit of its
// entries, incidents, manual exclusions and the evidence (for coverage by
// location).
type Store interface {
	credit.History
	Credits(ctx context.Context, f store.CreditFilter) ([]store.Credit, error)
	AuditOf(ctx context.Context, subject string) ([]store.AuditEntry, error)
	Incidents(ctx context.Context, f store.IncidentFilter) ([]store.Incident, error)
	ListExclusions(ctx context.Context, contract string) ([]store.Exclusion, error)
}

// Terms is how issued credits reach customers.
type Terms struct {
	Apply    statement.ApplyHow // default invoice
	ApplyDay int                // day of the month after issue; default 1
}

// ApplyDate is when a credit issued at issued is applied: ApplyDay of the
// following month in loc.
func (t Terms) ApplyDate(issued time.Time, loc *time.Location) time.Time {
	day := t.ApplyDay
	if day <= 0 {
		day = 1
	}
	i := issued.In(loc)
	return time.Date(i.Year(), i.Month()+1, day, 0, 0, 0, 0, loc)
}

// Builder builds tenants' statements from the ledger.
type Builder struct {
	Store    Store
	Catalog  *catalog.Catalog // with stored maintenance merged in (monitor.WithStoredMaintenance)
	Provider statement.Provider
	Terms    Terms
	// Intervals are the checks' probe intervals by check ID, for the
	// method paragraph; a check missing here counts as every minute.
	Intervals map[string]time.Duration
	// PageURL is where readers reach the status pages, for incident
	// links; "" for none.
	PageURL string
}

// ErrNoStatement is a tenant and period with no ledger entry to state.
var ErrNoStatement = errors.New("no credit has been recorded for that period")

// Statement builds tenant's statement for period ("" for the latest period
// with an entry), dated now. Entries that were voided are left out.
func (b *Builder) Statement(ctx context.Context, tenant, period string, now time.Time) (statement.Statement, error) {
	t, ok := b.Catalog.Tenant(tenant)
	if !ok {
		return statement.Statement{}, fmt.Errorf("tenant %q: not in the configuration", tenant)
	}
	entries, err := b.Store.Credits(ctx, store.CreditFilter{Tenant: tenant, Period: period})
	if err != nil {
		return statement.Statement{}, err
	}
	entries = slices.DeleteFunc(entries, func(c store.Credit) bool { return c.State == store.CreditVoided })
	if period == "" {
		period = LatestPeriod(entries)
		entries = slices.DeleteFunc(entries, func(c store.Credit) bool { return c.Period != period })
	}
	if len(entries) == 0 {
		return statement.Statement{}, fmt.Errorf("tenant %s, period %q: %w", tenant, period, ErrNoStatement)
	}
	s := statement.Statement{
		Provider: b.Provider,
		Tenant:   statement.Tenant{ID: t.ID, Name: t.Name, BillingRef: t.BillingRef, Location: t.Location},
		Period:   statement.Period{Name: period, Start: entries[0].PeriodStart, End: entries[0].PeriodEnd},
		Issued:   now,
	}
	byID := map[int64]store.Credit{}
	var contracts []catalog.Contract
	var lastIssued time.Time
	for _, e := range entries {
		byID[e.ID] = e
		if e.State == store.CreditIssued && e.UpdatedAt.After(lastIssued) {
			lastIssued = e.UpdatedAt
		}
	}
	for _, e := range entries {
		k, ok := b.Catalog.Contract(e.Contract)
		if !ok {
			return statement.Statement{}, fmt.Errorf("ledger entry %d: contract %q is no longer in the configuration", e.ID, e.Contract)
		}
		switch e.Kind {
		case store.KindCredit:
			c, err := b.contract(ctx, k, e, t.Location)
			if err != nil {
				return statement.Statement{}, err
			}
			s.Contracts = append(s.Contracts, c)
			contracts = append(contracts, k)
		case store.KindAdjustment:
			s.Revision++
			s.Adjustments = append(s.Adjustments, b.adjustment(k, e, s, t.Location))
		}
	}
	if s.Revision > 0 {
		s.Revision++ // one statement before the first adjustment
	}
	s.Method = b.method(contracts)
	if lastIssued.IsZero() {
		lastIssued = now
	}
	s.Application = statement.Application{How: cmpOr(b.Terms.Apply, statement.ApplyInvoice), Date: b.Terms.ApplyDate(lastIssued, t.Location)}
	return s, nil
}

// LatestPeriod is the period of the entry whose period started last.
func LatestPeriod(cs []store.Credit) string {
	var p string
	var start time.Time
	for _, c := range cs {
		if c.PeriodStart.After(start) {
			p, start = c.Period, c.PeriodStart
		}
	}
	return p
}

// contract maps a credit entry and its contract.
func (b *Builder) contract(ctx context.Context, k catalog.Contract, e store.Credit, loc *time.Location) (statement.Contract, error) {
	c := statement.Contract{
		Name:            k.Name,
		Services:        b.serviceNames(k.Services),
		Target:          sla.FormatTrim(k.Policy.Target, 4),
		Uptime:          e.UptimePercent,
		TargetMet:       targetMet(e.UptimeExact, k.Policy.Target),
		DowntimeMinutes: e.BreachMinutes,
		Coverage:        e.CoveragePercent,
		Credit:          b.credit(k, e, loc),
		Amount:          statement.Money{Minor: e.AmountMinor, Currency: e.Currency},
		Pending:         e.State != store.CreditIssued,
	}
	p := sla.Period{Start: e.PeriodStart, End: e.PeriodEnd, Location: loc}
	if st, err := credit.Compute(ctx, b.Store, credit.ContractOf(b.Catalog, k), p, p.End); err == nil {
		for _, l := range st.Locations {
			c.CoverageByLocation = append(c.CoverageByLocation, statement.LocationCoverage{
				Location: b.locationName(l.Location), Coverage: sla.FormatFixed(l.Percent(), 4)})
		}
	}
	var err error
	if c.Incidents, err = b.incidents(ctx, k, e); err != nil {
		return c, err
	}
	if c.Exclusions, err = b.exclusions(ctx, k, e); err != nil {
		return c, err
	}
	return c, nil
}

// adjustment maps an adjustment entry: the statement it corrects is the
// revision before it.
func (b *Builder) adjustment(k catalog.Contract, e store.Credit, s statement.Statement, loc *time.Location) statement.Adjustment {
	// s.Revision counts this adjustment already: the k-th adjustment
	// corrects revision k (the first statement has no suffix).
	before := s
	return statement.Adjustment{
		Contract:        k.Name,
		Period:          s.Period,
		Adjusts:         before.Number(),
		Reason:          "The evidence for the period changed after this credit was stated: late results from a monitoring location or a corrected exclusion.",
		Uptime:          e.UptimePercent,
		DowntimeMinutes: e.BreachMinutes,
		Credit:          b.credit(k, e, loc),
		Amount:          statement.Money{Minor: e.AmountMinor, Currency: e.Currency},
		Recorded:        e.CreatedAt,
		Pending:         e.State != store.CreditIssued,
	}
}

// credit states an entry's credit the way its contract does. Entries
// recorded before the ledger kept a days credit's days get them from the
// policy and the exact uptime, as the close computed them.
func (b *Builder) credit(k catalog.Contract, e store.Credit, loc *time.Location) statement.Credit {
	p := k.Policy.WithDefaults()
	fee := new(big.Rat).Set(k.Fee.Amount)
	fee.Mul(fee, big.NewRat(int64(pow10(sla.MinorUnits(k.Fee.Currency))), 1))
	c := statement.Credit{Percent: e.CreditPercent, Fee: statement.Money{Minor: roundRat(fee), Currency: k.Fee.Currency}}
	uptime, _ := new(big.Rat).SetString(e.UptimeExact)
	days := periodDays(e.PeriodStart, e.PeriodEnd, loc)
	switch p.CreditUnit {
	case sla.CreditDays:
		c.Unit, c.Days = statement.UnitDays, e.CreditDays
		if c.Days == "" && uptime != nil {
			if d := sla.CreditFor(p, uptime, days).Days; d != nil {
				c.Days = sla.FormatTrim(d, 4)
			}
		}
	case sla.CreditProportional:
		c.Unit, c.Multiplier = statement.UnitProportional, e.CreditMultiplier
		if c.Multiplier == "" {
			c.Multiplier = sla.FormatTrim(p.Multiplier, 4)
		}
	default:
		c.Unit = statement.UnitPercent
	}
	if p.Cap != nil && uptime != nil {
		uncapped := p
		uncapped.Cap = nil
		c.Capped = sla.CreditFor(uncapped, uptime, days).Percent.Cmp(sla.CreditFor(p, uptime, days).Percent) != 0
	}
	return c
}

// targetMet compares the exact uptime with the target; an entry without
// an exact figure counts as missed only if its credit is not zero.
func targetMet(exact string, target *big.Rat) bool {
	u, ok := new(big.Rat).SetString(exact)
	return ok && target != nil && u.Cmp(target) >= 0
}

func (b *Builder) serviceNames(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if s, ok := b.Catalog.Service(id); ok {
			out = append(out, s.Name)
		}
	}
	return out
}

func (b *Builder) locationName(id string) string {
	if l, ok := b.Catalog.Location(id); ok && l.Name != "" {
		return l.Name
	}
	return id
}

// incidents are the incidents of the contract's services that affected
// the tenant and overlap the period, by the public title the status page
// gives them.
func (b *Builder) incidents(ctx context.Context, k catalog.Contract, e store.Credit) ([]statement.Incident, error) {
	incs, err := credit.ContractIncidents(ctx, b.Store, k, e.PeriodStart, e.PeriodEnd)
	if err != nil {
		return nil, err
	}
	var out []statement.Incident
	for _, inc := range incs {
		// The line names the incident's own service when the contract
		// covers it, else the first of its others that the contract does.
		services := inc.Services()
		svc := services[slices.IndexFunc(services, k.Covers)]
		name := svc
		if s, ok := b.Catalog.Service(svc); ok {
			name = s.Name
		}
		i := statement.Incident{Title: name + " outage", Service: name, Start: inc.Started}
		if !inc.Ended.IsZero() && inc.Ended.Before(e.PeriodEnd) {
			i.End = inc.Ended
		}
		if b.PageURL != "" && b.Catalog.OnPublicPage(svc, inc.Tenants) {
			i.URL = fmt.Sprintf("%s/incidents/%d", b.PageURL, inc.ID)
		}
		out = append(out, i)
	}
	slices.SortStableFunc(out, func(a, b statement.Incident) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// exclusions are the contract's excluded maintenance windows and agreed
// exclusions in force that overlap the period, with their public reasons.
func (b *Builder) exclusions(ctx context.Context, k catalog.Contract, e store.Credit) ([]statement.Exclusion, error) {
	var out []statement.Exclusion
	excluded := b.Catalog.ExcludedMaintenance(k)
	for _, m := range b.Catalog.Maintenance {
		if !m.Start.Before(e.PeriodEnd) || !m.End.After(e.PeriodStart) {
			continue
		}
		if slices.ContainsFunc(excluded, func(iv sla.Interval) bool { return iv.Start.Equal(m.Start) && iv.End.Equal(m.End) }) &&
			slices.ContainsFunc(m.Services, func(s string) bool { return slices.Contains(k.Services, s) }) {
			out = append(out, statement.Exclusion{Kind: statement.ExclusionMaintenance, Start: m.Start, End: m.End, Reason: m.Title})
		}
	}
	xs, err := b.Store.ListExclusions(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	for _, x := range xs {
		if x.Cancelled || !x.Start.Before(e.PeriodEnd) || !x.End.After(e.PeriodStart) {
			continue
		}
		out = append(out, statement.Exclusion{Kind: statement.ExclusionAgreed, Start: x.Start, End: x.End, Reason: x.Reason})
	}
	slices.SortStableFunc(out, func(a, b statement.Exclusion) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// method describes how the contracts' checks judge a minute: their
// locations by public name, the shortest interval, the most failures a
// location needs in a row and the quorum of the first check that sets one.
func (b *Builder) method(ks []catalog.Contract) statement.Method {
	var m statement.Method
	seen := map[string]bool{}
	for _, k := range ks {
		for _, l := range b.Catalog.ContractLocations(k) {
			name := l.Name
			if name == "" {
				name = l.ID
			}
			if !seen[name] {
				seen[name] = true
				m.Locations = append(m.Locations, name)
			}
		}
		for _, ch := range b.Catalog.ContractChecks(k) {
			iv := b.Intervals[ch.ID]
			if iv <= 0 {
				iv = time.Minute
			}
			if m.Interval == 0 || iv < m.Interval {
				m.Interval = iv
			}
			m.Confirmation = max(m.Confirmation, ch.Confirmation.Failures)
			if m.Quorum == 0 && ch.Confirmation.Quorum > 1 {
				m.Quorum = ch.Confirmation.Quorum
			}
		}
	}
	if len(m.Locations) == 0 {
		m.Locations = []string{"the monitoring server"}
	}
	if m.Interval == 0 {
		m.Interval = time.Minute
	}
	return m
}

func periodDays(start, end time.Time, loc *time.Location) int {
	s := start.In(loc)
	n := 0
	for d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// roundRat rounds r half away from zero to an integer.
func roundRat(r *big.Rat) int64 {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2)).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	return q.Int64()
}

func cmpOr[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}
