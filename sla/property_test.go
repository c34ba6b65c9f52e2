package sla_test

import (
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/sla"
)

// Property tests: random cases from a fixed seed, so a failure reproduces.

const trials = 300

// gen makes random but valid cases whose measure is built on downtime.
type gen struct {
	r   *rand.Rand
	per sla.Period
}

func newGen(seed uint64) *gen {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic(err)
	}
	return &gen{r: rand.New(rand.NewPCG(seed, 7)), per: sla.Month(2024, time.March, la)}
}

// at is a random instant around the period, spilling a little past both ends.
func (g *gen) at() time.Time {
	span := g.per.Duration() + 4*time.Hour
	off := time.Duration(g.r.Int64N(int64(span)/int64(time.Second))) * time.Second
	return g.per.Start.Add(-2*time.Hour + off)
}

func (g *gen) interval(maxLen time.Duration) sla.Interval {
	s := g.at()
	return sla.Interval{Start: s, End: s.Add(time.Duration(g.r.Int64N(int64(maxLen)/int64(time.Second))+1) * time.Second)}
}

func (g *gen) share() *big.Rat {
	return []*big.Rat{nil, big.NewRat(1, 4), big.NewRat(1, 2), big.NewRat(1, 3), big.NewRat(1, 1), big.NewRat(0, 1)}[g.r.IntN(6)]
}

func (g *gen) policy() sla.Policy {
	p := sla.Policy{Target: big.NewRat(999, 10), Tiers: monotoneTiers(g.r)}
	switch g.r.IntN(4) {
	case 0:
		p.Measure = sla.MeasureTime
	case 1:
		p.Measure = sla.MeasureWeightedTime
	case 2:
		p.Measure, p.Slice, p.BadSlice = sla.MeasureSlices, 5*time.Minute, sla.BadSliceAny
	case 3:
		p.Measure, p.Slice, p.BadSlice = sla.MeasureSlices, time.Minute, sla.BadSliceFull
	}
	if g.r.IntN(2) == 0 {
		p.MinOutage = time.Duration(g.r.IntN(3)) * 5 * time.Minute
	}
	if g.r.IntN(2) == 0 {
		p.Maintenance = sla.MaintenanceCounted
	}
	if g.r.IntN(2) == 0 {
		p.ExcludedTime = sla.ExcludedRemoved
	}
	return p
}

func (g *gen) facts(p sla.Policy) sla.Facts {
	var f sla.Facts
	for range g.r.IntN(25) {
		o := sla.Outage{Interval: g.interval(6 * time.Hour)}
		if p.Measure == sla.MeasureWeightedTime {
			o.Affected = g.share()
		}
		f.Downtime = append(f.Downtime, o)
	}
	for range g.r.IntN(4) {
		f.Exclusions = append(f.Exclusions, sla.Exclusion{Interval: g.interval(12 * time.Hour), Reason: "test"})
	}
	for range g.r.IntN(4) {
		f.Maintenance = append(f.Maintenance, g.interval(4*time.Hour))
	}
	for range g.r.IntN(3) {
		f.Active = append(f.Active, g.interval(20*24*time.Hour))
	}
	return f
}

func (g *gen) newCase() sla.Case {
	p := g.policy()
	return sla.Case{Policy: p, Period: g.per, Fee: sla.Money{Amount: big.NewRat(100000, 1), Currency: "USD"}, Facts: g.facts(p)}
}

// monotoneTiers is a random credit schedule in which lower uptime never earns
// less: cut points from 100 down to 0, credits rising as uptime falls.
func monotoneTiers(r *rand.Rand) []sla.Tier {
	cuts := []*big.Rat{big.NewRat(100, 1)}
	for range r.IntN(4) + 1 {
		last := cuts[len(cuts)-1]
		step := big.NewRat(int64(r.IntN(500)+1), 100) // 0.01 to 5 points
		next := new(big.Rat).Sub(last, step)
		if next.Sign() <= 0 {
			break
		}
		cuts = append(cuts, next)
	}
	cuts = append(cuts, new(big.Rat))
	var tiers []sla.Tier
	credit := int64(0)
	for i := 1; i < len(cuts); i++ {
		credit += int64(r.IntN(30))
		// Half-open from above keeps neighbours disjoint; the top tier may
		// include 100 when it earns nothing.
		tiers = append(tiers, sla.Tier{
			Uptime: sla.Range{Lo: cuts[i], Hi: cuts[i-1], HiOpen: i > 1 || credit > 0},
			Credit: big.NewRat(credit, 1),
		})
	}
	return tiers
}

