package console

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatehq/slate/catalog"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

//go:embed templates/*.html static/console.css
var files embed.FS

// page is what every console page's frame shows; Data is the page's own.
type page struct {
	Title   string
	Session *store.Session // nil before sign-in
	Notice  string         // a line at the top: what the last action did
	Error   string         // the page's error, in words
	Data    any
}

// IsAdmin and MayCredit choose the navigation and forms shown; the routes
// check the same rules.
func (p page) IsAdmin() bool { return p.Session != nil && p.Session.Role == roleAdmin }

// MayCredit reports whether the signed-in person may approve, issue and
// void credits.
func (p page) MayCredit() bool {
	return p.Session != nil && (p.Session.Role == roleAdmin || p.Session.Role == roleAccountManager)
}

func newTemplates() *template.Template {
	funcs := template.FuncMap{
		"words":      words,
		"when":       func(t time.Time) string { return when(t, time.UTC) },
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"second":     func(t time.Time) string { return whenSecond(t, time.UTC) },
		"ms":         func(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() },
		"lag":        func(s float64) string { return strconv.FormatFloat(s, 'f', 1, 64) + " s" },
		"amount":     func(c store.Credit) string { return sla.FormatMinor(c.AmountMinor, c.Currency) },
		"join":       strings.Join,
		"has":        slices.Contains[[]string],
		"severities": func() []string { return severities },
		"in":         when,
		"hours":      catalog.DurationWords,
		"creditRows": creditRows,
	}
	return template.Must(template.New("").Funcs(funcs).ParseFS(files, "templates/*.html"))
}

// words turns an identifier into words: "account_manager" → "account manager".
func words(s string) string { return strings.ReplaceAll(s, "_", " ") }

// when is t in loc, to the minute, with the zone's abbreviation.
func when(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// whenSecond is when, to the second: a location's health moves by the
// second.
func whenSecond(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// render writes template name with p, buffered so a template error is a
// clean 500.
func (c *Console) render(g *gin.Context, status int, name string, p page) {
	var b bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&b, name, p); err != nil {
		c.Log.Error("console template", "template", name, "err", err)
		g.String(http.StatusInternalServerError, "internal error\n")
		return
	}
	g.Data(status, "text/html; charset=utf-8", b.Bytes())
}

// fail answers with an error page for a person not signed in.
func (c *Console) fail(g *gin.Context, status int, msg string) {
	c.render(g, status, "error", page{Title: http.StatusText(status), Error: msg})
}

// failAs answers with an error page inside the signed-in frame.
func (c *Console) failAs(g *gin.Context, s store.Session, status int, msg string) {
	c.render(g, status, "error", page{Title: http.StatusText(status), Session: &s, Error: msg})
}

func (c *Console) serveCSS(g *gin.Context) {
	b, err := files.ReadFile("static/console.css")
	if err != nil {
		g.Status(http.StatusNotFound)
		return
	}
	g.Header("Cache-Control", "public, max-age=300")
	g.Data(http.StatusOK, "text/css; charset=utf-8", b)
}

func (c *Console) home(g *gin.Context, s store.Session) {
	c.render(g, http.StatusOK, "home", page{Title: "Console", Session: &s})
}
