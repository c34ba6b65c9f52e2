package sla_test

import (
	"fmt"
	"math/big"
	"time"

	"github.com/slatehq/slate/sla"
)

// A 99.9% monthly SLA in Los Angeles: March has 44,580 minutes there, and
// 44 minutes 37 seconds of downtime just misses the target.
func ExampleEvaluate() {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic(err)
	}
	tier, _ := sla.ParseRange("[99, 99.9)")
	start := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	out, err := sla.Evaluate(sla.Case{
		Policy: sla.Policy{
			Target: big.NewRat(999, 10),
			Tiers:  []sla.Tier{{Uptime: tier, Credit: big.NewRat(25, 1)}},
		},
		Period: sla.Month(2024, time.March, la),
		Fee:    sla.Money{Amount: big.NewRat(1000, 1), Currency: "USD"},
		Facts: sla.Facts{Downtime: []sla.Outage{
			{Interval: sla.Interval{Start: start, End: start.Add(44*time.Minute + 37*time.Second)}},
		}},
	})
	if err != nil {
		panic(err)
	}
	r := out.Report()
	fmt.Println(r.PeriodMinutes, *r.DowntimeMinutes, r.UptimePercent, r.UptimeExact, r.TargetMet)
	fmt.Println(r.CreditPercent, r.CreditAmount, r.Currency, out.AmountMinor())
	// Output:
	// 44580 44.616667 99.8999 2672123/26748 false
	// 25 250.00 USD 25000
}

// Set is how monitoring hands downtime to the engine: overlapping reports
// from several probes collapse into one union.
func ExampleSet() {
	t0 := time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)
	down := sla.NewSet(
		sla.Interval{Start: t0, End: t0.Add(30 * time.Minute)},
		sla.Interval{Start: t0.Add(15 * time.Minute), End: t0.Add(45 * time.Minute)},
	)
	maintenance := sla.NewSet(sla.Interval{Start: t0.Add(40 * time.Minute), End: t0.Add(time.Hour)})
	fmt.Println(down.Duration(), down.Subtract(maintenance).Duration())
	// Output:
	// 45m0s 40m0s
}
