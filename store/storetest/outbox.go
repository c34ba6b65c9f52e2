package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// AlertFor is a trigger alert of key for receiver.
func AlertFor(key, receiver string) store.Alert {
	return store.Alert{DedupKey: key, Receiver: receiver, Kind: "trigger", Payload: []byte(`{"dedup_key":"` + key + `"}`)}
}

func testEnqueueAndDue(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	later := FixedNow().Add(time.Minute)
	a2 := AlertFor("incident/2", "slack")
	a2.NextAt = later
	if err := d.Enqueue(ctx, []store.Alert{AlertFor("incident/1", "pager"), a2}); err != nil {
		t.Fatal(err)
	}
	due, err := d.DueAlerts(ctx, FixedNow(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].DedupKey != "incident/1" {
		t.Fatalf("got %+v, want only incident/1 due", due)
	}
	a := due[0]
	if a.State != store.AlertPending || a.Attempts != 0 || !a.CreatedAt.Equal(FixedNow()) || !a.NextAt.Equal(FixedNow()) {
		t.Errorf("got %+v, want pending, 0 attempts, created and due at %v", a, FixedNow())
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

func testEnqueueRejectsIncompleteAlerts(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	for _, tc := range []struct {
		name string
		a    store.Alert
	}{
		{"no key", store.Alert{Receiver: "r", Kind: "trigger", Payload: []byte("{}")}},
		{"no receiver", store.Alert{DedupKey: "k", Kind: "trigger", Payload: []byte("{}")}},
		{"no kind", store.Alert{DedupKey: "k", Receiver: "r", Payload: []byte("{}")}},
		{"no payload", store.Alert{DedupKey: "k", Receiver: "r", Kind: "trigger"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := d.Enqueue(ctx, []store.Alert{AlertFor("ok", "r"), tc.a}); err == nil {
				t.Fatal("got nil, want an error")
			}
		})
	}
	if n, err := d.PendingAlerts(ctx); err != nil || n != 0 {
		t.Fatalf("got %d, %v pending, want 0: a rejected batch enqueues nothing", n, err)
	}
}

func testRecordAttempt(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	if err := d.Enqueue(ctx, []store.Alert{AlertFor("incident/1", "r"), AlertFor("incident/2", "r")}); err != nil {
		t.Fatal(err)
	}
	due, err := d.DueAlerts(ctx, FixedNow(), 0)
	if err != nil || len(due) != 2 {
		t.Fatalf("got %v, %v, want 2 due", due, err)
	}
	id1, id2 := due[0].ID, due[1].ID
	t0 := FixedNow()
	retryAt := t0.Add(3 * time.Second)
	if err := d.RecordAttempt(ctx, id1, t0, store.AttemptOutcome{Outcome: store.OutcomeRetry, Status: 500, NextAt: retryAt, Error: "status 500"}); err != nil {
		t.Fatal(err)
	}
	a, err := d.Alert(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != store.AlertPending || a.Attempts != 1 || !a.NextAt.Equal(retryAt) || a.LastError != "status 500" {
		t.Errorf("got %+v, want pending, 1 attempt, next %v, last error", a, retryAt)
	}
	if due, _ := d.DueAlerts(ctx, t0, 0); len(due) != 1 || due[0].ID != id2 {
		t.Errorf("got %+v due, want only alert %d before its retry", due, id2)
	}
	if err := d.RecordAttempt(ctx, id1, retryAt, store.AttemptOutcome{Outcome: store.OutcomeDelivered, Status: 202}); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordAttempt(ctx, id2, t0, store.AttemptOutcome{Outcome: store.OutcomeGaveUp, Status: 400, Error: "status 400"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := d.Alert(ctx, id1); a.State != store.AlertDelivered || a.Attempts != 2 || a.LastError != "" {
		t.Errorf("got %+v, want delivered after 2 attempts", a)
	}
	if a, _ := d.Alert(ctx, id2); a.State != store.AlertFailed || a.LastError != "status 400" {
		t.Errorf("got %+v, want failed with its error", a)
	}
	if n, _ := d.PendingAlerts(ctx); n != 0 {
		t.Errorf("got %d pending, want 0", n)
	}
	// A late duplicate attempt is recorded but changes nothing.
	err = d.RecordAttempt(ctx, id1, retryAt.Add(time.Second), store.AttemptOutcome{Outcome: store.OutcomeRetry, Status: 500, NextAt: retryAt, Error: "x"})
	if !errors.Is(err, store.ErrAlertState) {
		t.Fatalf("got %v, want ErrAlertState", err)
	}
	if a, _ := d.Alert(ctx, id1); a.State != store.AlertDelivered {
		t.Errorf("got %s, want delivered to stay", a.State)
	}
	atts, err := d.Attempts(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Attempt{
		{AlertID: id1, At: t0, Outcome: store.OutcomeRetry, Status: 500, Error: "status 500"},
		{AlertID: id1, At: retryAt, Outcome: store.OutcomeDelivered, Status: 202},
		{AlertID: id1, At: retryAt.Add(time.Second), Outcome: store.OutcomeRetry, Status: 500, Error: "x"},
	}
	if len(atts) != len(want) {
		t.Fatalf("got %+v, want %+v", atts, want)
	}
	for i := range want {
		if atts[i] != want[i] {
			t.Errorf("attempt %d: got %+v, want %+v", i, atts[i], want[i])
		}
	}
	if err := d.RecordAttempt(ctx, 999, t0, store.AttemptOutcome{Outcome: store.OutcomeDelivered}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound", err)
	}
	if err := d.RecordAttempt(ctx, id2, t0, store.AttemptOutcome{Outcome: store.OutcomeRetry}); err == nil {
		t.Error("got nil, want an error for a retry without a time")
	}
}

func testOutboxSurvivesReopen(t *testing.T, s suite) {
	ctx := context.Background()
	reopen := s.fresh(t)
	d := reopen(t, Options{Now: FixedNow})
	if err := d.Enqueue(ctx, []store.Alert{AlertFor("incident/1", "r")}); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d = reopen(t, Options{Now: FixedNow}) // migrates again: a no-op
	defer d.Close()
	if due, err := d.DueAlerts(ctx, FixedNow(), 0); err != nil || len(due) != 1 {
		t.Fatalf("got %v, %v, want the alert back after reopening", due, err)
	}
}
