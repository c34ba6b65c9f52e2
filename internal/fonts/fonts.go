// Package fonts embeds the typefaces slate draws documents with, so that a
// PDF statement or a badge's text metrics do not depend on the fonts of the
// machine that runs slate.
//
// The files are DejaVu Sans and DejaVu Sans Bold 2.37, unmodified; their
// licence (Bitstream Vera and Arev, which permits embedding and
// redistribution with software) is in LICENSE beside them and is embedded
// too, so that a binary that carries the fonts also carries their notice.
//
// The files are embedded as strings, which cannot be modified; the
// functions hand out copies.
//
// Allowed imports: the standard library only.
package fonts

import _ "embed"

var (
	//go:embed DejaVuSans.ttf
	sans string
	//go:embed DejaVuSans-Bold.ttf
	sansBold string
	//go:embed LICENSE
	license string
)

// Sans returns DejaVu Sans (regular), a TrueType file.
func Sans() []byte { return []byte(sans) }

// SansBold returns DejaVu Sans Bold, a TrueType file.
func SansBold() []byte { return []byte(sansBold) }

// License returns the fonts' licence text, to ship with anything that
// embeds them.
func License() string { return license }
