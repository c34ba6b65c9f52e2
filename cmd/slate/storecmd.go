package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/pgstore"
	"github.com/slatehq/slate/store"
)

const storeUsage = `Usage: slate store migrate --from FILE --to postgres://USER@HOST/DB

Copies a SQLite store (storage.path) into an empty PostgreSQL database:
the evidence (raw results and minute history as recorded), the ledger, the
audit log with its hashes, exclusions, maintenance, incidents, the outbox,
tokens (as hashes) and secrets, so that tokens and signed links keep
working. It then checks the copy (row counts, the audit chain) and prints
what it copied. It refuses a database that already holds data. Stop slate
first: nothing may write to FILE meanwhile. Then set storage.url.

Give the password in PGPASSWORD or a PGPASSFILE rather than in the URL,
which the command line shows to every user of the machine.

Flags:
`

func runStore(args []string, stdout, stderr io.Writer) int {
	sub, code, ok := subcommand(args, storeUsage, stdout)
	if !ok {
		return code
	}
	if sub != "migrate" {
		fmt.Fprintf(stderr, "slate store: unknown command %q\n\n%s", sub, storeUsage)
		return exitUsage
	}
	fs := newFlagSet("store migrate", stderr, storeUsage)
	from := fs.String("from", "", "the SQLite store to copy (required)")
	to := fs.String("to", "", "the PostgreSQL database to copy into, a postgres:// URL (required)")
	if code, ok := parseFlags(fs, args[1:], stdout); !ok {
		return code
	}
	if *from == "" || *to == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "slate store migrate: give --from FILE and --to postgres://...")
		return exitUsage
	}
	target, err := url.Parse(*to)
	if err != nil || (target.Scheme != "postgres" && target.Scheme != "postgresql") {
		fmt.Fprintln(stderr, "slate store migrate: --to: must be a postgres:// or postgresql:// URL")
		return exitUsage
	}
	// db.Open would make a new, empty store of a missing file.
	if _, err := os.Stat(*from); err != nil {
		fmt.Fprintf(stderr, "slate store migrate: --from: %v\n", err)
		return exitUsage
	}
	counts, err := migrateStore(context.Background(), *from, *to)
	if errors.Is(err, store.ErrNotEmpty) {
		fmt.Fprintf(stderr, "slate store migrate: %s already holds data; copy only into an empty database\n", target.Redacted())
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(stderr, "slate store migrate: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "copied %s to %s and checked the copy: %d results, %d history days, %d credits, %d audit entries (chain intact)\n",
		*from, target.Redacted(), counts.Results, counts.HistoryDays, counts.Credits, counts.Audit)
	return exitOK
}

// migrateStore copies the SQLite store at from into the empty PostgreSQL
// database at to; errors name to without its password.
func migrateStore(ctx context.Context, from, to string) (store.Counts, error) {
	src, err := db.Open(from, db.Options{})
	if err != nil {
		return store.Counts{}, err
	}
	defer src.Close()
	dst, err := pgstore.Open(ctx, to, pgstore.Options{})
	if err != nil {
		u, _ := url.Parse(to)
		return store.Counts{}, fmt.Errorf("open %s: %w", u.Redacted(), err)
	}
	defer dst.Close()
	return dst.CopyFrom(ctx, src)
}
