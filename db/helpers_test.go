package db_test

import (
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// The SQLite-only tests build their results with the store suite's
// helpers, under short names.

func at(min, sec int) time.Time { return storetest.At(min, sec) }

func fixedNow() time.Time { return storetest.FixedNow() }

func run(check, loc string, at time.Time, ok bool) sla.Result {
	return storetest.Result(check, loc, at, ok)
}

func write(t *testing.T, d *db.DB, rs ...sla.Result) { t.Helper(); storetest.Write(t, d, rs...) }

func openDB(t *testing.T) *db.DB {
	t.Helper()
	return dbtest.OpenOptions(t, db.Options{Now: fixedNow})
}

func dbtestOpen(t *testing.T, opts db.Options) *db.DB {
	t.Helper()
	return dbtest.OpenOptions(t, opts)
}
