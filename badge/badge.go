package badge

import (
	"bytes"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Status is a service's state as the status page shows it.
type Status string

// Statuses, with the words a badge shows.
const (
	Operational   Status = "operational"
	Degraded      Status = "degraded"
	PartialOutage Status = "partial outage"
	MajorOutage   Status = "major outage"
	Maintenance   Status = "maintenance"
)

// Colours of the message side: each keeps at least 4.5:1 contrast with the
// white text, and the state is always in words too.
const (
	colourGreen  = "#1e7e34"
	colourYellow = "#8a6d00"
	colourOrange = "#b35400"
	colourRed    = "#b3261e"
	colourBlue   = "#3459b7"
	colourGrey   = "#555555"
)

func (s Status) colour() (string, bool) {
	switch s {
	case Operational:
		return colourGreen, true
	case Degraded:
		return colourYellow, true
	case PartialOutage:
		return colourOrange, true
	case MajorOutage:
		return colourRed, true
	case Maintenance:
		return colourBlue, true
	}
	return "", false
}

// maxText bounds a label or message, in characters.
const maxText = 100

var (
	colourRE  = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	decimalRE = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,10})?$`)
)

// StatusBadge draws "label | status", coloured by the status. An empty
// label means "status".
func StatusBadge(label string, s Status) ([]byte, error) {
	c, ok := s.colour()
	if !ok {
		return nil, fmt.Errorf("status badge: status %q is not one of operational, degraded, partial outage, major outage, maintenance", s)
	}
	if label == "" {
		label = "status"
	}
	return Render(label, string(s), c)
}

// UptimeBadge draws "label | 99.95%" with the percentage exactly as given
// (a decimal string such as the status page computes; it is not rounded
// here). It is green when the percentage meets target, red when it does
// not, and blue when target is "". An empty label means "uptime".
func UptimeBadge(label, percent, target string) ([]byte, error) {
	p, err := parsePercent("percent", percent)
	if err != nil {
		return nil, fmt.Errorf("uptime badge: %w", err)
	}
	c := colourBlue
	if target != "" {
		t, err := parsePercent("target", target)
		if err != nil {
			return nil, fmt.Errorf("uptime badge: %w", err)
		}
		c = colourRed
		if p.Cmp(t) >= 0 {
			c = colourGreen
		}
	}
	if label == "" {
		label = "uptime"
	}
	return Render(label, percent+"%", c)
}

// parsePercent reads a decimal percentage in [0, 100], exactly.
func parsePercent(field, s string) (*big.Rat, error) {
	if !decimalRE.MatchString(s) {
		return nil, fmt.Errorf("%s: %q is not a decimal percentage such as \"99.95\"", field, s)
	}
	r, _ := new(big.Rat).SetString(s)
	if r.Cmp(big.NewRat(100, 1)) > 0 {
		return nil, fmt.Errorf("%s: %s is more than 100", field, s)
	}
	return r, nil
}

// Render draws a flat, shields-style badge: label on grey, message on
// colour (#rrggbb, lower case). Text is escaped for XML, control
// characters become U+FFFD, and each side is sized from the font metrics
// table, so no font or network is needed.
func Render(label, message, colour string) ([]byte, error) {
	if !colourRE.MatchString(colour) {
		return nil, fmt.Errorf("badge: colour %q is not #rrggbb in lower case", colour)
	}
	for _, f := range []struct{ name, text string }{{"label", label}, {"message", message}} {
		if strings.TrimSpace(f.text) == "" {
			return nil, fmt.Errorf("badge: %s is empty", f.name)
		}
		if utf8.RuneCountInString(f.text) > maxText {
			return nil, fmt.Errorf("badge: %s is longer than %d characters", f.name, maxText)
		}
	}
	label, message = clean(label), clean(message)
	// Widths in tenths of a pixel, then whole pixels with 5 px of padding
	// on each side of each text.
	lt, mt := TextWidth(label), TextWidth(message)
	lw, mw := (lt+9)/10+10, (mt+9)/10+10
	w := lw + mw
	var b bytes.Buffer
	title := escape(label) + ": " + escape(message)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s">`, w, title)
	fmt.Fprintf(&b, `<title>%s</title>`, title)
	b.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	fmt.Fprintf(&b, `<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`, w)
	fmt.Fprintf(&b, `<g clip-path="url(#r)"><rect width="%d" height="20" fill="%s"/><rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`,
		lw, colourGrey, lw, mw, colour, w)
	b.WriteString(`<g fill="#fff" text-anchor="middle" font-family="DejaVu Sans,Verdana,Geneva,sans-serif" text-rendering="geometricPrecision" font-size="110">`)
	text := func(x, tw int, s string) {
		fmt.Fprintf(&b, `<text aria-hidden="true" x="%d" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="%d">%s</text>`, x, tw, escape(s))
		fmt.Fprintf(&b, `<text x="%d" y="140" transform="scale(.1)" fill="#fff" textLength="%d">%s</text>`, x, tw, escape(s))
	}
	text(lw*5, lt, label)
	text(lw*10+mw*5, mt, message)
	b.WriteString(`</g></svg>`)
	return b.Bytes(), nil
}

// clean replaces what XML 1.0 cannot carry (control characters, invalid
// UTF-8) with U+FFFD.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func escape(s string) string { return xmlEscaper.Replace(s) }

// TextWidth is the width of s in DejaVu Sans at 11 px, in tenths of a
// pixel, rounded up: the sum of the glyphs' advance widths from the
// metrics table (advance), which is generated from the embedded font.
// Characters the table lacks count as wide as "M", so a badge is never too
// narrow for its text.
func TextWidth(s string) int {
	units := 0
	for _, r := range s {
		a, ok := advance(r)
		if !ok {
			a, _ = advance('M')
		}
		units += a
	}
	return (units*110 + unitsPerEm - 1) / unitsPerEm
}
