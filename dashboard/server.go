package dashboard

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Server is the HTTP surface. Build it with NewServer, set the optional
// fields, then Serve or use Handler in tests.
type Server struct {
	// Ready reports whether slate can do its job now (store writable,
	// probes running); nil means always ready. /readyz answers 503 with the
	// error's text while it returns an error.
	Ready func(ctx context.Context) error
	// ReadyDetail, when not nil, adds lines to /readyz's answer, ready or
	// not: whether this replica leads, the age of its lease, the
	// database's health. Nothing about tenants.
	ReadyDetail func() string

	// Push receives heartbeats at /push/{token} (GET or POST); nil
	// answers 404. Each token may send PushRateLimit heartbeats a second,
	// in bursts of PushBurst; 0 means DefaultPushRateLimit and
	// DefaultPushBurst. Over it, heartbeats get 429.
	Push          http.Handler
	PushRateLimit rate.Limit
	PushBurst     int

	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound
	// each connection (see http.Server): a client that sends its request
	// slowly, or reads the answer slowly, or keeps a connection open
	// doing nothing, is cut. 0 means the defaults: 5s, 10s, 60s, 60s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	// ShutdownTimeout bounds how long Shutdown waits for requests in
	// flight. 0 means 10s.
	ShutdownTimeout time.Duration

	// Auth checks the tokens of tenant pages and the admin API; nil
	// refuses every token.
	Auth Authenticator
	// LinkKey returns the key that signs expiring tenant links
	// (SignTenantLink). The server reads it again after LinkKeyCacheTTL,
	// so a key rotated in the store revokes the links of a running
	// server too. nil, or an empty key, refuses every link.
	LinkKey func(ctx context.Context) ([]byte, error)
	// LinkMaxTTL is the longest a link may still have to live: a link
	// expiring further from now is refused. 0 means DefaultLinkMaxTTL.
	LinkMaxTTL time.Duration
	// RateLimit is the requests per second one token (or one signed
	// link) may make to authenticated routes, RateBurst the burst; 0
	// means no limit. Over it, requests get 429.
	RateLimit rate.Limit
	RateBurst int // 0 means twice RateLimit
	// AuthFailures is how many failed authentications one client address
	// may make at once, AuthFailureEvery how often it earns one more;
	// over them, its requests that present a credential get 429 with
	// Retry-After. 0 means DefaultAuthFailures and
	// DefaultAuthFailureEvery. See authlimit.go.
	AuthFailures     int
	AuthFailureEvery time.Duration
	// AdminBodyLimit bounds admin request bodies in bytes; 0 means
	// DefaultAdminBodyLimit. Larger bodies get 413.
	AdminBodyLimit int64
	// SecureCookies marks tenant cookies Secure even on plain HTTP
	// requests: set it when TLS ends at a proxy in front of slate, so the
	// session token never travels unencrypted.
	SecureCookies bool
	// Now is the clock of link expiry and rate limits; nil is time.Now.
	Now func() time.Time
	// FeedTokens makes and revokes tenants' feed addresses from their
	// pages (feedtokens.go); nil offers none, though feed tokens made
	// otherwise (slate token create --role feed) still open their feed.
	FeedTokens FeedTokens
	// Statements builds tenants' credit statements for their pages and
	// the admin API; nil serves none.
	Statements StatementFunc
	// Logo is the provider's logo (LogoType "png" or "jpeg"), served at
	// /logo; nil serves 404.
	Logo     []byte
	LogoType string
	// Subscriptions serves e-mail subscriptions (subscribe.go); nil
	// answers their pages 404.
	Subscriptions *Subscriptions
	// Log receives the errors of admin handlers, which clients are told
	// only as "internal error"; nil discards them.
	Log *slog.Logger

	engine  *gin.Engine
	srv     *http.Server // see httpServer
	srvOnce sync.Once

	metrics     http.Handler // the gatherer's metrics, see metrics.go
	metricsSrv  *http.Server // see metricsServer
	metricsOnce sync.Once

	pages       statuspagePages // Statuspage v2 bodies, see statuspage.go
	html        htmlState       // HTML status page templates and rendered pages, see pages.go
	tenants     tenantPages     // tenant pages, see tenant.go
	limits      limiter         // per-token and per-link rate limits, see auth.go
	failures    limiter         // failed authentications per client address, see authlimit.go
	pushLimits  limiter         // heartbeats per push token, see push.go
	linkKeys    linkKeyCache    // the link key last read, see linkkey.go
	badges      badgeCache      // badges of the snapshot last served, see badges.go
	admin       *gin.RouterGroup
	agent       *gin.RouterGroup // see agent.go
	agentFlight agentFlight      // agent tokens with a request in flight, see agent.go
}

