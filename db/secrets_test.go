package db_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"
)

// TestRotateSecret checks that rotating replaces one key and no other,
// records who did it without recording a key, and makes a missing key.
func TestRotateSecret(t *testing.T) {
	ctx := context.Background()
	d := openDB(t)
	old, err := d.Secret(ctx, "links")
	if err != nil {
		t.Fatal(err)
	}
	other, err := d.Secret(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RotateSecret(ctx, "links", "alice"); err != nil {
		t.Fatal(err)
	}
	fresh, err := d.Secret(ctx, "links")
	if err != nil || len(fresh) != 32 || bytes.Equal(fresh, old) {
		t.Fatalf("after rotation: key %x, %v; want a new 32-byte key (old %x)", fresh, err, old)
	}
	if k, _ := d.Secret(ctx, "other"); !bytes.Equal(k, other) {
		t.Errorf("rotating links changed the key of other")
	}
	entries, err := d.AuditOf(ctx, "secret/links")
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit of secret/links: %+v, %v; want one entry", entries, err)
	}
	if e := entries[0]; e.Action != "secret.rotated" || e.Actor != "alice" || !strings.Contains(e.Detail, "replaced_created") {
		t.Errorf("audit entry %+v, want secret.rotated by alice with the replaced key's age", e)
	}
	for _, k := range [][]byte{old, fresh} {
		if strings.Contains(entries[0].Detail, hex.EncodeToString(k)) {
			t.Errorf("audit entry carries a key: %s", entries[0].Detail)
		}
	}
	if err := d.RotateSecret(ctx, "new", "alice"); err != nil {
		t.Fatal(err)
	}
	if k, err := d.Secret(ctx, "new"); err != nil || len(k) != 32 {
		t.Errorf("rotating a missing key: %x, %v; want a key", k, err)
	}
	for _, tc := range []struct{ name, actor string }{{"", "alice"}, {"links", " "}} {
		if err := d.RotateSecret(ctx, tc.name, tc.actor); err == nil {
			t.Errorf("RotateSecret(%q, %q) accepted", tc.name, tc.actor)
		}
	}
	if _, err := d.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}
