// Package badge draws shields-style SVG badges for READMEs and intranet
// pages: StatusBadge ("status | operational", coloured by the state) and
// UptimeBadge ("uptime | 99.95%", the exact percentage string the caller
// computed, green when it meets the target and red when not). Render draws
// any label and message.
//
// Functions are pure and return bytes: no I/O, clock or network. Text
// widths come from a table of DejaVu Sans advance widths (widths.go),
// generated from the font embedded in internal/fonts by
// TestWidthTableMatchesFont with -update; the SVG names DejaVu Sans first
// and fixes each text's length, so the badge looks the same wherever it is
// shown. Labels and messages are XML-escaped; characters XML cannot carry
// become U+FFFD.
//
// Caching per snapshot is the caller's (the dashboard renders a badge once
// per status snapshot and serves the bytes).
//
// Allowed imports: the standard library only.
package badge
