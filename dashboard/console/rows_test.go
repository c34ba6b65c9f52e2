package console

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"testing"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// rowTemplate is the queue row as a template writes it, the reference
// creditRows must match.
const rowTemplate = `{{range .Rows}}<tr>{{if $.May}}<td><input type="checkbox" name="id" value="{{.ID}}" id="sel-{{.ID}}" aria-label="Select credit {{.ID}}"></td>{{end}}` +
	`<td><a href="/console/credits/{{.ID}}">{{.ID}}</a></td><td>{{.Tenant}}</td><td>{{.Contract}}</td><td>{{.Period}}</td><td>{{.Kind}}</td>` +
	`<td class="num">{{.UptimePercent}}%</td><td class="num">{{.CoveragePercent}}%{{if .Flagged}} <strong class="bad">flagged</strong>{{end}}</td>` +
	`<td class="num">{{.Currency}} {{amount .}}</td><td class="state-{{.State}}">{{.State}}</td></tr>
{{end}}`

// TestCreditRowsMatchTheTemplate: the queue's rows written in Go read the
// same as html/template writes them, for hostile values too, and carry
// no markup from the data.
func TestCreditRowsMatchTheTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"amount": func(c store.Credit) string { return sla.FormatMinor(c.AmountMinor, c.Currency) },
	}).Parse(rowTemplate))
	rows := []store.Credit{
		{ID: 7, Tenant: "acme", Contract: "acme-gold", Period: "2026-10", Kind: "credit", UptimePercent: "99.120", CoveragePercent: "100.00",
			AmountMinor: 12345, Currency: "EUR", State: store.CreditComputed},
		{ID: 8, Tenant: `<script>alert("x")</script>`, Contract: `a"b'c&d`, Period: "2026-Q3", Kind: "adjustment", UptimePercent: "-1+2",
			CoveragePercent: "12.00", Flagged: true, AmountMinor: -500, Currency: "JPY", State: store.CreditVoided},
	}
	for _, may := range []bool{true, false} {
		var want bytes.Buffer
		if err := tmpl.Execute(&want, map[string]any{"Rows": rows, "May": may}); err != nil {
			t.Fatal(err)
		}
		got := string(creditRows(rows, may))
		if html.UnescapeString(got) != html.UnescapeString(want.String()) {
			t.Errorf("may=%v:\ngot  %s\nwant %s", may, got, want.String())
		}
		if strings.Contains(got, "<script") || strings.Contains(got, `a"b`) {
			t.Errorf("may=%v: data became markup: %s", may, got)
		}
	}
}
