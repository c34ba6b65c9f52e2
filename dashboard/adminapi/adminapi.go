package adminapi

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/dashboard"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/incident"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// Register adds the admin API's routes to d. Who may call what is
// package access's; admin tokens may call everything.
func (a *API) Register(d *dashboard.Server) {
	w := mapped{d}
	w.HandleAdmin(http.MethodGet, "/whoami", access.Readers(), a.apiWhoami)
	w.HandleAdmin(http.MethodGet, "/tenants", access.Readers(), a.apiTenants)
	w.HandleAdmin(http.MethodGet, "/contracts", access.Readers(), a.apiContracts)

	w.HandleAdmin(http.MethodGet, "/incidents", access.Readers(), a.apiIncidents)
	w.HandleAdmin(http.MethodPost, "/incidents", access.IncidentWriters(), a.apiCreateIncident)
	w.HandleAdmin(http.MethodGet, "/incidents/:id", access.Readers(), a.apiIncident)
	w.HandleAdmin(http.MethodPost, "/incidents/:id/updates", access.IncidentWriters(), a.apiUpdateIncident)
	w.HandleAdmin(http.MethodPost, "/incidents/:id/resolve", access.IncidentWriters(), a.apiResolveIncident)
	w.HandleAdmin(http.MethodGet, "/incidents/:id/impact", access.Readers(), a.apiImpact)
	w.HandleAdmin(http.MethodGet, "/incidents/:id/postmortem", access.Readers(), a.apiPostmortem)
	w.HandleAdmin(http.MethodPost, "/incidents/:id/postmortem", access.IncidentWriters(), a.apiSavePostmortem)
	w.HandleAdmin(http.MethodPost, "/incidents/:id/postmortem/publish", access.IncidentWriters(), a.apiPublishPostmortem)

	w.HandleAdmin(http.MethodGet, "/maintenance", access.Readers(), a.apiMaintenance)
	w.HandleAdmin(http.MethodPost, "/maintenance", access.IncidentWriters(), a.apiCreateMaintenance)
	w.HandleAdmin(http.MethodPost, "/maintenance/:id/cancel", access.IncidentWriters(), a.apiCancelMaintenance)

	w.HandleAdmin(http.MethodGet, "/credits", access.Readers(), a.apiCredits)
	w.HandleAdmin(http.MethodGet, "/credits/:id", access.StaffReaders(), a.apiCredit)
	w.HandleAdmin(http.MethodGet, "/tenants/:tenant/statement", access.Readers(), a.apiStatement)
	for _, action := range []string{"approve", "issue", "void"} {
		w.HandleAdmin(http.MethodPost, "/credits/:id/"+action, access.CreditWriters(), a.apiCreditAction(action))
	}

	w.HandleAdmin(http.MethodGet, "/exclusions", access.StaffReaders(), a.apiExclusions)
	w.HandleAdmin(http.MethodPost, "/exclusions", access.CreditWriters(), a.apiCreateExclusion)
	w.HandleAdmin(http.MethodPost, "/exclusions/:id/cancel", access.CreditWriters(), a.apiCancelExclusion)
}

// pathID is the :id path parameter as a positive integer.
func pathID(r *dashboard.AdminRequest) (int64, error) {
	id, err := strconv.ParseInt(r.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, dashboard.NotFound("%q is not an ID", r.Param("id"))
	}
	return id, nil
}

// mapped registers handlers whose errors go through apiError.
type mapped struct{ s *dashboard.Server }

func (m mapped) HandleAdmin(method, path string, roles []string, h dashboard.AdminHandler) {
	m.s.HandleAdmin(method, path, roles, func(r *dashboard.AdminRequest) (int, any, error) {
		status, body, err := h(r)
		return status, body, apiError(err)
	})
}

// apiError is the one place errors become API errors: an *APIError as it
// is, a refused field (catalog.FieldError) as a 400 naming it, the store's
// refusals as 404 and 409; any other error stays internal, for the
// dashboard to log and answer 500.
func apiError(err error) error {
	var fe *catalog.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return dashboard.Invalid(fe.Field, "%s", fe.Msg)
	case errors.Is(err, db.ErrNotFound):
		return dashboard.NotFound("%v", err)
	case errors.Is(err, db.ErrIncidentConflict):
		return dashboard.Conflict("%v; read it again and retry", err)
	case errors.Is(err, db.ErrIncidentState), errors.Is(err, db.ErrCreditState), errors.Is(err, db.ErrMaintenanceState), errors.Is(err, db.ErrNotResolved):
		return dashboard.Conflict("%v", err)
	}
	return err
}

