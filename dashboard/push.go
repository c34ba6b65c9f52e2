package dashboard

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Heartbeats arrive at /push/{token}. POST is the method; GET is taken
// too, for callers that can only fetch a URL (a cron job running curl or
// wget), since the token in the path is the whole credential either way.
// HEAD is refused: link checkers and previews send it, and it must not
// count as a heartbeat. Each token has its own request budget, and an
// unknown token is a failed authentication of the client's address.

// Defaults of Server.PushRateLimit and Server.PushBurst: a heartbeat a
// second, in bursts of ten.
const (
	DefaultPushRateLimit rate.Limit = 1
	DefaultPushBurst                = 10
)

// mountPush registers /push/:token.
func (s *Server) mountPush() {
	h := func(c *gin.Context) {
		if s.Push == nil {
			c.Status(http.StatusNotFound)
			return
		}
		s.Push.ServeHTTP(c.Writer, c.Request)
	}
	always := func(*http.Request) bool { return true }
	unknown := func(status int) bool { return status == http.StatusNotFound }
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		s.engine.Handle(m, "/push/:token", s.limitFailures(always, unknown), s.limitPush, h)
	}
	refuse := func(c *gin.Context) {
		c.Header("Allow", "GET, POST")
		c.String(http.StatusMethodNotAllowed, "send heartbeats with POST (or GET)\n")
	}
	for _, m := range []string{http.MethodHead, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		s.engine.Handle(m, "/push/:token", refuse)
	}
}

// limitPush answers 429 to a token over its budget.
func (s *Server) limitPush(c *gin.Context) {
	r, burst := s.PushRateLimit, s.PushBurst
	if r <= 0 {
		r = DefaultPushRateLimit
	}
	if burst <= 0 {
		burst = DefaultPushBurst
	}
	ok, wait := s.pushLimits.allow(c.Param("token"), r, burst, s.now())
	if ok {
		return
	}
	secs := strconv.Itoa(retryAfter(wait))
	c.Header("Retry-After", secs)
	c.String(http.StatusTooManyRequests, "too many heartbeats for this token; retry in "+secs+"s\n")
	c.Abort()
}
