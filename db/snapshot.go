package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// countRows reads Counts in one read transaction, so the figures
// describe the same state of the file.
func countRows(ctx context.Context, db *sql.DB) (Counts, error) {
	var c Counts
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return c, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to undo
	for _, q := range []struct {
		table string
		dst   *int64
	}{
		{"results", &c.Results},
		{"minutes", &c.HistoryDays},
		{"credits", &c.Credits},
		{"audit", &c.Audit},
		{"exclusions", &c.Exclusions},
		{"tokens", &c.Tokens},
	} {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+q.table).Scan(q.dst); err != nil {
			return Counts{}, fmt.Errorf("count %s: %w", q.table, err)
		}
	}
	return c, nil
}

// Counts counts the rows of the live database's tables in Counts, in one
// read transaction.
func (d *DB) Counts(ctx context.Context) (Counts, error) {
	if d.closed() {
		return Counts{}, fmt.Errorf("count rows: %w", ErrClosed)
	}
	c, err := countRows(ctx, d.rdb)
	if err != nil {
		return Counts{}, fmt.Errorf("count rows: %w", err)
	}
	return c, nil
}

// Snapshot writes a consistent copy of the live database to path while the
// writer keeps writing, and returns the row counts of that copy.
//
// It copies with VACUUM INTO, through a read-only handle of its own, into a
// temporary file in path's directory; VACUUM INTO reads inside one read
// transaction, so the copy is one committed state of the database, and WAL
// lets the writer go on meanwhile. The copy is switched to a rollback
// journal so that it is one self-contained file, counted, fsynced, renamed
// to path and the directory fsynced: after a crash path is either absent or
// complete. The counts come from the copy itself, before the rename, so they
// match the file exactly. Snapshot refuses to replace an existing path.
func (d *DB) Snapshot(ctx context.Context, path string) (Counts, error) {
	what := fmt.Sprintf("snapshot to %s", path)
	if d.closed() {
		return Counts{}, fmt.Errorf("%s: %w", what, ErrClosed)
	}
	if _, err := os.Lstat(path); err == nil {
		return Counts{}, fmt.Errorf("%s: file exists", what)
	} else if !errors.Is(err, os.ErrNotExist) {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	dir := filepath.Dir(path)
	// VACUUM INTO accepts an empty file as its target: creating it first
	// gives a unique name without a window in which another process could
	// take it.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		removeDB(tmp)
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	done := false
	defer func() {
		if !done {
			removeDB(tmp)
		}
	}()

	// The pool's query_only pragma refuses VACUUM INTO, which writes only
	// its target; a separate read-only handle allows it (as in Space).
	busy := fmt.Sprint(d.opts.BusyTimeout.Milliseconds())
	src, err := sql.Open("sqlite3", dsn(d.path, url.Values{"mode": {"ro"}, "_busy_timeout": {busy}}))
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO ?", tmp)
	if cerr := src.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Counts{}, fmt.Errorf("%s: copy: %w", what, err)
	}

	counts, err := settleCopy(ctx, tmp)
	if err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := syncFile(tmp); err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return Counts{}, fmt.Errorf("%s: %w", what, err)
	}
	return counts, nil
}

// settleCopy turns a fresh VACUUM INTO copy into a self-contained file in
// rollback-journal mode (a copy of a WAL database is in WAL mode, and would
// need -wal and -shm files beside it to be read), without console sessions,
// and counts its rows.
func settleCopy(ctx context.Context, path string) (Counts, error) {
	c, err := sql.Open("sqlite3", dsn(path, url.Values{"_journal_mode": {"DELETE"}, "_synchronous": {"FULL"}}))
	if err != nil {
		return Counts{}, err
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	var mode string
	if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return Counts{}, fmt.Errorf("read journal_mode of copy: %w", err)
	}
	if !strings.EqualFold(mode, "delete") {
		return Counts{}, fmt.Errorf("journal_mode of copy is %q, want delete", mode)
	}
	// Console sessions stay out of backups: restored, they would sign
	// back in people who signed out or were revoked after the backup was
	// taken. After a restore, staff sign in again. secure_delete leaves
	// no trace of the rows in the file's free pages.
	if _, err := c.ExecContext(ctx, "PRAGMA secure_delete = ON; DELETE FROM sessions"); err != nil {
		return Counts{}, fmt.Errorf("leave sessions out of the copy: %w", err)
	}
	counts, err := countRows(ctx, c)
	if err != nil {
		return Counts{}, fmt.Errorf("count copy: %w", err)
	}
	return counts, c.Close()
}