func mustEvaluate(t *testing.T, c sla.Case) sla.Outcome {
	t.Helper()
	o, err := sla.Evaluate(c)
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	return o
}

func TestMoreDowntimeNeverRaisesUptime(t *testing.T) {
	g := newGen(1)
	for i := range trials {
		c := g.newCase()
		before := mustEvaluate(t, c)
		extra := sla.Outage{Interval: g.interval(3 * time.Hour)}
		if c.Policy.Measure == sla.MeasureWeightedTime {
			extra.Affected = g.share()
		}
		c.Facts.Downtime = append(slices.Clone(c.Facts.Downtime), extra)
		after := mustEvaluate(t, c)
		if after.Uptime.Cmp(before.Uptime) > 0 {
			t.Fatalf("trial %d (%s): uptime rose from %s to %s after adding %v", i, c.Policy.Measure,
				before.Uptime.RatString(), after.Uptime.RatString(), extra.Interval)
		}
		if after.Credit.Percent.Cmp(before.Credit.Percent) < 0 {
			t.Fatalf("trial %d (%s): credit fell from %s to %s after adding downtime", i, c.Policy.Measure,
				before.Credit.Percent.RatString(), after.Credit.Percent.RatString())
		}
	}
}

func TestLowerUptimeNeverLowersTheCredit(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 7))
	for i := range trials {
		p := sla.Policy{Target: big.NewRat(999, 10)}
		switch r.IntN(3) {
		case 0:
			p.Tiers = monotoneTiers(r)
		case 1:
			p.CreditUnit, p.Tiers = sla.CreditDays, monotoneTiers(r)
		case 2:
			p.CreditUnit, p.Multiplier = sla.CreditProportional, big.NewRat(int64(r.IntN(10)+1), 2)
		}
		if r.IntN(2) == 0 {
			p.Cap = big.NewRat(int64(r.IntN(100)), 1)
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("trial %d: generated policy invalid: %v", i, err)
		}
		ups := make([]*big.Rat, 20)
		for j := range ups {
			ups[j] = big.NewRat(r.Int64N(1_000_001), 10_000) // 0 to 100 in steps of 0.0001
		}
		ups = append(ups, big.NewRat(100, 1), new(big.Rat))
		for _, tier := range p.Tiers { // the bounds themselves are the likeliest slips
			ups = append(ups, tier.Uptime.Lo, tier.Uptime.Hi)
		}
		slices.SortFunc(ups, func(a, b *big.Rat) int { return a.Cmp(b) })
		prev := sla.CreditFor(p, ups[0], 31)
		for _, u := range ups[1:] {
			c := sla.CreditFor(p, u, 31)
			if c.Percent.Cmp(prev.Percent) > 0 {
				t.Fatalf("trial %d: credit at uptime %s is %s, above %s at a lower uptime", i,
					u.FloatString(4), c.Percent.FloatString(4), prev.Percent.FloatString(4))
			}
			prev = c
		}
	}
}

// split cuts iv into pieces that overlap each other (overlap true) or only
// touch (overlap false).
func split(r *rand.Rand, iv sla.Interval, overlap bool) []sla.Interval {
	d := iv.Duration()
	if d < 2*time.Second {
		return []sla.Interval{iv}
	}
	var out []sla.Interval
	start := iv.Start
	for start.Before(iv.End) {
		end := start.Add(time.Duration(r.Int64N(int64(d)/2) + 1))
		if end.After(iv.End) {
			end = iv.End
		}
		piece := sla.Interval{Start: start, End: end}
		if overlap && end.Before(iv.End) {
			piece.End = end.Add(time.Duration(r.Int64N(int64(iv.End.Sub(end)) + 1)))
		}
		out = append(out, piece)
		start = end
	}
	return out
}

