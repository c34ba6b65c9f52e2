package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/store"
)

// The on-call pages: incidents with their titles, services, statuses,
// severities, affected tenants and timelines, and the forms people change
// them with. Staff (account managers too) read them; on-call and admins
// act. Detection's timeline entries are marked internal: customers read
// only the updates people write, and a detection entry reaches them only
// when a person publishes it, in words they may rewrite.

// incidentListLimit is how many incidents the list shows, newest first.
const incidentListLimit = 200

// maxUpdateBody is the longest update text, in bytes.
const maxUpdateBody = 4000

// fieldError is a refused form field and the problem, in words.
type fieldError struct{ Field, Problem string }

func (e *fieldError) Error() string { return e.Field + ": " + e.Problem }

func invalid(field, format string, args ...any) *fieldError {
	return &fieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

type incidentFilter struct{ Status, Service, Tenant string }

type incidentListRow struct {
	store.Incident
	Services []string // display names
}

type incidentsView struct {
	Filter   incidentFilter
	Statuses []string
	Services []catalog.Service
	Tenants  []catalog.Tenant
	Rows     []incidentListRow
}

// listStatuses are the list's status filter's values besides "".
var listStatuses = []string{"open", "closed", "investigating", "identified", "monitoring", "resolved", "postmortem"}

// incidentsPage lists incidents, newest first, filtered by status,
// service and tenant; an unknown value of any is refused by name.
func (c *Console) incidentsPage(g *gin.Context, s store.Session) {
	cat := c.Catalog()
	f := incidentFilter{Status: g.Query("status"), Service: g.Query("service"), Tenant: g.Query("tenant")}
	v := incidentsView{Filter: f, Statuses: listStatuses, Services: cat.Services, Tenants: cat.Tenants}
	sf := store.IncidentFilter{Service: f.Service, Tenant: f.Tenant, Limit: incidentListLimit}
	var problem *fieldError
	switch {
	case f.Status != "" && !slices.Contains(listStatuses, f.Status):
		problem = invalid("status", "%q is not one of %s", f.Status, strings.Join(listStatuses, ", "))
	case f.Service != "" && !cat.HasService(f.Service):
		problem = invalid("service", "no service has the ID %q", f.Service)
	case f.Tenant != "" && !cat.HasTenant(f.Tenant):
		problem = invalid("tenant", "no tenant has the ID %q", f.Tenant)
	}
	if problem != nil {
		c.render(g, http.StatusBadRequest, "incidents", page{Title: "Incidents", Session: &s, Error: problem.Error(), Data: v})
		return
	}
	// The store cuts the list to the newest incidentListLimit: it filters
	// open from closed first, so that a status is looked for among its
	// kind alone, not among the newest of all.
	if f.Status != "" {
		open := f.Status == "open" || slices.Contains(openStatuses, f.Status)
		sf.Open = &open
	}
	incs, err := c.Store.Incidents(g.Request.Context(), sf)
	if err != nil {
		c.internal(g, s, err)
		return
	}
	for _, inc := range incs {
		if f.Status != "" && f.Status != "open" && f.Status != "closed" && string(inc.Status) != f.Status {
			continue
		}
		inc.Title = cat.IncidentTitle(inc.Incident)
		v.Rows = append(v.Rows, incidentListRow{Incident: inc, Services: serviceNames(cat, inc.Services())})
	}
	c.render(g, http.StatusOK, "incidents", page{Title: "Incidents", Session: &s, Notice: g.Query("done"), Data: v})
}

// serviceNames are the services ids by their names, as the catalog
// gives them (an ID where it gives none).
func serviceNames(cat *catalog.Catalog, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if sv, ok := cat.Service(id); ok && sv.Name != "" {
			out[i] = sv.Name
		}
	}
	return out
}

// entryRow is one timeline entry on the incident page: N is its place
// (1-based), which the publish form names.
type entryRow struct {
	N int
	incident.Entry
}

// updateForm is what the update form holds: sent back as typed when it
// is refused, or filled from a template.
type updateForm struct {
	Status, Body string
	Template     int64
}

type openForm struct {
	Title, Severity, Status, Body string
	Services                      []string
}

type incidentView struct {
	Inc       store.Incident
	Open      bool
	IDs       []string // the services' IDs
	Services  []string // display names
	Timeline  []entryRow
	Next      []string // the statuses an update may move it to
	Templates []store.UpdateTemplate
	Form      updateForm
	All       []catalog.Service
}

// MayAct reports whether the signed-in person may change incidents and
// templates: on-call and admins.
func (p page) MayAct() bool {
	return p.Session != nil && (p.Session.Role == roleAdmin || p.Session.Role == roleOncall)
}

