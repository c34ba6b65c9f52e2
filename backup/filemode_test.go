package backup_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/slatehq/slate/backup"
)

// TestBackupFilesArePrivate checks that every directory a backup creates
// is 0700 and every file it writes (the database copy, its checksum, its
// record, the second copy and a restored file) 0600, under the usual umask
// 022: a backup holds what the store holds, the link-signing key too.
func TestBackupFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()
	store := seed(t, "")
	root := t.TempDir()
	cfg := backup.Config{Dir: filepath.Join(root, "backups"), SecondDir: filepath.Join(root, "offsite", "slate")}
	b, err := backup.Take(ctx, store, cfg, backup.Daily, at(0))
	if err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(root, "restored.db")
	if err := backup.Restore(ctx, b.Path, restored); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, top := range []string{cfg.Dir, filepath.Join(root, "offsite")} {
		err := filepath.WalkDir(top, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := e.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if e.IsDir() {
				want = 0o700
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s: mode %04o, want %04o", p, got, want)
			}
			checked++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 10 { // 3 directories and 3 files in each tree
		t.Errorf("checked %d paths, want at least 10", checked)
	}
	if fi, err := os.Stat(restored); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v, %v; want mode 0600", fi.Mode(), err)
	}
}
