// Command slate is the SLA monitor and service-credit calculator. It wires the
// packages together and owns no logic of its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	_ "time/tzdata" // periods are computed in IANA zones even on machines without a zoneinfo database

	"github.com/slatehq/slate/config"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and found a problem (a worked answer that differs)
	exitUsage = 2 // bad input: a flag, a file, a case or a configuration was refused
)

const usage = `slate — SLA monitoring and service credits

Usage:
  slate <command> [arguments]

Commands:
  demo          run slate on built-in data: live status, 90 days of history, incidents, credits
  calc FILE     compute what an SLA case owes (FILE is YAML or JSON; - reads standard input)
  check CONFIG  validate a configuration file
  serve         run probes, store and HTTP server (--config FILE [--listen ADDR])
  agent         probe one location's checks and ship the results to slate serve
  report        uptime, budgets, coverage and credits per contract from the evidence
  credits       the credit ledger: list, approve, issue, void, statement, close
  exclusions    manual SLA exclusions: add, list, cancel (audited)
  token         API tokens: create, list, revoke (shown once, stored hashed)
  locations     each location's health: the agent holding it, last batch, lag, clock
  rules         Prometheus recording and burn-rate alerting rules for the contracts
  incidents     list, show, update, set severity, write and publish post-mortems
  maintenance   announce, list and cancel maintenance windows
  link          print a signed, expiring link to a tenant's private status page; rotate revokes them all
  backup        take, list and verify proven backups
  restore       restore a backup to a new path (never overwrites)
  store         store migrate: copy a SQLite store into an empty PostgreSQL database
  audit verify  prove the audit log's hash chain
  bench probes  measure probing throughput, CPU, memory and storage on this machine
  bench status  measure the status page under load while probes run
  help [CMD]    show help for a command

Run "slate help calc" for the SLA-case format, with an example.
`

func main() {
	gin.SetMode(gin.ReleaseMode) // once, before any engine is built: no debug route dump
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: tests call it with their own streams.
// The commands read the wall clock through it, and only through it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runAt(time.Now, args, stdin, stdout, stderr)
}

// runAt is run with the clock the commands read.
func runAt(now func() time.Time, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "demo":
		return runDemo(rest, stdout, stderr)
	case "calc":
		return runCalc(rest, stdin, stdout, stderr)
	case "check":
		return runCheck(rest, stdout, stderr)
	case "serve":
		return runServe(rest, stdout, stderr)
	case "agent":
		return runAgent(rest, stdout, stderr)
	case "report":
		return runReport(rest, stdout, stderr, now)
	case "credits":
		return runCredits(rest, stdout, stderr, now)
	case "audit":
		return runAudit(rest, stdout, stderr)
	case "exclusions":
		return runExclusions(rest, stdout, stderr)
	case "token":
		return runToken(rest, stdout, stderr)
	case "locations":
		return runLocations(rest, now, stdout, stderr)
	case "rules":
		return runRules(rest, stdout, stderr)
	case "incidents":
		return runIncidents(rest, stdout, stderr, now)
	case "maintenance":
		return runMaintenance(rest, stdout, stderr, now)
	case "backup":
		return runBackup(rest, stdout, stderr, now)
	case "restore":
		return runRestore(rest, stdout, stderr)
	case "bench":
		return runBench(rest, stdin, stdout, stderr)
	case "link":
		return runLink(rest, stdout, stderr, now)
	case "store":
		return runStore(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return runAt(now, []string{rest[0], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "slate: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

// parseFlags parses a command's flags. On --help it prints the command's
// usage to stdout; it returns ok false, with the exit status, when the
// command should stop there.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK, false
	case err != nil:
		return exitUsage, false // the flag package printed the problem
	}
	return exitOK, true
}

// parseInterspersed is parseFlags for commands whose arguments may come
// before, between or after the flags ("credits approve 7 --config FILE"):
// it returns the arguments that are not flags.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout io.Writer) (rest []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args, stdout); !ok {
			return nil, code, false
		}
		if fs.NArg() == 0 {
			return rest, exitOK, true
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// newFlagSet is a command's flag set, printing usage and errors to stderr.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	return fs
}

// openConfigStore loads the configuration at path and opens its store, for
// the commands that work on stored data. On failure it prints the problem
// under the command's name and returns ok false with the exit status.
func openConfigStore(cmd, path string, stderr io.Writer) (cfg *config.Config, store cliStore, code int, ok bool) {
	if path == "" {
		fmt.Fprintf(stderr, "slate %s: give --config FILE\n", cmd)
		return nil, nil, exitUsage, false
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, exitUsage, false
	}
	store, err = openStore(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "slate %s: %v\n", cmd, err)
		return nil, nil, exitFail, false
	}
	return cfg, store, exitOK, true
}

// subcommand splits off a command's subcommand. Without one, or on help, it
// prints the usage and returns ok false with the exit status.
func subcommand(args []string, usage string, stdout io.Writer) (sub string, code int, ok bool) {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return "", exitUsage, false
		}
		return "", exitOK, false
	}
	return args[0], exitOK, true
}
