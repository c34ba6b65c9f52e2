package db_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
)

func alertFor(key, receiver string) db.Alert {
	return db.Alert{DedupKey: key, Receiver: receiver, Kind: "trigger", Payload: []byte(`{"dedup_key":"` + key + `"}`)}
}

func TestEnqueueAndDue(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	later := fixedNow().Add(time.Minute)
	a2 := alertFor("incident/2", "slack")
	a2.NextAt = later
	if err := d.Enqueue(ctx, []db.Alert{alertFor("incident/1", "pager"), a2}); err != nil {
		t.Fatal(err)
	}
	due, err := d.DueAlerts(ctx, fixedNow(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].DedupKey != "incident/1" {
		t.Fatalf("got %+v, want only incident/1 due", due)
	}
	a := due[0]
	if a.State != db.AlertPending || a.Attempts != 0 || !a.CreatedAt.Equal(fixedNow()) || !a.NextAt.Equal(fixedNow()) {
		t.Errorf("got %+v, want pending, 0 attempts, created and due at %v", a, fixedNow())
	}
	if string(a.Payload) != `{"dedup_key":"incident/1"}` || a.Receiver != "pager" || a.Kind != "trigger" {
		t.Errorf("got %+v, want the enqueued fields back", a)
	}
	due, err = d.DueAlerts(ctx, later, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 {
		t.Fatalf("got %d due at %v, want 2", len(due), later)
	}
	if n, err := d.PendingAlerts(ctx); err != nil || n != 2 {
		t.Fatalf("got %d, %v pending, want 2", n, err)
	}
}

func TestEnqueueRejectsIncompleteAlerts(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	for _, tc := range []struct {
		name string
		a    db.Alert
	}{
		{"no key", db.Alert{Receiver: "r", Kind: "trigger", Payload: []byte("{}")}},
		{"no receiver", db.Alert{DedupKey: "k", Kind: "trigger", Payload: []byte("{}")}},
		{"no kind", db.Alert{DedupKey: "k", Receiver: "r", Payload: []byte("{}")}},
		{"no payload", db.Alert{DedupKey: "k", Receiver: "r", Kind: "trigger"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.Enqueue(ctx, []db.Alert{alertFor("ok", "r"), tc.a}); err == nil {
				t.Fatal("got nil, want an error")
			}
		})
	}
	if n, err := d.PendingAlerts(ctx); err != nil || n != 0 {
		t.Fatalf("got %d, %v pending, want 0: a rejected batch enqueues nothing", n, err)
	}
}

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
		return []db.Alert{alertFor("incident/7", "r"), {DedupKey: "bad"}}, nil
	})
	if err == nil {
		t.Fatal("got nil, want an error for an incomplete alert")
	}
	if n, err := d.PendingAlerts(ctx); err != nil || n != 0 {
		t.Fatalf("got %d, %v pending, want 0 after two rolled-back transactions", n, err)
	}
	err = d.UpdateWithAlerts(ctx, func(ctx context.Context, tx *sql.Tx) ([]db.Alert, error) {
		return []db.Alert{alertFor("incident/7", "r")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if as, err := d.AlertsByKey(ctx, "incident/7"); err != nil || len(as) != 1 {
		t.Fatalf("got %v, %v, want one alert", as, err)
	}
}

func TestRecordAttempt(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	if err := d.Enqueue(ctx, []db.Alert{alertFor("incident/1", "r"), alertFor("incident/2", "r")}); err != nil {
		t.Fatal(err)
	}
	due, err := d.DueAlerts(ctx, fixedNow(), 0)
	if err != nil || len(due) != 2 {
		t.Fatalf("got %v, %v, want 2 due", due, err)
	}
	id1, id2 := due[0].ID, due[1].ID
	t0 := fixedNow()
	retryAt := t0.Add(3 * time.Second)
	if err := d.RecordAttempt(ctx, id1, t0, db.AttemptOutcome{Outcome: db.OutcomeRetry, Status: 500, NextAt: retryAt, Error: "status 500"}); err != nil {
		t.Fatal(err)
	}
	a, err := d.Alert(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != db.AlertPending || a.Attempts != 1 || !a.NextAt.Equal(retryAt) || a.LastError != "status 500" {
		t.Errorf("got %+v, want pending, 1 attempt, next %v, last error", a, retryAt)
	}
	if due, _ := d.DueAlerts(ctx, t0, 0); len(due) != 1 || due[0].ID != id2 {
		t.Errorf("got %+v due, want only alert %d before its retry", due, id2)
	}
	if err := d.RecordAttempt(ctx, id1, retryAt, db.AttemptOutcome{Outcome: db.OutcomeDelivered, Status: 202}); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordAttempt(ctx, id2, t0, db.AttemptOutcome{Outcome: db.OutcomeGaveUp, Status: 400, Error: "status 400"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := d.Alert(ctx, id1); a.State != db.AlertDelivered || a.Attempts != 2 || a.LastError != "" {
		t.Errorf("got %+v, want delivered after 2 attempts", a)
	}
	if a, _ := d.Alert(ctx, id2); a.State != db.AlertFailed || a.LastError != "status 400" {
		t.Errorf("got %+v, want failed with its error", a)
	}
	if n, _ := d.PendingAlerts(ctx); n != 0 {
		t.Errorf("got %d pending, want 0", n)
	}
	// A late duplicate attempt is recorded but changes nothing.
	err = d.RecordAttempt(ctx, id1, retryAt.Add(time.Second), db.AttemptOutcome{Outcome: db.OutcomeRetry, Status: 500, NextAt: retryAt, Error: "x"})
	if !errors.Is(err, db.ErrAlertState) {
		t.Fatalf("got %v, want ErrAlertState", err)
	}
	if a, _ := d.Alert(ctx, id1); a.State != db.AlertDelivered {
		t.Errorf("got %s, want delivered to stay", a.State)
	}
	atts, err := d.Attempts(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	want := []db.Attempt{
		{AlertID: id1, At: t0, Outcome: db.OutcomeRetry, Status: 500, Error: "status 500"},
		{AlertID: id1, At: retryAt, Outcome: db.OutcomeDelivered, Status: 202},
		{AlertID: id1, At: retryAt.Add(time.Second), Outcome: db.OutcomeRetry, Status: 500, Error: "x"},
	}
	if len(atts) != len(want) {
		t.Fatalf("got %+v, want %+v", atts, want)
	}
	for i := range want {
		if atts[i] != want[i] {
			t.Errorf("attempt %d: got %+v, want %+v", i, atts[i], want[i])
		}
	}
	if err := d.RecordAttempt(ctx, 999, t0, db.AttemptOutcome{Outcome: db.OutcomeDelivered}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
	if err := d.RecordAttempt(ctx, id2, t0, db.AttemptOutcome{Outcome: db.OutcomeRetry}); err == nil {
		t.Error("got nil, want an error for a retry without a time")
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/slate.db"
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Enqueue(ctx, []db.Alert{alertFor("incident/1", "r")}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = db.Open(path, db.Options{Now: fixedNow}) // migrates again: a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if due, err := d.DueAlerts(ctx, fixedNow(), 0); err != nil || len(due) != 1 {
		t.Fatalf("got %v, %v, want the alert back after reopening", due, err)
	}
}
