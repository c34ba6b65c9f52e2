package pgstore_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slatehq/slate/internal/pgtest"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store/storetest"
)

// racingInsert runs stmt in a transaction of another connection (another
// replica), starts call, waits until call is blocked on that
// transaction's row lock, commits, and waits for call to return: the
// interleaving in which call's statement began before the other replica
// committed the same name.
func racingInsert(t *testing.T, url, stmt string, args []any, call func() error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // committed below unless the test fails first
	if _, err := tx.Exec(ctx, stmt, args...); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the call returned before it waited for the other transaction: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the call never waited for the other transaction's row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// openFresh opens a store on a new database, closed when t ends, and
// returns it with the database's URL.
func openFresh(t *testing.T) (*pgstore.Store, string) {
	t.Helper()
	url := pgtest.NewDatabase(t)
	s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: storetest.FixedNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// TestWriteResultsWhileAnotherReplicaAddsTheCheck writes the first results
// of a check while another process adds the same check name and commits
// after the write's statement began. The name's id must still be found:
// a result stored under no check's id is acknowledged and lost, and a
// second such batch of the same instants is dropped as a duplicate of it.
func TestWriteResultsWhileAnotherReplicaAddsTheCheck(t *testing.T) {
	s, url := openFresh(t)
	r := storetest.Result("api", "fra", storetest.At(0, 0), true)
	racingInsert(t, url, `INSERT INTO checks (name) VALUES ('api')`, nil, func() error {
		return s.WriteResults(context.Background(), []sla.Result{r})
	})
	got, err := s.Results(context.Background(), "api", storetest.At(0, 0), storetest.At(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d results of the acknowledged batch, want 1", len(got))
	}
}

// TestSecretWhileAnotherReplicaMakesIt: two replicas asking for a secret
// that does not exist yet both get the one stored first, even when the
// other's insert commits after this one's statement began.
func TestSecretWhileAnotherReplicaMakesIt(t *testing.T) {
	s, url := openFresh(t)
	theirs := bytes.Repeat([]byte{7}, 32)
	var got []byte
	racingInsert(t, url, `INSERT INTO secrets (name, value, created_ms) VALUES ('links', $1, 0)`, []any{theirs}, func() error {
		var err error
		got, err = s.Secret(context.Background(), "links")
		return err
	})
	if !bytes.Equal(got, theirs) {
		t.Fatalf("got secret %x, want the other replica's %x", got, theirs)
	}
}

// TestConcurrentFirstWritesOfNewChecks: writers on connections that are
// already open write the first batches of the same new checks at once, as
// a freshly started ingest process does; every acknowledged result is
// stored under its check. Before the ids of names were read by a
// statement of their own, most rounds lost whole batches.
func TestConcurrentFirstWritesOfNewChecks(t *testing.T) {
	url := pgtest.NewDatabase(t)
	const rounds, writers, checks = 5, 4, 20
	for round := range rounds {
		s, err := pgstore.Open(context.Background(), url, pgstore.Options{Now: storetest.FixedNow, MaxConns: writers})
		if err != nil {
			t.Fatal(err)
		}
		warmPool(t, s, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				var rs []sla.Result
				for c := range checks {
					for _, loc := range []string{"fra", "nyc", "sgp"} {
						rs = append(rs, storetest.Result(fmt.Sprintf("r%d-c%02d", round, c), loc, storetest.At(0, w), true))
					}
				}
				if err := s.WriteResults(context.Background(), rs); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for c := range checks {
			rs, err := s.Results(context.Background(), fmt.Sprintf("r%d-c%02d", round, c), storetest.At(0, 0), storetest.At(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != writers*3 {
				t.Errorf("round %d, check %d: %d results stored of %d acknowledged", round, c, len(rs), writers*3)
			}
		}
		s.Close()
	}
}

// warmPool opens n connections of s's pool and returns them to it, so
// that n callers start their statements at once instead of one by one as
// their connections are made.
func warmPool(t testing.TB, s *pgstore.Store, n int) {
	t.Helper()
	var conns []*pgxpool.Conn
	for range n {
		c, err := s.Pool().Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}
}
