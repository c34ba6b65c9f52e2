package statement

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// variants are the statements the golden files pin: the customer's copy,
// the staff copy (zero rows and internal notes), a statement with nothing
// owed, and one in currencies with 0 and 3 minor units and a revision.
func variants(t *testing.T) []struct {
	name string
	s    Statement
} {
	full := sample(t)
	staff := sample(t)
	staff.Options = Options{IncludeZero: true, IncludeInternal: true}
	none := sample(t)
	none.Contracts = none.Contracts[3:]
	none.Adjustments = nil
	none.Application = Application{}
	multi := sample(t)
	multi.Revision = 2
	multi.Tenant.BillingRef = ""
	multi.Provider.SupportURL = ""
	multi.Contracts = []Contract{
		{Name: "Tokyo edge", Target: "99.9", Uptime: "99.5", DowntimeMinutes: "178.56",
			Credit: Credit{Unit: UnitPercent, Percent: "10", Fee: Money{Minor: 1234567, Currency: "JPY"}},
			Amount: Money{Minor: 123457, Currency: "JPY"}},
		{Name: "Kuwait gateway", Target: "99.9", Uptime: "99.0", DowntimeMinutes: "446.4",
			Credit: Credit{Unit: UnitProportional, Percent: "0.9", Fee: Money{Minor: 1500000, Currency: "KWD"}},
			Amount: Money{Minor: 13500, Currency: "KWD"}},
	}
	multi.Adjustments = []Adjustment{{
		Contract: "Tokyo edge", Period: multi.Period, Adjusts: "NORDLICHT-MUELLER-2026-10", Reason: "Downtime recounted",
		Uptime: "99.6", DowntimeMinutes: "178.56", Credit: Credit{Unit: UnitPercent, Percent: "5", Fee: Money{Minor: 1234567, Currency: "JPY"}},
		Amount: Money{Minor: -61728, Currency: "JPY"}, Recorded: multi.Issued,
	}}
	multi.Application = Application{How: ApplyCreditNote, Date: multi.Issued.AddDate(0, 0, 3)}
	return []struct {
		name string
		s    Statement
	}{{"customer", full}, {"staff", staff}, {"nothing-owed", none}, {"currencies", multi}}
}

func TestMarkdownGolden(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMarkdown(&b, v.s); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, v.name+".md", b.Bytes())
		})
	}
}

func TestHTMLGolden(t *testing.T) {
	r := NewHTMLRenderer()
	for _, v := range variants(t) {
		for _, o := range []struct {
			suffix string
			opts   HTMLOptions
		}{
			{"page", HTMLOptions{StylesheetURL: "/static/statement.css"}},
			{"standalone", HTMLOptions{Standalone: true}},
		} {
			t.Run(v.name+"/"+o.suffix, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.Write(&b, v.s, o.opts); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, v.name+"-"+o.suffix+".html", b.Bytes())
			})
		}
	}
}

