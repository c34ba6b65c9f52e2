package dashboard

import (
	"embed"
	"html/template"
	"io/fs"
	"time"
)

// files holds the status page's templates and stylesheet, so the binary
// serves them without a directory next to it.
//
//go:embed templates/*.html static
var files embed.FS

// newTemplates parses every template once, showing times in UTC; a broken
// template is a build mistake, so it panics at construction rather than
// on a request.
func newTemplates() *template.Template { return newTemplatesIn(time.UTC) }

// newTemplatesIn parses the templates to show times in loc.
func newTemplatesIn(loc *time.Location) *template.Template {
	return template.Must(template.New("").Funcs(templateFuncs(loc)).ParseFS(files, "templates/*.html"))
}

// staticFS is the static directory rooted at its own top, for /static.
func staticFS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded above; cannot happen
	}
	return sub
}
