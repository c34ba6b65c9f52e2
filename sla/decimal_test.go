package sla

import (
	"math/big"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	good := map[string]string{"99.9": "999/10", "100": "100", "0.0625": "1/16", "-2.5": "-5/2", "+1": "1", "007.50": "15/2"}
	for in, want := range good {
		r, err := ParseDecimal(in)
		if err != nil || r.RatString() != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "1e2", "0x10", ".5", "5.", "1,5", "NaN", "Inf", "1/2", " 1", "--1", "1.2.3"} {
		if r, err := ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q) = %v, want an error", in, r)
		}
	}
}

func TestParseShare(t *testing.T) {
	for in, want := range map[string]string{"1/4": "1/4", "0.25": "1/4", "2/8": "1/4", "1": "1"} {
		r, err := ParseShare(in)
		if err != nil || r.RatString() != want {
			t.Errorf("ParseShare(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"1/0", "/4", "1/", "a/b", "-1/4", "1/-4"} {
		if _, err := ParseShare(in); err == nil {
			t.Errorf("ParseShare(%q): want an error", in)
		}
	}
}

func TestFormatting(t *testing.T) {
	r := func(a, b int64) *big.Rat { return big.NewRat(a, b) }
	cases := []struct {
		name, got, want string
	}{
		{"fixed pads", FormatFixed(r(999, 10), 4), "99.9000"},
		{"fixed rounds half up", FormatFixed(r(5, 8), 2), "0.63"},
		{"fixed rounds below half down", FormatFixed(r(6249, 10000), 2), "0.62"},
		{"fixed rounds negatives away from zero", FormatFixed(r(-5, 8), 2), "-0.63"},
		{"fixed zero places", FormatFixed(r(24691, 2), 0), "12346"},
		{"fixed small", FormatFixed(r(1, 1000), 2), "0.00"},
		{"trim whole", FormatTrim(r(10, 1), 4), "10"},
		{"trim fraction", FormatTrim(r(300, 31), 4), "9.6774"},
		{"trim rounds to zero", FormatTrim(r(1, 100000), 4), "0"},
		{"exact terminating", FormatExact(r(1, 64), 6), "0.015625"},
		{"exact terminating past six places", FormatExact(r(1, 128), 6), "0.0078125"},
		{"exact repeating rounds", FormatExact(r(2677, 60), 6), "44.616667"},
		{"exact whole", FormatExact(r(44580, 1), 6), "44580"},
		{"fraction", FractionString(r(2672123, 26748)), "2672123/26748"},
		{"fraction whole", FractionString(r(100, 1)), "100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestRangeContainsAndOverlaps(t *testing.T) {
	mr := func(s string) Range {
		r, err := ParseRange(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	d := func(s string) *big.Rat { r, _ := ParseDecimal(s); return r }
	contains := []struct {
		r, x string
		want bool
	}{
		{"[99, 99.9)", "99", true}, {"[99, 99.9)", "99.9", false}, {"(99, 99.9]", "99", false},
		{"(99, 99.9]", "99.9", true}, {"[0, 95)", "94.9999", true}, {"[5, 5]", "5", true},
	}
	for _, c := range contains {
		if got := mr(c.r).Contains(d(c.x)); got != c.want {
			t.Errorf("%s contains %s: got %v, want %v", c.r, c.x, got, c.want)
		}
	}
	overlaps := []struct {
		a, b string
		want bool
	}{
		{"[99, 99.9)", "[95, 99)", false}, {"[99, 99.9)", "[95, 99]", true}, {"(99, 99.9)", "[95, 99]", false},
		{"[0, 100]", "[50, 60)", true}, {"[1, 2)", "[3, 4)", false}, {"[5, 5]", "[5, 6)", true},
	}
	for _, c := range overlaps {
		if got := mr(c.a).Overlaps(mr(c.b)); got != c.want {
			t.Errorf("%s overlaps %s: got %v, want %v", c.a, c.b, got, c.want)
		}
		if got := mr(c.b).Overlaps(mr(c.a)); got != c.want {
			t.Errorf("%s overlaps %s: got %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestLocationMinuteStreaks(t *testing.T) {
	var m LocationMinute
	for _, ok := range []bool{false, false, true, false, false, false, true, false} {
		m.Add(ok)
	}
	want := LocationMinute{OK: 2, Fail: 6, Lead: 2, Trail: 1, MaxRun: 3}
	if m != want {
		t.Errorf("got %+v, want %+v", m, want)
	}
	var all LocationMinute
	for range 300 {
		all.Add(false)
	}
	if want := (LocationMinute{Fail: 255, Lead: 255, Trail: 255, MaxRun: 255}); all != want {
		t.Errorf("saturation: got %+v, want %+v", all, want)
	}
}
