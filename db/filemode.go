package db

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// The store holds the key that signs tenant links and the hashes of API
// tokens, and its history is customers' evidence: only the account slate
// runs as may read it. SQLite creates the -wal, -shm and -journal files
// with the mode of the database file, so a database created private keeps
// its companions private too.

// PrivateFileMode is the mode of every file of the store and its backups;
// PrivateDirMode that of the directories slate creates for them.
const (
	PrivateFileMode fs.FileMode = 0o600
	PrivateDirMode  fs.FileMode = 0o700
)

// storeFiles are the database file and the companions SQLite keeps beside
// it.
func storeFiles(path string) []string {
	return []string{path, path + "-wal", path + "-shm", path + "-journal"}
}

// createPrivate creates the database file with PrivateFileMode when it does
// not exist yet, before SQLite would create it with 0644.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, PrivateFileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// CheckPrivate refuses a store that anyone but its owner may read or
// write: the database file or a companion with any group or other
// permission. The error names each such file with its mode and gives the
// chmod that fixes them.
func CheckPrivate(path string) error {
	var open, modes []string
	for _, p := range storeFiles(path) {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			open = append(open, p)
			modes = append(modes, fmt.Sprintf("%s is %04o", p, fi.Mode().Perm()))
		}
	}
	if len(open) == 0 {
		return nil
	}
	return fmt.Errorf("the store is readable by others than its owner (%s): it holds the link-signing key and token hashes; run: chmod 600 %s",
		strings.Join(modes, ", "), strings.Join(open, " "))
}
