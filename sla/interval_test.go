package sla

import (
	"testing"
	"time"
)

func at(m int) time.Time { return time.Date(2024, 6, 1, 0, m, 0, 0, time.UTC) }

func iv(a, b int) Interval { return Interval{at(a), at(b)} }

func TestSetOperations(t *testing.T) {
	cases := []struct {
		name string
		got  Set
		want []Interval
	}{
		{"union merges overlaps", NewSet(iv(0, 10), iv(5, 15)), []Interval{iv(0, 15)}},
		{"union merges touching intervals", NewSet(iv(0, 10), iv(10, 20)), []Interval{iv(0, 20)}},
		{"union keeps gaps", NewSet(iv(20, 30), iv(0, 10)), []Interval{iv(0, 10), iv(20, 30)}},
		{"empty and reversed intervals vanish", NewSet(iv(5, 5), iv(9, 3)), []Interval{}},
		{"contained interval", NewSet(iv(0, 30), iv(10, 20)), []Interval{iv(0, 30)}},
		{"intersect", NewSet(iv(0, 10), iv(20, 30)).Intersect(NewSet(iv(5, 25))), []Interval{iv(5, 10), iv(20, 25)}},
		{"intersect touching is empty", NewSet(iv(0, 10)).Intersect(NewSet(iv(10, 20))), []Interval{}},
		{"subtract a hole", NewSet(iv(0, 30)).Subtract(NewSet(iv(10, 20))), []Interval{iv(0, 10), iv(20, 30)}},
		{"subtract across pieces", NewSet(iv(0, 10), iv(20, 30)).Subtract(NewSet(iv(5, 25))), []Interval{iv(0, 5), iv(25, 30)}},
		{"subtract everything", NewSet(iv(0, 10)).Subtract(NewSet(iv(0, 10))), []Interval{}},
		{"subtract one span from many", NewSet(iv(0, 5), iv(6, 8), iv(9, 12)).Subtract(NewSet(iv(4, 10))), []Interval{iv(0, 4), iv(10, 12)}},
		{"union of sets", NewSet(iv(0, 5)).Union(NewSet(iv(3, 8), iv(10, 12))), []Interval{iv(0, 8), iv(10, 12)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.got.Intervals()
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].Start.Equal(tc.want[i].Start) || !got[i].End.Equal(tc.want[i].End) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	if d := NewSet(iv(0, 10), iv(5, 15), iv(20, 21)).Duration(); d != 16*time.Minute {
		t.Errorf("duration: got %s, want 16m", d)
	}
}

func TestPeriodDays(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	cases := []struct {
		name string
		p    Period
		want int
	}{
		{"March in Los Angeles", Month(2024, time.March, la), 31},
		{"leap February", Month(2024, time.February, time.UTC), 29},
		{"quarter", Quarter(2024, 1, time.UTC), 91},
		{"explicit half days touch two dates", Period{Start: at(12 * 60), End: at(36 * 60), Location: time.UTC}, 2},
		{"a year", Period{Start: time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC)}, 365},
		{"empty", Period{Start: at(10), End: at(10)}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Days(); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPeriodNextAndString(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		name        string
		p           Period
		next, name2 string
	}{
		{"month", Month(2024, time.December, berlin), "2025-01", "2024-12"},
		{"quarter", Quarter(2024, 4, time.UTC), "2025-Q1", "2024-Q4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.String(); got != tc.name2 {
				t.Errorf("String: got %q, want %q", got, tc.name2)
			}
			if got := tc.p.Next().String(); got != tc.next {
				t.Errorf("Next: got %q, want %q", got, tc.next)
			}
		})
	}
}
