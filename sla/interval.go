package sla

import (
	"slices"
	"time"
)

// Interval is the half-open span of time [Start, End).
type Interval struct {
	Start, End time.Time
}

// Duration is the length of the interval; zero or negative when it is empty.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// span is an interval in Unix nanoseconds, [a, b).
type span struct{ a, b int64 }

func toSpan(iv Interval) span { return span{iv.Start.UnixNano(), iv.End.UnixNano()} }

func (s span) len() int64 { return s.b - s.a }

// Set is a union of half-open intervals, kept normalised: sorted, disjoint,
// never touching, never empty. The zero value is the empty set. Sets are
// values; operations return new sets and never modify their operands.
type Set struct {
	spans []span
}

// NewSet is the union of the given intervals; empty and reversed intervals
// contribute nothing.
func NewSet(ivs ...Interval) Set {
	ss := make([]span, 0, len(ivs))
	for _, iv := range ivs {
		ss = append(ss, toSpan(iv))
	}
	return Set{normalize(ss)}
}

// Span is the set holding the single interval iv.
func Span(iv Interval) Set { return NewSet(iv) }

// normalize sorts ss in place and merges overlapping and touching spans.
func normalize(ss []span) []span {
	ss = slices.DeleteFunc(ss, func(s span) bool { return s.b <= s.a })
	slices.SortFunc(ss, func(x, y span) int {
		switch {
		case x.a < y.a:
			return -1
		case x.a > y.a:
			return 1
		}
		return 0
	})
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && s.a <= out[n-1].b {
			if s.b > out[n-1].b {
				out[n-1].b = s.b
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// Union is the set of instants in s or o.
func (s Set) Union(o Set) Set {
	ss := make([]span, 0, len(s.spans)+len(o.spans))
	ss = append(append(ss, s.spans...), o.spans...)
	return Set{normalize(ss)}
}

// Intersect is the set of instants in both s and o.
func (s Set) Intersect(o Set) Set { return Set{intersect(s.spans, o.spans)} }

// Subtract is the set of instants in s and not in o.
func (s Set) Subtract(o Set) Set { return Set{subtract(s.spans, o.spans)} }

// Duration is the total length of the set.
func (s Set) Duration() time.Duration { return time.Duration(total(s.spans)) }

// Empty reports whether the set holds no instant.
func (s Set) Empty() bool { return len(s.spans) == 0 }

// Intervals lists the set's maximal intervals in order, in UTC.
func (s Set) Intervals() []Interval {
	out := make([]Interval, len(s.spans))
	for i, sp := range s.spans {
		out[i] = Interval{time.Unix(0, sp.a).UTC(), time.Unix(0, sp.b).UTC()}
	}
	return out
}

func intersect(x, y []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		a, b := max(x[i].a, y[j].a), min(x[i].b, y[j].b)
		if a < b {
			out = append(out, span{a, b})
		}
		if x[i].b < y[j].b {
			i++
		} else {
			j++
		}
	}
	return out
}

func subtract(x, y []span) []span {
	var out []span
	j := 0
	for _, s := range x {
		a := s.a
		for j < len(y) && y[j].b <= a {
			j++
		}
		k := j
		for k < len(y) && y[k].a < s.b {
			if y[k].a > a {
				out = append(out, span{a, y[k].a})
			}
			a = max(a, y[k].b)
			k++
		}
		if a < s.b {
			out = append(out, span{a, s.b})
		}
	}
	return out
}

func total(ss []span) int64 {
	var n int64
	for _, s := range ss {
		n += s.len()
	}
	return n
}

// dropShort removes the spans shorter than min. Zero min keeps everything.
func dropShort(ss []span, min int64) []span {
	if min <= 0 {
		return ss
	}
	out := make([]span, 0, len(ss))
	for _, s := range ss {
		if s.len() >= min {
			out = append(out, s)
		}
	}
	return out
}
