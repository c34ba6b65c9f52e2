package dashboard

import (
	"cmp"
	"errors"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slatehq/slate/access"
)

// Metrics carry tenant and contract labels (probe_success{tenant="acme"},
// each contract's uptime, budget and burn rates), so they are never served
// to strangers. Two ways reach them:
//
//   - the metrics listener (ServeMetrics), a port of its own, by default
//     on loopback, which answers /metrics without a credential, as
//     Prometheus exporters do: who can connect to it may read them;
//   - /metrics on the public port, which answers only to a bearer token
//     of the metrics role (or admin). Without one it answers 401, and 403
//     to a token of another role; a failed token spends the client's
//     failure budget like any other (authlimit.go).

// metricsHandler serves the gatherer's metrics in the exposition format.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// mountMetrics serves g's metrics: on the public port to metrics tokens
// only, and to the metrics listener (MetricsHandler).
func (s *Server) mountMetrics(g prometheus.Gatherer) {
	s.metrics = metricsHandler(g)
	serve := func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		tok := bearer(c.Request)
		if tok == "" {
			c.Header("WWW-Authenticate", `Bearer realm="slate"`)
			c.String(http.StatusUnauthorized, "a token of the metrics role is required: send Authorization: Bearer TOKEN, or scrape the metrics listener (server.metrics_listen)\n")
			return
		}
		p, _, aerr := s.tokenFor(c.Request.Context(), tok, "")
		switch {
		case aerr != nil:
			if aerr.status == http.StatusUnauthorized {
				c.Header("WWW-Authenticate", `Bearer realm="slate", error="invalid_token"`)
			}
			c.String(aerr.status, aerr.msg+"\n")
			return
		case !access.Permits(p.Role, access.MetricsReaders()):
			c.String(http.StatusForbidden, "the %s role may not read /metrics\n", p.Role)
			return
		}
		s.metrics.ServeHTTP(c.Writer, c.Request)
	}
	limited := s.limitFailures(presentsCredential, unauthorized)
	s.engine.GET("/metrics", limited, serve)
	s.engine.HEAD("/metrics", limited, serve)
}

// MetricsHandler is what the metrics listener serves: /metrics without a
// credential, 404 for every other path.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	return mux
}

// ServeMetrics answers on l with MetricsHandler until Shutdown, with the
// connection timeouts of the main server. It returns nil after a
// Shutdown, also one that came before it. Give it a listener that only
// the Prometheus servers reach (by default slate serve opens
// 127.0.0.1:9464): whoever connects reads every tenant's figures.
func (s *Server) ServeMetrics(l net.Listener) error {
	if err := s.metricsServer().Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// metricsServer is the http.Server of ServeMetrics and Shutdown, made by
// whichever comes first, as httpServer is.
func (s *Server) metricsServer() *http.Server {
	s.metricsOnce.Do(func() {
		s.metricsSrv = &http.Server{
			Handler:           s.MetricsHandler(),
			ReadHeaderTimeout: cmp.Or(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
			ReadTimeout:       cmp.Or(s.ReadTimeout, DefaultReadTimeout),
			WriteTimeout:      cmp.Or(s.WriteTimeout, DefaultWriteTimeout),
			IdleTimeout:       cmp.Or(s.IdleTimeout, DefaultIdleTimeout),
			MaxHeaderBytes:    MaxHeaderBytes,
		}
	})
	return s.metricsSrv
}
