package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables.
const (
	// EnvURL names a PostgreSQL server, as a URL whose database is one the
	// tests may connect to in order to create their own databases
	// ("postgres://user@host/postgres"). Set by hand for an outside
	// server; Main sets it for the cluster it starts.
	EnvURL = "SLATE_TEST_POSTGRES"
	// EnvData is the data directory of the cluster Main started, so that
	// crash tests can stop and start it; empty for an outside server.
	EnvData = "SLATE_TEST_POSTGRES_DATA"
	// EnvSkip is set by Main when no PostgreSQL was found: the reason.
	EnvSkip = "SLATE_TEST_POSTGRES_SKIP"
)

// Package names the Debian package that brings the server.
const Package = "postgresql"

// Main runs the tests of m with a PostgreSQL server: the one EnvURL names,
// or a cluster it starts for the run and stops after it. It returns the
// exit code for os.Exit.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	c, err := start()
	if err != nil {
		os.Setenv(EnvSkip, err.Error())
		return m.Run()
	}
	os.Setenv(EnvURL, c.url())
	os.Setenv(EnvData, c.data)
	code := m.Run()
	if err := c.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Server is a cluster started with initdb and pg_ctl.
type Server struct {
	bin  string // directory of initdb and pg_ctl
	dir  string // temporary directory: data/ and the socket
	data string
	cred *syscall.Credential // the postgres user when running as root; nil otherwise
}

func (c *Server) url() string {
	return (&url.URL{Scheme: "postgres", User: url.User(c.user()), Path: "/postgres",
		RawQuery: url.Values{"host": {c.dir}, "sslmode": {"disable"}}.Encode()}).String()
}

func (c *Server) user() string {
	if c.cred != nil {
		return "postgres"
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "postgres"
}

// binDir finds the directory of initdb: the newest of Debian's
// /usr/lib/postgresql/*/bin, or PATH.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("no PostgreSQL server binaries (initdb): install the Debian package %s, or set %s", Package, EnvURL)
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	reapOrphans(bin)
	c := &Server{bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the cluster belongs to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres user to own the cluster: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if c.dir, err = os.MkdirTemp("", "slate-pg-"); err != nil {
		return nil, err
	}
	c.data = filepath.Join(c.dir, "data")
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			os.RemoveAll(c.dir)
			return nil, err
		}
	}
	// The owner file names this process, so that a later run can stop the
	// cluster if this one dies without stopping it (a panic, a timeout).
	if err := os.WriteFile(filepath.Join(c.dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if err := c.run("initdb", "-D", c.data, "-A", "trust", "-U", c.user(), "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	if err := c.Start(); err != nil {
		os.RemoveAll(c.dir)
		return nil, err
	}
	return c, nil
}

// reapOrphans stops and removes the clusters of earlier test binaries that
// died without stopping theirs: a panicking test ends the process before
// Main can, and the server would otherwise run on.
func reapOrphans(bin string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "slate-pg-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue // not started by this package, or still being made
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) == nil || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue // its owner is alive (or unknown): not an orphan
		}
		c := &Server{bin: bin, dir: dir, data: filepath.Join(dir, "data")}
		if st, err := os.Stat(c.data); err == nil && os.Geteuid() == 0 {
			if s, ok := st.Sys().(*syscall.Stat_t); ok {
				c.cred = &syscall.Credential{Uid: s.Uid, Gid: s.Gid}
			}
		}
		c.run("pg_ctl", "-D", c.data, "-w", "-m", "immediate", "stop") //nolint:errcheck // it may not be running
		os.RemoveAll(dir)
	}
}

// options are the server's settings: no TCP at all, the socket in the
// temporary directory, room for many test databases and pools at once.
func (c *Server) options() string {
	return strings.Join([]string{
		"-k " + c.dir,
		"-c listen_addresses=''",
		"-c max_connections=300",
		"-c shared_buffers=128MB",
	}, " ")
}

// Start starts the cluster and waits until it accepts connections.
func (c *Server) Start() error {
	return c.run("pg_ctl", "-D", c.data, "-w", "-t", "60", "-l", filepath.Join(c.dir, "log"), "-o", c.options(), "start")
}

func (c *Server) stop() error {
	defer os.RemoveAll(c.dir)
	return c.run("pg_ctl", "-D", c.data, "-w", "-m", "fast", "stop")
}

func (c *Server) run(prog string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", prog, strings.Join(args, " "), err, out)
	}
	return nil
}

// need skips t, or fails it under CI=true, when there is no server.
func need(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	why := os.Getenv(EnvSkip)
	if why == "" {
		why = "pgtest.Main did not run: call it from TestMain"
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is required under CI=true (Debian package %s): %s", Package, why)
	}
	t.Skipf("no PostgreSQL (install the Debian package %s, or set %s): %s", Package, EnvURL, why)
	return ""
}

// NewDatabase creates an empty database for t and returns its URL; it is
// dropped when the test ends, whoever is still connected.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := need(t)
	var b [6]byte
	rand.Read(b[:])
	name := "slate_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin(ctx, base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin(ctx, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return WithDatabase(base, name)
}

// WithDatabase is the URL u with its database replaced by name.
func WithDatabase(u, name string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Path = "/" + name
	return p.String()
}

// admin runs one statement on the server's maintenance database. CREATE
// and DROP DATABASE cannot run in a transaction, so it is a plain
// connection and statement.
func admin(ctx context.Context, base, stmt string) error {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

// Cluster is the cluster Main started, for tests that stop and start the
// server; nil (and the test skipped) for an outside server.
func Cluster(t testing.TB) *Server {
	t.Helper()
	u := need(t)
	data := os.Getenv(EnvData)
	if data == "" {
		t.Skipf("the PostgreSQL server is an outside one (%s): not stopping it", EnvURL)
	}
	bin, err := binDir()
	if err != nil {
		t.Fatal(err)
	}
	c := &Server{bin: bin, data: data, dir: filepath.Dir(data)}
	if p, err := url.Parse(u); err == nil {
		c.dir = p.Query().Get("host")
	}
	if os.Geteuid() == 0 {
		st, err := os.Stat(data)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := st.Sys().(*syscall.Stat_t); ok {
			c.cred = &syscall.Credential{Uid: s.Uid, Gid: s.Gid}
		}
	}
	return c
}

// StopImmediate stops the server the way a power cut would look to it:
// pg_ctl stop -m immediate, no checkpoint, crash recovery on the next
// start.
func (c *Server) StopImmediate() error {
	return c.run("pg_ctl", "-D", c.data, "-w", "-m", "immediate", "stop")
}
