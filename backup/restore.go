package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/slatehq/slate/db"
)

// Restore copies the backup file to the new database file to, after
// checking the backup against its .sha256 file. It never overwrites: it
// refuses when to exists, and when to-wal or to-journal exists (a database
// that may be in use, or was). The copy is written to a temporary file in
// to's directory, fsynced, its checksum and integrity checked, and then
// linked to its name, which fails rather than replace a file that appeared
// meanwhile.
func Restore(ctx context.Context, file, to string) error {
	for _, p := range []string{to, to + "-wal", to + "-journal"} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("restore %s to %s: %s exists: refusing to overwrite", file, to, p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore %s to %s: %w", file, to, err)
		}
	}
	dir := filepath.Dir(to)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("restore %s to %s: folder %s does not exist: create it first", file, to, dir)
	}
	sum, _, err := checkSum(file)
	if err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	tmp, err := copyToTemp(file, dir, tempPattern(to), sum)
	if err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	defer os.Remove(tmp) //nolint:errcheck // gone once linked; removed on failure
	if err := db.CheckFile(ctx, tmp); err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	if err := os.Link(tmp, to); err != nil {
		return fmt.Errorf("restore %s to %s: %w", file, to, err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("restore %s to %s: %w", file, to, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("restore %s to %s: %w", file, to, err)
	}
	return nil
}
