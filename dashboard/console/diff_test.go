package console

import (
	"strings"
	"testing"
)

func TestLineDiff(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       string // each line as op+text, joined by |
	}{
		{"equal", "a\nb\n", "a\nb", " a| b"},
		{"both empty", "", "", ""},
		{"added at the end", "a\n", "a\nb\n", " a|+b"},
		{"removed in the middle", "a\nb\nc", "a\nc", " a|-b| c"},
		{"changed line", "a\nold\nc", "a\nnew\nc", " a|-old|+new| c"},
		{"from nothing", "", "x\ny", "+x|+y"},
		{"windows line endings", "a\r\nb\r\n", "a\nb\n", " a| b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range lineDiff(tc.a, tc.b) {
				got = append(got, l.Op+l.Text)
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
}

// Whatever the texts, keeping the ' ' and '-' lines gives the older text
// and keeping the ' ' and '+' lines the newer.
func FuzzLineDiff(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 2000 || len(b) > 2000 {
			return
		}
		var older, newer []string
		for _, l := range lineDiff(a, b) {
			if l.Op != "+" {
				older = append(older, l.Text)
			}
			if l.Op != "-" {
				newer = append(newer, l.Text)
			}
		}
		if !equalLines(older, splitLines(a)) || !equalLines(newer, splitLines(b)) {
			t.Errorf("diff of %q and %q does not rebuild them", a, b)
		}
	})
}

func equalLines(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n") && len(a) == len(b)
}
