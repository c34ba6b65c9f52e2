package statement

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io"
)

//go:embed templates/statement.html templates/statement.css
var templateFiles embed.FS

// CSS returns the statement page's stylesheet, for the status site to serve
// at the URL given as HTMLOptions.StylesheetURL.
func CSS() []byte {
	b, err := templateFiles.ReadFile("templates/statement.css")
	if err != nil {
		panic(err) // embedded above; cannot happen
	}
	return b
}

// HTMLOptions choose between the two HTML variants.
type HTMLOptions struct {
	// Standalone makes a self-contained document for download and e-mail:
	// the stylesheet inline and the logo (Provider.Logo) as a data: URL.
	// Otherwise the document links StylesheetURL and Provider.LogoURL and
	// has no inline style, so it works under a Content-Security-Policy of
	// style-src 'self'.
	Standalone bool

	// StylesheetURL is where the page variant loads CSS() from
	// ("/static/statement.css"). Required unless Standalone.
	StylesheetURL string
}

// HTMLRenderer renders statements as HTML. Build one with NewHTMLRenderer
// and reuse it: the template is parsed once.
type HTMLRenderer struct {
	tmpl *template.Template
	css  template.CSS
}

// NewHTMLRenderer parses the embedded template.
func NewHTMLRenderer() *HTMLRenderer {
	return &HTMLRenderer{
		tmpl: template.Must(template.ParseFS(templateFiles, "templates/statement.html")),
		css:  template.CSS(CSS()), // our own file: trusted
	}
}

type htmlData struct {
	P             page
	InlineCSS     template.CSS
	StylesheetURL string
	LogoSrc       any // template.URL for a data: URL built here; a string (sanitised by the template) otherwise
}

// Write renders s. It refuses an invalid statement with Validate's error,
// and the page variant without a stylesheet URL.
func (r *HTMLRenderer) Write(w io.Writer, s Statement, o HTMLOptions) error {
	if err := s.Validate(); err != nil {
		return err
	}
	d := htmlData{P: newPage(s)}
	if !o.Standalone && o.StylesheetURL == "" {
		return errors.New("html options: stylesheet URL is required for the page variant")
	}
	d.StylesheetURL = o.StylesheetURL
	if d.P.Provider.LogoURL != "" {
		d.LogoSrc = d.P.Provider.LogoURL
	}
	if o.Standalone {
		d.InlineCSS = r.css
		if d.P.Provider.LogoData != "" {
			// Built here from validated PNG or JPEG bytes, base64-encoded.
			d.LogoSrc = template.URL(d.P.Provider.LogoData)
		}
	}
	var buf bytes.Buffer
	if err := r.tmpl.Execute(&buf, d); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
