package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/slatehq/slate/store"
)

// RecordCloses records many closes as RecordClose does, in one transaction:
// a month's close for thousands of contracts costs one durable commit, not
// one each. A close that is refused (bad input, a changed currency or
// period) is refused before it writes anything, so it is skipped alone;
// errs[i] is close i's refusal. err reports a failure of the transaction
// itself, in which case nothing was recorded.
func (d *DB) RecordCloses(ctx context.Context, cs []Closing, actor string) (errs []error, err error) {
	errs = make([]error, len(cs))
	for i, c := range cs {
		if e := store.CheckClose(c.Credit, actor); e != nil {
			errs[i] = fmt.Errorf("record close of %s/%s/%s: %w", c.Credit.Tenant, c.Credit.Contract, c.Credit.Period, e)
		}
	}
	err = d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := d.opts.Now()
		for i, c := range cs {
			if errs[i] != nil {
				continue // refused before the transaction
			}
			_, _, e := recordCloseTx(ctx, tx, now, c.Credit, c.AutoIssue, actor)
			var refused *store.CloseRefusal
			switch {
			case errors.As(e, &refused):
				errs[i] = fmt.Errorf("record close of %s/%s/%s: %w", c.Credit.Tenant, c.Credit.Contract, c.Credit.Period, e)
			case e != nil:
				return e // a failed write: the whole batch rolls back
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("record closes: %w", err)
	}
	return errs, nil
}
