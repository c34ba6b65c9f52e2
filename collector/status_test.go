package collector

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseStatusRanges(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []StatusRange
		wantErr string
	}{
		{name: "single code", in: "200", want: []StatusRange{{200, 200}}},
		{name: "range and code", in: "200-299,301", want: []StatusRange{{200, 299}, {301, 301}}},
		{name: "spaces", in: " 200 - 204 , 418 ", want: []StatusRange{{200, 204}, {418, 418}}},
		{name: "empty", in: "", wantErr: "empty"},
		{name: "empty item", in: "200,,301", wantErr: `status ""`},
		{name: "descending", in: "299-200", wantErr: "descending"},
		{name: "out of range", in: "600", wantErr: "outside 100-599"},
		{name: "two digits", in: "99", wantErr: "three-digit"},
		{name: "sign", in: "+20", wantErr: "three-digit"},
		{name: "open range", in: "200-", wantErr: "three-digit"},
		{name: "letters", in: "2xx", wantErr: "three-digit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatusRanges(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParseStatusRanges checks that any accepted list is well formed and
// survives formatting and parsing again unchanged.
func FuzzParseStatusRanges(f *testing.F) {
	for _, s := range []string{"200", "200-299,301", " 200 - 204 , 418 ", "", "299-200", "600", "-", ",", "100-599", "2\x0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParseStatusRanges(s)
		if err != nil {
			return
		}
		if len(rs) == 0 {
			t.Fatalf("%q: got no ranges and no error", s)
		}
		for _, r := range rs {
			if r.Min < 100 || r.Max > 599 || r.Min > r.Max {
				t.Fatalf("%q: got invalid range %v", s, r)
			}
			if !statusAccepted(rs, r.Min) || !statusAccepted(rs, r.Max) {
				t.Fatalf("%q: range %v does not accept its own bounds", s, r)
			}
		}
		again, err := ParseStatusRanges(formatStatusRanges(rs))
		if err != nil {
			t.Fatalf("%q: formatted as %q, which does not parse: %v", s, formatStatusRanges(rs), err)
		}
		if !reflect.DeepEqual(again, rs) {
			t.Fatalf("%q: got %v after a round trip, want %v", s, again, rs)
		}
	})
}
