package monitor

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/sla"
)

// Tenant pages are built here, from the same inputs as the public page but
// restricted to one tenant: its contracts' services (public or not), the
// incidents and maintenance on them, bars from the checks that measure it,
// its contracts' current figures and its own ledger entries. Nothing of
// another tenant reaches its view, so nothing can leak from it.

// barsKey names the bars of a set of checks counted in days of zone, so
// tenants measured by the same checks in the same zone share one
// computation.
func barsKey(checks []catalog.Check, zone *time.Location) string {
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	return strings.Join(ids, "\x00") + "@" + zone.String()
}

// pageContext is what every tenant's page shares: the public base URL,
// the provider's branding and the billing terms.
type pageContext struct {
	base    string
	brand   dashboard.Brand
	billing config.Billing
}

// tenantViews builds every tenant's page. states are the services' latest
// minutes by "tenant/service"; current the latest SLA figures by contract
// ID; bars the daily bars by barsKey; incs the stored incidents, of which
// a tenant reads its view (catalog.IncidentFor), so an outage of another
// tenant's endpoint on a shared service stays that tenant's.
func (a *Monitor) tenantViews(ctx context.Context, cat *catalog.Catalog, pc pageContext, states map[string]serviceNow,
	bars map[string][]dashboard.DayBar, current map[string]credit.Current, incs []db.Incident,
	key []byte, now time.Time) ([]*dashboard.TenantView, error) {
	all, err := a.store.Credits(ctx, db.CreditFilter{})
	if err != nil {
		return nil, err
	}
	ledger := map[string][]db.Credit{}
	for _, c := range all {
		ledger[c.Tenant] = append(ledger[c.Tenant], c)
	}
	var out []*dashboard.TenantView
	for _, t := range cat.Tenants {
		v := &dashboard.TenantView{ID: t.ID, Name: cmp.Or(t.Name, t.ID), TimeZone: cmp.Or(t.TimeZone, "UTC")}
		url := pc.base + "/status/" + t.ID
		in := dashboard.SnapshotInput{Page: dashboard.Page{ID: "tenant-" + t.ID, Name: v.Name, URL: url, TimeZone: t.Location.String(), Brand: pc.brand},
			Bars: map[string][]dashboard.DayBar{}}
		services := cat.TenantServices(t.ID)
		names := map[string]string{}
		for _, s := range services {
			cur := states[t.ID+"/"+s.ID]
			names[s.ID] = cmp.Or(s.Name, s.ID)
			in.Services = append(in.Services, dashboard.ServiceState{ID: s.ID, Name: s.Name, Group: s.Group, State: cur.State, Partial: cur.Partial, Since: cur.Since})
			if b, ok := bars[barsKey(cat.ChecksFor(s.ID, t.ID), cat.Zone(t.ID))]; ok {
				in.Bars[s.ID] = b
			}
		}
		// BuildSnapshot keeps only the incidents and windows of the
		// services given; incidents are t's views of them.
		if in.Incidents, err = a.incidentRecords(ctx, cat, catalog.TenantReader(t.ID), incs, key, now); err != nil {
			return nil, err
		}
		in.Maintenances = MaintenanceRecords(cat, key)
		v.Status = dashboard.BuildSnapshot(in, now)

		credits := ledger[t.ID]
		for _, c := range cat.TenantContracts(t.ID) {
			v.Contracts = append(v.Contracts, contractView(c, names, cat.ContractLocations(c), current[c.ID], credits))
		}
		for _, c := range credits {
			v.Credits = append(v.Credits, dashboard.CreditLine{ID: c.ID, Contract: c.Contract, Period: c.Period, Kind: c.Kind,
				Amount: c.Currency + " " + sla.FormatMinor(c.AmountMinor, c.Currency), Status: string(c.State),
				Uptime: c.UptimePercent + "%", At: c.UpdatedAt})
		}
		v.Owed = owedWords(credits, pc.billing, t.Location, now)
		// The statement reads newest period first, later entries first.
		slices.SortFunc(v.Credits, func(a, b dashboard.CreditLine) int {
			return cmp.Or(strings.Compare(b.Period, a.Period), cmp.Compare(b.ID, a.ID))
		})
		out = append(out, v)
	}
	return out, nil
}

