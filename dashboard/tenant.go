package dashboard

import (
	"context"
	"html/template"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
)

// Tenant pages: /status/{tenant}, private to the tenant. Each shows the
// tenant's own services (a Snapshot built from them alone), its contracts'
// figures and its credit statement. Everything under /status/{tenant} is
// refused without a token or link for that tenant, and never shows
// another tenant's data, because each tenant's pages are built from that
// tenant's view only.

// TenantView is what one tenant's page shows. Figures arrive formatted:
// the dashboard shows them and never does arithmetic on money.
type TenantView struct {
	ID, Name string
	TimeZone string // IANA name the periods are in
	// Status is the tenant's services, incidents and maintenance, built
	// with BuildSnapshot; its Page.URL must be the tenant page's URL
	// (base + "/status/" + ID), so shortlinks stay on the tenant page.
	Status    *Snapshot
	Contracts []ContractView
	Credits   []CreditLine // the credit statement, newest first
	// Owed says in plain words what the tenant is owed and when it
	// reaches it, one sentence per period with credit outstanding:
	// "You are owed 462.50 EUR for 2026-10, applied to your invoice of
	// 1 December 2026." Nil when nothing is owed.
	Owed []string
}

// ContractView is one contract's figures.
type ContractView struct {
	ID       string
	Services []string // display names
	Target   string   // "99.9%"
	Period   string   // "month" or "quarter"
	Current  PeriodView
	Past     []PeriodView // newest first
}

// PeriodView is one period of a contract.
type PeriodView struct {
	Name            string // "2026-11" or "2026-Q4"
	Start, End      time.Time
	Uptime          string // "99.95%"
	Met             bool   // uptime at or above the target
	DowntimeMinutes string
	BudgetLeft      string // minutes of error budget left, "12.5" (may be negative)
	BudgetPercent   string // share of the budget left, "28.9%"
	Burn            []BurnView
	Coverage        string // "100.00%"
	Flagged         bool   // coverage below the contract's threshold
	// Locations is the coverage of each location the contract's checks
	// run from (the current period only): where the evidence is thin.
	Locations    []LocationView
	Credit       string // "EUR 120.00"; "" when none is due
	CreditStatus string // computed, approved, issued, voided; "" for the current period
}

// LocationView is one location's share of a period's evidence.
type LocationView struct {
	Name     string // display name
	Region   string // "" for none
	Coverage string // "99.50%": the minutes in which it reported every check it runs
	Thin     bool   // below the contract's coverage threshold
}

// BurnView is the error budget's burn rate over one window.
type BurnView struct {
	Window string // "1h"
	Rate   string // "0.50"; 1 spends the budget exactly by the period's end
}

// CreditLine is one ledger entry of the statement.
type CreditLine struct {
	ID       int64
	Contract string
	Period   string
	Kind     string // credit or adjustment
	Amount   string // "EUR 120.00"
	Status   string // computed, approved, issued, voided
	Uptime   string
	At       time.Time // last change
}

// tenantSet is the tenants' pages of one SetTenants call.
type tenantSet map[string]*tenantState

type tenantState struct {
	view *TenantView
	api  *encodedPages // the tenant's Statuspage v2 bodies
	// html is rendered on first request, since most tenants' pages are
	// not looked at between two snapshots.
	once sync.Once
	html *htmlPages
	err  error
	feed feedCache // the tenant's Atom feed, encoded on first request
}

// tenantPages holds the current tenant set.
type tenantPages struct {
	current atomic.Pointer[tenantSet]
}

// SetTenants replaces every tenant's page. Safe while serving; the views
// must not be changed afterwards. A tenant left out is gone (404 to staff,
// refused to everybody else).
func (s *Server) SetTenants(views []*TenantView) {
	var prev tenantSet
	if p := s.tenants.current.Load(); p != nil {
		prev = *p
	}
	set := make(tenantSet, len(views))
	for _, v := range views {
		if v == nil || v.Status == nil {
			continue
		}
		st := &tenantState{view: v, api: encodePages(v.Status)}
		if old := prev[v.ID]; old != nil && sameTenantView(old, st) {
			// Nothing shown changed: keep the pages and feed already
			// rendered for it.
			st = old
		}
		set[v.ID] = st
	}
	s.tenants.current.Store(&set)
}

