package sla

import (
	"math/big"
	"math/bits"
)

// grid is the period cut into slices of length l from its start; the last
// slice may be shorter.
type grid struct {
	per span
	l   int64
	n   int
}

func newGrid(per span, l int64) grid {
	n := per.len() / l
	if per.len()%l != 0 {
		n++
	}
	return grid{per, l, int(n)}
}

func (g grid) slice(i int) span {
	a := g.per.a + int64(i)*g.l
	return span{a, min(a+g.l, g.per.b)}
}

// index is the slice holding instant t, which must lie in the period.
func (g grid) index(t int64) int { return int((t - g.per.a) / g.l) }

// walker measures how much of successive windows a sorted, disjoint span list
// covers. Windows must come in order (non-decreasing start and end), which
// keeps a pass over all slices linear.
type walker struct {
	ss []span
	i  int
}

func (w *walker) overlap(win span) int64 {
	for w.i < len(w.ss) && w.ss[w.i].b <= win.a {
		w.i++
	}
	var n int64
	for j := w.i; j < len(w.ss) && w.ss[j].a < win.b; j++ {
		n += min(win.b, w.ss[j].b) - max(win.a, w.ss[j].a)
	}
	return n
}

// sliceDowntime is step 4 for measure slices, in nanoseconds.
func sliceDowntime(p Policy, per span, allowed []span, f Facts) *big.Rat {
	g := newGrid(per, int64(p.Slice))
	if p.SliceValue == SliceRatio {
		tot, errs := sliceCounts(g, allowed, f.Samples)
		return ratioDowntime(g, tot, errs)
	}

	var bad func(i int, s span) bool
	switch p.BadSlice {
	case BadSliceErrorRate:
		tot, errs := sliceCounts(g, allowed, f.Samples)
		over := newRateTest(p.ErrorRateAbove)
		bad = func(i int, _ span) bool { return tot[i] > 0 && over(errs[i], tot[i]) }
	default: // any, full
		down := intersect(outageSpans(f.Downtime), allowed)
		dw, aw := &walker{ss: down}, &walker{ss: allowed}
		full := p.BadSlice == BadSliceFull
		bad = func(_ int, s span) bool {
			d := dw.overlap(s)
			if !full || d == 0 {
				return d > 0
			}
			return d == aw.overlap(s)
		}
	}

	// A slice wholly outside active time or wholly inside X counts nothing,
	// and ends a run of bad slices.
	counted := &walker{ss: allowed}
	var down, run int64
	minRun := int64(p.MinOutage)
	for i := 0; i < g.n; i++ {
		s := g.slice(i)
		if counted.overlap(s) > 0 && bad(i, s) {
			run += s.len()
			continue
		}
		if run >= minRun {
			down += run
		}
		run = 0
	}
	if run >= minRun {
		down += run
	}
	return new(big.Rat).SetInt64(down)
}

// sliceCounts sums the sample runs per slice. Each run is clipped to allowed
// time and then adds its counts, once, to every slice its remaining pieces
// overlap. Difference arrays keep this linear in runs plus slices however long
// the runs are. Validation has bounded the sum of all totals by MaxInt64, so
// no per-slice sum can overflow.
func sliceCounts(g grid, allowed []span, runs []SampleRun) (tot, errs []int64) {
	dt := make([]int64, g.n+1)
	de := make([]int64, g.n+1)
	add := func(first, last int, r SampleRun) {
		dt[first] += r.Total
		dt[last+1] -= r.Total
		de[first] += r.Errors
		de[last+1] -= r.Errors
	}
	var pieces []span
	for _, r := range runs {
		if r.Total == 0 {
			continue
		}
		pieces = clip(pieces[:0], toSpan(r.Interval), allowed)
		first, last := -1, -1
		for _, piece := range pieces {
			f, l := g.index(piece.a), g.index(piece.b-1)
			if first >= 0 && f <= last {
				last = max(last, l) // same slice as the previous piece: count once
				continue
			}
			if first >= 0 {
				add(first, last, r)
			}
			first, last = f, l
		}
		if first >= 0 {
			add(first, last, r)
		}
	}
	var t, e int64
	for i := 0; i < g.n; i++ {
		t += dt[i]
		e += de[i]
		dt[i], de[i] = t, e
	}
	return dt[:g.n], de[:g.n]
}

// newRateTest returns a test for errors/total > rate percent, done exactly in
// integers: errors * 100 * den > num * total.
func newRateTest(rate *big.Rat) func(errors, total int64) bool {
	th := new(big.Rat).Quo(rate, hundred())
	num, den := th.Num(), th.Denom()
	if num.IsUint64() && den.IsUint64() {
		n, d := num.Uint64(), den.Uint64()
		return func(errors, total int64) bool {
			lh, ll := bits.Mul64(uint64(errors), d)
			rh, rl := bits.Mul64(n, uint64(total))
			return lh > rh || lh == rh && ll > rl
		}
	}
	return func(errors, total int64) bool {
		l := new(big.Int).Mul(big.NewInt(errors), den)
		r := new(big.Int).Mul(num, big.NewInt(total))
		return l.Cmp(r) > 0
	}
}

// ratioDowntime is the sum over slices of errors/total times the slice length.
// Slices are grouped by total so that each distinct denominator is divided
// once, and the per-denominator sums are added pairwise so that the exact
// result stays cheap even with many distinct totals.
func ratioDowntime(g grid, tot, errs []int64) *big.Rat {
	byTotal := map[int64]*big.Int{}
	var order []int64
	x := new(big.Int)
	for i := 0; i < g.n; i++ {
		if tot[i] == 0 || errs[i] == 0 {
			continue
		}
		acc, ok := byTotal[tot[i]]
		if !ok {
			acc = new(big.Int)
			byTotal[tot[i]] = acc
			order = append(order, tot[i])
		}
		x.SetInt64(errs[i])
		acc.Add(acc, x.Mul(x, big.NewInt(g.slice(i).len())))
	}
	parts := make([]*big.Rat, len(order))
	for i, t := range order {
		parts[i] = new(big.Rat).SetFrac(byTotal[t], big.NewInt(t))
	}
	return sumTree(parts)
}

// sumTree adds rationals pairwise, which keeps intermediate denominators
// balanced instead of growing one huge running sum.
func sumTree(rs []*big.Rat) *big.Rat {
	if len(rs) == 0 {
		return new(big.Rat)
	}
	for len(rs) > 1 {
		next := rs[:0:0]
		for i := 0; i+1 < len(rs); i += 2 {
			next = append(next, new(big.Rat).Add(rs[i], rs[i+1]))
		}
		if len(rs)%2 == 1 {
			next = append(next, rs[len(rs)-1])
		}
		rs = next
	}
	return rs[0]
}
