package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Closing is one period to record with RecordCloses.
type Closing struct {
	Credit    Credit
	AutoIssue bool
}

// RecordCloses records many closes as RecordClose does, in one transaction:
// a month's close for thousands of contracts costs one durable commit, not
// one each. Each close runs inside its own savepoint, so one that is refused
// (a changed currency, bad input) is rolled back alone; errs[i] is close i's
// error. err reports a failure of the transaction itself, in which case
// nothing was recorded.
func (d *DB) RecordCloses(ctx context.Context, cs []Closing, actor string) (errs []error, err error) {
	errs = make([]error, len(cs))
	for i, c := range cs {
		if e := checkClose(c.Credit, actor); e != nil {
			errs[i] = fmt.Errorf("record close of %s/%s/%s: %w", c.Credit.Tenant, c.Credit.Contract, c.Credit.Period, e)
		}
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		for i, c := range cs {
			if errs[i] != nil {
				continue // refused before the transaction
			}
			if _, err := tx.ExecContext(ctx, "SAVEPOINT close"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			if _, _, e := recordCloseTx(ctx, tx, now, c.Credit, c.AutoIssue, actor); e != nil {
				errs[i] = fmt.Errorf("record close of %s/%s/%s: %w", c.Credit.Tenant, c.Credit.Contract, c.Credit.Period, e)
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO close"); err != nil {
					return fmt.Errorf("roll back to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE close"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record closes: %w", err)
	}
	return errs, nil
}
