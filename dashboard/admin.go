package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/access"
	"github.com/slatehq/slate/internal/strictjson"
)

// The admin API's frame: authentication by bearer token, roles, a rate
// limit per token, a size limit on bodies, strict JSON decoding and JSON
// errors. The handlers themselves are package dashboard/adminapi's, which
// reaches the store through the interface it declares; the dashboard never
// imports the store. Roles and who may call what are package access's.
//
// The admin API takes bearer tokens only, never cookies, so a page on
// another site cannot make a browser call it with the user's credentials:
// cross-site request forgery has nothing to ride on.

// DefaultAdminBodyLimit bounds admin request bodies unless
// Server.AdminBodyLimit says otherwise.
const DefaultAdminBodyLimit = 64 << 10

// APIError is an admin API error, sent as
// {"error": {"code": ..., "message": ..., "field": ...}}.
type APIError struct {
	Status  int    // HTTP status
	Code    string // machine-readable: invalid, invalid_json, unauthenticated, forbidden, not_found, conflict, too_large, rate_limited, unsupported_media_type, unavailable, internal
	Message string // for people
	Field   string // the request field at fault, as a JSON path ("services[0]"); "" when none
	// RetryAfter, when positive, is sent as Retry-After (in whole
	// seconds, rounded up): when to try a refused request again.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Invalid is a 400 naming the field at fault.
func Invalid(field, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound is a 404.
func NotFound(format string, args ...any) *APIError {
	return &APIError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf(format, args...)}
}

// Conflict is a 409: the request does not apply to the current state.
func Conflict(format string, args ...any) *APIError {
	return &APIError{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf(format, args...)}
}

// Forbidden is a 403.
func Forbidden(format string, args ...any) *APIError {
	return &APIError{Status: http.StatusForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

func writeAPIError(c *gin.Context, e *APIError) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   any    `json:"field"`
	}
	b := body{Code: e.Code, Message: e.Message}
	if e.Field != "" {
		b.Field = e.Field
	}
	c.Header("Cache-Control", "no-store")
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(retryAfter(e.RetryAfter)))
	}
	c.AbortWithStatusJSON(e.Status, map[string]body{"error": b})
}

// AdminRequest is an admin API request, authenticated and authorised.
type AdminRequest struct {
	Principal Principal
	c         *gin.Context
}

// Context is the request's context.
func (r *AdminRequest) Context() context.Context { return r.c.Request.Context() }

// Param is a path parameter (":id").
func (r *AdminRequest) Param(name string) string { return r.c.Param(name) }

// Query is a query parameter.
func (r *AdminRequest) Query(name string) string { return r.c.Query(name) }

// Decode reads the JSON body into v strictly (see package strictjson):
// unknown fields, keys differing from a field only in case, keys given
// twice, text that is not UTF-8, trailing data, wrong types and oversized
// bodies are refused with an *APIError that names the field when there is
// one.
func (r *AdminRequest) Decode(v any) error {
	req := r.c.Request
	if ct := req.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &APIError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send the body as application/json"}
		}
	}
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &APIError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf("the body is over %d bytes", tooBig.Limit)}
		}
		return &APIError{Status: http.StatusBadRequest, Code: "invalid_json", Message: "reading the body: " + err.Error()}
	}
	return decodeStrict(raw, v)
}

// decodeStrict is Decode's JSON half, separate so it can be fuzzed: the
// rules are strictjson's, refusals become 400s naming the field.
func decodeStrict(raw []byte, v any) error {
	err := strictjson.Decode(raw, v)
	var se *strictjson.Error
	if !errors.As(err, &se) {
		return err
	}
	if se.Field == "" {
		return &APIError{Status: http.StatusBadRequest, Code: "invalid_json", Message: se.Msg}
	}
	return Invalid(se.Field, "%s", se.Msg)
}

// AdminHandler handles one admin route. It returns the status and the
// value to send as JSON, or an error: an *APIError is sent as it is, any
// other error is logged and sent as a 500 without its text.
type AdminHandler func(r *AdminRequest) (status int, body any, err error)

// HandleAdmin registers h at /api/admin + path for the given roles. Admin
// tokens may call every route; a route open to viewers must itself keep
// them to their tenant (Principal.Tenant).
func (s *Server) HandleAdmin(method, path string, roles []string, h AdminHandler) {
	s.admin.Handle(method, path, func(c *gin.Context) {
		p, ok := s.apiPrincipal(c)
		if !ok {
			return
		}
		if !access.Permits(p.Role, roles) {
			writeAPIError(c, Forbidden("the %s role may not %s %s", p.Role, method, "/api/admin"+path))
			return
		}
		if s.rateLimited(c, p, true) {
			return
		}
		limit := s.AdminBodyLimit
		if limit <= 0 {
			limit = DefaultAdminBodyLimit
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		status, body, err := h(&AdminRequest{Principal: p, c: c})
		if !s.apiFailed(c, "admin api", p, err) {
			return
		}
		if body == nil {
			c.Status(status)
			return
		}
		if f, ok := body.(FileBody); ok {
			c.Header("Content-Disposition", `attachment; filename="`+f.Name+`"`)
			c.Data(status, f.ContentType, f.Data)
			return
		}
		c.JSON(status, body)
	})
}

// apiPrincipal authenticates an API request by its bearer token, or
// answers it with the JSON error and returns ok false.
func (s *Server) apiPrincipal(c *gin.Context) (Principal, bool) {
	c.Header("Cache-Control", "no-store")
	tok := bearer(c.Request)
	if tok == "" {
		c.Header("WWW-Authenticate", `Bearer realm="slate"`)
		writeAPIError(c, &APIError{Status: errNoCredentials.status, Code: errNoCredentials.code, Message: errNoCredentials.msg})
		return Principal{}, false
	}
	p, _, aerr := s.tokenFor(c.Request.Context(), tok, "")
	if aerr != nil {
		if aerr.status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="slate", error="invalid_token"`)
		}
		writeAPIError(c, &APIError{Status: aerr.status, Code: aerr.code, Message: aerr.msg})
		return Principal{}, false
	}
	return p, true
}

// apiFailed answers a handler's error, if any, and reports whether there
// was none: an *APIError as it is, any other logged (as what) and sent as
// a 500 without its text.
func (s *Server) apiFailed(c *gin.Context, what string, p Principal, err error) (ok bool) {
	if err == nil {
		return true
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		if s.Log != nil {
			s.Log.Error(what, "method", c.Request.Method, "path", c.Request.URL.Path, "actor", p.Actor(), "err", err)
		}
		ae = &APIError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; the server log has the details"}
	}
	writeAPIError(c, ae)
	return false
}

// apiNotFound answers unknown paths under /api/ in JSON, the way clients
// of the API expect errors.
func apiNotFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeAPIError(c, NotFound("no such endpoint: %s %s", c.Request.Method, c.Request.URL.Path))
		return
	}
	c.String(http.StatusNotFound, "404 page not found\n")
}