// parseTime reads an RFC 3339 field.
func parseTime(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, dashboard.Invalid(field, "must be an RFC 3339 time such as 2026-11-27T10:00:00Z (got %q)", v)
	}
	return t, nil
}

// parseWindow reads the RFC 3339 fields start and end of a window that
// must not be empty.
func parseWindow(start, end string) (time.Time, time.Time, error) {
	s, err := parseTime("start", start)
	if err != nil {
		return s, s, err
	}
	e, err := parseTime("end", end)
	if err != nil {
		return s, e, err
	}
	return s, e, catalog.CheckWindow(s, e)
}

// refreshAfterWrite rebuilds the status pages so a change made through the
// API shows at once; the write already stood, so the rebuild runs even if
// the client has gone.
func (a *API) refreshAfterWrite(ctx context.Context) {
	if a.Refresh != nil {
		a.Refresh(context.WithoutCancel(ctx))
	}
}

func (a *API) apiWhoami(r *dashboard.AdminRequest) (int, any, error) {
	p := r.Principal
	return http.StatusOK, map[string]any{"prefix": p.Prefix, "name": p.Name, "role": p.Role, "tenant": nullable(p.Tenant)}, nil
}

// nullable is s, or JSON null for "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// rfc3339 is t in UTC with milliseconds, or null for zero.
func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

type apiTenant struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	TimeZone  string   `json:"time_zone"`
	Contracts []string `json:"contracts"`
	Services  []string `json:"services"`
}

func (a *API) apiTenants(r *dashboard.AdminRequest) (int, any, error) {
	cfg := a.Catalog()
	out := []apiTenant{}
	for _, t := range cfg.Tenants {
		if !r.Principal.Scope().SeesTenant(t.ID) {
			continue
		}
		at := apiTenant{ID: t.ID, Name: t.Name, TimeZone: t.Location.String(), Contracts: []string{}, Services: []string{}}
		for _, c := range cfg.Contracts {
			if c.Tenant == t.ID {
				at.Contracts = append(at.Contracts, c.ID)
			}
		}
		for _, s := range cfg.TenantServices(t.ID) {
			at.Services = append(at.Services, s.ID)
		}
		out = append(out, at)
	}
	return http.StatusOK, map[string]any{"tenants": out}, nil
}

type apiContract struct {
	ID                string   `json:"id"`
	Tenant            string   `json:"tenant"`
	Services          []string `json:"services"`
	Period            string   `json:"period"`
	Target            string   `json:"target_percent"`
	Fee               string   `json:"fee"`
	Currency          string   `json:"currency"`
	AutoIssue         bool     `json:"auto_issue"`
	CloseGrace        string   `json:"close_grace"`
	MaintenanceNotice string   `json:"maintenance_notice"`
}

func (a *API) apiContracts(r *dashboard.AdminRequest) (int, any, error) {
	cfg := a.Catalog()
	out := []apiContract{}
	for _, c := range cfg.Contracts {
		if !r.Principal.Scope().SeesTenant(c.Tenant) {
			continue
		}
		fee, cur := "", ""
		if c.Fee.Amount != nil {
			fee, cur = sla.FormatFixed(c.Fee.Amount, sla.MinorUnits(c.Fee.Currency)), c.Fee.Currency
		}
		out = append(out, apiContract{ID: c.ID, Tenant: c.Tenant, Services: c.Services, Period: cmp.Or(c.Period, "month"),
			Target: sla.FormatTrim(c.Policy.Target, 6), Fee: fee, Currency: cur, AutoIssue: c.AutoIssue,
			CloseGrace: c.CloseGrace.String(), MaintenanceNotice: c.MaintenanceNotice.String()})
	}
	return http.StatusOK, map[string]any{"contracts": out}, nil
}

type apiEntry struct {
	At     any    `json:"at"`
	Kind   string `json:"kind"`
	Status string `json:"status"`
	Body   string `json:"body"`
	Author any    `json:"author"`
}

type apiIncident struct {
	// ID is the store's; null for viewers, who see incidents by their
	// public ID alone (the sequence's gaps would count others').
	ID                  any        `json:"id"`
	PublicID            string     `json:"public_id"`
	Title               string     `json:"title"`
	Service             string     `json:"service"`
	Services            []string   `json:"services"` // every service it affects, Service first
	Status              string     `json:"status"`
	Severity            string     `json:"severity"`
	StartedAt           any        `json:"started_at"`
	EndedAt             any        `json:"ended_at"`
	Tenants             []string   `json:"tenants"`
	Revision            int64      `json:"revision"`
	PublishedPostmortem int        `json:"published_postmortem_version"`
	Timeline            []apiEntry `json:"timeline"`
}

