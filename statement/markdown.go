package statement

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mdEscaper backslash-escapes the characters that would turn text into
// Markdown markup (emphasis, links, inline HTML, code, table cells).
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, `~`, `\~`, `#`, `\#`,
)

func md(s string) string { return mdEscaper.Replace(s) }

// WriteMarkdown renders s as Markdown, for e-mail bodies, tickets and the
// command line. It refuses an invalid statement with Validate's error.
func WriteMarkdown(w io.Writer, s Statement) error {
	if err := s.Validate(); err != nil {
		return err
	}
	p := newPage(s)
	b := bufio.NewWriter(w)
	writeMarkdownHeader(b, p)
	if p.NoCredit {
		fmt.Fprintf(b, "%s\n\n", md(p.Application))
	}
	for _, c := range p.Contracts {
		writeMarkdownContract(b, c)
	}
	if len(p.Adjustments) > 0 {
		fmt.Fprintf(b, "## Adjustments of credits stated earlier\n\n")
		for _, a := range p.Adjustments {
			writeMarkdownAdjustment(b, a)
		}
	}
	if !p.NoCredit {
		fmt.Fprintf(b, "## Total\n\n")
		for _, t := range p.Totals {
			fmt.Fprintf(b, "- **%s**", md(t.Amount))
			if t.Pending != "" {
				fmt.Fprintf(b, " (of which %s pending approval)", md(t.Pending))
			}
			fmt.Fprintln(b)
		}
		fmt.Fprintf(b, "\n%s\n\n", md(p.Application))
	}
	fmt.Fprintf(b, "## How this was measured\n\n%s\n", md(p.Method))
	if p.Provider.SupportURL != "" || p.Provider.Email != "" {
		fmt.Fprintf(b, "\nQuestions about this statement: %s\n", md(supportText(p.Provider)))
	}
	return b.Flush()
}

// supportText is where to ask: the support URL, else the contact address.
func supportText(p providerLines) string {
	if p.SupportURL != "" {
		return p.SupportURL
	}
	return p.Email
}

func writeMarkdownHeader(b io.Writer, p page) {
	fmt.Fprintf(b, "# Credit statement %s\n\n", md(p.Number))
	if p.Provider.LogoURL != "" {
		fmt.Fprintf(b, "![%s](<%s>)\n\n", md(p.Provider.Name), p.Provider.LogoURL)
	}
	lines := append([]string{"**" + md(p.Provider.Name) + "**"}, mdAll(p.Provider.Address)...)
	if c := p.Provider.Contact(); c != "" {
		lines = append(lines, md(c))
	}
	fmt.Fprintf(b, "%s\n\n", strings.Join(lines, "  \n"))
	mdFacts(b, p.Facts())
	if p.Internal {
		fmt.Fprintf(b, "> Internal copy: it shows notes for the provider's staff. Do not send it to the customer.\n\n")
	}
}

// mdFacts writes label and value rows as a two-column table.
func mdFacts(b io.Writer, fs []fact) {
	fmt.Fprintf(b, "| | |\n|---|---|\n")
	for _, f := range fs {
		fmt.Fprintf(b, "| %s | %s |\n", f.Label, md(f.Text()))
	}
	fmt.Fprintln(b)
}

func mdAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = md(s)
	}
	return out
}

func writeMarkdownContract(b io.Writer, c contractLines) {
	fmt.Fprintf(b, "## %s\n\n", md(c.Name))
	if c.Services != "" {
		fmt.Fprintf(b, "Services: %s\n\n", md(c.Services))
	}
	mdFacts(b, c.Facts())
	if len(c.Incidents) > 0 {
		fmt.Fprintf(b, "Incidents:\n\n")
		for _, in := range c.Incidents {
			title := "**" + md(in.Title) + "**"
			if in.URL != "" {
				title = "[" + title + "](<" + in.URL + ">)"
			}
			fmt.Fprintf(b, "- %s", title)
			if in.Service != "" {
				fmt.Fprintf(b, " (%s)", md(in.Service))
			}
			fmt.Fprintf(b, ": %s", md(in.When))
			if in.Downtime != "" {
				fmt.Fprintf(b, "; %s of downtime", md(in.Downtime))
			}
			fmt.Fprintln(b)
		}
		fmt.Fprintln(b)
	}
	if len(c.Exclusions) > 0 {
		fmt.Fprintf(b, "Excluded time:\n\n")
		for _, x := range c.Exclusions {
			fmt.Fprintf(b, "- %s, %s: %s\n", x.Kind, md(x.When), md(x.Reason))
			if x.Internal != "" {
				fmt.Fprintf(b, "  - *Internal:* %s\n", md(x.Internal))
			}
		}
		fmt.Fprintln(b)
	}
	if c.Internal != "" {
		fmt.Fprintf(b, "*Internal:* %s\n\n", md(c.Internal))
	}
}

func writeMarkdownAdjustment(b io.Writer, a adjustmentLines) {
	fmt.Fprintf(b, "### %s, %s\n\n", md(a.Contract), md(a.Period))
	mdFacts(b, a.Facts())
	if a.Internal != "" {
		fmt.Fprintf(b, "*Internal:* %s\n\n", md(a.Internal))
	}
}
