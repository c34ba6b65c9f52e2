package credit_test

import (
	"context"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
)

// TestLocationCoverage: an hour in which eu-west reports web every minute
// and api for the first 45, us-east reports web for the first 30 and
// ap-south nothing. Each location's coverage counts the minutes it
// reported every check of the contract that runs there.
func TestLocationCoverage(t *testing.T) {
	store := dbtest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	period := sla.Period{Start: start, End: start.Add(time.Hour), Location: time.UTC}
	var rs []sla.Result
	for m := range 60 {
		at := start.Add(time.Duration(m)*time.Minute + 5*time.Second)
		rs = append(rs, sla.Result{CheckID: "web", Location: "eu-west", At: at, OK: true})
		if m < 45 {
			rs = append(rs, sla.Result{CheckID: "api", Location: "eu-west", At: at, OK: true})
		}
		if m < 30 {
			rs = append(rs, sla.Result{CheckID: "web", Location: "us-east", At: at, OK: true})
		}
	}
	if err := store.WriteResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	three := []string{"eu-west", "us-east", "ap-south"}
	type cov struct {
		location string
		reported int
	}
	cases := []struct {
		name   string
		checks []credit.Check
		want   []cov
	}{
		{"one check from three locations", []credit.Check{{ID: "web", Locations: three}},
			[]cov{{"eu-west", 60}, {"us-east", 30}, {"ap-south", 0}}},
		{"a location counts only minutes it reported every check it runs",
			[]credit.Check{{ID: "web", Locations: three}, {ID: "api", Locations: []string{"eu-west"}}},
			[]cov{{"eu-west", 45}, {"us-east", 30}, {"ap-south", 0}}},
		{"a check never reported leaves its locations silent",
			[]credit.Check{{ID: "api", Locations: []string{"eu-west"}}, {ID: "never", Locations: []string{"us-east", "eu-west"}}},
			[]cov{{"eu-west", 0}, {"us-east", 0}}},
		{"without declared locations, those that reported",
			[]credit.Check{{ID: "web"}}, []cov{{"eu-west", 60}, {"us-east", 30}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := credit.Contract{ID: "c", Tenant: "acme", Policy: sla.Policy{Target: big.NewRat(999, 10)},
				Fee: sla.Money{Amount: big.NewRat(100, 1), Currency: "EUR"}, Checks: tc.checks}
			st, err := credit.Compute(ctx, store, c, period, period.End)
			if err != nil {
				t.Fatal(err)
			}
			var got []cov
			for _, l := range st.Locations {
				if l.Minutes != 60 {
					t.Errorf("%s: %d minutes, want 60", l.Location, l.Minutes)
				}
				got = append(got, cov{l.Location, l.Reported})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if p := (credit.LocationCoverage{Minutes: 60, Reported: 45}).Percent(); p.Cmp(big.NewRat(75, 1)) != 0 {
		t.Errorf("45 of 60 minutes: %s%%, want 75%%", p.FloatString(2))
	}
}
