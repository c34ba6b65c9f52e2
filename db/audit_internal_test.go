package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/store"

	"github.com/slatehq/slate/sla"
)

// TestAuditHashVectors pins the chain encoding to values computed
// independently (Python's hashlib over the netstring encoding), so a change
// to the encoding, which would make every stored chain fail, cannot pass
// unnoticed.
func TestAuditHashVectors(t *testing.T) {
	first := store.AuditHash(store.GenesisHash, 1, 1795860000000, "am@example.com", "credit.approved", "credit/7",
		`{"from":"computed","state":"approved"}`)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"first entry", first, "a3f24b8d6b91dafc74ac4cab00b20068815aa7619532abf2919f703c9bee7d16"},
		{"chained, multi-byte and comma text", store.AuditHash(first, 2, 1795860000001, "ä", "a,b", "c", "null"),
			"a679f04f249d76753fea203acac0631786670c32023c70efbcbb2789b3ec9405"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

// TestAuditHashFieldBoundaries moves text from one field to the next:
// without the length prefixes these entries would hash alike.
func TestAuditHashFieldBoundaries(t *testing.T) {
	base := store.AuditHash(store.GenesisHash, 1, 11, "ab", "c", "s", "d")
	tests := []struct {
		name string
		hash string
	}{
		{"actor into action", store.AuditHash(store.GenesisHash, 1, 11, "a", "bc", "s", "d")},
		{"at_ms into id", store.AuditHash(store.GenesisHash, 11, 1, "ab", "c", "s", "d")},
		{"detail into subject", store.AuditHash(store.GenesisHash, 1, 11, "ab", "c", "sd", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.hash == base {
				t.Errorf("got the same hash %s for different entries, want different", tc.hash)
			}
		})
	}
}

func TestCanonicalJSON(t *testing.T) {
	type point struct {
		Z int    `json:"z"`
		A string `json:"a"`
	}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"map keys sorted", map[string]any{"b": 1, "a": "x", "c": []int{3, 1}}, `{"a":"x","b":1,"c":[3,1]}`},
		{"struct fields sorted", point{Z: 1, A: "y"}, `{"a":"y","z":1}`},
		{"nested", map[string]any{"y": point{Z: 2}, "x": map[string]int{"q": 1, "p": 2}}, `{"x":{"p":2,"q":1},"y":{"a":"","z":2}}`},
		{"large numbers kept exactly", map[string]any{"n": int64(9007199254740993)}, `{"n":9007199254740993}`},
		{"no HTML escaping", map[string]string{"t": "<a&b>"}, `{"t":"<a&b>"}`},
		{"text marshaler", map[string]any{"r": big.NewRat(1, 3)}, `{"r":"1/3"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := store.CanonicalJSON(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := store.CanonicalJSON(make(chan int)); err == nil {
		t.Errorf("channel: got nil error, want one")
	}
}

// auditCount counts the audit rows, read through the read pool.
func auditCount(t *testing.T, d *DB) int {
	t.Helper()
	var n int
	if err := d.rdb.QueryRow(`SELECT count(*) FROM audit`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUpdate(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name      string
		cancel    bool  // the caller's context has ended before the writer gets to it
		fnErr     error // what fn returns after appending one audit entry
		wantErr   error
		wantRan   bool
		wantAudit int
	}{
		{"commits when fn returns nil", false, nil, nil, true, 1},
		{"rolls back when fn fails", false, errBoom, errBoom, true, 0},
		{"skips fn when the caller has gone", true, nil, context.Canceled, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := openTest(t, Options{})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			ran := false
			err := d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
				ran = true
				if _, err := appendAudit(ctx, tx, time.Now(), "t", "test", "x", "null"); err != nil {
					return err
				}
				return tc.fnErr
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("got error %v, want %v", err, tc.wantErr)
			}
			if ran != tc.wantRan {
				t.Errorf("got ran %v, want %v", ran, tc.wantRan)
			}
			if got := auditCount(t, d); got != tc.wantAudit {
				t.Errorf("got %d audit rows, want %d", got, tc.wantAudit)
			}
		})
	}
}

// TestUpdateHoldsWriteLock checks that fn's transaction is IMMEDIATE: while
// fn runs, before it has written anything, another connection cannot begin
// a write.
func TestUpdateHoldsWriteLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slate.db")
	d, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	other, err := sql.Open("sqlite3", dsn(path, map[string][]string{"_busy_timeout": {"0"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var lockErr error
	err = d.update(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		_, lockErr = other.Exec(`BEGIN IMMEDIATE; ROLLBACK`)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lockErr == nil || !strings.Contains(lockErr.Error(), "locked") {
		t.Errorf("got %v beginning a write beside fn, want database is locked", lockErr)
	}
	if _, err := other.Exec(`BEGIN IMMEDIATE; ROLLBACK`); err != nil {
		t.Errorf("after update: got %v, want the lock released", err)
	}
}

// TestUpdateRunsBetweenBatches queues result writes before and after an
// update while the writer is held: the update must see exactly the results
// queued before it, committed, and never share their transaction.
func TestUpdateRunsBetweenBatches(t *testing.T) {
	d := openTest(t, Options{Now: func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }})
	ctx := context.Background()
	release, held := make(chan struct{}), make(chan struct{})
	go d.w.do(ctx, &request{
		job:  func(context.Context) error { close(held); <-release; return nil },
		done: make(chan error, 1),
	})
	<-held
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	write := func(from, n int) chan error {
		rs := make([]sla.Result, n)
		for i := range rs {
			rs[i] = sla.Result{CheckID: "web", Location: "a", At: base.Add(time.Duration(from+i) * time.Second), OK: true}
		}
		done := make(chan error, 1)
		go func() { done <- d.WriteResults(ctx, rs) }()
		return done
	}
	waitQueued := func(n int) {
		for len(d.w.reqs) < n {
			time.Sleep(time.Millisecond)
		}
	}
	before := write(0, 5)
	waitQueued(1)
	seen := make(chan int, 1)
	upd := make(chan error, 1)
	go func() {
		upd <- d.update(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM results`).Scan(&n); err != nil {
				return err
			}
			seen <- n
			// Committed before fn began: another connection sees them too.
			var m int
			if err := d.rdb.QueryRowContext(ctx, `SELECT count(*) FROM results`).Scan(&m); err != nil {
				return err
			}
			if m != n {
				return fmt.Errorf("read pool sees %d results, fn's transaction %d", m, n)
			}
			return nil
		})
	}()
	waitQueued(2)
	after := write(5, 7)
	waitQueued(3)
	close(release)
	for name, ch := range map[string]chan error{"before": before, "update": upd, "after": after} {
		if err := <-ch; err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if n := <-seen; n != 5 {
		t.Errorf("update saw %d results, want the 5 queued before it", n)
	}
}
