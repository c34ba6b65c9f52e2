package dashboard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the HTTP surface. Build it with NewServer, set the optional
// fields, then Serve or use Handler in tests.
type Server struct {
	// Ready reports whether slate can do its job now (store writable,
	// probes running); nil means always ready. /readyz answers 503 with the
	// error's text while it returns an error.
	Ready func(ctx context.Context) error

	// Push receives heartbeats at /push/{token}; nil leaves the route out.
	Push http.Handler

	// ShutdownTimeout bounds how long Shutdown waits for requests in
	// flight. 0 means 10s.
	ShutdownTimeout time.Duration

	engine *gin.Engine
	srv    *http.Server

	pages statuspagePages // Statuspage v2 bodies, see statuspage.go
	html  htmlState       // HTML status page templates and rendered pages, see pages.go
}

// NewServer builds the server. Metrics are served from gatherer, normally
// the registry that every component registered with.
func NewServer(gatherer prometheus.Gatherer) *Server {
	s := &Server{engine: gin.New()}
	s.engine.Use(gin.Recovery())
	s.engine.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	s.engine.GET("/readyz", s.readyz)
	s.engine.HEAD("/healthz", func(c *gin.Context) { c.Status(http.StatusOK) })
	s.engine.GET("/metrics", gin.WrapH(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})))
	pushRoute := func(c *gin.Context) {
		if s.Push == nil {
			c.Status(http.StatusNotFound)
			return
		}
		s.Push.ServeHTTP(c.Writer, c.Request)
	}
	s.engine.GET("/push/:token", pushRoute)
	s.engine.POST("/push/:token", pushRoute)

	// Statuspage v2 API (statuspage.go), served from SetSnapshot's snapshot.
	s.mountStatuspage(s.engine.Group("/api/v2"))
	// End Statuspage v2 API.

	// HTML status page (pages.go): /, /incidents/:id and /static.
	s.mountPages()
	// End HTML status page.
	return s
}

func (s *Server) readyz(c *gin.Context) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			c.String(http.StatusServiceUnavailable, "not ready: %v\n", err)
			return
		}
	}
	c.String(http.StatusOK, "ready\n")
}

// Handler is the server's routes, for tests and for mounting.
func (s *Server) Handler() http.Handler { return s.engine }

// Serve answers on l until Shutdown. It returns nil after a Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.srv = &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	if err := s.srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	d := s.ShutdownTimeout
	if d == 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return s.srv.Shutdown(ctx)
}