// nextStatuses are the statuses a person's update may move inc to.
func nextStatuses(inc incident.Incident) []string {
	switch {
	case inc.Open():
		return []string{"investigating", "identified", "monitoring", "resolved"}
	case inc.Status == incident.Resolved:
		return []string{"resolved", "postmortem"}
	}
	return []string{"postmortem"}
}

// loadIncident reads :id, answering 404 for a bad or unknown ID.
func (c *Console) loadIncident(g *gin.Context, s store.Session) (store.Incident, bool) {
	id, ok := c.idParam(g, s, "an incident")
	if !ok {
		return store.Incident{}, false
	}
	inc, err := c.Store.Incident(g.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Incident %d does not exist.", id))
		return store.Incident{}, false
	}
	if err != nil {
		c.internal(g, s, err)
		return store.Incident{}, false
	}
	return inc, true
}

// incidentPage shows one incident whole, as staff read it, with the
// forms to change it; ?template=ID fills the update form from a template.
func (c *Console) incidentPage(g *gin.Context, s store.Session) {
	inc, ok := c.loadIncident(g, s)
	if !ok {
		return
	}
	form := updateForm{Status: string(inc.Status)}
	if inc.Status == incident.Resolved {
		form.Status = string(incident.Postmortem)
	}
	status, problem := http.StatusOK, ""
	if raw := g.Query("template"); raw != "" {
		id, _ := strconv.ParseInt(raw, 10, 64)
		t, err := c.Store.UpdateTemplate(g.Request.Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound) || id <= 0:
			status, problem = http.StatusBadRequest, fmt.Sprintf("template: no update template has the ID %q", raw)
		case err != nil:
			c.internal(g, s, err)
			return
		default:
			form = updateForm{Status: string(t.Status), Body: t.Body, Template: t.ID}
		}
	}
	c.showIncident(g, s, status, inc, form, problem, g.Query("done"))
}