// NewServer builds the server. Metrics are served from gatherer, normally
// the registry that every component registered with.
func NewServer(gatherer prometheus.Gatherer) *Server {
	s := &Server{engine: gin.New()}
	// The client is the connection's peer unless TrustProxies says
	// otherwise: a header cannot choose whose failure budget it spends.
	_ = s.engine.SetTrustedProxies(nil)
	s.engine.Use(gin.Recovery(), securityHeaders)
	s.engine.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	s.engine.GET("/readyz", s.readyz)
	s.engine.HEAD("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	s.mountMetrics(gatherer) // /metrics for metrics tokens only, and the metrics listener (metrics.go)
	s.mountPush()            // heartbeats at /push/:token (push.go)

	// Statuspage v2 API (statuspage.go), served from SetSnapshot's snapshot.
	s.mountStatuspage(s.engine.Group("/api/v2"))
	// End Statuspage v2 API.

	// HTML status page (pages.go): /, /incidents/:id and /static.
	s.mountPages()
	// End HTML status page.
	s.mountFeed()   // Atom feed of incidents and maintenance at /feed.atom (feed.go)
	s.mountBadges() // SVG badges of public services at /badge/{service}/... (badges.go)

	// Tenant pages and their API (tenant.go), admin API (admin.go).
	s.mountTenants()
	s.mountSubscriptions() // e-mail subscriptions (subscribe.go)
	s.admin = s.engine.Group("/api/admin", s.limitFailures(presentsCredential, unauthorized))
	s.engine.NoRoute(apiNotFound)

	return s
}

func (s *Server) readyz(c *gin.Context) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			c.String(http.StatusServiceUnavailable, "not ready: %v\n%s", err, s.readyDetail())
			return
		}
	}
	c.String(http.StatusOK, "ready\n%s", s.readyDetail())
}

func (s *Server) readyDetail() string {
	if s.ReadyDetail == nil {
		return ""
	}
	return s.ReadyDetail()
}

// HandleConsole serves h at /console and everything under it: the staff
// console (package dashboard/console), which signs people in and checks
// its own sessions. Without it, /console answers 404.
func (s *Server) HandleConsole(h http.Handler) {
	s.engine.Any("/console", gin.WrapH(h))
	s.engine.Any("/console/*path", gin.WrapH(h))
}

// Handler is the server's routes, for tests and for mounting.
func (s *Server) Handler() http.Handler { return s.engine }

// Defaults of the connection timeouts. A request's headers must arrive
// within 5 seconds and the whole request, body included, within 10 (an
// admin body is at most 64 KiB, a sign-in form 4 KiB); the answer must
// be written within 60 seconds of the request's end (the largest page,
// uncompressed, is a few megabytes); an idle keep-alive connection is
// closed after 60 seconds.
const (
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	// MaxHeaderBytes bounds a request's headers, cookies included.
	MaxHeaderBytes = 64 << 10
)

// httpServer is the http.Server of Serve and Shutdown, made by whichever
// comes first: Serve usually runs in a goroutine of its own, and a
// Shutdown that wins the race must still stop it.
func (s *Server) httpServer() *http.Server {
	s.srvOnce.Do(func() {
		s.srv = &http.Server{
			Handler:           s.engine,
			ReadHeaderTimeout: cmp.Or(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
			ReadTimeout:       cmp.Or(s.ReadTimeout, DefaultReadTimeout),
			WriteTimeout:      cmp.Or(s.WriteTimeout, DefaultWriteTimeout),
			IdleTimeout:       cmp.Or(s.IdleTimeout, DefaultIdleTimeout),
			MaxHeaderBytes:    MaxHeaderBytes,
		}
	})
	return s.srv
}

// Serve answers on l until Shutdown. It returns nil after a Shutdown,
// also one that came before it.
func (s *Server) Serve(l net.Listener) error {
	if err := s.httpServer().Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests, on the main port and the metrics
// listener, and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	d := s.ShutdownTimeout
	if d == 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return errors.Join(s.httpServer().Shutdown(ctx), s.metricsServer().Shutdown(ctx))
}
