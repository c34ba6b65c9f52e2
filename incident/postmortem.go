package incident

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/util"

	"github.com/slatehq/slate/sla"
)

// MaxPostmortemBytes bounds a post-mortem's markdown: far more than any
// honest write-up needs, small enough that rendering one stays cheap.
const MaxPostmortemBytes = 1 << 20

// TenantImpact is what an incident means for one contract of one tenant:
// its breach minutes and credit exposure. The fields are already formatted
// by the caller (the credit engine knows the contract's units and
// currency). It is private to the tenant: its page shows its own rows,
// staff see all, and a post-mortem, which every reader of the incident
// reads, carries only their total (ImpactTotal).
type TenantImpact struct {
	Tenant        string
	Contract      string
	BreachMinutes string // "42", or "42.5" when minutes are split
	Exposure      string // the credit owed, as an amount: "120.00"
	Currency      string // ISO 4217 code, "EUR"
}

// ImpactTotal is an incident's impact as a post-mortem may publish it: how
// many customers it touched and their breach minutes summed. It names no
// one and carries no money (currencies do not add up).
type ImpactTotal struct {
	Customers     int
	BreachMinutes string // exact, formatted as TenantImpact's
}

// TotalImpact adds rows up: each tenant counted once (those with breach
// minutes), the breach minutes summed exactly.
func TotalImpact(rows []TenantImpact) (ImpactTotal, error) {
	sum := new(big.Rat)
	tenants := map[string]bool{}
	for _, r := range rows {
		m, err := sla.ParseDecimal(r.BreachMinutes)
		if err != nil {
			return ImpactTotal{}, fmt.Errorf("impact of %s: breach minutes %q: %w", r.Contract, r.BreachMinutes, err)
		}
		if m.Sign() > 0 {
			tenants[r.Tenant] = true
		}
		sum.Add(sum, m)
	}
	return ImpactTotal{Customers: len(tenants), BreachMinutes: sla.FormatTrim(sum, 2)}, nil
}

// SeveralServices stands for the services of an incident when a view of
// it may name none: its readers share none of them.
const SeveralServices = "Several services"

// Template returns the markdown a post-mortem starts from: a header naming
// the service, severity and times, the total impact, the timeline filled
// in from inc's entries in time order (UTC, RFC 3339), and empty sections
// for people to write: Summary, Root cause, Resolution, Action items.
//
// A published post-mortem is read by everyone who sees the incident, so
// inc must be the view of it they all may read (catalog.PublishedView)
// and the impact is a total: no tenant's name, check or figures. Text
// taken from inc is escaped, so it reads as written and adds no markup.
func Template(inc Incident, impact ImpactTotal) string {
	var b strings.Builder
	day := inc.Started.UTC().Format(time.DateOnly)
	service := cmp.Or(inc.Service, SeveralServices) // a view naming none its readers share
	fmt.Fprintf(&b, "# Post-mortem: %s incident of %s\n\n", escapeInline(service), day)
	fmt.Fprintf(&b, "- **Service:** %s\n", escapeInline(service))
	fmt.Fprintf(&b, "- **Severity:** %s\n", escapeInline(string(inc.Severity)))
	fmt.Fprintf(&b, "- **Started:** %s\n", utc(inc.Started))
	if inc.Ended.IsZero() {
		b.WriteString("- **Ended:** ongoing\n")
	} else {
		fmt.Fprintf(&b, "- **Ended:** %s (%s)\n", utc(inc.Ended), inc.Ended.Sub(inc.Started))
	}

	b.WriteString("\n## Summary\n\n")

	b.WriteString("## Impact\n\n")
	switch impact.Customers {
	case 0:
		b.WriteString("No customer impact recorded.\n\n")
	case 1:
		fmt.Fprintf(&b, "1 customer, %s breach minutes. It sees its own figures on its status page.\n\n", escapeInline(impact.BreachMinutes))
	default:
		fmt.Fprintf(&b, "%d customers, %s breach minutes in total. Each sees its own figures on its status page.\n\n",
			impact.Customers, escapeInline(impact.BreachMinutes))
	}

	b.WriteString("## Timeline\n\nAll times are UTC.\n\n")
	entries := inc.ReadersTimeline() // a fresh slice: notes for staff are not for publication
	slices.SortStableFunc(entries, func(a, b Entry) int { return a.At.Compare(b.At) })
	for _, e := range entries {
		fmt.Fprintf(&b, "- %s %s (%s)", utc(e.At), escapeInline(string(e.Kind)), escapeInline(string(e.Status)))
		if e.Author != "" {
			fmt.Fprintf(&b, ", by %s", escapeInline(e.Author))
		}
		if e.Body != "" {
			fmt.Fprintf(&b, ": %s", escapeInline(e.Body))
		}
		b.WriteString("\n")
	}
	if len(entries) == 0 {
		b.WriteString("No entries recorded.\n")
	}

	b.WriteString("\n## Root cause\n\n")
	b.WriteString("## Resolution\n\n")
	b.WriteString("## Action items\n")
	return b.String()
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// escapeInline makes s one line of literal markdown text: line breaks
// become spaces and every character markdown or a GFM table could read as
// syntax is backslash-escaped.
func escapeInline(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// linkRel is what every link in a rendered post-mortem carries: search
// engines give the author's links no credit, and a page opened from one
// gets no handle on the status page.
const linkRel = "nofollow noopener"

// Render turns a post-mortem's markdown into HTML safe to put in a page.
// goldmark renders CommonMark with GFM tables, strikethrough and bare-URL
// links, omitting raw HTML and dangerous link URLs; then a bluemonday
// policy built on its UGC policy keeps only harmless elements and
// attributes: no script, style, iframe, object, embed, form or SVG; no
// event handlers or style attributes; link and image URLs only http,
// https, mailto or relative; no images (see images.go: an image becomes a
// link to it). Either layer alone would stop the usual attacks; the
// sanitiser is the one that decides. Every link gets
// rel="nofollow noopener". Markdown larger than MaxPostmortemBytes is
// refused.
func Render(markdown string) (template.HTML, error) {
	if len(markdown) > MaxPostmortemBytes {
		return "", fmt.Errorf("render post-mortem: %d bytes, more than the %d allowed", len(markdown), MaxPostmortemBytes)
	}
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.Linkify,
		),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(imagesAsLinks{}, 100))),
	)
	var buf bytes.Buffer
	if err := md.Convert([]byte(markdown), &buf); err != nil {
		return "", fmt.Errorf("render post-mortem: %w", err)
	}
	return template.HTML(sanitize(buf.String())), nil
}

// sanitize keeps what policy allows and gives every link rel="nofollow
// noopener". The policy puts rel="nofollow", and only that, on every link
// with a URL (it allows no rel of the author's); in its output a quote
// outside an attribute value is written &#34;, so the string below can only
// be that attribute.
func sanitize(html string) string {
	return dropImages(strings.ReplaceAll(policy().Sanitize(html), ` rel="nofollow"`, ` rel="`+linkRel+`"`))
}

// policy is the sanitiser's allow-list, built per call because a
// bluemonday.Policy is mutable and the package keeps no state.
func policy() *bluemonday.Policy {
	// UGC allows the URL schemes http, https and mailto, and relative
	// URLs, and nothing else: no data:, javascript: or vbscript:. It already
	// drops script, style, iframe, object, embed, form, input and svg, and
	// every on* and style attribute.
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	// Table column alignment, as the table extension writes it.
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")
	return p
}
