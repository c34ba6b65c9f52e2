package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// Space is how many bytes each kind of data occupies in a compacted copy of
// the database: what the evidence costs on disk, per kind.
type Space struct {
	Total   int64 // the whole compacted database
	Results int64 // raw results and their details
	History int64 // per-minute history
	// HistoryData is the encoded minute data alone, summed over history
	// rows: exact at any size, where History counts whole pages.
	HistoryData int64
	Rows        struct {
		Results int64 // raw result rows
		Days    int64 // history rows: one per check per day
	}
}

// Space measures the database by compaction: it copies it with VACUUM INTO
// into a temporary directory, then deletes one kind of data at a time from
// the copy, compacting after each, and attributes the shrinkage. SQLite
// without the dbstat table has no cheaper exact way. The live database is
// only read; the copy is removed. Figures are whole pages, so they mean
// something for databases of many pages, not for a handful of rows.
func (d *DB) Space(ctx context.Context) (Space, error) {
	var s Space
	dir, err := os.MkdirTemp("", "slate-space-")
	if err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	defer os.RemoveAll(dir)
	copyPath := filepath.Join(dir, "copy.db")
	// VACUUM INTO writes only its target, but the pool's query_only pragma
	// refuses it; a separate read-only handle allows it.
	src, err := sql.Open("sqlite3", dsn(d.path, url.Values{"mode": {"ro"}, "_busy_timeout": {"5000"}}))
	if err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", copyPath); err != nil {
		return s, fmt.Errorf("measure space: copy: %w", err)
	}
	c, err := sql.Open("sqlite3", dsn(copyPath, url.Values{"_journal_mode": {"DELETE"}}))
	if err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM results").Scan(&s.Rows.Results); err != nil {
		return s, fmt.Errorf("measure space: count results: %w", err)
	}
	if err := c.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(length(data)), 0) FROM minutes").Scan(&s.Rows.Days, &s.HistoryData); err != nil {
		return s, fmt.Errorf("measure space: count history: %w", err)
	}
	size := func() (int64, error) {
		var pages, pageSize int64
		if err := c.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			return 0, err
		}
		if err := c.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
			return 0, err
		}
		return pages * pageSize, nil
	}
	if s.Total, err = size(); err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	step := func(stmts ...string) (int64, error) {
		before, err := size()
		if err != nil {
			return 0, err
		}
		for _, q := range append(stmts, "VACUUM") {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return 0, fmt.Errorf("%s: %w", q, err)
			}
		}
		after, err := size()
		return before - after, err
	}
	if s.Results, err = step("DELETE FROM result_details", "DELETE FROM results"); err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	if s.History, err = step("DELETE FROM minutes"); err != nil {
		return s, fmt.Errorf("measure space: %w", err)
	}
	return s, nil
}
