package slacase_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
)

// TestEncodeRoundTrips: every worked case of the spec and of sla's
// testdata, decoded, evaluated and encoded with its answer, decodes to a
// case with the same answer, and that answer passes the file's own check
// (what `slate calc --check` runs).
func TestEncodeRoundTrips(t *testing.T) {
	files, _ := filepath.Glob("../../shared/spec/cases/*.json")
	more, _ := filepath.Glob("../sla/testdata/cases/*.json")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no cases found")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := slacase.Decode(raw)
			if err != nil {
				t.Skipf("not a valid case: %v", err)
			}
			out, err := sla.Evaluate(f.Case)
			if err != nil {
				t.Skipf("refused by the engine: %v", err)
			}
			enc, err := slacase.Encode(f.Case, out.Report())
			if err != nil {
				t.Fatal(err)
			}
			g, err := slacase.Decode(enc)
			if err != nil {
				t.Fatalf("decode the encoding: %v\n%s", err, enc)
			}
			again, err := sla.Evaluate(g.Case)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again.Report(), out.Report()) {
				t.Errorf("report after the round trip %+v, want %+v", again.Report(), out.Report())
			}
			diffs, err := g.Check(again.Report())
			if err != nil || len(diffs) > 0 {
				t.Errorf("check of the encoded answer: %v %v", diffs, err)
			}
		})
	}
}