func toAPIIncident(inc db.Incident, publicID string) apiIncident {
	out := apiIncident{ID: inc.ID, PublicID: publicID, Title: inc.Title, Service: inc.Service, Services: inc.Services(), Status: string(inc.Status), Severity: string(inc.Severity),
		StartedAt: rfc3339(inc.Started), EndedAt: rfc3339(inc.Ended), Tenants: inc.Tenants, Revision: inc.Revision,
		PublishedPostmortem: inc.PublishedPostmortem, Timeline: []apiEntry{}}
	if out.Tenants == nil {
		out.Tenants = []string{}
	}
	for _, e := range inc.Timeline {
		out.Timeline = append(out.Timeline, apiEntry{At: rfc3339(e.At), Kind: string(e.Kind), Status: string(e.Status), Body: e.Body, Author: nullable(e.Author)})
	}
	return out
}

// incidentFor is inc as r may read it, and whether r sees it at all: a
// viewer reads its tenant's view of it (catalog.IncidentFor: the part its
// own and the shared checks showed, without the notes for staff), and
// learns neither which other tenants it affects nor the store's ID.
func (a *API) incidentFor(r *dashboard.AdminRequest, inc db.Incident, key []byte) (apiIncident, bool) {
	sc := r.Principal.Scope()
	view, tenants, ok := a.Catalog().IncidentFor(sc.Reader(), inc.Incident, inc.Tenants)
	if !ok {
		return apiIncident{}, false
	}
	inc.Incident, inc.Tenants = view, tenants
	out := toAPIIncident(inc, access.IncidentPublicID(key, inc.ID))
	if !sc.AllTenants() {
		out.ID = nil
	}
	return out, true
}

// incidentRef is how r's answers name incident id: by the store's ID for
// staff, by the public ID for viewers.
func incidentRef(r *dashboard.AdminRequest, id int64, key []byte) any {
	if r.Principal.Scope().AllTenants() {
		return id
	}
	return access.IncidentPublicID(key, id)
}