func (c *Console) showIncident(g *gin.Context, s store.Session, status int, inc store.Incident, form updateForm, problem, notice string) {
	cat := c.Catalog()
	ts, err := c.Store.UpdateTemplates(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	inc.Title = cat.IncidentTitle(inc.Incident)
	v := incidentView{Inc: inc, Open: inc.Open(), IDs: inc.Services(), Services: serviceNames(cat, inc.Services()), Next: nextStatuses(inc.Incident),
		Templates: ts, Form: form, All: cat.Services}
	for i, e := range inc.Timeline {
		v.Timeline = append(v.Timeline, entryRow{N: i + 1, Entry: e})
	}
	c.render(g, status, "incident", page{Title: fmt.Sprintf("Incident %d: %s", inc.ID, inc.Title), Session: &s,
		Notice: notice, Error: problem, Data: v})
}

// author names s in a timeline, which readers see: the person's name, or
// their e-mail or subject.
func author(s store.Session) string {
	if n := strings.TrimSpace(s.Name); n != "" {
		return n
	}
	return s.Actor()
}

// checkText refuses a customer-facing text in field that is blank, too
// long, or names a tenant whom another reader of inc would learn of.
func (c *Console) checkText(field, text string, inc store.Incident, max int) *fieldError {
	switch {
	case strings.TrimSpace(text) == "":
		return invalid(field, "is required: say what customers should know")
	case len(text) > max || !utf8.ValidString(text):
		return invalid(field, "must be valid text of at most %d bytes", max)
	}
	return c.checkNames(field, text, inc)
}

// checkNames refuses text in field, which every reader of inc reads as
// written, when it names a tenant another reader would learn of
// (catalog.CheckReaderText).
func (c *Console) checkNames(field, text string, inc store.Incident) *fieldError {
	if err := c.Catalog().CheckReaderText(field, text, inc.Incident, inc.Tenants); err != nil {
		var fe *catalog.FieldError
		if errors.As(err, &fe) {
			return invalid(fe.Field, "%s", fe.Msg)
		}
		return invalid(field, "%v", err)
	}
	return nil
}

// save stores inc as changed by s, with the notifications a person's
// change calls for, and rebuilds the status pages.
func (c *Console) save(ctx context.Context, inc *store.Incident, s store.Session) error {
	var alerts func(int64) ([]store.Alert, error)
	if c.Notify != nil {
		var err error
		if alerts, err = c.Notify(ctx, inc, c.Now().UTC()); err != nil {
			return err
		}
	}
	if _, err := c.Store.SaveIncidentWithAlerts(ctx, inc, s.Actor(), alerts); err != nil {
		return err
	}
	c.refresh(ctx)
	return nil
}

// saved answers a change to inc that the store refused or took.
func (c *Console) saved(g *gin.Context, s store.Session, inc store.Incident, err error, done string) {
	switch {
	case errors.Is(err, store.ErrIncidentConflict):
		c.failAs(g, s, http.StatusConflict, fmt.Sprintf("Incident %d changed while you were writing; open it again and retry.", inc.ID))
	case errors.Is(err, store.ErrIncidentState):
		c.failAs(g, s, http.StatusConflict, fmt.Sprintf("Incident %d: %v.", inc.ID, err))
	case err != nil:
		c.internal(g, s, err)
	default:
		g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/incidents/%d?done=%s", inc.ID, done))
	}
}

// change applies edit, a person's change, to the incident at :id and
// saves it; edit answers the form to show again and the problem, naming
// the field, when it refuses the change (nothing is then stored), or the
// notice of what it did.
func (c *Console) change(edit func(g *gin.Context, s store.Session, inc *store.Incident) (form updateForm, problem, done string)) func(*gin.Context, store.Session) {
	return func(g *gin.Context, s store.Session) {
		inc, ok := c.loadIncident(g, s)
		if !ok {
			return
		}
		stored := inc
		stored.Timeline = slices.Clone(inc.Timeline)
		form, problem, done := edit(g, s, &inc)
		if problem != "" {
			c.showIncident(g, s, http.StatusBadRequest, stored, form, problem, "")
			return
		}
		c.saved(g, s, inc, c.save(g.Request.Context(), &inc, s), done)
	}
}

// postUpdate adds a person's update: a status and the customer-facing
// text.
func (c *Console) postUpdate(g *gin.Context, s store.Session, inc *store.Incident) (updateForm, string, string) {
	form := updateForm{Status: g.PostForm("status"), Body: g.PostForm("body")}
	fe := c.checkText("body", form.Body, *inc, maxUpdateBody)
	if fe == nil && !slices.Contains(nextStatuses(inc.Incident), form.Status) {
		fe = invalid("status", "%q is not one of %s for a %s incident", form.Status, strings.Join(nextStatuses(inc.Incident), ", "), inc.Status)
	}
	if fe != nil {
		return form, fe.Error(), ""
	}
	if err := inc.Update(c.Now().UTC(), incident.Status(form.Status), form.Body, author(s)); err != nil {
		return form, "status: " + err.Error(), ""
	}
	return form, "", "Update+posted"
}

// resolve resolves the incident with a last customer-facing text.
func (c *Console) resolve(g *gin.Context, s store.Session, inc *store.Incident) (updateForm, string, string) {
	form := updateForm{Status: string(incident.Resolved), Body: g.PostForm("body")}
	if !inc.Open() {
		return form, fmt.Sprintf("status: incident %d is %s already", inc.ID, inc.Status), ""
	}
	if fe := c.checkText("body", form.Body, *inc, maxUpdateBody); fe != nil {
		return form, fe.Error(), ""
	}
	if err := inc.Update(c.Now().UTC(), incident.Resolved, form.Body, author(s)); err != nil {
		return form, "status: " + err.Error(), ""
	}
	return form, "", "Resolved"
}

// setSeverity changes the severity: staff's triage, never an update
// customers are sent (they read the severity as it stands).
func (c *Console) setSeverity(g *gin.Context, s store.Session, inc *store.Incident) (updateForm, string, string) {
	form := updateForm{Status: string(inc.Status)}
	if err := inc.SetSeverity(c.Now().UTC(), incident.Severity(g.PostForm("severity")), author(s)); err != nil {
		return form, "severity: " + err.Error(), ""
	}
	return form, "", "Severity+set"
}

// publishEntry publishes detection's entry n as an update, in the text
// given or, blank, the entry's own.
func (c *Console) publishEntry(g *gin.Context, s store.Session, inc *store.Incident) (updateForm, string, string) {
	form := updateForm{Status: string(inc.Status)}
	n, err := strconv.Atoi(g.PostForm("entry"))
	if err != nil || n < 1 || n > len(inc.Timeline) {
		return form, fmt.Sprintf("entry: %q is not an entry of this timeline (1 to %d)", g.PostForm("entry"), len(inc.Timeline)), ""
	}
	text := g.PostForm("body")
	if strings.TrimSpace(text) == "" {
		text = inc.Timeline[n-1].Body
	}
	before := *inc
	if err := inc.Publish(c.Now().UTC(), n-1, text, author(s)); err != nil {
		return form, "entry: " + err.Error(), ""
	}
	if fe := c.checkText("body", text, before, maxUpdateBody); fe != nil {
		return form, fe.Error(), ""
	}
	return form, "", "Entry+published"
}
