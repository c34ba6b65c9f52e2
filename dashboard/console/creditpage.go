package console

import (
	"errors"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
	"github.com/slatehq/slate/store"
)

// creditView is the credit page: everything behind the amount.
type creditView struct {
	C           store.Credit
	Ex          credit.Explanation
	Zone        string
	Start, End  string // the period in the tenant's zone
	Amount      string
	Ledger      string // the period's entries' sum (voided left out)
	Recomputed  string // the amount the evidence gives now
	HashMatches bool
	Timeline    template.HTML // the SVG chart
	Downtime    []intervalRow
	Maintenance []intervalRow
	Exclusions  []intervalRow
	Incidents   []incidentRow
	Unassigned  string
	Locations   []locationRow
}

type intervalRow struct{ Start, End, Minutes, Reason string }

type incidentRow struct {
	ID                      int64
	Service, Status, Window string
	Minutes, Amount         string
}

type locationRow struct{ Name, Coverage string }

func (c *Console) creditPage(g *gin.Context, s store.Session) {
	ex, ok := c.explain(g, s)
	if !ok {
		return
	}
	loc := ex.Period.Location
	cur := ex.Credit.Currency
	v := creditView{C: ex.Credit, Ex: ex, Zone: loc.String(), Start: when(ex.Period.Start, loc), End: when(ex.Period.End, loc),
		Amount: sla.FormatMinor(ex.Credit.AmountMinor, cur), Ledger: sla.FormatMinor(ex.LedgerMinor, cur),
		Recomputed:  sla.FormatMinor(ex.Statement.Outcome.AmountMinor().Int64(), cur),
		HashMatches: ex.EvidenceHash == ex.Credit.EvidenceHash,
		Timeline:    timelineSVG(ex.Timeline, ex.Period.Start, ex.Statement.Case.Facts.Maintenance, ex.Statement.Case.Facts.Exclusions),
		Unassigned:  sla.FormatMinor(ex.Unattributed.AmountMinor, cur)}
	f := ex.Statement.Case.Facts
	for _, o := range f.Downtime {
		v.Downtime = append(v.Downtime, row(o.Interval, loc, ""))
	}
	for _, m := range f.Maintenance {
		v.Maintenance = append(v.Maintenance, row(m, loc, ""))
	}
	for _, e := range f.Exclusions {
		v.Exclusions = append(v.Exclusions, row(e.Interval, loc, e.Reason))
	}
	for _, is := range ex.Incidents {
		inc := is.Incident
		end := "ongoing"
		if !inc.Ended.IsZero() {
			end = when(inc.Ended, loc)
		}
		v.Incidents = append(v.Incidents, incidentRow{ID: inc.ID, Service: inc.Service, Status: string(inc.Status),
			Window: when(inc.Started, loc) + " – " + end, Minutes: sla.FormatTrim(is.BreachMinutes, 2), Amount: sla.FormatMinor(is.AmountMinor, cur)})
	}
	for _, l := range ex.Statement.Locations {
		v.Locations = append(v.Locations, locationRow{Name: l.Location, Coverage: sla.FormatFixed(l.Percent(), 2) + "%"})
	}
	notice := ""
	if d := g.Query("done"); d == "approved" || d == "issued" || d == "voided" {
		notice = fmt.Sprintf("Credit %d %s.", ex.Credit.ID, d)
	}
	c.render(g, http.StatusOK, "credit", page{Title: fmt.Sprintf("Credit %d", ex.Credit.ID), Session: &s, Notice: notice, Data: v})
}

func row(iv sla.Interval, loc *time.Location, reason string) intervalRow {
	m := new(big.Rat).SetFrac64(int64(iv.End.Sub(iv.Start)), int64(time.Minute))
	return intervalRow{Start: when(iv.Start, loc), End: when(iv.End, loc), Minutes: sla.FormatTrim(m, 2), Reason: reason}
}

// explain reads the path's credit and explains it.
func (c *Console) explain(g *gin.Context, s store.Session) (credit.Explanation, bool) {
	id, ok := c.pathID(g, s)
	if !ok {
		return credit.Explanation{}, false
	}
	ctx := g.Request.Context()
	cr, err := c.Store.Credit(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Credit %d does not exist.", id))
		return credit.Explanation{}, false
	}
	if err != nil {
		c.internal(g, s, err)
		return credit.Explanation{}, false
	}
	ex, err := credit.Explain(ctx, c.Store, c.Catalog(), cr, c.Now())
	if err != nil {
		c.internal(g, s, err)
		return credit.Explanation{}, false
	}
	return ex, true
}

// caseDownload serves the period's SLA case with its answer, which
// `slate calc --check` reproduces.
func (c *Console) caseDownload(g *gin.Context, s store.Session) {
	ex, ok := c.explain(g, s)
	if !ok {
		return
	}
	cs := ex.Statement.Case
	cs.Title = fmt.Sprintf("credit %d: %s %s", ex.Credit.ID, ex.Credit.Contract, ex.Credit.Period)
	b, err := slacase.Encode(cs, ex.Statement.Outcome.Report())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	g.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="credit-%d-case.json"`, ex.Credit.ID))
	g.Data(http.StatusOK, "application/json", b)
}

// timelineSVG draws the minutes from start as one bar per run of equal
// state, maintenance and exclusions laid over them. A run narrower than a
// thousandth of the width is drawn that wide, so a short outage in a long
// month stays visible; the tables below give the exact times.
func timelineSVG(runs []sla.StateRun, start time.Time, maint []sla.Interval, excl []sla.Exclusion) template.HTML {
	n := sla.RunMinutes(runs)
	if n == 0 {
		return template.HTML(`<p>No minutes to show yet.</p>`)
	}
	minW := max(1, n/1000)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline-chart" viewBox="0 0 %d 10" preserveAspectRatio="none" role="img" aria-labelledby="tl-title"><title id="tl-title">Minute timeline of the period: %s</title>`, n, timelineSummary(runs))
	at := 0
	for _, r := range runs {
		if r.State != sla.StateUp {
			fmt.Fprintf(&b, `<rect class="tl-%s" x="%d" y="0" width="%d" height="10"/>`, r.State, at, max(r.Count, minW))
		} else {
			fmt.Fprintf(&b, `<rect class="tl-up" x="%d" y="0" width="%d" height="10"/>`, at, r.Count)
		}
		at += r.Count
	}
	ivs := append([]sla.Interval(nil), maint...)
	for _, e := range excl {
		ivs = append(ivs, e.Interval)
	}
	for _, m := range ivs {
		x := int(m.Start.Sub(start) / time.Minute)
		w := int(m.End.Sub(m.Start) / time.Minute)
		fmt.Fprintf(&b, `<rect class="tl-maintenance" x="%d" y="0" width="%d" height="4"/>`, max(0, x), max(w, minW))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// timelineSummary is the chart in words, for readers who cannot see it.
func timelineSummary(runs []sla.StateRun) string {
	count := map[sla.State]int{}
	for _, r := range runs {
		count[r.State] += r.Count
	}
	var parts []string
	for _, s := range []sla.State{sla.StateUp, sla.StateDegraded, sla.StateDown, sla.StateUnknown} {
		if count[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d minutes %s", count[s], s))
		}
	}
	return strings.Join(parts, ", ")
}
