package sla

import (
	"fmt"
	"math/big"
	"strings"
)

// Range is an interval of percentages in the notation contracts use:
// "[99, 99.9)" holds 99 and not 99.9, "(99, 99.9]" the other way round.
type Range struct {
	Lo, Hi         *big.Rat
	LoOpen, HiOpen bool // whether the bound itself is left out
}

// ParseRange reads interval notation: a bracket, two decimals separated by a
// comma, a bracket. The interval must hold at least one value.
func ParseRange(s string) (Range, error) {
	bad := fmt.Errorf("%q is not an interval like \"[99, 99.9)\"", s)
	t := strings.TrimSpace(s)
	if len(t) < 5 {
		return Range{}, bad
	}
	var r Range
	switch t[0] {
	case '[':
	case '(':
		r.LoOpen = true
	default:
		return Range{}, bad
	}
	switch t[len(t)-1] {
	case ']':
	case ')':
		r.HiOpen = true
	default:
		return Range{}, bad
	}
	lo, hi, ok := strings.Cut(t[1:len(t)-1], ",")
	if !ok {
		return Range{}, bad
	}
	var err error
	if r.Lo, err = ParseDecimal(strings.TrimSpace(lo)); err != nil {
		return Range{}, bad
	}
	if r.Hi, err = ParseDecimal(strings.TrimSpace(hi)); err != nil {
		return Range{}, bad
	}
	switch c := r.Lo.Cmp(r.Hi); {
	case c > 0:
		return Range{}, fmt.Errorf("%q has its lower bound above its upper bound", s)
	case c == 0 && (r.LoOpen || r.HiOpen):
		return Range{}, fmt.Errorf("%q holds no value", s)
	}
	return r, nil
}

// Contains reports whether x lies in the range.
func (r Range) Contains(x *big.Rat) bool {
	lo, hi := x.Cmp(r.Lo), x.Cmp(r.Hi)
	return (lo > 0 || lo == 0 && !r.LoOpen) && (hi < 0 || hi == 0 && !r.HiOpen)
}

// Overlaps reports whether some value lies in both ranges.
func (r Range) Overlaps(o Range) bool {
	// The intersection's lower bound is the larger lower bound, open if the
	// range that sets it is open there; likewise for the upper bound.
	lo, loOpen := r.Lo, r.LoOpen
	switch c := o.Lo.Cmp(r.Lo); {
	case c > 0:
		lo, loOpen = o.Lo, o.LoOpen
	case c == 0:
		loOpen = r.LoOpen || o.LoOpen
	}
	hi, hiOpen := r.Hi, r.HiOpen
	switch c := o.Hi.Cmp(r.Hi); {
	case c < 0:
		hi, hiOpen = o.Hi, o.HiOpen
	case c == 0:
		hiOpen = r.HiOpen || o.HiOpen
	}
	c := lo.Cmp(hi)
	return c < 0 || c == 0 && !loOpen && !hiOpen
}

// String writes the range back in interval notation.
func (r Range) String() string {
	open, close := "[", "]"
	if r.LoOpen {
		open = "("
	}
	if r.HiOpen {
		close = ")"
	}
	return open + FormatExact(r.Lo, 6) + ", " + FormatExact(r.Hi, 6) + close
}

// Tier is one step of a credit schedule: when uptime lies in Uptime, the
// credit is Credit, in the policy's credit unit.
type Tier struct {
	Uptime Range
	Credit *big.Rat
}
