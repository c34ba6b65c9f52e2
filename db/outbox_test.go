package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store/storetest"
)

func TestUpdateWithAlertsIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	boom := errors.New("boom")
	err := d.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		// A state change of the caller's, then a failure: nothing commits.
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (dedup_key, receiver, kind, payload, created_ms, next_ms)
VALUES ('direct', 'r', 'trigger', '{}', 0, 0)`); err != nil {
			return nil, err
		}
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	err = d.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		return []db.Alert{storetest.AlertFor("incident/7", "r"), {DedupKey: "bad"}}, nil
	})
	if err == nil {
		t.Fatal("got nil, want an error for an incomplete alert")
	}
	if n, err := d.PendingAlerts(ctx); err != nil || n != 0 {
		t.Fatalf("got %d, %v pending, want 0 after two rolled-back transactions", n, err)
	}
	err = d.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		return []db.Alert{storetest.AlertFor("incident/7", "r")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if as, err := d.AlertsByKey(ctx, "incident/7"); err != nil || len(as) != 1 {
		t.Fatalf("got %v, %v, want one alert", as, err)
	}
}
