package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/store"
)

// maintenancePast is how many windows that ended the list shows.
const maintenancePast = 50

// windowRow is one maintenance window as the list shows it.
type windowRow struct {
	ID         int64  // the stored window's; 0 for one from the configuration
	ConfigID   string // the configured window's ID
	Title      string
	Services   string // names, comma-separated
	Start, End time.Time
	Status     string // scheduled, in_progress, completed, cancelled
	Updates    int
}

type maintenanceListView struct {
	Current []windowRow // in progress and upcoming, soonest first
	Past    []windowRow // ended or cancelled, newest first
	More    int         // past windows not shown
}

// windowStatus is the state of m at now: it follows the clock (a
// person's completed update moved End to when it was posted).
func windowStatus(start, end time.Time, cancelled bool, now time.Time) string {
	switch {
	case cancelled:
		return "cancelled"
	case now.Before(start):
		return store.MaintenanceScheduled
	case now.Before(end):
		return store.MaintenanceInProgress
	}
	return store.MaintenanceCompleted
}

func (c *Console) maintenanceList(g *gin.Context, s store.Session) {
	cat, now := c.Catalog(), c.Now()
	ms, err := c.Store.ListMaintenance(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	var rows []windowRow
	for _, m := range cat.Maintenance {
		rows = append(rows, windowRow{ConfigID: m.ID, Title: m.Title, Services: strings.Join(serviceNames(cat, m.Services), ", "),
			Start: m.Start, End: m.End, Status: windowStatus(m.Start, m.End, false, now)})
	}
	for _, m := range ms {
		rows = append(rows, windowRow{ID: m.ID, Title: m.Title, Services: strings.Join(serviceNames(cat, m.Services), ", "), Start: m.Start, End: m.End,
			Status: windowStatus(m.Start, m.End, m.Cancelled, now), Updates: len(m.Updates)})
	}
	var v maintenanceListView
	for _, r := range rows {
		if r.Status == store.MaintenanceScheduled || r.Status == store.MaintenanceInProgress {
			v.Current = append(v.Current, r)
		} else {
			v.Past = append(v.Past, r)
		}
	}
	slices.SortStableFunc(v.Current, func(a, b windowRow) int { return a.Start.Compare(b.Start) })
	slices.SortStableFunc(v.Past, func(a, b windowRow) int { return b.Start.Compare(a.Start) })
	if len(v.Past) > maintenancePast {
		v.More, v.Past = len(v.Past)-maintenancePast, v.Past[:maintenancePast]
	}
	c.render(g, http.StatusOK, "maintenance", page{Title: "Maintenance", Session: &s, Notice: g.Query("done"), Data: v})
}

// windowForm is the scheduling form as the person filled it in.
type windowForm struct {
	Services    []string
	Title       string
	Description string
	Start, End  string // datetime-local values, in Zone
	Zone        string
}

// scheduleView is the scheduling form, or its confirmation with the
// effect on each affected contract.
type scheduleView struct {
	Form     windowForm
	Field    string // the field an error names, marked invalid
	Services []catalog.Service
	Zones    []string
	// The confirmation's:
	Start, End time.Time
	Loc        *time.Location
	Effects    []contractEffect
	Promise    string // the excluded contracts' IDs, comma-separated
}

// contractEffect is what a window does to one contract's SLA time.
type contractEffect struct {
	Tenant, Contract string
	Notice           time.Duration
	NoticeMet        bool
	Excluded         bool
	Reason           string
}

func (v scheduleView) Checked(id string) bool { return slices.Contains(v.Form.Services, id) }

func (c *Console) scheduleForm(g *gin.Context, s store.Session) {
	cat := c.Catalog()
	v := scheduleView{Form: windowForm{Zone: "UTC"}, Services: cat.Services, Zones: zones(cat)}
	c.render(g, http.StatusOK, "schedule", page{Title: "Schedule maintenance", Session: &s, Data: v})
}

// zones are the zones offered: UTC and the tenants', sorted.
func zones(cat *catalog.Catalog) []string {
	out := []string{"UTC"}
	for _, t := range cat.Tenants {
		if t.TimeZone != "" && !slices.Contains(out, t.TimeZone) {
			out = append(out, t.TimeZone)
		}
	}
	slices.Sort(out[1:])
	return out
}

// parseLocal reads a datetime-local value in loc. A wall time the zone
// skips (clocks moving forward) is refused rather than silently moved.
func parseLocal(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, &catalog.FieldError{Field: field, Msg: "is required"}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} { // as datetime-local sends it
		t, err := time.ParseInLocation(layout, v, loc)
		if err != nil {
			continue
		}
		if t.Format(layout) != v {
			return time.Time{}, &catalog.FieldError{Field: field, Msg: fmt.Sprintf("%s does not exist in %s: the clocks skip it that day", v, loc)}
		}
		return t, nil
	}
	return time.Time{}, &catalog.FieldError{Field: field, Msg: fmt.Sprintf("%q is not a date and time like 2026-12-05T01:00", v)}
}

