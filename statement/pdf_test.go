package statement

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pdfText renders s as a PDF and extracts its text with pdftotext
// (poppler-utils), keeping the layout so that a label and its value stay on
// one line, with runs of white space folded to one space.
func pdfText(t *testing.T, s Statement) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing (Debian package poppler-utils); .ci/run installs it")
		}
		t.Skip("pdftotext is not installed (Debian package poppler-utils)")
	}
	var pdf bytes.Buffer
	if err := WritePDF(&pdf, s); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "statement.pdf")
	if err := os.WriteFile(path, pdf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// inOrder checks that every fragment occurs in text, each after the one
// before it.
func inOrder(t *testing.T, text string, fragments []string) {
	t.Helper()
	pos := 0
	for _, f := range fragments {
		f = strings.Join(strings.Fields(f), " ")
		i := strings.Index(text[pos:], f)
		if i < 0 {
			if strings.Contains(text, f) {
				t.Errorf("PDF text has %q, but not after %d characters", f, pos)
			} else {
				t.Errorf("PDF text lacks %q", f)
			}
			continue
		}
		pos += i + len(f)
	}
}

// expectedLines is what a statement must say, in order, computed from the
// model with the functions every renderer shares.
func expectedLines(s Statement) []string {
	loc := s.Tenant.Location
	out := []string{s.Provider.Name, "Statement number " + s.Number(), "Customer " + s.Tenant.Name,
		"Period " + PeriodText(s.Period, loc)}
	for _, c := range s.visibleContracts() {
		amount := "Amount " + FormatMoney(c.Amount)
		if c.Pending {
			amount += " (pending approval)"
		}
		out = append(out, c.Name,
			"Uptime "+UptimeText(c.Uptime, c.Target, c.TargetMet),
			"Downtime "+DowntimeText(c.DowntimeMinutes))
		if len(c.CoverageByLocation) > 0 {
			out = append(out, "Coverage by location "+c.CoverageByLocation[0].Location+" "+c.CoverageByLocation[0].Coverage+"%")
		}
		out = append(out, "Credit "+CreditText(c.Credit, c.Uptime, s.Period, loc), amount)
		for _, in := range c.Incidents {
			out = append(out, in.Title, formatSpan(in.Start, in.End, loc))
		}
		for _, x := range c.Exclusions {
			out = append(out, formatSpan(x.Start, x.End, loc)+": "+x.Reason)
		}
	}
	for _, a := range s.visibleAdjustments() {
		out = append(out, "Adjusts statement "+a.Adjusts, "Reason "+a.Reason,
			"Corrected credit "+CreditText(a.Credit, a.Uptime, a.Period, loc), "Difference "+signed(a.Amount))
	}
	if s.owesAnything() {
		out = append(out, s.ApplicationText())
	}
	return append(out, s.MethodText())
}

// TestPDFTextMatchesModel renders the sample (a percent, a days and a
// proportional credit, a zero row and an adjustment) and reads the text
// back out of the PDF: every figure of the model is there, in order, in
// the words the contract uses; the zero row and internal notes are not.
func TestPDFTextMatchesModel(t *testing.T) {
	s := sample(t)
	text := pdfText(t, s)
	inOrder(t, text, expectedLines(s))
	// The kinds in the contract's own terms, written out by hand.
	inOrder(t, text, []string{
		"Müller GmbH",
		"Credit 10% of the monthly fee of 1,000.00 EUR", "Amount 100.00 EUR",
		"Credit 3 days of service (3/31 of the monthly fee of 310.00 EUR)", "Amount 30.00 EUR",
		"Credit 1.6% of the monthly fee of 500.00 EUR: (100% − 99.2%) × 2", "Amount 8.00 EUR (pending approval)",
		"Adjusts statement NORDLICHT-MUELLER-2026-09", "credit raised by 25 €", "Difference +25.00 EUR",
		"163.00 EUR (of which 8.00 EUR pending approval)",
		"applied to your invoice of 1 December 2026",
	})
	for _, absent := range []string{"Status API", "OPS-2231", "escalated", "spool", "Internal"} {
		if strings.Contains(text, absent) {
			t.Errorf("customer PDF contains %q", absent)
		}
	}
	if strings.Contains(text, "48.3871") || strings.Contains(text, "Credit % ") {
		t.Error("days credit shown as a percentage")
	}
}

// TestPDFTextEveryVariant reads back the staff copy (zero rows, internal
// notes), a statement with nothing owed and one in JPY and KWD.
func TestPDFTextEveryVariant(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			text := pdfText(t, v.s)
			inOrder(t, text, expectedLines(v.s))
			if v.s.Options.IncludeInternal {
				inOrder(t, text, []string{"Internal copy", "Internal: ticket OPS-2231", "Internal: customer escalated twice", "Status API"})
			}
		})
	}
	text := pdfText(t, variants(t)[3].s)
	inOrder(t, text, []string{"NORDLICHT-MUELLER-2026-10-R2", "Amount 123,457 JPY", "Amount 13.500 KWD", "Difference -61,728 JPY"})
}

// TestPDFIsReproducible renders one statement twice: the same bytes, so a
// resent attachment is the same document.
func TestPDFIsReproducible(t *testing.T) {
	s := sample(t)
	s.Provider.Logo = &Logo{Type: "png", Data: tinyPNG(t)}
	var a, b bytes.Buffer
	if err := WritePDF(&a, s); err != nil {
		t.Fatal(err)
	}
	if err := WritePDF(&b, s); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of one statement differ")
	}
	if !bytes.Contains(a.Bytes(), []byte("/FontFile2")) {
		t.Error("the PDF does not embed its fonts")
	}
}

func TestPDFRefusesInvalid(t *testing.T) {
	s := sample(t)
	s.Tenant.Name = ""
	var b bytes.Buffer
	err := WritePDF(&b, s)
	if err == nil || !strings.Contains(err.Error(), "tenant.name: is required") {
		t.Errorf("got %v, want tenant.name: is required", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes for an invalid statement", b.Len())
	}
}

// TestPDFCharactersBeyondTheBMP: an emoji in a title renders as U+FFFD
// instead of failing the whole document; the rest of the text survives.
func TestPDFCharactersBeyondTheBMP(t *testing.T) {
	s := sample(t)
	s.Contracts[0].Incidents[0].Title = "Sign-in failures 🔥 for some users"
	text := pdfText(t, s)
	inOrder(t, text, []string{"Müller GmbH", "Sign-in failures \ufffd for some users"})
}
