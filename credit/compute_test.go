package credit_test

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

// TestComputeFromStoredEvidence writes two hours of probe results from three
// locations into a real store — a confirmed outage at two locations, a
// failure seen from one location only, and a single failed retry — and
// requires the statement to equal what the engine gives for the outage
// alone, as `slate calc` would.
func TestComputeFromStoredEvidence(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(2 * time.Hour), Location: time.UTC}
	var rs []sla.Result
	for i := range 720 { // every 10 s for two hours
		at := start.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(start) / time.Minute)
		for _, loc := range []string{"a", "b", "c"} {
			ok := true
			switch {
			case m >= 30 && m < 40 && loc != "c": // two of three locations: down
				ok = false
			case m >= 60 && m < 65 && loc == "c": // one location: degraded, not down
				ok = false
			case i == 540 && loc != "c": // one failed run, retried fine: not confirmed
				ok = false
			}
			rs = append(rs, sla.Result{CheckID: "web", Location: loc, At: at, OK: ok})
		}
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	policy := sla.Policy{
		Target: big.NewRat(999, 10),
		Tiers:  []sla.Tier{{Uptime: sla.Range{Lo: new(big.Rat), Hi: big.NewRat(999, 10), HiOpen: true}, Credit: big.NewRat(10, 1)}},
	}
	fee := sla.Money{Amount: big.NewRat(50000, 100), Currency: "EUR"}
	c := credit.Contract{
		ID: "acme-web", Tenant: "acme", Policy: policy, Fee: fee,
		Checks: []credit.Check{{ID: "web", Locations: []string{"a", "b", "c"}, Confirmation: sla.Confirmation{Failures: 2}}},
	}
	st, err := credit.Compute(ctx, store, c, period, period.End)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sla.Evaluate(sla.Case{Policy: policy, Period: period, Fee: fee, Facts: sla.Facts{
		Downtime: []sla.Outage{{Interval: sla.Interval{Start: start.Add(30 * time.Minute), End: start.Add(40 * time.Minute)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Outcome.Report(); !reflect.DeepEqual(got, want.Report()) {
		t.Errorf("statement\n%+v\nwant what calc gives\n%+v", got, want.Report())
	}
	if st.Coverage.Minutes != 120 || st.Coverage.Covered != 120 || st.Flagged {
		t.Errorf("coverage %+v flagged %v, want 120 of 120, not flagged", st.Coverage, st.Flagged)
	}
	if got := st.Budget.SpentRatio(); got.Cmp(big.NewRat(10*60*1000, 72*100)) != 0 { // 10 min of 0.1% of 120 min
		t.Errorf("budget spent %s", got.FloatString(3))
	}

	// The same contract halfway through: only the elapsed hour counts.
	half, err := credit.Compute(ctx, store, c, period, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := half.Outcome.Report().EligibleMinutes; got != "60" {
		t.Errorf("eligible minutes halfway: got %s, want 60", got)
	}
}

func TestComputeFlagsMissingEvidence(t *testing.T) {
	store := dbtest.Open(t)
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(time.Hour), Location: time.UTC}
	c := credit.Contract{
		ID: "silent", Policy: sla.Policy{Target: big.NewRat(99, 1)},
		Fee:    sla.Money{Amount: big.NewRat(1, 1), Currency: "USD"},
		Checks: []credit.Check{{ID: "never-ran"}},
	}
	st, err := credit.Compute(context.Background(), store, c, period, period.End)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Flagged || st.Coverage.Covered != 0 || st.Coverage.Minutes != 60 {
		t.Errorf("a check that never reported: coverage %+v flagged %v, want 0 of 60 and flagged", st.Coverage, st.Flagged)
	}
	if *st.Outcome.Report().DowntimeMinutes != "0" {
		t.Errorf("missing evidence became downtime: %s", *st.Outcome.Report().DowntimeMinutes)
	}
}
