package db_test

import (
	"path/filepath"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

// sqliteFactory makes each test's database a file in its own temporary
// directory.
func sqliteFactory(t *testing.T) storetest.Opener {
	path := filepath.Join(t.TempDir(), "slate.db")
	return func(t *testing.T, o storetest.Options) store.Store {
		t.Helper()
		d, err := db.Open(path, db.Options{Now: o.Now, RawRetention: o.RawRetention})
		if err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
}

// TestStore holds SQLite to the store contract's suite.
func TestStore(t *testing.T) {
	storetest.Run(t, sqliteFactory)
}
