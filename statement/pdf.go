package statement

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"

	"github.com/slatehq/slate/internal/fonts"
)

// PDF layout, in millimetres and points. Coordinates are floats because
// that is fpdf's unit of drawing; no figure of the statement is.
const (
	pdfMargin   = 18.0
	pdfLabelW   = 42.0
	pdfLine     = 5.0
	pdfFamily   = "DejaVu"
	pdfBodySize = 9.5
)

// WritePDF renders s as an A4 PDF with its fonts embedded (DejaVu Sans,
// subset to the characters used) and its text extractable. The document's
// dates come from s.Issued, so the same statement gives the same bytes. It
// refuses an invalid statement with Validate's error.
func WritePDF(w io.Writer, s Statement) error {
	if err := s.Validate(); err != nil {
		return err
	}
	p := newPage(s)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(pdfFamily, "", fonts.Sans())
	pdf.AddUTF8FontFromBytes(pdfFamily, "B", fonts.SansBold())
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+4)
	pdf.SetTitle("Credit statement "+p.Number, true)
	pdf.SetSubject(bmpOnly(p.Tenant+", "+p.Period), true)
	pdf.SetAuthor(bmpOnly(p.Provider.Name), true)
	pdf.SetCreator("slate", true)
	pdf.SetProducer("slate", true)
	pdf.SetLang("en")
	pdf.SetCreationDate(s.Issued)
	pdf.SetModificationDate(s.Issued)
	pdf.SetCatalogSort(true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(pdfFamily, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, "Statement "+p.Number+" · page "+strconv.Itoa(pdf.PageNo())+" of {nb}", "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	r := &pdfWriter{pdf: pdf}
	r.header(p, s.Provider.Logo)
	if p.NoCredit {
		r.paragraph(p.Application)
	}
	for _, c := range p.Contracts {
		r.contract(c)
	}
	if len(p.Adjustments) > 0 {
		r.heading("Adjustments of credits stated earlier", 13)
		for _, a := range p.Adjustments {
			r.adjustment(a)
		}
	}
	if !p.NoCredit {
		r.heading("Total", 13)
		for _, t := range p.Totals {
			line := t.Amount
			if t.Pending != "" {
				line += " (of which " + t.Pending + " pending approval)"
			}
			r.bold(line)
		}
		r.paragraph(p.Application)
	}
	r.heading("How this was measured", 13)
	r.paragraph(p.Method)
	if p.Provider.SupportURL != "" || p.Provider.Email != "" {
		r.paragraph("Questions about this statement: " + supportText(p.Provider))
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("render pdf: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// pdfWriter lays out a page's lines top to bottom.
type pdfWriter struct {
	pdf *fpdf.Fpdf
}

// multi writes text that wraps within width w (0: to the right margin).
func (r *pdfWriter) multi(w, h float64, text string) {
	r.pdf.MultiCell(w, h, bmpOnly(text), "", "L", false)
}

// bmpOnly replaces characters beyond the Basic Multilingual Plane (emoji,
// for instance), which fpdf's TrueType subsetting cannot encode, with
// U+FFFD, so that an incident title with an emoji still renders.
func bmpOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, s)
}

func (r *pdfWriter) header(p page, logo *Logo) {
	pdf := r.pdf
	if logo != nil {
		opt := fpdf.ImageOptions{ImageType: logo.Type, ReadDpi: true}
		pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(logo.Data))
		pageW, _ := pdf.GetPageSize()
		pdf.ImageOptions("logo", pageW-pdfMargin-40, pdfMargin, 0, 14, false, opt, 0, "")
	}
	pdf.SetFont(pdfFamily, "B", 13)
	r.multi(120, 6, p.Provider.Name)
	pdf.SetFont(pdfFamily, "", 9)
	pdf.SetTextColor(70, 70, 70)
	for _, l := range p.Provider.Address {
		r.multi(120, 4.5, l)
	}
	if c := p.Provider.Contact(); c != "" {
		r.multi(120, 4.5, c)
	}
	pdf.SetTextColor(0, 0, 0)
	if y := pdfMargin + 16; pdf.GetY() < y {
		pdf.SetY(y)
	}
	pdf.Ln(4)
	pdf.SetFont(pdfFamily, "B", 18)
	r.multi(0, 9, "Credit statement")
	pdf.Ln(1)
	r.facts(p.Facts())
	if p.Internal {
		r.warning("Internal copy: it shows notes for the provider's staff. Do not send it to the customer.")
	}
}

// facts writes label and value rows.
func (r *pdfWriter) facts(fs []fact) {
	for _, f := range fs {
		r.fact(f.Label, f.Text())
	}
}

// fact is one label and value row; the value wraps under itself.
func (r *pdfWriter) fact(label, value string) {
	pdf := r.pdf
	pdf.SetFont(pdfFamily, "B", pdfBodySize)
	pdf.CellFormat(pdfLabelW, pdfLine, bmpOnly(label), "", 0, "L", false, 0, "")
	pdf.SetFont(pdfFamily, "", pdfBodySize)
	r.multi(0, pdfLine, value)
}

func (r *pdfWriter) heading(text string, size float64) {
	r.pdf.Ln(3)
	r.pdf.SetFont(pdfFamily, "B", size)
	r.multi(0, size*0.5, text)
	r.pdf.Ln(1)
}

func (r *pdfWriter) paragraph(text string) {
	r.pdf.Ln(1.5)
	r.pdf.SetFont(pdfFamily, "", pdfBodySize)
	r.multi(0, pdfLine, text)
}

func (r *pdfWriter) bold(text string) {
	r.pdf.SetFont(pdfFamily, "B", 11)
	r.multi(0, 6, text)
}

func (r *pdfWriter) item(text string) {
	pdf := r.pdf
	pdf.SetFont(pdfFamily, "", pdfBodySize)
	pdf.CellFormat(5, pdfLine, "•", "", 0, "L", false, 0, "")
	r.multi(0, pdfLine, text)
}

// internal writes a note for the provider's staff, marked as such.
func (r *pdfWriter) internal(note string) { r.warning("Internal: " + note) }

func (r *pdfWriter) warning(text string) {
	r.pdf.SetTextColor(140, 75, 0)
	r.pdf.SetFont(pdfFamily, "B", pdfBodySize)
	r.multi(0, pdfLine, text)
	r.pdf.SetTextColor(0, 0, 0)
}

func (r *pdfWriter) contract(c contractLines) {
	r.heading(c.Name, 13)
	if c.Services != "" {
		r.fact("Services", c.Services)
	}
	r.facts(c.Facts())
	if len(c.Incidents) > 0 {
		r.heading("Incidents", 10.5)
		for _, in := range c.Incidents {
			t := in.Title
			if in.Service != "" {
				t += " (" + in.Service + ")"
			}
			t += ": " + in.When
			if in.Downtime != "" {
				t += "; " + in.Downtime + " of downtime"
			}
			r.item(t)
		}
	}
	if len(c.Exclusions) > 0 {
		r.heading("Excluded time", 10.5)
		for _, x := range c.Exclusions {
			r.item(x.Kind + ", " + x.When + ": " + x.Reason)
			if x.Internal != "" {
				r.internal(x.Internal)
			}
		}
	}
	if c.Internal != "" {
		r.internal(c.Internal)
	}
}

func (r *pdfWriter) adjustment(a adjustmentLines) {
	r.heading(a.Contract+", "+a.Period, 11)
	r.facts(a.Facts())
	if a.Internal != "" {
		r.internal(a.Internal)
	}
}
