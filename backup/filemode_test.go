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

// usualUmask sets the umask most systems run with, 022, for the test.
func usualUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

// checkPrivate walks each tree under roots and reports every directory not
// 0700 and every file not 0600. It returns how many paths it checked.
func checkPrivate(t *testing.T, roots ...string) int {
	t.Helper()
	checked := 0
	for _, top := range roots {
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
	return checked
}

// TestBackupFilesArePrivate checks that every directory a backup creates
// is 0700 and every file it writes (the database copy, its checksum, its
// record, the second copy and a restored file) 0600, under the usual umask
// 022: a backup holds what the store holds, the link-signing key too.
func TestBackupFilesArePrivate(t *testing.T) {
	usualUmask(t)
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
	if checked := checkPrivate(t, cfg.Dir, filepath.Join(root, "offsite")); checked < 10 { // 3 directories and 3 files in each tree
		t.Errorf("checked %d paths, want at least 10", checked)
	}
	if fi, err := os.Stat(restored); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v, %v; want mode 0600", fi.Mode(), err)
	}
}

// TestPostgresBackupFilesArePrivate checks the same of a PostgreSQL
// store's backup: the pg_dump archive, which pg_dump alone would create
// with the umask's mode, its checksum, its record and the second copy.
func TestPostgresBackupFilesArePrivate(t *testing.T) {
	usualUmask(t)
	s := openPG(t)
	seedInto(t, s, "")
	root := t.TempDir()
	cfg := backup.Config{Dir: filepath.Join(root, "backups"), SecondDir: filepath.Join(root, "offsite", "slate"), Resolve: resolve}
	if _, err := backup.TakePostgres(context.Background(), s, cfg, backup.Daily, at(0), backup.PostgresOptions{}); err != nil {
		t.Fatal(err)
	}
	if checked := checkPrivate(t, cfg.Dir, filepath.Join(root, "offsite")); checked < 10 {
		t.Errorf("checked %d paths, want at least 10", checked)
	}
}
