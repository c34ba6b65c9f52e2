package db

import (
	"context"
	"database/sql"
	"fmt"
)

// names maps the names in one lookup table (checks, locations, classes) to
// their integer ids, caching them in memory. It belongs to the writer
// goroutine. Ids assigned inside a transaction stay pending until it
// commits, so a rolled-back id is never cached.
type names struct {
	table   string           // lookup table; a constant, never user input
	ids     map[string]int64 // committed
	pending map[string]int64 // assigned in the open transaction
}

func newNames(table string) *names {
	return &names{table: table, ids: map[string]int64{}, pending: map[string]int64{}}
}

// id returns the id of name, inserting it into the table inside tx if it is
// new.
func (n *names) id(ctx context.Context, tx *sql.Tx, name string) (int64, error) {
	if id, ok := n.ids[name]; ok {
		return id, nil
	}
	if id, ok := n.pending[name]; ok {
		return id, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+n.table+` (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return 0, fmt.Errorf("insert %s %q: %w", n.table, name, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM `+n.table+` WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("look up %s %q: %w", n.table, name, err)
	}
	n.pending[name] = id
	return id, nil
}

// commit makes the ids of the committed transaction permanent.
func (n *names) commit() {
	for k, v := range n.pending {
		n.ids[k] = v
	}
	clear(n.pending)
}

// rollback forgets the ids of the rolled-back transaction.
func (n *names) rollback() { clear(n.pending) }
