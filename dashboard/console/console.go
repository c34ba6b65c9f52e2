package console

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/credit"
	"github.com/slatehq/slate/store"
)

// Store is what the console needs of the store; *db.DB and *pgstore.Store
// have it. Every write appends its audit entry in the same transaction.
type Store interface {
	store.Sessions
	credit.ImpactHistory
	Credits(ctx context.Context, f store.CreditFilter) ([]store.Credit, error)
	CreditsPage(ctx context.Context, f store.CreditFilter, limit, offset int) (store.CreditPage, error)
	Credit(ctx context.Context, id int64) (store.Credit, error)
	ApproveCredit(ctx context.Context, id int64, actor string) (store.Credit, error)
	IssueCredit(ctx context.Context, id int64, actor string) (store.Credit, error)
	VoidCredit(ctx context.Context, id int64, actor, reason string) (store.Credit, error)
	AuditOf(ctx context.Context, subject string) ([]store.AuditEntry, error)
	AuditEntries(ctx context.Context, afterID int64, limit int) ([]store.AuditEntry, error)
	VerifyAuditAfter(ctx context.Context, mark store.AuditMark) (store.AuditMark, error)
	Tokens(ctx context.Context) ([]store.Token, error)
	CreateToken(ctx context.Context, nt store.NewToken, actor string) (string, store.Token, error)
	RevokeToken(ctx context.Context, prefix, actor string) (store.Token, error)
	Incident(ctx context.Context, id int64) (store.Incident, error)
	Incidents(ctx context.Context, f store.IncidentFilter) ([]store.Incident, error)
	SaveIncidentWithAlerts(ctx context.Context, inc *store.Incident, actor string, alerts func(id int64) ([]store.Alert, error)) (int64, error)
	SavePostmortem(ctx context.Context, incidentID int64, markdown, author string) (int, error)
	PublishPostmortem(ctx context.Context, incidentID int64, version int, author string) error
	PostmortemVersions(ctx context.Context, incidentID int64) ([]store.PostmortemVersion, error)
	store.UpdateTemplates
	ListMaintenance(ctx context.Context) ([]store.Maintenance, error)
	AddMaintenance(ctx context.Context, m store.Maintenance, actor string) (store.Maintenance, error)
	CancelMaintenance(ctx context.Context, id int64, actor string) (store.Maintenance, error)
	PostMaintenanceUpdate(ctx context.Context, id int64, status, body, actor string) (store.Maintenance, error)
}

// Settings are the console's sign-in and session settings (the
// configuration's console section).
type Settings struct {
	Issuer, ClientID, ClientSecret string
	RedirectURL                    string   // .../console/auth/callback
	RoleClaim                      string   // the ID token's claim roles are mapped from
	Scopes                         []string // besides openid
	Roles                          Roles
	Idle, Absolute                 time.Duration
	// Secure marks cookies Secure even on plain HTTP requests: TLS ends
	// at a proxy in front of slate.
	Secure bool
}

// Roles are the role claim's values of each console role.
type Roles struct {
	Admin, AccountManager, Oncall []string
}

// Console is the staff console. Build it with New.
type Console struct {
	Store Store
	// Catalog is the running configuration's catalogue, asked at every
	// request (it changes on reload).
	Catalog func() *catalog.Catalog
	// Refresh rebuilds the status pages after a change; nil for none.
	Refresh func(ctx context.Context)
	// Locations is every location's health now, as the admin API tells
	// it; nil hides the locations page (404).
	Locations func(ctx context.Context) ([]store.LocationHealth, error)
	// Notify gives the notifications of a person's change to an incident
	// (enqueued in the same transaction as the change); nil for none.
	Notify func(ctx context.Context, inc *store.Incident, now time.Time) (func(id int64) ([]store.Alert, error), error)
	Now    func() time.Time
	Log    *slog.Logger
	// HTTPClient reaches the OpenID Connect provider; nil means a client
	// with a 10 s timeout.
	HTTPClient *http.Client
	settings   Settings

	engine *gin.Engine
	tmpl   *template.Template
	cop    *http.CrossOriginProtection
	oidc   oidcState
	touch  sync.Mutex // serialises the throttle of session touches
	// audit guards audited, how far the audit chain verified.
	audit   sync.Mutex
	audited store.AuditMark
}

// New builds the console for s. The provider is discovered on the first
// sign-in, so a provider that is down at start does not stop slate.
func New(s Settings, st Store, cat func() *catalog.Catalog, now func() time.Time, log *slog.Logger) *Console {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Console{Store: st, Catalog: cat, Now: now, Log: log, settings: s, cop: http.NewCrossOriginProtection(), tmpl: newTemplates()}
	c.engine = gin.New()
	c.routes()
	return c
}

// Handler serves the console's paths (/console and below).
func (c *Console) Handler() http.Handler { return c.engine }

