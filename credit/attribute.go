package credit

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"

	"github.com/slatehq/slate/sla"
)

// How a period's credit is split among its incidents, so that the parts
// add up to what the ledger holds:
//
//  1. The incidents are taken in time order (start, then key). An
//     incident's evidence is the minutes inside its span that its own
//     service's checks were judged down (Statement.ServiceDown): an
//     incident on one service takes nothing of another service's
//     downtime that its span happens to cover.
//  2. The case is evaluated with the evidence of every incident taken
//     out (as Exposure takes out one): what is left is owed to no
//     incident (downtime no incident covers, the "unattributed" part).
//  3. The incidents' evidence is put back one at a time, in time order;
//     each incident's part is what putting its evidence back added: its
//     marginal effect given the incidents before it. Two incidents that
//     share a minute of evidence leave it to the earlier one, and a credit tier
//     crossed by the second incident's minutes is the second's.
//  4. The exact parts (rationals) add up to the exact amount. In the
//     currency's minor unit, each part is the rounded running total
//     after it less the rounded running total before it (the
//     unattributed part is the first total), so the rounded parts add up
//     to the rounded amount — the ledger's — and a remainder of rounding
//     goes to the part whose running total crosses the half unit.

// Span is an incident's time as Attribute takes it.
type Span struct {
	Key      string // the caller's name for the incident
	Interval sla.Interval
	// Service is the incident's service: its evidence is the statement's
	// ServiceDown of it inside Interval. With Service empty, or a
	// statement without ServiceDown (a case built by hand), the evidence
	// is all of Interval.
	Service string
}

// evidence is the time whose evidence belongs to sp in st.
func (sp Span) evidence(st Statement) sla.Set {
	if sp.Service == "" || st.ServiceDown == nil {
		return sla.NewSet(sp.Interval)
	}
	return sla.NewSet(st.ServiceDown[sp.Service]...).Intersect(sla.NewSet(sp.Interval))
}

// Share is one part of a period's credit.
type Share struct {
	Key           string   // the span's key; "" for the unattributed part
	BreachMinutes *big.Rat // exact
	Amount        *big.Rat // exact, in the fee's currency
	AmountMinor   int64    // the part in minor units; the parts add up to the ledger's amount
}

// Attribute splits st's credit among spans: the unattributed part first,
// then one share per span in time order. The shares' Amount adds up to
// st.Outcome.Amount exactly, their AmountMinor to st.Outcome.AmountMinor.
func Attribute(st Statement, spans []Span) ([]Share, error) {
	spans = slices.Clone(spans)
	slices.SortStableFunc(spans, func(a, b Span) int {
		return cmp.Or(a.Interval.Start.Compare(b.Interval.Start), cmp.Compare(a.Key, b.Key))
	})
	evidence := make([]sla.Set, len(spans))
	for i, sp := range spans {
		evidence[i] = sp.evidence(st)
	}
	// outcomes[k] keeps the evidence of spans[:k] only.
	outcomes := make([]sla.Outcome, len(spans)+1)
	for k := range spans {
		// The evidence of the later spans goes, but not what the
		// earlier ones (already put back) share with them.
		var later, earlier sla.Set
		for i, ev := range evidence {
			if i < k {
				earlier = earlier.Union(ev)
			} else {
				later = later.Union(ev)
			}
		}
		cut := later.Subtract(earlier).Intervals()
		o, err := evaluateWithout(st, cut)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", st.Contract.ID, err)
		}
		outcomes[k] = o
	}
	outcomes[len(spans)] = st.Outcome
	places := sla.MinorUnits(st.Contract.Fee.Currency)
	out := make([]Share, 0, len(spans)+1)
	prevAmount, prevDown, prevMinor := new(big.Rat), new(big.Rat), int64(0)
	for k, o := range outcomes {
		key := ""
		if k > 0 {
			key = spans[k-1].Key
		}
		amount, down := ratOrZero(o.Amount), ratOrZero(o.Downtime)
		minor := sla.RoundHalfUp(amount, places).Int64()
		out = append(out, Share{Key: key,
			BreachMinutes: sla.Minutes(new(big.Rat).Sub(down, prevDown)),
			Amount:        new(big.Rat).Sub(amount, prevAmount),
			AmountMinor:   minor - prevMinor})
		prevAmount, prevDown, prevMinor = amount, down, minor
	}
	return out, nil
}

func ratOrZero(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// evaluateWithout evaluates st's case again without the evidence inside
// cut: downtime inside it is removed, and sample runs that touch it are
// dropped.
func evaluateWithout(st Statement, cut []sla.Interval) (sla.Outcome, error) {
	without := st.Case
	f := without.Facts
	set := sla.NewSet(cut...)
	f.Downtime = nil
	for _, o := range st.Case.Facts.Downtime {
		for _, piece := range sla.NewSet(o.Interval).Subtract(set).Intervals() {
			f.Downtime = append(f.Downtime, sla.Outage{Interval: piece, Affected: o.Affected})
		}
	}
	f.Samples = nil
	for _, r := range st.Case.Facts.Samples {
		if !touches(r.Interval, cut) {
			f.Samples = append(f.Samples, r)
		}
	}
	without.Facts = f
	return sla.Evaluate(without)
}

func touches(iv sla.Interval, cut []sla.Interval) bool {
	for _, c := range cut {
		if iv.Start.Before(c.End) && c.Start.Before(iv.End) {
			return true
		}
	}
	return false
}
