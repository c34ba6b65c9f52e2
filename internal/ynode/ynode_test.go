package ynode

import (
	"strings"
	"testing"
)

func TestMapIsStrict(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"unknown key with a suggestion", "targt: 1\n", `targt: unknown field "targt" (did you mean "target"?)`},
		{"unknown key without a near name", "zzzzzzzz: 1\n", `zzzzzzzz: unknown field "zzzzzzzz"`},
		{"duplicate key", "target: 1\ntarget: 2\n", "target: is given twice"},
		{"not a mapping", "[1, 2]\n", "must be a mapping (got a list)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse([]byte(tc.doc))
			if err == nil {
				_, err = n.Map("target", "measure")
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestMapEachGoesOn: MapEach reports every bad key and still returns the
// good ones.
func TestMapEachGoesOn(t *testing.T) {
	n, err := Parse([]byte("targt: 1\nmeasure: time\nmeasure: again\nzzzzzzzz: 2\ntarget: \"99.9\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, errs := n.MapEach("target", "measure")
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	want := []string{`targt: unknown field "targt" (did you mean "target"?)`, "measure: is given twice", `zzzzzzzz: unknown field "zzzzzzzz"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errors %q, want %q", got, want)
	}
	if strings.Join(f.Keys, ",") != "measure,target" {
		t.Errorf("keys %v, want measure and target", f.Keys)
	}
	if _, errs := (Node{}).child(n.resolved().Content[1], "x").MapEach("a"); len(errs) != 1 {
		t.Errorf("a scalar: %v, want one error", errs)
	}
}

func TestPositionsAndScalars(t *testing.T) {
	n, err := Parse([]byte("a:\n  b: [1, 2.50, \"x\", true]\n"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := n.Map("a")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Get("a")
	g, err := a.Map("b")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := g.Get("b")
	items, err := b.Seq()
	if err != nil || len(items) != 4 {
		t.Fatalf("seq: %v, %v", items, err)
	}
	if s, _ := items[1].Scalar(); s != "2.50" {
		t.Errorf("numbers keep their literal text: got %q", s)
	}
	if _, err := items[3].Scalar(); err == nil || !strings.Contains(err.Error(), "a.b[3]: must be a string or a number") {
		t.Errorf("boolean scalar: got %v", err)
	}
	var e *Error
	_, err = items[2].Int64()
	if err == nil {
		t.Fatal("x read as an integer")
	}
	e = err.(*Error)
	if e.Path != "a.b[2]" || e.Line != 2 || e.Column != 16 {
		t.Errorf("position: got %s at %d:%d, want a.b[2] at 2:16", e.Path, e.Line, e.Column)
	}
	ix := Index{}
	ix.Add(b)
	if got := ix.Locate("a.b[7].c", "bad"); got.Line != 2 || got.Path != "a.b[7].c" {
		t.Errorf("locate falls back to the nearest ancestor: got %+v", got)
	}
}

func TestAliasBombIsRefused(t *testing.T) {
	doc := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		name := string(rune('b' + i))
		doc += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("got %v, want a refusal of the expansion", err)
	}
}

func TestSyntaxErrorHasALine(t *testing.T) {
	_, err := Parse([]byte("a: 1\nb: [x\n"))
	e, ok := err.(*Error)
	if !ok || e.Line == 0 || !strings.HasPrefix(e.Msg, "syntax: ") {
		t.Fatalf("got %#v", err)
	}
}

func TestNearestAndIsMapping(t *testing.T) {
	cases := []struct {
		name, s    string
		candidates []string
		want       string
	}{
		{"a typo", "us-eats", []string{"eu-west", "us-east", "ap-south"}, "us-east"},
		{"nothing close", "antarctica", []string{"eu-west", "us-east"}, ""},
		{"a real neighbour is no typo", "us-east", []string{"eu-west"}, ""},
		{"no candidates", "eu-west", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Nearest(tc.s, tc.candidates); got != tc.want {
				t.Errorf("Nearest(%q): got %q, want %q", tc.s, got, tc.want)
			}
		})
	}
	n, err := Parse([]byte("[eu-west, {id: us-east}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := n.Seq()
	if err != nil {
		t.Fatal(err)
	}
	if items[0].IsMapping() || !items[1].IsMapping() {
		t.Errorf("IsMapping: got %v, %v, want false, true", items[0].IsMapping(), items[1].IsMapping())
	}
}