func (c *Console) routes() {
	e := c.engine
	e.Use(gin.Recovery(), func(g *gin.Context) {
		// Console pages are one person's: never cached, never framed.
		g.Header("Cache-Control", "no-store")
		g.Next()
	})
	e.GET("/console/static/console.css", c.serveCSS)
	e.GET("/console/login", c.loginPage)
	e.GET("/console/auth/start", c.authStart)
	e.GET("/console/auth/callback", c.authCallback)
	e.POST("/console/logout", c.guard(c.signedIn(nil, c.logout)))

	e.GET("/console", func(g *gin.Context) { g.Redirect(http.StatusFound, "/console/") })
	e.GET("/console/", c.signedIn(nil, c.home))

	staff := []string{roleAccountManager, roleOncall}
	writers := []string{roleAccountManager}
	e.GET("/console/credits", c.signedIn(staff, c.creditsPage))
	e.POST("/console/credits/bulk", c.guard(c.signedIn(writers, c.bulk)))
	e.GET("/console/credits/:id", c.signedIn(staff, c.creditPage))
	e.GET("/console/credits/:id/case.json", c.signedIn(staff, c.caseDownload))
	for _, action := range []string{"approve", "issue", "void"} {
		e.POST("/console/credits/:id/"+action, c.guard(c.signedIn(writers, c.creditAction(action))))
	}

	// On-call pages: staff read them; on-call (and admins) act.
	oncall := []string{roleOncall}
	e.GET("/console/incidents", c.signedIn(staff, c.incidentsPage))
	e.GET("/console/incidents/new", c.signedIn(oncall, c.newIncidentPage))
	e.POST("/console/incidents", c.guard(c.signedIn(oncall, c.openIncident)))
	e.GET("/console/incidents/:id", c.signedIn(staff, c.incidentPage))
	e.POST("/console/incidents/:id/updates", c.guard(c.signedIn(oncall, c.change(c.postUpdate))))
	e.POST("/console/incidents/:id/resolve", c.guard(c.signedIn(oncall, c.change(c.resolve))))
	e.POST("/console/incidents/:id/severity", c.guard(c.signedIn(oncall, c.change(c.setSeverity))))
	e.POST("/console/incidents/:id/edit", c.guard(c.signedIn(oncall, c.change(c.editIncident))))
	e.POST("/console/incidents/:id/publish", c.guard(c.signedIn(oncall, c.change(c.publishEntry))))
	e.GET("/console/incidents/:id/postmortem", c.signedIn(staff, c.postmortemPage))
	e.POST("/console/incidents/:id/postmortem", c.guard(c.signedIn(oncall, c.savePostmortem)))
	e.POST("/console/incidents/:id/postmortem/publish", c.guard(c.signedIn(oncall, c.publishPostmortem)))
	e.GET("/console/templates", c.signedIn(staff, c.templatesPage))
	e.POST("/console/templates", c.guard(c.signedIn(oncall, c.saveTemplate)))
	e.GET("/console/templates/:id", c.signedIn(staff, c.templatePage))
	e.POST("/console/templates/:id", c.guard(c.signedIn(oncall, c.saveTemplate)))
	e.POST("/console/templates/:id/delete", c.guard(c.signedIn(oncall, c.deleteTemplate)))

	// Maintenance: on-call (and admins) alone.
	e.GET("/console/maintenance", c.signedIn(oncall, c.maintenanceList))
	e.GET("/console/maintenance/new", c.signedIn(oncall, c.scheduleForm))
	e.POST("/console/maintenance", c.guard(c.signedIn(oncall, c.schedule)))
	e.GET("/console/maintenance/:id", c.signedIn(oncall, c.maintenanceWindow))
	e.POST("/console/maintenance/:id/updates", c.guard(c.signedIn(oncall, c.postMaintenanceUpdate)))
	e.POST("/console/maintenance/:id/cancel", c.guard(c.signedIn(oncall, c.cancelWindow)))

	admins := []string{} // admin alone
	e.GET("/console/audit", c.signedIn(admins, c.auditPage))
	e.GET("/console/tokens", c.signedIn(admins, c.tokensPage))
	e.POST("/console/tokens", c.guard(c.signedIn(admins, c.createToken)))
	e.POST("/console/tokens/:prefix/revoke", c.guard(c.signedIn(admins, c.revokeToken)))
	e.GET("/console/sessions", c.signedIn(admins, c.sessionsPage))
	e.GET("/console/locations", c.signedIn(admins, c.locationsPage))
	e.POST("/console/sessions/:id/revoke", c.guard(c.signedIn(admins, c.revokeSession)))
	e.NoRoute(func(g *gin.Context) { c.fail(g, http.StatusNotFound, "No such page.") })
}

// guard refuses a form posted from another site: the browser's
// Sec-Fetch-Site (or, without it, Origin against Host) must say the post
// came from the console itself.
func (c *Console) guard(h gin.HandlerFunc) gin.HandlerFunc {
	return func(g *gin.Context) {
		if err := c.cop.Check(g.Request); err != nil {
			c.fail(g, http.StatusForbidden, "This form was sent from another site and was refused.")
			return
		}
		h(g)
	}
}

// refresh rebuilds the status pages after a change that stood.
func (c *Console) refresh(ctx context.Context) {
	if c.Refresh != nil {
		c.Refresh(context.WithoutCancel(ctx))
	}
}