// sameTenantView reports whether two states of a tenant's page show the
// same: the status (as sameContent) and every figure of the view.
func sameTenantView(a, b *tenantState) bool {
	av, bv := *a.view, *b.view
	av.Status, bv.Status = nil, nil
	return sameContent(a.api, b.api) && reflect.DeepEqual(av, bv)
}

func (s *Server) tenantState(id string) *tenantState {
	set := s.tenants.current.Load()
	if set == nil {
		return nil
	}
	return (*set)[id]
}

// tenantPath is the tenant page's path.
func tenantPath(id string) string { return "/status/" + id }

// mountTenants registers /status/:tenant and everything under it.
func (s *Server) mountTenants() {
	g := s.engine.Group("/status/:tenant", s.limitFailures(presentsCredential, unauthorized))
	page := func(c *gin.Context) { s.serveTenantPage(c, "") }
	g.GET("", page)
	g.HEAD("", page)
	inc := func(c *gin.Context) { s.serveTenantPage(c, c.Param("id")) }
	g.GET("/incidents/:id", inc)
	g.HEAD("/incidents/:id", inc)
	for _, path := range statuspagePaths() {
		h := func(c *gin.Context) { s.serveTenantAPI(c, path) }
		g.GET("/api/v2"+path, h)
		g.HEAD("/api/v2"+path, h)
		g.OPTIONS("/api/v2"+path, preflight)
	}
	// The login form posts from the page itself; CrossOriginProtection
	// refuses the same post from any other site.
	cop := http.NewCrossOriginProtection()
	guard := func(h gin.HandlerFunc) gin.HandlerFunc {
		return func(c *gin.Context) {
			if err := cop.Check(c.Request); err != nil {
				c.String(http.StatusForbidden, "cross-origin form submission refused\n")
				return
			}
			h(c)
		}
	}
	feed := func(c *gin.Context) {
		var st *tenantState
		if c.Request.URL.Query().Has("token") {
			st = s.feedTokenAccess(c) // a feed address (feedtokens.go)
		} else {
			st = s.tenantAccess(c, false)
		}
		if st != nil {
			c.Header("Cache-Control", "private, no-store")
			s.serveFeed(c, &st.feed, st.view.Status, st.view.Status.Page.URL+"/feed.atom")
		}
	}
	g.GET("/feed.atom", feed)
	g.HEAD("/feed.atom", feed)
	s.mountStatements(g)
	s.mountFeedTokens(g, guard)
	g.POST("/login", guard(s.tenantLogin))
	g.POST("/logout", guard(s.tenantLogout))
}

// preflight answers browsers that ask before sending Authorization from
// another origin.
func preflight(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, If-None-Match")
	h.Set("Access-Control-Max-Age", "86400")
	c.Status(http.StatusNoContent)
}

// tenantAccess authenticates and authorises a request for the tenant in
// the path. It writes the refusal and returns nil when the request may
// not go on.
func (s *Server) tenantAccess(c *gin.Context, html bool) *tenantState {
	st, _ := s.tenantAccessAs(c, html)
	return st
}

// tenantAccessAs is tenantAccess that also returns who the request acts
// as.
func (s *Server) tenantAccessAs(c *gin.Context, html bool) (*tenantState, Principal) {
	tenant := c.Param("tenant")
	p, fromLink, aerr := s.tenantPrincipal(c.Request, tenant)
	if aerr != nil {
		if html {
			s.serveLogin(c, tenant, aerr)
		} else {
			c.Header("Access-Control-Allow-Origin", "*")
			if aerr.status == http.StatusUnauthorized {
				c.Header("WWW-Authenticate", `Bearer realm="slate"`)
			}
			writeAPIError(c, &APIError{Status: aerr.status, Code: aerr.code, Message: aerr.msg})
		}
		return nil, Principal{}
	}
	if s.rateLimited(c, p, !html) {
		return nil, Principal{}
	}
	st := s.tenantState(tenant)
	if st == nil {
		// Only staff, or a credential of a tenant since removed, get
		// here for a tenant that does not exist: a viewer or a link is
		// refused above for any tenant but its own.
		if html {
			c.String(http.StatusNotFound, "no such tenant\n")
		} else {
			writeAPIError(c, &APIError{Status: http.StatusNotFound, Code: "not_found", Message: "no such tenant"})
		}
		return nil, Principal{}
	}
	if fromLink && html && c.Request.Method == http.MethodGet {
		// Swap the link for a cookie scoped to this tenant's pages, and
		// drop it from the address bar.
		q := c.Request.URL.Query()
		s.setCookie(c, linkCookie, q.Get("exp")+"."+q.Get("sig"), tenant)
		c.Redirect(http.StatusSeeOther, cleanURL(c.Request.URL))
		return nil, Principal{}
	}
	return st, p
}

