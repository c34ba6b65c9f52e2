package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slatehq/slate/db"
)

// DefaultKeep is how many good backups of each level a directory keeps when
// Config.Keep is 0.
const DefaultKeep = 3

// Store is what a backup needs of the store: a consistent online snapshot
// written to path, with the rows it holds counted. *db.DB has it.
type Store interface {
	Snapshot(ctx context.Context, path string) (db.Counts, error)
}

// Config says where backups go and how many are kept.
type Config struct {
	// Dir holds the backups, in one subdirectory per level. Required.
	Dir string
	// SecondDir, when set, receives a checked copy of every good backup,
	// rotated the same way: another disk, a mounted remote. "" means none.
	SecondDir string
	// Keep is how many good backups per level each directory keeps. 0 (or
	// less) means DefaultKeep.
	Keep int
	// Resolve lets verification recompute the latest period's credits from
	// the restored evidence. nil skips that step.
	Resolve Resolver
	// TempDir is where Take restores each backup to verify it; it needs
	// room for one copy. "" means the system's temporary directory.
	TempDir string
	// Metrics, when not nil, is updated by Take.
	Metrics *Metrics
}

func (c Config) keep() int {
	if c.Keep <= 0 {
		return DefaultKeep
	}
	return c.Keep
}

// Take backs up store at level ("hourly", "daily" or "weekly"), named for
// now: it snapshots the database to Dir/<level>/slate-<UTC time>.db.partial,
// renames the finished snapshot to its final name, writes its .sha256,
// verifies it (restore, integrity, row counts against the snapshot's, and
// credits when cfg.Resolve is set) and only then writes its .good record.
// It then copies the three files to SecondDir/<level>/ when set, checking
// the copy's checksum, and rotates both directories.
//
// Backups are named to the second: a second Take of the same level in the
// same second fails rather than replace the first.
//
// It returns the backup as List would report it. An error after the .good
// record was written (the second copy, the rotation) comes with a good
// Backup: the backup exists and is verified, the rest did not happen.
func Take(ctx context.Context, store Store, cfg Config, level string, now time.Time) (Backup, error) {
	b, err := take(ctx, store, cfg, level, now)
	if err != nil {
		cfg.Metrics.failed(level)
		return b, err
	}
	cfg.Metrics.succeeded(level, now)
	return b, nil
}

func take(ctx context.Context, store Store, cfg Config, level string, now time.Time) (Backup, error) {
	return takeWith(ctx, cfg, level, now, extSQLite, store.Snapshot, func(ctx context.Context, file string, counts *db.Counts) error {
		_, err := Verify(ctx, file, counts, VerifyOptions{Resolve: cfg.Resolve, TempDir: cfg.TempDir})
		return err
	})
}

