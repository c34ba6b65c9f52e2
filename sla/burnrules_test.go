package sla_test

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

func TestBurnRules(t *testing.T) {
	month, quarter := sla.BurnPeriod(false), sla.BurnPeriod(true)
	for _, tc := range []struct {
		rule           string
		month, quarter string // thresholds
		long, short    string
		severity       string
	}{
		{"SLOBudgetBurnFast", "72/5", "1092/25", "1h", "5m", "page"}, // 14.4 and 43.68
		{"SLOBudgetBurnMedium", "6", "91/5", "6h", "30m", "page"},    // 6 and 18.2
		{"SLOBudgetBurnSlow", "1", "91/30", "3d", "6h", "ticket"},    // 1 and 3.0333
	} {
		t.Run(tc.rule, func(t *testing.T) {
			var r sla.BurnRule
			for _, x := range sla.BurnRules() {
				if x.Name == tc.rule {
					r = x
				}
			}
			if got := r.Threshold(month).RatString(); got != tc.month {
				t.Errorf("month threshold: got %s, want %s", got, tc.month)
			}
			if got := r.Threshold(quarter).RatString(); got != tc.quarter {
				t.Errorf("quarter threshold: got %s, want %s", got, tc.quarter)
			}
			if sla.WindowName(r.Long) != tc.long || sla.WindowName(r.Short) != tc.short || r.Severity != tc.severity {
				t.Errorf("got %s/%s %s", sla.WindowName(r.Long), sla.WindowName(r.Short), r.Severity)
			}
			th := r.Threshold(month)
			over := new(big.Rat).Add(th, big.NewRat(1, 1000))
			for _, c := range []struct {
				name        string
				long, short *big.Rat
				want        bool
			}{
				{"both over", over, over, true},
				{"long only: a blip long ago", over, th, false},
				{"short only: a spike", th, over, false},
				{"exactly at the threshold does not fire", th, th, false},
				{"no figures", nil, nil, false},
			} {
				rates := map[time.Duration]*big.Rat{r.Long: c.long, r.Short: c.short}
				if got := r.Firing(rates, month); got != c.want {
					t.Errorf("%s: firing %v, want %v", c.name, got, c.want)
				}
			}
		})
	}
}

func TestBurnThresholdsFollowTheWorkbook(t *testing.T) {
	month, quarter := sla.BurnPeriod(false), sla.BurnPeriod(true)
	cases := []struct {
		name           string
		share          *big.Rat
		period, window time.Duration
		want           string
	}{
		{"2% in an hour of a month", big.NewRat(2, 100), month, time.Hour, "14.4"},
		{"5% in six hours of a month", big.NewRat(5, 100), month, 6 * time.Hour, "6"},
		{"10% in three days of a month", big.NewRat(10, 100), month, 72 * time.Hour, "1"},
		{"2% in an hour of a quarter", big.NewRat(2, 100), quarter, time.Hour, "43.68"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := (sla.BurnRule{Share: tc.share, Long: tc.window}).Threshold(tc.period).FloatString(2); strings.TrimRight(strings.TrimRight(got, "0"), ".") != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
