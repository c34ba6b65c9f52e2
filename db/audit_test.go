package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatehq/slate/db"
)

// ledgerHistory runs a realistic sequence of ledger operations and returns
// the audit actions it should have produced, in order.
func ledgerHistory(t *testing.T, d *db.DB) []string {
	t.Helper()
	ctx := context.Background()
	c, _, err := d.RecordClose(ctx, closing("2026-09", 1000, "sep"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApproveCredit(ctx, c.ID, "am@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.IssueCredit(ctx, c.ID, "billing"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.RecordClose(ctx, closing("2026-10", 500, "oct"), true, "slate"); err != nil {
		t.Fatal(err)
	}
	adj, _, err := d.RecordClose(ctx, closing("2026-09", 1200, "sep, late agent"), false, "slate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.VoidCredit(ctx, adj.ID, "am@example.com", "late results were a test probe"); err != nil {
		t.Fatal(err)
	}
	if err := d.AppendAudit(ctx, "oncall@example.com", "exclusion.added", "check/mail-imap",
		map[string]any{"from_ms": 1, "to_ms": 2, "why": "provider maintenance"}); err != nil {
		t.Fatal(err)
	}
	return []string{
		"credit.recorded", "credit.approved", "credit.issued",
		"credit.recorded", "credit.issued",
		"credit.adjusted", "credit.voided",
		"exclusion.added",
	}
}

func TestLedgerAuditChainVerifies(t *testing.T) {
	d := openDB(t)
	ctx := context.Background()
	want := ledgerHistory(t, d)
	entries, err := d.AuditEntries(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, e := range entries {
		got = append(got, e.Action)
		if e.ID != int64(i+1) {
			t.Errorf("entry %d: got ID %d, want %d", i, e.ID, i+1)
		}
		if !e.At.Equal(fixedNow()) {
			t.Errorf("entry %d: got at %v, want the clock's %v", e.ID, e.At, fixedNow())
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got actions %v, want %v", got, want)
	}
	n, err := d.VerifyAudit(ctx)
	if err != nil || n != len(want) {
		t.Errorf("got %d checked, error %v; want %d, nil", n, err, len(want))
	}

	// What one entry records.
	void := entries[6]
	if void.Actor != "am@example.com" || void.Subject != "credit/3" ||
		void.Detail != `{"from":"computed","reason":"late results were a test probe","state":"voided"}` {
		t.Errorf("got void entry %+v, want actor am@example.com, subject credit/3 and the state change as detail", void)
	}
	if entries[0].PrevHash != strings.Repeat("0", 64) {
		t.Errorf("got first prev_hash %s, want 64 zeros", entries[0].PrevHash)
	}
	adjusted := entries[5].Detail
	for _, field := range []string{`"adjusts":1`, `"amount_minor":200`, `"kind":"adjustment"`, `"state":"computed"`} {
		if !strings.Contains(adjusted, field) {
			t.Errorf("got adjustment detail %s, want it to hold %s", adjusted, field)
		}
	}
	of, err := d.AuditOf(ctx, "credit/1")
	if err != nil {
		t.Fatal(err)
	}
	if len(of) != 3 || of[2].Action != "credit.issued" {
		t.Errorf("got %d entries about credit/1, want recorded, approved, issued", len(of))
	}
}

// TestVerifyAuditFindsTampering changes the audit table behind the store's
// back, as someone with the file and the sqlite3 shell could, and checks
// that VerifyAudit names the first entry that no longer fits.
func TestVerifyAuditFindsTampering(t *testing.T) {
	// Each statement runs after the append-only triggers are dropped.
	tests := []struct {
		name    string
		tamper  []string
		rehash  int64 // then recompute this entry's hash; 0: none
		want    string
		checked int
	}{
		{"untouched", nil, 0, "", 8},
		{"detail edited",
			[]string{`UPDATE audit SET detail = replace(detail, '1000', '100000') WHERE id = 1`}, 0,
			"audit entry 1: hash does not match its contents", 0},
		{"actor edited in the middle",
			[]string{`UPDATE audit SET actor = 'someone else' WHERE id = 3`}, 0,
			"audit entry 3: hash does not match its contents", 2},
		{"edited and rehashed",
			// The edited entry fits itself, but the next one still points at its old hash.
			[]string{`UPDATE audit SET detail = '{}' WHERE id = 5`}, 5,
			"audit entry 6: prev_hash does not match entry 5", 5},
		{"entry deleted",
			[]string{`DELETE FROM audit WHERE id = 4`}, 0,
			"audit entry 5: prev_hash does not match entry 3", 3},
		{"first entry deleted",
			[]string{`DELETE FROM audit WHERE id = 1`}, 0,
			"audit entry 2: prev_hash does not start the chain", 0},
		{"two entries swapped",
			[]string{
				`UPDATE audit SET id = -2 WHERE id = 2`,
				`UPDATE audit SET id = 2 WHERE id = 3`,
				`UPDATE audit SET id = 3 WHERE id = -2`,
			}, 0,
			"audit entry 2: hash does not match its contents", 1},
		{"entry inserted with a valid hash",
			// A copy of entry 6 as entry 7, chained to 6; the old 7 moves
			// to 107, and the ID is part of its hash.
			[]string{
				`UPDATE audit SET id = id + 100 WHERE id > 6`,
				`INSERT INTO audit SELECT 7, at_ms, actor, action, subject, detail, hash, 'forged' FROM audit WHERE id = 6`,
			}, 7,
			"audit entry 107: hash does not match its contents", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slate.db")
			d := openAt(t, path)
			ctx := context.Background()
			ledgerHistory(t, d)
			raw := rawDB(t, path)
			for _, q := range append([]string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}, tc.tamper...) {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if tc.rehash != 0 {
				rehash(t, raw, tc.rehash)
			}
			checked, err := d.VerifyAudit(ctx)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if checked != tc.checked {
				t.Errorf("got %d checked, want %d", checked, tc.checked)
			}
		})
	}
}

// rehash recomputes the hash of entry id from its contents and stores it,
// as a forger who knows the encoding would after editing the entry.
func rehash(t *testing.T, raw *sql.DB, id int64) {
	t.Helper()
	var e db.AuditEntry
	var atMS int64
	err := raw.QueryRow(`SELECT at_ms, actor, action, subject, detail, prev_hash FROM audit WHERE id = ?`, id).
		Scan(&atMS, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.PrevHash)
	if err != nil {
		t.Fatal(err)
	}
	h := db.AuditHash(e.PrevHash, id, atMS, e.Actor, e.Action, e.Subject, e.Detail)
	if _, err := raw.Exec(`UPDATE audit SET hash = ? WHERE id = ?`, h, id); err != nil {
		t.Fatal(err)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slate.db")
	d := openAt(t, path)
	ledgerHistory(t, d)
	raw := rawDB(t, path)
	for _, q := range []string{
		`UPDATE audit SET actor = 'x' WHERE id = 1`,
		`DELETE FROM audit WHERE id = 8`,
	} {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want an append-only error", q, err)
		}
	}
	if _, err := d.VerifyAudit(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestAppendAuditRejects(t *testing.T) {
	tests := []struct {
		name                   string
		actor, action, subject string
		detail                 any
		want                   string
	}{
		{"no actor", "", "x.y", "s/1", nil, "empty actor"},
		{"no action", "a", " ", "s/1", nil, "empty action"},
		{"no subject", "a", "x.y", "", nil, "empty subject"},
		{"detail not JSON", "a", "x.y", "s/1", func() {}, "encode detail"},
	}
	d := openDB(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := d.AppendAudit(context.Background(), tc.actor, tc.action, tc.subject, tc.detail)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if n, _ := d.VerifyAudit(context.Background()); n != 0 {
		t.Errorf("got %d entries, want none", n)
	}
}

func TestAuditEntriesPages(t *testing.T) {
	d := openDB(t)
	ctx := context.Background()
	for i := range 5 {
		if err := d.AppendAudit(ctx, "a", "x.y", fmt.Sprintf("s/%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		afterID int64
		limit   int
		want    []int64
	}{
		{"all", 0, 0, []int64{1, 2, 3, 4, 5}},
		{"first page", 0, 2, []int64{1, 2}},
		{"next page", 2, 2, []int64{3, 4}},
		{"last page", 4, 2, []int64{5}},
		{"past the end", 5, 2, nil},
		{"negative limit is no limit", 3, -1, []int64{4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es, err := d.AuditEntries(ctx, tc.afterID, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range es {
				got = append(got, e.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got IDs %v, want %v", got, tc.want)
			}
		})
	}
}
