package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder notes failures instead of failing the real test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	r := &recorder{TB: t}
	Check(r, path, []byte("a"), false)
	if !r.failed {
		t.Error("a missing golden file passed")
	}
	r = &recorder{TB: t}
	Check(r, path, []byte("a"), true)
	if b, _ := os.ReadFile(path); string(b) != "a" || r.failed {
		t.Errorf("update wrote %q (failed %v)", b, r.failed)
	}
	Check(r, path, []byte("a"), false)
	if r.failed {
		t.Error("equal output failed")
	}
	Check(r, path, []byte("b"), false)
	if !r.failed {
		t.Error("different output passed")
	}
}
