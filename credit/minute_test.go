package credit_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

// TestSilentLocationsThroughStoredEvidence: an hour of a check probed every
// 20 s, answering errors for two and a half minutes (10:10:00-10:12:30),
// stored in a real store. The same evidence is judged for checks that
// declare different locations, through Compute, JudgeWindow and DailyBars —
// the paths the report, the period close, the detector and the status page
// take — with the confirmation each check carries.
func TestSilentLocationsThroughStoredEvidence(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(time.Hour), Location: time.UTC}
	outage := sla.Interval{Start: start.Add(10 * time.Minute), End: start.Add(12*time.Minute + 30*time.Second)}
	var rs []sla.Result
	for at := start; at.Before(period.End); at = at.Add(20 * time.Second) {
		failing := !at.Before(outage.Start) && at.Before(outage.End)
		rs = append(rs, sla.Result{CheckID: "alone", Location: "local", At: at, OK: !failing})
		rs = append(rs,
			sla.Result{CheckID: "pair", Location: "local", At: at, OK: !failing},
			sla.Result{CheckID: "pair", Location: "us-east", At: at, OK: true}) // sees no outage
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	three := []string{"local", "us-east", "ap-south"}
	cases := []struct {
		name     string
		check    credit.Check
		downtime string // minutes
		covered  int    // of 60
		outage   sla.State
		before   sla.State // 10:05
	}{
		{"one location, the only one", credit.Check{ID: "alone"}, "3", 60, sla.StateDown, sla.StateUp},
		{"one of three reporting: nothing can be judged", credit.Check{ID: "alone", Locations: three}, "0", 0, sla.StateUnknown, sla.StateUnknown},
		{"one of three reporting, a quorum and minimum of one: the outage is down, the rest could have been",
			credit.Check{ID: "alone", Locations: three, Confirmation: sla.Confirmation{Quorum: 1, MinReporting: 1}}, "3", 3, sla.StateDown, sla.StateUnknown},
		{"two of three reporting and split: the silent one would decide", credit.Check{ID: "pair", Locations: three}, "0", 57, sla.StateUnknown, sla.StateUp},
		{"two of three reporting, unanimity needed: the up one decides",
			credit.Check{ID: "pair", Locations: three, Confirmation: sla.Confirmation{Quorum: 3, MinReporting: 2}}, "0", 60, sla.StateDegraded, sla.StateUp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := credit.Contract{
				ID: "c", Tenant: "acme", Policy: sla.Policy{Target: big.NewRat(999, 10)},
				Fee: sla.Money{Amount: big.NewRat(100, 1), Currency: "EUR"}, Checks: []credit.Check{tc.check},
			}
			st, err := credit.Compute(ctx, store, c, period, period.End)
			if err != nil {
				t.Fatal(err)
			}
			if got := *st.Outcome.Report().DowntimeMinutes; got != tc.downtime {
				t.Errorf("downtime %s minutes, want %s", got, tc.downtime)
			}
			if st.Coverage.Covered != tc.covered || st.Coverage.Minutes != 60 || st.Flagged != (tc.covered < 60) {
				t.Errorf("coverage %d of %d, flagged %v; want %d of 60, flagged %v", st.Coverage.Covered, st.Coverage.Minutes, st.Flagged, tc.covered, tc.covered < 60)
			}
			for minute, want := range map[int]sla.State{11: tc.outage, 5: tc.before} {
				w, err := credit.JudgeWindow(ctx, store, tc.check, start.Add(time.Duration(minute)*time.Minute), 1, 10*time.Minute, 1)
				if err != nil || w.States[0] != want {
					t.Errorf("minute 10:%02d judged %s (%v), want %s", minute, w.States[0], err, want)
				}
			}
			days, err := credit.DailyBars(ctx, store, []credit.Check{tc.check}, 1, time.UTC, period.End)
			if err != nil {
				t.Fatal(err)
			}
			if days[0].Known != tc.covered { // the day's hours before the evidence are unknown too
				t.Errorf("status bar knows %d minutes of the day, want %d", days[0].Known, tc.covered)
			}
		})
	}
}
