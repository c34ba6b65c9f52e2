package incident

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("got:\n%s\nwant (%s):\n%s", got, path, want)
	}
}

func sampleIncident() Incident {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, time.UTC) }
	return Incident{
		Service: "Mail", Status: Resolved, Severity: Major,
		Started: at(9, 0), Ended: at(10, 15),
		Timeline: []Entry{
			{At: at(9, 0), Kind: KindDetected, Status: Investigating, Body: "Mail is down: failing from ams, fra"},
			{At: at(9, 20), Kind: KindUpdate, Status: Identified, Body: "The TLS certificate expired.\nRenewing it.", Author: "alice"},
			// The recovery entry is dated when recovery began, earlier than
			// the update written during the hold: the template sorts by time.
			{At: at(10, 30), Kind: KindUpdate, Status: Resolved, Body: "All clear.", Author: "bob"},
			{At: at(10, 15), Kind: KindRecovered, Status: Resolved, Body: "Mail recovered; recovery held 5m0s"},
		},
	}
}

func TestTemplateGolden(t *testing.T) {
	impact, err := TotalImpact([]TenantImpact{
		{Tenant: "acme", Contract: "acme-gold", BreachMinutes: "75", Exposure: "120.00", Currency: "EUR"},
		{Tenant: "acme", Contract: "acme-extra", BreachMinutes: "0.5", Exposure: "0.00", Currency: "EUR"},
		{Tenant: "globex", Contract: "globex-mail", BreachMinutes: "30", Exposure: "0.00", Currency: "USD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	md := Template(sampleIncident(), impact)
	golden(t, "template.md.golden", md)
	for _, private := range []string{"acme", "globex", "120.00", "EUR", "USD"} {
		if strings.Contains(md, private) {
			t.Errorf("the template shows %q of a tenant's private figures", private)
		}
	}
}

func TestTotalImpact(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []TenantImpact
		want ImpactTotal
	}{
		{"none", nil, ImpactTotal{Customers: 0, BreachMinutes: "0"}},
		{"a tenant's two contracts count once", []TenantImpact{{Tenant: "a", BreachMinutes: "1.5"}, {Tenant: "a", BreachMinutes: "2.25"}},
			ImpactTotal{Customers: 1, BreachMinutes: "3.75"}},
		{"a tenant without breach minutes is not counted", []TenantImpact{{Tenant: "a", BreachMinutes: "10"}, {Tenant: "b", BreachMinutes: "0"}},
			ImpactTotal{Customers: 1, BreachMinutes: "10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TotalImpact(tc.rows)
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := TotalImpact([]TenantImpact{{Tenant: "a", Contract: "k", BreachMinutes: "many"}}); err == nil {
		t.Error("summed breach minutes that are not a number")
	}
}

func TestTemplateSections(t *testing.T) {
	cases := []struct {
		name   string
		inc    Incident
		impact ImpactTotal
		want   []string // substrings, in this order
	}{
		{"a resolved incident with impact", sampleIncident(), ImpactTotal{Customers: 3, BreachMinutes: "75"},
			[]string{"## Summary", "## Impact", "3 customers, 75 breach minutes in total", "## Timeline",
				"2026-03-10T09:20:00Z update", "2026-03-10T10:30:00Z update",
				"## Root cause", "## Resolution", "## Action items"}},
		{"an open incident without impact", Incident{Service: "Login", Status: Investigating, Severity: Minor,
			Started: time.Date(2026, 3, 10, 9, 0, 0, 0, time.FixedZone("CET", 3600))},
			ImpactTotal{},
			[]string{"**Started:** 2026-03-10T08:00:00Z", "**Ended:** ongoing", "No customer impact recorded.", "No entries recorded."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Template(tc.inc, tc.impact)
			for _, internal := range []string{"detected", "recovered", "is down", "recovery held"} {
				if strings.Contains(got, internal) {
					t.Errorf("the template carries detection's %q, which is for staff", internal)
				}
			}
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("got:\n%s\nwant %q after the previous parts", got, w)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// An author, an entry body or a figure is data: whatever it holds, the
// rendered template shows it as text.
func TestTemplateEscapes(t *testing.T) {
	minutes := "1|2 <script>alert(1)</script> *x* [l](javascript:alert(1))"
	body := "line one\n# not a heading\n| not | a | row |"
	inc := Incident{Service: "Mail_`x`", Status: Resolved, Severity: Minor,
		Started:  time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC),
		Timeline: []Entry{{At: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), Kind: KindUpdate, Status: Resolved, Body: body, Author: "<b>eve</b>"}}}
	out, err := Render(Template(inc, ImpactTotal{Customers: 2, BreachMinutes: minutes}))
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, string(out))
	var paras []string
	var items []string
	walk(root, func(n *html.Node) {
		switch n.DataAtom {
		case atom.P:
			paras = append(paras, textOf(n))
		case atom.Li:
			items = append(items, textOf(n))
		case atom.Script, atom.A, atom.Em, atom.B, atom.H1:
			if n.DataAtom != atom.H1 || textOf(n) != "Post-mortem: Mail_`x` incident of 2026-03-10" {
				t.Errorf("got element <%s> %q, want none made from data", n.Data, textOf(n))
			}
		}
	})
	if want := "2 customers, " + minutes + " breach minutes in total. Each sees its own figures on its status page."; !contains(paras, want) {
		t.Errorf("got paragraphs %q, want one %q", paras, want)
	}
	wantItem := "2026-03-10T09:00:00Z update (resolved), by <b>eve</b>: line one # not a heading | not | a | row |"
	if !contains(items, wantItem) {
		t.Errorf("got list items %q, want one %q", items, wantItem)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestRenderGolden(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("testdata", "postmortem.md"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Render(string(md))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "postmortem.html.golden", string(got))
	if problems := unsafeParts(parse(t, string(got))); len(problems) > 0 {
		t.Errorf("got unsafe parts %q in a normal post-mortem, want none", problems)
	}
}

func TestRenderKeepsMarkdown(t *testing.T) {
	cases := []struct {
		name, md, want string
	}{
		{"a table with alignment", "| a | b |\n| :-- | --: |\n| 1 | 2 |\n",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n"},
		{"a link gets nofollow noopener", "[x](https://example.com/)",
			"<p><a href=\"https://example.com/\" rel=\"nofollow noopener\">x</a></p>\n"},
		{"a bare URL becomes a link", "see https://example.com/a",
			"<p>see <a href=\"https://example.com/a\" rel=\"nofollow noopener\">https://example.com/a</a></p>\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.md)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRenderShowsNoImages checks that a post-mortem makes a reader's
// browser fetch nothing by itself: an image becomes a link to it, named
// by its alt text, that the reader may follow or not. No tracking pixel,
// no request to another site, no /push/ heartbeat fired by reading.
func TestRenderShowsNoImages(t *testing.T) {
	cases := []struct {
		name, md, want string
	}{
		{"an image over https", "![graph](https://example.com/g.png)",
			"<p><a href=\"https://example.com/g.png\" rel=\"nofollow noopener\">graph</a></p>\n"},
		{"a tracking pixel without alt text", "![](https://tracker.example/p.gif?reader=1)",
			"<p><a href=\"https://tracker.example/p.gif?reader=1\" rel=\"nofollow noopener\">https://tracker.example/p.gif?reader=1</a></p>\n"},
		{"a heartbeat URL", "![ok](/push/0123456789abcdef0123)",
			"<p><a href=\"/push/0123456789abcdef0123\" rel=\"nofollow noopener\">ok</a></p>\n"},
		{"a reference image", "![graph][g]\n\n[g]: https://example.com/g.png",
			"<p><a href=\"https://example.com/g.png\" rel=\"nofollow noopener\">graph</a></p>\n"},
		{"an image inside a link", "[![badge](https://example.com/b.svg)](https://example.com/)",
			"<p><a href=\"https://example.com/\" rel=\"nofollow noopener\">badge</a></p>\n"},
		{"alt text with markup", "![**disk** <b>I/O</b>](https://example.com/g.png)",
			"<p><a href=\"https://example.com/g.png\" rel=\"nofollow noopener\">disk I/O</a></p>\n"},
		{"raw HTML image", `<img src="https://tracker.example/p.gif">`, ""},
		{"raw HTML picture", `<picture><source srcset="https://tracker.example/p.webp"><img src="/push/0123456789abcdef0123"></picture>`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.md)
			if err != nil {
				t.Fatal(err)
			}
			if problems := unsafeParts(parse(t, string(got))); len(problems) > 0 {
				t.Errorf("got %q: unsafe parts %q", got, problems)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if out := sanitize(`<p>` + tc.md + `</p>`); strings.Contains(out, "<img") || strings.Contains(out, "<source") {
				t.Errorf("the sanitiser alone keeps an image: %q", out)
			}
		})
	}
}

// hostile are post-mortems written to run code in a reader's browser or to
// take them elsewhere; each must render inert.
var hostile = []struct{ name, md string }{
	{"script element", "hello <script>alert(1)</script>"},
	{"script block", "<script>\nalert(document.cookie)\n</script>\n"},
	{"style element", "<style>body{display:none}</style>\ntext"},
	{"img onerror", `<img src=x onerror="alert(1)">`},
	{"img onerror unquoted, inline", `a <img src=x onerror=alert(1)//> b`},
	{"markdown javascript link", "[x](javascript:alert(1))"},
	{"markdown javascript link, mixed case and entities", "[x](JaVaScRiPt&#58;alert(1))"},
	{"markdown javascript link, encoded", "[x](javascript%3Aalert(1))"},
	{"markdown vbscript link", "[x](vbscript:msgbox(1))"},
	{"markdown data link", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"},
	{"markdown data image", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"},
	{"markdown javascript image", "![x](javascript:alert(1))"},
	{"reference link", "[x][r]\n\n[r]: javascript:alert(1)"},
	{"autolink javascript", "<javascript:alert(1)>"},
	{"autolink data", "<data:text/html,<script>alert(1)</script>>"},
	{"raw data link", `<a href="data:text/html,<script>alert(1)</script>">x</a>`},
	{"raw javascript link with tab", "<a href=\"java\tscript:alert(1)\">x</a>"},
	{"iframe", `<iframe src="https://evil.example/"></iframe>`},
	{"iframe srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`},
	{"svg onload", `<svg onload=alert(1)><circle r=1 /></svg>`},
	{"svg with script", `<svg><script>alert(1)</script></svg>`},
	{"math with link", `<math><mtext><a xlink:href="javascript:alert(1)">x</a></mtext></math>`},
	{"object and embed", `<object data="evil.swf"></object><embed src="evil.swf">`},
	{"form", `<form action="https://evil.example/"><input name=p><button formaction="javascript:alert(1)">go</button></form>`},
	{"raw attributes", `<p style="background:url(javascript:alert(1))" onclick="alert(1)" onmouseover="alert(1)">x</p>`},
	{"raw div with handler", "<div onmouseover=\"alert(1)\">\n\n**bold**\n\n</div>"},
	{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">`},
	{"link element", `<link rel="stylesheet" href="https://evil.example/x.css">`},
	{"html comment hiding script", "<!-- --><script>alert(1)</script><!-- -->"},
	{"broken nesting", `<scr<script>ipt>alert(1)</scr</script>ipt>`},
	{"attribute breakout in link title", `[x](https://example.com/ "a\" onmouseover=\"alert(1)")`},
	{"link destination breakout", `[x](https://example.com/"onmouseover="alert(1))`},
	{"table cell with html", "| a |\n| --- |\n| <img src=x onerror=alert(1)> |"},
	{"javascript link in a table", "| a |\n| --- |\n| [x](javascript:alert(1)) |"},
	{"target and rel from raw html", `<a href="https://example.com" target="_blank" rel="opener">x</a>`},
}

func TestRenderHostileIsInert(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Render(tc.md)
			if err != nil {
				t.Fatal(err)
			}
			if problems := unsafeParts(parse(t, string(out))); len(problems) > 0 {
				t.Errorf("got unsafe parts %q in %q, want none", problems, out)
			}
		})
	}
}

// The sanitiser must hold on its own, were the markdown renderer ever to
// pass raw HTML through: every hostile input, read as HTML, comes out
// inert.
func TestPolicyAloneIsInert(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			out := sanitize(tc.md)
			if problems := unsafeParts(parse(t, out)); len(problems) > 0 {
				t.Errorf("got unsafe parts %q in %q, want none", problems, out)
			}
		})
	}
}

// The checker must itself see what it is looking for, or the hostile test
// passes whatever Render does.
func TestUnsafePartsFindsThem(t *testing.T) {
	cases := []struct {
		name, html string
	}{
		{"script", `<script>alert(1)</script>`},
		{"style", `<style>p{}</style>`},
		{"iframe", `<iframe src="https://example.com/"></iframe>`},
		{"object", `<object data="x"></object>`},
		{"form", `<form></form>`},
		{"svg", `<svg></svg>`},
		{"image from the same site", `<img src="/push/0123456789abcdef0123" alt="">`},
		{"event handler", `<p onclick="x">a</p>`},
		{"event handler, upper case", `<p ONMOUSEOVER="x">a</p>`},
		{"style attribute", `<p style="color:red">a</p>`},
		{"javascript href", `<a href="javascript:alert(1)" rel="nofollow noopener">x</a>`},
		{"javascript href with spaces", `<a href=" java&#09;script:alert(1)" rel="nofollow noopener">x</a>`},
		{"vbscript src", `<img src="vbscript:x">`},
		{"data src", `<img src="data:image/png;base64,AAAA">`},
		{"link without rel", `<a href="https://example.com/">x</a>`},
		{"link with nofollow only", `<a href="https://example.com/" rel="nofollow">x</a>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if problems := unsafeParts(parse(t, tc.html)); len(problems) == 0 {
				t.Errorf("got no problems in %q, want at least one", tc.html)
			}
		})
	}
}

func TestRenderRefusesHuge(t *testing.T) {
	_, err := Render(strings.Repeat("a", MaxPostmortemBytes+1))
	if err == nil {
		t.Fatalf("got no error for %d bytes, want one", MaxPostmortemBytes+1)
	}
}

// parse parses s as the body of a page, as a browser would.
func parse(t *testing.T, s string) *html.Node {
	t.Helper()
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	return body
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// forbidden are elements that run code, load other documents or styles, or
// post data.
var forbidden = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "form": true, "input": true, "button": true, "textarea": true,
	"select": true, "svg": true, "math": true, "link": true, "meta": true, "base": true,
	"template": true, "noscript": true, "video": true, "audio": true, "source": true,
	// Elements a browser loads by itself: a reader's browser fetches
	// nothing a post-mortem names.
	"img": true, "picture": true, "image": true, "track": true,
}

// urlAttrs are the attributes a browser loads or follows.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "srcset": true, "cite": true, "action": true, "formaction": true,
	"poster": true, "background": true, "data": true, "xlink:href": true, "longdesc": true,
}

// unsafeParts lists what in the tree could run code or leave the page
// unannounced: forbidden elements, event handlers, style and srcdoc
// attributes, URLs with a scheme other than http, https and mailto, and
// links without rel="nofollow noopener".
func unsafeParts(root *html.Node) []string {
	var out []string
	walk(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if forbidden[strings.ToLower(n.Data)] {
			out = append(out, "<"+n.Data+">")
		}
		rel := ""
		hasHref := false
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = a.Namespace + ":" + key
			}
			switch {
			case strings.HasPrefix(key, "on"), key == "style", key == "srcdoc":
				out = append(out, n.Data+"["+key+"]")
			case key == "rel":
				rel = a.Val
			case urlAttrs[key] || strings.HasSuffix(key, ":href"):
				if key == "href" {
					hasHref = true
				}
				if !safeURL(a.Val) {
					out = append(out, n.Data+"["+key+"="+a.Val+"]")
				}
			}
		}
		if n.Data == "a" && hasHref {
			f := strings.Fields(rel)
			if !contains(f, "nofollow") || !contains(f, "noopener") {
				out = append(out, "a without rel=\"nofollow noopener\"")
			}
		}
	})
	return out
}

// safeURL reports whether a browser would follow u only to http, https,
// mailto or a relative place. Browsers drop ASCII tabs, newlines and
// leading spaces and controls before reading the scheme, so the check does
// too.
func safeURL(u string) bool {
	clean := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, u)
	clean = strings.TrimLeft(clean, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	lower := strings.ToLower(clean)
	for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(lower, bad) {
			return false
		}
	}
	p, err := url.Parse(clean)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}