// TestHTMLPageVariantHasNoInlineStyle checks what a Content-Security-Policy
// of style-src 'self' needs: no <style> element and no style attribute in
// the page variant, and the stylesheet linked; the standalone variant
// carries the same CSS inline.
func TestHTMLPageVariantHasNoInlineStyle(t *testing.T) {
	r := NewHTMLRenderer()
	s := sample(t)
	var page, alone bytes.Buffer
	if err := r.Write(&page, s, HTMLOptions{StylesheetURL: "/static/statement.css"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(&alone, s, HTMLOptions{Standalone: true}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<style", " style=", "<script"} {
		if strings.Contains(page.String(), bad) {
			t.Errorf("page variant contains %q", bad)
		}
	}
	if !strings.Contains(page.String(), `<link rel="stylesheet" href="/static/statement.css">`) {
		t.Error("page variant does not link the stylesheet")
	}
	if !strings.Contains(alone.String(), string(CSS())) {
		t.Error("standalone variant does not carry the stylesheet inline")
	}
	if strings.Contains(alone.String(), "<link") {
		t.Error("standalone variant links an outside file")
	}
	if err := r.Write(&page, s, HTMLOptions{}); err == nil {
		t.Error("page variant without a stylesheet URL: got no error")
	}
}

// TestHTMLStandaloneEmbedsLogo checks that the download carries the logo
// bytes (no fetch when opened offline) and the page links the served one.
func TestHTMLStandaloneEmbedsLogo(t *testing.T) {
	s := sample(t)
	s.Provider.Logo = &Logo{Type: "png", Data: tinyPNG(t)}
	r := NewHTMLRenderer()
	var page, alone bytes.Buffer
	if err := r.Write(&page, s, HTMLOptions{StylesheetURL: "/s.css"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(&alone, s, HTMLOptions{Standalone: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(alone.String(), `src="data:image/png;base64,iVBOR`) {
		t.Error("standalone variant does not embed the logo")
	}
	if !strings.Contains(page.String(), `src="/static/logo.png"`) {
		t.Error("page variant does not link the logo URL")
	}
}

// TestRenderersEscapeText checks that text from the configuration or from
// people cannot become markup in any format.
func TestRenderersEscapeText(t *testing.T) {
	s := sample(t)
	s.Tenant.Name = `<script>alert(1)</script> | *bold* [x](javascript:y)`
	s.Contracts[0].Incidents[0].Title = `</li><img src=x onerror=alert(1)>`
	var h, m bytes.Buffer
	if err := NewHTMLRenderer().Write(&h, s, HTMLOptions{Standalone: true}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img src=x"} {
		if strings.Contains(h.String(), bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	if err := WriteMarkdown(&m, s); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", " | *bold*", "[x](javascript"} {
		if strings.Contains(m.String(), bad) {
			t.Errorf("Markdown contains %q unescaped", bad)
		}
	}
}

// TestZeroRowsAndInternalNotesOnlyOnRequest checks the options in the
// words every renderer shares.
func TestZeroRowsAndInternalNotesOnlyOnRequest(t *testing.T) {
	for _, tc := range []struct {
		name         string
		opts         Options
		zero, intern bool
	}{
		{"customer copy", Options{}, false, false},
		{"zero rows", Options{IncludeZero: true}, true, false},
		{"internal notes", Options{IncludeInternal: true}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample(t)
			s.Options = tc.opts
			var b bytes.Buffer
			if err := WriteMarkdown(&b, s); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if got := strings.Contains(out, "Status API"); got != tc.zero {
				t.Errorf("zero-credit contract shown: got %v, want %v", got, tc.zero)
			}
			for _, note := range []string{"ticket OPS-2231", "customer escalated twice", "agent spool replayed"} {
				if got := strings.Contains(out, note); got != tc.intern {
					t.Errorf("internal note %q shown: got %v, want %v", note, got, tc.intern)
				}
			}
		})
	}
}

func TestNothingOwedSaysSo(t *testing.T) {
	s := sample(t)
	s.Contracts = s.Contracts[3:]
	s.Adjustments = nil
	s.Application = Application{}
	if got, want := s.ApplicationText(), "No credit is owed for this period."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := s.TotalText(); got != "nothing" {
		t.Errorf("total: got %q, want nothing", got)
	}
}

func TestApplicationText(t *testing.T) {
	loc := berlin(t)
	for _, tc := range []struct {
		name string
		app  Application
		want string
	}{
		{"invoice", Application{How: ApplyInvoice, Date: at(loc, 2026, 12, 1, 0, 0), Reference: "INV-7"},
			"The credit of 163.00 EUR is applied to your invoice of 1 December 2026 (invoice INV-7). Of this, 8.00 EUR is pending approval and is applied once approved."},
		{"credit note", Application{How: ApplyCreditNote, Date: at(loc, 2026, 11, 5, 0, 0)},
			"The credit of 163.00 EUR is issued as a credit note dated 5 November 2026. Of this, 8.00 EUR is pending approval and is applied once approved."},
		{"refund, date in the tenant's zone", Application{How: ApplyRefund, Date: time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC), Reference: "R-1"},
			"The credit of 163.00 EUR is refunded on 1 December 2026 (reference R-1). Of this, 8.00 EUR is pending approval and is applied once approved."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sample(t)
			s.Application = tc.app
			if got := s.ApplicationText(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