// checkWindow turns the form into a window, or says which field is wrong.
func (c *Console) checkWindow(cat *catalog.Catalog, f windowForm) (catalog.Maintenance, *time.Location, error) {
	var m catalog.Maintenance
	if err := cat.CheckMaintenance(f.Services, f.Title); err != nil {
		return m, nil, err
	}
	if err := catalog.CheckMaintenanceText("description", f.Description); err != nil {
		return m, nil, err
	}
	if err := cat.CheckMaintenanceReaderTexts(f.Services, f.Title, f.Description); err != nil {
		return m, nil, err
	}
	if f.Zone == "" || strings.EqualFold(f.Zone, "local") {
		return m, nil, &catalog.FieldError{Field: "zone", Msg: "name a time zone such as UTC or Europe/Berlin"}
	}
	loc, err := time.LoadLocation(f.Zone)
	if err != nil {
		return m, nil, &catalog.FieldError{Field: "zone", Msg: fmt.Sprintf("%q is not a time zone (use a name such as Europe/Berlin)", f.Zone)}
	}
	start, err := parseLocal("start", f.Start, loc)
	if err != nil {
		return m, nil, err
	}
	end, err := parseLocal("end", f.End, loc)
	if err != nil {
		return m, nil, err
	}
	if err := catalog.CheckWindow(start, end); err != nil {
		return m, nil, err
	}
	if err := cat.CheckMaintenanceLength(start, end, false); err != nil {
		return m, nil, err
	}
	return catalog.Maintenance{Services: f.Services, Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description),
		Start: start.UTC(), End: end.UTC()}, loc, nil
}

// effects are what m does to each contract on its services, by the rule
// the engine applies (catalog.Contract.MaintenanceEffect).
func effects(cat *catalog.Catalog, m catalog.Maintenance) ([]contractEffect, string) {
	var out []contractEffect
	var promised []string
	for _, k := range cat.Contracts {
		if !k.Affected(m) {
			continue
		}
		excluded, met, reason := k.MaintenanceEffect(m)
		name := k.Tenant
		if t, ok := cat.Tenant(k.Tenant); ok && t.Name != "" {
			name = t.Name
		}
		out = append(out, contractEffect{Tenant: name, Contract: k.ID, Notice: k.MaintenanceNotice, NoticeMet: met, Excluded: excluded, Reason: reason})
		if excluded {
			promised = append(promised, k.ID)
		}
	}
	return out, strings.Join(promised, ",")
}

// schedule checks the form and shows what the window does to each
// contract; with confirm=yes it announces the window, unless what the
// person was shown no longer holds (the notice ran out meanwhile), in
// which case the confirmation is shown again, saying so.
func (c *Console) schedule(g *gin.Context, s store.Session) {
	cat := c.Catalog()
	f := windowForm{Services: g.PostFormArray("services"), Title: g.PostForm("title"), Description: g.PostForm("description"),
		Start: g.PostForm("start"), End: g.PostForm("end"), Zone: strings.TrimSpace(g.PostForm("zone"))}
	v := scheduleView{Form: f, Services: cat.Services, Zones: zones(cat)}
	m, loc, err := c.checkWindow(cat, f)
	if err != nil {
		var fe *catalog.FieldError
		msg := err.Error()
		if errors.As(err, &fe) {
			v.Field, msg = fieldName(fe.Field), "The field "+fieldName(fe.Field)+" is not valid: "+fe.Msg+"."
		}
		c.render(g, http.StatusBadRequest, "schedule", page{Title: "Schedule maintenance", Session: &s, Error: msg, Data: v})
		return
	}
	m.Announced = c.Now()
	v.Start, v.End, v.Loc = m.Start, m.End, loc
	v.Effects, v.Promise = effects(cat, m)
	if g.PostForm("confirm") != "yes" {
		c.render(g, http.StatusOK, "schedulecheck", page{Title: "Confirm maintenance", Session: &s, Data: v})
		return
	}
	if g.PostForm("promise") != v.Promise {
		c.render(g, http.StatusConflict, "schedulecheck", page{Title: "Confirm maintenance", Session: &s, Data: v,
			Error: "The effect on the contracts changed since you looked (time passed and a notice period ran out). Check the table again."})
		return
	}
	saved, err := c.Store.AddMaintenance(g.Request.Context(), store.Maintenance{Services: m.Services, Title: m.Title,
		Description: m.Description, Start: m.Start, End: m.End}, s.Actor())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	c.refresh(g.Request.Context())
	g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/maintenance/%d?done=scheduled", saved.ID))
}

// fieldName is a request's field as the form names it ("services[1]"
// is the services checkboxes).
func fieldName(f string) string {
	if strings.HasPrefix(f, "services[") {
		return "services"
	}
	return f
}

// windowView is one stored window with its updates and what it does to
// each contract.
type windowView struct {
	M       store.Maintenance
	Names   string
	Status  string
	Effects []contractEffect
	Allowed []string // the statuses an update may speak for now
	Field   string
	Body    string // the update's text, kept when it was refused
}

