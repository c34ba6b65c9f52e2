package sla

import (
	"math/big"
	"slices"
)

// weightedDowntime integrates the downtime weight over time: at each instant
// the weight is the sum of the shares of the outages covering it, at most 1.
// Outages are clipped to allowed first. A run is a maximal stretch of positive
// weight; runs shorter than minOutage (nanoseconds) are dropped. The result is
// in (possibly fractional) nanoseconds.
func weightedDowntime(os []Outage, allowed []span, minOutage int64) *big.Rat {
	type event struct {
		t int64
		w *big.Rat // share added (start) or removed (end)
	}
	evs := make([]event, 0, 2*len(os))
	for _, o := range os {
		w := o.Affected
		if w == nil {
			w = one()
		}
		if w.Sign() == 0 {
			continue // an outage that affects no one is no downtime
		}
		neg := new(big.Rat).Neg(w)
		for _, piece := range clip(toSpan(o.Interval), allowed) {
			evs = append(evs, event{piece.a, w}, event{piece.b, neg})
		}
	}
	slices.SortStableFunc(evs, func(x, y event) int {
		switch {
		case x.t < y.t:
			return -1
		case x.t > y.t:
			return 1
		}
		return 0
	})

	down := new(big.Rat)
	sum := new(big.Rat)     // shares covering the current instant
	runDown := new(big.Rat) // weighted downtime of the current run
	seg := new(big.Rat)
	var runStart, prev int64
	for i := 0; i < len(evs); {
		t := evs[i].t
		if sum.Sign() > 0 && t > prev {
			w := sum
			if w.Cmp(one()) > 0 {
				w = one()
			}
			seg.SetInt64(t - prev)
			runDown.Add(runDown, seg.Mul(seg, w))
		}
		wasDown := sum.Sign() > 0
		for ; i < len(evs) && evs[i].t == t; i++ {
			sum.Add(sum, evs[i].w)
		}
		switch isDown := sum.Sign() > 0; {
		case !wasDown && isDown:
			runStart = t
			runDown.SetInt64(0)
		case wasDown && !isDown:
			if t-runStart >= minOutage {
				down.Add(down, runDown)
			}
		}
		prev = t
	}
	return down
}

// clip is s intersected with the sorted, disjoint spans of allowed, found by
// binary search so that clipping many outages stays cheap.
func clip(s span, allowed []span) []span {
	i, _ := slices.BinarySearchFunc(allowed, s.a, func(x span, t int64) int {
		if x.b <= t {
			return -1
		}
		return 1
	})
	var out []span
	for ; i < len(allowed) && allowed[i].a < s.b; i++ {
		a, b := max(s.a, allowed[i].a), min(s.b, allowed[i].b)
		if a < b {
			out = append(out, span{a, b})
		}
	}
	return out
}
