package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
)

// Feed addresses: a feed reader cannot sign in or send a header, so a
// tenant's feed has addresses of its own, /status/{tenant}/feed.atom?token=
// with a feed token (access.Feed) in the query. A feed token reads that
// tenant's feed and nothing else: every other route refuses it as it
// refuses any credential of the wrong scope. The tenant page makes one
// (shown once: the store keeps its hash) and revokes them all; a signed
// link may not make one, since the feed address would outlive the link.

// FeedTokens makes and revokes tenants' feed tokens.
type FeedTokens interface {
	// CreateFeedToken makes a feed token of tenant and returns its text,
	// audited as done by actor.
	CreateFeedToken(ctx context.Context, tenant, actor string) (string, error)
	// RevokeFeedTokens revokes every valid feed token of tenant and
	// says how many it revoked.
	RevokeFeedTokens(ctx context.Context, tenant, actor string) (int, error)
}

// errBadFeedToken is the one refusal of a feed address: unknown,
// revoked, malformed or of another scope alike.
var errBadFeedToken = &APIError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "this feed address is unknown or was revoked; make a new one on your status page"}

// feedTokenAccess authenticates a feed address's token for the tenant in
// the path; it writes the refusal and returns nil when it is not one.
func (s *Server) feedTokenAccess(c *gin.Context) *tenantState {
	tenant := c.Param("tenant")
	var p Principal
	err := ErrUnauthenticated
	if s.Auth != nil {
		p, err = s.Auth.Authenticate(c.Request.Context(), c.Query("token"))
	}
	switch {
	case err != nil && !errors.Is(err, ErrUnauthenticated):
		if s.Log != nil {
			s.Log.Error("authenticate", "err", err)
		}
		writeAPIError(c, &APIError{Status: errAuthUnavailable.status, Code: errAuthUnavailable.code, Message: errAuthUnavailable.msg})
		return nil
	case err != nil || !p.Scope().ReadsFeed(tenant):
		writeAPIError(c, errBadFeedToken)
		return nil
	}
	if s.rateLimited(c, p, true) {
		return nil
	}
	st := s.tenantState(tenant)
	if st == nil {
		writeAPIError(c, errBadFeedToken)
		return nil
	}
	return st
}

// mountFeedTokens registers the tenant page's forms that make and revoke
// feed addresses; guard refuses cross-site posts.
func (s *Server) mountFeedTokens(g *gin.RouterGroup, guard func(gin.HandlerFunc) gin.HandlerFunc) {
	g.POST("/feed-token", guard(func(c *gin.Context) { s.feedTokenForm(c, false) }))
	g.POST("/feed-token/revoke", guard(func(c *gin.Context) { s.feedTokenForm(c, true) }))
}

func (s *Server) feedTokenForm(c *gin.Context, revoke bool) {
	st, p := s.tenantAccessAs(c, true)
	if st == nil {
		return
	}
	if s.FeedTokens == nil {
		c.String(http.StatusNotFound, "feed addresses are not available\n")
		return
	}
	c.Header("Cache-Control", "no-store")
	if p.Role == access.Link {
		c.String(http.StatusForbidden, "a shared link cannot make or revoke feed addresses: sign in with your access token\n")
		return
	}
	ctx, tenant := c.Request.Context(), st.view.ID
	v := s.tenantIndexView(st.view)
	if revoke {
		n, err := s.FeedTokens.RevokeFeedTokens(ctx, tenant, p.Actor())
		if err != nil {
			s.formFailed(c, err)
			return
		}
		v.Notice = fmt.Sprintf("%d feed address(es) revoked: feed readers using them are now refused.", n)
	} else {
		text, err := s.FeedTokens.CreateFeedToken(ctx, tenant, p.Actor())
		if err != nil {
			s.formFailed(c, err)
			return
		}
		v.FeedURL = st.view.Status.Page.URL + "/feed.atom?token=" + url.QueryEscape(text)
	}
	c.HTML(http.StatusOK, "tenant", v)
}

func (s *Server) formFailed(c *gin.Context, err error) {
	if s.Log != nil {
		s.Log.Error("feed address", "tenant", c.Param("tenant"), "err", err)
	}
	c.String(http.StatusServiceUnavailable, "feed addresses cannot be changed right now; retry shortly\n")
}

// tenantIndexView is the model of v's front page, as renderPages makes
// it, for an answer rendered on its own (a form's result).
func (s *Server) tenantIndexView(v *TenantView) view {
	out := newView(v.Status, tenantPath(v.ID))
	out.Tenant, out.Zone, out.FeedForms = v, v.TimeZone, s.FeedTokens != nil
	return out
}
