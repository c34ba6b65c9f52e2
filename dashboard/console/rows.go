package console

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// creditRows is the queue's table body, written here rather than by the
// template: a hundred rows of a dozen escaped fields each were most of
// the page's time in html/template's reflection. Every value is escaped
// with html.EscapeString; IDs are integers.
func creditRows(rows []store.Credit, mayCredit bool) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 640)
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	for _, r := range rows {
		id := strconv.FormatInt(r.ID, 10)
		b.WriteString("<tr>")
		if mayCredit {
			b.WriteString(`<td><input type="checkbox" name="id" value="` + id + `" id="sel-` + id + `" aria-label="Select credit ` + id + `"></td>`)
		}
		b.WriteString(`<td><a href="/console/credits/` + id + `">` + id + `</a></td><td>`)
		esc(r.Tenant)
		b.WriteString("</td><td>")
		esc(r.Contract)
		b.WriteString("</td><td>")
		esc(r.Period)
		b.WriteString("</td><td>")
		esc(r.Kind)
		b.WriteString(`</td><td class="num">`)
		esc(r.UptimePercent)
		b.WriteString(`%</td><td class="num">`)
		esc(r.CoveragePercent)
		b.WriteString("%")
		if r.Flagged {
			b.WriteString(` <strong class="bad">flagged</strong>`)
		}
		b.WriteString(`</td><td class="num">`)
		esc(r.Currency + " " + sla.FormatMinor(r.AmountMinor, r.Currency))
		b.WriteString(`</td><td class="state-`)
		esc(string(r.State))
		b.WriteString(`">`)
		esc(string(r.State))
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every value above is escaped
}