func TestSplittingIntervalsChangesNothing(t *testing.T) {
	g := newGen(3)
	for i := range trials {
		c := g.newCase()
		want := mustEvaluate(t, c).Report()
		// Overlapping pieces would add up shares under weighted_time;
		// there the pieces only touch.
		overlap := c.Policy.Measure != sla.MeasureWeightedTime
		var f sla.Facts
		for _, o := range c.Facts.Downtime {
			for _, piece := range split(g.r, o.Interval, overlap) {
				f.Downtime = append(f.Downtime, sla.Outage{Interval: piece, Affected: o.Affected})
			}
		}
		for _, e := range c.Facts.Exclusions {
			for _, piece := range split(g.r, e.Interval, true) {
				f.Exclusions = append(f.Exclusions, sla.Exclusion{Interval: piece, Reason: e.Reason})
			}
		}
		for _, m := range c.Facts.Maintenance {
			f.Maintenance = append(f.Maintenance, split(g.r, m, true)...)
		}
		for _, a := range c.Facts.Active {
			f.Active = append(f.Active, split(g.r, a, true)...)
		}
		c.Facts = f
		if got := mustEvaluate(t, c).Report(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d (%s): split facts give\n%+v\nwant\n%+v", i, c.Policy.Measure, got, want)
		}
	}
}

func TestOrderOfFactsChangesNothing(t *testing.T) {
	g := newGen(4)
	for i := range trials {
		c := g.newCase()
		want := mustEvaluate(t, c).Report()
		f := c.Facts
		f.Downtime, f.Exclusions = slices.Clone(f.Downtime), slices.Clone(f.Exclusions)
		f.Maintenance, f.Active = slices.Clone(f.Maintenance), slices.Clone(f.Active)
		g.r.Shuffle(len(f.Downtime), func(a, b int) { f.Downtime[a], f.Downtime[b] = f.Downtime[b], f.Downtime[a] })
		g.r.Shuffle(len(f.Exclusions), func(a, b int) { f.Exclusions[a], f.Exclusions[b] = f.Exclusions[b], f.Exclusions[a] })
		g.r.Shuffle(len(f.Maintenance), func(a, b int) { f.Maintenance[a], f.Maintenance[b] = f.Maintenance[b], f.Maintenance[a] })
		g.r.Shuffle(len(f.Active), func(a, b int) { f.Active[a], f.Active[b] = f.Active[b], f.Active[a] })
		c.Facts = f
		if got := mustEvaluate(t, c).Report(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d (%s): shuffled facts give\n%+v\nwant\n%+v", i, c.Policy.Measure, got, want)
		}
	}
}

// TestSampleRunsInAnyOrder checks the same for the sample-based measures,
// which have their own code path.
func TestSampleRunsInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	per := sla.Month(2024, time.June, time.UTC)
	for i := range trials / 3 {
		p := sla.Policy{Target: big.NewRat(999, 10), Measure: sla.MeasureSlices, Slice: 5 * time.Minute, Tiers: monotoneTiers(r)}
		if r.IntN(2) == 0 {
			p.SliceValue = sla.SliceRatio
		} else {
			p.BadSlice, p.ErrorRateAbove = sla.BadSliceErrorRate, big.NewRat(5, 1)
		}
		c := sla.Case{Policy: p, Period: per, Fee: sla.Money{Amount: big.NewRat(1000, 1), Currency: "EUR"}}
		for range 40 {
			s := per.Start.Add(time.Duration(r.Int64N(int64(per.Duration()/time.Minute))) * time.Minute)
			total := r.Int64N(1000)
			c.Facts.Samples = append(c.Facts.Samples, sla.SampleRun{
				Interval: sla.Interval{Start: s, End: s.Add(time.Duration(r.IntN(30)+1) * time.Minute)},
				Total:    total, Errors: r.Int64N(total + 1),
			})
		}
		want := mustEvaluate(t, c).Report()
		r.Shuffle(len(c.Facts.Samples), func(a, b int) { c.Facts.Samples[a], c.Facts.Samples[b] = c.Facts.Samples[b], c.Facts.Samples[a] })
		if got := mustEvaluate(t, c).Report(); !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: shuffled samples give\n%+v\nwant\n%+v", i, got, want)
		}
	}
}
