package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slatehq/slate/store"
)

// kindFor is an alert of key for receiver of the given kind.
func kindFor(key, receiver, kind string) store.Alert {
	a := AlertFor(key, receiver)
	a.Kind = kind
	return a
}

// testOutboxQueuesPerKeyAndReceiver enqueues an incident's trigger, update
// and resolve for two receivers: each receiver is offered them one at a
// time and in order, a retry of the head (even one due later) holds the
// rest back, and a given-up head lets the next through. Another key's
// alerts are not held back by them. DueAlerts and ClaimAlerts agree.
func testOutboxQueuesPerKeyAndReceiver(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	now := FixedNow()
	if err := d.Enqueue(ctx, []store.Alert{kindFor("incident/1", "pager", "trigger"), kindFor("incident/1", "chat", "trigger")}); err != nil {
		t.Fatal(err)
	}
	if err := d.Enqueue(ctx, []store.Alert{kindFor("incident/1", "pager", "update"), kindFor("incident/1", "chat", "update"),
		kindFor("incident/2", "pager", "trigger")}); err != nil {
		t.Fatal(err)
	}
	if err := d.Enqueue(ctx, []store.Alert{kindFor("incident/1", "pager", "resolve")}); err != nil {
		t.Fatal(err)
	}
	due := func(at time.Time) []string {
		t.Helper()
		as, err := d.DueAlerts(ctx, at, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.DedupKey+" "+a.Receiver+" "+a.Kind)
		}
		slices.Sort(out)
		return out
	}
	byKind := func(key, receiver, kind string) store.Alert {
		t.Helper()
		as, err := d.AlertsByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Receiver == receiver && a.Kind == kind {
				return a
			}
		}
		t.Fatalf("no %s %s %s", key, receiver, kind)
		return store.Alert{}
	}
	want := []string{"incident/1 chat trigger", "incident/1 pager trigger", "incident/2 pager trigger"}
	if got := due(now); !slices.Equal(got, want) {
		t.Fatalf("first: got %v, want %v", got, want)
	}
	// The pager's trigger fails and is retried in ten minutes: its update
	// and resolve wait behind it; the chat's trigger is delivered and its
	// update comes next.
	retry := now.Add(10 * time.Minute)
	pagerTrigger := byKind("incident/1", "pager", "trigger")
	if err := d.RecordAttempt(ctx, pagerTrigger.ID, now, store.AttemptOutcome{Outcome: store.OutcomeRetry, NextAt: retry, Error: "503"}); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordAttempt(ctx, byKind("incident/1", "chat", "trigger").ID, now, store.AttemptOutcome{Outcome: store.OutcomeDelivered, Status: 200}); err != nil {
		t.Fatal(err)
	}
	want = []string{"incident/1 chat update", "incident/2 pager trigger"}
	if got := due(now.Add(time.Minute)); !slices.Equal(got, want) {
		t.Fatalf("behind a retry: got %v, want %v", got, want)
	}
	claimed, err := d.ClaimAlerts(ctx, now.Add(time.Minute), 0, "sender", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) != 2 {
		t.Fatalf("claims behind a retry: got %+v, want the two heads", claimed)
	}
	for _, a := range claimed {
		if a.DedupKey == "incident/1" && a.Receiver == "pager" {
			t.Errorf("claimed %s %s %s behind its queue's pending head", a.DedupKey, a.Receiver, a.Kind)
		}
	}
	// The head is given up: the update is next, then the resolve.
	if err := d.RecordAttempt(ctx, pagerTrigger.ID, retry, store.AttemptOutcome{Outcome: store.OutcomeGaveUp, Status: 400, Error: "bad request"}); err != nil {
		t.Fatal(err)
	}
	if got := due(retry); !slices.Contains(got, "incident/1 pager update") || slices.Contains(got, "incident/1 pager resolve") {
		t.Errorf("after giving up the head: got %v, want the update and not yet the resolve", got)
	}
	if err := d.RecordAttempt(ctx, byKind("incident/1", "pager", "update").ID, retry, store.AttemptOutcome{Outcome: store.OutcomeDelivered, Status: 200}); err != nil {
		t.Fatal(err)
	}
	if got := due(retry); !slices.Contains(got, "incident/1 pager resolve") {
		t.Errorf("after the update: got %v, want the resolve", got)
	}
}

// testClosedThrough records closes of several periods and contracts: each
// contract's latest recorded period end comes back, adjustments and voided
// entries included (the period was closed), and contracts never closed are
// absent.
func testClosedThrough(t *testing.T, s suite) {
	ctx := context.Background()
	d := s.open(t)
	got, err := d.ClosedThrough(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("empty ledger: got %v, %v; want nothing", got, err)
	}
	oct := ClosingOf("2026-10", 100, "a")
	sep := ClosingOf("2026-09", 100, "b")
	sep.PeriodStart, sep.PeriodEnd = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	other := ClosingOf("2026-10", 0, "c")
	other.Contract = "web-basic"
	other.PeriodStart = time.Date(2026, 10, 1, 0, 0, 0, 0, berlin)
	other.PeriodEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, berlin)
	for _, c := range []store.Credit{oct, sep, other} {
		if _, _, err := d.RecordClose(ctx, c, false, "slate/close"); err != nil {
			t.Fatal(err)
		}
	}
	adjusted := oct
	adjusted.EvidenceHash, adjusted.AmountMinor = Evidence("late evidence"), 150
	if _, _, err := d.RecordClose(ctx, adjusted, false, "slate/close"); err != nil {
		t.Fatal(err)
	}
	got, err = d.ClosedThrough(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"mail-gold": oct.PeriodEnd, "web-basic": other.PeriodEnd}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if !got[k].Equal(w) || got[k].Location() != time.UTC {
			t.Errorf("%s: got %v, want %v in UTC", k, got[k], w)
		}
	}
}
