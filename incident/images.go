package incident

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
)

// A post-mortem shows no images. A reader's browser would fetch an image
// by itself, on every reading: a tracking pixel tells another site who
// reads about the outage, and an image pointing at /push/{token} would
// report a heartbeat for a job that may be dead. So an image becomes a
// link to it, named by its alt text, that the reader may follow or not;
// and the sanitiser drops any img element that gets through anyway.

// imagesAsLinks is a goldmark AST transformer that replaces every image
// with a link to its destination (or, inside a link already, with its alt
// text alone, since links do not nest).
type imagesAsLinks struct{}

func (imagesAsLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var images []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering {
			images = append(images, img)
		}
		return ast.WalkContinue, nil
	})
	for _, img := range images {
		label := altText(img, source)
		if strings.TrimSpace(label) == "" {
			label = string(img.Destination)
		}
		var repl ast.Node = ast.NewString([]byte(label))
		if !insideLink(img) {
			link := ast.NewLink()
			link.Destination, link.Title = img.Destination, img.Title
			link.AppendChild(link, repl)
			repl = link
		}
		img.Parent().ReplaceChild(img.Parent(), img, repl)
	}
}

// altText is an image's alt text as plain text: its markup dropped, as
// goldmark writes an alt attribute.
func altText(n ast.Node, source []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.String:
			b.Write(c.Value)
		case *ast.Text:
			b.Write(c.Segment.Value(source))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		default:
			b.WriteString(altText(c, source))
		}
	}
	return b.String()
}

func insideLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if _, ok := p.(*ast.Link); ok {
			return true
		}
	}
	return false
}

// dropImages removes every img element from sanitised HTML, whose tags the
// sanitiser has written in lower case; text that reads "<img" is escaped
// there, so only elements match.
func dropImages(s string) string {
	if !strings.Contains(s, "<img") {
		return s
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); string(name) == "img" {
				continue
			}
		}
		b.Write(z.Raw())
	}
}
