package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

type openView struct {
	Form       openForm
	All        []catalog.Service
	Severities []string
	Statuses   []string
	Templates  []store.UpdateTemplate
}

var (
	severities   = []string{"minor", "major", "critical"}
	openStatuses = []string{"investigating", "identified", "monitoring"}
)

// newIncidentPage is the form that opens an incident; ?template=ID fills
// its status and text from a template.
func (c *Console) newIncidentPage(g *gin.Context, s store.Session) {
	form := openForm{Severity: "major", Status: "investigating"}
	if id := atoi(g.Query("template")); id > 0 {
		t, err := c.Store.UpdateTemplate(g.Request.Context(), int64(id))
		switch {
		case errors.Is(err, store.ErrNotFound): // a template deleted meanwhile: the blank form
		case err != nil:
			c.internal(g, s, err)
			return
		case t.Status != incident.Resolved:
			form.Status, form.Body = string(t.Status), t.Body
		}
	}
	c.showOpen(g, s, http.StatusOK, form, "")
}

func (c *Console) showOpen(g *gin.Context, s store.Session, status int, form openForm, problem string) {
	ts, err := c.Store.UpdateTemplates(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	v := openView{Form: form, All: c.Catalog().Services, Severities: severities, Statuses: openStatuses, Templates: ts}
	c.render(g, status, "newincident", page{Title: "Open an incident", Session: &s, Error: problem, Data: v})
}

// checkTitleServices refuses a title or a list of services no incident
// may have, naming the field.
func checkTitleServices(cat *catalog.Catalog, title string, services []string) *fieldError {
	switch {
	case strings.TrimSpace(title) == "":
		return invalid("title", "is required: say in words what is wrong, such as \"Mail IMAP unavailable\"")
	case len(title) > incident.MaxTitle || !utf8.ValidString(title):
		return invalid("title", "must be valid text of at most %d bytes", incident.MaxTitle)
	case len(services) == 0:
		return invalid("services", "choose at least one service")
	}
	for _, id := range services {
		if !cat.HasService(id) {
			return invalid("services", "no service has the ID %q", id)
		}
	}
	return nil
}

// uniq is ids without repeats, in their first order.
func uniq(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// openIncident opens an incident people saw: its title, services,
// severity, status and first customer-facing update. It affects every
// tenant with a contract on one of its services. If detection then
// confirms an outage of its first service, the detection continues it.
func (c *Console) openIncident(g *gin.Context, s store.Session) {
	cat := c.Catalog()
	form := openForm{Title: strings.TrimSpace(g.PostForm("title")), Severity: g.PostForm("severity"), Status: g.PostForm("status"),
		Body: g.PostForm("body"), Services: uniq(g.PostFormArray("service"))}
	fe := checkTitleServices(cat, form.Title, form.Services)
	switch {
	case fe != nil:
	case !slices.Contains(severities, form.Severity):
		fe = invalid("severity", "%q is not one of %s", form.Severity, strings.Join(severities, ", "))
	case !slices.Contains(openStatuses, form.Status):
		fe = invalid("status", "%q is not one of %s", form.Status, strings.Join(openStatuses, ", "))
	}
	var tenants []string
	for _, id := range form.Services {
		tenants = incident.MergeTenants(tenants, cat.ServiceTenants(id))
	}
	now := c.Now().UTC()
	inc := store.Incident{Incident: incident.Incident{Title: form.Title, Status: incident.Status(form.Status),
		Severity: incident.Severity(form.Severity), SeverityOverride: true, Started: now,
		Timeline: []incident.Entry{{At: now, Kind: incident.KindUpdate, Status: incident.Status(form.Status), Body: form.Body, Author: author(s)}}},
		Tenants: tenants}
	if fe == nil {
		inc.Service, inc.Also = form.Services[0], store.SortedTenants(form.Services[1:])
		if fe = c.checkNames("title", form.Title, inc); fe == nil {
			fe = c.checkText("body", form.Body, inc, maxUpdateBody)
		}
	}
	if fe != nil {
		c.showOpen(g, s, http.StatusBadRequest, form, fe.Error())
		return
	}
	c.saved(g, s, inc, c.save(g.Request.Context(), &inc, s), "Incident+opened")
}

// editIncident changes the title and the other services. The first
// service stays: detection's incidents belong to it.
func (c *Console) editIncident(g *gin.Context, s store.Session, inc *store.Incident) (updateForm, string, string) {
	cat := c.Catalog()
	title := strings.TrimSpace(g.PostForm("title"))
	also := slices.DeleteFunc(uniq(g.PostFormArray("service")), func(id string) bool { return id == inc.Service })
	if fe := checkTitleServices(cat, title, append([]string{inc.Service}, also...)); fe != nil {
		return updateForm{Status: string(inc.Status)}, fe.Error(), ""
	}
	inc.Title, inc.Also = title, store.SortedTenants(also)
	for _, id := range also {
		inc.Tenants = incident.MergeTenants(inc.Tenants, cat.ServiceTenants(id))
	}
	// The title as the incident's readers will read it: those of the
	// services it now has.
	if fe := c.checkNames("title", title, *inc); fe != nil {
		return updateForm{Status: string(inc.Status)}, fe.Error(), ""
	}
	// A service added brings its tenants to the updates already posted.
	for i, e := range inc.Timeline {
		if !e.ForReaders() {
			continue
		}
		if fe := c.checkNames("services", e.Body, *inc); fe != nil {
			return updateForm{Status: string(inc.Status)}, fmt.Sprintf("services: entry %d of the timeline would reach new readers: %s", i+1, fe.Problem), ""
		}
	}
	return updateForm{Status: string(inc.Status)}, "", "Title+and+services+saved"
}
