// Package dbtest opens real, migrated slate databases for tests, in
// temporary directories that the test framework removes.
package dbtest

import (
	"path/filepath"
	"testing"

	"github.com/slatehq/slate/db"
)

// Open opens a migrated database with default options in t.TempDir() and
// closes it when the test ends.
func Open(t testing.TB) *db.DB {
	t.Helper()
	return OpenOptions(t, db.Options{})
}

// OpenOptions is Open with options, for tests that fix the clock or watch
// the metrics.
func OpenOptions(t testing.TB, opts db.Options) *db.DB {
	t.Helper()
	d, err := db.Open(filepath.Join(t.TempDir(), "slate.db"), opts)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("close test database: %v", err)
		}
	})
	return d
}
