// Package golden compares test output with files under testdata, or
// rewrites them when the test runs with its package's -update flag.
//
// Allowed imports: the standard library only.
package golden

import (
	"os"
	"testing"
)

// Check compares got with the file at path; with update it writes got
// there instead. A difference fails t and shows what was produced.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}
