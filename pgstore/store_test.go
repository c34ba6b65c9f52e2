package pgstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// pgFactory gives each test a database of its own on the test cluster.
func pgFactory(t *testing.T) storetest.Opener {
	url := pgtest.NewDatabase(t)
	return func(t *testing.T, o storetest.Options) store.Store {
		t.Helper()
		s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: o.Now, RawRetention: o.RawRetention, MaxConns: 8})
		if err != nil {
			t.Fatalf("open postgres store: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

// TestStore holds PostgreSQL to the store contract's suite.
func TestStore(t *testing.T) {
	storetest.Run(t, pgFactory)
}
