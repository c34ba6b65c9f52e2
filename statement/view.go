package statement

import (
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Number is the statement's number: the provider's code, the tenant's ID in
// capitals, the period's name and, from the second revision on, "-R" and
// the revision: "ACME-MUELLER-2026-10", "ACME-MUELLER-2026-Q4-R2". It is
// derived from stored facts only, so producing the same statement again
// gives the same number, and two different documents never share one.
func (s Statement) Number() string {
	n := s.Provider.Code + "-" + strings.ToUpper(s.Tenant.ID) + "-" + s.Period.Name
	if s.Revision > 1 {
		n += "-R" + strconv.Itoa(s.Revision)
	}
	return n
}

// visibleContracts are the contracts the statement shows: all with
// Options.IncludeZero, else those with a credit.
func (s Statement) visibleContracts() []Contract {
	return shown(s.Contracts, func(c Contract) int64 { return c.Amount.Minor }, s.Options.IncludeZero)
}

// visibleAdjustments are the adjustments it shows, by the same rule.
func (s Statement) visibleAdjustments() []Adjustment {
	return shown(s.Adjustments, func(a Adjustment) int64 { return a.Amount.Minor }, s.Options.IncludeZero)
}

// shown keeps the items with a non-zero amount, or all of them.
func shown[T any](items []T, amount func(T) int64, all bool) []T {
	var out []T
	for _, it := range items {
		if all || amount(it) != 0 {
			out = append(out, it)
		}
	}
	return out
}

// Total is the sum of a statement's amounts in one currency, and the part
// of it not yet issued.
type Total struct {
	Currency string
	Minor    *big.Int // all shown contracts and adjustments
	Pending  *big.Int // the part marked pending
}

// Totals sums the shown amounts per currency, in currency order. Sums are
// big integers: many large amounts cannot overflow them.
func (s Statement) Totals() []Total {
	by := map[string]*Total{}
	add := func(m Money, pending bool) {
		t, ok := by[m.Currency]
		if !ok {
			t = &Total{Currency: m.Currency, Minor: new(big.Int), Pending: new(big.Int)}
			by[m.Currency] = t
		}
		t.Minor.Add(t.Minor, big.NewInt(m.Minor))
		if pending {
			t.Pending.Add(t.Pending, big.NewInt(m.Minor))
		}
	}
	for _, c := range s.visibleContracts() {
		add(c.Amount, c.Pending)
	}
	for _, a := range s.visibleAdjustments() {
		add(a.Amount, a.Pending)
	}
	out := make([]Total, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// TotalText is the statement's total in words: "96.77 EUR", "96.77 EUR and
// 1,000 JPY", or "nothing" when no credit is owed.
func (s Statement) TotalText() string {
	var parts []string
	for _, t := range s.Totals() {
		if t.Minor.Sign() != 0 {
			parts = append(parts, formatMinor(t.Minor, t.Currency))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " and ")
}

// ApplicationText says how and when the credit reaches the customer: "The
// credit of 96.77 EUR is applied to your invoice of 1 November 2026
// (invoice INV-2026-11)." Pending amounts are named as such.
func (s Statement) ApplicationText() string {
	var owed, pending []string
	negative := false
	for _, t := range s.Totals() {
		if t.Minor.Sign() != 0 {
			owed = append(owed, formatMinor(t.Minor, t.Currency))
			negative = negative || t.Minor.Sign() < 0
		}
		if t.Pending.Sign() != 0 {
			pending = append(pending, formatMinor(t.Pending, t.Currency))
		}
	}
	if len(owed) == 0 {
		return "No credit is owed for this period."
	}
	a := s.Application
	loc := s.Tenant.Location
	what := "The credit of " + strings.Join(owed, " and ")
	if negative {
		what = "The net correction of " + strings.Join(owed, " and ")
	}
	var out string
	switch a.How {
	case ApplyCreditNote:
		out = what + " is issued as a credit note dated " + formatDate(a.Date, loc)
		if a.Reference != "" {
			out += ", number " + a.Reference
		}
	case ApplyRefund:
		out = what + " is refunded on " + formatDate(a.Date, loc)
		if a.Reference != "" {
			out += " (reference " + a.Reference + ")"
		}
	default:
		out = what + " is applied to your invoice of " + formatDate(a.Date, loc)
		if a.Reference != "" {
			out += " (invoice " + a.Reference + ")"
		}
	}
	out += "."
	if len(pending) > 0 {
		out += " Of this, " + strings.Join(pending, " and ") + " is pending approval and is applied once approved."
	}
	return out
}

// MethodText is the method paragraph: how minutes are judged, from which
// locations, and what coverage means.
func (s Statement) MethodText() string {
	m := s.Method
	n := len(m.Locations)
	locs := strconv.Itoa(n) + " monitoring location"
	if n != 1 {
		locs += "s"
	}
	var b strings.Builder
	b.WriteString("Every minute of the period is judged from probes run every " + intervalText(m.Interval) +
		" from " + locs + " (" + strings.Join(m.Locations, ", ") + "). ")
	if m.Confirmation <= 1 {
		b.WriteString("A location counts the service as down when its probe fails")
	} else {
		b.WriteString("A location counts the service as down after " + strconv.Itoa(m.Confirmation) + " failed probes in a row")
	}
	switch {
	case n == 1:
		b.WriteString("; a minute is downtime when that location sees the service down. ")
	case m.Quorum == 0:
		b.WriteString("; a minute is downtime only when a majority of the locations see the service down in it, so a fault at one location is not charged as downtime. ")
	default:
		b.WriteString("; a minute is downtime only when at least " + strconv.Itoa(m.Quorum) + " of the " + strconv.Itoa(n) +
			" locations see the service down in it. ")
	}
	b.WriteString("A minute in which too few locations reported is unknown: it is neither downtime nor evidence of uptime, " +
		"and it lowers the coverage shown for each contract, the share of the period's minutes judged on enough evidence. " +
		"The exclusions listed are not counted as downtime. " +
		"Uptime is the share of the period's eligible time that was not downtime; the credit follows from it as each contract states.")
	return b.String()
}

// intervalText is a probe interval in words: "minute", "5 minutes",
// "30 seconds".
func intervalText(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	case d == time.Second:
		return "second"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + " seconds"
	}
	return d.String()
}
