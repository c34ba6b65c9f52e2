package statement

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// FuzzRender puts arbitrary text, amounts and units into a valid statement.
// Whatever Validate accepts, every renderer renders without error; whatever
// it refuses, every renderer refuses; none panics.
func FuzzRender(f *testing.F) {
	f.Add("Müller GmbH", "Sign-in failures", "Announced upgrade €", "99.7984", "3", int64(10000), int64(-2500), uint8(0), true)
	f.Add("", "", "", "", "", int64(0), int64(0), uint8(1), false)
	f.Add("<b>x</b> | *y*", "日本語のタイトル", "\u202eevil", "100", "0.5", int64(1<<62), int64(-1<<62), uint8(2), true)
	f.Add("Café 😀", "🔥 outage 𝄞", "\U0010ffff", "99", "1", int64(1), int64(1), uint8(1), false)
	f.Add("a\nb", "\x00", "\xff", "1e3", "-1", int64(-1), int64(0), uint8(3), false)
	html := NewHTMLRenderer()
	f.Fuzz(func(t *testing.T, name, title, reason, uptime, days string, amount, adj int64, unit uint8, internal bool) {
		s := sample(t)
		s.Tenant.Name = name
		s.Contracts[0].Incidents[0].Title = title
		s.Contracts[2].Exclusions[0].Reason = reason
		s.Adjustments[0].Reason = reason
		s.Contracts[1].Uptime = uptime
		s.Contracts[1].Credit.Days = days
		s.Contracts[1].Amount.Minor = amount
		s.Adjustments[0].Amount.Minor = adj
		s.Contracts[0].Credit.Unit = []CreditUnit{UnitPercent, UnitDays, UnitProportional, "weeks"}[unit%4]
		s.Options = Options{IncludeZero: internal, IncludeInternal: internal}
		s.Issued = s.Issued.Add(time.Duration(unit) * time.Hour)
		valid := s.Validate() == nil
		for _, r := range []struct {
			name   string
			render func(io.Writer) error
		}{
			{"markdown", func(w io.Writer) error { return WriteMarkdown(w, s) }},
			{"html", func(w io.Writer) error { return html.Write(w, s, HTMLOptions{Standalone: true}) }},
			{"pdf", func(w io.Writer) error { return WritePDF(w, s) }},
		} {
			var b bytes.Buffer
			err := r.render(&b)
			if valid && err != nil {
				t.Errorf("%s: valid statement refused: %v", r.name, err)
			}
			if !valid && err == nil {
				t.Errorf("%s: invalid statement rendered", r.name)
			}
		}
	})
}