func (a *API) apiIncidents(r *dashboard.AdminRequest) (int, any, error) {
	f := db.IncidentFilter{Service: r.Query("service"), Limit: 200}
	if sc := r.Principal.Scope(); !sc.AllTenants() {
		f.Tenant = sc.Tenant
	}
	switch r.Query("open") {
	case "":
	case "true", "false":
		open := r.Query("open") == "true"
		f.Open = &open
	default:
		return 0, nil, dashboard.Invalid("open", "must be true or false (got %q)", r.Query("open"))
	}
	incs, err := a.Store.Incidents(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	key, err := a.PublicIDKey(r.Context())
	if err != nil {
		return 0, nil, err
	}
	out := []apiIncident{}
	for _, inc := range incs {
		if v, ok := a.incidentFor(r, inc, key); ok {
			out = append(out, v)
		}
	}
	return http.StatusOK, map[string]any{"incidents": out}, nil
}

// loadIncident reads :id, refusing one r may not see as if it did not
// exist. :id is the incident's public ID, or, for staff, the store's ID.
// It returns the public IDs' key too.
func (a *API) loadIncident(r *dashboard.AdminRequest) (db.Incident, []byte, error) {
	key, err := a.PublicIDKey(r.Context())
	if err != nil {
		return db.Incident{}, nil, err
	}
	sc := r.Principal.Scope()
	param := r.Param("id")
	notFound := dashboard.NotFound("incident %s: not found", param)
	var inc db.Incident
	if id, perr := strconv.ParseInt(param, 10, 64); perr == nil {
		if !sc.AllTenants() {
			return db.Incident{}, nil, notFound // viewers name incidents by their public ID
		}
		if inc, err = a.Store.Incident(r.Context(), id); err != nil {
			return db.Incident{}, nil, err
		}
	} else if inc, err = a.incidentByPublicID(r, param, key); err != nil {
		return db.Incident{}, nil, err
	}
	if inc.ID == 0 || !sc.SeesIncident(inc.Tenants) {
		return db.Incident{}, nil, notFound
	}
	if _, _, seen := a.Catalog().IncidentFor(sc.Reader(), inc.Incident, inc.Tenants); !seen {
		return db.Incident{}, nil, notFound
	}
	return inc, key, nil
}

// incidentByPublicID finds the incident r may see whose public ID is id;
// a zero Incident when none. The store keeps no public IDs (they derive
// from its own), so it looks through the incidents r may see: a viewer's
// tenant's, or, for staff, every incident.
func (a *API) incidentByPublicID(r *dashboard.AdminRequest, id string, key []byte) (db.Incident, error) {
	f := db.IncidentFilter{}
	if sc := r.Principal.Scope(); !sc.AllTenants() {
		f.Tenant = sc.Tenant
	}
	incs, err := a.Store.Incidents(r.Context(), f)
	if err != nil {
		return db.Incident{}, err
	}
	for _, inc := range incs {
		if access.IncidentPublicID(key, inc.ID) == id {
			return inc, nil
		}
	}
	return db.Incident{}, nil
}

func (a *API) apiIncident(r *dashboard.AdminRequest) (int, any, error) {
	inc, key, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	out, _ := a.incidentFor(r, inc, key)
	return http.StatusOK, out, nil
}

type createIncidentBody struct {
	Service  string `json:"service"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Body     string `json:"body"`
}

func checkSeverity(field, s string) error {
	switch incident.Severity(s) {
	case incident.Minor, incident.Major, incident.Critical:
		return nil
	}
	return dashboard.Invalid(field, "must be minor, major or critical (got %q)", s)
}

func checkOpenStatus(field, s string) error {
	switch incident.Status(s) {
	case incident.Investigating, incident.Identified, incident.Monitoring:
		return nil
	}
	return dashboard.Invalid(field, "must be investigating, identified or monitoring (got %q)", s)
}

// author names p in an incident's timeline, which readers see: the name
// people gave the token (a person's, or a tool's), not its prefix; the
// audit log keeps the prefix (Principal.Actor).
func author(p dashboard.Principal) string {
	if name := strings.TrimSpace(p.Name); name != "" {
		return name
	}
	return p.Actor()
}

// apiCreateIncident opens an incident that people saw before the probes
// did (or that probes cannot see). If the probes then confirm an outage of
// the service, the detection continues this incident (incident.Adopt), and its
// recovery resolves it.
func (a *API) apiCreateIncident(r *dashboard.AdminRequest) (int, any, error) {
	var b createIncidentBody
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	cfg := a.Catalog()
	b.Status = cmp.Or(b.Status, string(incident.Investigating))
	switch {
	case b.Service == "":
		return 0, nil, dashboard.Invalid("service", "is required")
	case !cfg.HasService(b.Service):
		return 0, nil, dashboard.Invalid("service", "unknown service %q", b.Service)
	case strings.TrimSpace(b.Body) == "":
		return 0, nil, dashboard.Invalid("body", "is required: say what readers should know")
	}
	if err := checkSeverity("severity", b.Severity); err != nil {
		return 0, nil, err
	}
	if err := checkOpenStatus("status", b.Status); err != nil {
		return 0, nil, err
	}
	now := a.Now().UTC()
	actor := r.Principal.Actor()
	inc := db.Incident{Incident: incident.Incident{Service: b.Service, Status: incident.Status(b.Status), Severity: incident.Severity(b.Severity),
		SeverityOverride: true, Started: now, Timeline: []incident.Entry{{At: now, Kind: incident.KindUpdate, Status: incident.Status(b.Status), Body: b.Body,
			Author: author(r.Principal)}}},
		Tenants: cfg.ServiceTenants(b.Service)}
	if err := cfg.CheckReaderText("body", b.Body, inc.Incident, inc.Tenants); err != nil {
		return 0, nil, err
	}
	key, err := a.PublicIDKey(r.Context())
	if err != nil {
		return 0, nil, err
	}
	notify, err := a.Notify(r.Context(), &inc, now)
	if err != nil {
		return 0, nil, err
	}
	if _, err := a.Store.SaveIncidentWithAlerts(r.Context(), &inc, actor, notify); err != nil {
		return 0, nil, err
	}
	a.refreshAfterWrite(r.Context())
	out, _ := a.incidentFor(r, inc, key) // as GET answers it: titled
	return http.StatusCreated, out, nil
}

type updateIncidentBody struct {
	Status   string `json:"status"`
	Body     string `json:"body"`
	Severity string `json:"severity"`
	// Revision, when given, must be the incident's current revision: the
	// update then applies only to the version its author read.
	Revision int64 `json:"revision"`
}

func (a *API) apiUpdateIncident(r *dashboard.AdminRequest) (int, any, error) {
	var b updateIncidentBody
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	return a.changeIncident(r, b)
}

func (a *API) apiResolveIncident(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Body     string `json:"body"`
		Revision int64  `json:"revision"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	return a.changeIncident(r, updateIncidentBody{Status: string(incident.Resolved), Body: b.Body, Revision: b.Revision})
}

// changeIncident applies a person's update (status and body, and a
// severity) to the stored incident and notifies as the CLI does.
func (a *API) changeIncident(r *dashboard.AdminRequest, b updateIncidentBody) (int, any, error) {
	if b.Status == "" && b.Severity == "" {
		return 0, nil, dashboard.Invalid("status", "give a status (with a body), a severity, or both")
	}
	if b.Severity != "" {
		if err := checkSeverity("severity", b.Severity); err != nil {
			return 0, nil, err
		}
	}
	if b.Status != "" && strings.TrimSpace(b.Body) == "" {
		return 0, nil, dashboard.Invalid("body", "is required with a status: say what readers should know")
	}
	inc, key, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	if b.Revision != 0 && b.Revision != inc.Revision {
		return 0, nil, dashboard.Conflict("incident %d is at revision %d, not %d: read it again and retry", inc.ID, inc.Revision, b.Revision)
	}
	now, actor := a.Now().UTC(), r.Principal.Actor()
	if b.Severity != "" {
		if err := inc.SetSeverity(now, incident.Severity(b.Severity), author(r.Principal)); err != nil {
			return 0, nil, dashboard.Invalid("severity", "%v", err)
		}
	}
	if b.Status != "" {
		if err := a.Catalog().CheckReaderText("body", b.Body, inc.Incident, inc.Tenants); err != nil {
			return 0, nil, err
		}
		if err := inc.Update(now, incident.Status(b.Status), b.Body, author(r.Principal)); err != nil {
			return 0, nil, dashboard.Invalid("status", "%v", err)
		}
	}
	notify, err := a.Notify(r.Context(), &inc, now)
	if err != nil {
		return 0, nil, err
	}
	if _, err := a.Store.SaveIncidentWithAlerts(r.Context(), &inc, actor, notify); err != nil {
		return 0, nil, err
	}
	a.refreshAfterWrite(r.Context())
	out, _ := a.incidentFor(r, inc, key) // as GET answers it: titled
	return http.StatusOK, out, nil
}

type apiImpact struct {
	Tenant         string `json:"tenant"`
	Contract       string `json:"contract"`
	BreachMinutes  string `json:"breach_minutes"`
	CreditExposure string `json:"credit_exposure"`
	Currency       string `json:"currency"`
}

// apiImpact is what an incident meant for each contract on its service:
// staff read every tenant's rows and their total; a viewer reads its own
// tenant's rows alone, over its view of the incident.
func (a *API) apiImpact(r *dashboard.AdminRequest) (int, any, error) {
	inc, key, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	sc := r.Principal.Scope()
	view, tenants, _ := a.Catalog().IncidentFor(sc.Reader(), inc.Incident, inc.Tenants)
	rows, err := a.Impact(r.Context(), view, tenants)
	if err != nil {
		return 0, nil, err
	}
	list := []apiImpact{}
	for _, im := range rows {
		list = append(list, apiImpact{Tenant: im.Tenant, Contract: im.Contract, BreachMinutes: im.BreachMinutes,
			CreditExposure: im.Exposure, Currency: im.Currency})
	}
	out := map[string]any{"incident_id": incidentRef(r, inc.ID, key), "impact": list}
	if sc.AllTenants() {
		total, err := incident.TotalImpact(rows)
		if err != nil {
			return 0, nil, err
		}
		out["total"] = map[string]any{"customers": total.Customers, "breach_minutes": total.BreachMinutes}
	}
	return http.StatusOK, out, nil
}

type apiPostmortemVersion struct {
	Version  int    `json:"version"`
	State    string `json:"state"`
	Markdown string `json:"markdown"`
	Author   string `json:"author"`
	At       any    `json:"at"`
}

func toAPIVersion(v *db.PostmortemVersion) any {
	if v == nil {
		return nil
	}
	return apiPostmortemVersion{Version: v.Version, State: string(v.State), Markdown: v.Markdown, Author: v.Author, At: rfc3339(v.CreatedAt)}
}

func (a *API) apiPostmortem(r *dashboard.AdminRequest) (int, any, error) {
	inc, key, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	pm, err := a.Store.Postmortem(r.Context(), inc.ID)
	if err != nil {
		return 0, nil, err
	}
	sc := r.Principal.Scope()
	published := pm.Published
	if published != nil && !sc.AllTenants() {
		// A text that names another tenant (published before such texts
		// were refused) is withheld, as the pages withhold it.
		for _, t := range a.Catalog().NamedTenants(published.Markdown) {
			if t != sc.Tenant {
				published = nil
				break
			}
		}
	}
	out := map[string]any{"incident_id": incidentRef(r, inc.ID, key), "published": toAPIVersion(published), "draft": nil}
	if sc.SeesDrafts() {
		out["draft"] = toAPIVersion(pm.Draft) // drafts are not for customers
	}
	return http.StatusOK, out, nil
}

func (a *API) apiSavePostmortem(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Markdown string `json:"markdown"`
		Publish  bool   `json:"publish"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(b.Markdown) == "" {
		return 0, nil, dashboard.Invalid("markdown", "is required")
	}
	inc, _, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	if b.Publish {
		// Refused before the draft is saved: a rejected request stores
		// nothing.
		if err := store.CheckPublishPostmortem(&inc); err != nil {
			return 0, nil, dashboard.Conflict("%v", err)
		}
		if err := a.Catalog().CheckPostmortemNames(b.Markdown, inc.Incident, inc.Tenants); err != nil {
			return 0, nil, err
		}
	}
	v, err := a.Store.SavePostmortem(r.Context(), inc.ID, b.Markdown, r.Principal.Actor())
	if err != nil {
		return 0, nil, err
	}
	if b.Publish {
		if err := a.Store.PublishPostmortem(r.Context(), inc.ID, v, r.Principal.Actor()); err != nil {
			return 0, nil, err
		}
		a.refreshAfterWrite(r.Context())
	}
	return http.StatusCreated, map[string]any{"incident_id": inc.ID, "version": v, "published": b.Publish}, nil
}

func (a *API) apiPublishPostmortem(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Version int `json:"version"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	if b.Version <= 0 {
		return 0, nil, dashboard.Invalid("version", "must be a saved version number (got %d)", b.Version)
	}
	inc, _, err := a.loadIncident(r)
	if err != nil {
		return 0, nil, err
	}
	if err := CheckPublishable(r.Context(), a.Store, a.Catalog(), inc, b.Version); err != nil {
		return 0, nil, err
	}
	if err := a.Store.PublishPostmortem(r.Context(), inc.ID, b.Version, r.Principal.Actor()); err != nil {
		return 0, nil, err
	}
	a.refreshAfterWrite(r.Context())
	return http.StatusOK, map[string]any{"incident_id": inc.ID, "version": b.Version, "published": true}, nil
}

// CheckPublishable refuses to publish version of inc's post-mortem when
// its text names a tenant that other readers of the incident would learn
// of (catalog.CheckPostmortemNames): the admin API and slate incidents
// postmortem --publish ask it. An unknown version is left to the store to
// refuse.
func CheckPublishable(ctx context.Context, s interface {
	PostmortemVersions(ctx context.Context, incidentID int64) ([]db.PostmortemVersion, error)
}, cat *catalog.Catalog, inc db.Incident, version int) error {
	vs, err := s.PostmortemVersions(ctx, inc.ID)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Version == version {
			return cat.CheckPostmortemNames(v.Markdown, inc.Incident, inc.Tenants)
		}
	}
	return nil
}

