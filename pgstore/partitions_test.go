package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
	"github.com/slatehq/slate/store/storetest"
)

// TestPartitionCreationYieldsToReaders: while an exported snapshot holds
// results open (as during a backup), a write that needs a new day's
// partition must not block a third session that then asks for a shared
// lock on results (pg_dump does, for every table). Were the partition's
// creation to wait in the lock queue for ever, that session would wait
// behind it, and the backup behind that: a cycle no deadlock detector
// sees. The write itself completes once the snapshot ends.
func TestPartitionCreationYieldsToReaders(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	s, err := pgstore.Open(ctx, url, pgstore.Options{Now: storetest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Write(t, s, storetest.Result("api", "a", storetest.At(0, 0), true))

	later := storetest.At(0, 0).Add(72 * time.Hour)
	written := make(chan error, 1)
	err = s.Snapshot(ctx, func(string, store.Counts) error {
		// A result three days on needs a partition that does not exist.
		go func() {
			r := sla.Result{CheckID: "api", Location: "a", At: later, OK: true}
			written <- s.WriteResults(ctx, []sla.Result{r})
		}()
		time.Sleep(300 * time.Millisecond) // the write is now waiting for its lock
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		// pg_dump's own wait is bounded too; 10 s is far beyond one attempt
		// of the partition's creation.
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '10s'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `LOCK TABLE results IN ACCESS SHARE MODE`)
			return err
		})
	})
	if err != nil {
		t.Fatalf("a reader behind the partition's creation: %v", err)
	}
	select {
	case err := <-written:
		if err != nil {
			t.Fatalf("the write that needed a partition: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the write that needed a partition did not finish after the snapshot ended")
	}
	got, err := s.Results(ctx, "api", later, later.Add(time.Minute))
	if err != nil || len(got) != 1 {
		t.Fatalf("got %d results, %v; want the one written", len(got), err)
	}
}