// contractView is a contract's current period (from the SLA job's latest
// figures) and its closed periods (from the ledger). locs are the
// locations the tenant may see the coverage of: those of the contract's
// checks (catalog.ContractLocations).
func contractView(c catalog.Contract, names map[string]string, locs []catalog.Location, cur credit.Current, credits []db.Credit) dashboard.ContractView {
	cv := dashboard.ContractView{ID: c.ID, Target: sla.FormatTrim(c.Policy.Target, 6) + "%", Period: cmp.Or(c.Period, "month")}
	for _, s := range c.Services {
		cv.Services = append(cv.Services, cmp.Or(names[s], s))
	}
	if st := cur.Statement; st.Outcome.Uptime != nil {
		cv.Current = periodView(st, cur.Rates)
		cv.Current.Locations = locationViews(st, locs)
	}
	// One row per closed period: its credit entry, with any adjustments
	// added to the amount, and the latest figures.
	byPeriod := map[string]*dashboard.PeriodView{}
	var order []string
	amount := map[string]int64{}
	currency := map[string]string{}
	for _, e := range credits {
		if e.Contract != c.ID {
			continue
		}
		p := byPeriod[e.Period]
		if p == nil {
			p = &dashboard.PeriodView{Name: e.Period, Start: e.PeriodStart, End: e.PeriodEnd}
			byPeriod[e.Period] = p
			order = append(order, e.Period)
		}
		p.Uptime = e.UptimePercent + "%"
		p.DowntimeMinutes = e.BreachMinutes
		p.Coverage = e.CoveragePercent + "%"
		p.Flagged = e.Flagged
		p.Met = upTo(e.UptimePercent, c.Policy.Target)
		if e.State != db.CreditVoided {
			amount[e.Period] += e.AmountMinor
		}
		currency[e.Period] = e.Currency
		if e.Kind == db.KindCredit {
			p.CreditStatus = string(e.State)
		}
	}
	slices.Sort(order)
	for i := len(order) - 1; i >= 0; i-- {
		p := byPeriod[order[i]]
		if amount[p.Name] != 0 {
			p.Credit = currency[p.Name] + " " + sla.FormatMinor(amount[p.Name], currency[p.Name])
		}
		cv.Past = append(cv.Past, *p)
	}
	return cv
}

// upTo reports whether a reported uptime percentage meets target.
func upTo(uptime string, target *big.Rat) bool {
	u, err := sla.ParseDecimal(uptime)
	return err == nil && target != nil && u.Cmp(target) >= 0
}

// periodView is the current period's figures.
func periodView(st credit.Statement, rates map[time.Duration]*big.Rat) dashboard.PeriodView {
	o := st.Outcome
	pv := dashboard.PeriodView{
		Name:     st.Period.String(),
		Start:    st.Period.Start,
		End:      st.Period.End,
		Uptime:   sla.FormatFixed(o.Uptime, 3) + "%",
		Met:      o.TargetMet,
		Coverage: sla.FormatFixed(st.CoveragePercent(), 2) + "%",
		Flagged:  st.Flagged,
	}
	minute := big.NewRat(int64(time.Minute), 1)
	if o.Downtime != nil {
		pv.DowntimeMinutes = sla.FormatFixed(new(big.Rat).Quo(o.Downtime, minute), 1)
	}
	if b := st.Budget; b.Allowed != nil {
		left := new(big.Rat).Sub(b.Allowed, b.Spent)
		pv.BudgetLeft = sla.FormatFixed(new(big.Rat).Quo(left, minute), 1)
		pv.BudgetPercent = sla.FormatFixed(new(big.Rat).Mul(b.RemainingRatio(), big.NewRat(100, 1)), 1) + "%"
	}
	for _, w := range sla.BurnWindows() {
		if r := rates[w]; r != nil {
			pv.Burn = append(pv.Burn, dashboard.BurnView{Window: shortDuration(w), Rate: sla.FormatFixed(r, 2)})
		}
	}
	if o.Amount != nil && o.Amount.Sign() > 0 {
		pv.Credit = o.Currency + " " + sla.FormatFixed(o.Amount, sla.MinorUnits(o.Currency))
	}
	return pv
}

