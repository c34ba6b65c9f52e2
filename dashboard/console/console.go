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
	Now     func() time.Time
	Log     *slog.Logger
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

	oncall := []string{roleOncall}
	e.GET("/console/maintenance", c.signedIn(oncall, c.maintenanceList))
	e.GET("/console/maintenance/new", c.signedIn(oncall, c.scheduleForm))
	e.POST("/console/maintenance", c.guard(c.signedIn(oncall, c.schedule)))
	e.GET("/console/maintenance/:id", c.signedIn(oncall, c.maintenanceWindow))
	e.POST("/console/maintenance/:id/updates", c.guard(c.signedIn(oncall, c.postUpdate)))
	e.POST("/console/maintenance/:id/cancel", c.guard(c.signedIn(oncall, c.cancelWindow)))

	admins := []string{} // admin alone
	e.GET("/console/audit", c.signedIn(admins, c.auditPage))
	e.GET("/console/tokens", c.signedIn(admins, c.tokensPage))
	e.POST("/console/tokens", c.guard(c.signedIn(admins, c.createToken)))
	e.POST("/console/tokens/:prefix/revoke", c.guard(c.signedIn(admins, c.revokeToken)))
	e.GET("/console/sessions", c.signedIn(admins, c.sessionsPage))
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
