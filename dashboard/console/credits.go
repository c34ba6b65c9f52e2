package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// pageSize is how many entries one page of the queue lists; maxPage
// keeps the offset a page asks for within what an int holds.
const (
	pageSize = 100
	maxPage  = 1 << 20
)

// queueView is the month-end queue: the ledger through the filters.
type queueView struct {
	Filter   credit.Filter
	Tenants  []catalog.Tenant // for the tenant filter
	Rows     []store.Credit   // this page's
	Count    int              // entries through the filters
	Totals   []string         // their amounts, one per currency: "EUR 1 234.50"
	Page     int
	Prev     string // query of the previous page; "" on the first
	Next     string // of the next; "" on the last
	Shown    string // the IDs on this page, comma-separated, for "all shown"
	States   []string
	Flaggeds []string
}

func (c *Console) creditsPage(g *gin.Context, s store.Session) {
	cat := c.Catalog()
	f := credit.Filter{Tenant: g.Query("tenant"), Period: g.Query("period"), State: g.Query("state"), Flagged: g.Query("flagged")}
	v := queueView{Filter: f, Tenants: cat.Tenants, States: []string{"computed", "approved", "issued", "voided"}, Flaggeds: []string{"yes", "no"}}
	sf, flagged, err := credit.ParseFilter(cat, f)
	if err != nil {
		var fe *catalog.FieldError
		msg := err.Error()
		if errors.As(err, &fe) {
			msg = "The filter " + fe.Field + " is not valid: " + fe.Msg + "."
		}
		c.render(g, http.StatusBadRequest, "credits", page{Title: "Credits", Session: &s, Error: msg, Data: v})
		return
	}
	sf.Flagged = flagged
	v.Page = max(1, atoi(g.Query("page")))
	if v.Page > maxPage {
		c.render(g, http.StatusBadRequest, "credits", page{Title: "Credits", Session: &s,
			Error: fmt.Sprintf("The page %d is past the last page there can be (%d).", v.Page, maxPage), Data: v})
		return
	}
	p, err := c.Store.CreditsPage(g.Request.Context(), sf, pageSize, (v.Page-1)*pageSize)
	if err != nil {
		c.internal(g, s, err)
		return
	}
	v.Count, v.Rows = p.Count, p.Rows
	for _, t := range p.Totals {
		v.Totals = append(v.Totals, t.Currency+" "+sla.FormatMinor(t.AmountMinor, t.Currency))
	}
	to := (v.Page-1)*pageSize + len(p.Rows)
	q := g.Request.URL.Query()
	if v.Page > 1 {
		q.Set("page", strconv.Itoa(v.Page-1))
		v.Prev = q.Encode()
	}
	if to < p.Count {
		q.Set("page", strconv.Itoa(v.Page+1))
		v.Next = q.Encode()
	}
	ids := make([]string, len(v.Rows))
	for i, r := range v.Rows {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	v.Shown = strings.Join(ids, ",")
	c.render(g, http.StatusOK, "credits", page{Title: "Credits", Session: &s, Notice: g.Query("done"), Data: v})
}

// totals sums amounts per currency, exactly, in minor units.
func totals(cs []store.Credit) []string {
	sum := map[string]int64{}
	var curs []string
	for _, c := range cs {
		if _, ok := sum[c.Currency]; !ok {
			curs = append(curs, c.Currency)
		}
		sum[c.Currency] += c.AmountMinor
	}
	slices.Sort(curs)
	out := make([]string, len(curs))
	for i, cur := range curs {
		out[i] = cur + " " + sla.FormatMinor(sum[cur], cur)
	}
	return out
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// bulkView is the confirmation of a bulk action, or its outcome.
type bulkView struct {
	Action  string // approve or issue
	Rows    []store.Credit
	Skipped []string // entries not in the state the action needs, in words
	Totals  []string
	IDs     string // comma-separated, carried by the confirming form
	Done    []string
	Failed  []string
}

// bulk approves or issues the chosen entries: the first post shows what
// would change and the total (nothing changes), the second, with
// confirm=yes, does it. Each entry changes in its own transaction, so an
// entry issued meanwhile by someone else is reported, not issued twice.
func (c *Console) bulk(g *gin.Context, s store.Session) {
	action := g.PostForm("action")
	if action != "approve" && action != "issue" {
		c.failAs(g, s, http.StatusBadRequest, fmt.Sprintf("The action %q is not approve or issue.", action))
		return
	}
	raw := g.PostFormArray("id")
	if g.PostForm("scope") == "shown" || g.PostForm("confirm") == "yes" {
		raw = strings.Split(g.PostForm("ids"), ",")
	}
	ids, err := parseIDs(raw)
	if err != nil || len(ids) == 0 {
		c.failAs(g, s, http.StatusBadRequest, "Choose at least one credit (IDs: "+strings.Join(raw, ", ")+").")
		return
	}
	ctx := g.Request.Context()
	need := store.CreditComputed
	if action == "issue" {
		need = store.CreditApproved
	}
	v := bulkView{Action: action}
	var keep []string
	for _, id := range ids {
		cr, err := c.Store.Credit(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			v.Skipped = append(v.Skipped, fmt.Sprintf("credit %d does not exist", id))
			continue
		case err != nil:
			c.internal(g, s, err)
			return
		case cr.State != need:
			v.Skipped = append(v.Skipped, fmt.Sprintf("credit %d is %s, not %s", id, cr.State, need))
			continue
		}
		v.Rows = append(v.Rows, cr)
		keep = append(keep, strconv.FormatInt(id, 10))
	}
	v.Totals, v.IDs = totals(v.Rows), strings.Join(keep, ",")
	if g.PostForm("confirm") != "yes" {
		c.render(g, http.StatusOK, "bulk", page{Title: "Confirm: " + action, Session: &s, Data: v})
		return
	}
	for _, cr := range v.Rows {
		var err error
		if action == "approve" {
			_, err = c.Store.ApproveCredit(ctx, cr.ID, s.Actor())
		} else {
			_, err = c.Store.IssueCredit(ctx, cr.ID, s.Actor())
		}
		if err != nil {
			v.Failed = append(v.Failed, fmt.Sprintf("credit %d: %v", cr.ID, err))
			continue
		}
		v.Done = append(v.Done, strconv.FormatInt(cr.ID, 10))
	}
	c.refresh(ctx)
	c.render(g, http.StatusOK, "bulkdone", page{Title: "Done: " + action, Session: &s, Data: v})
}

func parseIDs(raw []string) ([]int64, error) {
	var out []int64
	for _, r := range raw {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a credit ID", r)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// creditAction approves, issues or voids (with a reason) one entry from
// its page.
func (c *Console) creditAction(action string) func(*gin.Context, store.Session) {
	return func(g *gin.Context, s store.Session) {
		id, ok := c.pathID(g, s)
		if !ok {
			return
		}
		ctx := g.Request.Context()
		var err error
		switch action {
		case "approve":
			_, err = c.Store.ApproveCredit(ctx, id, s.Actor())
		case "issue":
			_, err = c.Store.IssueCredit(ctx, id, s.Actor())
		default:
			reason := strings.TrimSpace(g.PostForm("reason"))
			if reason == "" {
				c.failAs(g, s, http.StatusBadRequest, "A reason is required to void a credit.")
				return
			}
			_, err = c.Store.VoidCredit(ctx, id, s.Actor(), reason)
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Credit %d does not exist.", id))
			return
		case errors.Is(err, store.ErrCreditState):
			c.failAs(g, s, http.StatusConflict, fmt.Sprintf("Credit %d cannot be %s: %v.", id, pastTense(action), err))
			return
		case err != nil:
			c.internal(g, s, err)
			return
		}
		c.refresh(ctx)
		g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/credits/%d?done=%s", id, pastTense(action)))
	}
}

func pastTense(action string) string {
	switch action {
	case "approve":
		return "approved"
	case "issue":
		return "issued"
	}
	return "voided"
}

func (c *Console) pathID(g *gin.Context, s store.Session) (int64, bool) {
	return c.idParam(g, s, "a credit")
}

// idParam is the path's :id, or a 404 page saying it is not what's ID
// (what with its article: "an incident").
func (c *Console) idParam(g *gin.Context, s store.Session, what string) (int64, bool) {
	id, err := strconv.ParseInt(g.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("%q is not %s ID.", g.Param("id"), what))
		return 0, false
	}
	return id, true
}

// internal logs err and answers 500 without its text.
func (c *Console) internal(g *gin.Context, s store.Session, err error) {
	c.Log.Error("console", "path", g.Request.URL.Path, "actor", s.Actor(), "err", err)
	c.failAs(g, s, http.StatusInternalServerError, "Something went wrong; the server log has the details.")
}
