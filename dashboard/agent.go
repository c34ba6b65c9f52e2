package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
)

// The agent API's frame: /api/agent/checks and /api/agent/results, for
// tokens of role agent only, each bound to its location. The frame
// authenticates, keeps every other role out (and agent tokens out of
// every other route, by their role), allows one batch in flight per
// token, bounds bodies and sends JSON errors; what the routes do is the
// AgentHandler's (package monitor's), which speaks the protocol of
// package agent/wire.

// AgentBodyLimit bounds agent request bodies: a batch's limit.
const AgentBodyLimit = 4 << 20

// AgentRequest is an agent API request, authenticated as an agent of
// Location.
type AgentRequest struct {
	Principal Principal
	c         *gin.Context
}

// Context is the request's context.
func (r *AgentRequest) Context() context.Context { return r.c.Request.Context() }

// Header is a request header.
func (r *AgentRequest) Header(name string) string { return r.c.GetHeader(name) }

// SetHeader sets an answer header.
func (r *AgentRequest) SetHeader(name, value string) { r.c.Header(name, value) }

// Body reads the body, refusing any other type than JSON and bodies over
// AgentBodyLimit with an *APIError.
func (r *AgentRequest) Body() ([]byte, error) {
	req := r.c.Request
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, &APIError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the body as application/json"}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(r.c.Writer, req.Body, AgentBodyLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &APIError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf("the body is over %d bytes", tooBig.Limit)}
		}
		return nil, &APIError{Status: http.StatusBadRequest, Code: "invalid_json", Message: "reading the body: " + err.Error()}
	}
	return raw, nil
}

// AgentHandler handles one agent route, as AdminHandler does: the status
// and the value to send as JSON (nil: no body), or an error, an *APIError
// sent as it is (with its Retry-After), any other logged and sent as 500.
type AgentHandler func(r *AgentRequest) (status int, body any, err error)

// agentFlight is the set of agent tokens with a request in flight.
type agentFlight struct {
	mu  sync.Mutex
	set map[string]bool
}

func (f *agentFlight) enter(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.set == nil {
		f.set = map[string]bool{}
	}
	if f.set[prefix] {
		return false
	}
	f.set[prefix] = true
	return true
}

func (f *agentFlight) leave(prefix string) {
	f.mu.Lock()
	delete(f.set, prefix)
	f.mu.Unlock()
}

// HandleAgent registers h at path (under /api/agent) for agent tokens.
func (s *Server) HandleAgent(method, path string, h AgentHandler) {
	s.agentGroup().Handle(method, path, func(c *gin.Context) {
		p, ok := s.apiPrincipal(c)
		if !ok {
			return
		}
		if p.Role != access.Agent || p.Location == "" {
			writeAPIError(c, Forbidden("the %s role may not %s /api/agent%s: only agent tokens may", p.Role, method, path))
			return
		}
		// One batch in flight per token: an agent ships one at a time, so
		// a second one at once is a second agent or a bug, and either way
		// it waits. Reading the check list meanwhile is fine.
		if method != http.MethodGet {
			if !s.agentFlight.enter(p.Prefix) {
				writeAPIError(c, &APIError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: time.Second,
					Message: "this token has a batch in flight; send one at a time"})
				return
			}
			defer s.agentFlight.leave(p.Prefix)
		}
		status, body, err := h(&AgentRequest{Principal: p, c: c})
		if !s.apiFailed(c, "agent api", p, err) {
			return
		}
		if body == nil {
			c.Status(status)
			return
		}
		c.JSON(status, body)
	})
}

// agentGroup is /api/agent, whose failed authentications count against
// the client's address as the admin API's do.
func (s *Server) agentGroup() *gin.RouterGroup {
	if s.agent == nil {
		s.agent = s.engine.Group("/api/agent", s.limitFailures(presentsCredential, unauthorized))
	}
	return s.agent
}