func (s *Server) setCookie(c *gin.Context, name, value, tenant string) {
	maxAge := 0
	if value == "" {
		maxAge = -1
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: tenantPath(tenant), MaxAge: maxAge,
		HttpOnly: true, Secure: s.SecureCookies || c.Request.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) serveTenantAPI(c *gin.Context, path string) {
	st := s.tenantAccess(c, false)
	if st == nil {
		return
	}
	// Private data: no shared caches, and a response per credential.
	c.Header("Cache-Control", "private, no-store")
	s.writeStatuspage(c, st.api, path)
}

func (s *Server) serveTenantPage(c *gin.Context, id string) {
	st := s.tenantAccess(c, true)
	if st == nil {
		return
	}
	st.once.Do(func() {
		st.html, st.err = renderTenantPages(s.html.templatesIn(st.view.TimeZone), st.view, s.FeedTokens != nil)
	})
	if st.err != nil {
		_ = c.Error(st.err)
		c.Status(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	s.writePage(c, st.html, id)
}

// serveLogin answers a refused tenant page with a form to enter a token.
// It looks the same whether or not the tenant exists.
func (s *Server) serveLogin(c *gin.Context, tenant string, aerr *authError) {
	v := view{Title: "Sign in", Page: Page{Name: "Status"}, Login: &loginView{Tenant: tenant, Action: tenantPath(tenant) + "/login", Problem: aerr.msg}}
	if aerr == errNoCredentials {
		v.Login.Problem = ""
	}
	c.Header("Cache-Control", "no-store")
	c.HTML(aerr.status, "login", v)
}

func (s *Server) tenantLogin(c *gin.Context) {
	tenant := c.Param("tenant")
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4096)
	tok := strings.TrimSpace(c.PostForm("token"))
	if tok == "" {
		s.serveLogin(c, tenant, &authError{http.StatusBadRequest, "invalid", "enter the access token you were given"})
		return
	}
	p, _, aerr := s.sessionFor(c.Request.Context(), tok, tenant)
	if aerr != nil {
		s.serveLogin(c, tenant, aerr)
		return
	}
	if s.rateLimited(c, p, false) {
		return
	}
	s.setCookie(c, sessionCookie, tok, tenant)
	s.setCookie(c, linkCookie, "", tenant)
	c.Redirect(http.StatusSeeOther, tenantPath(tenant))
}

// errStaffSession refuses a staff token at a tenant's sign-in form: the
// form, and the session cookie it sets, are for the tenant's viewers.
var errStaffSession = &authError{http.StatusForbidden, "forbidden", "this form takes a viewer token of this tenant; staff send their token as Authorization: Bearer"}

// sessionFor authenticates the token of the sign-in form, or of the
// session cookie it set: a viewer token of tenant, and no other.
func (s *Server) sessionFor(ctx context.Context, tok, tenant string) (Principal, bool, *authError) {
	p, _, aerr := s.tokenFor(ctx, tok, tenant)
	if aerr == nil && p.Role != access.Viewer {
		return Principal{}, false, errStaffSession
	}
	return p, false, aerr
}

func (s *Server) tenantLogout(c *gin.Context) {
	tenant := c.Param("tenant")
	s.setCookie(c, sessionCookie, "", tenant)
	s.setCookie(c, linkCookie, "", tenant)
	c.Redirect(http.StatusSeeOther, tenantPath(tenant))
}

// renderTenantPages renders a tenant's page and its incident pages, with
// links that stay under the tenant's path.
func renderTenantPages(t *template.Template, v *TenantView, feedForms bool) (*htmlPages, error) {
	return renderPages(t, v.Status, pageOptions{index: "tenant", prefix: tenantPath(v.ID), tenant: v, feedForms: feedForms})
}

// loginView is the sign-in form of a tenant page.
type loginView struct {
	Tenant, Action, Problem string
}
