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

func TestCoverageUnreachable(t *testing.T) {
	march := sla.Period{Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	const month = 31 * 24 * 60 // 44,640 minutes
	cases := []struct {
		name              string
		minutes, covered  int
		threshold         *big.Rat
		want, wantFlagged bool
	}{
		{"a fresh start: one minute of one, nothing lost yet", 1, 0, nil, false, true},
		{"446 minutes missing of 99%'s 446.4 allowed", 1000, 1000 - 446, nil, false, true},
		{"447 minutes missing: 99% is out of reach", 1000, 1000 - 447, nil, true, true},
		{"a lower threshold tolerates more", 1000, 1000 - 447, big.NewRat(98, 1), false, true},
		{"the whole month covered", month, month, nil, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := credit.Statement{Contract: credit.Contract{CoverageThreshold: tc.threshold}, Period: march,
				Coverage: sla.Coverage{Minutes: tc.minutes, Covered: tc.covered}}
			if got := st.CoverageUnreachable(); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			th := tc.threshold
			if th == nil {
				th = big.NewRat(99, 1)
			}
			if flagged := st.CoveragePercent().Cmp(th) < 0; flagged != tc.wantFlagged {
				t.Errorf("flagged %v, want %v", flagged, tc.wantFlagged)
			}
		})
	}
}

func TestReportedBefore(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := store.WriteResults(ctx, []sla.Result{{CheckID: "old", Location: "local", At: t0.Add(-24 * time.Hour), OK: true},
		{CheckID: "new", Location: "local", At: t0.Add(time.Hour), OK: true}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		checks []string
		want   bool
	}{
		{"a check that reported in February", []string{"old"}, true},
		{"a check that first reported in March", []string{"new"}, false},
		{"a contract with both", []string{"old", "new"}, false},
		{"a check that never reported", []string{"never"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var checks []credit.Check
			for _, id := range tc.checks {
				checks = append(checks, credit.Check{ID: id})
			}
			got, err := credit.ReportedBefore(ctx, store, checks, t0.AddDate(0, -1, 0), t0)
			if err != nil || got != tc.want {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
