package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

// listeners counts the sessions listening for page changes on the
// database at url (their last statement was the LISTEN).
func listeners(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN slate_pages' AND pid != pg_backend_pid()`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestListenPagesHearsOtherReplicas: a replica says a change as soon as it
// listens (what committed before is not notified to it), then hears a credit
// another replica records as soon as it commits, and not the evidence
// another writes (ingest stays without triggers); when its connection is
// cut it says so, reconnects, reports a change for what it may have
// missed, and hears the next change.
func TestListenPagesHearsOtherReplicas(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	open := func() *pgstore.Store {
		s, err := pgstore.Open(ctx, url, pgstore.Options{Now: storetest.FixedNow})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	writer, listener := open(), open()
	heard, failed := make(chan struct{}, 16), make(chan error, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		listener.ListenPages(ctx, 50*time.Millisecond, func() { heard <- struct{}{} }, func(err error) { failed <- err })
	}()
	defer func() { cancel(); <-done }()
	select {
	case <-heard: // listening: a change is said at once, for what came before
	case err := <-failed:
		t.Fatalf("listening failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("listening said nothing within 10 s")
	}
	if n := listeners(t, url); n != 1 {
		t.Fatalf("%d sessions listening, want 1", n)
	}

	storetest.Write(t, writer, storetest.Result("web", "local", storetest.At(0, 0), false))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	credit := func(period string) {
		t.Helper()
		_, _, err := writer.RecordClose(ctx, store.Credit{Tenant: "acme", Contract: "acme-c", Period: period,
			PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), UptimeExact: "1", UptimePercent: "100.0000",
			BreachMinutes: "0", CreditPercent: "0", CoveragePercent: "100.0000", Currency: "EUR",
			EvidenceHash: fmt.Sprintf("%064x", len(period))}, false, "close")
		if err != nil {
			t.Fatal(err)
		}
	}
	credit("2026-03")
	select {
	case <-heard:
	case err := <-failed:
		t.Fatalf("listening failed: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("a credit recorded by another replica was not heard within 10 s")
	}
	// The credit's one notification came after the result was written: had
	// the evidence notified, a second would be queued by now.
	select {
	case <-heard:
		t.Error("heard two notifications for one credit after a result was written: ingest notifies")
	case <-time.After(200 * time.Millisecond):
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query = 'LISTEN slate_pages'`); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-failed:
		t.Logf("listening failed, as it should: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the cut connection was not reported")
	}
	select {
	case <-heard: // listening again, for what it may have missed
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported after reconnecting")
	}
	credit("2026-04")
	select {
	case <-heard:
	case <-time.After(10 * time.Second):
		t.Fatal("a credit recorded after the reconnection was not heard")
	}
}
