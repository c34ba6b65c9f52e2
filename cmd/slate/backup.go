package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/slatehq/slate/backup"
	"github.com/slatehq/slate/config"
	"github.com/slatehq/slate/monitor"
)

const backupUsage = `Usage: slate backup <command> --config FILE

A backup counts only once it has been restored and checked: integrity and
foreign keys, row counts against the live database at snapshot time, and the
last closed period's credits recomputed from the restored evidence and
compared with the restored ledger. Only then does it get its .good record.
slate serve takes backups hourly, daily and weekly and keeps three good ones
of each.

Commands:
  now [--level hourly|daily|weekly]   take and verify a backup now (default daily)
  list                                 every backup, good or not
  verify FILE                          check a backup again: checksum, restore, checks, and the
                                       row counts its .good record holds

Restore with: slate restore FILE --to PATH
`

func runBackup(args []string, stdout, stderr io.Writer, now func() time.Time) int {
	sub, code, ok := subcommand(args, backupUsage, stdout)
	if !ok {
		return code
	}
	fs := newFlagSet("backup "+sub, stderr, backupUsage)
	configPath := fs.String("config", "", "configuration file (required)")
	level := fs.String("level", backup.Daily, "hourly, daily or weekly")
	pos, code, ok := parseInterspersed(fs, args[1:], stdout)
	if !ok {
		return code
	}
	if *configPath == "" {
		fmt.Fprintf(stderr, "slate backup %s: give --config FILE\n", sub)
		return exitUsage
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if !cfg.Backup.Enabled() {
		fmt.Fprintln(stderr, "slate backup: backups are off in this configuration (backup.dir: off)")
		return exitUsage
	}
	ctx, at := context.Background(), now()
	switch sub {
	case "now":
		store, err := openStore(cfg)
		if err != nil {
			fmt.Fprintf(stderr, "slate backup now: %v\n", err)
			return exitFail
		}
		defer store.Close()
		b, err := monitor.TakeBackup(ctx, store, monitor.BackupConfig(cfg, nil, at), *level, at)
		if err != nil {
			fmt.Fprintf(stderr, "slate backup now: %v\n", err)
			if !b.Good {
				return exitFail
			}
		}
		fmt.Fprintf(stdout, "%s: good, verified at %s (%d results, %d history days, %d credits, %d audit entries)\n",
			b.Path, b.VerifiedAt.Format(time.RFC3339), b.Counts.Results, b.Counts.HistoryDays, b.Counts.Credits, b.Counts.Audit)
		return exitOK
	case "list":
		bs, err := backup.List(cfg.Backup.Dir)
		if err != nil {
			fmt.Fprintf(stderr, "slate backup list: %v\n", err)
			return exitFail
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LEVEL\tTAKEN\tSIZE\tCHECKSUM\tGOOD\tFILE")
		for _, b := range bs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%v\t%s\n", b.Level, b.Time.Format(time.RFC3339), b.Size, b.Checksum, b.Good, b.Path)
		}
		tw.Flush()
		return exitOK
	case "verify":
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "slate backup verify: give one backup FILE")
			return exitUsage
		}
		// The counts its .good record holds, when it has one, are what the
		// restored copy must have.
		rep, err := backup.Verify(ctx, pos[0], backup.RecordedCounts(pos[0]), backup.VerifyOptions{Resolve: monitor.Resolver(&cfg.Catalog, at)})
		fmt.Fprint(stdout, rep.String())
		if err != nil {
			fmt.Fprintf(stderr, "slate backup verify: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	fmt.Fprintf(stderr, "slate backup: unknown command %q\n\n%s", sub, backupUsage)
	return exitUsage
}

const restoreUsage = `Usage: slate restore FILE --to PATH

Restores a backup to PATH after checking its checksum. It never overwrites:
PATH must not exist (nor a PATH-wal beside it, the sign of a database in
use). Point storage.path at PATH, or move it into place with slate stopped.
`

func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("restore", stderr, restoreUsage)
	to := fs.String("to", "", "where to restore (must not exist)")
	pos, code, ok := parseInterspersed(fs, args, stdout)
	if !ok {
		return code
	}
	if len(pos) != 1 || *to == "" {
		fmt.Fprint(stderr, restoreUsage)
		return exitUsage
	}
	if err := backup.Restore(context.Background(), pos[0], *to); err != nil {
		fmt.Fprintf(stderr, "slate restore: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "restored %s to %s\n", pos[0], *to)
	return exitOK
}
