package credit_test

import (
	"context"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db/dbtest"
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
			checkShares(t, st, spans, tc.want)
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

// TestAttributeByService: an incident takes only the minutes its own
// service was down inside its span. A minute both incidents' evidence
// holds is the earlier one's, downtime on a service without an incident
// in its time stays unattributed, and the parts still add up to the
// ledger's amount. Proportional at target 100: one minute is 1000/43200
// EUR.
func TestAttributeByService(t *testing.T) {
	proportional := sla.Policy{Target: rat(t, "100"), CreditUnit: sla.CreditProportional}
	type span struct {
		key, service string
		from, to     int
	}
	for _, tc := range []struct {
		name  string
		down  map[string][][2]int // per service
		spans []span
		want  string // key=minor units, unattributed first, in time order
	}{
		{
			// A's span covers chat's whole outage, but only mail's 30
			// minutes are A's: 0.69; chat's 70 minutes are B's.
			name:  "a wide span takes only its service's minutes",
			down:  map[string][][2]int{"mail": {{100, 130}}, "chat": {{130, 200}}},
			spans: []span{{"A", "mail", 90, 300}, {"B", "chat", 110, 210}},
			want:  "=0 A=69 B=162",
		},
		{
			// Both services down 120-130: those minutes are A's
			// (earlier); B keeps 130-200 only.
			name:  "a minute two incidents share is the earlier one's",
			down:  map[string][][2]int{"mail": {{100, 130}}, "chat": {{120, 200}}},
			spans: []span{{"A", "mail", 90, 300}, {"B", "chat", 110, 210}},
			want:  "=0 A=69 B=162",
		},
		{
			// The later incident starts first in the list: time order
			// still decides who keeps the shared minutes.
			name:  "shared minutes go by start, not by list order",
			down:  map[string][][2]int{"mail": {{100, 130}}, "chat": {{100, 130}}},
			spans: []span{{"B", "chat", 105, 140}, {"A", "mail", 95, 140}},
			want:  "=0 A=69 B=0",
		},
		{
			// mail is down 50 minutes with no incident of its own; the
			// chat incident whose span covers them was never down.
			name:  "another service's downtime stays unattributed",
			down:  map[string][][2]int{"mail": {{0, 50}}, "chat": nil},
			spans: []span{{"A", "chat", 0, 60}},
			want:  "=116 A=0",
		},
		{
			// 1 minute each on three services; running totals 0.0231,
			// 0.0463, 0.0694 round to 0.02, 0.05, 0.07.
			name:  "remainder cents by running totals across services",
			down:  map[string][][2]int{"a": {{10, 11}}, "b": {{20, 21}}, "c": {{30, 31}}},
			spans: []span{{"A", "a", 0, 40}, {"B", "b", 0, 40}, {"C", "c", 0, 40}},
			want:  "=0 A=2 B=3 C=2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var all [][2]int
			for _, d := range tc.down {
				all = append(all, d...)
			}
			st := statementOf(t, proportional, all...)
			st.ServiceDown = map[string][]sla.Interval{}
			for svc, d := range tc.down {
				for _, m := range d {
					st.ServiceDown[svc] = append(st.ServiceDown[svc], minutes(st.Period, m[0], m[1]))
				}
			}
			var spans []credit.Span
			for _, s := range tc.spans {
				spans = append(spans, credit.Span{Key: s.key, Service: s.service, Interval: minutes(st.Period, s.from, s.to)})
			}
			checkShares(t, st, spans, tc.want)
		})
	}
}

// checkShares attributes st's credit to spans and requires the parts to be
// want (key=minor units, unattributed first) and to add up to the ledger's
// amount, exactly and in minor units.
func checkShares(t *testing.T, st credit.Statement, spans []credit.Span, want string) {
	t.Helper()
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
	if strings.Join(got, " ") != want {
		t.Errorf("shares %s, want %s", strings.Join(got, " "), want)
	}
	if w := st.Outcome.AmountMinor().Int64(); minor != w {
		t.Errorf("parts add up to %d minor units, want the ledger's %d", minor, w)
	}
	if exact.Cmp(st.Outcome.Amount) != 0 {
		t.Errorf("exact parts add up to %s, want %s", exact.RatString(), st.Outcome.Amount.RatString())
	}
}

// TestAttributeFromStoredEvidence: two services' checks write results into
// a real store; Compute keeps each service's down minutes, and an incident
// on one service whose span covers the other's outage takes only its own.
func TestAttributeFromStoredEvidence(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(10 * time.Hour), Location: time.UTC}
	var rs []sla.Result
	for i := range 3600 { // every 10 s for ten hours
		at := start.Add(time.Duration(i) * 10 * time.Second)
		d := at.Sub(start)
		rs = append(rs,
			sla.Result{CheckID: "imap", At: at, OK: !(d >= 60*time.Minute && d < 80*time.Minute)},   // mail down 1:00-1:20
			sla.Result{CheckID: "login", At: at, OK: !(d >= 70*time.Minute && d < 100*time.Minute)}) // chat down 1:10-1:40
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	c := credit.Contract{ID: "acme", Tenant: "acme", Policy: sla.Policy{Target: rat(t, "100"), CreditUnit: sla.CreditProportional},
		Fee:    sla.Money{Amount: big.NewRat(600, 1), Currency: "USD"}, // 1 USD a minute
		Checks: []credit.Check{{ID: "imap", Service: "mail"}, {ID: "login", Service: "chat"}}}
	st, err := credit.Compute(ctx, store, c, period, period.End)
	if err != nil {
		t.Fatal(err)
	}
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	for svc, want := range map[string][]sla.Interval{"mail": {{Start: at(60), End: at(80)}}, "chat": {{Start: at(70), End: at(100)}}} {
		if got := st.ServiceDown[svc]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s down %v, want %v", svc, got, want)
		}
	}
	// mail's incident ran 0:55-2:00, past chat's outage: 20 minutes are
	// its own; chat's 1:10-1:20 overlap with mail is mail's (earlier).
	checkShares(t, st, []credit.Span{
		{Key: "mail", Service: "mail", Interval: sla.Interval{Start: at(55), End: at(120)}},
		{Key: "chat", Service: "chat", Interval: sla.Interval{Start: at(65), End: at(110)}},
	}, "=0 mail=2000 chat=2000")
}
