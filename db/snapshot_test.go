package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/db/dbtest"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/store"
)

// writeBatches writes n batches of 20 results of check, one batch per
// call, each at its own instants, and reports the first error.
func writeBatches(ctx context.Context, d *db.DB, check string, n int) error {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for b := range n {
		rs := make([]sla.Result, 20)
		for i := range rs {
			rs[i] = sla.Result{CheckID: check, At: start.Add(time.Duration(b*20+i) * 10 * time.Second), OK: i%7 != 0}
		}
		if err := d.WriteResults(ctx, rs); err != nil {
			return err
		}
	}
	return nil
}

// TestSnapshotWhileWriting takes snapshots while four goroutines write, and
// requires each snapshot to be a sound file whose counts, read back from
// the file, are the ones Snapshot returned; the last one, taken after the
// writers stopped, holds every result.
func TestSnapshotWhileWriting(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	dir := t.TempDir()
	const writers, batches = 4, 30
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeBatches(ctx, d, fmt.Sprintf("c%d", w), batches)
		}()
	}
	var snaps []string
	var counts []db.Counts
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("s%d.db", i))
		c, err := d.Snapshot(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		snaps, counts = append(snaps, p), append(counts, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	final := filepath.Join(dir, "final.db")
	c, err := d.Snapshot(ctx, final)
	if err != nil {
		t.Fatal(err)
	}
	snaps, counts = append(snaps, final), append(counts, c)
	if want := int64(writers * batches * 20); c.Results != want || c.HistoryDays != writers {
		t.Fatalf("final snapshot: got %d results and %d history days, want %d and %d", c.Results, c.HistoryDays, want, writers)
	}
	for i, p := range snaps {
		got, err := db.CountRows(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got != counts[i] {
			t.Errorf("%s: got counts %+v from the file, want %+v as Snapshot returned", p, got, counts[i])
		}
		if err := db.CheckFile(ctx, p); err != nil {
			t.Errorf("check %s: %v", p, err)
		}
		if err := db.QuickCheck(ctx, p); err != nil {
			t.Errorf("quick check %s: %v", p, err)
		}
	}
	// A snapshot is one file: no journal, no temporary left beside it.
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(snaps) {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("got files %v, want only the %d snapshots", names, len(snaps))
	}
}

func TestSnapshotRefusesExistingPath(t *testing.T) {
	d := dbtest.Open(t)
	p := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(p, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := d.Snapshot(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v, want an error naming %s", err, p)
	}
	if b, _ := os.ReadFile(p); string(b) != "keep me" {
		t.Fatalf("got %q in %s, want it untouched", b, p)
	}
}

// TestCheckFileFindsProblems gives CheckFile a missing file, a file that is
// not a database, a database whose page is damaged and one with a row that
// refers to a missing parent: each is refused with an error naming the file.
func TestCheckFileFindsProblems(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := dbtest.Open(t)
	if err := writeBatches(ctx, d, "web", 50); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.db")
	if _, err := d.Snapshot(ctx, good); err != nil {
		t.Fatal(err)
	}

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}

	// Damage the last page, a b-tree page of the copy, keeping the header.
	damaged := filepath.Join(dir, "damaged.db")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) - 4096; i < len(b)-2048; i++ {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}

	orphan := filepath.Join(dir, "orphan.db")
	o, err := sql.Open("sqlite3", "file:"+orphan)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE parent (id INTEGER PRIMARY KEY)",
		"CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
		"INSERT INTO child VALUES (7, 42)", // foreign keys are off by default
	} {
		if _, err := o.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, want string
	}{
		{"sound", good, ""},
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"not a database", garbage, "not a database"},
		{"damaged page", damaged, "check " + damaged},
		{"missing parent", orphan, "child row 7 refers to a missing row of parent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.CheckFile(ctx, tc.path)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want nil", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("got nil, want an error containing %q", tc.want)
			case !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path):
				t.Fatalf("got %v, want an error naming %s and containing %q", err, tc.path, tc.want)
			}
		})
	}
}

// TestSnapshotLeavesSessionsOut: a backup holds no console session, not
// even in its free pages, so a restore signs no one back in; the rest of
// the store is there.
func TestSnapshotLeavesSessionsOut(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	text, _, err := d.CreateSession(ctx, store.NewSession{Subject: "u-1", Email: "ada@example.com", Role: "admin", Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "copy.db")
	if _, err := d.Snapshot(ctx, p); err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(p, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SessionByHash(ctx, store.HashToken(text)); !errors.Is(err, store.ErrSessionNotFound) {
		t.Errorf("the copy's session: %v, want none", err)
	}
	if es, err := c.AuditEntries(ctx, 0, 10); err != nil || len(es) != 1 || es[0].Action != store.SessionCreated {
		t.Errorf("the copy's audit log: %+v, %v; want the sign-in kept", es, err)
	}
	c.Close()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := store.HashToken(text)
	if bytes.Contains(raw, sum[:]) {
		t.Error("the copy's file still holds the session's hash")
	}
}
