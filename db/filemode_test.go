package db_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/slatehq/slate/db"
)

// withUmask runs the test under the umask most systems start with, 022,
// so that files the code leaves to the default come out 0644 and the test
// sees them, whatever umask the test runner has.
func withUmask(t *testing.T) {
	t.Helper()
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

func modeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestStoreFilesArePrivate checks that the store's file, its write-ahead
// log and its shared-memory index, and a snapshot of it, are created
// readable by their owner alone: they hold the link-signing key and the
// tokens' hashes.
func TestStoreFilesArePrivate(t *testing.T) {
	withUmask(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "slate.db")
	d, err := db.Open(path, db.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Secret(ctx, "links"); err != nil {
		t.Fatal(err)
	}
	write(t, d, run("web", "a", at(0, 0), true))
	snap := filepath.Join(filepath.Dir(path), "snap.db")
	if _, err := d.Snapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", snap} {
		if got := modeOf(t, p); got != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), got)
		}
	}
}

// TestOpenRefusesReadableStore checks that a store others may read stops
// Open with a message naming the file and the command that fixes it, and
// that a private one opens.
func TestOpenRefusesReadableStore(t *testing.T) {
	withUmask(t)
	tests := []struct {
		name   string
		mode   fs.FileMode // of the database file
		wal    fs.FileMode // of its -wal file; 0 leaves it as created
		refuse string      // the file named in the refusal; "" for none
	}{
		{"private", 0o600, 0, ""},
		{"world-readable", 0o644, 0, "slate.db"},
		{"group-readable", 0o640, 0, "slate.db"},
		{"others may write", 0o602, 0, "slate.db"},
		{"readable log beside a private file", 0o600, 0o644, "slate.db-wal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "slate.db")
			d, err := db.Open(path, db.Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			write(t, d, run("web", "a", at(0, 0), true))
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			if tc.wal != 0 {
				// A log left by a crash, or copied in by hand.
				if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path+"-wal", tc.wal); err != nil {
					t.Fatal(err)
				}
			}
			d, err = db.Open(path, db.Options{Now: fixedNow})
			if tc.refuse == "" {
				if err != nil {
					t.Fatalf("got %v, want the store to open", err)
				}
				d.Close()
				return
			}
			if err == nil {
				d.Close()
				t.Fatalf("mode %04o opened, want a refusal", tc.mode)
			}
			named := filepath.Join(filepath.Dir(path), tc.refuse)
			for _, want := range []string{named, "chmod 600 " + named} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got %q, want it to say %q", err, want)
				}
			}
		})
	}
}
