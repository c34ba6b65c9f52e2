package dashboard

import (
	"embed"
	"html/template"
	"io/fs"
)

// files holds the status page's templates and stylesheet, so the binary
// serves them without a directory next to it.
//
//go:embed templates/*.html static
var files embed.FS

// newTemplates parses every template once; a broken template is a build
// mistake, so it panics at construction rather than on a request.
func newTemplates() *template.Template {
	return template.Must(template.New("").Funcs(templateFuncs()).ParseFS(files, "templates/*.html"))
}

// staticFS is the static directory rooted at its own top, for /static.
func staticFS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded above; cannot happen
	}
	return sub
}
