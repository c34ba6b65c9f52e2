// Package pgtest gives tests real PostgreSQL databases: a throwaway
// cluster started once per test binary (initdb and pg_ctl, as the postgres
// user when the tests run as root, listening only on a Unix socket in a
// temporary directory), or an outside server named by SLATE_TEST_POSTGRES,
// and a new database of its own for each test.
//
// A test binary that uses it calls Main from TestMain. Main passes the
// cluster to the tests (and to child processes the tests start) through
// the environment, so the package holds no state of its own.
//
// Without PostgreSQL the tests that need it skip, naming the Debian
// package to install (postgresql); under CI=true they fail instead.
//
// # Imports
//
// pgtest imports the standard library, package testing and
// github.com/jackc/pgx/v5.
package pgtest
