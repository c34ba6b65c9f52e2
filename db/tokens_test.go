package db_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatehq/slate/db"
)

// TestTokenTextIsNotStored scans the database files, WAL included, for a
// token's secret: the store must hold its hash only. The hash is looked for
// too, so a scan that reads nothing cannot pass.
func TestTokenTextIsNotStored(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "slate.db")
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := d.CreateToken(ctx, db.NewToken{Name: "ci", Role: db.RoleOncall}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(text[strings.LastIndexByte(text, '_')+1:])
	sum := db.HashToken(text)
	scan := func(when string) {
		t.Helper()
		files, _ := filepath.Glob(path + "*")
		var all []byte
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, secret) {
				t.Errorf("%s: %s holds the token's secret", when, filepath.Base(f))
			}
			all = append(all, b...)
		}
		if !bytes.Contains(all, sum[:]) {
			t.Errorf("%s: the token's hash is in none of %v; the scan does not see the data", when, files)
		}
	}
	scan("open")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	scan("closed")
}
