package console

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// The post-mortem editor: markdown, a preview sanitised as the public
// pages sanitise it (incident.Render), every save a new version, a diff
// between any two, and publication once the incident is resolved, which
// the store checks again in the publishing transaction.

type postmortemView struct {
	Inc       store.Incident
	Open      bool
	Markdown  string        // the editor's text
	Preview   template.HTML // rendered and sanitised; "" when not asked for
	Versions  []store.PostmortemVersion
	Published int
	From, To  int
	Diff      []diffLine
}

// postmortemPage shows the editor with the newest version (or slate's
// template when none is saved) and, with ?from=A&to=B, the diff between
// versions A and B.
func (c *Console) postmortemPage(g *gin.Context, s store.Session) {
	v, ok := c.loadPostmortem(g, s)
	if !ok {
		return
	}
	vs := v.Versions
	if len(vs) == 0 {
		var err error
		if v.Markdown, err = c.postmortemTemplate(g, v.Inc); err != nil {
			c.internal(g, s, err)
			return
		}
	}
	status, problem := http.StatusOK, ""
	if g.Query("from") != "" || g.Query("to") != "" {
		a, b := version(vs, atoi(g.Query("from"))), version(vs, atoi(g.Query("to")))
		switch {
		case a == nil:
			status, problem = http.StatusBadRequest, fmt.Sprintf("from: %q is not a saved version of this post-mortem", g.Query("from"))
		case b == nil:
			status, problem = http.StatusBadRequest, fmt.Sprintf("to: %q is not a saved version of this post-mortem", g.Query("to"))
		default:
			v.From, v.To, v.Diff = a.Version, b.Version, lineDiff(a.Markdown, b.Markdown)
		}
	}
	c.showPostmortem(g, s, status, v, problem, g.Query("done"))
}

// loadPostmortem reads the incident at :id and its post-mortem's
// versions, the editor holding the newest.
func (c *Console) loadPostmortem(g *gin.Context, s store.Session) (postmortemView, bool) {
	inc, ok := c.loadIncident(g, s)
	if !ok {
		return postmortemView{}, false
	}
	vs, err := c.Store.PostmortemVersions(g.Request.Context(), inc.ID)
	if err != nil {
		c.internal(g, s, err)
		return postmortemView{}, false
	}
	v := postmortemView{Inc: inc, Versions: vs, Published: inc.PublishedPostmortem}
	if len(vs) > 0 {
		v.Markdown = vs[len(vs)-1].Markdown
	}
	return v, true
}

func version(vs []store.PostmortemVersion, n int) *store.PostmortemVersion {
	for i := range vs {
		if vs[i].Version == n {
			return &vs[i]
		}
	}
	return nil
}

// postmortemTemplate is slate's start of a post-mortem of inc: the view
// every reader may read and its impact as a total (no tenant named).
func (c *Console) postmortemTemplate(g *gin.Context, inc store.Incident) (string, error) {
	cat := c.Catalog()
	total, err := incident.TotalImpact(credit.Impact(g.Request.Context(), c.Store, cat, inc.Incident, inc.Tenants, c.Now()))
	if err != nil {
		return "", err
	}
	view := cat.PublishedView(inc.Incident, inc.Tenants)
	view.Title = cat.IncidentTitle(view)
	return incident.Template(view, total), nil
}

func (c *Console) showPostmortem(g *gin.Context, s store.Session, status int, v postmortemView, problem, notice string) {
	v.Inc.Title, v.Open = c.Catalog().IncidentTitle(v.Inc.Incident), v.Inc.Open()
	c.render(g, status, "postmortem", page{Title: fmt.Sprintf("Post-mortem of incident %d", v.Inc.ID), Session: &s,
		Error: problem, Notice: notice, Data: v})
}

// savePostmortem previews the posted markdown (action=preview: nothing
// is stored) or saves it as a new version (action=save).
func (c *Console) savePostmortem(g *gin.Context, s store.Session) {
	v, ok := c.loadPostmortem(g, s)
	if !ok {
		return
	}
	ctx, inc, md := g.Request.Context(), v.Inc, g.PostForm("markdown")
	v.Markdown = md
	var err error
	action := g.PostForm("action")
	var problem string
	switch {
	case action != "preview" && action != "save":
		problem = fmt.Sprintf("action: %q is not preview or save", action)
	case strings.TrimSpace(md) == "":
		problem = "markdown: is required"
	case len(md) > incident.MaxPostmortemBytes:
		problem = fmt.Sprintf("markdown: %d bytes, more than the %d allowed", len(md), incident.MaxPostmortemBytes)
	}
	if problem == "" {
		if v.Preview, err = incident.Render(md); err != nil {
			problem = "markdown: " + err.Error()
		}
	}
	if problem != "" || action == "preview" {
		status := http.StatusOK
		if problem != "" {
			status, v.Preview = http.StatusBadRequest, ""
		}
		c.showPostmortem(g, s, status, v, problem, "")
		return
	}
	n, err := c.Store.SavePostmortem(ctx, inc.ID, md, s.Actor())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/incidents/%d/postmortem?done=Version+%d+saved", inc.ID, n))
}

// publishPostmortem publishes a saved version: refused, with the reason,
// while the incident is open or when the text names a tenant another
// reader would learn of.
func (c *Console) publishPostmortem(g *gin.Context, s store.Session) {
	v, ok := c.loadPostmortem(g, s)
	if !ok {
		return
	}
	ctx, inc, vs := g.Request.Context(), v.Inc, v.Versions
	chosen := version(vs, atoi(g.PostForm("version")))
	if chosen == nil {
		c.showPostmortem(g, s, http.StatusBadRequest, v, fmt.Sprintf("version: %q is not a saved version of this post-mortem", g.PostForm("version")), "")
		return
	}
	notResolved := func(err error) {
		c.showPostmortem(g, s, http.StatusConflict, v, "Not published: "+err.Error()+".", "")
	}
	if err := store.CheckPublishPostmortem(&inc); err != nil {
		notResolved(err)
		return
	}
	if err := c.Catalog().CheckPostmortemNames(chosen.Markdown, inc.Incident, inc.Tenants); err != nil {
		var fe *catalog.FieldError
		msg := err.Error()
		if errors.As(err, &fe) {
			msg = fmt.Sprintf("version %d: %s", chosen.Version, fe.Msg)
		}
		c.showPostmortem(g, s, http.StatusBadRequest, v, msg, "")
		return
	}
	err := c.Store.PublishPostmortem(ctx, inc.ID, chosen.Version, s.Actor())
	if errors.Is(err, store.ErrNotResolved) {
		notResolved(err)
		return
	}
	if err != nil {
		c.internal(g, s, err)
		return
	}
	c.refresh(ctx)
	g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/incidents/%d/postmortem?done=Version+%d+published", inc.ID, chosen.Version))
}