// removeDB removes a database file and the journals SQLite may have left
// beside it.
func removeDB(path string) {
	for _, p := range []string{path, path + "-journal", path + "-wal", path + "-shm"} {
		os.Remove(p) //nolint:errcheck // best effort: a leftover is harmless
	}
}

// syncFile flushes a file's contents to stable storage.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return f.Close()
}

// syncDir flushes a directory, so that a rename or a new file in it
// survives a crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return f.Close()
}

// openFile opens an existing database file that is not the open DB, for
// reading only. It refuses a missing file rather than let SQLite report a
// vague "unable to open".
func openFile(path string) (*sql.DB, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	c, err := sql.Open("sqlite3", dsn(path, url.Values{
		"mode":          {"ro"},
		"_query_only":   {"true"},
		"_busy_timeout": {fmt.Sprint(DefaultBusyTimeout.Milliseconds())},
	}))
	if err != nil {
		return nil, err
	}
	c.SetMaxOpenConns(1)
	return c, nil
}

// CountRows opens the database file at path read-only and counts the rows
// of the tables in Counts, in one read transaction.
func CountRows(ctx context.Context, path string) (Counts, error) {
	c, err := openFile(path)
	if err != nil {
		return Counts{}, fmt.Errorf("count rows of %s: %w", path, err)
	}
	defer c.Close()
	counts, err := countRows(ctx, c)
	if err != nil {
		return Counts{}, fmt.Errorf("count rows of %s: %w", path, err)
	}
	return counts, nil
}

// CheckFile runs SQLite's full integrity_check, then foreign_key_check, on
// the database file at path, read-only, and returns nil only when both find
// nothing. The error names the file and the first problem.
func CheckFile(ctx context.Context, path string) error {
	return checkFile(ctx, path, "integrity_check")
}

// QuickCheck is CheckFile with quick_check, which skips the comparison of
// indexes with their tables: O(N) instead of O(N log N), for large files.
func QuickCheck(ctx context.Context, path string) error {
	return checkFile(ctx, path, "quick_check")
}

func checkFile(ctx context.Context, path, pragma string) error {
	c, err := openFile(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer c.Close()
	var first string
	n := 0
	rows, err := c.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return fmt.Errorf("check %s: %s: %w", path, pragma, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("check %s: %s: %w", path, pragma, err)
		}
		if line != "ok" {
			if n == 0 {
				first = line
			}
			n++
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("check %s: %s: %w", path, pragma, err)
	}
	if n > 0 {
		return fmt.Errorf("check %s: %s: %s (%d problems)", path, pragma, first, n)
	}
	// foreign_key_check works whatever the connection's foreign_keys
	// setting: it reports rows whose parent is missing.
	rows, err = c.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("check %s: foreign_key_check: %w", path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			table, parent string
			rowid         sql.NullInt64
			fkid          int64
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("check %s: foreign_key_check: %w", path, err)
		}
		n++
		if n == 1 {
			first = fmt.Sprintf("a row of %s refers to a missing row of %s", table, parent)
			if rowid.Valid {
				first = fmt.Sprintf("%s row %d refers to a missing row of %s", table, rowid.Int64, parent)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check %s: foreign_key_check: %w", path, err)
	}
	if n > 0 {
		return fmt.Errorf("check %s: foreign_key_check: %s (%d problems)", path, first, n)
	}
	return nil
}