func (c *Console) maintenanceWindow(g *gin.Context, s store.Session) {
	c.showWindow(g, s, http.StatusOK, g.Query("done"), "", "", "")
}

// showWindow renders window :id with a notice or an error (naming field).
func (c *Console) showWindow(g *gin.Context, s store.Session, status int, notice, problem, field, body string) {
	id, ok := c.windowID(g, s)
	if !ok {
		return
	}
	ms, err := c.Store.ListMaintenance(g.Request.Context())
	if err != nil {
		c.internal(g, s, err)
		return
	}
	i := slices.IndexFunc(ms, func(m store.Maintenance) bool { return m.ID == id })
	if i < 0 {
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Maintenance %d does not exist.", id))
		return
	}
	cat, m, now := c.Catalog(), ms[i], c.Now()
	v := windowView{M: m, Names: strings.Join(serviceNames(cat, m.Services), ", "), Status: windowStatus(m.Start, m.End, m.Cancelled, now), Field: field, Body: body}
	v.Effects, _ = effects(cat, catalog.Maintenance{Services: m.Services, Start: m.Start, End: m.End, Announced: m.Announced})
	v.Allowed = allowedUpdates(m, now)
	c.render(g, status, "window", page{Title: m.Title, Session: &s, Notice: notice, Error: problem, Data: v})
}

// allowedUpdates are the statuses store.MaintenancePost accepts on m at
// now, for the form's choices.
func allowedUpdates(m store.Maintenance, now time.Time) []string {
	var out []string
	for _, st := range []string{store.MaintenanceScheduled, store.MaintenanceInProgress, store.MaintenanceCompleted} {
		if _, _, err := store.MaintenancePost(m, st, "x", now, "x"); err == nil {
			out = append(out, st)
		}
	}
	return out
}

func (c *Console) windowID(g *gin.Context, s store.Session) (int64, bool) {
	return c.idParam(g, s, "a maintenance")
}

// postMaintenanceUpdate posts a person's update on a window.
func (c *Console) postMaintenanceUpdate(g *gin.Context, s store.Session) {
	id, ok := c.windowID(g, s)
	if !ok {
		return
	}
	status, body := g.PostForm("status"), strings.TrimSpace(g.PostForm("body"))
	field, problem := "", ""
	switch {
	case !slices.Contains([]string{store.MaintenanceScheduled, store.MaintenanceInProgress, store.MaintenanceCompleted}, status):
		field, problem = "status", fmt.Sprintf("%q is not one of scheduled, in progress, completed", status)
	case body == "":
		field, problem = "body", "is required: say what customers should know"
	case catalog.CheckMaintenanceText("body", body) != nil:
		field, problem = "body", fmt.Sprintf("is %d bytes; at most %d", len(body), catalog.MaxMaintenanceText)
	default:
		// Every reader of the window's services reads the update.
		ms, err := c.Store.ListMaintenance(g.Request.Context())
		if err != nil {
			c.internal(g, s, err)
			return
		}
		var fe *catalog.FieldError
		if i := slices.IndexFunc(ms, func(m store.Maintenance) bool { return m.ID == id }); i >= 0 &&
			errors.As(c.Catalog().CheckMaintenanceReaderText("body", body, ms[i].Services), &fe) {
			field, problem = fe.Field, fe.Msg
		}
	}
	if field != "" {
		c.showWindow(g, s, http.StatusBadRequest, "", "The field "+field+" is not valid: "+problem+".", field, body)
		return
	}
	_, err := c.Store.PostMaintenanceUpdate(g.Request.Context(), id, status, body, s.Actor())
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Maintenance %d does not exist.", id))
		return
	case errors.Is(err, store.ErrMaintenanceState):
		c.showWindow(g, s, http.StatusConflict, "", "The field status is not valid now: "+err.Error()+".", "status", body)
		return
	case err != nil:
		c.internal(g, s, err)
		return
	}
	c.refresh(g.Request.Context())
	g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/maintenance/%d?done=update+posted", id))
}

// cancelWindow withdraws a window: cancelled before it starts, ended now
// while it runs (store.MaintenanceCancel).
func (c *Console) cancelWindow(g *gin.Context, s store.Session) {
	id, ok := c.windowID(g, s)
	if !ok {
		return
	}
	m, err := c.Store.CancelMaintenance(g.Request.Context(), id, s.Actor())
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.failAs(g, s, http.StatusNotFound, fmt.Sprintf("Maintenance %d does not exist.", id))
		return
	case errors.Is(err, store.ErrMaintenanceState):
		c.showWindow(g, s, http.StatusConflict, "", "This window cannot be cancelled: "+err.Error()+".", "", "")
		return
	case err != nil:
		c.internal(g, s, err)
		return
	}
	c.refresh(g.Request.Context())
	done := "cancelled"
	if !m.Cancelled {
		done = "ended now"
	}
	g.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/maintenance/%d?done=%s", id, strings.ReplaceAll(done, " ", "+")))
}