// locationViews is the coverage of each location of locs in st, in the
// order of locs; a location st does not know of is left out, and so is
// any st knows that locs does not name.
func locationViews(st credit.Statement, locs []catalog.Location) []dashboard.LocationView {
	var out []dashboard.LocationView
	for _, l := range locs {
		for _, lc := range st.Locations {
			if lc.Location != l.ID {
				continue
			}
			p := lc.Percent()
			out = append(out, dashboard.LocationView{Name: cmp.Or(l.Name, l.ID), Region: l.Region,
				Coverage: sla.FormatFixed(p, 2) + "%", Thin: st.Contract.CoverageThreshold != nil && p.Cmp(st.Contract.CoverageThreshold) < 0})
		}
	}
	return out
}

// shortDuration writes 5m, 1h, 72h.
func shortDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return strings.TrimSuffix(d.String(), "0m0s")
	}
	return strings.TrimSuffix(d.String(), "0s")
}

// owedWords says in plain words what the ledger entries credits owe their
// tenant and when it reaches it, one sentence per period and currency
// with an amount outstanding, newest period first: issued credits whose
// application date (the billing terms, in the tenant's zone) is still to
// come, and credits computed or approved but not yet issued. Sums are in
// integer minor units; voided entries owe nothing.
func owedWords(credits []db.Credit, terms config.Billing, loc *time.Location, now time.Time) []string {
	type key struct{ period, currency string }
	type owed struct {
		issued, pending int64
		lastIssued      time.Time
		start           time.Time
	}
	sums := map[key]*owed{}
	var keys []key
	for _, c := range credits {
		if c.State == db.CreditVoided {
			continue
		}
		k := key{c.Period, c.Currency}
		o := sums[k]
		if o == nil {
			o = &owed{start: c.PeriodStart}
			sums[k] = o
			keys = append(keys, k)
		}
		if c.State == db.CreditIssued {
			o.issued += c.AmountMinor
			if c.UpdatedAt.After(o.lastIssued) {
				o.lastIssued = c.UpdatedAt
			}
		} else {
			o.pending += c.AmountMinor
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(sums[b].start.Compare(sums[a].start), strings.Compare(a.currency, b.currency))
	})
	money := func(minor int64, cur string) string { return sla.FormatMinor(minor, cur) + " " + cur }
	var out []string
	for _, k := range keys {
		o := sums[k]
		if o.issued > 0 {
			if on := terms.ApplyDate(o.lastIssued, loc); on.After(now) {
				out = append(out, fmt.Sprintf("You are owed %s for %s, %s.", money(o.issued, k.currency), k.period, applied(terms.Apply, on)))
			}
		}
		if o.pending > 0 {
			out = append(out, fmt.Sprintf("You are owed %s for %s, awaiting approval; once issued it is %s.", money(o.pending, k.currency), k.period,
				appliedNext(terms.Apply)))
		}
	}
	return out
}

// applied says how and when a credit reaches the customer, as the billing
// terms apply it.
func applied(how string, on time.Time) string {
	date := on.Format("2 January 2006")
	switch how {
	case "credit-note":
		return "issued as a credit note dated " + date
	case "refund":
		return "refunded on " + date
	}
	return "applied to your invoice of " + date
}

// appliedNext is applied for a credit not yet issued.
func appliedNext(how string) string {
	switch how {
	case "credit-note":
		return "issued as a credit note"
	case "refund":
		return "refunded"
	}
	return "applied to your next invoice"
}
