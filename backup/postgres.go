package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slatehq/slate/db"
	"github.com/slatehq/slate/pgstore"
)

// PostgresOptions are what backups of a PostgreSQL store need beyond
// Config.
type PostgresOptions struct {
	// BinDir holds pg_dump and pg_restore, of the server's major version
	// or newer. "" means PATH, then the newest /usr/lib/postgresql/*/bin.
	BinDir string
	// AdminDB is the database Verify connects to on the same server to
	// create and drop its scratch database. "" means "postgres".
	AdminDB string
}

// dumpLockWait bounds how long pg_dump waits for each table's lock.
const dumpLockWait = "60s"

// TakePostgres backs up a PostgreSQL store at level, named for now, with
// the same promise and files as Take: pg_dump writes a custom-format
// archive of one snapshot (the one whose rows it counted) to
// Dir/<level>/slate-<UTC time>.pgdump.partial, which is renamed, checksummed,
// restored into a scratch database on the same server and checked (audit
// chain, row counts, latest period's credits when cfg.Resolve is set)
// before its .good record is written; then the second copy and rotation.
func TakePostgres(ctx context.Context, s *pgstore.Store, cfg Config, level string, now time.Time, po PostgresOptions) (Backup, error) {
	snapshot := func(ctx context.Context, partial string) (db.Counts, error) {
		pgDump, err := pgTool(po.BinDir, "pg_dump")
		if err != nil {
			return db.Counts{}, err
		}
		// pg_dump would create its file with the umask's mode; made here
		// first, it is private from its first byte, since the archive holds
		// what the store holds (the link-signing key, token hashes).
		f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, db.PrivateFileMode)
		if err != nil {
			return db.Counts{}, err
		}
		if err := f.Close(); err != nil {
			return db.Counts{}, err
		}
		var counts db.Counts
		err = s.Snapshot(ctx, func(snap string, c db.Counts) error {
			counts = c
			// A bounded lock wait: a backup that cannot get its locks fails
			// and is retried at its next run rather than queueing for ever.
			// Console sessions' rows stay out, as in SQLite backups: a
			// restore must not sign anyone back in.
			return runTool(ctx, pgDump, s.ConnString(), "--format=custom", "--no-owner", "--lock-wait-timeout="+dumpLockWait,
				"--exclude-table-data=sessions", "--snapshot="+snap, "--file="+partial)
		})
		if err == nil {
			err = syncFile(partial)
		}
		return counts, err
	}
	verify := func(ctx context.Context, file string, counts *db.Counts) error {
		_, err := VerifyPostgres(ctx, file, counts, VerifyOptions{Resolve: cfg.Resolve}, s.ConnString(), po)
		return err
	}
	b, err := takeWith(ctx, cfg, level, now, extPostgres, snapshot, verify)
	if err != nil {
		cfg.Metrics.failed(level)
		return b, err
	}
	cfg.Metrics.succeeded(level, now)
	return b, nil
}

// VerifyPostgres checks a pg_dump backup by restoring it, in steps that
// stop at the first failure:
//
//   - checksum: the file matches its .sha256 file;
//   - restore: pg_restore into a new scratch database on the server of
//     serverURL (dropped afterwards) succeeds, every statement of it;
//   - audit: the restored audit chain verifies from its first entry;
//   - counts: the restored row counts equal expect (skipped when nil);
//   - credits: the latest period's credits, recomputed from the restored
//     evidence, equal the restored ledger (skipped without opts.Resolve).
func VerifyPostgres(ctx context.Context, file string, expect *db.Counts, opts VerifyOptions, serverURL string, po PostgresOptions) (Report, error) {
	r := Report{File: file}
	sum, _, err := checkSum(file)
	if err != nil {
		return r, r.fail("checksum", err)
	}
	r.SHA256 = sum
	r.add("checksum", StepOK, "sha256 "+sum)

	scratch, drop, err := scratchDatabase(ctx, serverURL, po.AdminDB)
	if err != nil {
		return r, r.fail("restore", err)
	}
	defer drop()
	pgRestore, err := pgTool(po.BinDir, "pg_restore")
	if err == nil {
		err = runTool(ctx, pgRestore, scratch, "--exit-on-error", "--no-owner", "--single-transaction", file)
	}
	if err != nil {
		return r, r.fail("restore", err)
	}
	r.add("restore", StepOK, "pg_restore into a scratch database")

	st, err := pgstore.Open(ctx, scratch, pgstore.Options{MaxConns: 2})
	if err != nil {
		return r, r.fail("audit", err)
	}
	defer st.Close()
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		return r, r.fail("audit", err)
	}
	r.add("audit", StepOK, fmt.Sprintf("%d entries, the chain verifies", n))

	counts, err := st.Counts(ctx)
	if err != nil {
		return r, r.fail("counts", err)
	}
	if err := r.compareCounts(counts, expect); err != nil {
		return r, err
	}
	return r, r.creditsStep(opts.Resolve, func() (string, error) { return checkCredits(ctx, st, opts.Resolve) })
}

// scratchDatabase creates an empty database on the server of serverURL and
// returns its URL and a function that drops it.
func scratchDatabase(ctx context.Context, serverURL, adminDB string) (string, func(), error) {
	if adminDB == "" {
		adminDB = "postgres"
	}
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	name := "slate_verify_" + hex.EncodeToString(b[:])
	admin := *cfg
	admin.Database = adminDB
	conn, err := pgx.ConnectConfig(ctx, &admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s to make a scratch database: %w", adminDB, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create scratch database: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck // best effort: a leftover scratch database is named for what it is
		conn.Close(ctx)
	}
	return withDatabase(serverURL, name), drop, nil
}

// withDatabase is a connection string (URL or key=value) naming another
// database.
func withDatabase(conn, name string) string {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String()
	}
	return conn + " dbname=" + name
}

// pgTool finds a PostgreSQL client program.
func pgTool(binDir, prog string) (string, error) {
	if binDir != "" {
		return filepath.Join(binDir, prog), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if p := filepath.Join(d, prog); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(prog); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: install the Debian package postgresql-client, or set the PostgreSQL bin directory", prog)
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// runTool runs a client program on the database of conn and returns its
// output in the error. The password of conn is given to the program in
// its environment (PGPASSWORD), never on its command line, which every
// user of the machine may read.
func runTool(ctx context.Context, prog, conn string, args ...string) error {
	safe, password := splitPassword(conn)
	cmd := exec.CommandContext(ctx, prog, append(args, "--dbname="+safe)...)
	if password != "" {
		cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(prog), err, strings.TrimSpace(string(out)))
	}
	return nil
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

// splitPassword takes the password out of a connection string (a URL's
// user information or password parameter, or a key=value password) and
// returns the rest and the password. Without one, password is "" and the
// program finds it as libpq does (PGPASSWORD, PGPASSFILE, ~/.pgpass).
func splitPassword(conn string) (rest, password string) {
	if u, err := url.Parse(conn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if u.User != nil {
			if p, ok := u.User.Password(); ok {
				password = p
				u.User = url.User(u.User.Username())
			}
		}
		if q := u.Query(); q.Has("password") {
			password = q.Get("password")
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String(), password
	}
	var kept []string
	for _, f := range strings.Fields(conn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			password = strings.Trim(v, "'")
			continue
		}
		kept = append(kept, f)
	}
	return strings.Join(kept, " "), password
}
