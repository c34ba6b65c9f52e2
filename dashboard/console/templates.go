package console

import (
	"errors"
	"fmt"
	"net/http"
	neturl "net/url"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// Update templates: named starts of an incident update that on-call pick
// on the incident page (the form is filled, then edited, then posted).

type templatesView struct {
	Templates []store.UpdateTemplate
	Form      store.UpdateTemplate // the create or edit form's content
	Statuses  []string
}

var templateStatuses = []string{"investigating", "identified", "monitoring", "resolved"}

func (c *Console) templatesPage(g *gin.Context, s store.Session) {
	c.showTemplates(g, s, http.StatusOK, "templates", store.UpdateTemplate{Status: incident.Investigating}, "", g.Query("done"))
}

func (c *Console) showTemplates(g *gin.Context, s store.Session, status int, name string, form store.UpdateTemplate, problem, notice string) {
	ts, err := c.Store.UpdateTemplates(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	title := "Update templates"
	if name == "template" {
		title = fmt.Sprintf("Update template %d", form.ID)
	}
	c.render(g, status, name, page{Title: title, Session: &s, Error: problem, Notice: notice,
		Data: templatesView{Templates: ts, Form: form, Statuses: templateStatuses}})
}

// templateByPath reads :id, answering 404 for a bad or unknown ID.
func (c *Console) templateByPath(g *gin.Context, s store.Session) (store.UpdateTemplate, bool) {
	id, ok := c.idParam(g, s, "a template")
	if !ok {
		return store.UpdateTemplate{}, false
	}
	t, err := c.Store.UpdateTemplate(g.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Update template %d does not exist.", id))
		return store.UpdateTemplate{}, false
	}
	if err != nil {
		c.internal(g, s, err)
		return store.UpdateTemplate{}, false
	}
	return t, true
}

func (c *Console) templatePage(g *gin.Context, s store.Session) {
	if t, ok := c.templateByPath(g, s); ok {
		c.showTemplates(g, s, http.StatusOK, "template", t, "", g.Query("done"))
	}
}

// saveTemplate creates a template (POST /console/templates) or replaces
// one (POST /console/templates/:id).
func (c *Console) saveTemplate(g *gin.Context, s store.Session) {
	t := store.UpdateTemplate{}
	view := "templates"
	if g.Param("id") != "" {
		old, ok := c.templateByPath(g, s)
		if !ok {
			return
		}
		t.ID, view = old.ID, "template"
	}
	t.Name, t.Status, t.Body = g.PostForm("name"), incident.Status(g.PostForm("status")), g.PostForm("body")
	err := c.Store.SaveUpdateTemplate(g.Request.Context(), &t, s.Actor())
	var fe *store.TemplateField
	switch {
	case errors.As(err, &fe):
		c.showTemplates(g, s, http.StatusBadRequest, view, t, fe.Error(), "")
	case errors.Is(err, store.ErrTemplateName):
		c.showTemplates(g, s, http.StatusBadRequest, view, t, fmt.Sprintf("name: another template is called %q", t.Name), "")
	case err != nil:
		c.internal(g, s, err)
	default:
		g.Redirect(http.StatusSeeOther, "/console/templates?done="+neturl.QueryEscape("Template "+t.Name+" saved"))
	}
}

func (c *Console) deleteTemplate(g *gin.Context, s store.Session) {
	t, ok := c.templateByPath(g, s)
	if !ok {
		return
	}
	if err := c.Store.DeleteUpdateTemplate(g.Request.Context(), t.ID, s.Actor()); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.internal(g, s, err)
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/templates?done="+neturl.QueryEscape("Template "+t.Name+" deleted"))
}
