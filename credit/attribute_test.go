package credit_test

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
)

// statementOf evaluates a 30-day month (June 2026, 43 200 minutes, UTC)
// with downtime at the given minute ranges under policy p and a fee of
// 1000.00 EUR.
func statementOf(t *testing.T, p sla.Policy, down ...[2]int) credit.Statement {
	t.Helper()
	period := sla.Month(2026, time.June, time.UTC)
	fee := sla.Money{Amount: big.NewRat(1000, 1), Currency: "EUR"}
	c := sla.Case{Policy: p, Period: period, Fee: fee}
	for _, d := range down {
		c.Facts.Downtime = append(c.Facts.Downtime, sla.Outage{Interval: minutes(period, d[0], d[1])})
	}
	out, err := sla.Evaluate(c)
	if err != nil {
		t.Fatal(err)
	}
	return credit.Statement{Contract: credit.Contract{ID: "k", Fee: fee, Policy: p}, Period: period, Outcome: out, Case: c}
}

func minutes(p sla.Period, from, to int) sla.Interval {
	return sla.Interval{Start: p.Start.Add(time.Duration(from) * time.Minute), End: p.Start.Add(time.Duration(to) * time.Minute)}
}

func rat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, err := sla.ParseDecimal(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAttributeAddsUp: a period's credit split among its incidents in time
// order, each taking its marginal effect; the parts in minor units always
// add up to the ledger's amount (Outcome.AmountMinor), and the exact parts
// to the exact amount.
func TestAttributeAddsUp(t *testing.T) {
	tiered := sla.Policy{Target: rat(t, "99.9"), Tiers: []sla.Tier{
		{Uptime: mustRange(t, "[99, 99.9)"), Credit: rat(t, "10")},
		{Uptime: mustRange(t, "[0, 99)"), Credit: rat(t, "25")},
	}}
	// Proportional at target 100: each minute down is worth
	// 1000 * (1/43200) = 0.0231481... EUR, never a whole cent.
	proportional := sla.Policy{Target: rat(t, "100"), CreditUnit: sla.CreditProportional}
	for _, tc := range []struct {
		name   string
		policy sla.Policy
		down   [][2]int
		spans  map[string][2]int
		want   string // key=minor units, unattributed first, in time order
	}{
		{
			// Taken alone, A's 30 minutes change nothing (B's 400 keep
			// the 25% tier) and B's 400 move 150.00: "exposures" of
			// 0 and 150 against 250 owed. In time order A takes the
			// first tier, B the rest.
			name: "a tier crossed by the earlier incident", policy: tiered,
			down:  [][2]int{{0, 20}, {100, 130}, {1000, 1400}},
			spans: map[string][2]int{"A": {90, 140}, "B": {1000, 1400}},
			want:  "=0 A=10000 B=15000",
		},
		{
			// A holds minutes 0-6, B 4-10: the shared 4-6 are A's, so
			// B's part is 4 minutes, not 6.
			name: "overlap goes to the earlier incident", policy: proportional,
			down:  [][2]int{{0, 10}},
			spans: map[string][2]int{"A": {0, 6}, "B": {4, 10}},
			want:  "=0 A=14 B=9",
		},
		{
			name: "downtime outside every incident stays unattributed", policy: tiered,
			down:  [][2]int{{0, 50}, {5000, 5400}},
			spans: map[string][2]int{"A": {5000, 5400}},
			want:  "=10000 A=15000",
		},
		{
			// 1, 1 and 1 minute: 0.0231 each; rounded alone they would
			// be 0.02 + 0.02 + 0.02 = 0.06 against 0.07 owed. Running
			// totals 0.0231, 0.0463, 0.0694 round to 0.02, 0.05, 0.07.
			name: "remainder cents by running totals", policy: proportional,
			down:  [][2]int{{10, 11}, {20, 21}, {30, 31}},
			spans: map[string][2]int{"A": {10, 11}, "B": {20, 21}, "C": {30, 31}},
			want:  "=0 A=2 B=3 C=2",
		},
		{
			name: "time order, not key order", policy: proportional,
			down:  [][2]int{{10, 13}, {20, 21}},
			spans: map[string][2]int{"z-first": {10, 13}, "a-second": {20, 21}},
			want:  "=0 z-first=7 a-second=2",
		},
		{
			name: "no incidents: all unattributed", policy: proportional,
			down: [][2]int{{10, 13}},
			want: "=7",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := statementOf(t, tc.policy, tc.down...)
			var spans []credit.Span
			for k, m := range tc.spans {
				spans = append(spans, credit.Span{Key: k, Interval: minutes(st.Period, m[0], m[1])})
			}
			shares, err := credit.Attribute(st, spans)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var minor int64
			exact := new(big.Rat)
			for _, s := range shares {
				got = append(got, s.Key+"="+big.NewInt(s.AmountMinor).String())
				minor += s.AmountMinor
				exact.Add(exact, s.Amount)
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("shares %s, want %s", strings.Join(got, " "), tc.want)
			}
			if want := st.Outcome.AmountMinor().Int64(); minor != want {
				t.Errorf("parts add up to %d minor units, want the ledger's %d", minor, want)
			}
			if exact.Cmp(st.Outcome.Amount) != 0 {
				t.Errorf("exact parts add up to %s, want %s", exact.RatString(), st.Outcome.Amount.RatString())
			}
		})
	}
}

func mustRange(t *testing.T, s string) sla.Range {
	t.Helper()
	r, err := sla.ParseRange(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
