package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/store"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 100

type auditView struct {
	Entries  []store.AuditEntry
	Verified store.AuditMark // how far the chain verified
	Problem  string          // why the chain does not verify; "" when it does
	Next     int64           // the after= of the next page; 0 on the last
}

// auditPage shows the audit log, oldest first from after=, and whether
// its hash chain verifies end to end.
func (c *Console) auditPage(g *gin.Context, s store.Session) {
	ctx := g.Request.Context()
	after, _ := strconv.ParseInt(g.Query("after"), 10, 64)
	es, err := c.Store.AuditEntries(ctx, max(0, after), auditPageSize+1)
	if err != nil {
		c.internal(g, s, err)
		return
	}
	v := auditView{Entries: es}
	if len(es) > auditPageSize {
		v.Entries = es[:auditPageSize]
		v.Next = v.Entries[auditPageSize-1].ID
	}
	v.Verified, err = c.verifyAudit(ctx)
	if err != nil {
		v.Problem = err.Error()
	}
	c.render(g, http.StatusOK, "audit", page{Title: "Audit log", Session: &s, Data: v})
}

// verifyAudit checks the audit entries added since the last check and
// moves the mark past them when they verify: each page view reads only
// what is new, not the whole log. A mark that does not move (a broken
// link) is checked again from the same place next time.
func (c *Console) verifyAudit(ctx context.Context) (store.AuditMark, error) {
	c.audit.Lock()
	defer c.audit.Unlock()
	m, err := c.Store.VerifyAuditAfter(ctx, c.audited)
	if err != nil {
		return m, err
	}
	c.audited = m
	return m, nil
}

type tokensView struct {
	Tokens  []store.Token
	Roles   []string
	Created *store.Token
	Secret  string // the created token's text, shown this once
}

func (c *Console) tokensPage(g *gin.Context, s store.Session) {
	c.showTokens(g, s, http.StatusOK, tokensView{}, g.Query("done"), "")
}

func (c *Console) showTokens(g *gin.Context, s store.Session, status int, v tokensView, notice, problem string) {
	ts, err := c.Store.Tokens(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	v.Tokens, v.Roles = ts, access.TokenRoles()
	c.render(g, status, "tokens", page{Title: "API tokens", Session: &s, Notice: notice, Error: problem, Data: v})
}

// createToken makes a token and shows its text once; the store keeps its
// hash only.
func (c *Console) createToken(g *gin.Context, s store.Session) {
	nt := store.NewToken{Name: g.PostForm("name"), Role: g.PostForm("role"), Tenant: g.PostForm("tenant")}
	if nt.Tenant != "" {
		if _, ok := c.Catalog().Tenant(nt.Tenant); !ok {
			c.showTokens(g, s, http.StatusBadRequest, tokensView{}, "", fmt.Sprintf("tenant: no tenant %q in the configuration", nt.Tenant))
			return
		}
	}
	if err := store.CheckNewToken(nt, s.Actor()); err != nil {
		c.showTokens(g, s, http.StatusBadRequest, tokensView{}, "", err.Error())
		return
	}
	text, t, err := c.Store.CreateToken(g.Request.Context(), nt, s.Actor())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	c.showTokens(g, s, http.StatusOK, tokensView{Created: &t, Secret: text}, "", "")
}

func (c *Console) revokeToken(g *gin.Context, s store.Session) {
	prefix := g.Param("prefix")
	_, err := c.Store.RevokeToken(g.Request.Context(), prefix, s.Actor())
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("No token %s.", prefix))
	case errors.Is(err, store.ErrTokenRevoked):
		c.failAs(g, s, http.StatusConflict, fmt.Sprintf("Token %s: %v.", prefix, err))
	case err != nil:
		c.internal(g, s, err)
	default:
		g.Redirect(http.StatusSeeOther, "/console/tokens?done=Token+"+prefix+"+revoked.")
	}
}

type sessionsView struct {
	Sessions []store.Session
	Current  int64
}

func (c *Console) sessionsPage(g *gin.Context, s store.Session) {
	ss, err := c.Store.ActiveSessions(g.Request.Context(), c.Now())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	c.render(g, http.StatusOK, "sessions", page{Title: "Console sessions", Session: &s, Notice: g.Query("done"),
		Data: sessionsView{Sessions: ss, Current: s.ID}})
}

func (c *Console) revokeSession(g *gin.Context, s store.Session) {
	id, err := strconv.ParseInt(g.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("%q is not a session ID.", g.Param("id")))
		return
	}
	_, err = c.Store.RevokeSession(g.Request.Context(), id, s.Actor())
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("No session %d.", id))
	case errors.Is(err, store.ErrSessionRevoked):
		c.failAs(g, s, http.StatusConflict, fmt.Sprintf("Session %d: %v.", id, err))
	case err != nil:
		c.internal(g, s, err)
	default:
		g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/sessions?done=Session+%d+revoked.", id))
	}
}

type locationsView struct {
	Locations []store.LocationHealth
}

// locationsPage shows each location's health: who reports for it, and how
// far its evidence is in.
func (c *Console) locationsPage(g *gin.Context, s store.Session) {
	if c.Locations == nil {
		c.failAs(g, s, http.StatusNotFound, "No such page.")
		return
	}
	ls, err := c.Locations(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	c.render(g, http.StatusOK, "locations", page{Title: "Locations", Session: &s, Data: locationsView{Locations: ls}})
}
