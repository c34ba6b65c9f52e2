package sla

import (
	"math/big"
	"math/bits"
	"slices"
)

// weightedDowntime integrates the downtime weight over time: at each instant
// the weight is the sum of the shares of the outages covering it, at most 1.
// Outages are clipped to allowed first. A run is a maximal stretch of positive
// weight; runs shorter than minOutage (nanoseconds) are dropped. The result is
// in (possibly fractional) nanoseconds.
//
// Shares are rationals, but real ones have small denominators (quarters,
// thirds, user counts), so the sweep runs in integers: every share is scaled
// to the least common denominator L, weights are whole multiples of 1/L and
// the integral is summed in 128 bits. Only a case whose denominators cannot
// share a small L falls back to big.Rat arithmetic.
func weightedDowntime(os []Outage, allowed []span, minOutage int64) *big.Rat {
	l, ok := commonDenominator(os)
	if !ok {
		return weightedDowntimeRat(os, allowed, minOutage)
	}
	type event struct {
		t int64
		w int64 // share * l added (start) or removed (end)
	}
	evs := make([]event, 0, 2*len(os))
	var pieces []span
	for _, o := range os {
		w := l
		if o.Affected != nil {
			// Shares lie in [0, 1], so num <= den and num * (l/den) <= l.
			w = o.Affected.Num().Int64() * (l / o.Affected.Denom().Int64())
		}
		if w == 0 {
			continue // an outage that affects no one is no downtime
		}
		pieces = clip(pieces[:0], toSpan(o.Interval), allowed)
		for _, p := range pieces {
			evs = append(evs, event{p.a, w}, event{p.b, -w})
		}
	}
	slices.SortFunc(evs, func(x, y event) int { return cmpInt64(x.t, y.t) })

	var down, run u128
	var sum, runStart, prev int64
	for i := 0; i < len(evs); {
		t := evs[i].t
		if sum > 0 && t > prev {
			run.addMul(uint64(min(sum, l)), uint64(t-prev))
		}
		wasDown := sum > 0
		for ; i < len(evs) && evs[i].t == t; i++ {
			sum += evs[i].w
		}
		switch isDown := sum > 0; {
		case !wasDown && isDown:
			runStart, run = t, u128{}
		case wasDown && !isDown:
			if t-runStart >= minOutage {
				down.add(run)
			}
		}
		prev = t
	}
	return new(big.Rat).SetFrac(down.big(), big.NewInt(l))
}

// maxDenominator bounds the common denominator of the integer sweep, so that
// the sum of all scaled shares stays far inside int64.
const maxDenominator = 1 << 31

// commonDenominator is the least common multiple of the shares'
// denominators, when it is at most maxDenominator and the outages are few
// enough that their scaled shares cannot overflow when summed.
func commonDenominator(os []Outage) (int64, bool) {
	if len(os) > 1<<30 {
		return 0, false
	}
	l := int64(1)
	for _, o := range os {
		if o.Affected == nil {
			continue
		}
		d := o.Affected.Denom()
		if !d.IsInt64() || d.Int64() > maxDenominator {
			return 0, false
		}
		dd := d.Int64()
		l = l / gcd(l, dd) * dd
		if l > maxDenominator {
			return 0, false
		}
	}
	return l, true
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// u128 is an unsigned 128-bit accumulator: weights (at most 2^31) times
// durations (at most 2^63 ns) overflow 64 bits.
type u128 struct{ hi, lo uint64 }

func (u *u128) addMul(a, b uint64) {
	hi, lo := bits.Mul64(a, b)
	var c uint64
	u.lo, c = bits.Add64(u.lo, lo, 0)
	u.hi += hi + c
}

func (u *u128) add(v u128) {
	var c uint64
	u.lo, c = bits.Add64(u.lo, v.lo, 0)
	u.hi += v.hi + c
}

func (u u128) big() *big.Int {
	x := new(big.Int).SetUint64(u.hi)
	x.Lsh(x, 64)
	return x.Or(x, new(big.Int).SetUint64(u.lo))
}

// weightedDowntimeRat is weightedDowntime in big.Rat arithmetic, for shares
// whose denominators have no small common multiple.
func weightedDowntimeRat(os []Outage, allowed []span, minOutage int64) *big.Rat {
	type event struct {
		t int64
		w *big.Rat
	}
	evs := make([]event, 0, 2*len(os))
	for _, o := range os {
		w := o.Affected
		if w == nil {
			w = one()
		}
		if w.Sign() == 0 {
			continue
		}
		neg := new(big.Rat).Neg(w)
		for _, p := range clip(nil, toSpan(o.Interval), allowed) {
			evs = append(evs, event{p.a, w}, event{p.b, neg})
		}
	}
	slices.SortFunc(evs, func(x, y event) int { return cmpInt64(x.t, y.t) })

	down, sum, run, seg := new(big.Rat), new(big.Rat), new(big.Rat), new(big.Rat)
	var runStart, prev int64
	for i := 0; i < len(evs); {
		t := evs[i].t
		if sum.Sign() > 0 && t > prev {
			w := sum
			if w.Cmp(one()) > 0 {
				w = one()
			}
			seg.SetInt64(t - prev)
			run.Add(run, seg.Mul(seg, w))
		}
		wasDown := sum.Sign() > 0
		for ; i < len(evs) && evs[i].t == t; i++ {
			sum.Add(sum, evs[i].w)
		}
		switch isDown := sum.Sign() > 0; {
		case !wasDown && isDown:
			runStart = t
			run.SetInt64(0)
		case wasDown && !isDown:
			if t-runStart >= minOutage {
				down.Add(down, run)
			}
		}
		prev = t
	}
	return down
}

// clip appends to dst the pieces of s inside the sorted, disjoint spans of
// allowed, found by binary search so that clipping many facts stays cheap.
func clip(dst []span, s span, allowed []span) []span {
	i, _ := slices.BinarySearchFunc(allowed, s.a, func(x span, t int64) int {
		if x.b <= t {
			return -1
		}
		return 1
	})
	for ; i < len(allowed) && allowed[i].a < s.b; i++ {
		a, b := max(s.a, allowed[i].a), min(s.b, allowed[i].b)
		if a < b {
			dst = append(dst, span{a, b})
		}
	}
	return dst
}
