package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/slatehq/slate/internal/minutes"
)

// partitionCache remembers the days whose results partition exists, so
// that ingest asks the catalogue only for a day it has not seen.
type partitionCache struct {
	mu   sync.Mutex
	days map[int64]bool
}

func (c *partitionCache) missing(days map[int64]bool) []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int64
	for d := range days {
		if !c.days[d] {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

func (c *partitionCache) add(days []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil {
		c.days = map[int64]bool{}
	}
	for _, d := range days {
		c.days[d] = true
	}
}

func (c *partitionCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.days)
}

// partitionName is the results partition of a UTC day: results_d<day>.
func partitionName(day int64) string { return "results_d" + strconv.FormatInt(day, 10) }

// partitionDay parses a partition's name; ok is false for other tables.
func partitionDay(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "results_d")
	if !ok {
		return 0, false
	}
	d, err := strconv.ParseInt(rest, 10, 64)
	return d, err == nil
}

// ensurePartitions creates the results partitions of days that do not
// exist yet, in a transaction of its own under the partition lock, so that
// replicas creating the same day at once do not collide.
//
// Creating a partition takes an exclusive lock on results, which waits for
// every open reader of results; a long one (pg_dump's exported snapshot
// holds one for the whole dump) would keep it waiting, and every lock
// request queued behind it (pg_dump's own among them) would wait on it in
// turn: a cycle the server cannot see, since its last edge runs through
// the backup process. So each attempt waits at most partitionLockWait for
// the lock and then steps out of the queue, letting the readers behind it
// through, and tries again until ctx ends.
func (s *Store) ensurePartitions(ctx context.Context, days map[int64]bool) error {
	missing := s.parts.missing(days)
	if len(missing) == 0 {
		return nil
	}
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := s.createPartitions(ctx, missing)
		if err == nil {
			break
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != lockNotAvailable {
			return s.mapErr(err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create partitions: %w (results stayed locked by a long reader)", ctx.Err())
		case <-time.After(wait):
		}
	}
	s.parts.add(missing)
	return nil
}

// lockNotAvailable is the SQLSTATE of a lock_timeout that expired.
const lockNotAvailable = "55P03"

// partitionLockWait bounds one attempt's wait for the lock that creating a
// partition needs.
const partitionLockWait = "1s"

// createPartitions is one attempt of ensurePartitions.
func (s *Store) createPartitions(ctx context.Context, missing []int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockPartitions); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+partitionLockWait+`'`); err != nil {
			return err
		}
		for _, d := range missing {
			_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF results FOR VALUES FROM (%d) TO (%d)`,
				partitionName(d), d*minutes.MsPerDay, (d+1)*minutes.MsPerDay))
			if err != nil {
				return fmt.Errorf("create partition of day %d: %w", d, err)
			}
		}
		return nil
	})
}

// partitions lists the days that have a results partition.
func (s *Store) partitions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'results'::regclass`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var days []int64
	for _, n := range names {
		if d, ok := partitionDay(n); ok {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	return days, nil
}
