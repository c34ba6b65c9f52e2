package pgstore

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/store"
)

// idCache maps the names of the lookup tables to their ids. Names are only
// ever added and an id never changes its name, so a cached pair is never
// stale, whatever other replicas do.
type idCache struct {
	mu   sync.RWMutex
	byID map[string]map[string]int64 // table -> name -> id
	name map[string]map[int64]string // table -> id -> name
}

func (c *idCache) get(table, name string) (int64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.byID[table][name]
	return id, ok
}

func (c *idCache) nameOf(table string, id int64) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n, ok := c.name[table][id]
	return n, ok
}

func (c *idCache) put(table, name string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID, c.name = map[string]map[string]int64{}, map[string]map[int64]string{}
	}
	if c.byID[table] == nil {
		c.byID[table], c.name[table] = map[string]int64{}, map[int64]string{}
	}
	c.byID[table][name] = id
	c.name[table][id] = name
}

// ensureIDs returns the ids of names in table (checks, locations or
// classes; a constant, never user input), inserting the new ones. The
// insert commits on its own, before the batch that needs it: an id of a
// batch that then fails stays, unused, which costs nothing.
//
// The names the insert skipped are read by a second statement. One
// statement cannot do both: a name another replica inserted and committed
// while the insert waited on its row is skipped by ON CONFLICT DO NOTHING,
// yet invisible to a read in the same statement, whose snapshot is older
// than that commit; the name would have no id, and its results would be
// stored under none. Every name must come back with an id, or the call
// fails.
func (s *Store) ensureIDs(ctx context.Context, table string, names []string) (map[string]int64, error) {
	out := make(map[string]int64, len(names))
	var missing []string
	for _, n := range names {
		if id, ok := s.ids.get(table, n); ok {
			out[n] = id
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	for _, q := range []string{
		`INSERT INTO ` + table + ` (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING RETURNING id, name`,
		`SELECT id, name FROM ` + table + ` WHERE name = ANY($1)`,
	} {
		if err := s.scanIDs(ctx, table, q, missing, out); err != nil {
			return nil, err
		}
		missing = slices.DeleteFunc(missing, func(n string) bool { _, ok := out[n]; return ok })
		if len(missing) == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("insert %s: no id for %q after inserting it", table, missing)
}

// scanIDs runs q with names and adds the (id, name) rows it returns to out
// and the cache — only once the statement has completed: an INSERT's
// RETURNING rows arrive before its commit, and a commit that fails (the
// server stopped under it) leaves names without rows, whose ids, once
// cached, would store every later result under an id no name has.
func (s *Store) scanIDs(ctx context.Context, table, q string, names []string, out map[string]int64) error {
	rows, err := s.pool.Query(ctx, q, names)
	if err != nil {
		return fmt.Errorf("insert %s: %w", table, s.mapErr(err))
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
		got[name] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert %s: %w", table, s.mapErr(err))
	}
	for name, id := range got {
		out[name] = id
		s.ids.put(table, name, id)
	}
	return nil
}

// lookupID returns the id of an existing name, or ErrNotFound.
func (s *Store) lookupID(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table, name string) (int64, error) {
	if id, ok := s.ids.get(table, name); ok {
		return id, nil
	}
	var id int64
	if err := q.QueryRow(ctx, `SELECT id FROM `+table+` WHERE name = $1`, name).Scan(&id); err != nil {
		return 0, s.mapErr(err)
	}
	s.ids.put(table, name, id)
	return id, nil
}

// checkID is the id of a check that has been written, or ErrNotFound.
func (s *Store) checkID(ctx context.Context, name string) (int64, error) {
	if err := s.check("look up check " + name); err != nil {
		return 0, err
	}
	id, err := s.lookupID(ctx, s.pool, "checks", name)
	if err != nil {
		return 0, fmt.Errorf("look up check %s: %w", name, err)
	}
	return id, nil
}

// errClosedOr is ErrClosed when the store is closed, else err.
func (s *Store) errClosedOr(err error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return err
}
