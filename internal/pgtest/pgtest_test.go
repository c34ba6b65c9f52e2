package pgtest_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestNewDatabaseIsEmptyAndOwn checks that two tests' databases are
// distinct and empty, and that a database is dropped with its test.
func TestNewDatabaseIsEmptyAndOwn(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("first", func(t *testing.T) {
		first = pgtest.NewDatabase(t)
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `CREATE TABLE mark (x int)`); err != nil {
			t.Fatal(err)
		}
	})
	second := pgtest.NewDatabase(t)
	if second == first {
		t.Fatalf("both tests got %s", second)
	}
	conn, err := pgx.Connect(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("got %d tables in a new database, want 0", n)
	}
	if c, err := pgx.Connect(ctx, first); err == nil {
		c.Close(ctx)
		t.Errorf("the first test's database still exists after it ended")
	}
}