type apiMaintenance struct {
	ID          string   `json:"id"`
	Source      string   `json:"source"` // config or api
	Services    []string `json:"services"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Start       any      `json:"start"`
	End         any      `json:"end"`
	Announced   any      `json:"announced"`
	Cancelled   bool     `json:"cancelled"`
	// Updates are people's updates, oldest first; who posted them is
	// in the audit log, for staff.
	Updates []apiMaintenanceUpdate `json:"updates"`
}

type apiMaintenanceUpdate struct {
	Status string `json:"status"`
	Body   string `json:"body"`
	At     any    `json:"at"`
}

func (a *API) apiMaintenance(r *dashboard.AdminRequest) (int, any, error) {
	cfg := a.Catalog()
	// A viewer sees the windows on its services, naming only those.
	mine := func(services []string) []string { return r.Principal.Scope().VisibleServices(cfg, services) }
	out := []apiMaintenance{}
	for _, m := range cfg.Maintenance {
		if svc := mine(m.Services); len(svc) > 0 {
			out = append(out, apiMaintenance{ID: "config:" + m.ID, Source: "config", Services: svc, Title: m.Title, Description: m.Description,
				Start: rfc3339(m.Start), End: rfc3339(m.End), Announced: rfc3339(m.Announced), Updates: []apiMaintenanceUpdate{}})
		}
	}
	ms, err := a.Store.ListMaintenance(r.Context())
	if err != nil {
		return 0, nil, err
	}
	for _, m := range ms {
		if m.Services = mine(m.Services); len(m.Services) > 0 {
			out = append(out, toAPIMaintenance(m))
		}
	}
	return http.StatusOK, map[string]any{"maintenance": out}, nil
}

func toAPIMaintenance(m db.Maintenance) apiMaintenance {
	us := []apiMaintenanceUpdate{}
	for _, u := range m.Updates {
		us = append(us, apiMaintenanceUpdate{Status: u.Status, Body: u.Body, At: rfc3339(u.At)})
	}
	return apiMaintenance{ID: strconv.FormatInt(m.ID, 10), Source: "api", Services: m.Services, Title: m.Title, Description: m.Description,
		Start: rfc3339(m.Start), End: rfc3339(m.End), Announced: rfc3339(m.Announced), Cancelled: m.Cancelled, Updates: us}
}

func (a *API) apiCreateMaintenance(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Services    []string `json:"services"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Start       string   `json:"start"`
		End         string   `json:"end"`
		// OverrideMax lets an admin announce a window longer than
		// maintenance_max; the audit entry records it.
		OverrideMax bool `json:"override_max"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	cat := a.Catalog()
	if err := cat.CheckMaintenance(b.Services, b.Title); err != nil {
		return 0, nil, err
	}
	start, end, err := parseWindow(b.Start, b.End)
	if err != nil {
		return 0, nil, err
	}
	if b.OverrideMax && r.Principal.Role != access.Admin {
		return 0, nil, dashboard.Forbidden("override_max: only an admin may announce a window longer than the maximum")
	}
	if err := cat.CheckMaintenanceLength(start, end, b.OverrideMax); err != nil {
		return 0, nil, err
	}
	if err := catalog.CheckMaintenanceText("description", b.Description); err != nil {
		return 0, nil, err
	}
	if err := cat.CheckMaintenanceReaderTexts(b.Services, b.Title, b.Description); err != nil {
		return 0, nil, err
	}
	m, err := a.Store.AddMaintenance(r.Context(), db.Maintenance{Services: b.Services, Title: b.Title, Description: strings.TrimSpace(b.Description), Start: start, End: end,
		OverrideMax: b.OverrideMax}, r.Principal.Actor())
	if err != nil {
		return 0, nil, err
	}
	a.refreshAfterWrite(r.Context())
	return http.StatusCreated, toAPIMaintenance(m), nil
}

func (a *API) apiCancelMaintenance(r *dashboard.AdminRequest) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := a.Store.CancelMaintenance(r.Context(), id, r.Principal.Actor())
	if err != nil {
		return 0, nil, err
	}
	a.refreshAfterWrite(r.Context())
	return http.StatusOK, toAPIMaintenance(m), nil
}

func (a *API) apiCredits(r *dashboard.AdminRequest) (int, any, error) {
	scope := r.Principal.Scope()
	tenant, ok := scope.CreditTenant(r.Query("tenant"))
	if !ok {
		return 0, nil, dashboard.Forbidden("this token may only read tenant %s", r.Principal.Tenant)
	}
	q := credit.Filter{Tenant: r.Query("tenant"), Contract: r.Query("contract"), Period: r.Query("period"), State: r.Query("state"), Flagged: r.Query("flagged")}
	if !scope.AllTenants() {
		// A viewer's filter is not checked against the catalogue: "no
		// such contract" would tell it which other tenants' exist.
		q.Tenant, q.Contract = "", ""
	}
	f, flagged, err := credit.ParseFilter(a.Catalog(), q)
	if err != nil {
		return 0, nil, err
	}
	f.Tenant, f.Contract = tenant, r.Query("contract")
	cs, err := a.Store.Credits(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	out := make([]Credit, 0, len(cs))
	for _, c := range cs {
		if credit.Keep(c, flagged) {
			out = append(out, CreditOf(c))
		}
	}
	return http.StatusOK, map[string]any{"credits": out}, nil
}

func (a *API) apiCreditAction(action string) dashboard.AdminHandler {
	return func(r *dashboard.AdminRequest) (int, any, error) {
		var b struct {
			Reason string `json:"reason"`
		}
		// approve and issue take no body; void needs a reason.
		if action == "void" {
			if err := r.Decode(&b); err != nil {
				return 0, nil, err
			}
			if strings.TrimSpace(b.Reason) == "" {
				return 0, nil, dashboard.Invalid("reason", "is required to void a credit")
			}
		}
		id, err := pathID(r)
		if err != nil {
			return 0, nil, err
		}
		var c db.Credit
		actor := r.Principal.Actor()
		switch action {
		case "approve":
			c, err = a.Store.ApproveCredit(r.Context(), id, actor)
		case "issue":
			c, err = a.Store.IssueCredit(r.Context(), id, actor)
		default:
			c, err = a.Store.VoidCredit(r.Context(), id, actor, b.Reason)
		}
		if err != nil {
			return 0, nil, err
		}
		a.refreshAfterWrite(r.Context())
		return http.StatusOK, CreditOf(c), nil
	}
}

type apiExclusion struct {
	ID           int64  `json:"id"`
	Contract     string `json:"contract"`
	Start        any    `json:"start"`
	End          any    `json:"end"`
	Reason       string `json:"reason"`
	Actor        string `json:"actor"`
	CreatedAt    any    `json:"created_at"`
	Cancelled    bool   `json:"cancelled"`
	CancelledAt  any    `json:"cancelled_at"`
	CancelledBy  any    `json:"cancelled_by"`
	CancelReason any    `json:"cancel_reason"`
}

func toAPIExclusion(e db.Exclusion) apiExclusion {
	return apiExclusion{ID: e.ID, Contract: e.Contract, Start: rfc3339(e.Start), End: rfc3339(e.End), Reason: e.Reason, Actor: e.Actor,
		CreatedAt: rfc3339(e.CreatedAt), Cancelled: e.Cancelled, CancelledAt: rfc3339(e.CancelledAt), CancelledBy: nullable(e.CancelledBy),
		CancelReason: nullable(e.CancelReason)}
}

func (a *API) apiExclusions(r *dashboard.AdminRequest) (int, any, error) {
	es, err := a.Store.ListExclusions(r.Context(), r.Query("contract"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]apiExclusion, 0, len(es))
	for _, e := range es {
		out = append(out, toAPIExclusion(e))
	}
	return http.StatusOK, map[string]any{"exclusions": out}, nil
}

func (a *API) apiCreateExclusion(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Contract string `json:"contract"`
		Start    string `json:"start"`
		End      string `json:"end"`
		Reason   string `json:"reason"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	if err := a.Catalog().CheckExclusion(b.Contract, b.Reason); err != nil {
		return 0, nil, err
	}
	start, end, err := parseWindow(b.Start, b.End)
	if err != nil {
		return 0, nil, err
	}
	e, err := a.Store.AddExclusion(r.Context(), db.Exclusion{Contract: b.Contract, Start: start, End: end, Reason: b.Reason}, r.Principal.Actor())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, toAPIExclusion(e), nil
}

