package sla_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/slacase"
)

// TestPublishedCases runs the worked examples taken from published SLAs
// (testdata/cases) and requires every expected field, byte for byte.
func TestPublishedCases(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found %d case files in testdata/cases, want at least 10", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := slacase.Decode(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			out, err := sla.Evaluate(f.Case)
			if err != nil {
				t.Fatalf("evaluate: %v", err)
			}
			got := reportFields(t, out.Report())
			var doc struct {
				Expected map[string]any `json:"expected"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Expected) == 0 {
				t.Fatal("case file has no expected fields")
			}
			for k, want := range doc.Expected {
				if g, ok := got[k]; !ok || g != want {
					t.Errorf("%s: got %#v, want %#v", k, g, want)
				}
			}
		})
	}
}

// reportFields is the report as the JSON output has it.
func reportFields(t *testing.T, r sla.Report) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
