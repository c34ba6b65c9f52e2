package badge

import (
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatehq/slate/internal/golden"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

// wellFormed parses b as XML and returns its text content.
func wellFormed(t *testing.T, b []byte) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return text.String()
			}
			t.Fatalf("not well-formed XML: %v\n%s", err, b)
		}
		if c, ok := tok.(xml.CharData); ok {
			text.Write(c)
			text.WriteByte('|')
		}
	}
}

func TestStatusBadgeGolden(t *testing.T) {
	for _, s := range []Status{Operational, Degraded, PartialOutage, MajorOutage, Maintenance} {
		t.Run(string(s), func(t *testing.T) {
			b, err := StatusBadge("", s)
			if err != nil {
				t.Fatal(err)
			}
			if got := wellFormed(t, b); !strings.Contains(got, "status: "+string(s)) {
				t.Errorf("text %q lacks %q", got, "status: "+string(s))
			}
			checkGolden(t, "status-"+strings.ReplaceAll(string(s), " ", "-")+".svg", b)
		})
	}
}

func TestUptimeBadgeGolden(t *testing.T) {
	for _, tc := range []struct {
		name, label, percent, target, colour string
	}{
		{"met", "", "99.95", "99.9", colourGreen},
		{"met exactly", "", "99.9", "99.90", colourGreen},
		{"missed by the last digit", "Mail uptime", "99.8999", "99.9", colourRed},
		{"no target", "30 days", "100", "", colourBlue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := UptimeBadge(tc.label, tc.percent, tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `fill="`+tc.colour+`"`) {
				t.Errorf("colour: want %s in\n%s", tc.colour, b)
			}
			if got := wellFormed(t, b); !strings.Contains(got, tc.percent+"%") {
				t.Errorf("text %q lacks the exact percentage %q", got, tc.percent+"%")
			}
			checkGolden(t, "uptime-"+strings.ReplaceAll(tc.name, " ", "-")+".svg", b)
		})
	}
}

func TestBadgeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() ([]byte, error)
		want string
	}{
		{"unknown status", func() ([]byte, error) { return StatusBadge("", "down") }, `status "down" is not one of`},
		{"float percentage", func() ([]byte, error) { return UptimeBadge("", "9.995e1", "") }, `percent: "9.995e1" is not a decimal`},
		{"over 100", func() ([]byte, error) { return UptimeBadge("", "100.1", "") }, "percent: 100.1 is more than 100"},
		{"bad target", func() ([]byte, error) { return UptimeBadge("", "99", "high") }, `target: "high"`},
		{"bad colour", func() ([]byte, error) { return Render("a", "b", "red") }, `colour "red"`},
		{"empty message", func() ([]byte, error) { return Render("a", " ", "#000000") }, "message is empty"},
		{"long label", func() ([]byte, error) { return Render(strings.Repeat("x", 101), "b", "#000000") }, "label is longer than 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.make()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestBadgeEscapesLabels: markup in a label stays text.
func TestBadgeEscapesLabels(t *testing.T) {
	b, err := Render(`<script>alert("x")</script> & co`, "ok\x00\x1b", colourGreen)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "<script") {
		t.Errorf("label not escaped:\n%s", b)
	}
	got := wellFormed(t, b)
	if !strings.Contains(got, `<script>alert("x")</script> & co: ok��`) {
		t.Errorf("text %q does not read back as the label", got)
	}
	checkGolden(t, "escaped.svg", b)
}

// TestTextWidth: widths follow the font's metrics, in tenths of a pixel
// at 11 px rounded up, and unknown characters count as wide as M.
func TestTextWidth(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		want int
	}{
		{"empty", "", 0},
		{"narrow", "i", 31},        // 569 units: 3.056 px
		{"wide", "W", 109},         // 2025 units: 10.876 px
		{"word", "status", 339},    // 6313 units: 33.907 px
		{"euro", "€", 70},          // 1303 units: 6.998 px
		{"unknown, as M", "日", 95}, // M is 1767 units: 9.491 px
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := TextWidth(tc.s); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// FuzzRender: any label and message either is refused or gives a
// well-formed SVG whose text reads back as the cleaned input.
func FuzzRender(f *testing.F) {
	f.Add("status", "operational")
	f.Add("<&>\"'", "\x00\xff\ufffe")
	f.Add("Zürich € — 日本", "99.95%")
	f.Fuzz(func(t *testing.T, label, message string) {
		b, err := Render(label, message, colourBlue)
		if err != nil {
			return
		}
		got := wellFormed(t, b)
		if !strings.Contains(got, clean(label)+": "+clean(message)) {
			t.Errorf("text %q does not contain %q", got, clean(label)+": "+clean(message))
		}
	})
}