func (a *API) apiCancelExclusion(r *dashboard.AdminRequest) (int, any, error) {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := r.Decode(&b); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(b.Reason) == "" {
		return 0, nil, dashboard.Invalid("reason", "is required")
	}
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	e, err := a.Store.CancelExclusion(r.Context(), id, r.Principal.Actor(), b.Reason)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, toAPIExclusion(e), nil
}

// apiStatement is a tenant's credit statement for ?period= (default the
// latest), as a PDF (?format=pdf, the default) or a standalone HTML file.
func (a *API) apiStatement(r *dashboard.AdminRequest) (int, any, error) {
	tenant, ok := r.Principal.Scope().CreditTenant(r.Param("tenant"))
	if !ok {
		return 0, nil, dashboard.Forbidden("this token may only read tenant %s", r.Principal.Tenant)
	}
	format := r.Query("format")
	switch format {
	case "":
		format = "pdf"
	case "pdf", "html":
	default:
		return 0, nil, dashboard.Invalid("format", "must be pdf or html (got %q)", format)
	}
	period := r.Query("period")
	if !a.Catalog().HasTenant(tenant) || a.Statements == nil {
		return 0, nil, dashboard.NotFound("no tenant %q", tenant)
	}
	s, err := a.Statements(r.Context(), tenant, period)
	if errors.Is(err, dashboard.ErrNoStatement) {
		return 0, nil, dashboard.NotFound("no credit has been recorded for tenant %s in period %q", tenant, period)
	}
	if err != nil {
		return 0, nil, err
	}
	f, err := dashboard.RenderStatement(s, format, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, f, nil
}
