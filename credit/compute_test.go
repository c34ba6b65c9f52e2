package credit_test

import (
	"context"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db"
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

// TestBurnRatesFromStoredEvidence: ten minutes of a total outage at the end
// of a healthy day, against 99.9%.
func TestBurnRatesFromStoredEvidence(t *testing.T) {
	store := dbtest.Open(t)
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 6 * 60 * 24 { // a day, every 10 s
		at := now.Add(-24 * time.Hour).Add(time.Duration(i) * 10 * time.Second)
		rs = append(rs, sla.Result{CheckID: "web", At: at, OK: now.Sub(at) > 10*time.Minute})
	}
	if err := store.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	c := credit.Contract{ID: "c", Policy: sla.Policy{Target: big.NewRat(999, 10)}, Checks: []credit.Check{{ID: "web"}}}
	rates, err := credit.BurnRates(context.Background(), store, c, now, sla.BurnWindows())
	if err != nil {
		t.Fatal(err)
	}
	want := map[time.Duration]*big.Rat{
		5 * time.Minute:  big.NewRat(1000, 1),    // all bad
		30 * time.Minute: big.NewRat(1000, 3),    // 10 of 30
		time.Hour:        big.NewRat(1000, 6),    // 10 of 60
		24 * time.Hour:   big.NewRat(1000, 144),  // 10 of 1440
		72 * time.Hour:   big.NewRat(1000, 144),  // only a day of evidence: the rest leaves the window
		6 * time.Hour:    big.NewRat(10000, 360), // 10 of 360
	}
	for w, r := range want {
		if got, ok := rates[w]; !ok || got.Cmp(r) != 0 {
			t.Errorf("window %s: got %v, want %s", w, got, r.RatString())
		}
	}
}

func TestExporterPublishesRatios(t *testing.T) {
	store := dbtest.Open(t)
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 720 { // the first two hours of March, the last 12 minutes down
		at := now.Add(-2 * time.Hour).Add(time.Duration(i) * 10 * time.Second)
		rs = append(rs, sla.Result{CheckID: "web", At: at, OK: now.Sub(at) > 12*time.Minute})
	}
	if err := store.WriteResults(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	e, err := credit.NewExporter(reg)
	if err != nil {
		t.Fatal(err)
	}
	s := credit.Schedule{Location: time.UTC, Contract: credit.Contract{ID: "web-sla", Tenant: "acme",
		Policy: sla.Policy{Target: big.NewRat(99, 1)}, Fee: sla.Money{Amount: big.NewRat(1, 1), Currency: "USD"},
		Checks: []credit.Check{{ID: "web"}}}}
	if _, err := e.Update(context.Background(), store, []credit.Schedule{s}, now); err != nil {
		t.Fatal(err)
	}
	// 12 of 120 minutes down: uptime 0.9; the budget of 1.2 minutes is
	// spent ten times over; the last hour burns at 20.
	for _, tc := range []struct {
		metric string
		want   float64
	}{
		{`slate_sla_uptime_ratio{contract="web-sla",tenant="acme"}`, 0.9},
		{`slate_sla_coverage_ratio{contract="web-sla",tenant="acme"}`, 1},
		{`slate_sla_error_budget_remaining_ratio{contract="web-sla",tenant="acme"}`, -9},
		{`slate_sla_burn_rate{contract="web-sla",tenant="acme",window="1h"}`, 20},
		{`slate_sla_burn_rate{contract="web-sla",tenant="acme",window="5m"}`, 100},
	} {
		if got := gaugeValue(t, reg, tc.metric); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", tc.metric, got, tc.want)
		}
	}
	// A contract dropped from the schedule disappears from /metrics.
	if _, err := e.Update(context.Background(), store, nil, now); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg); n != 0 {
		t.Errorf("%d series left after the contract was removed", n)
	}
}

