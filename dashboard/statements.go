package dashboard

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/statement"
)

// Statement pages: /status/{tenant}/statement (HTML, linking
// /statement.css so it works under the page's style-src 'self') and
// /status/{tenant}/statement.pdf, each for ?period=2026-10 or, without it,
// the latest period with a credit. The tenant's own credential only, as
// for every page under /status/{tenant}.

// StatementFunc builds tenant's credit statement for period ("" for the
// latest). An error wrapping ErrNoStatement is a 404.
type StatementFunc func(ctx context.Context, tenant, period string) (statement.Statement, error)

// ErrNoStatement is the error of a StatementFunc that has nothing to
// state for the tenant and period.
var ErrNoStatement = errors.New("no statement for that period")

// FileBody is an admin handler's body that is a file to download, not
// JSON.
type FileBody struct {
	Name        string // file name offered to save as
	ContentType string
	Data        []byte
}

var periodParam = regexp.MustCompile(`^([0-9]{4}-(0[1-9]|1[0-2]|Q[1-4]))?$`)

// RenderStatement renders s as "html" (the page variant when page is
// true, else a standalone file) or "pdf".
func RenderStatement(s statement.Statement, format string, page bool) (FileBody, error) {
	var b bytes.Buffer
	var err error
	f := FileBody{Name: s.Number() + "." + format}
	switch format {
	case "pdf":
		f.ContentType = "application/pdf"
		err = statement.WritePDF(&b, s)
	default:
		f.ContentType = "text/html; charset=utf-8"
		err = statement.NewHTMLRenderer().Write(&b, s, statement.HTMLOptions{Standalone: !page, StylesheetURL: "/statement.css"})
	}
	f.Data = b.Bytes()
	return f, err
}

func (s *Server) mountStatements(g *gin.RouterGroup) {
	css := statement.CSS()
	s.engine.GET("/statement.css", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, "text/css; charset=utf-8", css)
	})
	s.engine.GET("/logo", func(c *gin.Context) {
		if len(s.Logo) == 0 {
			c.String(http.StatusNotFound, "no logo\n")
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		c.Data(http.StatusOK, "image/"+s.LogoType, s.Logo)
	})
	serve := func(format string) gin.HandlerFunc {
		return func(c *gin.Context) {
			st := s.tenantAccess(c, true)
			if st == nil {
				return
			}
			c.Header("Cache-Control", "private, no-store")
			period := c.Query("period")
			if !periodParam.MatchString(period) || s.Statements == nil {
				c.String(http.StatusNotFound, "no such statement\n")
				return
			}
			stmt, err := s.Statements(c.Request.Context(), st.view.ID, period)
			if err != nil {
				if !errors.Is(err, ErrNoStatement) && s.Log != nil {
					s.Log.Error("statement", "tenant", st.view.ID, "period", period, "err", err)
				}
				c.String(http.StatusNotFound, "no statement is available for that period yet\n")
				return
			}
			f, err := RenderStatement(stmt, format, true)
			if err != nil {
				if s.Log != nil {
					s.Log.Error("statement", "tenant", st.view.ID, "period", period, "err", err)
				}
				c.String(http.StatusNotFound, "no statement is available for that period yet\n")
				return
			}
			if format == "pdf" {
				c.Header("Content-Disposition", `attachment; filename="`+f.Name+`"`)
			}
			c.Data(http.StatusOK, f.ContentType, f.Data)
		}
	}
	g.GET("/statement", serve("html"))
	g.GET("/statement.pdf", serve("pdf"))
}
