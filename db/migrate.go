package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// migrations holds the schema as numbered, zero-padded files, applied in
// lexical order. They are forward-only: a merged file is never edited, a
// change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies every migration not yet recorded in schema_migrations, each
// in its own transaction together with its record, so a crash leaves either
// the whole migration or none of it. Running it again is a no-op.
func migrate(ctx context.Context, conn *sql.Conn, now int64) (applied []string, err error) {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
	name       TEXT PRIMARY KEY, -- file name under migrations/
	applied_at INTEGER NOT NULL  -- UTC Unix milliseconds
)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		ok, err := migrateOne(ctx, conn, name, now)
		if err != nil {
			return applied, err
		}
		if ok {
			applied = append(applied, path.Base(name))
		}
	}
	return applied, nil
}

func migrateOne(ctx context.Context, conn *sql.Conn, file string, now int64) (bool, error) {
	name := path.Base(file)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look up migration %s: %w", name, err)
	}
	if n > 0 {
		return false, nil
	}
	body, err := migrations.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf("read migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, now); err != nil {
		return false, fmt.Errorf("record migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit migration %s: %w", name, err)
	}
	return true, nil
}