// gaugeValue reads one series, written as in the exposition format, from
// the registry.
func gaugeValue(t *testing.T, g prometheus.Gatherer, series string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if mf.GetName()+"{"+strings.Join(labels, ",")+"}" == series {
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("series %s not found", series)
	return 0
}

// TestManualExclusionsCount: an exclusion entered in the store removes its
// downtime from the statement, and its cancellation brings it back.
func TestManualExclusionsCount(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(2 * time.Hour), Location: time.UTC}
	var rs []sla.Result
	for i := range 720 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		rs = append(rs, sla.Result{CheckID: "web", At: at, OK: at.Sub(start) < 30*time.Minute || at.Sub(start) >= 40*time.Minute})
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	c := credit.Contract{ID: "acme-web", Tenant: "acme", Policy: sla.Policy{Target: big.NewRat(999, 10)},
		Fee: sla.Money{Amount: big.NewRat(1, 1), Currency: "USD"}, Checks: []credit.Check{{ID: "web"}}}
	downtime := func() string {
		st, err := credit.Compute(ctx, store, c, period, period.End)
		if err != nil {
			t.Fatal(err)
		}
		return *st.Outcome.Report().DowntimeMinutes
	}
	if got := downtime(); got != "10" {
		t.Fatalf("before the exclusion: %s minutes down, want 10", got)
	}
	e, err := store.AddExclusion(ctx, db.Exclusion{Contract: "acme-web", Start: start.Add(25 * time.Minute), End: start.Add(35 * time.Minute), Reason: "customer firewall change"}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := downtime(); got != "5" {
		t.Errorf("with the exclusion: %s minutes down, want 5", got)
	}
	if _, err := store.CancelExclusion(ctx, e.ID, "bob", "not the customer's fault after all"); err != nil {
		t.Fatal(err)
	}
	if got := downtime(); got != "10" {
		t.Errorf("after cancelling it: %s minutes down, want 10", got)
	}
}

// TestExposureOfAnIncident: of two outages, the one inside the incident's
// span accounts for its minutes and for the tier it pushed the contract
// into.
func TestExposureOfAnIncident(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(10 * time.Hour), Location: time.UTC}
	var rs []sla.Result
	for i := range 3600 { // every 10 s for ten hours; down 0:30-0:33 and 5:00-5:20
		at := start.Add(time.Duration(i) * 10 * time.Second)
		d := at.Sub(start)
		down := d >= 30*time.Minute && d < 33*time.Minute || d >= 5*time.Hour && d < 5*time.Hour+20*time.Minute
		rs = append(rs, sla.Result{CheckID: "web", At: at, OK: !down})
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	tier := func(lo, hi int64, credit int64) sla.Tier {
		return sla.Tier{Uptime: sla.Range{Lo: big.NewRat(lo, 10), Hi: big.NewRat(hi, 10), HiOpen: true}, Credit: big.NewRat(credit, 1)}
	}
	c := credit.Contract{ID: "acme-web", Tenant: "acme", Policy: sla.Policy{Target: big.NewRat(999, 10),
		Tiers: []sla.Tier{tier(990, 999, 10), tier(0, 990, 25)}},
		Fee: sla.Money{Amount: big.NewRat(1000, 1), Currency: "USD"}, Checks: []credit.Check{{ID: "web"}}}
	st, err := credit.Compute(ctx, store, c, period, period.End)
	if err != nil {
		t.Fatal(err)
	}
	// 23 of 600 minutes: 96.17% -> 25% (250 USD). Without the 20-minute
	// incident: 3 minutes, 99.5% -> 10% (100 USD).
	breach, amount, err := credit.Exposure(st, sla.Interval{Start: start.Add(4 * time.Hour), End: start.Add(6 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if breach.Cmp(big.NewRat(20, 1)) != 0 || amount.Cmp(big.NewRat(150, 1)) != 0 {
		t.Errorf("exposure: %s minutes, %s USD; want 20 and 150", breach.RatString(), amount.RatString())
	}
}

// TestJudgeWindow: a failure streak that began before the window confirms
// its minutes; silence is unknown; a streak
// confirmed in a later minute counts in the earlier one too; the present
// is judged on the latest runs.
func TestJudgeWindow(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var rs []sla.Result
	for i := range 60 { // ten minutes at 10 s from two locations
		at := start.Add(time.Duration(i) * 10 * time.Second)
		m := int(at.Sub(start) / time.Minute)
		rs = append(rs,
			sla.Result{CheckID: "web", Location: "eu", At: at, OK: m < 4 && i != 23}, // failing from 10:03:50 on
			sla.Result{CheckID: "web", Location: "us", At: at, OK: m < 4 || i == 59}) // one pass at the very end
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	ch := credit.Check{ID: "web", Locations: []string{"eu", "us"}, Confirmation: sla.Confirmation{Failures: 3, Quorum: 2}}
	cases := []struct {
		name       string
		from, n    int
		states     []sla.State
		failing    []int // locations with failed runs, per minute
		now        sla.State
		nowFailing int
	}{
		{"before the outage", 1, 2, []sla.State{sla.StateUp, sla.StateUp}, []int{0, 0}, sla.StateUp, 0},
		{"its start, judged from the minute before", 3, 2, []sla.State{sla.StateDegraded, sla.StateDown}, []int{1, 2}, sla.StateDown, 2},
		{"the last minute: one location passes at its end", 8, 2, []sla.State{sla.StateDown, sla.StateDown}, []int{2, 2}, sla.StateDegraded, 1},
		{"no evidence", 30, 1, []sla.State{sla.StateUnknown}, []int{0}, sla.StateUnknown, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := credit.JudgeWindow(ctx, store, ch, start.Add(time.Duration(tc.from)*time.Minute), tc.n, 10*time.Minute, 2)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.n {
				if w.States[i] != tc.states[i] || len(w.Failing[i]) != tc.failing[i] {
					t.Errorf("minute %d: %s, failing %v; want %s with %d failing", tc.from+i, w.States[i], w.Failing[i], tc.states[i], tc.failing[i])
				}
			}
			if w.Now != tc.now || len(w.NowFailing) != tc.nowFailing {
				t.Errorf("now %s, failing %v; want %s with %d failing", w.Now, w.NowFailing, tc.now, tc.nowFailing)
			}
		})
	}
	w, err := credit.JudgeWindow(ctx, store, credit.Check{ID: "never"}, start, 3, time.Minute, 2)
	if err != nil || len(w.States) != 3 || w.States[0] != sla.StateUnknown || w.Now != sla.StateUnknown {
		t.Errorf("a check without evidence: %+v, %v", w, err)
	}
}

// TestDailyBars counts a day's down and degraded minutes from the evidence,
// day by day in the page's zone, today up to now.
func TestDailyBars(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 3, 3, 12, 0, 0, 0, berlin)
	yesterday := time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)
	var rs []sla.Result
	for at := yesterday; at.Before(now); at = at.Add(time.Minute) {
		m := at.Sub(yesterday)
		ok := !(m >= 10*time.Hour && m < 11*time.Hour) // an hour down yesterday
		rs = append(rs, sla.Result{CheckID: "a", Location: "eu", At: at, OK: ok})
		rs = append(rs, sla.Result{CheckID: "a", Location: "us", At: at, OK: ok || m >= 10*time.Hour+30*time.Minute})
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	days, err := credit.DailyBars(ctx, store, []credit.Check{{ID: "a", Locations: []string{"eu", "us"}}}, 3, berlin, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []credit.Day{
		{Date: "2026-03-01"}, // before the evidence: nothing known
		{Date: "2026-03-02", Major: 30, Partial: 30, Known: 1440}, // both locations down 30 min, one of two for 30 more
		{Date: "2026-03-03", Known: 720},                          // today until noon
	}
	if len(days) != len(want) {
		t.Fatalf("got %+v", days)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Errorf("day %d: got %+v, want %+v", i, days[i], want[i])
		}
	}
}
