package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/store/storetest"
)

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
			storetest.LedgerHistory(t, d)
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
	storetest.LedgerHistory(t, d)
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
