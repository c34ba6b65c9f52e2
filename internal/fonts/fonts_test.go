package fonts

import (
	"bytes"
	"strings"
	"testing"
)

// TestFilesAreTrueType checks that each embedded file is a TrueType font
// (the sfnt version 1.0 tag) and that the licence names both copyrights.
func TestFilesAreTrueType(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"sans", Sans()},
		{"sans bold", SansBold()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.data) < 100_000 || !bytes.HasPrefix(tc.data, []byte{0, 1, 0, 0}) {
				t.Errorf("got %d bytes starting % x, want a TrueType file", len(tc.data), tc.data[:4])
			}
		})
	}
	for _, want := range []string{"Bitstream Vera Fonts Copyright", "Arev Fonts Copyright"} {
		if !strings.Contains(License(), want) {
			t.Errorf("licence lacks %q", want)
		}
	}
}

// TestCopies checks that changing a returned slice does not change the
// font the next caller gets.
func TestCopies(t *testing.T) {
	a := Sans()
	a[0] = 0xff
	if Sans()[0] != 0 {
		t.Fatal("Sans returned shared bytes")
	}
}