// takeWith is Take for any backend: snapshot writes the copy to the
// partial file it is given and returns the counts of what it wrote, verify
// restores and checks the finished file.
func takeWith(ctx context.Context, cfg Config, level string, now time.Time, ext string,
	snapshot func(ctx context.Context, partial string) (db.Counts, error),
	verify func(ctx context.Context, file string, counts *db.Counts) error) (Backup, error) {
	if err := checkLevel(level); err != nil {
		return Backup{}, fmt.Errorf("take backup: %w", err)
	}
	if cfg.Dir == "" {
		return Backup{}, errors.New("take backup: empty directory")
	}
	dir := filepath.Join(cfg.Dir, level)
	if err := os.MkdirAll(dir, db.PrivateDirMode); err != nil {
		return Backup{}, fmt.Errorf("take backup: %w", err)
	}
	name := nameOf(now, ext)
	final := filepath.Join(dir, name)
	b := Backup{Path: final, Level: level, Time: now.UTC().Truncate(time.Second), Checksum: SumMissing}
	if _, err := os.Lstat(final); err == nil {
		return b, fmt.Errorf("take backup %s: file exists", final)
	}
	partial := final + kindPartial
	// A .partial of the same name is a crashed attempt of this very
	// second: it was never renamed, so nothing refers to it.
	os.Remove(partial) //nolint:errcheck // absent is the usual case

	counts, err := snapshot(ctx, partial)
	if err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	sum, size, err := hashFile(partial)
	if err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	if err := os.Rename(partial, final); err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	if err := syncDir(dir); err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	b.Size = size
	if err := writeAtomic(final+kindSum, []byte(sumLine(sum, name))); err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	b.SHA256, b.Checksum = sum, SumRecorded

	if err := verify(ctx, final, &counts); err != nil {
		return b, fmt.Errorf("take backup: %w", err)
	}
	rec, err := json.MarshalIndent(goodRecord{VerifiedAt: now.UTC(), SHA256: sum, Size: size, Counts: toGoodCounts(counts)}, "", "  ")
	if err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	if err := writeAtomic(final+kindGood, append(rec, '\n')); err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	b.Checksum, b.Good, b.VerifiedAt, b.Counts = SumVerified, true, now.UTC(), counts
	cfg.Metrics.verified(level, now)

	var errs []error
	if cfg.SecondDir != "" {
		if err := copyBackup(final, filepath.Join(cfg.SecondDir, level), sum); err != nil {
			errs = append(errs, err)
		} else if err := rotate(filepath.Join(cfg.SecondDir, level), level, cfg.keep()); err != nil {
			errs = append(errs, err)
		}
	}
	if err := rotate(dir, level, cfg.keep()); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return b, fmt.Errorf("take backup %s: %w", final, err)
	}
	return b, nil
}

// baseOf is the name of a backup's main file.
func baseOf(b Backup) string { return filepath.Base(strings.TrimSuffix(b.Path, kindPartial)) }

// copyBackup copies a good backup's database, checksum and record to dir,
// in that order, each through a checked temporary file: the copy is good
// only once all three are there.
func copyBackup(file, dir, sum string) error {
	if err := os.MkdirAll(dir, db.PrivateDirMode); err != nil {
		return fmt.Errorf("second copy to %s: %w", dir, err)
	}
	dst := filepath.Join(dir, filepath.Base(file))
	if err := copyAtomic(file, dst, sum); err != nil {
		return fmt.Errorf("second copy: %w", err)
	}
	for _, kind := range []string{kindSum, kindGood} {
		data, err := os.ReadFile(file + kind)
		if err != nil {
			return fmt.Errorf("second copy: %w", err)
		}
		if err := writeAtomic(dst+kind, data); err != nil {
			return fmt.Errorf("second copy: %w", err)
		}
	}
	return nil
}

// rotate keeps the newest keep good backups of a level directory and
// removes the older good ones, and every leftover (a .partial, a backup
// without its .good record, a stray checksum or temporary file) older than
// the newest good backup. Newer leftovers may be a backup in progress and
// are kept. A backup's .good record goes first, so a crash halfway leaves
// a backup that is not good rather than a good one with files missing.
func rotate(dir, level string, keep int) error {
	bs, err := listLevel(dir, level)
	if err != nil {
		return err
	}
	var newestGood time.Time
	remove := map[string]bool{} // database names to remove
	kept := 0
	for _, b := range bs { // newest first
		if !b.Good {
			continue
		}
		if newestGood.IsZero() {
			newestGood = b.Time
		}
		if kept < keep {
			kept++
			continue
		}
		remove[baseOf(b)] = true
	}
	if newestGood.IsZero() {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("rotate %s: %w", dir, err)
	}
	goodAt := map[string]bool{}
	for _, b := range bs {
		if b.Good {
			goodAt[baseOf(b)] = true
		}
	}
	// Two passes: every .good record first, then the rest.
	var errs []error
	for _, pass := range []bool{true, false} {
		for _, e := range ents {
			base, at, kind, ok := parseName(e.Name())
			if !ok || (kind == kindGood) != pass {
				continue
			}
			if !remove[base] && (goodAt[base] || !at.Before(newestGood)) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := syncDir(dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rotate %s: %w", dir, err)
	}
	return nil
}
