package sla_test

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// The engine must close a month or a year of evidence in well under 20 ms and
// 20 MB. Run: go test -run '^$' -bench . -benchmem ./sla/

func tieredPolicy() sla.Policy {
	return sla.Policy{
		Target: big.NewRat(999, 10),
		Tiers: []sla.Tier{
			{Uptime: sla.Range{Lo: big.NewRat(99, 1), Hi: big.NewRat(999, 10), HiOpen: true}, Credit: big.NewRat(10, 1)},
			{Uptime: sla.Range{Lo: big.NewRat(95, 1), Hi: big.NewRat(99, 1), HiOpen: true}, Credit: big.NewRat(25, 1)},
			{Uptime: sla.Range{Lo: new(big.Rat), Hi: big.NewRat(95, 1), HiOpen: true}, Credit: big.NewRat(100, 1)},
		},
	}
}

// perSlotSamples is one sample run per slot of length d over the period, as
// monitoring produces them: mostly clean, with bursts of errors.
func perSlotSamples(per sla.Period, d time.Duration, r *rand.Rand) []sla.SampleRun {
	n := int(per.Duration() / d)
	out := make([]sla.SampleRun, 0, n)
	for i := range n {
		s := per.Start.Add(time.Duration(i) * d)
		total := 50 + r.Int64N(100)
		errs := int64(0)
		if r.IntN(50) == 0 {
			errs = r.Int64N(total + 1)
		}
		out = append(out, sla.SampleRun{Interval: sla.Interval{Start: s, End: s.Add(d)}, Total: total, Errors: errs})
	}
	return out
}

func benchCase(b *testing.B, c sla.Case) {
	b.Helper()
	if _, err := sla.Evaluate(c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := sla.Evaluate(c); err != nil {
			b.Fatal(err)
		}
	}
}

func monthCase(p sla.Policy) sla.Case {
	return sla.Case{Policy: p, Period: sla.Month(2025, time.January, time.UTC), Fee: sla.Money{Amount: big.NewRat(1000, 1), Currency: "USD"}}
}

// A month of one-minute slices with samples for every minute (44,640 slices).
func BenchmarkMonthOfMinuteSlicesErrorRate(b *testing.B) {
	p := tieredPolicy()
	p.Measure, p.Slice, p.BadSlice, p.ErrorRateAbove = sla.MeasureSlices, time.Minute, sla.BadSliceErrorRate, big.NewRat(5, 1)
	c := monthCase(p)
	c.Facts.Samples = perSlotSamples(c.Period, time.Minute, rand.New(rand.NewPCG(1, 1)))
	benchCase(b, c)
}

func BenchmarkMonthOfMinuteSlicesRatio(b *testing.B) {
	p := tieredPolicy()
	p.Measure, p.Slice, p.SliceValue = sla.MeasureSlices, time.Minute, sla.SliceRatio
	c := monthCase(p)
	c.Facts.Samples = perSlotSamples(c.Period, time.Minute, rand.New(rand.NewPCG(1, 1)))
	benchCase(b, c)
}

// outages is n random outages of up to ten minutes inside per.
func outages(per sla.Period, n int, r *rand.Rand, share func() *big.Rat) []sla.Outage {
	out := make([]sla.Outage, n)
	for i := range out {
		s := per.Start.Add(time.Duration(r.Int64N(int64(per.Duration()))))
		out[i] = sla.Outage{Interval: sla.Interval{Start: s, End: s.Add(time.Duration(r.Int64N(int64(10 * time.Minute))))}, Affected: share()}
	}
	return out
}

// A month with 10,000 downtime intervals.
func BenchmarkMonthWith10000Outages(b *testing.B) {
	c := monthCase(tieredPolicy())
	c.Facts.Downtime = outages(c.Period, 10_000, rand.New(rand.NewPCG(2, 2)), func() *big.Rat { return nil })
	c.Policy.MinOutage = time.Minute
	benchCase(b, c)
}

func BenchmarkMonthWith10000WeightedOutages(b *testing.B) {
	p := tieredPolicy()
	p.Measure = sla.MeasureWeightedTime
	c := monthCase(p)
	r := rand.New(rand.NewPCG(3, 3))
	c.Facts.Downtime = outages(c.Period, 10_000, r, func() *big.Rat { return big.NewRat(int64(r.IntN(4)+1), 4) })
	benchCase(b, c)
}

// A year of five-minute slices (105,120 slices).
func BenchmarkYearOfFiveMinuteSlicesAny(b *testing.B) {
	p := tieredPolicy()
	p.Measure, p.Slice, p.BadSlice = sla.MeasureSlices, 5*time.Minute, sla.BadSliceAny
	c := monthCase(p)
	c.Period = sla.Period{Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	c.Facts.Downtime = outages(c.Period, 10_000, rand.New(rand.NewPCG(4, 4)), func() *big.Rat { return nil })
	benchCase(b, c)
}

func BenchmarkYearOfFiveMinuteSlicesErrorRate(b *testing.B) {
	p := tieredPolicy()
	p.Measure, p.Slice, p.BadSlice, p.ErrorRateAbove = sla.MeasureSlices, 5*time.Minute, sla.BadSliceErrorRate, big.NewRat(5, 1)
	c := monthCase(p)
	c.Period = sla.Period{Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC}
	c.Facts.Samples = perSlotSamples(c.Period, 5*time.Minute, rand.New(rand.NewPCG(5, 5)))
	benchCase(b, c)
}
