package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/slatehq/slate/store"
)

// testVerifyAuditAfter: verifying from a mark checks only the entries
// after it and reaches the same mark as a whole walk; with nothing new the
// mark stays; the first new entry must link to the mark's hash, so a mark
// whose entry has changed since is refused naming that entry; a mark past
// the end verifies nothing and stays.
func testVerifyAuditAfter(t *testing.T, s suite) {
	d := s.open(t)
	ctx := context.Background()
	appendN := func(from, n int) {
		for i := range n {
			if err := d.AppendAudit(ctx, "am", "test.step", fmt.Sprintf("step/%d", from+i), map[string]int{"i": from + i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	zero, err := d.VerifyAuditAfter(ctx, store.AuditMark{})
	if err != nil || zero != (store.AuditMark{}) {
		t.Fatalf("empty log: %+v %v, want the zero mark", zero, err)
	}
	appendN(0, 3)
	first, err := d.VerifyAuditAfter(ctx, zero)
	if err != nil || first.Checked != 3 || first.Hash == "" {
		t.Fatalf("first three: %+v %v", first, err)
	}
	if again, err := d.VerifyAuditAfter(ctx, first); err != nil || again != first {
		t.Errorf("nothing new: %+v %v, want the same mark %+v", again, err, first)
	}
	appendN(3, 4)
	es, err := d.AuditEntries(ctx, 0, 100)
	if err != nil || len(es) != 7 {
		t.Fatalf("entries: %d %v", len(es), err)
	}
	last := es[len(es)-1]
	next, err := d.VerifyAuditAfter(ctx, first)
	want := store.AuditMark{ID: last.ID, Hash: last.Hash, Checked: 7}
	if err != nil || next != want {
		t.Errorf("four more: %+v %v, want %+v", next, err, want)
	}
	if n, err := d.VerifyAudit(ctx); err != nil || n != 7 {
		t.Errorf("whole walk: %d %v, want 7", n, err)
	}
	forged := first
	forged.Hash = strings.Repeat("0", len(first.Hash))
	got, err := d.VerifyAuditAfter(ctx, forged)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("audit entry %d:", es[3].ID)) {
		t.Errorf("a mark whose hash the next entry does not link to: %v, want an error naming entry %d", err, es[3].ID)
	}
	if got != forged {
		t.Errorf("a refused walk moved the mark to %+v", got)
	}
	if past, err := d.VerifyAuditAfter(ctx, next); err != nil || past != next {
		t.Errorf("mark at the end: %+v %v", past, err)
	}
}
