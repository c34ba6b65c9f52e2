package email

import (
	"bytes"
	"html/template"
	"strings"
)

// content is a message's words, laid out once as text and once as HTML,
// so both parts always say the same.
type content struct {
	Heading string
	Intro   string   // first paragraph
	Facts   []fact   // label and value rows
	Body    []string // paragraphs, shown as given (people's text: line breaks kept)
	Action  *link    // the main link, shown as a button
	Links   []link   // further links
	Why     string   // why the recipient gets this message
}

type fact struct{ Label, Value string }

type link struct{ Text, URL string }

// htmlLayout lays content out for mail clients: inline styles (mail
// clients drop style sheets), one column, readable on a phone.
const htmlLayout = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.C.Heading}}</title></head>
<body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;background:#ffffff">
<div style="max-width:560px;margin:0 auto">
<h1 style="font-size:20px;margin:0 0 12px">{{.C.Heading}}</h1>
{{with .C.Intro}}<p style="margin:0 0 12px">{{.}}</p>{{end}}
{{with .C.Facts}}<table role="presentation" style="border-collapse:collapse;margin:0 0 12px">{{range .}}
<tr><th scope="row" style="text-align:left;vertical-align:top;padding:2px 12px 2px 0">{{.Label}}</th><td style="padding:2px 0">{{.Value}}</td></tr>{{end}}
</table>{{end}}
{{range .C.Body}}<p style="margin:0 0 12px;white-space:pre-line">{{.}}</p>
{{end}}{{with .C.Action}}<p style="margin:16px 0"><a href="{{.URL}}" style="display:inline-block;padding:10px 16px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:6px">{{.Text}}</a></p>
{{end}}{{range .C.Links}}<p style="margin:0 0 8px"><a href="{{.URL}}" style="color:#0b57d0">{{.Text}}</a></p>
{{end}}<hr style="border:0;border-top:1px solid #d0d4da;margin:24px 0 12px">
<p style="font-size:13px;color:#555555;margin:0">{{.C.Why}} <a href="{{.Unsubscribe}}" style="color:#555555">Unsubscribe</a>.</p>
</div>
</body></html>
`

// render writes the text and the HTML part, the latter with tmpl (parsed
// from htmlLayout).
func (c content) render(tmpl *template.Template, unsubscribe string) (string, string, error) {
	var t strings.Builder
	t.WriteString(c.Heading + "\n" + strings.Repeat("=", len([]rune(c.Heading))) + "\n\n")
	if c.Intro != "" {
		t.WriteString(c.Intro + "\n\n")
	}
	for _, f := range c.Facts {
		t.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if len(c.Facts) > 0 {
		t.WriteString("\n")
	}
	for _, p := range c.Body {
		t.WriteString(p + "\n\n")
	}
	if c.Action != nil {
		t.WriteString(c.Action.Text + ":\n" + c.Action.URL + "\n\n")
	}
	for _, l := range c.Links {
		t.WriteString(l.Text + ": " + l.URL + "\n")
	}
	if len(c.Links) > 0 {
		t.WriteString("\n")
	}
	t.WriteString("-- \n" + c.Why + "\nUnsubscribe: " + unsubscribe + "\n")
	var h bytes.Buffer
	if err := tmpl.Execute(&h, struct {
		C           content
		Unsubscribe string
	}{c, unsubscribe}); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}
