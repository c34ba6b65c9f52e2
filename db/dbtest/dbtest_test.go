package dbtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
)

func TestOpenReturnsMigratedDatabase(t *testing.T) {
	d := dbtest.Open(t)
	_, err := d.LatestResults(context.Background(), "nope", 1)
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound from a migrated, empty database", err)
	}
}
